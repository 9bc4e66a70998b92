"""The Explorer's views: plots, tabs, the sidebar's boxes, messages and exports.

`ExplorerViews` is the part of the Explorer (`_explorer.py`) that draws: it builds the
page once (`_build_views`), puts a finished run into the plots of the visible tab
(`_refresh`; the others when they are opened), shows messages (`_show`) and serves the
exports. Plots are `_live.LiveView`s: their figures are built once, a run sends columns.
"""

from __future__ import annotations

import io
import logging

import holoviews as hv
import panel as pn

from .. import params as sp
from .. import viz
from . import _guard as guard
from ._explorer_catalog import model_description, unused
from ._lab_common import lab_slider
from ._live import LiveText, ScopeView, isi_view, raster_view, rate_view, trace_view
from ._page import AppPage
from ._widgets import validated_input

log = logging.getLogger("snnlab.app")

TABS = ("Traces", "Statistics", "Phase plane", "Live", "Code")

INTRO = (
    "Pick a neuron model and its inputs on the left, then drag any slider: the voltage "
    "trace, the spike raster and the statistics follow at once. Every slider carries its "
    "unit; hover the (?) for its meaning. *copy link* shares exactly this view."
)

_URL_JS = """
const [seq, search] = [parseInt(cb_obj.value), cb_obj.value.slice(cb_obj.value.indexOf("|") + 1)];
if (cb_obj.value && !(seq <= (window._snnlab_url_seq || 0))) {
  window._snnlab_url_seq = seq;
  window.history.replaceState(null, "", window.location.pathname + search);
}
"""


