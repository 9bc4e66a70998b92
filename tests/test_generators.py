"""Input generators: statistics, exact times, windows, files."""

import math

import numpy as np
import pytest

import snnlab
from snnlab.generators import (
    BernoulliGenerator,
    CustomGenerator,
    DCGenerator,
    InputTransmitter,
    PoissonGenerator,
    SpikeGenerator,
)
from snnlab.neurons import LIF

# A population of non-spiking LIF neurons (threshold far away, delta synapses, weight 1) turns
# its summed input into a voltage: V - V_rest after a step counts the spikes that arrived,
# so the generators are observed through the public simulate().
DT = 0.1


def counts_per_step(generator, duration, dt=DT, seed=0):
    """Spikes delivered per step and channel, read off a non-leaky population."""
    n = generator.size
    sink = LIF(size=n, tau=1e9, V_rest=0.0, V_reset=-1.0, v_init=0.0, V_th=1e9, tau_ref=0.0)
    res = snnlab.simulate(sink, generator, duration=duration, dt=dt, seed=seed)
    # Sample k is at t = k dt; the jump in sample k counts the spikes of window k.
    v = np.concatenate([np.zeros((1, n)), res["V"]])
    return np.round(np.diff(v, axis=0)).astype(int), res


def test_poisson_counts_within_statistical_bands():
    rate, duration, n = 200.0, 1000.0, 50
    totals = []
    for seed in range(8):
        counts, _ = counts_per_step(PoissonGenerator(n, rate=rate), duration, seed=seed)
        totals.append(counts.sum(axis=0))
    totals = np.concatenate(totals)  # 400 independent trains of 1 s
    expected = rate * duration / 1000.0
    # Mean over 400 trains: standard error sqrt(200/400) = 0.71; allow 4 SE.
    assert abs(totals.mean() - expected) < 4 * np.sqrt(expected / len(totals))
    # Poisson: variance equals the mean (Fano factor 1); its sampling s.d. is ~sqrt(2/400).
    assert abs(totals.var() / totals.mean() - 1.0) < 0.3


def test_poisson_multiple_spikes_per_step_at_high_rate():
    # rate * dt = 5 spikes per step on average: the large-mean sampler path.
    counts, _ = counts_per_step(PoissonGenerator(20, rate=50000.0), 100.0)
    assert abs(counts.mean() - 5.0) < 4 * np.sqrt(5.0 / counts.size)
    assert abs(counts.var() / counts.mean() - 1.0) < 0.15


@pytest.mark.parametrize(
    "rate",
    [
        2000.0,  # mean 0.2 per step: 8 inverse-CDF thresholds
        10000.0,  # mean 1.0: 16 thresholds
        30000.0,  # mean 3.0: JAX's general sampler
    ],
)
def test_poisson_count_frequencies_follow_the_pmf_in_each_sampler(rate):
    # The engine draws through simulate (one branch per run, chosen by the largest mean);
    # 40 trains of 500 steps give 20000 counts: each frequency within 4 binomial SE.
    lam = rate * DT / 1000.0
    counts, _ = counts_per_step(PoissonGenerator(40, rate=rate), 500 * DT, seed=2)
    counts = counts.ravel()
    for k in range(10):
        pmf = np.exp(-lam) * lam**k / math.factorial(k)
        freq = np.mean(counts == k)
        assert abs(freq - pmf) < 4 * np.sqrt(pmf * (1 - pmf) / counts.size) + 1e-4, (k, freq, pmf)
    assert abs(counts.mean() - lam) < 4 * np.sqrt(lam / counts.size)


def test_poisson_small_mean_sampler_frequencies_over_a_million_counts():
    # Mean 0.24, at the top of the 8-threshold sampler: 10^6 counts resolve P(count = 4)
    # = 1.1e-4 to within 5 SE (~50%): a sampler cut short at 3 thresholds fails.
    import jax
    import jax.numpy as jnp

    lam, dt = 0.24, 0.1
    gen = PoissonGenerator(1000, rate=lam / dt * 1000.0)
    key = jax.random.PRNGKey(11)
    counts = jax.vmap(lambda k: gen.sample(jax.random.fold_in(key, k), k, jnp.asarray(dt)))(
        jnp.arange(1000)
    )
    counts = np.asarray(counts).ravel()
    for k in range(6):
        pmf = np.exp(-lam) * lam**k / math.factorial(k)
        assert abs(np.mean(counts == k) - pmf) < 5 * np.sqrt(pmf / counts.size) + 1e-6, k


def test_poisson_inverse_cdf_truncation_is_below_1e_9():
    # A small-mean sampler counts at most its number of thresholds: the chance of more at
    # the largest mean it serves is the truncation its docs promise.
    from scipy.stats import poisson

    from snnlab.generators import _simple

    assert poisson.sf(_simple._FEW_TERMS - 1, _simple._FEW_TERMS_MEAN) < 1e-9
    assert poisson.sf(_simple._INVERSE_CDF_TERMS - 1, _simple._SMALL_MEAN) < 1e-9


