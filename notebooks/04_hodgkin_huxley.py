# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 · Hodgkin-Huxley: the action potential, threshold and refractoriness
#
# **Learning goal.** After this lesson you can explain the action potential from the
# sodium and potassium conductances and their gates $m$, $h$, $n$; measure a threshold
# (for a short pulse and for a long step, the rheobase); show refractoriness with paired
# pulses; and explain why releasing a hyperpolarising current can fire a spike (anode
# break).

# %% [markdown]
# ## The model
#
# $$C_m \frac{dV}{dt} = -g_{Na}\, m^3 h\,(V - E_{Na}) - g_K\, n^4 (V - E_K)
#   - g_L (V - E_L) + I_e + I$$
#
# $$\frac{dx}{dt} = \alpha_x(V)\,(1 - x) - \beta_x(V)\,x, \qquad x \in \{m, h, n\}$$
#
# | symbol | meaning | unit | default |
# |---|---|---|---|
# | $V$ | membrane potential | mV | −65 at rest |
# | $C_m$ | membrane capacitance | pF | 100 |
# | $g_{Na}$, $g_K$, $g_L$ | maximal conductances | nS | 12000, 3600, 30 |
# | $E_{Na}$, $E_K$, $E_L$ | reversal potentials | mV | 50, −77, −54.4 |
# | $m$, $h$, $n$ | gates: Na activation, Na inactivation, K activation | 1 (in [0, 1]) | |
# | $\alpha_x$, $\beta_x$ | opening and closing rates | 1/ms | |
# | $I_e$, $I$ | injected current | pA | 0 |
#
# The squid-axon kinetics scaled to a 100 pF cell (neurai's parameters): conductances in
# nS times mV give pA, and pA over pF gives mV/ms. snnlab counts a spike at each upward
# crossing of $V_{th}$ = 0 mV; there is no reset, the spike is the ODE's own.

# %%
import holoviews as hv
import numpy as np

import snnlab
import snnlab.viz as sv
from snnlab.generators import InputTransmitter, StepCurrentGenerator
from snnlab.neurons import HH

# float64, as NEST and Brian2 compute, so that our numbers compare with theirs (lesson 01)
snnlab.core.set_precision("float64")
snnlab.extension()
hh = HH()
p = {k: float(getattr(hh, k)) for k in ("c_m", "g_Na", "g_K", "g_L", "E_Na", "E_K", "E_L")}
TIME = hv.Dimension("t", label="time", unit="ms")
GATE = hv.Dimension("x", label="gate value (dimensionless)")
CURRENT = hv.Dimension("I", label="current", unit="pA")


def pulse(t_on, width, amplitude=1.0):
    # a rectangular current pulse (pA) from t_on to t_on + width (ms)
    return StepCurrentGenerator(times=(t_on, t_on + width), amplitudes=(amplitude, 0.0))


def spike_counts(res, after=0.0):
    # number of spikes of each neuron after time `after` (ms)
    keep = res.spike_times >= after
    return np.bincount(res.spike_ids[keep], minlength=res.n_neurons)


# %% [markdown]
# ## 1. The action potential
#
# A 1 ms pulse of 1000 pA at t = 5 ms. Below the voltage: the three gates, and the ionic
# currents computed from the recorded gates with the equation above.

# %%
res = snnlab.simulate(hh, pulse(5.0, 1.0, 1000.0), duration=30.0, dt=0.025)
V, m, h, n = (res[x][:, 0] for x in ("V", "m", "h", "n"))
I_Na = p["g_Na"] * m**3 * h * (V - p["E_Na"])
I_K = p["g_K"] * n**4 * (V - p["E_K"])
peak = int(np.argmax(V))
print(
    f"spike at {res.spike_times[0]:.2f} ms, peak {V[peak]:.1f} mV at {res.t[peak]:.2f} ms, "
    f"after-hyperpolarisation down to {V[peak:].min():.1f} mV"
)
print(
    f"largest inward Na current {I_Na.min() / 1000:.1f} nA, outward K current "
    f"{I_K.max() / 1000:.1f} nA"
)
gates = hv.Overlay([hv.Curve((res.t, res[x][:, 0]), TIME, GATE, label=x) for x in "mhn"])
currents = hv.Curve((res.t, I_Na), TIME, CURRENT, label="I_Na") * hv.Curve(
    (res.t, I_K), TIME, CURRENT, label="I_K"
)
(
    sv.voltage(res, threshold=0.0, height=220)
    + gates.opts(height=220, responsive=True, title="gates", legend_position="right")
    + currents.opts(
        height=220, responsive=True, title="ionic currents (inward < 0)", legend_position="right"
    )
).cols(1)

