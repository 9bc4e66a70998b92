"""A time t acts in the step whose window [k dt, (k + 1) dt) contains it, exactly, in
float32 and float64, for every generator and for connection delays."""

import math
from fractions import Fraction

import jax
import numpy as np
import pytest

import snnlab
from snnlab.core import grid_index
from snnlab.generators import (
    BernoulliGenerator,
    CustomGenerator,
    DCGenerator,
    PoissonGenerator,
    RampGenerator,
    SineGenerator,
    SpikeGenerator,
    StepCurrentGenerator,
)
from snnlab.neurons import LIF

N_TIMES = 100_000


def exact_floor(t: float, dt: float, offset: float = 0.0) -> int:
    """floor((t + offset) / dt) with every number read as the decimal it stands for: t to
    10 decimals (2.4 + 0.05 = 2.4499999999999997 stands for 2.45), dt and offset as typed."""
    q = (Fraction(repr(round(t, 10))) + Fraction(repr(offset))) / Fraction(repr(dt))
    return math.floor(q)


@pytest.mark.parametrize("dt", [0.1, 0.025, 0.01])
def test_on_grid_times_land_in_their_own_step(dt):
    k = np.arange(N_TIMES)
    products = k * dt  # 3 * 0.1 = 0.30000000000000004: still step 3
    decimals = np.array([round(int(kk) * dt, 6) for kk in k])
    assert np.array_equal(grid_index(products, dt), k)
    assert np.array_equal(grid_index(decimals, dt), k)


def test_off_grid_times_match_exact_rationals():
    rng = np.random.default_rng(0)
    dt = 0.1
    # typed with 1 to 4 decimals (some on the grid, most not) and arbitrary doubles
    digits = rng.integers(1, 5, N_TIMES)
    draws = rng.uniform(0, 2000, N_TIMES)
    typed = np.array([round(float(x), int(d)) for x, d in zip(draws, digits, strict=True)])
    raw = rng.uniform(0, 2000, N_TIMES)
    for times in (typed, raw):
        want = np.array([exact_floor(float(t), dt) for t in times])
        assert np.array_equal(grid_index(times, dt), want)
    # with a delay
    want = np.array([exact_floor(float(t), dt, 0.35) for t in typed[:20000]])
    assert np.array_equal(grid_index(typed[:20000], dt, offset=0.35), want)


def test_ceil_and_infinities():
    got = grid_index(np.array([4.2, 4.25, 0.0, np.inf]), 0.1, ceil=True)
    assert list(got[:3]) == [42, 43, 0]
    assert got[3] == snnlab.core.NEVER


def _arrivals(times, dt, duration, delay=0.0):
    """Per-step count of input spikes, read from an integrator without leak."""
    model = LIF(tau=1e9, V_rest=0.0, v_init=0.0, V_reset=-1.0, V_th=1e7)
    conn = snnlab.Connection(SpikeGenerator(spike_times=times), weight=1.0, delay=delay)
    res = snnlab.simulate(model, conn, duration=duration, dt=dt)
    v = res["V"][:, 0].astype(np.float64)
    return np.round(np.diff(np.concatenate([[0.0], v]))).astype(int)


@pytest.mark.parametrize("precision", ["float32", "float64"])
def test_simulated_spikes_act_in_their_window(precision):
    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", precision == "float64")
    try:
        dt, n = 0.1, 20_000
        k = np.arange(0, n, 3)
        times = np.sort(np.concatenate([k * dt, np.round(k * dt, 1) + 0.05, k[::7] * dt + 0.099]))
        want = np.bincount([exact_floor(float(t), dt) for t in times], minlength=n + 1)
        assert np.array_equal(_arrivals(times, dt, n * dt), want[: n + 1])
        # the example of the issue: spikes at 4.2 and 4.7 move V at 4.2 and 4.7, not before
        got = _arrivals([4.2, 4.7], 0.1, 6.0)
        assert list(np.flatnonzero(got)) == [42, 47]
        # delays: the window that contains t + delay
        for delay in (0.3, 0.25, 0.05):
            want = np.bincount(
                [exact_floor(float(t), dt, delay) for t in times[:500]], minlength=n + 1
            )
            got = _arrivals(times[:500], dt, 1000.0, delay=delay)
            assert np.array_equal(got, want[: len(got)]), delay
    finally:
        jax.config.update("jax_enable_x64", previous)


def _first_on(gen, dt=0.1, duration=12.0, delay=0.0):
    res = snnlab.simulate(
        LIF(tau=1e9, V_rest=0.0, v_init=0.0, V_reset=-1.0, V_th=1e7, R=1e9),
        snnlab.Connection(gen, weight=1.0, delay=delay),
        duration=duration,
        dt=dt,
    )
    v = res["V"][:, 0]
    return int(np.flatnonzero(np.abs(v) > 1e-3)[0])


@pytest.mark.parametrize("precision", ["float32", "float64"])
def test_every_generator_switches_on_in_the_exact_step(precision):
    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", precision == "float64")
    try:
        # A current of window k first shows in the sample k + 1 (it acts over step k); a
        # spike of window k in the sample k.
        for start in (4.7, 4.2, 0.3, 4.75):
            k0 = exact_floor(start, 0.1) + (0 if Fraction(repr(start)) * 10 % 1 == 0 else 1)
            assert _first_on(DCGenerator(amplitude=1.0, start=start)) == k0 + 1
            assert _first_on(SineGenerator(offset=1.0, amplitude=0.0, start=start)) == k0 + 1
            assert _first_on(RampGenerator(amplitude_start=1.0, start=start, stop=11.0)) == k0 + 1
            assert _first_on(StepCurrentGenerator(times=[start], amplitudes=[1.0])) == k0 + 1
            assert _first_on(BernoulliGenerator(prob=1.0, start=start)) == k0
            assert _first_on(PoissonGenerator(rate=1e6, start=start)) == k0
            assert _first_on(CustomGenerator(data=[1.0], start=start)) == k0
            assert _first_on(SpikeGenerator(spike_times=[start])) == exact_floor(start, 0.1)
            # a delay of 0.3 ms shifts grid sources by exactly 3 steps
            assert _first_on(BernoulliGenerator(prob=1.0, start=start), delay=0.3) == k0 + 3
            assert _first_on(DCGenerator(amplitude=1.0, start=start), delay=0.3) == k0 + 4
    finally:
        jax.config.update("jax_enable_x64", previous)


def test_event_engine_grid_sources_use_the_same_windows():
    gen = BernoulliGenerator(prob=1.0, start=4.7, stop=4.8)
    res = snnlab.simulate(
        LIF(tau=1e9, V_rest=0.0, v_init=0.0, V_reset=-1.0, V_th=1e7),
        snnlab.Connection(gen, weight=1.0, delay=0.3),
        duration=6.0,
        dt=0.1,
        engine="event",
    )
    v = res["V"][:, 0]
    assert list(np.flatnonzero(np.diff(v) > 0.5) + 1) == [50]
