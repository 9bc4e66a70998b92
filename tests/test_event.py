"""The event engine: exact spike times, agreement with the stepped engine, no retracing."""

import warnings

import numpy as np
import pytest
from scipy.optimize import brentq

import snnlab
from snnlab.core import MaxSpikesWarning, event_trace_count
from snnlab.generators import DCGenerator, PoissonGenerator, SpikeGenerator
from snnlab.neurons import HH, LIF, ExpLIF, Izhikevich

# ExpLIF: tau 10 ms, tau_syn 2 ms, R 0.04 GOhm, threshold 15 mV above rest, 2 ms refractory.
EXPLIF = dict(tau=10.0, tau_syn=2.0, R=0.04, V_rest=-70.0, V_th=-55.0, V_reset=-70.0)
INPUT_TIMES = [5.0, 5.5, 6.0, 20.0, 20.25, 20.5, 20.75, 40.0, 40.5]
WEIGHT = 2200.0  # pA per input spike


def _reference_explif(times, weight, t_end, tau_ref):
    """Independent float64 solution: the two-exponential membrane between events, brentq
    for the threshold crossing, reset and refractoriness (held V) by hand."""
    tau, ts, r = EXPLIF["tau"], EXPLIF["tau_syn"], EXPLIF["R"]
    v_rest, v_th, v_reset = EXPLIF["V_rest"], EXPLIF["V_th"], EXPLIF["V_reset"]

    def v_at(v0, i0, s):
        c = r * i0 * ts / (ts - tau)
        return v_rest + (v0 - v_rest - c) * np.exp(-s / tau) + c * np.exp(-s / ts)

    t, v, i, ref_end, spikes = 0.0, v_rest, 0.0, -1.0, []
    events = sorted(times) + [t_end]
    k = 0
    while t < t_end:
        t_next = min(events[k], ref_end) if ref_end > t else events[k]
        if ref_end > t:  # refractory: V held, I decays
            i *= np.exp(-(t_next - t) / ts)
            t = t_next
        else:
            grid = np.linspace(0.0, t_next - t, 2001)
            vals = v_at(v, i, grid) - v_th
            up = np.nonzero(vals >= 0)[0]
            if len(up):
                j = up[0]
                s = brentq(
                    lambda x, v=v, i=i: v_at(v, i, x) - v_th, grid[j - 1], grid[j], xtol=1e-14
                )
                i *= np.exp(-s / ts)
                t += s
                spikes.append(t)
                v, ref_end = v_reset, t + tau_ref
                continue
            v, i = v_at(v, i, t_next - t), i * np.exp(-(t_next - t) / ts)
            t = t_next
        while k < len(events) - 1 and events[k] <= t:
            i += weight
            k += 1
        if events[k] <= t:
            break
    return np.array(spikes)


def _explif_run(**kw):
    model = ExpLIF(size=1, tau_ref=2.0, **EXPLIF)
    inp = snnlab.Connection(SpikeGenerator(1, spike_times=INPUT_TIMES), weight=WEIGHT)
    return snnlab.simulate(model, inp, duration=60.0, **kw)


def test_explif_exact_spike_times_and_stepped_convergence(x64):
    ref = _reference_explif(INPUT_TIMES, WEIGHT, 60.0, 2.0)
    assert len(ref) >= 3
    # The closed-form fast path (automatic for ExpLIF) and the general diffrax path.
    fast = _explif_run(engine="event", dt=0.1)
    assert fast.method == "closed_form"
    np.testing.assert_allclose(fast.spike_times, ref, rtol=0, atol=1e-6)
    general = _explif_run(engine="event", dt=0.1, closed_form=False, rtol=1e-11, atol=1e-11)
    assert general.method == "tsit5"
    np.testing.assert_allclose(general.spike_times, ref, rtol=0, atol=1e-6)
    np.testing.assert_allclose(general["V"], fast["V"], atol=1e-6)
    assert len(fast.t) == 601 and fast.spikes.sum() == len(ref)

    # The stepped engine reports a spike at the end of its step (and the refractory period
    # of a previous spike ends on the grid too): the error is O(dt), within 2 dt.
    dts = np.array([0.1, 0.05, 0.025, 0.0125])
    errors = []
    for dt in dts:
        res = _explif_run(engine="stepped", dt=float(dt), method="exp_euler")
        assert len(res.spike_times) == len(ref)
        err = np.max(np.abs(res.spike_times - ref))
        assert err <= 2 * dt
        errors.append(err)
    slope = np.polyfit(np.log(dts), np.log(errors), 1)[0]
    assert 0.6 < slope < 1.4, (errors, slope)


