# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · The leaky integrate-and-fire neuron and its f-I curve
#
# **Learning goal.** After this lesson you can write down the LIF equation with its units,
# predict from it when the neuron first fires, its rheobase and its firing rate for any
# constant current (the f-I curve), and explain why a time-stepped simulation is slightly
# off that prediction.
#
# You will simulate one neuron, then a population of 61 neurons (one per current value) in a
# single run, and compare the simulation with the closed form.

# %% [markdown]
# ## The model
#
# $$\tau \frac{dV}{dt} = V_{rest} - V + R\,(I_e + I)$$
#
# | symbol | meaning | unit | default |
# |---|---|---|---|
# | $V$ | membrane potential | mV | starts at `v_init` = −70 |
# | $\tau$ | membrane time constant | ms | 10 |
# | $R$ | membrane resistance | GΩ (so $R I$ is in mV for $I$ in pA) | 0.04 |
# | $V_{rest}$ | resting potential | mV | −70 |
# | $I_e$, $I$ | bias current and input current | pA | 0 |
# | $V_{th}$ | threshold | mV | −55 |
# | $V_{reset}$ | potential after a spike | mV | −70 |
# | $\tau_{ref}$ | refractory period ($V$ held at $V_{reset}$) | ms | 2 |
#
# When $V$ reaches $V_{th}$ the neuron emits a spike, $V$ jumps to $V_{reset}$ and stays
# there for $\tau_{ref}$. Everything between spikes is a linear ODE, so it has a closed form.

# %% [markdown]
# **Precision.** The lessons compute in double precision (float64), as NEST and Brian2 do:
# a class compares their numbers with those simulators'. JAX computes in single precision
# (float32, about 7 significant digits) unless told otherwise, and over thousands of steps
# its rounding errors add up to spike times that differ visibly from a float64 run. The
# first code cell therefore calls `snnlab.core.set_precision("float64")` for the whole
# notebook, before any model is built. A single run can still ask for float32 (faster on
# large populations) with `snnlab.simulate(..., precision="float32")`; `res.precision` says
# which one a result was computed in.

# %%
import holoviews as hv
import numpy as np

import snnlab
import snnlab.viz as sv
from snnlab.generators import DCGenerator
from snnlab.neurons import LIF

snnlab.core.set_precision("float64")  # why: see the paragraph above
snnlab.extension()
I_AXIS = hv.Dimension("I", label="input current", unit="pA")
RATE_AXIS = hv.Dimension("rate", label="firing rate", unit="Hz")

# %% [markdown]
# ## One neuron, one current step
#
# A `DCGenerator` gives a constant current on the window `[start, stop)` (ms).
# `snnlab.simulate` returns a `Result`: sample times `res.t` (ms), the recorded states
# (`res["V"]`, mV) and every spike (`res.spike_times`, ms).

# %%
lif = LIF(tau=10.0, R=0.04, V_rest=-70.0, V_th=-55.0, V_reset=-70.0, tau_ref=2.0)
step = DCGenerator(amplitude=500.0, start=20.0, stop=180.0)
res = snnlab.simulate(lif, step, duration=200.0, dt=0.1)
print(res)
sv.voltage(res, threshold=float(lif.V_th))

# %% [markdown]
# ## The closed form
#
# With a constant current $I$ the potential relaxes exponentially towards
# $V_\infty = V_{rest} + R I$:
#
# $$V(t) = V_\infty + (V_0 - V_\infty)\, e^{-t/\tau}.$$
#
# It reaches $V_{th}$ only if $V_\infty > V_{th}$, i.e. above the **rheobase**
# $I_{rh} = (V_{th} - V_{rest}) / R$, and then after
#
# $$t^* = \tau \ln \frac{V_\infty - V_0}{V_\infty - V_{th}}.$$
#
# Let us compute both from the model's own parameters and compare with the simulation.

# %%
p = {k: float(getattr(lif, k)) for k in ("tau", "R", "V_rest", "V_th", "V_reset", "tau_ref")}
I_step, onset = 500.0, 20.0
v_inf = p["V_rest"] + p["R"] * I_step
t_star = p["tau"] * np.log((v_inf - p["V_rest"]) / (v_inf - p["V_th"]))
I_rh = (p["V_th"] - p["V_rest"]) / p["R"]
print(f"rheobase I_rh = {I_rh:.1f} pA; with I = {I_step:.0f} pA, V_inf = {v_inf:.1f} mV")
print(f"first spike {t_star:.3f} ms after the onset (closed form)")
t_sim = res.spike_times[0] - onset
print(f"first spike {t_sim:.3f} ms after the onset (simulated, dt = {res.dt} ms)")


