"""The Explorer: any model, any inputs, a slider per parameter, live plots.

Data flow of one slider move (DESIGN.md): slider -> `snnlab.params` object ->
`to_model()` -> `snnlab.simulate` (jitted, cached by static shapes, so no recompile)
-> `Result` -> `Pipe.send` -> `DynamicMap` -> Bokeh patch. Requests are coalesced:
while a run is in flight only a flag is set, and the next run reads the newest values,
so a drag never queues stale runs.

Served (`snnlab serve`), each browser session has its own Explorer: its own params
objects, pipes and buffers; only the compiled simulation functions are shared. A run
executes on `_guard`'s thread pool, off the event loop, so a slow run of one student does
not freeze the others; its size is checked against the server's caps before it starts,
and a run past `max_run_seconds` releases the session. Every value from the page, the
URL or an uploaded file is validated, and every failure becomes a message in the page.
"""

from __future__ import annotations

import inspect
import io
import json
import logging
import math
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

import holoviews as hv
import numpy as np
import panel as pn
import param

from .. import params as sp
from .. import viz
from ..core import ENGINES, METHODS, AbstractStepwiseModel, Connection, simulate
from . import _guard as guard
from ._demo import calibrate, drive_scale
from ._lab_common import lab_slider
from ._page import AppPage
from ._widgets import fast, validated_input

log = logging.getLogger("snnlab.app")

TABS = ("Traces", "Statistics", "Phase plane", "Live", "Code")

SCOPE_WINDOW_MS = 500.0
"""Simulated time the Live oscilloscope shows (ms)."""


def _public_module(cls: type) -> str:
    return ".".join(p for p in cls.__module__.split(".") if not p.startswith("_"))


def _fmt(value) -> str:
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_fmt(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, float):
        return "float('inf')" if math.isinf(value) and value > 0 else repr(value)
    return repr(value)


def _simulate_quietly(model, connections, kwargs):
    """One run, as the thread pool executes it: nothing of the session but the inputs.

    Its RuntimeWarnings are not caught here (`warnings.catch_warnings` is not
    thread-safe); the Result's `diverged` and `hit_max_spikes` flags carry them.
    """
    return simulate(model, connections, **kwargs)


def _engines() -> list[str]:
    return ["stepped", *sorted(e for e in ENGINES if e != "stepped")]


def engines_for(neuron_params) -> list[str]:
    """The engines that can run a model: discrete-time (SNN*) models only step."""
    if issubclass(neuron_params.model_class, AbstractStepwiseModel):
        return ["stepped"]
    return _engines()


def is_discrete(neuron_params) -> bool:
    """Whether a model is discrete-time (one step = `dt`, dimensionless input)."""
    return issubclass(neuron_params.model_class, AbstractStepwiseModel)


DEFAULT_DT = {False: 0.1, True: 1.0}
"""Default time step (ms) of continuous-time and of discrete-time (one step per ms)
models; a model switch changes `dt` only while it is at the previous model's default."""

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


