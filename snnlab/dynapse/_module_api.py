"""rockpool's module interface for `DynapSim`: attribute families, stored state, `timed`,
`as_graph`.

rockpool's jax modules are functional: `evolve` returns the new state and
`module.set_attributes(new_state)` returns a module that holds it. `DynapSim` follows
that pattern (it is an immutable equinox module), so rockpool code such as

    out, new_state, rec = net(x)
    net = net.set_attributes(new_state)

runs unchanged. rockpool's graph classes are not a dependency of snnlab: `as_graph`
returns a `DynapSimGraph`, a plain description of the same content as rockpool's
`GraphHolder` (a `DynapseNeurons` node with every bias and, when recurrent, the
`LinearWeights` `w_rec`), which `DynapSim.from_graph` turns back into a model.
"""

from __future__ import annotations

import copy
from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..core import check_parameters, float_array, param_specs


class DynapSimGraph(NamedTuple):
    """A computational graph of a `DynapSim` population (rockpool's `as_graph` content).

    **Fields:**

    - `name`: the module's name.
    - `size_in`, `size_out`: input and output nodes (N each).
    - `neurons`: the `DynapseNeurons` node's parameters, every bias by its rockpool name
      as an `(N,)` numpy array in SI units (A, F, V, s).
    - `weights`: the recurrent `LinearWeights`, `(N, N, 4)` (pre, post, synapse type),
      or None for a feed-forward population.
    - `spiking_input`, `spiking_output`: the port types.
    """

    name: str
    size_in: int
    size_out: int
    neurons: dict
    weights: Any
    spiking_input: bool
    spiking_output: bool


class TimedOutput(NamedTuple):
    """Output of a timed `DynapSim`.

    **Fields:** `times` the step start times (s, `(T,)`), `spikes` counts `(T, N)` (or
    `(B, T, N)`), `events` the spikes as `(times, channels)` arrays (s, neuron index;
    one entry per spike, a count of k giving k entries), `record` the evolve record.
    """

    times: np.ndarray
    spikes: Any
    events: tuple
    record: dict


class TimedDynapSim(eqx.Module):
    """A `DynapSim` on an absolute time base (rockpool's `timed()` wrapper).

    Calling it with `input_data` of shape `(T, N, 4)` or `(T, N)` (as `evolve`) and an
    optional start time `t_start` (s), or with a rockpool `TSEvent` / `TSContinuous`
    (rastered at `dt`, its own start time), returns a `TimedOutput`; steps are `dt` long.
    """

    module: Any
    output_num: int = eqx.field(static=True, default=0)
    add_events: bool = eqx.field(static=True, default=False)

    @property
    def dt(self) -> float:
        """The step (s)."""
        return float(np.asarray(self.module.dt).reshape(-1)[0])

    def __call__(self, input_data, t_start: float = 0.0, record: bool = False) -> TimedOutput:
        if hasattr(input_data, "raster"):  # a rockpool TimeSeries (TSEvent / TSContinuous)
            t_start = float(input_data.t_start)
            input_data = np.asarray(input_data.raster(self.dt), dtype=float)
        spikes, _, rec = self.module.evolve(input_data, record=record)
        counts = np.asarray(spikes)
        n_t = counts.shape[-2]
        times = t_start + self.dt * np.arange(n_t)
        flat = counts.reshape(-1, n_t, counts.shape[-1]).sum(axis=0)
        t_idx, ch = np.nonzero(flat)
        reps = flat[t_idx, ch].astype(int)
        events = (np.repeat(times[t_idx], reps), np.repeat(ch, reps))
        return TimedOutput(times, spikes, events, rec)


def _squeeze_batch(value, n: int):
    v = float_array(value)
    if v.ndim == 2 and v.shape[0] == 1:
        v = v[0]
    return v