def test_bernoulli_probability_per_step():
    p, n_steps, n = 0.3, 2000, 20
    counts, _ = counts_per_step(BernoulliGenerator(n, prob=p), n_steps * DT)
    assert set(np.unique(counts)) <= {0, 1}
    # Binomial standard error sqrt(p (1 - p) / 40000) = 0.0023; allow 4 SE.
    assert abs(counts.mean() - p) < 4 * np.sqrt(p * (1 - p) / counts.size)


def test_seed_makes_runs_reproducible():
    a, _ = counts_per_step(PoissonGenerator(10, rate=300.0), 200.0, seed=3)
    b, _ = counts_per_step(PoissonGenerator(10, rate=300.0), 200.0, seed=3)
    c, _ = counts_per_step(PoissonGenerator(10, rate=300.0), 200.0, seed=4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_spike_generator_exact_times_and_multiplicities():
    gen = SpikeGenerator(2, [[1.0, 2.5, 7.3], [4.0]], multiplicities=[1, 2, 3, 1])
    counts, res = counts_per_step(gen, 10.0)
    # Window k = [k dt, (k + 1) dt) acts at k dt; the sample at index k - 1 has time k dt.
    steps0, steps1 = np.flatnonzero(counts[:, 0]), np.flatnonzero(counts[:, 1])
    np.testing.assert_allclose(res.t[steps0], [1.0, 2.5, 7.3], atol=1e-5)
    np.testing.assert_array_equal(counts[steps0, 0], [1, 2, 3])
    np.testing.assert_allclose(res.t[steps1], [4.0], atol=1e-5)


@pytest.mark.parametrize(
    "generator",
    [
        PoissonGenerator(5, rate=2000.0, start=20.0, stop=50.0),
        BernoulliGenerator(5, prob=0.5, start=20.0, stop=50.0),
        SpikeGenerator(5, np.arange(0.0, 100.0, 1.0), start=20.0, stop=50.0),
        CustomGenerator(5, data=np.ones(7), start=20.0, stop=50.0),
    ],
    ids=["poisson", "bernoulli", "spike", "custom"],
)
def test_start_stop_window_is_half_open(generator):
    counts, res = counts_per_step(generator, 100.0)
    times = res.t[np.flatnonzero(counts.sum(axis=1))]  # the time each input acted
    assert times.min() >= 20.0 - 1e-4
    assert times.max() < 50.0 - 1e-4
    assert times.min() < 21.0 and times.max() > 48.0


def test_dc_generator_window_and_amplitude():
    model = LIF(tau=1e9, R=1.0, V_rest=0.0, V_reset=-1.0, v_init=0.0, V_th=1e9)
    res = snnlab.simulate(
        model, DCGenerator(amplitude=2.0, start=1.0, stop=3.0), duration=5.0, dt=DT
    )
    # dV/dt = R I / tau: the integral of the current over [1, 3) ms is 4 / tau.
    np.testing.assert_allclose(res["V"][-1, 0] * 1e9, 4.0, rtol=1e-4)


def test_window_open_is_the_three_comparisons_it_replaces():
    """The engines' one unsigned comparison against the window of `plan_on_grid` equals
    `start <= k < stop and k >= 0` for every step, including windows that begin before
    step 0, end before they begin, never end, and steps before 0 (a delay)."""
    from snnlab.core import GridPlan
    from snnlab.core._grid import NEVER
    from snnlab.core._plan import window, window_open

    edges = [-NEVER, -(2**30), -7, -1, 0, 1, 5, 9, 2**30, NEVER - 1, NEVER]
    start, stop = (np.array(a, np.int32).ravel() for a in np.meshgrid(edges, edges))
    first, n_open = window(GridPlan(None, 0, start, stop))  # as plan_on_grid makes them
    for k in [-(2**31), -NEVER, -(2**30), -8, -1, 0, 1, 4, 5, 8, 9, 2**30, NEVER - 1, NEVER]:
        expected = (k >= start) & (k < stop) & (k >= 0)
        got = window_open(np.int32(k), first, n_open)
        np.testing.assert_array_equal(np.asarray(got), expected, err_msg=f"k={k}")


def test_custom_generator_replays_cyclically_and_reads_files(tmp_path):
    pattern = np.array([[1, 0], [0, 0], [0, 2]], dtype=float)
    for name, writer in {
        "p.csv": lambda p: np.savetxt(p, pattern, delimiter=","),
        "p.dat": lambda p: np.savetxt(p, pattern),
        "p.npy": lambda p: np.save(p, pattern),
    }.items():
        path = tmp_path / name
        writer(path)
        counts, _ = counts_per_step(CustomGenerator(2, datapath=str(path)), 0.9)
        np.testing.assert_array_equal(counts[:9], np.tile(pattern, (3, 1)).astype(int))


def test_custom_generator_refuses_bad_files(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2\n3,abc\n")
    with pytest.raises(ValueError, match="could not read"):
        CustomGenerator(2, datapath=str(bad))
    pickled = tmp_path / "obj.npy"
    np.save(pickled, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError):
        CustomGenerator(1, datapath=str(pickled))
    big = tmp_path / "big.dat"
    big.write_text("1\n" * 1000)
    with pytest.raises(ValueError, match="limit"):
        CustomGenerator(1, datapath=str(big), max_bytes=100)
    unknown = tmp_path / "x.pkl"
    unknown.write_bytes(b"\x80\x04")
    with pytest.raises(ValueError, match="suffix"):
        CustomGenerator(1, datapath=str(unknown))
    with pytest.raises(ValueError, match="does not exist"):
        CustomGenerator(1, datapath=str(tmp_path / "missing.csv"))
    with pytest.raises(ValueError, match="shape"):
        CustomGenerator(3, data=np.ones((4, 2)))


def test_input_transmitter_current_and_spikes():
    data = np.zeros((30, 2))
    data[5, 0], data[9, 1] = 3.0, 1.0
    counts, _ = counts_per_step(InputTransmitter(2, "spike", data=data), 5.0)
    assert counts[5, 0] == 3 and counts[9, 1] == 1 and counts.sum() == 4
    current = np.full((10, 1), 2.0)  # 2 pA for 10 steps, then nothing
    model = LIF(tau=1e9, R=1.0, V_rest=0.0, V_reset=-1.0, v_init=0.0, V_th=1e9)
    res = snnlab.simulate(model, InputTransmitter(1, "current", data=current), duration=3.0)
    np.testing.assert_allclose(res["V"][-1, 0] * 1e9, 2.0 * 10 * DT, rtol=1e-4)
    with pytest.raises(ValueError, match="inputs_type"):
        InputTransmitter(1, "voltage", data=current)
    with pytest.raises(ValueError, match="batch"):
        InputTransmitter(1, "spike", data=np.ones((2, 5, 1)), batch_first=True)


def test_connection_rules():
    gen = SpikeGenerator(3, [1.0])
    sink = LIF(size=4, tau=1e9, V_rest=0.0, V_reset=-1.0, v_init=0.0, V_th=1e9)
    res = snnlab.simulate(sink, snnlab.Connection(gen, weight=0.5, conn="all_to_all"), duration=2.0)
    np.testing.assert_allclose(res["V"][-1], 1.5, rtol=1e-5)  # 3 sources x 0.5 mV
    with pytest.raises(ValueError, match="one_to_one"):
        snnlab.simulate(sink, snnlab.Connection(gen), duration=2.0)
    res = snnlab.simulate(sink, snnlab.Connection(gen, conn=0.0), duration=2.0)
    np.testing.assert_allclose(res["V"][-1], 0.0)
    delayed = snnlab.simulate(
        LIF(tau=1e9, V_rest=0.0, V_reset=-1.0, v_init=0.0, V_th=1e9),
        snnlab.Connection(SpikeGenerator(1, [1.0]), delay=2.0),
        duration=5.0,
    )
    k = int(np.flatnonzero(np.diff(delayed["V"][:, 0]))[0]) + 1
    np.testing.assert_allclose(delayed.t[k], 3.0, atol=1e-5)


SPIKE_BINARY = {
    "DCGenerator": True,
    "PoissonGenerator": False,
    "BernoulliGenerator": True,
    "SpikeGenerator": True,
    "CustomGenerator": False,
    "InputTransmitter": False,
    "StepCurrentGenerator": False,
    "RampGenerator": False,
    "SineGenerator": False,
    "OUGenerator": False,
}


def test_every_generator_has_neurais_reset_and_is_spike_binary():
    from snnlab.generators import GENERATORS, CustomGenerator, InputTransmitter, SpikeGenerator

    assert {cls.__name__ for cls in GENERATORS} == set(SPIKE_BINARY)
    for cls in GENERATORS:
        assert cls.is_spike_binary is SPIKE_BINARY[cls.__name__], cls.__name__
    sink = LIF(tau=1e9, R=1.0, V_rest=0.0, V_reset=-1.0, v_init=0.0, V_th=1e9)
    sources = [
        SpikeGenerator(spike_times=[1.0, 2.5]),
        CustomGenerator(data=[0.0, 1.0, 2.0]),
        InputTransmitter(inputs_type="current", data=np.arange(5.0)[:, None]),
    ]
    for source in sources:
        before = snnlab.simulate(sink, source, duration=5.0)
        again = source.reset()
        assert again is source and again.is_spike_binary is SPIKE_BINARY[type(source).__name__]
        # a reset source replays from its start: the same run
        np.testing.assert_array_equal(snnlab.simulate(sink, again, duration=5.0)["V"], before["V"])
