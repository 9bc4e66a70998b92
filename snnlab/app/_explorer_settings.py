"""The Explorer's settings: what to simulate, as one `param.Parameterized` object.

`ExplorerSettings` holds the choice of model, inputs, engine and run length, the
per-model and per-input `snnlab.params` objects, and their I/O: `state_dict` /
`state_json` / `load_state` (the parameter file), `query` / `load_query` (the link). It
builds the model and inputs (`build`, `simulate_kwargs`) and a Python snippet that
reproduces the run (`code`). It knows no widgets or plots: the Explorer
(`_explorer.py`) is these settings plus views.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qsl

import param

from .. import params as sp
from ..core import METHODS, Connection
from . import _guard as guard
from ._demo import calibrate, drive_scale
from ._explorer_catalog import DEFAULT_DT, all_engines, construct_single, engines_for, is_discrete
from ._explorer_runs import code_for

log = logging.getLogger("snnlab.app")


class ExplorerSettings(param.Parameterized):
    """What the Explorer simulates: model, inputs, engine, run length, and every value.

    **Parameters:**

    - `model`: a neuron model name from `snnlab.neurons` (every discovered model).
    - `inputs`: input generator names from `snnlab.generators` (none, one or several).
    - `weight`: per spike of a spike input, the jump of the model's input state (mV for
      delta synapses, pA for current synapses); a gain for current inputs.
    - `engine`, `method`: how to simulate ("event" appears once registered).
    - `duration` (ms), `dt` (ms), `size` (neurons), `seed`.
    - `view_state`: the state variable the trace shows.
    - `live`, `chunk` (ms), `period` (ms): the oscilloscope mode.

    The per-model values live in `neuron_params[model]` and `generator_params[name]`
    (`snnlab.params` objects).
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

    def __init__(self, **params):
        neurons = sp.neuron_models()
        generators = sp.generator_models()
        self.neuron_params = {k: cls() for k, cls in neurons.items()}
        self.generator_params = {k: cls() for k, cls in generators.items()}
        self.param.model.objects = list(neurons)
        self.param.inputs.objects = list(generators)
        self.param.engine.objects = all_engines()
        self._suspended = 0
        self._note = ""
        super().__init__(**params)
        self._apply_model_defaults(self.model)

    def request_run(self, *events) -> None:
        """Called after the settings changed as a whole (`load_state`); an app runs then."""

    def _show(self, text: str, kind: str = "danger") -> None:
        """Show a message (an app shows it in its page; the settings alone only keep it)."""
        self.message = str(text)[:2000]

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
        return sp.dumps(self.state_dict(), indent=2)

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

    def build(self, size: int | None = None):
        """The model and inputs of the current settings (`size` neurons instead of the
        setting's, if given).

        **Returns:** `(model, connections)`.

        **Raises:** `ValueError` explaining an impossible combination of values.
        """
        nparams = self.neuron_params[self.model]
        overrides = {"method": self.method} if "method" in nparams.param else {}
        nparams.size = self.size if size is None else int(size)
        try:
            model = nparams.to_model(**overrides)
        finally:
            nparams.size = self.size
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
        return code_for(self)
