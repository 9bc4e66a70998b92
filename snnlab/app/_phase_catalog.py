"""What the phase-plane lab offers: its models, their presets and drives, default windows,
trajectory durations, and a model's equations as math panes."""

from __future__ import annotations

import inspect
import re

import panel as pn

from .. import neurons as _neurons
from .. import params as sp
from ..core import AbstractNeuronModel

PRESET_DRIVES: dict[str, dict[str, float]] = {
    # Izhikevich (2003) drives every pattern with I = 10; below it none of them fires
    "Izhikevich": {"RS": 10.0, "IB": 10.0, "CH": 10.0, "FS": 10.0, "LTS": 10.0},
    # above the onset of firing: Hopf (class II) near 90, saddle-node (class I) near 40
    "MorrisLecar": {"class_II": 100.0, "class_I": 45.0},
}
"""`I_e` (the model's current unit) of the presets whose published table leaves the
current out, so that choosing one shows its firing pattern at once."""

DURATIONS = (50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0)
"""Trajectory durations offered (ms): a few fixed lengths, each compiled once."""

WINDOWS: dict[str, tuple[str, str, tuple[float, float], tuple[float, float]]] = {
    "MorrisLecar": ("V", "w", (-80.0, 50.0), (-0.05, 0.7)),
    "FitzHughNagumo": ("V", "w", (-2.5, 2.5), (-1.0, 2.0)),
    "AdEx": ("V", "w", (-85.0, 10.0), (-100.0, 500.0)),
    "Izhikevich": ("V", "u", (-85.0, 40.0), (-20.0, 15.0)),
    "ReducedHH": ("V", "n", (-85.0, 50.0), (0.0, 1.0)),
    "HH": ("V", "n", (-85.0, 50.0), (0.0, 1.0)),
}
"""Where the interesting part of the plane lies for the classic models: (x, y, x window,
y window), in the states' units. Other models get `snnlab.analysis`'s defaults (from the
model's `phase_limits` or its state units); every window can be edited in the page."""

SWEEPS = ("f-I curve", "bifurcation in I_e")
"""The on-demand panels under the plane."""


def phase_models() -> dict[str, type]:
    """The Parameterized classes of continuous-time models with two or more states, by name."""
    out = {}
    for name, cls in sp.neuron_models().items():
        mc = cls.model_class
        if not (isinstance(mc, type) and issubclass(mc, AbstractNeuronModel)):
            continue
        names = getattr(mc, "state_names", None)
        if isinstance(names, (tuple, list)) and len(names) < 2:
            continue
        try:
            if len(cls().to_model().state_names) >= 2:
                out[name] = cls
        except (ValueError, TypeError):
            continue
    return out


def presets_for(pclass: type) -> dict[str, dict[str, float]]:
    """The published parameter sets of a model: every `*_PATTERNS` / `*_PRESETS` table of
    `snnlab.neurons` whose entries only name parameters of this model, plus "default"."""
    out: dict[str, dict[str, float]] = {"default": {}}
    names = set(pclass.specs)
    for attr in getattr(_neurons, "__all__", dir(_neurons)):
        if not attr.endswith(("_PATTERNS", "_PRESETS")):
            continue
        table = getattr(_neurons, attr, None)
        if not isinstance(table, dict) or not table:
            continue
        if all(isinstance(v, dict) and set(v) <= names for v in table.values()):
            out.update({k: dict(v) for k, v in table.items()})
    return out


def doc_panes(doc: str, paragraphs: int = 3) -> list:
    """The first `paragraphs` paragraphs of a model's docstring as panes, equations as math.

    A paragraph `$$...$$` becomes a `pn.pane.LaTeX` (KaTeX) display equation, any other a
    `pn.pane.LaTeX` of text whose `$...$` parts are inline math; code marks are dropped.
    Each pane scrolls sideways inside its column when an equation is wider than it, rather
    than widening the page.
    """
    parts = [p.strip() for p in inspect.cleandoc(doc or "").split("\n\n") if p.strip()]
    panes = []
    style = {"overflow-x": "auto", "overflow-y": "hidden", "max-width": "100%"}
    for part in parts[:paragraphs]:
        text = " ".join(line.strip() for line in part.splitlines())
        text = re.sub(r"`([^`]*)`", r"\1", text)
        panes.append(pn.pane.LaTeX(text, sizing_mode="stretch_width", styles=style))
    return panes
