# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · Inputs: generators and encoders
#
# **Learning goal.** After this lesson you can pick the input a question needs (a constant,
# step, ramp or sine current, Ornstein-Uhlenbeck noise, Poisson or Bernoulli spikes, spikes
# at given times, replayed data), connect it to a population with a weight and a
# connectivity rule, check its statistics, and turn numbers into spikes with the jaxsnn
# encoders (rate and latency codes).

# %% [markdown]
# ## Two kinds of input
#
# Every generator in `snnlab.generators` is either a **current** source (pA, added to the
# neuron's input current $I$) or a **spike** source (a count per step, each spike delivered
# through the neuron's synapse: $V$ jumps by `weight` mV for delta-synapse models such as
# LIF, $I_{syn}$ jumps by `weight` pA for current-synapse models such as ExpLIF). All are
# active on the window `[start, stop)` in ms, and all are made inside the jitted simulation
# from the run's `seed`.
#
# To *look* at a generator we sample it the way the stepped engine does, step by step
# (`init_carry` and `advance`, the generator's own methods), in a small helper.

# %%
import os
import tempfile

import holoviews as hv
import jax
import jax.numpy as jnp
import numpy as np

import snnlab
import snnlab.viz as sv
from snnlab import encode
from snnlab import generators as gen
from snnlab.neurons import LIF, ExpLIF

# float64, as NEST and Brian2 compute, so that our numbers compare with theirs (lesson 01)
snnlab.core.set_precision("float64")
snnlab.extension()
TIME = hv.Dimension("t", label="time", unit="ms")
CURRENT = hv.Dimension("I", label="current", unit="pA")
CHANNEL = hv.Dimension("channel", label="channel (index)")


def generator_output(source, duration, dt=0.1, seed=0):
    # the output of a generator at each step: times (ms) and values (pA or spike counts)
    n = int(round(duration / dt))
    # generators keep host (numpy) arrays; make them device arrays before tracing
    source = jax.tree_util.tree_map(jnp.asarray, source)
    k_init, k_run = jax.random.split(jax.random.PRNGKey(seed))
    step = jnp.asarray(dt, jnp.result_type(float))
    carry = source.init_carry(k_init, step)

    def body(c, k):
        return source.advance(c, jax.random.fold_in(k_run, k), k, step)

    _, out = jax.lax.scan(body, carry, jnp.arange(n))
    return np.arange(n) * dt, np.asarray(out)


def current_plot(source, duration=100.0, title=None):
    t, out = generator_output(source, duration)
    return hv.Curve((t, out[:, 0]), TIME, CURRENT).opts(
        height=180, responsive=True, title=title or type(source).__name__
    )


def spike_plot(source, duration=100.0, title=None):
    t, out = generator_output(source, duration)
    steps, ids = np.nonzero(out)
    return hv.Scatter((t[steps], ids), TIME, CHANNEL).opts(
        marker="dash",
        angle=90,
        size=8,
        height=180,
        responsive=True,
        title=title or type(source).__name__,
    )


# %% [markdown]
# ## Current shapes
#
# | generator | current | parameters (units) |
# |---|---|---|
# | `DCGenerator` | $I = A$ | `amplitude` (pA) |
# | `StepCurrentGenerator` | $I = A_i$ from $t_i$ to $t_{i+1}$ | `times` (ms), `amplitudes` (pA) |
# | `RampGenerator` | linear from $A_0$ at `start` to $A_1$ at `stop` | pA, ms |
# | `SineGenerator` | $I = I_0 + A \sin(2\pi f t + \varphi)$ | pA, Hz, rad |
# | `OUGenerator` | $dI = \frac{\mu - I}{\tau}dt + \sigma\sqrt{2/\tau}\,dW$ | pA, pA, ms |