class RockpoolModuleAPI(eqx.Module):
    """rockpool's module methods, mixed into `DynapSim` (see the module docstring)."""

    def __call__(self, input_data, record: bool = False, state: dict | None = None):
        """`evolve` with rockpool's default `record=False`: `(output, state, record)`."""
        return self.evolve(input_data, record=record, state=state)

    @property
    def class_name(self) -> str:
        """The class name, `"DynapSim"`."""
        return type(self).__name__

    @property
    def name(self) -> str:
        """The module's name (rockpool: empty unless set by a parent; here always empty)."""
        return ""

    @property
    def full_name(self) -> str:
        """Class and name, as rockpool prints it."""
        return f"{self.class_name} '{self.name}'"

    def modules(self) -> dict:
        """Sub-modules: none."""
        return {}

    def attributes_named(self, name) -> dict:
        """The attributes called `name` (a string or a tuple of strings), by name."""
        names = (name,) if isinstance(name, str) else tuple(name)
        every = {**self.simulation_parameters(), **self.parameters(), **self.state()}
        return {k: every[k] for k in names if k in every}

    def tree_flatten(self):
        """`jax.tree_util.tree_flatten` of this module: `(leaves, treedef)`."""
        return jax.tree_util.tree_flatten(self)

    @classmethod
    def tree_unflatten(cls, aux_data, children):
        """The module from `tree_flatten`'s `treedef` and leaves."""
        return jax.tree_util.tree_unflatten(aux_data, children)

    iahp = property(lambda self: self.state()["iahp"], doc="AHP current state (A), `(N,)`.")
    iampa = property(lambda self: self.state()["iampa"], doc="AMPA current state (A).")
    igaba = property(lambda self: self.state()["igaba"], doc="GABA current state (A).")
    inmda = property(lambda self: self.state()["inmda"], doc="NMDA current state (A).")
    ishunt = property(lambda self: self.state()["ishunt"], doc="SHUNT current state (A).")
    imem = property(lambda self: self.state()["imem"], doc="Membrane current state (A).")
    vmem = property(lambda self: self.state()["vmem"], doc="Membrane voltage state (V).")
    spikes = property(lambda self: self.state()["spikes"], doc="Spike counts of the last step.")
    timer_ref = property(lambda self: self.state()["timer_ref"], doc="Refractory time left (s).")

    @property
    def size_in(self) -> int:
        """Input channels (N)."""
        return self.size

    @property
    def size_out(self) -> int:
        """Output channels (N)."""
        return self.size

    def parameters(self, family: str | None = None) -> dict[str, jax.Array]:
        """The trainable parameters: `{"w_rec": (N, N, 4)}` when recurrent, else `{}`
        (rockpool's DynapSim trains only `w_rec`; its biases are simulation
        parameters)."""
        return {"w_rec": self.w_rec} if self.w_rec is not None else {}

    def simulation_parameters(self, family: str | None = None) -> dict[str, jax.Array]:
        """Every bias current (A), capacitance (F), transistor constant and `dt` (s), as
        `(N,)` arrays by rockpool name."""
        return {name: getattr(self, name) for name in param_specs(type(self))}

    def state(self, family: str | None = None) -> dict[str, jax.Array]:
        """The held state (see `init_state`): the one `set_attributes` stored, or rest."""
        return dict(self.stored_state) if self.stored_state is not None else self.init_state()

    def reset_state(self):
        """A copy whose state is back at rest."""
        return _replace(self, stored_state=None)

    def reset_parameters(self):
        """A copy with every bias at its default (shape, `w_rec` and flags kept)."""
        specs = param_specs(type(self))
        values = {
            k: jnp.broadcast_to(float_array(s.default), (self.size,)) for k, s in specs.items()
        }
        return _replace(self, **values)

    def set_attributes(self, new_attributes: dict[str, Any]):
        """A copy with parameters, `w_rec` and/or state variables replaced.

        **Arguments:** `new_attributes`: any of `simulation_parameters()`,
        `parameters()` and `state()` keys (a state from a batched run with batch 1 is
        accepted). Unknown names raise `ValueError`.

        **Returns:** the new module; parameters are validated as in the constructor.
        """
        specs = param_specs(type(self))
        state_keys = set(self.init_state())
        params, state = {}, {}
        for key, value in new_attributes.items():
            if key in specs:
                params[key] = jnp.broadcast_to(float_array(value), (self.size,))
            elif key == "w_rec":
                if self.w_rec is None:
                    raise ValueError("DynapSim: w_rec given to a feed-forward population.")
                params[key] = float_array(value)
            elif key in state_keys:
                state[key] = _squeeze_batch(value, self.size)
            elif key == "rng_key":
                continue
            else:
                raise ValueError(f"DynapSim has no attribute {key!r} to set.")
        out = _replace(self, **params)
        check_parameters(out, self.size)
        if state:
            out = _replace(out, stored_state={**self.state(), **state})
        return out

    def timed(self, output_num: int = 0, dt: float | None = None, add_events: bool = False):
        """This population on an absolute time base (`TimedDynapSim`).

        **Arguments:** `output_num` (kept for rockpool compatibility: DynapSim has one
        output), `dt` (s; must equal the module's `dt` if given), `add_events`.
        """
        if dt is not None and not np.allclose(dt, np.asarray(self.dt)):
            raise ValueError(f"DynapSim.timed: dt={dt} differs from the module's dt.")
        return TimedDynapSim(self, output_num, add_events)

    def as_graph(self) -> DynapSimGraph:
        """A `DynapSimGraph` of this population (see the module docstring)."""
        neurons = {k: np.asarray(v) for k, v in self.simulation_parameters().items()}
        weights = None if self.w_rec is None else np.asarray(self.w_rec)
        return DynapSimGraph(
            f"DynapSim_{id(self)}",
            self.size,
            self.size,
            neurons,
            weights,
            self.spiking_input,
            self.spiking_output,
        )

    @classmethod
    def from_graph(cls, graph: DynapSimGraph, weights: Any = None):
        """A `DynapSim` from `as_graph()`'s output; `weights` overrides its `w_rec`."""
        w = graph.weights if weights is None else weights
        return cls(
            graph.size_out,
            w_rec=w,
            spiking_input=graph.spiking_input,
            spiking_output=graph.spiking_output,
            **graph.neurons,
        )


def _replace(module, **fields):
    new = copy.copy(module)
    for name, value in fields.items():
        object.__setattr__(new, name, value)
    return new
