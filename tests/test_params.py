"""The param model layer: derived from the models' metadata; every slider end simulates."""

import ast
import subprocess
import sys
import warnings
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import param
import pytest

import snnlab
import snnlab.params as sp
from snnlab.core import AbstractNeuronModel, parameter
from snnlab.generators import DCGenerator

NEURONS = sorted(sp.neuron_models())
GENERATORS = sorted(sp.generator_models())


def test_every_model_has_a_parameterized_of_the_same_name():
    for name in ("LIF", "ExpLIF", "GLIF3", "GLIF3PSC", "HH", "HHPSC", "Izhikevich"):
        cls = getattr(sp, name)
        assert issubclass(cls, param.Parameterized)
        assert cls.model_class is getattr(snnlab.neurons, name)
    for name in ("DCGenerator", "PoissonGenerator", "BernoulliGenerator", "SpikeGenerator"):
        assert getattr(sp, name).kind == "generator"
    if "DynapSim" in sp.registry():
        assert sp.DynapSim.kind == "device"


def test_metadata_is_carried_over():
    p = sp.LIF.param.tau
    assert p.label == "tau (ms)"
    assert "membrane time constant" in p.doc and "ms" in p.doc
    assert p.softbounds == (1.0, 100.0)
    assert p.bounds == (0.0, None) and p.inclusive_bounds == (False, True)
    assert sp.LIF.spec_of("tau").log and not sp.LIF.spec_of("V_th").log
    with pytest.raises(ValueError):
        sp.LIF(tau=-1.0)
    # a per-channel vector becomes one slider per channel and is reassembled
    g = sp.GLIF3(asc_amps_init_1=-50.0)
    assert np.allclose(np.asarray(g.to_model().asc_amps_init), [-9.18, -50.0])


def test_to_model_and_round_trip():
    obj = sp.LIF(tau=20.0, I_e=300.0)
    m = obj.to_model()
    assert isinstance(m, snnlab.neurons.LIF) and float(m.tau) == 20.0
    back = sp.for_model(m)
    assert back.values() == obj.values()
    assert obj.changed_kwargs() == {"I_e": 300.0, "tau": 20.0}


def test_bad_combination_gives_a_clear_message():
    obj = sp.LIF(V_th=-60.0, V_reset=-58.0)
    assert obj.problems() == ["LIF: V_reset must lie below V_th."]
    with pytest.raises(ValueError, match="V_reset must lie below V_th"):
        obj.to_model()


def test_a_new_model_needs_no_change_in_the_param_layer():
    class Toy(AbstractNeuronModel):
        size: int = eqx.field(static=True, default=1)
        method: str = eqx.field(static=True, default="euler")
        gain: jax.Array = parameter(2.0, unit="1/ms", doc="gain", slider=(0.1, 10.0), log=True)
        state_names = ("V",)  # the base class is abstract: a model implements the interface

        def init_state(self, n_neurons=None):
            return jnp.zeros((self.size, 1))

        def dynamics(self, t, y, args):
            return -self.gain * y

        def spike_condition(self, t, y, args):
            return y[:, 0] - 1.0

        def reset_spiked(self, y, spiked_mask):
            return y

    cls = sp.parameterized_class(Toy)
    assert cls.__name__ == "Toy" and cls.param.gain.label == "gain (1/ms)"
    assert float(cls(gain=3.0).to_model().gain) == 3.0


def _ends(cls):
    for name in cls.slider_names():
        lo, hi = cls.param[name].softbounds
        yield name, lo
        yield name, hi


def _drive(name):
    """A DC current that makes the model spike at its defaults (half its I_e slider)."""
    spec = sp.registry()[name].specs.get("I_e")
    return DCGenerator(amplitude=0.5 * spec.slider[1] if spec else 100.0)


