"""The Explorer: any model, any inputs, a slider per parameter, live plots.

Data flow of one slider move (DESIGN.md): slider -> `snnlab.params` object ->
`to_model()` -> `snnlab.simulate` (jitted, cached by static shapes, padded to buckets so
a drag compiles once per bucket: `_explorer_runs.py`) -> `Result` -> new columns into
the plots' existing Bokeh sources (`_live.py`). Runs go through the app's
`_scheduler.RunScheduler`: requests coalesce, the newest values win, a run measured
cheap runs on the event loop and any other on the thread pool behind the busy sign,
with a deadline.

The Explorer is its settings (`ExplorerSettings`: params, JSON and URL I/O), its views
(`ExplorerViews`), its Live mode (`LiveMode`), the page's URL (`UrlSync`) and this thin
`pn.viewable.Viewer`, which wires them: watchers, runs and the session's life.

Served (`snnlab serve`), each browser session has its own Explorer: its own params
objects and plots; only the compiled simulation functions are shared. Every value from
the page, the URL or an uploaded file is validated, and every failure becomes a message
in the page.
"""

from __future__ import annotations

import logging
import time

import panel as pn

from ..core import bucket_steps
from . import _guard as guard
from ._explorer_catalog import (
    DEFAULT_DT,
    construct_single,
    engines_for,
    is_discrete,
    model_description,
    unused,
)
from ._explorer_live import SCOPE_WINDOW_MS, LiveMode
from ._explorer_runs import neuron_bucket, simulate_padded, simulate_quietly
from ._explorer_settings import ExplorerSettings
from ._explorer_url import UrlSync
from ._explorer_views import INTRO, TABS, ExplorerViews
from ._scheduler import Job, RunScheduler, SessionLoop
from ._widgets import fast, validated_input

log = logging.getLogger("snnlab.app")