@pytest.mark.slow
def test_closed_form_matches_diffrax_on_a_recurrent_network(x64):
    """A small population with Poisson drive (grid-sampled, same draws as the stepped
    engine) and a recurrent weight matrix: the closed form and diffrax agree."""
    n = 4
    rng = np.random.default_rng(3)
    w_rec = rng.uniform(-300.0, 600.0, (n, n))
    model = ExpLIF(size=n, tau_ref=1.0, **EXPLIF)
    inp = snnlab.Connection(PoissonGenerator(n, rate=800.0), weight=1500.0)
    kw = dict(duration=40.0, dt=0.1, engine="event", recurrent=w_rec, seed=1)
    fast = snnlab.simulate(model, inp, **kw)
    general = snnlab.simulate(model, inp, closed_form=False, rtol=1e-10, atol=1e-10, **kw)
    assert len(fast.spike_times) > 5
    np.testing.assert_array_equal(fast.spike_ids, general.spike_ids)
    np.testing.assert_allclose(fast.spike_times, general.spike_times, atol=1e-6)
    # Recurrence matters: without it the raster differs.
    alone = snnlab.simulate(model, inp, duration=40.0, dt=0.1, engine="event", seed=1)
    assert len(alone.spike_times) != len(fast.spike_times) or not np.allclose(
        alone.spike_times, fast.spike_times
    )


