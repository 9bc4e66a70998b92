"""What the Explorer offers for a model: its engines, its time step, its sliders and its
description (pure functions of a model's `snnlab.params` object or class)."""

from __future__ import annotations

import inspect

from ..core import ENGINES, AbstractStepwiseModel


def all_engines() -> list[str]:
    """Every registered engine, "stepped" first."""
    return ["stepped", *sorted(e for e in ENGINES if e != "stepped")]


def engines_for(neuron_params) -> list[str]:
    """The engines that can run a model: discrete-time (SNN*) models only step."""
    if issubclass(neuron_params.model_class, AbstractStepwiseModel):
        return ["stepped"]
    return all_engines()


def is_discrete(neuron_params) -> bool:
    """Whether a model is discrete-time (one step = `dt`, dimensionless input)."""
    return issubclass(neuron_params.model_class, AbstractStepwiseModel)


DEFAULT_DT = {False: 0.1, True: 1.0}
"""Default time step (ms) of continuous-time and of discrete-time (one step per ms)
models; a model switch changes `dt` only while it is at the previous model's default."""


def unused(spec) -> bool:
    """Whether a model keeps a parameter only for compatibility (its doc says unused):
    such a parameter gets no slider, so that no slider does nothing."""
    return "unused" in (spec.doc or "").lower()


def model_description(model_class: type) -> str:
    """The first paragraphs of a model's docstring (its summary and equations, Markdown
    with `$$` math), for the page's explanation."""
    paragraphs = inspect.cleandoc(model_class.__doc__ or "").split("\n\n")
    return "\n\n".join(p for p in paragraphs[:3] if not p.lstrip().startswith("**"))


def construct_single(neuron_params):
    """One neuron of the model that `neuron_params` describes, with its current values."""
    single = type(neuron_params)()
    single.set_values({**neuron_params.values(), "size": 1})
    return single.to_model()


__all__ = [
    "DEFAULT_DT",
    "all_engines",
    "construct_single",
    "engines_for",
    "is_discrete",
    "model_description",
    "unused",
]
