"""The phase-plane lab's page: its widgets, the layout, the alert, and what new axes
change on the figures. A mixin of `PhasePlaneApp` (reads the app's parameters)."""

from __future__ import annotations

import panel as pn
from bokeh.models import Div

from .. import analysis as an
from . import _guard as guard
from ._lab_common import TextField, format_range, lab_slider, parse_range
from ._phase_catalog import doc_panes
from ._phase_sweep import SweepPanel
from ._phase_views import PlaneView, fixed_table
from ._widgets import fast


class PlanePage:
    """Widgets, layout and messages of `PhasePlaneApp`."""

    # ---- page --------------------------------------------------------------------------

    def _rebuild_plot(self, clear: bool = True) -> None:
        """New axes (names, units, window) on the same figures; values then flow as data.
        `clear`: empty every layer (a new model or plane: nothing drawn belongs to it)."""
        model = self._safe_model()
        note = an.projection(model, self.x, self.y, others=self.others).note if model else ""
        title = f"{self.model}: {self.x}-{self.y} plane" + (f" ({note})" if note else "")
        v = (model.state_names if model else ("V",))[0]
        x_label, y_label, v_label = (f"{n} ({self.unit_of(n)})" for n in (self.x, self.y, v))
        self.view.set_axes(title, self.x, self.y, x_label, y_label, v_label)
        self.view.set_window(self.xlim, self.ylim)
        if clear:
            self.view.clear()
        self._plane_key = None
        for field, name in ((self.xlim_field, self.x), (self.ylim_field, self.y)):
            field.input.label = f"{name} window ({self.unit_of(name)}): lo, hi"
        self.note.object = (
            f"**{self.model}** on the {self.x}-{self.y} plane"
            + (f"; other states: {note}." if note else ".")
            + " Click the plane to start a trajectory."
        )
        if self.trajectories or not clear:
            self._send_trajectories()

    def _fill_model_box(self) -> None:
        p = self.params_of()
        current_row = None
        rows = []
        self.sliders: dict[str, pn.widgets.FloatSlider] = {}
        for name in p.slider_names():
            if getattr(p, name) is None:
                continue  # an unset optional parameter (e.g. no refractory period): no slider
            row, slider = lab_slider(p, name)
            self.sliders[name] = slider
            if name == "I_e":
                current_row = row
            else:
                rows.append(row)
        self.current_box.objects = [current_row] if current_row is not None else []
        self.model_box.objects = rows
        self.model_doc.objects = doc_panes(p.model_class.__doc__ or "")

    def _build_widgets(self) -> None:
        self.alert = pn.pane.Alert(
            "", alert_type="danger", visible=False, sizing_mode="stretch_width"
        )
        self.note = pn.pane.Markdown("", sizing_mode="stretch_width")
        # a Bokeh Div: a new table is one property change (a Markdown pane re-renders)
        self._fixed_div = Div(text="", sizing_mode="stretch_width")
        self.fixed_table = pn.pane.Bokeh(self._fixed_div, sizing_mode="stretch_width")
        self.model_doc = pn.Column(sizing_mode="stretch_width", styles={"overflow-x": "auto"})
        self.xlim_field = TextField(self, "xlim", parse_range, format_range)
        self.ylim_field = TextField(self, "ylim", parse_range, format_range)
        self.current_box = pn.Column(sizing_mode="stretch_width")
        self.model_box = pn.Column(sizing_mode="stretch_width", scroll=True, max_height=420)
        self.clear_button = pn.widgets.Button(label="clear trajectories", color="warning")
        self.clear_button.on_click(lambda e: self.clear_trajectories())
        self._sweep = SweepPanel(self)
        # plain Bokeh figures, built once (no HoloViews axis linking between them)
        self.view = PlaneView()
        self.view.tap.add_subscriber(self._on_tap)
        self.plane_pane = pn.pane.Bokeh(self.view.plane, sizing_mode="stretch_width")
        self.trace_pane = pn.pane.Bokeh(self.view.trace, sizing_mode="stretch_width")

    def show_fixed(self, fp, x: str, y: str) -> None:
        """The table of the fixed points `fp` (None: still being computed) on the x-y plane."""
        self._fixed_div.text = fixed_table(fp, x, y)
        if self.fixed_table._models and not guard.in_server():
            pn.io.push_notebook(self.fixed_table)  # a notebook's output cell

    def show_message(self, text: str, kind: str = "warning") -> None:
        """Show `text` in the page's alert (`kind`: "danger" or "warning"); "" hides it."""
        self.message = text
        self.alert.alert_type = kind
        self.alert.object = text or " "
        self.alert.visible = bool(text)

    def __panel__(self):
        sel = lambda p, **kw: pn.widgets.Select.from_param(p, **kw)  # noqa: E731
        sidebar = pn.Column(
            sel(self.param.model, sizing_mode="stretch_width"),
            sel(self.param.preset, sizing_mode="stretch_width"),
            pn.pane.Markdown("#### input current", margin=(0, 5)),
            self.current_box,
            pn.Row(sel(self.param.x, width=90), sel(self.param.y, width=90)),
            sel(self.param.others, width=120),
            pn.Row(sel(self.param.duration, width=110), self.clear_button),
            pn.pane.Markdown("#### model parameters", margin=(0, 5)),
            self.model_box,
            self.xlim_field,
            self.ylim_field,
            fast(pn.widgets.IntSlider.from_param(self.param.grid)),
            width=300,
        )
        sw = self._sweep
        sweep = pn.Column(
            pn.Row(sel(self.param.sweep, width=200), sw.button, sw.status),
            sw.progress,
            sw.pane,
            sizing_mode="stretch_width",
        )
        # the plane takes the whole width beside the sidebar; the trace sits under it
        main = pn.Column(
            self.note,
            self.alert,
            self.plane_pane,
            self.trace_pane,
            self.fixed_table,
            self.model_doc,
            sweep,
            sizing_mode="stretch_width",
            min_width=0,
        )
        return pn.Row(sidebar, main, sizing_mode="stretch_width")
