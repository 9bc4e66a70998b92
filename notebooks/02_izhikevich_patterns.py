# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · Izhikevich firing patterns
#
# **Learning goal.** After this lesson you can explain how two variables and four
# parameters $(a, b, c, d)$ produce regular spiking, bursting, chattering, fast spiking and
# low-threshold spiking, measure each pattern from its inter-spike intervals, and read the
# onset of firing off the $V$-$u$ phase plane.

# %% [markdown]
# ## The model
#
# $$\frac{dV}{dt} = 0.04\,V^2 + 5\,V + 140 - u + I_e + I, \qquad
#   \frac{du}{dt} = a\,(b\,V - u)$$
#
# and when $V \ge V_{th}$ (30 mV, the spike's peak): $V \leftarrow c$, $u \leftarrow u + d$.
#
# | symbol | meaning | unit |
# |---|---|---|
# | $V$ | membrane potential | mV |
# | $u$ | recovery variable (K$^+$ activation, Na$^+$ inactivation lumped) | mV/ms |
# | $t$ | time | ms |
# | $a$ | recovery rate of $u$ | 1/ms |
# | $b$ | sensitivity of $u$ to $V$ | dimensionless |
# | $c$ | reset potential | mV |
# | $d$ | jump of $u$ at a spike | mV/ms |
# | $I_e$, $I$ | drive in the model's own units (snnlab calls it pA, as neurai does) | mV/ms |
#
# The quadratic term makes the upstroke of a spike; $u$ pulls $V$ back and, through $d$,
# remembers past spikes: that memory is what makes adaptation and bursts.

# %%
import holoviews as hv
import numpy as np
import pandas as pd

import snnlab
import snnlab.viz as sv
from snnlab.generators import StepCurrentGenerator
from snnlab.neurons import IZHIKEVICH_PATTERNS, Izhikevich

# float64, as NEST and Brian2 compute, so that our numbers compare with theirs (lesson 01)
snnlab.core.set_precision("float64")
snnlab.extension()
pd.DataFrame(IZHIKEVICH_PATTERNS).transpose()

# %% [markdown]
# ## Five patterns in one run
#
# Parameters may be arrays of shape `(size,)`, so one population of five neurons holds the
# five classic parameter sets. A step current of 10 (mV/ms) switches on at 20 ms and is
# broadcast to every neuron.

# %%
names = list(IZHIKEVICH_PATTERNS)
abcd = {k: np.array([IZHIKEVICH_PATTERNS[n][k] for n in names]) for k in "abcd"}
population = Izhikevich(size=len(names), **abcd)
onset, drive = 20.0, 10.0
step = StepCurrentGenerator(times=(onset,), amplitudes=(drive,))
res = snnlab.simulate(population, step, duration=300.0, dt=0.1)
hv.Layout(
    [sv.voltage(res, neurons=[k], height=180).opts(title=name) for k, name in enumerate(names)]
).cols(1)

# %% [markdown]
# ## Measuring the patterns
#
# Inter-spike intervals (ISI) tell the patterns apart: a regular spiker slows down
# (adaptation: the last ISI is longer than the first), a burster starts with a run of short
# ISIs, a chattering cell keeps firing in short bursts (short and long ISIs alternate: a large
# coefficient of variation `ISI_CV` = std / mean), a fast spiker barely adapts.

# %%
rows = []
for k, name in enumerate(names):
    isi = res.isi(k)
    rows.append(
        dict(
            pattern=name,
            spikes=len(res.spike_times[res.spike_ids == k]),
            first_ISI_ms=isi[0] if len(isi) else np.nan,
            last_ISI_ms=isi[-1] if len(isi) else np.nan,
            adaptation=isi[-1] / isi[0] if len(isi) else np.nan,
            ISI_CV=isi.std() / isi.mean() if len(isi) else np.nan,
        )
    )
table = pd.DataFrame(rows).set_index("pattern")
table.round(2)

