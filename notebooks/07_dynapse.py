# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 07 · The Dynap-SE emulator
#
# **Learning goal.** After this lesson you can set a mixed-signal Dynap-SE neuron through
# its bias currents, translate them into the time constants and pulse widths they set,
# predict what each of the four synapse types (AMPA, GABA, NMDA, SHUNT) does to the
# membrane, and see how device mismatch spreads a population that is identical on paper.

# %% [markdown]
# ## The circuits
#
# The chip computes with currents in subthreshold transistors. Everything is in **SI
# units**: currents in A, capacitances in F, voltages in V, time in s.
#
# Each synapse is a differential-pair integrator (DPI), a low-pass filter of its input
# spikes:
#
# $$\tau_{syn}\frac{dI_{syn}}{dt} = -I_{syn} + \frac{I_{gain}}{I_\tau} I_w\,
#   (\text{during a pulse of width } t_{pulse}),\qquad
#   \tau = \frac{C\,U_T}{\kappa\,I_\tau},\qquad t_{pulse} = \frac{V_{th}\,C_{pulse}}{I_{pulse}}$$
#
# The membrane current $I_{mem}$ is another DPI driven by $I_{dc}$ and the synapses, with a
# positive-feedback term that makes the spike upstroke; a spike is emitted when $I_{mem}$
# crosses `Ispkthr`, then the neuron is held for the refractory period $t_{ref}$ and an
# after-hyperpolarisation current $I_{ahp}$ (adaptation) is charged. AMPA adds to the input,
# GABA subtracts from it, NMDA adds only as far as the membrane is already depolarised, and
# SHUNT adds to the leak. `help(snnlab.dynapse.DynapSim)` has the full equations.
#
# | symbol | meaning | unit |
# |---|---|---|
# | $I_\tau$ (`Itau_mem`, `Itau_syn`, `Itau_ahp`) | leak bias current: sets $\tau$ | A |
# | $I_{gain}$ (`Igain_*`) | gain bias current | A |
# | `Ipulse`, `Iref` | set the pulse width and the refractory period | A |
# | $C$ (`C_mem`, `C_syn`, ...) | capacitances | F |
# | $U_T$ | thermal voltage (25 mV) | V |
# | $\kappa$ | subthreshold slope factor (dimensionless) | 1 |

# %%
import holoviews as hv
import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

import snnlab
import snnlab.dynapse as dyn

# float64, as NEST and Brian2 compute, so that our numbers compare with theirs (lesson 01)
snnlab.core.set_precision("float64")
snnlab.extension()
TIME = hv.Dimension("t", label="time", unit="ms")
AMP = hv.Dimension("I", label="current", unit="A")
DT = 1e-3  # the emulator's default step, s
print("synapse order on the last input axis:", dyn.SYNAPSES)
print("recorded:", dyn.RECORD_KEYS)

# %% [markdown]
# ## Bias currents and the times they set
#
# `time_constants()` converts a population's bias currents into times;
# `from_time_constants` goes the other way, and the helpers `tau_from_current`,
# `current_from_tau`, `pulse_width_from_current` and `current_from_pulse_width` convert one
# value.

# %%
default = dyn.DynapSim(1)
times = {k: float(np.ravel(v)[0]) for k, v in default.time_constants().items()}
pd.Series({k: f"{v * 1e3:.3g} ms" for k, v in times.items()}, name="default")

# %%
slow = dyn.DynapSim.from_time_constants(1, tau_mem=0.05)
itau_slow = float(np.ravel(slow.Itau_mem)[0])
print(
    f"tau_mem = 50 ms needs Itau_mem = {itau_slow:.3g} A "
    f"(default {float(np.ravel(default.Itau_mem)[0]):.3g} A for "
    f"{times['tau_mem'] * 1e3:.0f} ms)"
)
print(
    f"check: tau_from_current gives "
    f"{dyn.tau_from_current(itau_slow, float(np.ravel(slow.C_mem)[0])) * 1e3:.1f} ms"
)

# %% [markdown]
# ## A constant current: the neuron's f-I curve
#
# Parameters are stored per neuron, so 16 neurons with 16 values of `Idc` run together.
# `evolve` takes the input spikes as an array `(steps, neurons, 4)` (here none) and returns
# the spike counts `(steps, neurons)`, the final state and the recorded traces.

# %%
Idc = np.logspace(-12, -9, 16)
population = dyn.DynapSim(len(Idc), Idc=Idc)
n_steps = 1000  # 1 s
spikes, _, record = population.evolve(jnp.zeros((n_steps, len(Idc), 4)))
rate = np.asarray(spikes).sum(axis=0) / (n_steps * DT)
onset = Idc[rate > 0][0]
print(
    f"the neuron starts firing between {Idc[rate == 0][-1]:.2g} A and {onset:.2g} A; "
    f"at {Idc[-1]:.0e} A it fires at {rate[-1]:.0f} Hz"
)
t_ms = np.arange(n_steps) * DT * 1e3
k = len(Idc) - 4
(
    hv.Scatter(
        (Idc, rate),
        hv.Dimension("Idc", label="Idc", unit="A"),
        hv.Dimension("rate", label="firing rate", unit="Hz"),
    ).opts(logx=True, size=7, height=260, responsive=True, title="f-I curve")
    + hv.Curve((t_ms[:200], np.asarray(record["imem"])[:200, k]), TIME, AMP).opts(
        logy=True, height=260, responsive=True, title=f"imem at Idc = {Idc[k]:.2g} A"
    )
).cols(1)