# %%
hv.Layout(
    [
        current_plot(gen.DCGenerator(amplitude=300.0, start=10.0, stop=80.0)),
        current_plot(
            gen.StepCurrentGenerator(times=(10.0, 30.0, 60.0), amplitudes=(200.0, 500.0, 0.0))
        ),
        current_plot(
            gen.RampGenerator(amplitude_start=0.0, amplitude_stop=800.0, start=10.0, stop=90.0)
        ),
        current_plot(gen.SineGenerator(amplitude=200.0, frequency=20.0, offset=300.0)),
        current_plot(gen.OUGenerator(mean=300.0, sigma=100.0, tau=5.0)),
    ]
).cols(1)

# %% [markdown]
# ### Is the noise right?
#
# The Ornstein-Uhlenbeck current is Gaussian with mean $\mu$, standard deviation $\sigma$
# and autocorrelation $e^{-|s|/\tau}$. Check it on a long sample: the autocorrelation falls
# to $1/e$ at lag $\tau$.

# %%
mu, sigma, tau = 300.0, 100.0, 5.0
dt = 0.1
_, raw = generator_output(gen.OUGenerator(mean=mu, sigma=sigma, tau=tau), 20000.0, dt=dt)
x = raw[:, 0] - raw[:, 0].mean()
spectrum = np.fft.rfft(x, 2 * len(x))
acf = np.fft.irfft(np.abs(spectrum) ** 2)[: len(x)]
acf /= acf[0]
lags = np.arange(len(acf)) * dt
tau_hat = lags[np.argmax(acf < np.exp(-1.0))]
print(
    f"sample mean {raw[:, 0].mean():.1f} pA (mean = {mu:.0f}), "
    f"std {raw[:, 0].std():.1f} pA (sigma = {sigma:.0f}), "
    f"autocorrelation time {tau_hat:.2f} ms (tau = {tau:.0f})"
)
short = lags < 6 * tau
LAG = hv.Dimension("lag", unit="ms")
ACF = hv.Dimension("acf", label="autocorrelation (dimensionless)")
(
    hv.Curve((lags[short], acf[short]), LAG, ACF, label="sample")
    * hv.Curve((lags[short], np.exp(-lags[short] / tau)), LAG, ACF, label="exp(-lag / tau)")
).opts(hv.opts.Curve(line_width=2), hv.opts.Overlay(height=250, responsive=True))

# %% [markdown]
# ## Spike sources
#
# | generator | spikes | parameters (units) |
# |---|---|---|
# | `PoissonGenerator` | Poisson counts, mean `rate` × dt per step | `rate` (Hz) |
# | `BernoulliGenerator` | 0 or 1 per step with probability `prob` | `prob` (per step) |
# | `SpikeGenerator` | at given times | `spike_times` (ms), `multiplicities` |
# | `CustomGenerator` | a pattern replayed cyclically (array or file) | `data`, `datapath` |
# | `InputTransmitter` | external data, one row per step: spikes or current | `data` (T, size) |

# %%
pattern = (np.arange(200)[:, None] % 50 == np.arange(4) * 3).astype(float)  # (steps, 4)
hv.Layout(
    [
        spike_plot(gen.PoissonGenerator(size=20, rate=50.0), title="Poisson, 50 Hz"),
        spike_plot(gen.BernoulliGenerator(size=20, prob=0.005), title="Bernoulli, p = 0.005"),
        spike_plot(
            gen.SpikeGenerator(size=3, spike_times=[[10.0, 20.0], [15.0], [30.0, 31.0]]),
            title="SpikeGenerator",
        ),
        spike_plot(gen.CustomGenerator(size=4, data=pattern), title="CustomGenerator (cyclic)"),
    ]
).cols(1)

# %% [markdown]
# A Poisson train at rate $r$ has on average $r\,T$ spikes in $T$ seconds, with variance
# equal to the mean (Fano factor 1); a Bernoulli train with probability $p$ per step of
# $\Delta t$ fires at $p / \Delta t$.