# %% [markdown]
# Read the sequence: $m$ opens fast, Na$^+$ rushes in (inward current, upstroke); then
# $h$ closes (Na$^+$ inactivation) and $n$ opens slowly (K$^+$ out, downstroke). Because
# $n$ is slow to close again, $V$ undershoots rest (after-hyperpolarisation).
#
# ## 2. Thresholds
#
# **A short pulse.** One neuron per amplitude, all in one run: a `Connection` with one
# weight per neuron scales the same 1 ms pulse of 1 pA.

# %%
amps = np.linspace(0.0, 2000.0, 41)
res_pulse = snnlab.simulate(
    HH(size=len(amps)), snnlab.Connection(pulse(5.0, 1.0), weight=amps), duration=30.0, dt=0.1
)
fired = spike_counts(res_pulse) > 0
pulse_threshold = amps[fired][0]
print(f"1 ms pulse: threshold between {amps[~fired][-1]:.0f} and {pulse_threshold:.0f} pA")

# %% [markdown]
# **A long step: the rheobase.** Now a constant current from t = 0 for 300 ms, one neuron
# per value. We count all spikes and those in the last 100 ms (sustained firing).

# %%
I_dc = np.linspace(0.0, 1000.0, 41)
res_dc = snnlab.simulate(HH(size=len(I_dc), I_e=I_dc), duration=300.0, dt=0.1)
total, late = spike_counts(res_dc), spike_counts(res_dc, after=200.0)
rheobase = I_dc[total > 0][0]
repetitive = I_dc[late > 0][0]
print(f"rheobase (at least one spike): {rheobase:.0f} pA")
print(f"repetitive firing from {repetitive:.0f} pA, at {late[late > 0][0] * 10:.0f} Hz")
COUNT = hv.Dimension("rate", label="rate in the last 100 ms", unit="Hz")
hv.Scatter(
    (I_dc, late * 10.0), hv.Dimension("I_e", label="constant current", unit="pA"), COUNT
).opts(size=6, height=300, responsive=True, title="f-I curve of HH")

# %% [markdown]
# Between the rheobase and the onset of repetitive firing the neuron fires a single spike
# at the onset of the step and then rests. Sustained firing starts at a *non-zero* rate: the
# HH neuron is a class-2 excitable cell (a Hopf bifurcation), unlike the LIF of lesson 01,
# whose rate starts from zero.
#
# ## 3. Refractoriness: paired pulses
#
# A first pulse at 5 ms (twice the pulse threshold) fires a spike. A second 1 ms pulse
# follows after $\Delta$ ms with an amplitude from 1 to 12 pulse thresholds. Each
# $(\Delta, A_2)$ pair is one neuron; an `InputTransmitter` replays a current array
# `(steps, neurons)`, so every neuron gets its own pair of pulses.

# %%
dt, duration = 0.1, 50.0
t = np.arange(int(round(duration / dt)) + 1) * dt
deltas = np.arange(2.0, 25.0, 2.0)
factors = np.array([1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0])
D, F = (a.ravel() for a in np.meshgrid(deltas, factors, indexing="ij"))
drive = np.zeros((len(t), len(D)))
drive[(t >= 5.0) & (t < 6.0), :] = 2.0 * pulse_threshold
for k, (d, f) in enumerate(zip(D, F, strict=True)):
    drive[(t >= 5.0 + d) & (t < 6.0 + d), k] = f * pulse_threshold
