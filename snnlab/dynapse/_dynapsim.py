r"""The DynapSim emulator: DPI synapses, DPI membrane, AHP and refractory period on a grid."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..core import check_parameters, float_array, param_specs, parameter
from ._convert import (
    current_from_pulse_width,
    current_from_tau,
    mean_kappa,
    pulse_width_from_current,
    tau_from_current,
)
from ._module_api import RockpoolModuleAPI

SYNAPSES: tuple[str, ...] = ("AMPA", "GABA", "NMDA", "SHUNT")
"""The four synapse types, in the order of the last axis of `input_data` and `w_rec`."""

RECORD_KEYS: tuple[str, ...] = (
    "imem",
    "iampa",
    "igaba",
    "inmda",
    "ishunt",
    "iahp",
    "vmem",
    "spikes",
)
"""Keys of the record dictionary returned by `DynapSim.evolve`."""

_SYN_KEYS = ("iampa", "igaba", "inmda", "ishunt", "isyn_rest")

_trace_count = 0


def trace_count() -> int:
    """How many times `DynapSim.evolve` has been traced (compiled) in this process.

    A new parameter value reuses the compiled function; only a new input shape, a new
    network size, recurrence switched on or off, or `record` toggled traces again.
    """
    return _trace_count


def _current(default: float, doc: str, slider: tuple[float, float], positive: bool = False):
    # Currents span decades, so every current gets a log slider and the unit A.
    return parameter(
        default,
        unit="A",
        doc=doc,
        bounds=(0.0, None),
        inclusive=(not positive, True),
        slider=slider,
        log=True,
    )


def _capacitance(default: float, doc: str):
    return parameter(
        default,
        unit="F",
        doc=doc,
        bounds=(0.0, None),
        inclusive=(False, True),
        slider=(default / 10, default * 10),
        log=True,
    )


class DynapSim(RockpoolModuleAPI):
    r"""A population of Dynap-SE neurons with four DPI synapses each (rockpool's DynapSim).

    Every bias current, capacitance and transistor constant has rockpool's name, default
    and SI unit (A, F, V, s). One step of length `dt` updates, in this order:

    **Synapses** (AMPA, GABA, NMDA, SHUNT; DPI low-pass filters sharing `Itau_syn`,
    `Igain_syn`, `C_syn`). With $\tau_{syn} = U_T C_{syn} / (\kappa I_{\tau,syn})$,
    $t_{pulse} = V_{th} C_{pulse} / I_{pulse}$ and the weighted spike count
    $I_w = I_{scale}(w_{in} + \sum_j w_{rec,j} s_j)$ of each synapse,

    $$I_{syn} \leftarrow e^{-dt/\tau_{syn}} I_{syn}
      + \left(1 - e^{-t_{pulse}/\tau_{syn}}\right)
        \max\!\left(\frac{I_{gain,syn}}{I_{\tau,syn}} I_w,\ I_o\right).$$

    The charge term never drops below the dark current `Io`, so an idle synapse settles at
    a small resting current $I_{rest}$ (the same for all four types, tracked in the state
    as `isyn_rest`).

    **AHP** (spike-frequency adaptation), charged by the previous step's spike count $s$:

    $$I_{ahp} \leftarrow \max\!\left(e^{-dt/\tau_{ahp}} I_{ahp}
      + \left(1 - e^{-t_{pulse,ahp}/\tau_{ahp}}\right)
        \frac{I_{gain,ahp}}{I_{\tau,ahp}} I_{w,ahp}\, s,\ I_o\right).$$

    **Membrane** (forward Euler), with $\hat I_x = I_x - I_{rest}$ the part of a
    synapse current above rest:

    $$I_{leak} = I_{\tau,mem} + I_{ahp} + \hat I_{shunt}, \qquad
      g_{nmda} = \frac{I_{mem}}{I_{mem} + I_{f,nmda}},$$
    $$I_{in} = \max\!\left(\big(I_{dc} + I_{ampa} + g_{nmda} \hat I_{nmda}
      - \hat I_{gaba} - I_{leak}\big)\,[t_{ref} \text{ over}],\ I_o\right),$$
    $$I_{mem,\infty} = \frac{I_{gain,mem}}{I_{\tau,mem}}(I_{in} - I_{leak}), \qquad
      f = \frac{I_o e^{\kappa^2 V_{mem} / ((\kappa + 1) U_T)}}{I_{leak}}
          (I_{mem} + I_{gain,mem}),$$
    $$I_{mem} \leftarrow \max\!\left(I_{mem} + dt\,
      \frac{I_{mem}\big(I_{mem,\infty} + f - I_{mem}(1 + I_{ahp}/I_{\tau,mem})\big)}
           {\tau_{mem}(I_{leak})\,(I_{mem} + I_{gain,mem})},\ I_o\right),$$

    with $\tau_{mem}(I_{leak}) = U_T C_{mem} / (\kappa I_{leak})$ and
    $V_{mem} = (U_T/\kappa)\ln(I_{mem}/I_o)$ (in V; the value carried into the next
    step's feedback term is taken before the reset). AMPA excites, GABA subtracts from
    the input, NMDA excites only as far as the membrane opens its gate (`If_nmda` is the
    soft cut-off), and SHUNT adds to the leak (shunting inhibition).

    **Spikes**: the count $s = \max(\lceil \ln(I_{mem}/I_{spkthr}) \rceil, 0)$, which can
    exceed 1; a spiking neuron's $I_{mem}$ is reset to `Io` and its input is blocked for
    $t_{ref} = V_{th} C_{ref} / I_{ref}$.

    Here $\kappa = (\kappa_n + \kappa_p)/2$, and the tau and gain currents are floored at
    `Io` as on the chip. Driving only AMPA reproduces rockpool 3.1's single-synapse
    DynapSim step for step (`iampa` is its `isyn`): the idle synapses enter the membrane
    only through their part above rest, which is exactly zero.

    **Example:**

    ```python
    sim = DynapSim(8, Idc=2e-10)
    spikes, state, record = sim.evolve(jnp.zeros((1000, 8, 4)))  # 1 s at dt = 1 ms
    ```
    """

    size: int = eqx.field(static=True)
    has_rec: bool = eqx.field(static=True)

    Idc: jax.Array = _current(5e-13, "constant current injected into the membrane", (1e-15, 1e-8))
    If_nmda: jax.Array = _current(
        5e-13,
        "NMDA gate cut-off: the NMDA current passes half-way when imem = If_nmda",
        (1e-15, 1e-7),
    )
    Igain_ahp: jax.Array = _current(2.8368794326241126e-11, "gain of the AHP block", (1e-14, 1e-8))
    Igain_mem: jax.Array = _current(2.1276595744680848e-11, "gain of the membrane", (1e-14, 1e-8))
    Igain_syn: jax.Array = _current(
        8.687943262411346e-09, "gain of the synapses (all four types)", (1e-12, 1e-6)
    )
    Ipulse_ahp: jax.Array = _current(
        3.5e-07, "sets the AHP charging pulse width t_pulse_ahp", (1e-10, 1e-6), positive=True
    )
    Ipulse: jax.Array = _current(
        3.4999999999999996e-08, "sets the synaptic pulse width t_pulse", (1e-10, 1e-6), True
    )
    Iref: jax.Array = _current(
        1.0499999999999999e-09, "sets the refractory period t_ref", (1e-12, 1e-6), True
    )
    Ispkthr: jax.Array = _current(1e-07, "spike threshold on imem", (1e-10, 1e-6), positive=True)
    Itau_ahp: jax.Array = _current(2.8368794326241126e-11, "AHP leak, sets tau_ahp", (1e-14, 1e-8))
    Itau_mem: jax.Array = _current(
        5.319148936170212e-12, "membrane leak, sets tau_mem", (1e-14, 1e-9)
    )
    Itau_syn: jax.Array = _current(
        8.687943262411346e-11, "synaptic leak (all four types), sets tau_syn", (1e-14, 1e-8)
    )
    Iw_ahp: jax.Array = _current(5e-13, "AHP weight: charge per output spike", (1e-15, 1e-6))
    Iscale: jax.Array = _current(1e-08, "current of a unit weight", (1e-12, 1e-6))

    C_ahp: jax.Array = _capacitance(4e-11, "AHP capacitance")
    C_syn: jax.Array = _capacitance(2.45e-11, "synaptic capacitance")
    C_pulse_ahp: jax.Array = _capacitance(5e-13, "AHP pulse-width capacitance")
    C_pulse: jax.Array = _capacitance(5e-13, "synaptic pulse-width capacitance")
    C_ref: jax.Array = _capacitance(1.5e-12, "refractory-period capacitance")
    C_mem: jax.Array = _capacitance(3e-12, "membrane capacitance")

    Io: jax.Array = _current(
        5e-13,
        "dark current: floor of every current and the reset value of imem",
        (1e-15, 1e-11),
        positive=True,
    )
    kappa_n: jax.Array = parameter(
        0.75,
        unit="",
        doc="subthreshold slope factor, n-type",
        bounds=(0.0, None),
        inclusive=(False, True),
        slider=(0.5, 1.0),
    )
    kappa_p: jax.Array = parameter(
        0.66,
        unit="",
        doc="subthreshold slope factor, p-type",
        bounds=(0.0, None),
        inclusive=(False, True),
        slider=(0.5, 1.0),
    )
    Ut: jax.Array = parameter(
        0.025,
        unit="V",
        doc="thermal voltage",
        bounds=(0.0, None),
        inclusive=(False, True),
        slider=(0.02, 0.03),
    )
    Vth: jax.Array = parameter(
        0.7,
        unit="V",
        doc="cut-off gate-source voltage of the pulse circuits",
        bounds=(0.0, None),
        inclusive=(False, True),
        slider=(0.3, 1.0),
    )
    dt: jax.Array = parameter(
        1e-3,
        unit="s",
        doc="time step of the forward-Euler solver",
        bounds=(0.0, None),
        inclusive=(False, True),
        slider=(1e-5, 1e-2),
        log=True,
    )

    w_rec: jax.Array | None = eqx.field(converter=float_array)
    stored_state: dict | None
    spiking_input: bool = eqx.field(static=True)
    spiking_output: bool = eqx.field(static=True)

    record_units: ClassVar[dict[str, str]] = {
        "imem": "A",
        "iampa": "A",
        "igaba": "A",
        "inmda": "A",
        "ishunt": "A",
        "iahp": "A",
        "vmem": "V",
        "spikes": "",
    }
    mismatched: ClassVar[tuple[str, ...]] = (
        "Idc", "If_nmda", "Igain_ahp", "Igain_mem", "Igain_syn", "Ipulse_ahp", "Ipulse",
        "Iref", "Ispkthr", "Itau_ahp", "Itau_mem", "Itau_syn", "Iw_ahp",
        "C_ahp", "C_syn", "C_pulse_ahp", "C_pulse", "C_ref", "C_mem",
        "Io", "kappa_n", "kappa_p", "Ut", "Vth",
    )  # fmt: skip
    """Parameters that `percent_mismatch` perturbs (rockpool's frozen mismatch set)."""

    def __init__(
        self,
        shape: int | tuple[int, ...],
        *args: Any,
        w_rec: Any = None,
        has_rec: bool | None = None,
        weight_init_func: Callable[[tuple[int, ...]], Any] | None = None,
        percent_mismatch: float | None = None,
        rng_key: jax.Array | None = None,
        spiking_input: bool = False,
        spiking_output: bool = True,
        **params: Any,
    ):
        """**Arguments:**

        - `shape`: `N` (feed-forward unless `has_rec`) or `(N, N)` (recurrent).
        - `*args`: rockpool's positional order after `shape`: the biases, capacitances
          and transistor constants as in `POSITIONAL`, then `w_rec`, `has_rec`,
          `weight_init_func`, `dt`, `percent_mismatch`, `rng_key`, `spiking_input`,
          `spiking_output`.
        - `w_rec`: recurrent weights of shape `(N, N, 4)`, `w_rec[i, j, k]` from neuron
          `i` onto synapse `k` (AMPA, GABA, NMDA, SHUNT) of neuron `j`, in units of
          `Iscale` (dimensionless). An `(N, N)` matrix is put on AMPA (rockpool 3.1's
          single synapse).
        - `has_rec`: recurrent if True; by default inferred from `shape` and `w_rec`.
        - `weight_init_func`: called with `(N, N, 4)` to make `w_rec` when a recurrent
          population is given none; without it `w_rec` starts at zero.
        - `percent_mismatch`: Gaussian device mismatch as rockpool applies it: each
          parameter in `DynapSim.mismatched` becomes, per neuron,
          `value * (1 + percent_mismatch / 3 * normal())`, so `percent_mismatch` is the
          3-sigma relative deviation (0.3 for 30 %). Needs `rng_key`.
        - `rng_key`: `jax.random` key for the mismatch draw; the same key gives the same
          mismatch.
        - `spiking_input`, `spiking_output`: rockpool's port types (False / True), kept
          for `as_graph` and `timed`; the input is spike counts either way.
        - `**params`: any parameter by its rockpool name (see the class attributes), a
          scalar or an array of shape `(N,)`, in SI units.
        """
        if args:
            if len(args) > len(POSITIONAL):
                raise TypeError(
                    f"DynapSim takes at most {len(POSITIONAL) + 1} positional arguments."
                )
            named = dict(zip(POSITIONAL, args, strict=False))
            extra = dict(
                w_rec=w_rec, has_rec=has_rec, weight_init_func=weight_init_func,
                percent_mismatch=percent_mismatch, rng_key=rng_key,
                spiking_input=spiking_input, spiking_output=spiking_output,
            )  # fmt: skip
            for name, value in named.items():
                if name in params:
                    raise TypeError(f"DynapSim got {name!r} both by position and by name.")
                if name in extra:
                    extra[name] = value
                else:
                    params[name] = value
            w_rec, has_rec, weight_init_func = (
                extra["w_rec"],
                extra["has_rec"],
                extra["weight_init_func"],
            )
            percent_mismatch, rng_key = extra["percent_mismatch"], extra["rng_key"]
            spiking_input, spiking_output = extra["spiking_input"], extra["spiking_output"]
        self.stored_state = None
        self.spiking_input = bool(spiking_input)
        self.spiking_output = bool(spiking_output)
        n, recurrent = _parse_shape(shape)
        specs = param_specs(type(self))
        unknown = sorted(set(params) - set(specs))
        if unknown:
            raise TypeError(
                f"DynapSim got unknown parameter(s) {unknown}; known: {', '.join(specs)}."
            )
        if has_rec is False and (recurrent or w_rec is not None):
            raise ValueError(
                "DynapSim: has_rec=False contradicts a recurrent shape or a given w_rec."
            )
        recurrent = recurrent or bool(has_rec) or w_rec is not None
        self.size = n
        self.has_rec = recurrent
        for name, spec in specs.items():
            setattr(self, name, float_array(params.get(name, spec.default)))
        self.w_rec = _make_w_rec(w_rec, n, weight_init_func) if recurrent else None
        # Validate what the user gave (so that an error names it), then store every parameter
        # per neuron, as rockpool does: scalar and per-neuron values share one compilation.
        check_parameters(self, n)
        for name in specs:
            setattr(self, name, _per_neuron(getattr(self, name), n))
        if percent_mismatch is not None:
            for name, value in _mismatch(self, n, percent_mismatch, rng_key).items():
                setattr(self, name, value)
        for name, value in _on_device({k: getattr(self, k) for k in specs}).items():
            setattr(self, name, value)

    def __check_init__(self):
        check_parameters(self, self.size)
        if self.w_rec is not None and isinstance(self.w_rec, jax.Array | np.ndarray):
            if tuple(self.w_rec.shape) != (self.size, self.size, 4):
                raise ValueError(
                    f"DynapSim: w_rec has shape {tuple(self.w_rec.shape)}; expected "
                    f"({self.size}, {self.size}, 4) (pre, post, synapse type)."
                )

    @property
    def shape(self) -> tuple[int, int]:
        """`(N, N)`, as rockpool reports it."""
        return (self.size, self.size)

    @classmethod
    def from_time_constants(
        cls,
        shape: int | tuple[int, ...],
        *,
        tau_mem: float = 0.02,
        tau_syn: float = 0.01,
        tau_ahp: float = 0.05,
        t_ref: float = 1e-3,
        t_pulse: float = 1e-5,
        t_pulse_ahp: float = 1e-6,
        r_gain_mem: float = 4.0,
        r_gain_syn: float = 100.0,
        r_gain_ahp: float = 1.0,
        **kwargs: Any,
    ) -> DynapSim:
        """Build a population from times instead of bias currents.

        The defaults reproduce rockpool's default bias currents.

        **Arguments:**

        - `tau_mem`, `tau_syn`, `tau_ahp`: time constants in s.
        - `t_ref`, `t_pulse`, `t_pulse_ahp`: refractory period and pulse widths in s.
        - `r_gain_mem`, `r_gain_syn`, `r_gain_ahp`: gain current over tau current
          (dimensionless): `Igain_x = r_gain_x * Itau_x`.
        - `**kwargs`: anything else `DynapSim` takes (capacitances, `Ut`, `kappa_n`,
          `kappa_p` and `Vth` given here are used by the conversion).

        **Returns:**

        A `DynapSim` whose `time_constants()` match the arguments.
        """
        specs = param_specs(cls)

        def get(name):
            return kwargs.get(name, specs[name].default)

        transistor = dict(Ut=get("Ut"), kappa_n=get("kappa_n"), kappa_p=get("kappa_p"))
        currents = {
            "Itau_mem": current_from_tau(tau_mem, get("C_mem"), **transistor),
            "Itau_syn": current_from_tau(tau_syn, get("C_syn"), **transistor),
            "Itau_ahp": current_from_tau(tau_ahp, get("C_ahp"), **transistor),
            "Iref": current_from_pulse_width(t_ref, get("C_ref"), Vth=get("Vth")),
            "Ipulse": current_from_pulse_width(t_pulse, get("C_pulse"), Vth=get("Vth")),
            "Ipulse_ahp": current_from_pulse_width(t_pulse_ahp, get("C_pulse_ahp"), Vth=get("Vth")),
        }
        currents["Igain_mem"] = r_gain_mem * currents["Itau_mem"]
        currents["Igain_syn"] = r_gain_syn * currents["Itau_syn"]
        currents["Igain_ahp"] = r_gain_ahp * currents["Itau_ahp"]
        return cls(shape, **{**kwargs, **currents})

    def time_constants(self) -> dict[str, jax.Array]:
        """The times the bias currents set, in s.

        **Returns:**

        A dict with `tau_mem` (at rest, leak `Itau_mem` only), `tau_syn`, `tau_ahp`,
        `t_ref`, `t_pulse` and `t_pulse_ahp`. The tau currents are floored at `Io` as in
        the simulation.
        """
        tr = dict(Ut=self.Ut, kappa_n=self.kappa_n, kappa_p=self.kappa_p)
        floor = self.Io
        return {
            "tau_mem": tau_from_current(jnp.maximum(self.Itau_mem, floor), self.C_mem, **tr),
            "tau_syn": tau_from_current(jnp.maximum(self.Itau_syn, floor), self.C_syn, **tr),
            "tau_ahp": tau_from_current(jnp.maximum(self.Itau_ahp, floor), self.C_ahp, **tr),
            "t_ref": pulse_width_from_current(self.Iref, self.C_ref, Vth=self.Vth),
            "t_pulse": pulse_width_from_current(self.Ipulse, self.C_pulse, Vth=self.Vth),
            "t_pulse_ahp": pulse_width_from_current(
                self.Ipulse_ahp, self.C_pulse_ahp, Vth=self.Vth
            ),
        }

    def init_state(self, batch: int | None = None) -> dict[str, jax.Array]:
        """The state at rest: every current at `Io`, no spikes, no refractory time, 0 V.

        **Arguments:**

        - `batch`: number of independent runs, or None for a single one.

        **Returns:**

        A dict of arrays of shape `(N,)` (or `(batch, N)`): `iahp`, `iampa`, `igaba`,
        `imem`, `inmda`, `ishunt`, `isyn_rest` (A), `spikes` (count), `timer_ref` (s,
        refractory time left) and `vmem` (V).
        """
        shape = (self.size,) if batch is None else (batch, self.size)
        io = jnp.broadcast_to(self.Io, shape)
        zero = jnp.zeros(shape, io.dtype)
        state = {k: io for k in ("iahp", "imem", *_SYN_KEYS)}
        state.update(spikes=zero, timer_ref=zero, vmem=zero)
        return dict(sorted(state.items()))

    def evolve(
        self,
        input_data: Any,
        record: bool = True,
        state: dict[str, Any] | None = None,
    ) -> tuple[jax.Array, dict[str, jax.Array], dict[str, jax.Array]]:
        """Run the population over `input_data` (jitted; new parameter values reuse it).

        **Arguments:**

        - `input_data`: spike counts per step and synapse type, shape `(T, N, 4)` or
          `(B, T, N, 4)`, last axis AMPA, GABA, NMDA, SHUNT (weights in units of `Iscale`).
        - `record`: return every state variable at every step.
        - `state`: a state from `init_state` or a previous `evolve`, to continue from;
          by default the state the module holds (`set_attributes`), else rest.

        rockpool's single-synapse layout `(T, N)` / `(B, T, N)` is accepted and drives
        AMPA.

        **Returns:**

        `(spikes, state, record)`: `spikes` of shape `(T, N)` (or `(B, T, N)`), spike
        counts per step; `state`, the final state (see `init_state`); `record`, a dict
        with `imem`, `iampa`, `igaba`, `inmda`, `ishunt`, `iahp` (A), `vmem` (V) and
        `spikes` of shape `(T, N)` (or `(B, T, N)`), empty when `record` is False.
        """
        x = _check_input(input_data, self.size)
        batched = x.ndim == 4
        batch = x.shape[0] if batched else None
        if state is None and self.stored_state is not None:
            state = _held_state(self.stored_state, batch)
        if state is not None:
            state = _check_state(state, self.size, batch)
        return _evolve(_canonical(self.reset_state()), x, state, bool(record))

    def step(self, state: dict[str, Any], input_t: Any) -> tuple[dict[str, jax.Array], jax.Array]:
        """One step of length `dt` (not jitted; `evolve` runs many of them fast).

        **Arguments:**

        - `state`: a state dict as `init_state` returns, arrays of shape `(N,)` or
          `(B, N)`.
        - `input_t`: spike counts of this step, shape `(N, 4)` or `(B, N, 4)`.

        **Returns:**

        `(state, spikes)`: the new state and the spike counts of this step.
        """
        dtype = jnp.result_type(float)
        state = {k: jnp.asarray(state[k], dtype) for k in _STATE_KEYS}
        out = _one_step(_canonical(self), state, jnp.asarray(input_t, dtype))
        return out, out["spikes"]


def _canonical(m: DynapSim) -> DynapSim:
    """Every parameter as a strong-typed `(N,)` JAX array of the default float dtype.

    The constructor stores them so; a value set later with `eqx.tree_at` (a scalar, weakly
    typed or float64) is fixed here, so that it too reuses the compiled function.
    """
    dtype = jnp.result_type(float)
    names = tuple(param_specs(type(m)))

    def canonical(a):
        return (
            isinstance(a, jax.Array)
            and a.shape == (m.size,)
            and a.dtype == dtype
            and not getattr(a, "weak_type", False)
        )

    if all(canonical(getattr(m, k)) for k in names):
        return m
    values = {}
    for k in names:
        a = getattr(m, k)
        # (jnp.asarray with a dtype also drops a weak type)
        a = jnp.asarray(a, dtype) if isinstance(a, jax.Array) else np.asarray(a, dtype)
        values[k] = _per_neuron(a, m.size)
    values.update(_on_device(values))
    return eqx.tree_at(lambda mm: [getattr(mm, k) for k in names], m, list(values.values()))


def _on_device(values: dict[str, Any]) -> dict[str, jax.Array]:
    """The numpy arrays among `values` as JAX arrays, in one batched transfer (one
    `device_put` per array costs ~0.1 ms, 28 per population)."""
    host = {k: v for k, v in values.items() if isinstance(v, np.ndarray)}
    return dict(zip(host, jax.device_put(list(host.values())), strict=True)) if host else {}


def _parse_shape(shape: Any) -> tuple[int, bool]:
    dims = (shape,) if np.ndim(shape) == 0 else tuple(shape)
    ok = len(dims) in (1, 2) and all(
        isinstance(d, int | np.integer) and not isinstance(d, bool) and d > 0 for d in dims
    )
    if not ok:
        raise ValueError(
            f"DynapSim: shape={shape!r}; expected a positive int N or a tuple (N,) or (N, N)."
        )
    if len(dims) == 2 and dims[0] != dims[1]:
        raise ValueError(
            f"DynapSim: shape={shape!r}; a recurrent population needs (N, N) "
            "(different input and output sizes, multapses, are not supported)."
        )
    return int(dims[0]), len(dims) == 2


def _make_w_rec(w_rec: Any, n: int, init: Callable | None) -> jax.Array:
    if w_rec is None:
        w = init((n, n, 4)) if init is not None else jnp.zeros((n, n, 4))
        return float_array(w)
    w = float_array(w_rec)
    if w.shape == (n, n):
        w = jnp.zeros((n, n, 4), w.dtype).at[:, :, 0].set(w)
    if w.shape != (n, n, 4):
        raise ValueError(
            f"DynapSim: w_rec has shape {w.shape}; expected ({n}, {n}, 4) "
            f"(pre, post, synapse type) or ({n}, {n}) for AMPA only."
        )
    if not bool(jnp.all(jnp.isfinite(w))):
        raise ValueError("DynapSim: w_rec contains NaN or inf.")
    return w


def _mismatch(model: DynapSim, n: int, percent: float, key: Any) -> dict[str, jax.Array]:
    percent = float(percent)
    if not np.isfinite(percent) or percent < 0:
        raise ValueError(f"DynapSim: percent_mismatch={percent} must be a number >= 0.")
    if key is None:
        raise ValueError("DynapSim: percent_mismatch needs rng_key (a jax.random key).")
    sigma = percent / 3.0
    names = model.mismatched
    values = [_per_neuron(getattr(model, name), n) for name in names]
    draws = _normal_draws(key, len(names), n, np.dtype(values[0].dtype).name)
    if all(isinstance(v, np.ndarray) for v in values):
        draws = np.asarray(draws)  # one transfer; the arithmetic below then stays on the host
    return {name: v * (1 + sigma * z) for name, v, z in zip(names, values, draws, strict=True)}


def _per_neuron(value: Any, n: int) -> jax.Array | np.ndarray:
    """`value` as one entry per neuron, shape `(n,)`: host values stay numpy (no JAX
    dispatch: a lab rebuilds the population on every slider move), JAX arrays and tracers
    stay JAX arrays."""
    if isinstance(value, np.ndarray):
        return np.array(np.broadcast_to(value, (n,)))
    return jnp.broadcast_to(value, (n,))


@functools.partial(jax.jit, static_argnums=(1, 2, 3))
def _normal_draws(key, count: int, n: int, dtype: str) -> jax.Array:
    """`(count, n)` standard normal numbers, row `i` from the `i`-th of `count` keys split
    from `key`: in one compiled call (drawn one by one, the 24 draws of a mismatch cost
    ~5 ms of dispatch on every rebuild of a lab's population)."""
    keys = jax.random.split(key, count)
    return jnp.stack([jax.random.normal(k, (n,), dtype) for k in keys])


def _held_state(state: dict, batch: int | None) -> dict:
    # A state held by the module is replicated over a batch, as rockpool does.
    if batch is None:
        return state
    return {k: jnp.broadcast_to(v, (batch, *jnp.shape(v)[-1:])) for k, v in state.items()}


def _check_input(input_data: Any, n: int) -> jax.Array:
    x = jnp.asarray(input_data)
    ampa_only = (
        x.ndim in (2, 3) and x.shape[-1] == n and not (x.ndim == 3 and x.shape[-2:] == (n, 4))
    )
    if ampa_only:
        # rockpool's layout, (T, N) or (B, T, N): one synapse, which is AMPA here.
        x = jnp.stack([x, *([jnp.zeros_like(x)] * 3)], axis=-1)
    if x.ndim not in (3, 4) or x.shape[-2:] != (n, 4):
        raise ValueError(
            f"DynapSim: input_data has shape {tuple(x.shape)}; expected (T, {n}, 4) or "
            f"(B, T, {n}, 4): spike counts per step on AMPA, GABA, NMDA, SHUNT (or "
            f"rockpool's (T, {n}) / (B, T, {n}) for AMPA only)."
        )
    return x.astype(jnp.result_type(float))


def _check_state(state: dict, n: int, batch: int | None) -> dict:
    missing = sorted(set(_STATE_KEYS) - set(state))
    if missing:
        raise ValueError(f"DynapSim: state lacks {missing}; start from init_state().")
    want = (n,) if batch is None else (batch, n)
    out = {}
    for k in _STATE_KEYS:
        v = float_array(state[k])
        if v.shape != want:
            raise ValueError(f"DynapSim: state[{k!r}] has shape {v.shape}; expected {want}.")
        out[k] = v
    return out


POSITIONAL: tuple[str, ...] = (
    "Idc", "If_nmda", "Igain_ahp", "Igain_mem", "Igain_syn", "Ipulse_ahp", "Ipulse", "Iref",
    "Ispkthr", "Itau_ahp", "Itau_mem", "Itau_syn", "Iw_ahp", "C_ahp", "C_syn", "C_pulse_ahp",
    "C_pulse", "C_ref", "C_mem", "Io", "kappa_n", "kappa_p", "Ut", "Vth", "Iscale", "w_rec",
    "has_rec", "weight_init_func", "dt", "percent_mismatch", "rng_key", "spiking_input",
    "spiking_output",
)  # fmt: skip
"""rockpool's order of `DynapSim`'s arguments after `shape` (for positional calls)."""

_STATE_KEYS = (
    "iahp", "imem", "iampa", "igaba", "inmda", "ishunt", "isyn_rest", "spikes", "timer_ref",
    "vmem",
)  # fmt: skip


def _constants(m: DynapSim) -> dict[str, jax.Array]:
    """Per-neuron constants of one run, computed once outside the time loop."""
    kappa = mean_kappa(m.kappa_n, m.kappa_p)
    ut_kappa = m.Ut / kappa

    def tau(itau, c):
        return ut_kappa * c / itau

    def pulse(ipulse, c):
        return m.Vth * c / ipulse

    itau_syn = jnp.maximum(m.Itau_syn, m.Io)
    itau_ahp = jnp.maximum(m.Itau_ahp, m.Io)
    itau_mem = jnp.maximum(m.Itau_mem, m.Io)
    igain_mem = jnp.maximum(m.Igain_mem, m.Io)
    tau_syn = tau(itau_syn, m.C_syn)
    tau_ahp = tau(itau_ahp, m.C_ahp)
    return {
        "syn_gain": jnp.maximum(m.Igain_syn, m.Io) / itau_syn,
        "syn_decay": jnp.exp(-m.dt / tau_syn),
        "syn_charge": 1.0 - jnp.exp(-pulse(m.Ipulse, m.C_pulse) / tau_syn),
        "ahp_gain": jnp.maximum(m.Igain_ahp, m.Io) / itau_ahp,
        "ahp_decay": jnp.exp(-m.dt / tau_ahp),
        "ahp_charge": 1.0 - jnp.exp(-pulse(m.Ipulse_ahp, m.C_pulse_ahp) / tau_ahp),
        "itau_mem": itau_mem,
        "igain_mem": igain_mem,
        "mem_gain": igain_mem / itau_mem,
        "ut_kappa": ut_kappa,
        "fb_exponent": kappa**2 / (kappa + 1.0),
        "t_ref": pulse(m.Iref, m.C_ref),
    }


def _pack(state: dict) -> tuple:
    syn = jnp.stack([state[k] for k in _SYN_KEYS], axis=-1)
    return (state["iahp"], state["imem"], syn, state["spikes"], state["timer_ref"], state["vmem"])


def _unpack(carry: tuple) -> dict:
    iahp, imem, syn, spikes, timer_ref, vmem = carry
    out = {k: syn[..., i] for i, k in enumerate(_SYN_KEYS)}
    out.update(iahp=iahp, imem=imem, spikes=spikes, timer_ref=timer_ref, vmem=vmem)
    return dict(sorted(out.items()))


def _col(p: jax.Array) -> jax.Array:
    # A per-neuron parameter against a (..., N, 5) synapse array.
    return jnp.asarray(p)[..., None]


def _step(c: dict, m: DynapSim, carry: tuple, x: jax.Array) -> tuple[tuple, jax.Array]:
    """One step on arrays of shape (B, N); synapses and input x have 5 columns."""
    iahp, imem, syn, spikes, timer_ref, vmem = carry
    io = m.Io

    # Synapses. The fifth column (input 0) is an idle synapse: the resting current I_rest.
    w = x
    if m.w_rec is not None:
        # Only the four real synapses get recurrent input (the idle column stays at 0).
        rec = jnp.einsum("...i,ijk->...jk", spikes, m.w_rec)
        w = w + jnp.concatenate([rec, jnp.zeros_like(rec[..., :1])], axis=-1)
    i_w = w * _col(m.Iscale)
    syn_inf = jnp.maximum(_col(c["syn_gain"]) * i_w, _col(io))
    syn = _col(c["syn_decay"]) * syn
    syn = syn + _col(c["syn_charge"]) * syn_inf

    # AHP, charged by the previous step's spikes.
    ahp_inf = c["ahp_gain"] * (m.Iw_ahp * spikes)
    iahp = c["ahp_decay"] * iahp
    iahp = jnp.maximum(iahp + c["ahp_charge"] * ahp_inf, io)

    # Membrane. Idle synapses above rest are exactly 0, so AMPA alone is rockpool's step.
    iampa, igaba, inmda, ishunt, rest = (syn[..., k] for k in range(5))
    g_nmda = imem / (imem + m.If_nmda)
    feedback = jnp.exp(c["fb_exponent"] * (vmem / m.Ut))
    i_leak = c["itau_mem"] + iahp + (ishunt - rest)
    i_syn = iampa + g_nmda * (inmda - rest) - (igaba - rest)
    i_in = i_syn - i_leak + m.Idc
    i_in = jnp.where(timer_ref > 0, 0.0, i_in)
    i_in = jnp.maximum(i_in, io)
    imem_inf = c["mem_gain"] * (i_in - i_leak)
    f_imem = (io * feedback / i_leak) * (imem + c["igain_mem"])
    tau_mem = c["ut_kappa"] * m.C_mem / i_leak
    d_imem = (imem / (tau_mem * (imem + c["igain_mem"]))) * (
        imem_inf + f_imem - imem * (1.0 + iahp / c["itau_mem"])
    )
    imem = jnp.maximum(imem + d_imem * m.dt, io)
    vmem = c["ut_kappa"] * jnp.log(imem / io)

    # Spikes: a count, reset to Io, refractory timer.
    spikes = jnp.maximum(jnp.ceil(jnp.log(imem / m.Ispkthr)), 0.0)
    fired = spikes > 0
    imem = jnp.where(fired, io, imem)
    timer_ref = jnp.maximum(timer_ref - m.dt, 0.0)
    timer_ref = jnp.where(fired, c["t_ref"], timer_ref)
    return (iahp, imem, syn, spikes, timer_ref, vmem), spikes


@eqx.filter_jit
def _one_step(m: DynapSim, state: dict, x: jax.Array) -> dict:
    x = jnp.concatenate([x, jnp.zeros_like(x[..., :1])], axis=-1)
    carry, _ = _step(_constants(m), m, _pack(state), x)
    return _unpack(carry)


@eqx.filter_jit
def _evolve(m: DynapSim, x: jax.Array, state: dict | None, record: bool):
    global _trace_count
    _trace_count += 1
    batched = x.ndim == 4
    if not batched:
        x, state = x[None], None if state is None else {k: v[None] for k, v in state.items()}
    if state is None:
        state = m.init_state(x.shape[0])
    c = _constants(m)
    # The fifth synapse column is an idle synapse (input 0): the resting current.
    x = jnp.concatenate([x, jnp.zeros_like(x[..., :1])], axis=-1)

    def body(carry, x_t):
        carry, spikes = _step(c, m, carry, x_t)
        if not record:
            return carry, spikes
        iahp, imem, syn, _, _, vmem = carry
        # imem is recorded after the reset, vmem before it (as rockpool does).
        return carry, (spikes, imem, syn[..., :4], iahp, vmem)

    carry, out = jax.lax.scan(body, _pack(state), jnp.swapaxes(x, 0, 1))
    final = _unpack(carry)
    if record:
        spikes, imem, syn, iahp, vmem = out
        rec = {"imem": imem}
        rec.update({k: syn[..., i] for i, k in enumerate(_SYN_KEYS[:4])})
        rec.update(iahp=iahp, vmem=vmem, spikes=spikes)
    else:
        spikes, rec = out, {}
    # Scan stacks time first: (T, B, N) -> (B, T, N), or (T, N) for a single run.
    if batched:
        return jnp.swapaxes(spikes, 0, 1), final, {k: jnp.swapaxes(v, 0, 1) for k, v in rec.items()}
    return spikes[:, 0], {k: v[0] for k, v in final.items()}, {k: v[:, 0] for k, v in rec.items()}