# %%
T_s = 1.0
_, counts = generator_output(gen.PoissonGenerator(size=100, rate=50.0), 1000 * T_s)
per_channel = counts.sum(axis=0)
fano_band = 2 * np.sqrt(2 / (len(per_channel) - 1))  # two standard errors of a variance
print(
    f"Poisson 50 Hz over {T_s:.0f} s: mean count {per_channel.mean():.1f} "
    f"(expected {50.0 * T_s:.0f}), Fano factor {per_channel.var() / per_channel.mean():.2f} "
    f"(expected 1 +- {fano_band:.2f} with {len(per_channel)} channels)"
)
_, b = generator_output(gen.BernoulliGenerator(size=100, prob=0.005), 1000 * T_s, dt=0.1)
print(
    f"Bernoulli p = 0.005 at dt = 0.1 ms: {b.sum(axis=0).mean() / T_s:.1f} Hz "
    f"(expected {0.005 / 0.1e-3:.0f} Hz)"
)

# %% [markdown]
# ### Reading a pattern from a file
#
# `CustomGenerator(datapath=...)` reads `.csv`, `.txt`/`.dat` or `.npy` as numbers only:
# no pickle, no code execution, a size limit, and a `ValueError` that says what is wrong.

# %%
folder = tempfile.mkdtemp()
csv = os.path.join(folder, "pattern.csv")
np.savetxt(csv, pattern, delimiter=",", fmt="%g")
from_file = gen.CustomGenerator(size=4, datapath=csv)
print("from the csv file:", int(generator_output(from_file, 20.0)[1].sum()), "spikes in 20 ms")

bad = os.path.join(folder, "objects.npy")
np.save(bad, np.array([{"not": "numbers"}], dtype=object), allow_pickle=True)
for path, limit in ((bad, 50 * 2**20), (csv, 100)):
    try:
        gen.CustomGenerator(size=4, datapath=path, max_bytes=limit)
    except ValueError as err:
        print("refused:", err)

# %% [markdown]
# ## A population's response
#
# A `snnlab.Connection` says how a source reaches the neurons: `weight` (mV or pA per spike,
# a gain for currents) and `conn`: `"one_to_one"`, `"all_to_all"` or a probability $p$.
# Here 100 Poisson inputs at 20 Hz reach 30 ExpLIF neurons, each pair connected with
# probability 0.5; each input spike adds `weight` pA to the synaptic current, which decays
# with $\tau_{syn}$. The mean synaptic current is
# $p \cdot N_{in} \cdot r \cdot w \cdot \tau_{syn}$; compare it with the rheobase
# $(V_{th} - V_{rest}) / R$ of lesson 01.

# %%
n_in, rate_in, p_conn, weight = 100, 20.0, 0.5, 150.0
neurons = ExpLIF(size=30)
mean_input = p_conn * n_in * (rate_in / 1000.0) * weight * float(neurons.tau_syn)
rheobase = (float(neurons.V_th) - float(neurons.V_rest)) / float(neurons.R)
print(f"mean synaptic current {mean_input:.0f} pA, rheobase {rheobase:.0f} pA")
inputs = snnlab.Connection(
    gen.PoissonGenerator(size=n_in, rate=rate_in), weight=weight, conn=p_conn
)
res = snnlab.simulate(neurons, inputs, duration=300.0, dt=0.1, seed=1)
cv = [res.isi(k).std() / res.isi(k).mean() for k in range(30) if len(res.isi(k)) > 2]
print(
    f"mean rate {res.rates().mean():.1f} Hz; mean ISI CV "
    f"{np.mean(cv) if cv else float('nan'):.2f} (1 for a Poisson process)"
)
(sv.raster(res, height=250) + sv.voltage(res, neurons=[0, 1], threshold=-55.0, height=220)).cols(1)

# %% [markdown]
# Below the rheobase on average, the neurons fire only when the input fluctuates up:
# irregularly, at a low rate.
#
# And the same sub-threshold mean as a current with OU fluctuations, one independent
# noise channel per neuron (`one_to_one`):