res_pp = snnlab.simulate(
    HH(size=len(D)),
    InputTransmitter(size=len(D), inputs_type="current", data=drive),
    duration=duration,
    dt=dt,
)
second = (spike_counts(res_pp) >= 2).reshape(len(deltas), len(factors))
needed = np.array([factors[row.argmax()] if row.any() else np.nan for row in second])
needed = needed * pulse_threshold
absolute = deltas[~second.any(axis=1)]
print(
    f"no second spike for any amplitude up to {factors[-1]:.0f}x threshold when "
    f"delta <= {absolute.max():.0f} ms (absolute refractory within this range)"
)
print(f"back to the single-pulse threshold from delta = {deltas[second[:, 0]][0]:.0f} ms")
DELTA = hv.Dimension("delta", label="interval between pulses", unit="ms")
A2 = hv.Dimension("A2", label="second pulse amplitude", unit="pA")
heat = hv.HeatMap(
    (D, F * pulse_threshold, second.ravel().astype(float)),
    [DELTA, A2],
    hv.Dimension("second spike"),
).opts(cmap=["#dddddd", "#d62728"], logy=True)
curve = hv.Curve((deltas, needed), DELTA, A2, label="threshold of the second pulse")
(heat * curve.opts(color="black", line_width=2)).opts(
    height=320, responsive=True, title="paired pulses: red = second spike"
)

# %% [markdown]
# Right after a spike no amplitude works: the Na$^+$ channels are inactivated ($h$ small)
# and K$^+$ is open ($n$ large). Then a larger-than-usual pulse works (relative refractory
# period), and the threshold falls back as $h$ and $n$ recover.
#
# ## 4. Anode break: a spike after inhibition
#
# Hold the cell hyperpolarised for 50 ms, then release. One neuron per (negative)
# amplitude, then one trace above the break threshold.

# %%
neg = -np.linspace(0.0, 500.0, 21)
res_ab = snnlab.simulate(
    HH(size=len(neg)), snnlab.Connection(pulse(10.0, 50.0), weight=neg), duration=90.0, dt=0.1
)
breaks = spike_counts(res_ab) > 0
break_threshold = neg[breaks][0]
print(f"a 50 ms hyperpolarising step fires a rebound spike from {break_threshold:.0f} pA on")
one = snnlab.simulate(hh, pulse(10.0, 50.0, 1.5 * break_threshold), duration=90.0, dt=0.05)
print(
    f"with {1.5 * break_threshold:.0f} pA: spike {one.spike_times[0] - 60.0:.1f} ms after "
    "the release at 60 ms"
)
(
    sv.voltage(one, threshold=0.0, height=220)
    + hv.Overlay([hv.Curve((one.t, one[x][:, 0]), TIME, GATE, label=x) for x in "hn"]).opts(
        height=220, responsive=True, title="slow gates", legend_position="right"
    )
).cols(1)

# %% [markdown]
# During the hyperpolarisation $h$ rises (Na$^+$ inactivation removed) and $n$ falls
# (K$^+$ closes). At the release $V$ returns quickly towards rest, the fast $m$ gate
# follows, but $h$ and $n$ lag behind: for a few ms there is more Na$^+$ and less K$^+$
# available than at rest, enough to fire.
#
# ## Try it
#
# 1. **Strength-duration curve.** Change `width` below (0.2, 0.5, 2, 5 ms) and record the
#    threshold amplitude. Does amplitude × width (the charge) stay constant for short
#    pulses?
# 2. Raise `g_K` by 50 % (`HH(size=..., g_K=5400.0)`): does the rheobase go up or down?
# 3. Make the hyperpolarisation of part 4 shorter (10 ms): does the break threshold change,
#    and which gate explains it?

# %%
width = 1.0
amps_try = np.linspace(0.0, 4000.0, 41)
res_try = snnlab.simulate(
    HH(size=len(amps_try)),
    snnlab.Connection(pulse(5.0, width), weight=amps_try),
    duration=30.0,
    dt=0.1,
)
thr = amps_try[spike_counts(res_try) > 0]
if len(thr):
    print(f"width {width} ms: threshold about {thr[0]:.0f} pA, charge {thr[0] * width:.0f} fC")
else:
    print(f"width {width} ms: no spike up to {amps_try[-1]:.0f} pA")
