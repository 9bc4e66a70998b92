r"""Discrete-time encoders of jaxsnn (`jaxsnn.discrete.encode`).

Names, signatures and defaults are jaxsnn's; where its docstrings and code disagree the
code's behaviour is kept and the difference is stated (see SEED-NOTES decisions 4, 5):

- `constant_current_lif_encode` returns the final voltage and the spikes, as jaxsnn's
  code does; `return_trace=True` gives the voltage after every step instead.
- The spike nonlinearity is $\tfrac12 + \tfrac12\,\mathrm{sign}(x)$, so a potential exactly
  at threshold emits half a spike (and is half reset), as in jaxsnn.
- `spatio_temporal_encode` accepts the `t_early` its docstring describes and raises
  `ValueError` where jaxsnn would silently clamp an index.

Units: times in seconds, voltages and currents dimensionless (jaxsnn's).
"""

from __future__ import annotations

from functools import partial

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..core import check_parameters, parameter

_TIME = dict(unit="s", bounds=(0.0, None), inclusive=(False, True), log=True)


class LIFParameters(eqx.Module):
    r"""Parameters of a leaky integrate-and-fire neuron (jaxsnn's `LIFParameters`).

    $$\dot v = \frac{1}{\tau_{mem}}(v_{leak} - v + i), \qquad
      \dot i = -\frac{i}{\tau_{syn}}$$

    with a spike when $v$ reaches $v_{th}$, after which $v = v_{reset}$. Times in s;
    voltages dimensionless (jaxsnn's docstring says mV, its values are unitless).
    """

    tau_syn: jax.Array = parameter(0.005, doc="synaptic time constant", slider=(1e-4, 0.1), **_TIME)
    tau_mem: jax.Array = parameter(0.01, doc="membrane time constant", slider=(1e-4, 0.1), **_TIME)
    v_th: jax.Array = parameter(0.6, unit="", doc="firing threshold", slider=(0.05, 2.0))
    v_leak: jax.Array = parameter(0.0, unit="", doc="leak (resting) potential")
    v_reset: jax.Array = parameter(0.0, unit="", doc="potential after a spike")

    def __check_init__(self):
        check_parameters(self, None)

    @property
    def dynamics(self) -> jax.Array:
        r"""The matrix $K$ of the linear flow $\frac{d}{dt}(v, i) = K (v, i)$ (leak at 0)."""
        return jnp.array([[-1.0 / self.tau_mem, 1.0 / self.tau_mem], [0.0, -1.0 / self.tau_syn]])

    def as_dict(self) -> dict[str, jax.Array]:
        """The parameters by name."""
        return {
            "tau_syn": self.tau_syn,
            "tau_mem": self.tau_mem,
            "v_th": self.v_th,
            "v_leak": self.v_leak,
            "v_reset": self.v_reset,
        }


DEFAULT_LIF_PARAMETERS = LIFParameters()
"""jaxsnn's default `LIFParameters()`: tau_syn=0.005 s, tau_mem=0.01 s, v_th=0.6."""


def heaviside(x: jax.Array) -> jax.Array:
    r"""$\tfrac12 + \tfrac12\,\mathrm{sign}(x)$: 1 above 0, 0 below, and 0.5 at exactly 0."""
    return 0.5 + 0.5 * jnp.sign(x)


@jax.custom_jvp
def superspike(x: jax.Array, alpha: float | jax.Array = 80.0) -> jax.Array:
    r"""Heaviside forward, SuperSpike surrogate backward (jaxsnn's `superspike`).

    Forward: `heaviside(x)` (0.5 at $x = 0$). Backward:
    $\partial/\partial x = 1/(\alpha|x| + 1)^2$; `alpha` gets no gradient.

    **Arguments:**

    - `x`: distance to threshold $v - v_{th}$.
    - `alpha`: inverse width of the surrogate (jaxsnn: 80).
    """
    return heaviside(x)


@superspike.defjvp
def _superspike_jvp(primals, tangents):
    x, alpha = primals
    x_dot, _ = tangents
    return heaviside(x), x_dot / (alpha * jnp.abs(x) + 1.0) ** 2


def lif_current_encoder(
    voltage: jax.Array,
    input_current: jax.Array,
    params: LIFParameters = DEFAULT_LIF_PARAMETERS,
    dt: float = 0.001,
) -> tuple[jax.Array, jax.Array]:
    r"""One explicit-Euler step of a leaky integrator driven by a constant current.

    $$v \leftarrow v + \frac{\Delta t}{\tau_{mem}}\left((v_{leak} - v) + i\right), \qquad
      z = \Theta(v - v_{th}), \qquad v \leftarrow v - z\,(v - v_{reset})$$

    $\Theta$ is `superspike` ($\Theta(0) = 0.5$). As in jaxsnn's code the current is
    held constant: the $\dot i$ equation of its docstring is not integrated.

    **Arguments:**

    - `voltage`: membrane potential before the step.
    - `input_current`: input current $i$ (same shape, or broadcastable).
    - `params`: `LIFParameters` (only `tau_mem`, `v_leak`, `v_th`, `v_reset` are used).
    - `dt`: step in s.

    **Returns:**

    `(voltage, z)`: the potential after the step and its reset, and the spikes.
    """
    dv = dt / params.tau_mem * ((params.v_leak - voltage) + input_current)
    voltage = voltage + dv
    z = superspike(voltage - params.v_th)
    voltage = voltage - z * (voltage - params.v_reset)
    return voltage, z


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}={value!r} must be a positive integer (a number of steps).")
    return int(value)


def _positive_number(name: str, value) -> None:
    if isinstance(value, jax.core.Tracer):
        return
    v = np.asarray(value, dtype=float)
    if v.ndim != 0 or not np.isfinite(v) or v <= 0:
        raise ValueError(f"{name}={value!r} must be a finite number > 0 (s).")


