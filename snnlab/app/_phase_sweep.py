"""The phase-plane lab's on-demand panel: an f-I curve or a bifurcation scan in `I_e`,
computed in chunks with a progress bar (one chunk per event-loop tick when served)."""

from __future__ import annotations

import holoviews as hv
import numpy as np
import panel as pn

from .. import analysis as an
from ..viz import KIND_COLORS, state_dimension
from ._lab_common import DIMENSIONLESS
from ._phase_catalog import SWEEPS

CHUNKS = 6
"""Pieces a sweep is computed in (the progress bar's steps)."""


class SweepPanel:
    """The sweep under the plane of `app` (a `PhasePlaneApp`: its model, preset, axes,
    window and `sweep` choice are read when a sweep starts).

    **Attributes:** `button`, `progress`, `status`, `pane` (widgets), `result` (a DataFrame
    of the latest finished sweep, or None).
    """

    def __init__(self, app):
        self.app = app
        self.result = None
        self._state = None
        self.button = pn.widgets.Button(label="compute", color="primary", width=90)
        self.button.on_click(lambda e: app.start_sweep())
        self.progress = pn.indicators.Progress(
            value=0, max=CHUNKS, visible=False, sizing_mode="stretch_width", bar_color="primary"
        )
        self.status = pn.pane.Markdown(
            "Choose a sweep and press *compute*.", sizing_mode="stretch_width"
        )
        self.pane = pn.pane.HoloViews(
            hv.Curve([]), visible=False, sizing_mode="stretch_width", linked_axes=False
        )

    def clear(self) -> None:
        """Remove the sweep shown (and stop one in progress)."""
        self._state = None
        self.result = None
        self.pane.object = hv.Curve([]).opts(height=60, responsive=True, title="")
        self.pane.visible = False
        self.progress.visible = False
        self.button.disabled = False
        self.status.object = "Choose a sweep and press *compute*."

    def start(self, values: np.ndarray, served: bool) -> None:
        """Compute the selected sweep over `values` of `I_e` (model's current unit)."""
        app = self.app
        try:
            model = app.params_of().to_model(I_e=0.0)
        except (ValueError, TypeError) as err:
            app.show_message(str(err), "danger")
            return
        chunks = np.array_split(values, CHUNKS)
        self._state = {"model": model, "chunks": chunks, "done": [], "kind": app.sweep}
        self.progress.max = len(chunks)
        self.progress.value = 0
        self.progress.visible = True
        self.button.disabled = True
        self.status.object = f"computing {app.sweep} of {app.model} ..."
        if served:
            pn.state.execute(self._step, schedule=True)
        else:
            while self._state is not None:
                self._step()

    def _fail(self, err: Exception) -> None:
        self._state = None
        self.progress.visible = False
        self.button.disabled = False
        self.app.show_message(f"sweep: {type(err).__name__}: {err}", "danger")

    def _step(self) -> None:
        st, app = self._state, self.app
        if st is None:
            return  # cleared: the model or preset changed
        chunk = st["chunks"][len(st["done"])]
        model = st["model"]
        method = getattr(model, "method", "rk4")
        dt = float(app.dt) * 2
        try:
            if st["kind"] == SWEEPS[0]:
                part = an.fi_curve(model, chunk, duration=500.0, dt=dt, method=method)
            else:
                part = an.bifurcation(
                    model,
                    "I_e",
                    chunk,
                    x=app.x,
                    y=app.y,
                    xlim=app.xlim,
                    ylim=app.ylim,
                    n_starts=6,
                    duration=500.0,
                    dt=dt,
                    method=method,
                )
        except Exception as err:  # noqa: BLE001 - never a dead app
            self._fail(err)
            return
        if self._state is not st:
            return  # cleared while this chunk ran
        st["done"].append(part)
        self.progress.value = len(st["done"])
        if len(st["done"]) < len(st["chunks"]):
            if app.served():
                pn.state.execute(self._step, schedule=True)
            return
        self._state = None
        self.progress.visible = False
        self.button.disabled = False
        self._finish(st["kind"], st["done"])

    def _finish(self, kind, parts) -> None:
        import pandas as pd

        app = self.app
        unit = app.params_of().specs["I_e"].unit
        idim = hv.Dimension("I_e", label="I_e", unit=unit or DIMENSIONLESS)
        if kind == SWEEPS[0]:
            cur = np.concatenate([p.current for p in parts])
            rate = np.concatenate([p.rate for p in parts])
            self.result = pd.DataFrame({"I_e": cur, "rate": rate})
            plot = hv.Curve((cur, rate), idim, hv.Dimension("rate", unit="Hz"))
            plot = plot.opts(color="black", line_width=2) * hv.Scatter((cur, rate)).opts(size=4)
            title = f"f-I curve of {app.model} ({app.preset})"
        else:
            table = pd.concat([p.fixed_points for p in parts], ignore_index=True)
            vals = np.concatenate([p.values for p in parts])
            vmin = np.concatenate([p.V_min for p in parts])
            vmax = np.concatenate([p.V_max for p in parts])
            self.result = table
            v = app.x
            vdim = state_dimension(v, app.unit_of(v))
            pts = hv.Points(
                {"I_e": table["value"], v: table[v], "kind": table["kind"].astype(object)},
                [idim, vdim],
                ["kind"],
            ).opts(color="kind", cmap=KIND_COLORS, size=7, show_legend=True, tools=["hover"])
            rng = hv.Area((vals, vmin, vmax), idim, [vdim, "V_max"], label="run min..max")
            plot = rng.opts(alpha=0.2, color="gray") * pts
            title = f"bifurcation of {app.model} ({app.preset}) in I_e"
        now = float(app.params_of().I_e)
        self.pane.object = (plot * hv.VLine(now).opts(color="gray", line_dash="dotted")).opts(
            title=title, responsive=True, height=260, legend_position="right"
        )
        self.pane.visible = True
        self.status.object = f"{title}: done."
