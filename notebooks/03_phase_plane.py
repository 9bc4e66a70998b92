# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 03 · The phase plane: FitzHugh-Nagumo, Morris-Lecar and AdEx
#
# **Learning goal.** After this lesson you can read a two-variable neuron from its phase
# plane: draw the nullclines, find the fixed points and their stability from the
# eigenvalues of the Jacobian, recognise excitability and a limit cycle, and tell the two
# ways a neuron starts to fire (a Hopf bifurcation: class II, onset at a finite rate; a
# saddle-node on the invariant circle: class I, onset at zero rate).

# %% [markdown]
# ## Vocabulary
#
# For $\dot x = f(x, y)$, $\dot y = g(x, y)$:
#
# - the **x-nullcline** is where $f = 0$ (the flow is vertical), the **y-nullcline** where
#   $g = 0$ (the flow is horizontal);
# - **fixed points** are where they cross; the eigenvalues $\lambda$ of the Jacobian
#   $J = \partial(f, g) / \partial(x, y)$ there decide: all $\mathrm{Re}\,\lambda < 0$ stable,
#   one positive and one negative a saddle, both positive unstable;
# - a **limit cycle** is a closed orbit: repetitive firing.
#
# `snnlab.viz.phase_plane` draws the vector field, both nullclines, the fixed points coloured
# by stability and a simulated trajectory; `snnlab.analysis` computes the same objects as
# numbers (`fixed_points`, `nullclines`, `fi_curve`, `bifurcation`).

# %%
import holoviews as hv
import numpy as np

import snnlab
import snnlab.viz as sv
from snnlab import analysis
from snnlab.neurons import (
    ADEX_PATTERNS,
    MORRIS_LECAR_PRESETS,
    AdEx,
    FitzHughNagumo,
    MorrisLecar,
)

# float64, as NEST and Brian2 compute, so that our numbers compare with theirs (lesson 01)
snnlab.core.set_precision("float64")
snnlab.extension()
CURRENT = hv.Dimension("I", label="input current", unit="pA")
RATE = hv.Dimension("rate", label="firing rate", unit="Hz")

# %% [markdown]
# ## 1. FitzHugh-Nagumo: excitability and a limit cycle
#
# $$\frac{dV}{dt} = V - \frac{V^3}{3} - w + I_e, \qquad \tau\,\frac{dw}{dt} = V + a - b\,w$$
#
# Everything is **dimensionless** ($V$, $w$, $I_e$, $a$, $b$, $\tau$); one unit of model time
# is one ms of simulated time. Defaults $a = 0.7$, $b = 0.8$, $\tau = 12.5$. The
# $V$-nullcline is the cubic $w = V - V^3/3 + I_e$, the $w$-nullcline the line
# $w = (V + a) / b$.
#
# At $I_e = 0$ the rest state is stable. A small kick decays back; a kick past the middle
# branch of the cubic makes a large excursion (a spike) before returning: **excitability**.

# %%
lims = dict(xlim=(-2.5, 2.5), ylim=(-1.0, 2.0))
fhn = FitzHughNagumo()
rest = analysis.fixed_points(fhn, **lims)
print(rest.to_dataframe()[["V", "w", "kind", "stable"]])
v_rest, w_rest = float(rest.to_dataframe().V[0]), float(rest.to_dataframe().w[0])
kicks = []
for kick in (0.4, 0.8):
    model = FitzHughNagumo(v_init=v_rest + kick, w_init=w_rest)
    run = snnlab.simulate(model, duration=100.0, dt=0.05)
    peak = run["V"].max()
    print(f"kick of {kick}: V peaks at {peak:.2f}; spikes: {len(run.spike_times)}")
    kicks.append(
        sv.phase_plane(model, res=run, **lims).opts(title=f"kick {kick}: V reaches {peak:.2f}")
    )
hv.Layout(kicks).cols(2)

# %% [markdown]
# Raise the current and the cubic moves up until the fixed point sits on its middle branch,
# where it is unstable: the trajectory now circles on a limit cycle.
#
# **Where exactly?** The Jacobian at a fixed point $(V^*, w^*)$ is
# $\begin{pmatrix} 1 - V^{*2} & -1 \\ 1/\tau & -b/\tau \end{pmatrix}$; its trace vanishes
# (a Hopf bifurcation) when $V^{*2} = 1 - b/\tau$. On the $w$-nullcline this $V^*$ is a fixed
# point for $I_e = w^* - V^* + V^{*3}/3$ with $w^* = (V^* + a)/b$.

