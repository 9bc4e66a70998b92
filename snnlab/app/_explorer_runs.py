"""How the Explorer runs a simulation: shapes padded to buckets, and the compile warm-up.

Static shapes decide what JAX compiles. A slider over the duration or the number of
neurons would otherwise compile a new function at (almost) every position:

- duration: the stepped engine rounds its number of steps up to one of 8 buckets per
  octave (`snnlab.core.bucket_steps`) and drops the extra samples;
- neurons: `neuron_bucket` rounds the population up to one of 4 buckets per octave (at
  most 19% extra neurons); the run simulates the padded population and `first_neurons`
  keeps the neurons asked for.

Padding and random inputs: the Explorer's inputs are generators of size 1, broadcast to
every neuron, and neurons do not interact, so a padded neuron is one more copy that no
real neuron sees. The random numbers are drawn per generator and per step (`fold_in` of
the step index), never with the population's shape, so neuron i's run is the same with
any padding: the same seed and size give the same run every time, equal to
`snnlab.simulate` of the unpadded model (`Explorer.code()`), which a test checks spike
for spike. Only the stepped engine is padded: the event engine shares one spike bound
among all neurons, which padded copies would use up.

The first run of a new bucket compiles (a second or more): the scheduler sends a variant
it has not measured to the thread pool, behind the busy sign (`_scheduler.py`).
`snnlab.app.warm_compilation_cache` (`_warm.py`) compiles the default variants before
the first student comes.
"""

from __future__ import annotations

import dataclasses
import logging
import math

from ..core import Result, simulate

log = logging.getLogger("snnlab.app")

EXACT_NEURONS = 4
"""Populations up to this size are simulated as they are (no padding)."""


def neuron_bucket(size: int) -> int:
    """The padded population for `size` neurons: `size` itself up to `EXACT_NEURONS`, then
    the next of 4 sizes per octave (5 -> 5, 9 -> 10, 100 -> 112, 1000 -> 1024)."""
    size = int(size)
    if size <= EXACT_NEURONS:
        return size
    grain = 2 ** (int(math.log2(size)) - 2)
    return int(math.ceil(size / grain) * grain)


def first_neurons(res: Result, n: int) -> Result:
    """`res` restricted to its first `n` neurons (a padded run back to the size asked
    for). The state to continue from (`final_state`) is dropped: it has the padded shape."""
    if res.n_neurons == n:
        return res
    keep = res.spike_ids < n
    return dataclasses.replace(
        res,
        spikes=res.spikes[:, :n],
        spike_times=res.spike_times[keep],
        spike_ids=res.spike_ids[keep],
        traces={k: v[:, :n] for k, v in res.traces.items()},
        final_state=None,
    )


def simulate_quietly(model, connections, kwargs) -> Result:
    """One run, as the thread pool executes it: nothing of the session but the inputs.

    Its RuntimeWarnings are not caught here (`warnings.catch_warnings` is not
    thread-safe); the Result's `diverged` and `hit_max_spikes` flags carry them.
    """
    return simulate(model, connections, **kwargs)


def simulate_padded(model, connections, kwargs, n: int) -> Result:
    """`simulate_quietly` of a padded model, cut back to its first `n` neurons."""
    return first_neurons(simulate_quietly(model, connections, kwargs), n)


def _public_module(cls: type) -> str:
    return ".".join(p for p in cls.__module__.split(".") if not p.startswith("_"))


def _fmt(value) -> str:
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_fmt(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, float):
        return "float('inf')" if math.isinf(value) and value > 0 else repr(value)
    return repr(value)


def code_for(settings) -> str:
    """A Python snippet reproducing the run of `settings` (an `ExplorerSettings`) through
    the public API: `snnlab.simulate` of the model as asked for (unpadded; a padded run
    equals it, see the module's docstring)."""
    self = settings
    nparams = self.neuron_params[self.model]
    mcls = nparams.model_class
    imports = {(_public_module(mcls), mcls.__name__)}
    kwargs = {"size": self.size, **nparams.changed_kwargs()}
    if "method" in nparams.param:
        kwargs["method"] = self.method
    args = ", ".join(f"{k}={_fmt(v)}" for k, v in kwargs.items())
    lines = [f"model = {mcls.__name__}({args})"]
    conns = []
    for g in self.inputs:
        gp = self.generator_params[g]
        imports.add((_public_module(gp.model_class), g))
        gargs = ", ".join(f"{k}={_fmt(v)}" for k, v in gp.changed_kwargs().items())
        conns.append(f"snnlab.Connection({g}({gargs}), weight={_fmt(float(self.weight))})")
    lines.append("inputs = [" + ", ".join(conns) + "]")
    sk = self.simulate_kwargs()
    skw = ", ".join(f"{k}={_fmt(v)}" for k, v in sk.items())
    lines.append(f"res = snnlab.simulate(model, inputs, {skw})")
    lines.append("print(res, res.rates().mean(), 'Hz')")
    head = ["import snnlab"] + [f"from {m} import {c}" for m, c in sorted(imports)]
    return "\n".join(head + [""] + lines) + "\n"


__all__ = [
    "EXACT_NEURONS",
    "first_neurons",
    "neuron_bucket",
    "code_for",
    "simulate_padded",
    "simulate_quietly",
]