def constant_current_lif_encode(
    input_current: jax.Array,
    seq_length: int,
    *,
    params: LIFParameters | None = None,
    dt: float = 0.001,
    return_trace: bool = False,
) -> tuple[jax.Array, jax.Array]:
    r"""Encode constant input currents as spike trains of LIF neurons.

    Each value of `input_current` drives one neuron, starting at $v = 0$, for
    `seq_length` steps of `lif_current_encoder`.

    **Arguments:**

    - `input_current`: the currents, any shape.
    - `seq_length`: number of steps.
    - `params`: `LIFParameters` (default jaxsnn's, `v_th=0.6`). Keyword only; not in
      jaxsnn's signature.
    - `dt`: step in s (keyword only; jaxsnn fixes 0.001).
    - `return_trace`: return the potential after every step instead of the final one.

    **Returns:**

    `(voltage, spikes)`: the final potential (shape of `input_current`), or with
    `return_trace=True` the potentials `(seq_length, *shape)`; and the spikes
    `(seq_length, *shape)`.

    **Example** (jaxsnn's docstring example, which holds with `v_th=1.0`):

    ```python
    v, z = constant_current_lif_encode(
        jnp.array([2.0, 4.0, 8.0, 16.0]), 2, params=LIFParameters(v_th=1.0), return_trace=True
    )
    # v = [[0.2, 0.4, 0.8, 0.0], [0.38, 0.76, 0.0, 0.0]]
    # z = [[0, 0, 0, 1], [0, 0, 1, 1]]
    ```
    With the default `v_th=0.6` the spikes are `[[0, 0, 1, 1], [0, 1, 1, 1]]`.
    """
    seq_length = _positive_int("seq_length", seq_length)
    _positive_number("dt", dt)
    params = LIFParameters() if params is None else params
    if not isinstance(params, LIFParameters):
        raise ValueError(f"params must be an LIFParameters, got {type(params).__name__}.")
    current = jnp.asarray(input_current, dtype=jnp.result_type(float))
    tiled = jnp.broadcast_to(current, (seq_length,) + current.shape)

    def body(v, i):
        v, z = lif_current_encoder(v, i, params, dt)
        return v, (v, z)

    v_final, (trace, spikes) = jax.lax.scan(body, jnp.zeros_like(current), tiled)
    return (trace if return_trace else v_final), spikes


@partial(jax.jit, static_argnames=("k", "dtype"))
def _one_hot(x, k, dtype):
    return jnp.asarray(x[..., None] == jnp.arange(k), dtype)


def one_hot(x: jax.Array, k: int, dtype=jnp.float32) -> jax.Array:
    """One-hot encoding of integer labels (jaxsnn's `one_hot`).

    **Arguments:**

    - `x`: integer labels, shape `(n,)` (any shape works; a last axis is added).
    - `k`: number of classes (static: a new `k` compiles once more).
    - `dtype`: of the result.

    **Returns:**

    `x.shape + (k,)`, 1 at the label's index and 0 elsewhere (all 0 for a label outside
    `[0, k)`).
    """
    k = _positive_int("k", k)
    return _one_hot(jnp.asarray(x), k, dtype)


def spatio_temporal_encode(
    input_values: jax.Array,
    seq_length: int,
    t_late: float,
    dt: float,
    t_early: float = 0.0,
) -> jax.Array:
    r"""Encode values in $[0, 1]$ as the time of a single spike (jaxsnn's encoder).

    A value $x$ spikes at step
    $k = \mathrm{round}\left((t_{early} + x\,(t_{late} - t_{early}))/\Delta t\right)$;
    $x = 0$ fires at `t_early`, $x = 1$ at `t_late`.

    **Arguments:**

    - `input_values`: values, shape `(n,)` or `(n, d)` (e.g. 2-D points).
    - `seq_length`: number of steps.
    - `t_late`: latest spike time (s); `t_early`: earliest (s, default 0; jaxsnn's
      docstring names it, its code does not take it).
    - `dt`: step (s).

    **Returns:**

    `(seq_length, *input_values.shape)`, one 1.0 per input at its step.

    **Raises:**

    `ValueError` if `input_values` has more than 2 axes, or if a (concrete) value maps to
    a step outside `[0, seq_length)` (jaxsnn clamps silently). Inside `jit` the check is
    impossible; such a value then gives no spike.
    """
    x = jnp.asarray(input_values)
    if x.ndim > 2:
        raise ValueError(
            f"input_values has shape {x.shape}; expected at most 2 axes, (n,) or (n, d)."
        )
    seq_length = _positive_int("seq_length", seq_length)
    _positive_number("dt", dt)
    if not isinstance(t_late, jax.core.Tracer) and not isinstance(t_early, jax.core.Tracer):
        if not float(t_late) >= float(t_early):
            raise ValueError(f"t_late={t_late} must not be below t_early={t_early} (s).")
    x = x.astype(jnp.result_type(float))
    idx = jnp.round((t_early + x * (t_late - t_early)) / dt)
    if not isinstance(idx, jax.core.Tracer):
        bad = (
            ~np.isfinite(np.asarray(idx)) | (np.asarray(idx) < 0) | (np.asarray(idx) >= seq_length)
        )
        if np.any(bad):
            raise ValueError(
                f"input_values map to steps {np.asarray(idx)[bad][:5].tolist()}, outside "
                f"[0, seq_length={seq_length}); keep them in [0, 1] with t_late < "
                f"seq_length * dt, or use a longer seq_length."
            )
    steps = jnp.arange(seq_length).reshape((seq_length,) + (1,) * x.ndim)
    return (steps == idx[None]).astype(jnp.float32)