# %% [markdown]
# The simulation marks a spike at the end of the step in which $V$ crossed threshold, so its
# time is the exact one rounded up to the grid of `dt`. (The event engine of lesson 06 finds
# the exact time instead.)
#
# ## The f-I curve
#
# After a spike the neuron restarts from $V_{reset}$ after $\tau_{ref}$, so for
# $I > I_{rh}$ it fires periodically with period
#
# $$T(I) = \tau_{ref} + \tau \ln\frac{V_\infty - V_{reset}}{V_\infty - V_{th}},\qquad
#   f(I) = \frac{1000}{T(I)}\ \text{Hz}\quad(T\text{ in ms}).$$
#
# Parameters may be arrays of shape `(size,)`: a population of 61 neurons, each with its own
# bias current `I_e`, gives the whole curve in one run.


# %%
def lif_rate(I, p):
    # closed-form firing rate (Hz) of a LIF neuron with parameters p at current I (pA)
    v_inf = p["V_rest"] + p["R"] * np.asarray(I, float)
    above = v_inf > p["V_th"]
    v_safe = np.where(above, v_inf, p["V_th"] + 1.0)
    period = p["tau_ref"] + p["tau"] * np.log((v_safe - p["V_reset"]) / (v_safe - p["V_th"]))
    return np.where(above, 1000.0 / period, 0.0)


def isi_rates(res):
    # firing rate (Hz) of each neuron from its mean inter-spike interval
    out = np.zeros(res.n_neurons)
    for k in range(res.n_neurons):
        isi = res.isi(k)
        out[k] = 1000.0 / isi.mean() if len(isi) else 0.0
    return out


currents = np.linspace(0.0, 1500.0, 61)
population = LIF(size=len(currents), I_e=currents, tau=p["tau"], R=p["R"], tau_ref=p["tau_ref"])
res_fi = snnlab.simulate(population, duration=500.0, dt=0.1)
rate_sim = isi_rates(res_fi)
I_fine = np.linspace(0.0, 1500.0, 601)
(
    hv.Curve((I_fine, lif_rate(I_fine, p)), I_AXIS, RATE_AXIS, label="closed form")
    * hv.Scatter((currents, rate_sim), I_AXIS, RATE_AXIS, label="simulated, dt = 0.1 ms")
    * hv.HLine(1000.0 / p["tau_ref"], label="1 / tau_ref").opts(color="gray", line_dash="dashed")
).opts(
    hv.opts.Scatter(size=6, color="black"),
    hv.opts.Curve(line_width=2),
    hv.opts.Overlay(
        height=350, responsive=True, title="f-I curve of the LIF neuron", legend_position="top_left"
    ),
)

# %% [markdown]
# The curve starts at the rheobase with a vertical tangent (the period diverges
# logarithmically as $V_\infty \to V_{th}$) and saturates towards $1/\tau_{ref}$.
# How close is the simulation, and does a smaller `dt` help?

# %%
firing = currents > I_rh
for dt in (0.1, 0.01):
    r = isi_rates(snnlab.simulate(population, duration=200.0, dt=dt))
    err = np.abs(r - lif_rate(currents, p))[firing] / lif_rate(currents, p)[firing]
    print(f"dt = {dt:5.2f} ms: largest relative rate error {100 * err.max():.2f} %")

# %% [markdown]
# Each simulated period is the exact one rounded up to a whole number of steps, so the error
# shrinks in proportion to `dt` and is largest where the period is shortest (high currents).
#
# ## The same neuron, live
#
# `snnlab.app.Explorer` is the component behind the Explorer app: pick the model, the input
# and drag a slider. In a live notebook it reacts; in a static page it shows its first run.

# %%
snnlab.app.Explorer(model="LIF")

# %% [markdown]
# ## Try it
#
# 1. Before you run it: with `tau_ref = 5` ms, what is the highest rate the neuron can
#    reach? Change `tau_ref_try` below and check against the dashed line.
# 2. Double `R`. Where does the rheobase move, and does the curve keep its shape?
# 3. Set `dt_try = 1.0` ms. How large does the error get, and at which currents?

# %%
tau_ref_try, R_try, dt_try = 5.0, 0.04, 0.1
p_try = dict(p, tau_ref=tau_ref_try, R=R_try)
pop_try = LIF(size=len(currents), I_e=currents, tau=p["tau"], R=R_try, tau_ref=tau_ref_try)
rate_try = isi_rates(snnlab.simulate(pop_try, duration=500.0, dt=dt_try))
print(
    f"rheobase {(p_try['V_th'] - p_try['V_rest']) / R_try:.1f} pA, "
    f"ceiling 1 / tau_ref = {1000.0 / tau_ref_try:.0f} Hz"
)
(
    hv.Curve((I_fine, lif_rate(I_fine, p_try)), I_AXIS, RATE_AXIS, label="closed form")
    * hv.Scatter((currents, rate_try), I_AXIS, RATE_AXIS, label=f"simulated, dt = {dt_try} ms")
    * hv.HLine(1000.0 / tau_ref_try).opts(color="gray", line_dash="dashed")
).opts(
    hv.opts.Scatter(size=6, color="black"),
    hv.opts.Overlay(height=300, responsive=True, legend_position="top_left"),
)