# %% [markdown]
# ## The four synapse types
#
# Four neurons fire at a baseline rate from the same `Idc`; each receives the same Poisson
# spike train (40 Hz, weight 1 in units of `Iscale`) on a different synapse type, from
# 300 ms to 700 ms.

# %%
rng = np.random.default_rng(0)
n_steps = 1000
window = (np.arange(n_steps) >= 300) & (np.arange(n_steps) < 700)
train = (rng.random(n_steps) < 40.0 * DT) & window
x = np.zeros((n_steps, 4, 4))
for syn in range(4):
    x[:, syn, syn] = train  # neuron `syn` gets the train on synapse `syn`
four = dyn.DynapSim(4, Idc=2e-10)
spikes, _, record = four.evolve(jnp.asarray(x))
spikes = np.asarray(spikes)
rows = []
for syn, name in enumerate(dyn.SYNAPSES):
    before = spikes[:300, syn].sum() / 0.3
    during = spikes[window, syn].sum() / 0.4
    rows.append(dict(synapse=name, rate_before_Hz=before, rate_during_Hz=during))
table = pd.DataFrame(rows).set_index("synapse")
print(table.to_string(float_format="{:.1f}".format))
during, before = table.rate_during_Hz, table.rate_before_Hz
# the text below the plots describes this ordering
assert during["SHUNT"] < during["GABA"] < before["GABA"] < during["AMPA"] <= during["NMDA"]
t_ms = np.arange(n_steps) * DT * 1e3
hv.Layout(
    [
        hv.Curve((t_ms, np.asarray(record[key])[:, syn]), TIME, AMP).opts(
            logy=True, height=170, responsive=True, title=f"{name}: {key} (input 300-700 ms)"
        )
        for syn, (name, key) in enumerate(
            zip(dyn.SYNAPSES, ("iampa", "igaba", "inmda", "ishunt"), strict=True)
        )
    ]
    + [
        hv.Scatter(
            (t_ms[np.nonzero(spikes)[0]], np.asarray(dyn.SYNAPSES)[np.nonzero(spikes)[1]]),
            TIME,
            hv.Dimension("neuron", label="neuron (its input synapse)"),
        ).opts(marker="dash", angle=90, size=10, height=200, responsive=True, title="raster")
    ]
).cols(1)

# %% [markdown]
# AMPA raises the rate, GABA lowers it, SHUNT lowers it more strongly (it adds to the leak,
# dividing rather than subtracting), and NMDA here acts like AMPA because the firing
# membrane keeps its gate open; on a resting membrane it would pass little.
#
# ## Mismatch: identical on paper, different on silicon
#
# Every transistor differs a little. `percent_mismatch` draws each parameter of each neuron
# from a Gaussian around its value (the number is the 3-sigma relative deviation), from
# `rng_key`. The same key gives the same chip.

# %%
rows, hists = [], []
for mismatch in (0.0, 0.1, 0.3):
    chip = dyn.DynapSim(
        100, Idc=2e-10, percent_mismatch=mismatch or None, rng_key=jax.random.PRNGKey(0)
    )
    s, _, _ = chip.evolve(jnp.zeros((1000, 100, 4)), record=False)
    r = np.asarray(s).sum(axis=0) / 1.0
    rows.append(
        dict(percent_mismatch=mismatch, mean_Hz=r.mean(), std_Hz=r.std(), CV=r.std() / r.mean())
    )
    hists.append(
        hv.Histogram(
            np.histogram(r, bins=np.arange(0, 45, 1.0)),
            kdims=[hv.Dimension("rate", label="firing rate", unit="Hz")],
            vdims=[hv.Dimension("count", label="neurons")],
            label=f"{mismatch:.0%}",
        )
    )
print(pd.DataFrame(rows).round(2).to_string(index=False))
hv.Overlay(hists).opts(hv.opts.Histogram(alpha=0.5), hv.opts.Overlay(height=280, responsive=True))

# %% [markdown]
# ## Try it
#
# 1. **Adaptation.** Raise the AHP weight `Iw_ahp` (charge per output spike) from its
#    default in the cell below: does the neuron slow down over time? What sets how fast it
#    recovers (hint: `tau_ahp` in `time_constants()`)?
# 2. Lengthen the refractory period to 10 ms with `from_time_constants(..., t_ref=0.01)`:
#    what is the highest rate the neuron can now reach?
# 3. With `percent_mismatch=0.3`, change the `rng_key`: does the spread stay the same while
#    the individual neurons change?

# %%
Iw_ahp = 5e-13  # A; try 1e-11 and 5e-11
adapting = dyn.DynapSim(1, Idc=5e-10, Iw_ahp=Iw_ahp)
s, _, rec = adapting.evolve(jnp.zeros((1000, 1, 4)))
spike_t = np.nonzero(np.asarray(s)[:, 0])[0] * DT * 1e3
isi = np.diff(spike_t)
if len(isi) > 1:
    print(f"{len(spike_t)} spikes; first ISI {isi[0]:.0f} ms, last ISI {isi[-1]:.0f} ms")
else:
    print(f"{len(spike_t)} spikes")
hv.Curve((np.arange(1000) * DT * 1e3, np.asarray(rec["iahp"])[:, 0]), TIME, AMP).opts(
    height=250, responsive=True, title="AHP current"
)