def test_lif_delta_synapse_jump_over_threshold(x64):
    """A delta-synapse input that jumps V over threshold spikes at the input time."""
    model = LIF(size=1, tau_ref=2.0)
    inp = snnlab.Connection(SpikeGenerator(1, spike_times=[3.0, 10.0, 10.5]), weight=9.0)
    res = snnlab.simulate(model, inp, duration=20.0, dt=0.1, engine="event")
    # 9 mV at 10.0 (decayed a bit by 10.5), then 9 mV more crosses -55 mV at 10.5.
    np.testing.assert_allclose(res.spike_times, [10.5], atol=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize(
    "make, drive",
    [(HH, 1000.0), (Izhikevich, 20.0)],
    ids=["HH", "Izhikevich"],
)
def test_hh_izhikevich_event_vs_stepped_rk4(x64, make, drive):
    """The stepped engine marks a spike (and resets) at the end of the step in which V
    crosses, so each spike lags by less than dt and the delayed resets add up: the k-th
    spike (k = 0, 1, ...) lags by less than (k + 1) dt (rk4's O(dt^4) error is far
    smaller). With dt = 0.01 ms the counts are equal and the lags within that bound."""
    dt = 0.01
    model = make()
    kw = dict(duration=60.0)
    ev = snnlab.simulate(model, DCGenerator(amplitude=drive), engine="event", dt=0.1, **kw)
    st = snnlab.simulate(model, DCGenerator(amplitude=drive), dt=dt, method="rk4", **kw)
    assert len(ev.spike_times) >= 3
    assert len(ev.spike_times) == len(st.spike_times)
    lag = st.spike_times - ev.spike_times
    bound = (np.arange(len(lag)) + 1) * dt * 1.05
    assert np.all(lag > -1e-3 * dt) and np.all(lag < bound), lag


def test_no_recompilation_when_values_change(x64):
    inp_times = [2.0, 4.0, 30.0]
    runs = [
        (ExpLIF(size=2, tau=10.0, tau_syn=2.0), 2000.0, np.zeros((2, 2))),
        (ExpLIF(size=2, tau=15.0, tau_syn=3.0, V_th=-60.0), 2500.0, np.ones((2, 2))),
        (ExpLIF(size=2, tau=5.0, tau_syn=1.0, I_e=100.0), 1000.0, -np.ones((2, 2))),
    ]
    counts = []
    for model, w, w_rec in runs:
        inp = snnlab.Connection(SpikeGenerator(2, spike_times=inp_times), weight=w)
        snnlab.simulate(model, inp, duration=50.0, engine="event", recurrent=w_rec)
        counts.append(event_trace_count())
    assert counts[0] == counts[1] == counts[2]
    # A longer run in the same duration bucket reuses the compiled loop too.
    inp = snnlab.Connection(SpikeGenerator(2, spike_times=inp_times), weight=1.0)
    snnlab.simulate(runs[0][0], inp, duration=50.5, engine="event", recurrent=runs[0][2])
    assert event_trace_count() == counts[0]


def test_max_spikes_bound_says_so(x64):
    model = LIF(size=1, I_e=1000.0)
    with pytest.warns(MaxSpikesWarning, match="max_spikes=2"):
        res = snnlab.simulate(model, duration=100.0, engine="event", max_spikes=2)
    assert res.hit_max_spikes and len(res.spike_times) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        full = snnlab.simulate(model, duration=100.0, engine="event", max_spikes=64)
    assert not full.hit_max_spikes and len(full.spike_times) > 2


def test_bad_input_names_the_argument():
    model = ExpLIF()
    unsorted = snnlab.Connection(SpikeGenerator(1, spike_times=[5.0, 2.0]), weight=1.0)
    with pytest.raises(ValueError, match="spike_times.*sorted"):
        snnlab.simulate(model, unsorted, duration=10.0, engine="event")
    with pytest.raises(ValueError, match="spike_times"):
        SpikeGenerator(1, spike_times=[-1.0, 2.0])
    with pytest.raises(ValueError, match="max_spikes"):
        snnlab.simulate(model, duration=10.0, engine="event", max_spikes=0)
    with pytest.raises(ValueError, match="rtol"):
        snnlab.simulate(model, duration=10.0, engine="event", rtol=0.0)
    with pytest.raises(ValueError, match="atol"):
        snnlab.simulate(model, duration=10.0, engine="event", atol=-1e-9)
    with pytest.raises(ValueError, match="recurrent"):
        snnlab.simulate(model, duration=10.0, engine="event", recurrent=np.ones((2, 2)))
    with pytest.raises(ValueError, match="closed_form"):
        snnlab.simulate(HH(), duration=10.0, engine="event", closed_form=True)


@pytest.mark.parametrize("make,drive", [(HH, 1000.0), (Izhikevich, 10.0)], ids=["HH", "Izh"])
def test_event_engine_works_in_float32(make, drive):
    # The default float32 run must not stall at the first crossing (the root finder and
    # the solver get tolerances float32 can meet). Spike times agree with a fine-grid rk4
    # run to ~ its grid (0.01 ms) plus the float32 solve.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ev = snnlab.simulate(
            make(), DCGenerator(amplitude=drive), duration=150.0, dt=0.1, engine="event"
        )
    st = snnlab.simulate(
        make(), DCGenerator(amplitude=drive), duration=150.0, dt=0.01, method="rk4"
    )
    assert ev["V"].dtype == np.float32
    assert len(ev.spike_times) == len(st.spike_times) >= 3
    np.testing.assert_allclose(ev.spike_times, st.spike_times, atol=0.05)


@pytest.mark.parametrize("dt", [0.1, 0.7])
def test_event_raster_places_each_exact_spike_at_the_first_grid_point_at_or_after_it(dt):
    """A neuron kicked over threshold by each input spike fires at the input's time; with
    every input on the grid (k dt), spike k must mark sample k. Float division inside the
    run put 387 of 2999 spikes one sample late at dt = 0.7 ms (float32)."""
    n = 3000
    times = np.round(np.arange(1, n) * dt, 10)
    drive = snnlab.Connection(SpikeGenerator(spike_times=list(times)), 1e4)
    res = snnlab.simulate(
        LIF(size=1, tau_ref=0.0), drive, duration=n * dt, dt=dt, engine="event", max_spikes=n
    )
    assert len(res.spike_times) == n - 1
    np.testing.assert_allclose(res.spike_times, times, rtol=1e-6)
    np.testing.assert_array_equal(np.nonzero(res.spikes[:, 0])[0], np.arange(1, n))