class Explorer(UrlSync, LiveMode, ExplorerViews, ExplorerSettings, pn.viewable.Viewer):
    """Pick a model, its inputs and an engine; drag sliders; see the run change live.

    **Parameters** (each a `param` parameter, synced to the page URL when served):

    - `model`: a neuron model name from `snnlab.neurons` (every discovered model).
    - `inputs`: input generator names from `snnlab.generators` (none, one or several).
    - `weight`: per spike of a spike input, the jump of the model's input state (mV for
      delta synapses, pA for current synapses); a gain for current inputs.
    - `engine`, `method`: how to simulate ("event" appears once registered).
    - `duration` (ms), `dt` (ms), `size` (neurons), `seed`.
    - `live`: the oscilloscope: simulate `chunk` ms at a time, forever, continuing from
      the last state; slider changes act on the running neuron.

    The per-model sliders live in `neuron_params[model]` and `generator_params[name]`
    (`snnlab.params` objects). `result` holds the latest `Result`; `message` the latest
    error or warning shown in the page.
    """

    def __init__(self, *, sync_url: bool = True, **params):
        self._active_tab = 0
        self._stale_tabs: set[int] = set()
        self._live_cb = None
        self._live_state = None
        self._live_final = None
        self._live_clock = 0.0
        self._live_chunks = 0
        self.result = None
        self.last_run_ms = float("nan")
        self.runs = 0
        self._sync_url = sync_url
        self._url_written = ""
        self._url_seq = 0
        self._doc = None
        self._live_busy = False
        self._closed = False
        super().__init__(**params)  # the settings (and the model's defaults)
        self._build_views()
        self._runs = RunScheduler(self._job, self._present, self._show, busy=self.page.busy)
        self._watch_params()
        if guard.in_server():
            self._doc = pn.state.curdoc
            pn.state.on_session_destroyed(self._session_destroyed)
            # this session's callbacks; Panel keeps the handler in a per-document config
            # whose key it references weakly: a strong reference back to the page would
            # keep every closed session alive
            pn.config.exception_handler = guard.weak_handler(self._on_exception)
        if sync_url:
            self._read_url()
        self.request_run()

    # ---- session life ------------------------------------------------------------------

    def _session_destroyed(self, session_context) -> None:
        """The browser left: stop the oscilloscope, drop results, ignore late runs."""
        self.close()

    def close(self) -> None:
        """Stop work and release the data of this Explorer (called when a session ends)."""
        self._closed = True
        self._runs.close()
        if self._live_cb is not None:
            self._live_cb.stop()
            self._live_cb = None
        # drop the data; the plots go with the document (touching them now would redraw)
        self.result = None
        self._model = None
        self._live_state = None
        self._doc = None

    def _on_exception(self, exc: BaseException) -> None:
        """An exception in one of this session's callbacks: log it, show it, keep going."""
        log.error("callback error: %s: %s", type(exc).__name__, exc, exc_info=exc)
        try:
            self._show(f"{type(exc).__name__}: {exc}", "danger")
        except Exception:  # noqa: BLE001 - the handler itself must never raise
            log.exception("could not show the error in the page")

    # ---- running ---------------------------------------------------------------------

    def request_run(self, *events) -> None:
        """Ask for a run with the newest values; coalesces requests made during a run
        (`snnlab.app._scheduler.RunScheduler`)."""
        if self._suspended or self._closed:
            return
        if self._doc is not None and self._runs.loop is None:
            self._runs.loop = SessionLoop(self._doc)
        self._runs.request()

    @staticmethod
    def _in_server() -> bool:
        return guard.in_server()

    def _job(self) -> Job | None:
        """The next run as a scheduler `Job` (built on the loop, simulated anywhere)."""
        t0 = time.perf_counter()
        job = self._prepare()
        if job is None:
            return None
        model, connections, kwargs = job
        n, n_steps = self.size, guard.check_run(self.size, self.duration, self.dt)
        padded = model
        if self.engine == "stepped" and neuron_bucket(n) != n:
            padded = self.build(size=neuron_bucket(n))[0]  # see _explorer_runs.py
        key = (
            type(model).__name__,
            padded.size,
            bucket_steps(n_steps),
            self.engine,
            self.method,
            tuple(type(c.source).__name__ for c in connections),
        )
        # the page keeps the model as asked for (phase plane, tests), not the padded one
        return Job(lambda: simulate_padded(padded, connections, kwargs, n), key, (model, t0))

    def _present(self, res, job: Job) -> None:
        model, t0 = job.context
        self._apply(res, model, t0)

    def _prepare(self):
        """Validate the settings against the caps and build the model, before any work.

        **Returns:** `(model, connections, simulate_kwargs)`, or None after showing why
        the run cannot start.
        """
        try:
            guard.check_run(self.size, self.duration, self.dt)
            for g in self.inputs:
                gp = self.generator_params[g]
                if "spike_times" in gp.param:
                    guard.check_list(f"{g} spike times", gp.spike_times or [])
            model, connections = self.build()
            kwargs = self.simulate_kwargs()
        except (ValueError, TypeError) as err:
            self._show(str(err), "danger")
            return None
        except Exception as err:  # noqa: BLE001 - never a dead app
            log.error("building the model failed: %s", err, exc_info=err)
            self._show(f"{type(err).__name__}: {err}", "danger")
            return None
        return model, connections, kwargs

    def run(self):
        """Simulate the current settings now and update the plots; errors go to the page.

        **Returns:** the `Result`, or None when the run failed, diverged or hit
        `max_spikes` (see `message`; the previous plot then stays).
        """
        t0 = time.perf_counter()
        job = self._prepare()
        if job is None:
            return None
        try:
            res = simulate_quietly(*job)
        except (ValueError, TypeError) as err:
            self._show(str(err), "danger")
            return None
        except Exception as err:  # noqa: BLE001 - never a dead app
            log.error("run failed: %s", err, exc_info=err)
            self._show(f"{type(err).__name__}: {err}", "danger")
            return None
        return self._apply(res, job[0], t0)

    def _apply(self, res, model, t0: float):
        """Show a finished run, or report why it is not shown (NaN, spike bound, a solver
        step that could not finish); notes of a shown run (e.g. a switch to float64)
        appear as a warning."""
        if getattr(res, "solver_failed", False):
            when = res.failure_time
            self._show(
                "The solver could not finish a step"
                + (f" at t = {when:g} ms" if when is not None else "")
                + " (the adaptive method needed more sub-steps than its bound); the "
                "previous plot stays. Use a smaller dt or another method.",
                "warning",
            )
            return None
        if res.diverged:
            when = f" at t = {res.first_bad_time:g} ms" if res.first_bad_time is not None else ""
            self._show(
                f"The run diverged (NaN or inf){when}; the previous plot stays. "
                "Try a smaller dt, another method, or other parameters.",
                "warning",
            )
            return None
        if res.hit_max_spikes:
            self._show(
                "The run reached the event engine's spike bound (max_spikes) before its end; "
                "the previous plot stays. Use a shorter duration, fewer neurons or less drive.",
                "warning",
            )
            return None
        self.last_run_ms = (time.perf_counter() - t0) * 1e3
        self.runs += 1
        self.result = res
        self._model = model
        notes = [self._note, *getattr(res, "messages", [])]
        self._show(" ".join(n for n in notes if n), "warning")
        self._note = ""
        self._stale_tabs = set(range(len(TABS)))
        self._refresh(self._active_tab)
        self._refresh_stats()
        self._write_url(force=True)  # again after the run: a change sent mid-event can drop
        return res

    # ---- reacting to changes -----------------------------------------------------------

    def _watch_params(self) -> None:
        self.param.watch(
            self._settings_changed,
            [
                "inputs",
                "weight",
                "engine",
                "method",
                "duration",
                "dt",
                "size",
                "seed",
                "view_state",
            ],
        )
        self.param.watch(self._model_changed, ["model"])
        self.param.watch(lambda e: self._toggle_live(), ["live"])
        self.param.watch(lambda e: self._set_period(), ["period"])
        for obj in (*self.neuron_params.values(), *self.generator_params.values()):
            names = [n for n in obj.param if n not in ("name", "size")]
            obj.param.watch(self._values_changed, names)

    def _values_changed(self, *events):
        if self.live:
            self._write_url()
            return  # the oscilloscope reads the newest values each chunk
        self.request_run()
        self._write_url_after_run()

    def _settings_changed(self, *events):
        for e in events:
            if e.name == "inputs":
                if not self._suspended:
                    self._suspended += 1
                    try:
                        for g in e.new:
                            if g not in (e.old or []):
                                self._calibrate(g)
                    finally:
                        self._suspended -= 1
                    self._write_url()
                self._fill_input_box()
        if self.live and any(
            e.name in ("dt", "size", "engine", "method", "inputs", "seed") for e in events
        ):
            self.reset_live()  # another run's structure: the oscilloscope starts over
        if self.live and not any(e.name in ("size", "dt", "engine", "method") for e in events):
            self._write_url()
            return
        self.request_run()
        self._write_url_after_run()

    def _model_changed(self, event):
        if self._doc is not None and not self._suspended:
            self._after_busy_sign(self._switch_model, event)
        else:
            self._switch_model(event)

    def _after_busy_sign(self, fn, *args) -> None:
        """Run `fn(*args)` on the next tick, with the busy sign on meanwhile: the sign
        reaches the page before work on the loop (calibrating a new model's drive, a
        second or two for the slow models) holds it up."""
        self.page.busy.start()

        def work():
            try:
                fn(*args)
            finally:
                self.page.busy.stop()

        guard.call_soon_in_session(self._doc, work)

    def _switch_model(self, event):
        self._apply_model_defaults(event.new, previous=event.old)
        self._fill_model_box()
        self._fill_input_box()
        self.reset_live()
        self._write_url()
        self.request_run()

    def __panel__(self):
        w = {}
        for name in ("duration", "dt"):
            w[name] = fast(
                pn.widgets.FloatSlider.from_param(self.param[name], sizing_mode="stretch_width")
            )
        w["size"] = fast(
            pn.widgets.IntSlider.from_param(self.param.size, sizing_mode="stretch_width")
        )
        w["weight"] = fast(
            pn.widgets.FloatSlider.from_param(self.param.weight, sizing_mode="stretch_width")
        )
        self.settings_widgets = w
        sidebar = pn.Column(
            pn.widgets.Select.from_param(self.param.model, sizing_mode="stretch_width"),
            pn.widgets.MultiChoice.from_param(self.param.inputs, sizing_mode="stretch_width"),
            pn.Row(
                pn.widgets.Select.from_param(self.param.engine, width=120),
                pn.widgets.Select.from_param(self.param.method, width=120),
            ),
            w["duration"],
            w["dt"],
            w["size"],
            w["weight"],
            pn.Row(
                validated_input(self, "seed", width=110),
                pn.widgets.Select.from_param(self.param.view_state, width=120),
            ),
            pn.Row(
                pn.widgets.Checkbox.from_param(self.param.live, margin=(28, 5, 0, 10)),
                validated_input(self, "chunk", width=90),
                validated_input(self, "period", width=90),
            ),
            self.model_box,
            self.input_box,
            pn.pane.Markdown("#### Export / import"),
            self.downloads,
            self.upload,
            width=330,
            scroll=True,
        )
        main = pn.Column(
            self.alert, self.stats.pane, self.tabs, self.url_field, sizing_mode="stretch_width"
        )
        self.page.body = pn.Row(sidebar, main, sizing_mode="stretch_width")
        return self.page


__all__ = [
    "DEFAULT_DT",
    "INTRO",
    "SCOPE_WINDOW_MS",
    "TABS",
    "Explorer",
    "construct_single",
    "engines_for",
    "is_discrete",
    "model_description",
    "unused",
]