class ExplorerViews:
    """Plots, tabs and boxes of the Explorer (a part of `Explorer`, over its settings)."""

    def _build_views(self) -> None:
        self.page = AppPage("snnlab Explorer", body=None, intro=INTRO)
        self.url_field = pn.widgets.TextInput(value="", visible=False, label="url")
        self.url_field.jscallback(value=_URL_JS)
        # built once; each run sends new columns into their sources (_live.py)
        self.voltage_view, self.raster_view = trace_view(), raster_view()
        self.rate_view, self.isi_view = rate_view(), isi_view()
        self.scope = ScopeView()
        # the oscilloscope's data sources (columns t, y), as the Live tests read them
        self.scope_trace, self.scope_spikes = self.scope.trace, self.scope.spikes
        self.voltage_pane, self.raster_pane = self.voltage_view.pane, self.raster_view.pane
        self.phase_pane = pn.pane.HoloViews(hv.Curve([]), sizing_mode="stretch_width")
        self.scope_pane = self.scope.pane
        self.code_pane = pn.pane.Markdown("", sizing_mode="stretch_width")
        self.stats = LiveText()  # `.pane` in the page
        self.alert = pn.pane.Alert(
            "", alert_type="danger", visible=False, sizing_mode="stretch_width"
        )
        self.phase_x = pn.widgets.Select(label="x", options=[], width=120)
        self.phase_y = pn.widgets.Select(label="y", options=[], width=120)
        for w in (self.phase_x, self.phase_y):
            w.param.watch(lambda e: self._phase_axes_changed(), "value")
        self.tabs = pn.Tabs(
            ("Traces", pn.Column(self.voltage_pane, self.raster_pane, sizing_mode="stretch_width")),
            (
                "Statistics",
                pn.Row(self.rate_view.pane, self.isi_view.pane, sizing_mode="stretch_width"),
            ),
            (
                "Phase plane",
                pn.Column(
                    pn.Row(self.phase_x, self.phase_y), self.phase_pane, sizing_mode="stretch_width"
                ),
            ),
            (
                "Live",
                pn.Column(
                    pn.pane.Markdown(
                        "Tick *live* to run the neuron like an oscilloscope; "
                        "sliders act on the running neuron."
                    ),
                    self.scope_pane,
                    sizing_mode="stretch_width",
                ),
            ),
            ("Code", self.code_pane),
            dynamic=True,
            sizing_mode="stretch_width",
        )
        self.tabs.param.watch(self._tab_changed, "active")
        self.model_box = pn.Column(sizing_mode="stretch_width")
        self.input_box = pn.Column(sizing_mode="stretch_width")
        self.sliders: dict[str, pn.widgets.FloatSlider] = {}
        self._fill_model_box()
        self._fill_input_box()
        self.downloads = pn.Row(
            pn.widgets.FileDownload(
                callback=self.csv_bytes,
                filename="snnlab_run.csv",
                label="data CSV",
                color="primary",
                width=95,
            ),
            pn.widgets.FileDownload(
                callback=self.npz_bytes,
                filename="snnlab_run.npz",
                label="data NPZ",
                color="primary",
                width=95,
            ),
            pn.widgets.FileDownload(
                callback=self.json_bytes,
                filename="snnlab_params.json",
                label="params JSON",
                color="success",
                width=105,
            ),
        )
        # the bytes arrive in memory and are checked by guard.read_json_upload; the
        # server's websocket message cap (set by `snnlab serve`) bounds them on the wire
        self.upload = pn.widgets.FileInput(accept=".json", label="load params JSON", multiple=False)
        self.upload.param.watch(self._on_upload, "value")

    def _phase_axes_changed(self):
        self._stale_tabs.add(TABS.index("Phase plane"))
        self._refresh(self._active_tab)

    def _tab_changed(self, event):
        self._active_tab = event.new
        self._refresh(event.new)

    def _widgets_for(self, obj: sp.ModelParameters) -> pn.Column:
        col = pn.Column(sizing_mode="stretch_width")
        for name in obj.slider_names():
            spec = obj.spec_of(name)
            if unused(spec):
                continue
            row, slider = lab_slider(obj, name, log=spec.log)  # "(dimensionless)" if unitless
            self.sliders[f"{type(obj).__name__}.{name}"] = slider
            col.append(row)
        if isinstance(obj, sp.GeneratorParameters) and "spike_times" in obj.param:
            col.append(validated_input(obj, "spike_times", label="spike times (ms)"))
        return col

    def _fill_model_box(self) -> None:
        obj = self.neuron_params[self.model]
        prefix = f"{type(obj).__name__}."
        self.sliders = {k: v for k, v in self.sliders.items() if not k.startswith(prefix)}
        self.model_box.objects = [
            pn.pane.Markdown(f"#### {self.model}", margin=(0, 5)),
            self._widgets_for(obj),
        ]
        self.page.intro = f"{INTRO}\n\n**{self.model}**: {model_description(obj.model_class)}"
        names = list(self.param.view_state.objects)
        self.phase_x.options = names
        self.phase_y.options = names
        self.phase_x.value = names[0]
        self.phase_y.value = names[1] if len(names) > 1 else names[0]

    def _fill_input_box(self) -> None:
        items = []
        for g in self.inputs:
            items.append(pn.pane.Markdown(f"#### {g}", margin=(0, 5)))
            items.append(self._widgets_for(self.generator_params[g]))
        self.input_box.objects = items

    def _threshold(self) -> float | None:
        """Where the model fires, for the dashed line of the trace: `th_inf` for models
        whose `V_th` is kept only for compatibility (GLIF), else `V_th`, else the soft
        threshold `V_T` of the exponential models (AdEx, EIF: their upswing to `V_peak`
        is faster than a sample), else `V_peak`."""
        nparams = self.neuron_params[self.model]
        if self.view_state != "V":
            return None
        for name in ("th_inf", "V_th", "V_T", "V_peak"):
            if name in nparams.specs and not unused(nparams.specs[name]):
                value = getattr(nparams, name)
                return None if value is None else float(value)
        return None

    def _refresh(self, tab: int) -> None:
        res = self.result
        if res is None or tab not in self._stale_tabs:
            return
        self._stale_tabs.discard(tab)
        name = TABS[tab]
        if name == "Traces":
            self.voltage_view.show(
                {"res": res, "state": self.view_state, "threshold": self._threshold()}
            )
            self.raster_view.show(res)
        elif name == "Statistics":
            self.rate_view.show(res)
            self.isi_view.show(res)
        elif name == "Phase plane":
            self._refresh_phase()
        elif name == "Code":
            self.code_pane.object = f"```python\n{self.code()}```"

    def _refresh_phase(self) -> None:
        model = getattr(self, "_model", None)
        if model is None or not hasattr(model, "dynamics"):
            self.phase_pane.object = hv.Div("<p>The phase plane needs a continuous-time model.</p>")
            return
        try:
            current = sum(
                float(self.generator_params[g].amplitude) * self.weight
                for g in self.inputs
                if g == "DCGenerator"
            )
            names = list(model.state_names)
            x = self.phase_x.value if self.phase_x.value in names else names[0]
            y = self.phase_y.value if self.phase_y.value in names else None
            if y == x:
                y = None
            self.phase_pane.object = viz.phase_plane(model, x, y, res=self.result, current=current)
        except Exception as err:  # noqa: BLE001
            self._show(f"phase plane: {type(err).__name__}: {err}", "warning")

    def _refresh_stats(self) -> None:
        res = self.result
        rate = float(res.rates().mean()) if res.n_neurons else 0.0
        n = len(res.spike_times)
        self.stats.object = (
            f"**{n} spike{'s' if n != 1 else ''}** in {res.duration:g} ms "
            f"from {res.n_neurons} neuron{'s' if res.n_neurons != 1 else ''}, "
            f"mean rate {rate:.3g} Hz"
        )

    def _show(self, text: str, kind: str = "danger") -> None:
        text = str(text)[:2000]
        self.message = text
        self.alert.alert_type = kind
        self.alert.object = guard.escape(text)  # user text never becomes markup
        self.alert.visible = bool(text)

    # ---- export / import -----------------------------------------------------------

    def csv_bytes(self) -> io.BytesIO:
        """The latest result as CSV (long format: t_ms, neuron, spike, states)."""
        buf = io.BytesIO()
        if self.result is not None:
            buf.write(self.result.to_dataframe().to_csv(index=False).encode())
        buf.seek(0)
        return buf

    def npz_bytes(self) -> io.BytesIO:
        """The latest result as a compressed NPZ (arrays only, loads without pickle)."""
        buf = io.BytesIO()
        if self.result is not None:
            self.result.to_npz(buf)
        buf.seek(0)
        return buf

    def json_bytes(self) -> io.BytesIO:
        """The parameters as JSON (load them back with `load_state` or the upload button)."""
        return io.BytesIO(self.state_json().encode())

    def _on_upload(self, event):
        """An uploaded parameter file: parsed in memory as JSON (never a path, never a
        pickle), validated, then loaded; any failure is a message and changes nothing."""
        if not event.new:
            return
        try:
            self.load_state(guard.read_json_upload(event.new))
        except Exception as err:  # noqa: BLE001 - a bad file must not break the session
            self._show(f"Could not load the parameter file: {err}", "danger")