@pytest.mark.parametrize("name", NEURONS)
def test_neuron_sliders_simulate_without_nan_at_both_ends(name):
    cls = sp.registry()[name]
    for pname, value in _ends(cls):
        obj = cls(**{pname: value})
        if obj.problems():  # an end that breaks a relation with a default is reported
            assert obj.problems()[0]
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a DivergenceWarning fails the test
            res = snnlab.simulate(obj.to_model(), _drive(name), duration=30.0, dt=0.05)
        assert not res.diverged, (name, pname, value)
        assert all(np.isfinite(v).all() for v in res.traces.values()), (name, pname, value)


@pytest.mark.parametrize("name", GENERATORS)
def test_generator_sliders_simulate_without_nan_at_both_ends(name):
    cls = sp.registry()[name]
    for pname, value in [*_ends(cls), ("size", 1)]:
        obj = cls(**{pname: value})
        if obj.problems():
            continue
        res = snnlab.simulate(
            snnlab.neurons.LIF(),
            snnlab.Connection(obj.to_model(), weight=1.0),
            duration=30.0,
            dt=0.1,
        )
        assert not res.diverged, (name, pname, value)


def test_device_sliders_build_and_evolve_without_nan():
    devices = sp.device_models()
    assert "DynapSim" in devices, sorted(devices)  # it ships with snnlab: never skip it
    cls = devices["DynapSim"]
    for pname, value in _ends(cls):
        obj = cls(**{pname: value})
        if obj.problems():
            continue
        sim = obj.to_model()
        x = np.zeros((50, 1, 4), dtype=np.float32)
        x[::5, 0, 0] = 1.0
        out = sim.evolve(x, record=True)
        assert np.isfinite(np.asarray(out[0], dtype=float)).all(), (pname, value)


def test_json_values_round_trip():
    obj = sp.GLIF3(asc_amps_init_0=-20.0, G=12.0)
    copy = sp.GLIF3()
    import json

    copy.set_values(json.loads(obj.to_json())["values"])
    assert copy.values() == obj.values()
    with pytest.raises(ValueError, match="no parameter"):
        copy.set_values({"nope": 1.0})


def test_resume_continues_a_run():
    m = sp.LIF(I_e=500.0).to_model()
    full = snnlab.simulate(m, duration=40.0, dt=0.1)
    first = snnlab.simulate(m, duration=20.0, dt=0.1)
    y = np.stack([first[s][-1] for s in first.state_names], axis=1)
    second = snnlab.simulate(sp.resume_from(m, y), duration=20.0, dt=0.1)
    np.testing.assert_allclose(second["V"][:, 0], full["V"][200:, 0], atol=1e-3)


def test_layers_import_no_ui_library():
    code = (
        "import sys, snnlab, snnlab.core, snnlab.neurons\n"
        "bad = [m for m in ('panel', 'holoviews', 'bokeh', 'param') if m in sys.modules]\n"
        "assert not bad, bad\n"
        "import snnlab.params\n"
        "bad = [m for m in ('panel', 'holoviews', 'bokeh') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def _imports(package: str) -> set[str]:
    """Every module a package's files import (absolute names; relative ones resolved)."""
    root = Path(snnlab.__file__).parent / package
    found = set()
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level == 0:
                    found.add(node.module)
                else:
                    base = "snnlab" if node.level == 2 else f"snnlab.{package}"
                    mod = f"{base}.{node.module}" if node.module else base
                    found.add(mod)
                    found.update(f"{mod}.{a.name}" for a in node.names)
    return found


@pytest.mark.parametrize(
    "package, forbidden",
    [
        ("params", ("panel", "holoviews", "bokeh", "snnlab.viz", "snnlab.app")),
        ("viz", ("panel", "snnlab.params", "snnlab.app", "param")),
    ],
)
def test_import_direction(package, forbidden):
    bad = {m for m in _imports(package) for f in forbidden if m == f or m.startswith(f + ".")}
    assert not bad, f"snnlab.{package} imports {sorted(bad)}"
