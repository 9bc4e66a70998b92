"""GLIF3 and GLIF3PSC checked against their equations (Teeter et al. 2018, NEST glif_psc).

C dV/dt = -G (V - V_rest) + I + sum_j I_j;  dI_j/dt = -k_j I_j;
at a spike (V >= th_inf + spike_th): V <- V_reset, I_j <- r_j I_j e^{-k_j t_ref} + A_j,
both held for t_ref. The references below are written from these equations with scipy.
"""

import numpy as np
from scipy.integrate import solve_ivp

import snnlab
from snnlab.generators import DCGenerator, SpikeGenerator
from snnlab.neurons import GLIF3, GLIF3PSC

G, C, E_L, TH, V_RESET, T_REF = 9.43, 58.72, -78.85, -51.68, -78.85, 3.75
A = np.array([-9.18, -198.94])
K = np.array([0.003, 0.1])
R_ASC = np.array([1.0, 1.0])
DT = 0.01


def reference_spikes(current, duration, threshold=TH):
    """Spike times from scipy (RK45, tight tolerances, event location) of the equations."""
    t, v, asc = 0.0, E_L, np.zeros(2)
    spikes = []
    while t < duration:

        def rhs(_, y):
            return [(-G * (y[0] - E_L) + current + y[1] + y[2]) / C, -K[0] * y[1], -K[1] * y[2]]

        def hit(_, y):
            return y[0] - threshold

        hit.terminal, hit.direction = True, 1
        sol = solve_ivp(rhs, (t, duration), [v, *asc], events=hit, rtol=1e-10, atol=1e-10)
        if sol.status != 1:
            break
        t_s = sol.t_events[0][0]
        spikes.append(t_s)
        asc = R_ASC * sol.y_events[0][0][1:] * np.exp(-K * T_REF) + A
        v, t = V_RESET, t_s + T_REF
    return np.array(spikes)


def test_glif3_spike_times_follow_the_equations():
    current = 400.0
    res = snnlab.simulate(GLIF3(), DCGenerator(amplitude=current), duration=300.0, dt=DT)
    ref = reference_spikes(current, 300.0)
    assert len(res.spike_times) == len(ref) >= 3
    # Each spike is detected at the first grid point after the crossing and the refractory
    # hold is rounded to the grid, so the k-th spike may lag by up to k steps.
    lag = res.spike_times - ref
    assert np.all(lag >= -1e-3)
    assert np.all(lag <= DT * (np.arange(len(ref)) + 1) + 1e-3)


def test_glif3_after_spike_currents_jump_hold_and_decay():
    res = snnlab.simulate(GLIF3(), DCGenerator(amplitude=400.0), duration=60.0, dt=DT)
    i0, i1, v = res["I_asc0"][:, 0], res["I_asc1"][:, 0], res["V"][:, 0]
    k = int(np.flatnonzero(res.spikes[:, 0])[0])
    # Before the first spike the after-spike currents are zero; at it they jump to A_j.
    assert i0[k - 1] == 0.0 and i1[k - 1] == 0.0
    np.testing.assert_allclose([i0[k], i1[k]], A, rtol=1e-5)
    # Held (with V at V_reset) for t_ref = 375 steps of 0.01 ms.
    hold = int(round(T_REF / DT))
    np.testing.assert_allclose(v[k : k + hold + 1], V_RESET, atol=1e-4)
    np.testing.assert_allclose(i1[k : k + hold + 1], A[1], rtol=1e-5)
    # Then they decay as e^{-k_j t}.
    m = 200
    np.testing.assert_allclose(i1[k + hold + m], A[1] * np.exp(-K[1] * m * DT), rtol=1e-4)
    np.testing.assert_allclose(i0[k + hold + m], A[0] * np.exp(-K[0] * m * DT), rtol=1e-4)


def test_glif3_threshold_is_th_inf_plus_spike_th():
    for spike_th in (0.0, 5.0):
        model = GLIF3(spike_th=spike_th, V_th=100.0)  # V_th is documented as unused
        res = snnlab.simulate(model, DCGenerator(amplitude=500.0), duration=30.0, dt=DT)
        v_inf = E_L + 500.0 / G
        exact = C / G * np.log((v_inf - E_L) / (v_inf - (TH + spike_th)))
        assert 0.0 <= res.spike_times[0] - exact <= DT + 1e-4
        k = int(np.flatnonzero(res.spikes[:, 0])[0])
        assert res["V"][k - 1, 0] < TH + spike_th


def test_glif3_rheobase():
    # Without a spike the after-spike currents stay 0: rheobase = G (th_inf - V_rest).
    rheobase = G * (TH - E_L)
    below = snnlab.simulate(GLIF3(), DCGenerator(amplitude=rheobase - 2), duration=500.0)
    above = snnlab.simulate(GLIF3(), DCGenerator(amplitude=rheobase + 5), duration=500.0)
    assert len(below.spike_times) == 0 and len(above.spike_times) > 0


def test_glif3psc_synaptic_current_and_membrane(x64):
    model = GLIF3PSC(tau_syn=2.0)
    res = snnlab.simulate(
        model, snnlab.Connection(SpikeGenerator(1, [10.0]), weight=100.0), duration=40.0, dt=DT
    )
    t = res.t
    i_syn = np.where(t >= 10.0, 100.0 * np.exp(-(t - 10.0) / 2.0), 0.0)
    # float64 and the exact propagator: agreement to round-off.
    np.testing.assert_allclose(res["I_syn"][:, 0], i_syn, atol=1e-9)
    # Membrane: C dV/dt = -G (V - E_L) + I_syn, solved in closed form.
    tau_m = C / G
    s = np.clip(t - 10.0, 0.0, None)
    v = E_L + (100.0 / G) * 2.0 / (2.0 - tau_m) * (np.exp(-s / 2.0) - np.exp(-s / tau_m))
    np.testing.assert_allclose(res["V"][:, 0], v, atol=1e-9)
