"""Teaching current shapes: step, ramp, sine and Ornstein-Uhlenbeck noise."""

import numpy as np
import pytest

import snnlab
from snnlab.generators import OUGenerator, RampGenerator, SineGenerator, StepCurrentGenerator
from snnlab.neurons import LIF

DT = 0.1


def injected_current(generator, duration, dt=DT, seed=0):
    """The current of each step, read off the increments of an (almost) non-leaky membrane."""
    n = generator.size
    # With tau = R = 1e6 the leak is negligible over the run and dV = R I dt / tau = I dt.
    sink = LIF(size=n, tau=1e6, R=1e6, V_rest=0.0, V_reset=-1.0, v_init=0.0, V_th=1e30)
    res = snnlab.simulate(sink, generator, duration=duration, dt=dt, seed=seed, method="euler")
    return np.diff(res["V"], axis=0) / dt, res.t[:-1]


def test_step_current_is_piecewise_constant():
    gen = StepCurrentGenerator(1, times=[10.0, 12.0, 30.0], amplitudes=[500.0, 0.0, -100.0])
    i, t = injected_current(gen, 40.0)
    expected = np.select(
        [t < 10.0 - 1e-6, t < 12.0 - 1e-6, t < 30.0 - 1e-6], [0.0, 500.0, 0.0], -100.0
    )
    np.testing.assert_allclose(i[:, 0], expected, atol=1e-2)
    with pytest.raises(ValueError, match="increasing"):
        StepCurrentGenerator(1, times=[5.0, 1.0], amplitudes=[1.0, 2.0])


def test_ramp_and_sine_follow_their_formulas():
    i, t = injected_current(
        RampGenerator(1, amplitude_start=0.0, amplitude_stop=100.0, start=10.0, stop=20.0), 30.0
    )
    expected = np.where((t >= 10.0 - 1e-6) & (t < 20.0 - 1e-6), 10.0 * (t - 10.0), 0.0)
    np.testing.assert_allclose(i[:, 0], expected, atol=1e-2)
    i, t = injected_current(SineGenerator(1, amplitude=50.0, frequency=40.0, offset=10.0), 50.0)
    np.testing.assert_allclose(
        i[:, 0], 10.0 + 50.0 * np.sin(2 * np.pi * 40.0 * t / 1000.0), atol=1e-2
    )


def test_ou_noise_mean_variance_and_autocorrelation():
    mean, sigma, tau, n, duration = 50.0, 20.0, 5.0, 40, 2000.0
    i, _ = injected_current(OUGenerator(n, mean=mean, sigma=sigma, tau=tau), duration)
    # 40 independent channels x 2000 ms: ~ 40 * 2000 / (2 tau) = 8000 independent samples.
    n_eff = n * duration / (2 * tau)
    assert abs(i.mean() - mean) < 4 * sigma / np.sqrt(n_eff)
    # Variance: relative standard error sqrt(2 / n_eff) = 1.6%; allow 4 of them.
    assert abs(i.var() / sigma**2 - 1.0) < 4 * np.sqrt(2 / n_eff)
    # Autocorrelation at lag tau is e^{-1}; estimated from all channels.
    lag = int(round(tau / DT))
    x = i - i.mean()
    rho = np.sum(x[lag:] * x[:-lag]) / np.sum(x * x)
    assert abs(rho - np.exp(-1.0)) < 0.05
    # Integrated autocorrelation time equals tau.
    lags = np.arange(0, 8 * lag)
    acf = np.array([np.sum(x[k:] * x[: len(x) - k]) / np.sum(x * x) for k in lags])
    assert abs(np.sum(acf) * DT - tau) < 0.15 * tau


def test_ou_with_delay_is_refused():
    with pytest.raises(ValueError, match="delay"):
        snnlab.simulate(LIF(), snnlab.Connection(OUGenerator(1), delay=1.0), duration=10.0)
