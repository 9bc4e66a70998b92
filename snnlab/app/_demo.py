"""Default drives that make a model show what it exists for: a few spikes.

A model's own defaults rarely fire at an arbitrary input (a DC of 1 pA, or a Poisson
train of 1 mV kicks), and the right scale differs by orders of magnitude between models
(pA for LIF, 10 pA for Izhikevich, dimensionless per-step inputs for the SNN* family).
Rather than a table per model, `calibrate` measures: it runs the model at a ladder of
drive strengths and keeps the one whose spike count is closest to `TARGET_SPIKES`. A
newly registered model or input gets a sensible default without any change here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..core import Connection, simulate

TARGET_SPIKES = 12
"""Spikes per neuron a default run aims for: enough to see a rhythm, few enough to see
each spike."""

MAX_FRACTION = 0.25
"""A default never fires on more than this fraction of the time steps (a solid bar)."""

LADDER = np.geomspace(0.01, 3.0, 25)
"""Drive strengths tried, as multiples of the model's drive scale."""

WEIGHT_LADDER = np.geomspace(0.01, 1e4, 25)
"""Spike weights tried for spike inputs (mV, pA or model units per spike)."""

CURRENT_KNOBS: dict[str, Callable[[float], dict[str, float]]] = {
    "DCGenerator": lambda a: {"amplitude": a},
    "SineGenerator": lambda a: {"offset": a, "amplitude": 0.5 * a},
    "OUGenerator": lambda a: {"mean": a, "sigma": 0.25 * a},
    "RampGenerator": lambda a: {"amplitude_start": 0.0, "amplitude_stop": 2.0 * a},
}
"""How a current input's values follow one drive strength `a` (the model's input unit)."""


@dataclass(frozen=True)
class Drive:
    """The values chosen for one input: its own parameters and the connection weight."""

    values: dict[str, float]
    weight: float
    spikes: int


def _short(x: float) -> float:
    return float(f"{x:.3g}")


def drive_scale(neuron_params) -> float:
    """The scale of a model's input: the top of its `I_e` slider (pA), else 1 (a
    dimensionless model's per-step input)."""
    spec = neuron_params.specs.get("I_e")
    if spec is None:
        return 1.0
    return max(abs(spec.slider[1]), abs(spec.slider[0]), 1e-6)


def calibrate(model, generator_name: str, generator_params, scale: float, run: dict) -> Drive:
    """The drive of `generator_name` that makes `model` fire about `TARGET_SPIKES` spikes.

    **Arguments:**

    - `model`: the neuron model (one neuron is enough: the first is counted).
    - `generator_name`, `generator_params`: the input and its `snnlab.params` object
      (its current values are the starting point; only the drive's values change).
    - `scale`: the model's drive scale (`drive_scale`).
    - `run`: keyword arguments of `snnlab.simulate` (duration, dt, engine, method).

    **Returns:** a `Drive`. Each candidate is a run of the same shapes, so after the first
    (which may compile) each costs a plain run.
    """
    steps = max(1, int(round(run["duration"] / run["dt"])))
    limit = max(1, int(MAX_FRACTION * steps))
    target = TARGET_SPIKES
    if "spike_times" in generator_params.param:
        target = max(1, len(generator_params.spike_times or []))
    knob = CURRENT_KNOBS.get(generator_name)
    candidates: list[tuple[dict[str, float], float]]
    if knob is not None:
        candidates = [({k: _short(v) for k, v in knob(scale * f).items()}, 1.0) for f in LADDER]
    else:
        candidates = [({}, _short(w)) for w in WEIGHT_LADDER]
    base = generator_params.values()
    best, best_score = Drive({}, 1.0, 0), math.inf
    for values, weight in candidates:
        trial = type(generator_params)()
        trial.set_values({**base, **values, "size": 1})
        res = simulate(model, Connection(trial.to_model(), weight=weight), **run)
        if res.diverged:
            continue
        count = int(np.sum(res.spike_ids == 0)) if len(res.spike_ids) else 0
        score = _score(count, target, limit)
        if score < best_score:
            best, best_score = Drive(values, weight, count), score
    return best


def _score(count: int, target: int, limit: int) -> float:
    """Distance of a spike count from the target, in decades; past `limit` (a solid bar)
    and at zero far worse than any count inside."""
    if count == 0:
        return 1e6
    distance = abs(math.log10(count / target))
    return distance + (1e3 if count > limit else 0.0)