# %%
a, b, tau = (float(getattr(fhn, k)) for k in ("a", "b", "tau"))
v_h = -np.sqrt(1.0 - b / tau)
I_hopf = (v_h + a) / b - v_h + v_h**3 / 3.0
print(f"Hopf bifurcation predicted at I_e = {I_hopf:.4f}")

scan = analysis.bifurcation(fhn, "I", np.linspace(0.0, 1.6, 33), duration=400.0, dt=0.1, **lims)
fps = scan.fixed_points
first_unstable = fps.value[~fps.stable.astype(bool)].min()
first_firing = scan.values[scan.rate > 0].min()
print(
    f"scan: fixed point unstable from I = {first_unstable:.2f}, firing from "
    f"I = {first_firing:.2f} (grid step {scan.values[1] - scan.values[0]:.2f})"
)
VDIM = hv.Dimension("V", label="V (dimensionless)")
IDIM = hv.Dimension("I", label="I_e (dimensionless)")
stable, unstable = fps[fps.stable.astype(bool)], fps[~fps.stable.astype(bool)]
cycle = scan.rate > 0
(
    hv.Scatter((stable.value, stable.V), IDIM, VDIM, label="stable fixed point")
    * hv.Scatter((unstable.value, unstable.V), IDIM, VDIM, label="unstable fixed point")
    * hv.Scatter((scan.values[cycle], scan.V_max[cycle]), IDIM, VDIM, label="cycle max")
    * hv.Scatter((scan.values[cycle], scan.V_min[cycle]), IDIM, VDIM, label="cycle min")
    * hv.VLine(I_hopf).opts(color="gray", line_dash="dashed")
).opts(
    hv.opts.Scatter(size=6),
    hv.opts.Overlay(
        height=320, responsive=True, title="bifurcation diagram of FHN", legend_position="right"
    ),
)

# %%
driven = FitzHughNagumo(I_e=0.5)
run = snnlab.simulate(driven, duration=200.0, dt=0.05)
print(f"I_e = 0.5: {len(run.spike_times)} spikes in 200 time units")
sv.phase_plane(driven, res=run, **lims).opts(title="I_e = 0.5: limit cycle")

# %% [markdown]
# ## 2. Morris-Lecar: class I and class II
#
# $$C\frac{dV}{dt} = -g_L(V - E_L) - g_{Ca}\,m_\infty(V)(V - E_{Ca}) - g_K\,w\,(V - E_K) + I_e,
#   \qquad \frac{dw}{dt} = \phi\,\frac{w_\infty(V) - w}{\tau_w(V)}$$
#
# $V$ in mV, $t$ in ms, $C$ in pF, conductances in nS, currents in pA; $w$ (the fraction of
# open K$^+$ channels) is dimensionless. Two published parameter sets
# (`MORRIS_LECAR_PRESETS`) give the two classes of excitability. Their f-I curves, one
# vmapped run each:

# %%
currents = np.linspace(0.0, 150.0, 31)
fi = {
    name: analysis.fi_curve(MorrisLecar(**preset), currents, duration=1000.0)
    for name, preset in MORRIS_LECAR_PRESETS.items()
}
for name, curve in fi.items():
    on = curve.current[curve.rate > 0]
    print(f"{name}: fires from {on.min():.0f} pA at {curve.rate[curve.rate > 0][0]:.1f} Hz")
hv.Overlay(
    [
        hv.Curve((c.current, c.rate), CURRENT, RATE, label=n).opts(line_width=2)
        for n, c in fi.items()
    ]
    + [hv.Scatter((c.current, c.rate), CURRENT, RATE).opts(size=5) for c in fi.values()]
).opts(height=320, responsive=True, title="Morris-Lecar f-I curves", legend_position="top_left")

# %% [markdown]
# Class II starts at a finite rate (the rest state loses stability in a Hopf bifurcation;
# it is subcritical, so just below it a stable cycle already coexists with rest, and where
# firing starts in a scan depends on the initial state);
# class I starts from (nearly) zero rate: a saddle and a node collide on the cycle, and
# near that point the trajectory lingers where they were. The phase planes at rest show the
# difference: one fixed point for class II, three (node, saddle, unstable) for class I.

# %%
ml_lims = dict(xlim=(-80.0, 40.0), ylim=(-0.05, 0.6))
planes = []
for name, preset in MORRIS_LECAR_PRESETS.items():
    model = MorrisLecar(**preset, v_init=-20.0)
    run = snnlab.simulate(model, duration=200.0, dt=0.1)
    kinds = ", ".join(analysis.fixed_points(model, **ml_lims).to_dataframe().kind)
    planes.append(sv.phase_plane(model, res=run, **ml_lims).opts(title=f"{name}: {kinds}"))