class Explorer(pn.viewable.Viewer):
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

    model = param.Selector(default="LIF", objects=["LIF"], doc="neuron model")
    inputs = param.ListSelector(
        default=["DCGenerator"], objects=["DCGenerator"], doc="input generators"
    )
    weight = param.Number(
        1.0,
        softbounds=(-20.0, 50.0),
        step=0.5,
        label="weight (mV or pA per spike)",
        doc="per spike: the jump of the model's input state (mV for V, pA for I_syn); "
        "for a current input a gain",
    )
    engine = param.Selector(default="stepped", objects=["stepped"], doc="simulation engine")
    method = param.Selector(default="exp_euler", objects=list(METHODS), doc="integrator")
    duration = param.Number(
        200.0,
        bounds=(1.0, 20_000.0),
        softbounds=(10.0, 2000.0),
        step=10.0,
        label="duration (ms)",
        doc="simulated time (ms)",
    )
    dt = param.Number(
        0.1,
        bounds=(1e-4, 10.0),
        softbounds=(0.001, 1.0),
        step=0.001,
        label="dt (ms)",
        doc="time step of the stepped engine, sampling step of the event engine (ms)",
    )
    size = param.Integer(
        1,
        bounds=(1, 20_000),
        softbounds=(1, 2000),
        label="neurons",
        doc="population size (a new size recompiles once)",
    )
    seed = param.Integer(0, bounds=(0, 2**31 - 1), doc="seed of the random inputs")
    view_state = param.Selector(
        default="V", objects=["V"], label="trace", doc="state variable shown in the trace plot"
    )
    live = param.Boolean(False, doc="oscilloscope mode: keep simulating in chunks")
    chunk = param.Number(
        50.0, bounds=(1.0, 1000.0), label="chunk (ms)", doc="simulated time per live update (ms)"
    )
    period = param.Integer(
        60, bounds=(10, 5000), label="period (ms)", doc="wall-clock time between live updates (ms)"
    )
    message = param.String("", doc="the latest error or warning, shown in the page")

    def __init__(self, *, sync_url: bool = True, **params):
        neurons = sp.neuron_models()
        generators = sp.generator_models()
        self.neuron_params = {k: cls() for k, cls in neurons.items()}
        self.generator_params = {k: cls() for k, cls in generators.items()}
        self.param.model.objects = list(neurons)
        self.param.inputs.objects = list(generators)
        self.param.engine.objects = _engines()
        self._suspended = 0
        self._dirty = False
        self._running = False
        self._scheduled = False
        self._variants_run: set[tuple] = set()  # (model, size, steps, ...) run so far
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
        self._run_id = 0
        self._future = None
        self._live_busy = False
        self._closed = False
        self._note = ""
        super().__init__(**params)
        self._apply_model_defaults(self.model)
        self._build_views()
        self._watch_params()
        if guard.in_server():
            self._doc = pn.state.curdoc
            pn.state.on_session_destroyed(self._session_destroyed)
            pn.config.exception_handler = self._on_exception  # this session's callbacks
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
        self._dirty = False
        if self._live_cb is not None:
            self._live_cb.stop()
            self._live_cb = None
        if self._future is not None:
            self._future.cancel()
            self._future = None
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

    # ---- state: JSON and URL ----------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """The whole view as plain data: settings, the model's and the inputs' values."""
        nparams = self.neuron_params[self.model]
        neuron = {k: v for k, v in nparams.values().items() if k not in ("size", "method")}
        return {
            "snnlab": 1,
            "model": self.model,
            "inputs": list(self.inputs),
            "weight": self.weight,
            "engine": self.engine,
            "method": self.method,
            "duration": self.duration,
            "dt": self.dt,
            "size": self.size,
            "seed": self.seed,
            "view_state": self.view_state,
            "neuron": neuron,
            "generators": {
                g: {k: v for k, v in self.generator_params[g].values().items() if k != "size"}
                for g in self.inputs
            },
        }

    def state_json(self) -> str:
        """`state_dict()` as JSON text (what the parameter export downloads)."""
        return json.dumps(self.state_dict(), indent=2, allow_nan=True)

    def load_state(self, state: dict[str, Any] | str | bytes) -> None:
        """Restore a `state_dict()` (or its JSON); runs once afterwards.

        **Raises:** `ValueError` naming the bad entry for malformed data.
        """
        if isinstance(state, (str, bytes, bytearray)):
            state = guard.read_json_upload(state)
        if not isinstance(state, dict) or "model" not in state:
            raise ValueError("the parameter file must be a JSON object with a 'model' entry.")
        if not isinstance(state["model"], str) or state["model"] not in self.neuron_params:
            raise ValueError(
                f"model {str(state['model'])[:40]!r} is unknown; known: "
                f"{sorted(self.neuron_params)}."
            )
        inputs = state.get("inputs", [])
        if not isinstance(inputs, (list, tuple)) or not all(isinstance(g, str) for g in inputs):
            raise ValueError("inputs must be a list of input generator names.")
        unknown_inputs = [g[:40] for g in inputs if g not in self.generator_params]
        if unknown_inputs:
            raise ValueError(f"unknown input generators {unknown_inputs}.")
        for key in ("neuron", "generators"):
            if not isinstance(state.get(key, {}), dict):
                raise ValueError(f"{key!r} must be a JSON object of parameter values.")
        for key in ("weight", "duration", "dt", "size", "seed"):
            if key in state:
                guard.finite_number(key, state[key])
        for key in ("size", "seed"):
            if key in state and float(state[key]) != int(float(state[key])):
                raise ValueError(f"{key} must be a whole number, got {state[key]}.")
        backup = self.state_dict()
        self._suspended += 1
        try:
            self._apply_state(state)
        except Exception as err:
            # leave the session as it was: a half-loaded file is worse than none
            self._apply_state(backup)
            if isinstance(err, (ValueError, TypeError, KeyError)):
                raise ValueError(str(err).strip("'\"")) from None
            raise
        finally:
            self._suspended -= 1
        self.request_run()

    def _apply_state(self, state: dict[str, Any]) -> None:
        self.model = state["model"]
        settings = {
            k: state[k]
            for k in ("inputs", "weight", "engine", "method", "duration", "dt", "size", "seed")
            if k in state
        }
        for k in ("size", "seed"):
            if k in settings:
                settings[k] = int(float(settings[k]))
        if "inputs" in settings:
            settings["inputs"] = list(settings["inputs"])
        self.param.update(**settings)
        neuron = state.get("neuron", {})
        for k, v in neuron.items():
            if isinstance(v, (list, tuple)):
                guard.check_list(f"{self.model}.{k}", v)
            elif v is not None:
                guard.finite_number(f"{self.model}.{k}", v)
        self.neuron_params[self.model].set_values(neuron)
        for g, values in state.get("generators", {}).items():
            if g not in self.generator_params:
                raise ValueError(f"unknown input generator {str(g)[:40]!r}.")
            if not isinstance(values, dict):
                raise ValueError(f"the values of {g} must be a JSON object.")
            for k, v in values.items():
                if isinstance(v, (list, tuple)):
                    guard.check_list(f"{g}.{k}", v)
            self.generator_params[g].set_values(values)
        if state.get("view_state") in self.param.view_state.objects:
            self.view_state = state["view_state"]

    def query(self) -> dict[str, str]:
        """The state as flat URL query parameters (`p.<name>` model, `g.<gen>.<name>` inputs)."""
        s = self.state_dict()
        q = {
            k: str(s[k])
            for k in (
                "model",
                "engine",
                "method",
                "duration",
                "dt",
                "size",
                "seed",
                "weight",
                "view_state",
            )
        }
        q["inputs"] = ",".join(s["inputs"])
        for k, v in s["neuron"].items():
            q[f"p.{k}"] = json.dumps(v)
        for g, values in s["generators"].items():
            for k, v in values.items():
                q[f"g.{g}.{k}"] = json.dumps(v)
        return q

    def load_query(self, query: dict[str, str] | str) -> None:
        """Restore the state from URL query parameters (a dict or a `?a=b&...` string)."""
        if isinstance(query, str):
            query = dict(parse_qsl(query.lstrip("?")))
        if not query:
            return
        state: dict[str, Any] = {"neuron": {}, "generators": {}}
        conv = {"duration": float, "dt": float, "weight": float, "size": int, "seed": int}
        if len(query) > 500:
            raise ValueError(f"the link has {len(query)} parameters; expected fewer than 500.")
        for k, v in query.items():
            if k.startswith("p."):
                state["neuron"][k[2:]] = guard.read_query_value(k, v)
            elif k.startswith("g."):
                g, _, name = k[2:].partition(".")
                state["generators"].setdefault(g, {})[name] = guard.read_query_value(k, v)
            elif k == "inputs":
                state["inputs"] = [x for x in v.split(",") if x]
            elif k in conv:
                state[k] = guard.finite_number(k, v)
                if conv[k] is int:
                    if state[k] != int(state[k]):
                        raise ValueError(f"{k} must be a whole number, got {v[:40]!r}.")
                    state[k] = int(state[k])
            elif k in ("model", "engine", "method", "view_state"):
                state[k] = v
        state.setdefault("model", self.model)
        self.load_state(state)

    def _read_url(self) -> None:
        args = getattr(pn.state, "session_args", None) or {}
        if not args:
            return
        query = {
            k: (v[0].decode() if isinstance(v[0], bytes) else v[0]) for k, v in args.items() if v
        }
        try:
            self.load_query(query)
        except Exception as err:  # noqa: BLE001 - a bad link must still open the app
            self._note = f"The link's parameters were not understood: {err}"
            self._show(self._note, "warning")

    def _write_url(self, force: bool = False) -> None:
        """Make the page's URL say the current state (after every change, Live too).

        The query goes to a hidden field whose change, in the browser, replaces the
        address (history.replaceState). Setting Panel's `pn.state.location.search`
        from a callback reached the page only with the next message, so the link lagged
        one change behind.
        """
        if not self._sync_url:
            return
        search = "?" + urlencode(self.query())
        if force or search != self._url_written:
            self._url_written = search
            self._url_seq += 1
            # numbered: Panel may deliver two changes of one field out of order
            self.url_field.value = f"{self._url_seq}|{search}"

    # ---- model building ----------------------------------------------------------------

    def _apply_model_defaults(self, name: str, previous: str | None = None) -> None:
        nparams = self.neuron_params[name]
        self._suspended += 1
        try:
            if "method" in nparams.param:
                self.method = nparams.method
            engines = engines_for(nparams)
            self.param.engine.objects = engines
            if self.engine not in engines:
                self._note = (
                    f"{name} is a discrete-time model: only the stepped engine runs it, so "
                    "the engine was switched to stepped."
                )
                self.engine = engines[0]
            discrete = is_discrete(nparams)
            if previous is not None:
                before = is_discrete(self.neuron_params[previous])
                if before != discrete and self.dt == DEFAULT_DT[before]:
                    self.dt = DEFAULT_DT[discrete]
            elif self.dt == DEFAULT_DT[False]:
                self.dt = DEFAULT_DT[discrete]
            model = self._safe_model(nparams)
            names = list(getattr(model, "state_names", ("V",))) if model is not None else ["V"]
            self.param.view_state.objects = names
            if self.view_state not in names:
                self.view_state = names[0]
            self._label_inputs(discrete)
            for g in self.inputs:
                self._calibrate(g)
        finally:
            self._suspended -= 1

    def _label_inputs(self, discrete: bool) -> None:
        """Input units follow the model: pA for continuous models, dimensionless for the
        discrete-time family (their input is added to a unitless membrane each step)."""
        for obj in self.generator_params.values():
            for pname in obj.slider_names():
                spec = obj.spec_of(pname)
                if spec.unit == "pA":
                    unit = "dimensionless" if discrete else "pA"
                    obj.param[pname].label = f"{pname} ({unit})"
        self.param.weight.label = (
            "weight (dimensionless per spike; gain of current inputs)"
            if discrete
            else "weight (mV or pA per spike; gain of current inputs)"
        )

    def _calibrate(self, generator: str) -> None:
        """Set `generator`'s drive (and the weight) so that the model fires a few spikes."""
        nparams = self.neuron_params[self.model]
        try:
            model = construct_single(nparams)
            run = {"duration": float(self.duration), "dt": float(self.dt), "seed": int(self.seed)}
            if "method" in nparams.param:
                run["method"] = nparams.method
            gparams = self.generator_params[generator]
            drive = calibrate(model, generator, gparams, drive_scale(nparams), run)
        except (ValueError, TypeError) as err:
            log.info("no default drive for %s with %s: %s", self.model, generator, err)
            return
        gparams.param.update(**drive.values)
        self.weight = drive.weight

    @staticmethod
    def _safe_model(nparams):
        try:
            return nparams.to_model()
        except (ValueError, TypeError):
            return None

    def build(self):
        """The model and inputs of the current settings.

        **Returns:** `(model, connections)`.

        **Raises:** `ValueError` explaining an impossible combination of values.
        """
        nparams = self.neuron_params[self.model]
        nparams.size = self.size
        overrides = {"method": self.method} if "method" in nparams.param else {}
        model = nparams.to_model(**overrides)
        connections = []
        for g in self.inputs:
            gparams = self.generator_params[g]
            gparams.size = 1
            connections.append(Connection(gparams.to_model(), weight=self.weight))
        return model, connections

    def simulate_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of `snnlab.simulate` for the current settings."""
        nparams = self.neuron_params[self.model]
        return {
            "duration": float(self.duration),
            "dt": float(self.dt),
            "engine": self.engine,
            "method": self.method if "method" in nparams.param else None,
            "seed": int(self.seed),
        }

    def code(self) -> str:
        """A Python snippet reproducing the current run through the public API."""
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

    # ---- running ---------------------------------------------------------------------

    def request_run(self, *events) -> None:
        """Ask for a run with the newest values; coalesces requests made during a run."""
        if self._suspended or self._closed:
            return
        self._dirty = True
        if self._running or self._scheduled:
            return
        if self._doc is not None:
            self._scheduled = True
            guard.call_soon_in_session(self._doc, self._drain)
        else:
            self._drain()

    @staticmethod
    def _in_server() -> bool:
        return guard.in_server()

    def _drain(self) -> None:
        self._scheduled = False
        if self._running or self._closed:
            return
        if self._doc is None:
            self._running = True
            try:
                while self._dirty:
                    self._dirty = False
                    self.run()
            finally:
                self._running = False
            return
        # served: build on the event loop (cheap, reads the params), simulate on the pool
        while self._dirty:
            self._dirty = False
            job = self._prepare()
            if job is None:
                continue
            n_steps = guard.check_run(self.size, self.duration, self.dt)
            # a variant this session has not run yet may compile (seconds): on the pool
            variant = (self.model, self.size, n_steps, self.engine, self.method, *self.inputs)
            seen = variant in self._variants_run
            self._variants_run.add(variant)
            if seen and self.size * n_steps <= guard.limits().inline_cells:
                self._running = True  # small: a millisecond on the loop beats two hops
                try:
                    self._apply(_simulate_quietly(*job), job[0], time.perf_counter())
                except Exception as err:  # noqa: BLE001 - never a dead app
                    log.error("run failed: %s", err, exc_info=err)
                    self._show(f"{type(err).__name__}: {err}", "danger")
                finally:
                    self._running = False
                continue
            self._start(job)
            return

    def _start(self, job) -> None:
        """Submit a prepared run to the thread pool; its result comes back on the loop."""
        self._running = True
        self._run_id += 1
        run_id, doc = self._run_id, self._doc
        self.page.busy.start(doc)
        t0 = time.perf_counter()
        future = guard.submit(_simulate_quietly, job[0], job[1], job[2])
        self._future = future

        def done(f):  # on a pool thread: hand the result to the session's event loop
            if not f.cancelled() and doc is not None and not self._closed:
                guard.call_soon_in_session(doc, self._finish, run_id, f, job[0], t0)

        future.add_done_callback(done)
        timeout_ms = int(guard.limits().max_run_seconds * 1000)
        guard.call_later_in_session(doc, timeout_ms, self._timed_out, run_id)

    def _timed_out(self, run_id: int) -> None:
        if run_id != self._run_id or not self._running or self._closed:
            return
        self._run_id += 1  # the late result, if it comes, is ignored
        self.page.busy.stop()
        if self._future is not None:
            self._future.cancel()
        self._running = False
        limit = guard.limits().max_run_seconds
        self._show(
            f"The run took longer than {limit:g} s and was stopped; the previous plot stays. "
            "Use fewer neurons, a shorter duration or a larger dt.",
            "danger",
        )
        if self._dirty:
            self._drain()

    def _finish(self, run_id: int, future, model, t0: float) -> None:
        if run_id != self._run_id or self._closed:
            return
        self.page.busy.stop()
        self._running = False
        self._future = None
        try:
            res = future.result()
        except (ValueError, TypeError) as err:
            self._show(str(err), "danger")
        except Exception as err:  # noqa: BLE001 - never a dead app
            log.error("run failed: %s", err, exc_info=err)
            self._show(f"{type(err).__name__}: {err}", "danger")
        else:
            self._apply(res, model, t0)
        if self._dirty:
            self._drain()

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
            res = _simulate_quietly(*job)
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
            self.voltage_pipe.send(
                {"res": res, "state": self.view_state, "threshold": self._threshold()}
            )
            self.raster_pipe.send(res)
        elif name == "Statistics":
            self.rate_pipe.send(res)
            self.isi_pipe.send(res)
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

    # ---- live mode -----------------------------------------------------------------

    def step_live(self, n: int = 1) -> None:
        """Simulate `n` more chunks of `chunk` ms from the last state into the oscilloscope.

        Served, each call (the periodic callback) submits one chunk to the thread pool and
        skips while the previous chunk is still running.
        """
        if self._doc is not None:
            if self._live_busy or self._closed:
                return
            job = self._live_job()
            if job is None:
                return
            self._live_busy = True
            doc = self._doc

            def done(f):
                if not f.cancelled() and not self._closed:
                    guard.call_soon_in_session(doc, self._live_done, f, job[0])

            guard.submit(_simulate_quietly, *job).add_done_callback(done)
            return
        for _ in range(n):
            job = self._live_job()
            if job is None:
                return
            try:
                res = _simulate_quietly(*job)
            except Exception as err:  # noqa: BLE001 - the oscilloscope keeps running
                self._show(str(err), "danger")
                return
            self._live_apply(res, job[0])

    def _live_job(self):
        try:
            guard.check_run(self.size, self.chunk, self.dt)
            model, connections = self.build()
            kw = self.simulate_kwargs()
            kw["duration"] = float(self.chunk)
            if self.engine == "stepped":
                # the engine's whole state (refractory counters and input generators too)
                # carries over: the chunks are one long run, bit for bit
                kw["initial_state"] = self._live_final
            else:
                # the event engine starts each chunk from the model's last sample
                kw["seed"] = int(self.seed) + self._live_chunks
                if self._live_state is not None:
                    try:
                        model = sp.resume_from(model, self._live_state)
                    except ValueError:
                        pass  # a model without a state to resume restarts each chunk
        except Exception as err:  # noqa: BLE001 - the oscilloscope keeps running
            self._show(str(err), "danger")
            return None
        return model, connections, kw

    def _live_done(self, future, model) -> None:
        self._live_busy = False
        if self._closed or not self.live:
            return
        try:
            res = future.result()
        except Exception as err:  # noqa: BLE001 - the oscilloscope keeps running
            self._show(str(err), "danger")
            return
        self._live_apply(res, model)

    def _live_apply(self, res, model) -> None:
        if res.diverged:
            self._show("the live run diverged; it restarts from the initial state.", "warning")
            self._live_state = None
            self._live_final = None
        else:
            self._live_final = getattr(res, "final_state", None)
            if all(n_ in res.state_names for n_ in model.state_names) and len(res.t):
                self._live_state = np.stack([res[s][-1] for s in model.state_names], axis=1)
        state = self.view_state if self.view_state in res.state_names else res.state_names[0]
        rows, marks = viz.scope_chunk(res, self._live_clock, state, 0, self._threshold())
        self.scope_trace.send(rows)
        self.scope_spikes.send(marks)
        self._live_clock += float(self.chunk)
        self._live_chunks += 1
        n = int(np.sum(res.spike_ids == 0)) if len(res.spike_ids) else 0
        self.stats.object = (
            f"**live**: t = {self._live_clock / 1000:.2f} s, neuron 0 fired {n} "
            f"spike{'s' if n != 1 else ''} in the last {float(self.chunk):g} ms "
            f"({1000.0 * n / float(self.chunk):.3g} Hz)"
        )

    def reset_live(self) -> None:
        """Start the oscilloscope over from the model's initial state at t = 0."""
        self._live_state = None
        self._live_final = None
        self._live_clock = 0.0
        self._live_chunks = 0
        # the scope shows the last SCOPE_WINDOW_MS: older samples scroll out, so the
        # trace never piles up into a solid block
        self.scope_trace.length = max(100, int(SCOPE_WINDOW_MS / float(self.dt)))
        self.scope_spikes.length = self.scope_trace.length
        self.scope_trace.clear()
        self.scope_spikes.clear()

    @param.depends("live", watch=True)
    def _toggle_live(self):
        if self.live:
            self.reset_live()
            if self._doc is not None:
                self._live_cb = pn.state.add_periodic_callback(self.step_live, period=self.period)
            self.tabs.active = TABS.index("Live")
        elif self._live_cb is not None:
            self._live_cb.stop()
            self._live_cb = None

    @param.depends("period", watch=True)
    def _set_period(self):
        if self._live_cb is not None:
            self._live_cb.period = self.period

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

    # ---- views -----------------------------------------------------------------------

    def _build_views(self) -> None:
        self.page = AppPage("snnlab Explorer", body=None, intro=INTRO)
        self.url_field = pn.widgets.TextInput(value="", visible=False, name="url")
        self.url_field.jscallback(value=_URL_JS)
        self.voltage_dmap, self.voltage_pipe = viz.live(viz.voltage)
        self.raster_dmap, self.raster_pipe = viz.live(viz.raster)
        self.rate_dmap, self.rate_pipe = viz.live(viz.rate_histogram)
        self.isi_dmap, self.isi_pipe = viz.live(viz.isi_histogram)
        self.scope_trace, self.scope_spikes = viz.scope_buffers()
        self.voltage_pane = pn.pane.HoloViews(self.voltage_dmap, sizing_mode="stretch_width")
        self.raster_pane = pn.pane.HoloViews(self.raster_dmap, sizing_mode="stretch_width")
        self.phase_pane = pn.pane.HoloViews(hv.Curve([]), sizing_mode="stretch_width")
        self.scope_pane = pn.pane.HoloViews(
            viz.oscilloscope(self.scope_trace, self.scope_spikes, state="state", unit=""),
            sizing_mode="stretch_width",
        )
        self.code_pane = pn.pane.Markdown("", sizing_mode="stretch_width")
        self.stats = pn.pane.Markdown("", sizing_mode="stretch_width")
        self.alert = pn.pane.Alert(
            "", alert_type="danger", visible=False, sizing_mode="stretch_width"
        )
        self.phase_x = pn.widgets.Select(name="x", options=[], width=120)
        self.phase_y = pn.widgets.Select(name="y", options=[], width=120)
        for w in (self.phase_x, self.phase_y):
            w.param.watch(lambda e: self._phase_axes_changed(), "value")
        self.tabs = pn.Tabs(
            ("Traces", pn.Column(self.voltage_pane, self.raster_pane, sizing_mode="stretch_width")),
            (
                "Statistics",
                pn.Row(
                    pn.pane.HoloViews(self.rate_dmap, sizing_mode="stretch_width"),
                    pn.pane.HoloViews(self.isi_dmap, sizing_mode="stretch_width"),
                    sizing_mode="stretch_width",
                ),
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
                button_type="primary",
                width=95,
            ),
            pn.widgets.FileDownload(
                callback=self.npz_bytes,
                filename="snnlab_run.npz",
                label="data NPZ",
                button_type="primary",
                width=95,
            ),
            pn.widgets.FileDownload(
                callback=self.json_bytes,
                filename="snnlab_params.json",
                label="params JSON",
                button_type="success",
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
        for obj in (*self.neuron_params.values(), *self.generator_params.values()):
            names = [n for n in obj.param if n not in ("name", "size")]
            obj.param.watch(self._values_changed, names)

    def _values_changed(self, *events):
        self._write_url()
        if self.live:
            return  # the oscilloscope reads the newest values each chunk
        self.request_run()

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
        self._write_url()
        if self.live and any(
            e.name in ("dt", "size", "engine", "method", "inputs", "seed") for e in events
        ):
            self.reset_live()  # another run's structure: the oscilloscope starts over
        if self.live and not any(e.name in ("size", "dt", "engine", "method") for e in events):
            return
        self.request_run()

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
            self.alert, self.stats, self.tabs, self.url_field, sizing_mode="stretch_width"
        )
        self.page.body = pn.Row(sidebar, main, sizing_mode="stretch_width")
        return self.page