# %%
noise = gen.OUGenerator(size=30, mean=300.0, sigma=100.0, tau=5.0)
res_ou = snnlab.simulate(LIF(size=30), noise, duration=300.0, dt=0.1, seed=2)
print(f"OU drive: mean rate {res_ou.rates().mean():.1f} Hz")
(sv.raster(res_ou, height=220) + sv.voltage(res_ou, neurons=[0], threshold=-55.0, height=220)).cols(
    1
)

# %% [markdown]
# ## Encoders: from numbers to spikes
#
# `snnlab.encode` holds the jaxsnn encoders. **Units follow jaxsnn: time in seconds,
# voltages and currents dimensionless.**
#
# *Rate code* (`constant_current_lif_encode`): each value is a constant current into a LIF
# neuron ($\tau_{mem}$ = 10 ms, threshold 0.6), integrated with explicit Euler steps of
# `dt` = 1 ms (`lif_current_encoder` is one such step); bigger values give more spikes.

# %%
values = jnp.linspace(0.0, 3.0, 13)
_, z = encode.constant_current_lif_encode(values, 100)
counts = np.asarray(z).sum(axis=0)
steps, ids = np.nonzero(np.asarray(z))
VALUE = hv.Dimension("x", label="input value (dimensionless)")
(
    hv.Scatter(
        (np.asarray(values), counts), VALUE, hv.Dimension("n", label="spikes in 100 ms")
    ).opts(size=7, height=250, responsive=True, title="rate code")
    + hv.Scatter((steps * 1.0, np.asarray(values)[ids]), TIME, VALUE).opts(
        marker="dash", angle=90, size=8, height=250, responsive=True, title="spikes"
    )
)

# %% [markdown]
# *Latency code* (`spatio_temporal_encode`): each value in $[0, 1]$ becomes one spike at
# $t = t_{early} + x\,(t_{late} - t_{early})$. `one_hot` turns class labels into vectors.
# An `InputTransmitter` replays the encoded spikes into a population: with steps of
# 0.1 ms (1e-4 s for the encoder) each encoder row is one simulation step.

# %%
x = jnp.array([0.1, 0.3, 0.5, 0.7, 0.9])
seq = encode.spatio_temporal_encode(x, seq_length=200, t_late=0.015, dt=1e-4)
print("spike step of each value:", np.asarray(seq).argmax(axis=0))
print("one_hot([0, 2, 1], 3) =\n", np.asarray(encode.one_hot(jnp.array([0, 2, 1]), 3)))
replay = gen.InputTransmitter(size=len(x), inputs_type="spike", data=np.asarray(seq))
res_lat = snnlab.simulate(
    LIF(size=len(x)), snnlab.Connection(replay, weight=20.0), duration=20.0, dt=0.1
)
print("LIF spike times (ms):", np.round(res_lat.spike_times, 1))
sv.voltage(res_lat, threshold=-55.0, height=250)

# %% [markdown]
# ## Try it
#
# 1. Double the OU `tau` to 10 ms in the noise check: does the autocorrelation time follow,
#    and does the standard deviation change? (It should not: `sigma` is the stationary
#    standard deviation.)
# 2. In the population response, raise `weight` until the mean input reaches the rheobase.
#    How do the rate and the ISI CV change?
# 3. Encode `x` with a latency code and feed it to `ExpLIF` instead: how much later does each
#    neuron fire, and why?

# %%
weight_try, conn_try = 250.0, 0.5
res_try = snnlab.simulate(
    ExpLIF(size=30),
    snnlab.Connection(gen.PoissonGenerator(size=100, rate=20.0), weight=weight_try, conn=conn_try),
    duration=300.0,
    dt=0.1,
    seed=1,
)
cv_try = [
    res_try.isi(k).std() / res_try.isi(k).mean() for k in range(30) if len(res_try.isi(k)) > 2
]
print(
    f"weight {weight_try} pA: mean rate {res_try.rates().mean():.1f} Hz, "
    f"ISI CV {np.mean(cv_try) if cv_try else float('nan'):.2f}"
)
sv.raster(res_try, height=250)