# %%
isi_plot = hv.Overlay(
    [
        hv.Curve(
            (np.arange(1, len(res.isi(k)) + 1), res.isi(k)),
            hv.Dimension("n", label="interval number"),
            hv.Dimension("ISI", label="inter-spike interval", unit="ms"),
            label=name,
        )
        for k, name in enumerate(names)
    ]
).opts(hv.opts.Curve(logy=True, line_width=2), hv.opts.Overlay(height=320, responsive=True))
print(
    f"most adapting: {table.adaptation.idxmax()} (last/first ISI {table.adaptation.max():.1f}); "
    f"most irregular: {table.ISI_CV.idxmax()} (CV {table.ISI_CV.max():.2f}); "
    f"most regular: {table.ISI_CV.idxmin()} (CV {table.ISI_CV.min():.2f})"
)
isi_plot.opts(title="ISI sequence of each pattern", legend_position="right")

# %% [markdown]
# ## The phase plane: when does the neuron start firing?
#
# The $V$-nullcline ($dV/dt = 0$) is the parabola $u = 0.04V^2 + 5V + 140 + I$, the
# $u$-nullcline the line $u = bV$. Where they cross the neuron can rest. They stop crossing
# when the discriminant of $0.04V^2 + (5 - b)V + 140 + I = 0$ vanishes, at
#
# $$I^* = \frac{(5 - b)^2}{4 \cdot 0.04} - 140.$$
#
# Below $I^*$ there is a stable rest state (and a saddle: the threshold); above it, no
# fixed point is left and the neuron fires tonically. `snnlab.viz.phase_plane` draws the
# flow, both nullclines, the fixed points with their stability and the trajectory.

# %%
rs = IZHIKEVICH_PATTERNS["RS"]
I_star = (5.0 - rs["b"]) ** 2 / (4 * 0.04) - 140.0
print(f"RS neuron (b = {rs['b']}): fixed points disappear at I* = {I_star:.2f} mV/ms")
lims = dict(xlim=(-80.0, 35.0), ylim=(-20.0, 10.0))
planes = []
for current in (0.5 * I_star, 2.5 * I_star):
    model = Izhikevich(**rs, I_e=current)
    run = snnlab.simulate(model, duration=200.0, dt=0.1)
    rate = run.rates()[0]
    plane = sv.phase_plane(model, "V", "u", res=run, **lims)
    planes.append(plane.opts(title=f"I_e = {current:.1f}: {rate:.0f} Hz"))
hv.Layout(planes).cols(2)

# %% [markdown]
# Left: the trajectory settles on the stable fixed point. Right: the parabola has lifted
# above the line, no fixed point is left, and the trajectory runs up the parabola, is reset
# to $c$, and climbs again; each reset adds $d$ to $u$.
#
# ## Try it
#
# 1. Izhikevich's thalamo-cortical (TC) cell has $(a, b, c, d) = (0.02, 0.25, -65, 0.05)$.
#    Add it to the dictionary in the cell below and run: how does it differ from LTS?
# 2. Take the RS neuron and raise $d$ from 8 to 12: predict whether the adaptation ratio goes
#    up or down, then check the table.
# 3. Find, by simulation, the smallest `I_e` at which RS fires and compare with $I^*$.

# %%
trial = {"RS, d = 12": dict(rs, d=12.0), "TC": dict(a=0.02, b=0.25, c=-65.0, d=0.05)}
trial_pop = Izhikevich(
    size=len(trial), **{k: np.array([v[k] for v in trial.values()]) for k in "abcd"}
)
trial_res = snnlab.simulate(trial_pop, step, duration=300.0, dt=0.1)
for k, name in enumerate(trial):
    isi, n_spikes = trial_res.isi(k), int(np.sum(trial_res.spike_ids == k))
    ratio = isi[-1] / isi[0] if len(isi) else float("nan")
    print(f"{name}: {n_spikes} spikes, adaptation (last/first ISI) {ratio:.2f}")
hv.Layout(
    [sv.voltage(trial_res, neurons=[k], height=180).opts(title=n) for k, n in enumerate(trial)]
).cols(1)
