"""What the labs share: scheduled runs, errors shown in the page, slider boxes, text fields.

A lab is a `pn.viewable.Viewer` whose run is split in two: `work()` (the simulation:
reads parameters, touches no pane) and `present(result)` (new columns into the plots'
sources, panes, readouts).
`request_run()` hands the run to the app-wide `_scheduler.RunScheduler`: only the newest
values run (a drag never queues stale work), `work()` runs on the session's event loop
when its compiled variant (`run_key()`) was measured to be cheap and on `_guard`'s
thread pool otherwise, a pool run past its deadline is given up and said so, and a late
result never overwrites a newer one. `present()` always runs on the session's loop
(panes may only be changed there). Every exception becomes a message in the page, so
the app never dies; the resource caps (`check_caps`) are checked before any work, and
messages are escaped before they reach the page.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import panel as pn
import param

from .. import params as sp
from . import _guard as guard
from ._page import Busy
from ._scheduler import Job, RunScheduler, SessionLoop
from ._widgets import number_widget


class Lab(pn.viewable.Viewer):
    """Base of the labs: an alert for errors and warnings, and runs through the shared
    `RunScheduler` (newest values win, runs coalesce, a deadline, run ids).

    Subclasses implement `work()` and `present(result)` (or, for a lab driven only by
    `run()`, `compute()`), raise `ValueError` with a message for the page, and implement
    `__panel__()`. `message` holds the latest error or warning shown in the page; `runs`
    counts successful runs.
    """

    message = param.String("", doc="the latest error or warning, shown in the page")

    def __init__(self, **params):
        super().__init__(**params)
        self.alert = pn.pane.Alert("", alert_type="danger", visible=False, margin=(5, 10))
        self.busy = Busy()  # shown by the app's page header (AppPage) during pool runs
        self.runs = 0
        self._suspended = 0
        self._scheduler: RunScheduler | None = None

    # ---- running -----------------------------------------------------------------------

    def compute(self) -> str:
        """Do the work for the current values and update the plots, now.

        **Returns:** a warning for the page, or "" when all is well.
        """
        return self.present(self.work())

    def work(self):
        """The expensive part of a run: read the parameters, compute, return what `present`
        needs. Must not touch the page (when served it may run on a pool thread)."""
        raise NotImplementedError

    def present(self, result) -> str:
        """Show what `work` returned (pipes, panes, readouts); on the event loop.

        **Returns:** a warning for the page, or "" when all is well.
        """
        raise NotImplementedError

    def run_key(self) -> Hashable:
        """What names the compiled variant of a run (for the scheduler's cost table):
        the lab's class and every setting that changes an array's shape. The default
        takes `duration`, `dt` and `size` where the lab has them; labs extend it."""
        shape = tuple(getattr(self, n) for n in ("duration", "dt", "size") if n in self.param)
        return (type(self).__name__, *shape)

    def check_caps(self) -> None:
        """Refuse (`ValueError` with a message) work past the server's resource caps.

        The default checks `duration` and `dt` (and `size`, when the lab has them)
        against `Limits`; labs with other costs extend it.
        """
        if "duration" in self.param and "dt" in self.param:
            guard.check_run(getattr(self, "size", 1), self.duration, self.dt)

    @property
    def scheduler(self) -> RunScheduler:
        """The lab's `RunScheduler`, made at the first request: on the session's loop when
        served, synchronous otherwise (a notebook, a script, a test)."""
        if self._scheduler is None:
            doc = self._session_doc()
            self._scheduler = RunScheduler(
                self._prepare,
                self._present_job,
                self.show,
                loop=SessionLoop(doc) if doc is not None else None,
                busy=self.busy,
            )
        return self._scheduler

    def request_run(self, *events) -> None:
        """Ask for a run with the newest values; coalesces requests made during a run."""
        if self._suspended:
            return
        self.scheduler.request()

    @staticmethod
    def _session_doc():
        """The served session's document, or None (a notebook, a script, a test)."""
        doc = pn.state.curdoc
        return doc if doc is not None and doc.session_context is not None else None

    def sync_settings(self) -> None:
        """Bring derived settings in line with the newest values before a run (on the
        event loop, before `work`); the default does nothing."""

    def _prepare(self) -> Job:
        self.check_caps()
        self.sync_settings()
        return Job(work=self.work, key=self.run_key())

    def _present_job(self, result, job: Job) -> None:
        self._report(lambda: self.present(result))

    def run(self) -> bool:
        """Compute now, on this thread; an error goes to the page instead of stopping
        the app.

        **Returns:** True when the computation succeeded.
        """

        def checked_compute():
            self.check_caps()
            self.sync_settings()
            return self.compute()

        return self._report(checked_compute)

    def _report(self, step) -> bool:
        """Run `step()` (returns a note); show the note, or the error it raised."""
        try:
            note = step()
        except (ValueError, TypeError, KeyError) as err:
            self.show(str(err), "danger")
            return False
        except Exception as err:  # noqa: BLE001 - never a dead app
            self.show(f"{type(err).__name__}: {err}", "danger")
            guard.log.error("lab run failed: %s", err, exc_info=err)
            return False
        self.runs += 1
        self.show(note or "", "warning")
        return True

    def show(self, text: str, kind: str = "danger") -> None:
        """Show `text` in the page's alert box (hidden when empty)."""
        text = str(text)[:2000]
        self.message = text
        self.alert.alert_type = kind
        self.alert.object = guard.escape(text)  # user text never becomes markup
        self.alert.visible = bool(text)


def slider_box(obj: sp.ModelParameters, names=None, on_change=None) -> tuple[pn.Column, dict]:
    """Sliders (with units and docs) for the parameters `names` of a `snnlab.params` object.

      **Arguments:**

      - `obj`: a `snnlab.params` Parameterized.
      - `names`: slider names to show (default: all of `obj.slider_names()`); a parameter
    without a unit is labelled "(dimensionless)".
      - `on_change`: called with the param events when any of them changes.

      **Returns:** `(column, sliders)`, sliders by parameter name.
    """
    names = list(obj.slider_names() if names is None else names)
    col = pn.Column(sizing_mode="stretch_width")
    sliders = {}
    for name in names:
        row, slider = lab_slider(obj, name)
        sliders[name] = slider
        col.append(row)
    if on_change is not None and names:
        obj.param.watch(on_change, names)
    return col, sliders


def finite_limits(*arrays, pad: float = 0.05, log: bool = False) -> tuple[float, float] | None:
    """Axis limits that cover the finite values of `arrays`, padded; None when there are none.

    **Arguments:**

    - `arrays`: numbers or arrays of any shape (NaN and inf are skipped).
    - `pad`: fraction of the span added on each side (of the span in decades when `log`).
    - `log`: for a log axis: only values > 0 count, and the padding is in decades. A
      constant positive value gets half a decade each side.

    **Returns:** `(lo, hi)` with lo < hi, or None.
    """
    values = [np.ravel(np.asarray(a, dtype=float)) for a in arrays]
    v = np.concatenate(values) if values else np.zeros(0)
    v = v[np.isfinite(v)]
    if log:
        v = v[v > 0]
    if v.size == 0:
        return None
    lo, hi = float(v.min()), float(v.max())
    if log:
        a, b = np.log10(lo), np.log10(hi)
        d = pad * (b - a) if b > a else 0.5
        return float(10 ** (a - d)), float(10 ** (b + d))
    d = pad * (hi - lo) if hi > lo else max(abs(lo) * 0.1, 1.0)
    return lo - d, hi + d


def log_floor(values, floor: float) -> np.ndarray:
    """`values` as floats, with values below `floor` (zeros, negatives) raised to it: what a
    log axis can draw. NaN stays NaN."""
    v = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(np.isnan(v), np.nan, np.maximum(v, floor))


class TextField(pn.viewable.Viewer):
    """A text field for one parameter that validates before it sets anything.

    What is typed is parsed by `parse` (raising `ValueError` with a message for a bad
    value); a bad value shows the message in a red box under the field and leaves the
    parameter, and so the page, as it was; a good one sets the parameter and clears the
    message. A change of the parameter from elsewhere rewrites the text.

    **Arguments:**

    - `obj`, `name`: the Parameterized and its parameter.
    - `parse`: text -> value; raises `ValueError` (or `TypeError`) for a bad text.
    - `fmt`: value -> text.
    - `label`: the field's title (default: the parameter's label).
    - `kw`: passed to `pn.widgets.TextInput` (width, ...).

    **Attributes:** `input` (the TextInput), `error` (the message box), `message` (the
    latest error, "" when the text is valid).
    """

    def __init__(self, obj, name: str, parse, fmt=str, label: str | None = None, **kw):
        super().__init__()
        self._obj, self._name, self._parse, self._fmt = obj, name, parse, fmt
        kw.setdefault("sizing_mode", "stretch_width")
        title = label or obj.param[name].label
        self.input = pn.widgets.TextInput(label=title, value=fmt(getattr(obj, name)), **kw)
        self.error = pn.pane.Alert(
            "", alert_type="danger", visible=False, margin=(0, 10), sizing_mode="stretch_width"
        )
        self.message = ""
        self._setting = False
        self.input.param.watch(self._typed, "value")
        obj.param.watch(self._changed, name)

    def _typed(self, event) -> None:
        if self._setting:
            return
        text = str(event.new if event.new is not None else "")
        try:
            value = self._parse(text)
            self._setting = True
            try:
                setattr(self._obj, self._name, value)  # param's own checks may refuse too
            finally:
                self._setting = False
        except (ValueError, TypeError) as err:
            self._say(f"{self.input.label}: {err}")
            return
        self._say("")

    def _changed(self, event) -> None:
        if self._setting:
            return
        self._setting = True
        try:
            self.input.value = self._fmt(event.new)
        finally:
            self._setting = False
        self._say("")

    def _say(self, text: str) -> None:
        self.message = text
        self.error.object = guard.escape(text)
        self.error.visible = bool(text)

    def __panel__(self):
        return pn.Column(self.input, self.error, sizing_mode="stretch_width", margin=0)


def parse_range(text: str, *, limit: float = 1e6, what: str = "the window") -> tuple[float, float]:
    """`"lo, hi"` (brackets allowed) as two finite floats with lo < hi and |x| <= `limit`.

    **Raises:** `ValueError` saying what to type.
    """
    parts = [p for p in str(text).strip().strip("()[]").replace(";", ",").split(",") if p.strip()]
    if len(parts) != 2:
        raise ValueError(f"type two numbers 'lo, hi' for {what}, got {str(text)[:40]!r}.")
    lo = guard.finite_number("lo", parts[0].strip(), -limit, limit)
    hi = guard.finite_number("hi", parts[1].strip(), -limit, limit)
    if not lo < hi:
        raise ValueError(f"lo must be below hi, got {lo:g}, {hi:g}.")
    return lo, hi


def parse_number_list(
    text: str, *, lo: float = 0.0, hi: float = 1e5, what: str = "the list"
) -> list[float]:
    """Comma- or space-separated numbers (brackets allowed), each finite in `[lo, hi]`,
    at most the server's `max_list_items`.

    **Raises:** `ValueError` naming the bad entry.
    """
    body = str(text).strip().strip("()[]").replace(",", " ").split()
    caps = guard.limits()
    if len(body) > caps.max_list_items:
        raise ValueError(f"{what} has {len(body)} entries; the limit is {caps.max_list_items}.")
    return [guard.finite_number(what, item, lo, hi) for item in body]


def format_range(value) -> str:
    """`(lo, hi)` as the text `"lo, hi"`."""
    lo, hi = value
    return f"{lo:g}, {hi:g}"


def format_number_list(values) -> str:
    """Numbers as the text `"a, b, c"`."""
    return ", ".join(f"{float(v):g}" for v in np.ravel(np.asarray(values, dtype=float)))


DIMENSIONLESS = "dimensionless"
"""What a label says where a quantity has no unit."""


def unit_of(obj: param.Parameterized, name: str) -> str:
    """The unit of parameter `name` of `obj` (`spec_of(name).unit` of a `snnlab.params`
    object), `DIMENSIONLESS` where it has none."""
    spec_of = getattr(obj, "spec_of", None)
    unit = ""
    if spec_of is not None:
        try:
            unit = spec_of(name).unit or ""
        except (KeyError, AttributeError):
            unit = ""
    return unit or DIMENSIONLESS


def lab_slider(obj: param.Parameterized, name: str, *, log: bool | None = None):
    """`_widgets.number_widget` whose title always states a unit: a parameter without one is
    labelled "(dimensionless)".

    **Arguments:** `obj` (a `snnlab.params` object), `name`, `log` (default: the spec's).

    **Returns:** `(row, slider)` as `number_widget`.
    """
    if log is None:
        spec_of = getattr(obj, "spec_of", None)
        log = bool(spec_of(name).log) if spec_of is not None else False
    row, slider = number_widget(obj, name, log=log)
    if unit_of(obj, name) == DIMENSIONLESS and "(" not in obj.param[name].label:
        title = f"{obj.param[name].label} ({DIMENSIONLESS})"
        slider.label = f"{title} (log)" if slider.label.endswith(" (log)") else title
    return row, slider


__all__ = [
    "DIMENSIONLESS",
    "Lab",
    "TextField",
    "format_number_list",
    "format_range",
    "parse_number_list",
    "parse_range",
    "finite_limits",
    "lab_slider",
    "log_floor",
    "slider_box",
    "unit_of",
]