hv.Layout(planes).cols(1)

# %% [markdown]
# ## 3. AdEx: a phase plane with a reset
#
# $$C\frac{dV}{dt} = -g_L(V - E_L) + g_L\Delta_T\,e^{(V - V_T)/\Delta_T} - w + I_e,\qquad
#   \tau_w\frac{dw}{dt} = a\,(V - E_L) - w$$
#
# and when $V$ reaches $V_{peak}$: $V \leftarrow V_r$, $w \leftarrow w + b$. Units: mV, ms,
# pF, nS ($g_L$, $a$), pA ($w$, $b$, $I_e$). The exponential term is the spike upstroke; the
# reset makes the trajectory jump, so the pattern depends on where the reset lands relative
# to the nullclines. For $a/g_L < C/(g_L\tau_w)$ the rest state disappears at the rheobase
#
# $$I_{rh} = (g_L + a)\left(V_T - E_L - \Delta_T + \Delta_T \ln(1 + a/g_L)\right).$$

# %%
tonic = ADEX_PATTERNS["tonic"]
p = {k: tonic[k] for k in ("C", "g_L", "a", "tau_w", "V_T", "E_L", "Delta_T")}
print(
    f"'tonic' set: a/g_L = {p['a'] / p['g_L']:.3f} < C/(g_L tau_w) = "
    f"{p['C'] / (p['g_L'] * p['tau_w']):.3f}, so the formula applies"
)
I_rh = (p["g_L"] + p["a"]) * (
    p["V_T"] - p["E_L"] - p["Delta_T"] + p["Delta_T"] * np.log(1 + p["a"] / p["g_L"])
)
scan_I = np.linspace(200.0, 300.0, 41)
onset = analysis.fi_curve(AdEx(**dict(tonic, I_e=0.0)), scan_I, duration=1000.0)
print(
    f"rheobase: formula {I_rh:.1f} pA; first firing current in the scan "
    f"{onset.current[onset.rate > 0].min():.1f} pA (step {scan_I[1] - scan_I[0]:.1f} pA)"
)
pattern = ADEX_PATTERNS["adapting"]
adex = AdEx(**pattern)
run = snnlab.simulate(adex, duration=400.0, dt=0.1)
isi = run.isi()
print(f"I_e = {pattern['I_e']:.0f} pA: ISIs grow from {isi[0]:.1f} to {isi[-1]:.1f} ms")
(
    sv.voltage(run, threshold=float(adex.V_peak), height=220)
    + sv.phase_plane(adex, res=run, xlim=(-75.0, -35.0), ylim=(-20.0, 400.0))
).cols(1)

# %% [markdown]
# Each reset lands at $V_r$ with $w$ raised by $b$; the larger $w$, the longer the
# trajectory needs to climb past the $V$-nullcline again: the ISIs grow (adaptation) until
# the jump of $w$ at each spike balances its decay in between.
#
# ## The same, live
#
# `snnlab.app.PhasePlaneApp` is the component behind the phase-plane app: pick a model and
# a preset, drag the sliders and watch the nullclines and fixed points move; click the
# plane to start a trajectory there (in a live notebook or a served page).

# %%
snnlab.app.PhasePlaneApp()

# %% [markdown]
# ## Try it
#
# 1. FHN: move the $w$-nullcline with `a_try` (say 1.0) or change `tau_try`. Where is the
#    Hopf point now? Compare the prediction with the simulated onset below.
# 2. Morris-Lecar class I: near the onset the rate can be made as small as you like. Scan
#    `currents` finely around the onset and plot rate against current.
# 3. AdEx: try the other entries of `ADEX_PATTERNS` (`"initial_burst"`,
#    `"regular_bursting"`, ...) and find, on the phase plane, where the reset lands.

# %%
a_try, tau_try = 0.7, 12.5
fhn_try = FitzHughNagumo(a=a_try, tau=tau_try)
v_h = -np.sqrt(1.0 - b / tau_try)
I_pred = (v_h + a_try) / b - v_h + v_h**3 / 3.0
scan_try = analysis.fi_curve(fhn_try, np.linspace(0.0, 1.5, 61), duration=400.0, dt=0.1)
firing_try = scan_try.current[scan_try.rate > 0]
onset_try = f"{firing_try.min():.3f}" if len(firing_try) else "none in the scan"
print(
    f"a = {a_try}, tau = {tau_try}: predicted Hopf at I_e = {I_pred:.3f}; "
    f"first firing in the scan: {onset_try}"
)
