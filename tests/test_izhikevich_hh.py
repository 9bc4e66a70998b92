"""Izhikevich firing patterns and Hodgkin-Huxley excitability."""

import numpy as np
import pytest

import snnlab
from snnlab.generators import DCGenerator
from snnlab.neurons import HH, IZHIKEVICH_PATTERNS, Izhikevich


def izh_run(pattern, current=10.0, duration=500.0, dt=0.1):
    model = Izhikevich(**IZHIKEVICH_PATTERNS[pattern])
    return snnlab.simulate(model, DCGenerator(amplitude=current), duration=duration, dt=dt)


def burst_sizes(times, gap):
    """Number of spikes in each group separated by an interval longer than `gap` ms."""
    if len(times) == 0:
        return []
    breaks = np.flatnonzero(np.diff(times) > gap)
    edges = np.concatenate([[0], breaks + 1, [len(times)]])
    return list(np.diff(edges))


def test_regular_spiking_adapts():
    # RS: tonic spikes whose ISIs lengthen (spike-frequency adaptation), no bursts.
    isi = np.diff(izh_run("RS").spike_times)
    assert len(isi) >= 5
    assert isi[-1] > 1.5 * isi[0]
    assert np.all(isi > 8.0)


def test_fast_spiking_is_fast_and_regular():
    # FS: high tonic rate with little adaptation, much faster than RS.
    fs, rs = izh_run("FS"), izh_run("RS")
    isi = np.diff(fs.spike_times)
    assert len(fs.spike_times) > 3 * len(rs.spike_times)
    assert isi[-1] < 1.3 * np.median(isi[1:])


def test_intrinsically_bursting_starts_with_a_burst():
    # IB: an initial burst of several spikes, then single spikes.
    times = izh_run("IB").spike_times
    isi = np.diff(times)
    assert isi[0] < 10.0 and isi[1] < 10.0  # the initial burst
    assert np.median(isi[4:]) > 3 * isi[0]  # followed by tonic spiking
    sizes = burst_sizes(times, gap=15.0)
    assert sizes[0] >= 3 and max(sizes[2:]) <= 2


def test_chattering_fires_repeated_bursts():
    # CH: repeated high-frequency bursts of 2+ spikes.
    sizes = burst_sizes(izh_run("CH").spike_times, gap=12.0)
    assert len(sizes) >= 8
    assert np.mean(np.array(sizes[1:]) >= 2) > 0.8


def test_low_threshold_spiking_is_faster_than_rs():
    # LTS: tonic with high frequency and adaptation; b = 0.25 gives a higher rate than RS.
    lts, rs = izh_run("LTS"), izh_run("RS")
    isi = np.diff(lts.spike_times)
    assert len(lts.spike_times) > 1.5 * len(rs.spike_times)
    assert isi[-1] > isi[0]


def hh_spike_count(current, duration=200.0, dt=0.01, method="rk4"):
    res = snnlab.simulate(
        HH(), DCGenerator(amplitude=current), duration=duration, dt=dt, method=method
    )
    return len(res.spike_times)


def test_hh_spike_train_above_rheobase_none_well_below():
    assert hh_spike_count(1000.0) >= 10  # 10 uA/cm^2 on a 100 pF (1e-4 cm^2) cell
    assert hh_spike_count(100.0) == 0


@pytest.mark.slow
def test_hh_rheobase_in_literature_band():
    # Repetitive firing of the squid-axon HH model starts near 6.2-6.3 uA/cm^2 (Rinzel 1978;
    # the saddle-node of periodic orbits below the Hopf point at 9.8 uA/cm^2). With neurai's
    # 100 pF cell (1e-4 cm^2) that is ~620 pA. We bisect for sustained firing (>= 5 spikes
    # in 200 ms from rest) and accept 500-800 pA: the band covers the literature value with
    # margin for the onset transient from rest, which lowers the threshold a little.
    lo, hi = 100.0, 1500.0
    for _ in range(9):
        mid = 0.5 * (lo + hi)
        if hh_spike_count(mid, dt=0.02) >= 5:
            hi = mid
        else:
            lo = mid
    assert 500.0 <= hi <= 800.0, hi


def test_hh_rk4_and_rkf45_agree():
    kwargs = dict(duration=60.0, dt=0.01)
    a = snnlab.simulate(HH(), DCGenerator(amplitude=1000.0), method="rk4", **kwargs)
    b = snnlab.simulate(HH(), DCGenerator(amplitude=1000.0), method="rkf45", **kwargs)
    assert len(a.spike_times) == len(b.spike_times) >= 3
    # Both are 4th order at dt = 0.01 ms; the grid quantises spike times to dt.
    np.testing.assert_allclose(a.spike_times, b.spike_times, atol=0.011)
    # During the upstroke V changes ~ 100 mV/ms, so a 1e-3 relative timing shift in
    # float32 gives up to ~1 mV; elsewhere they agree to a few hundredths.
    assert np.median(np.abs(a["V"] - b["V"])) < 0.05
