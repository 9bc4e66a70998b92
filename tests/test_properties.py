"""Property tests (hypothesis) over every Parameterized: random values, the extremes and
invalid ones (NaN, inf, absurd sizes, text) never raise out of the app layer; invalid ones
produce a message."""

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import snnlab.params as sp
from snnlab.app import Explorer
from snnlab.app._guard import Limits, apply_values, check_run

CLASSES = sorted(sp.registry().items())
BAD = [math.nan, math.inf, -math.inf, 1e300, -1e300, "abc", "1e9999", [], {}, True]


def _number_params(cls):
    return [n for n in cls.slider_names()]


def _value(cls, name):
    p = cls.param[name]
    lo, hi = p.bounds or (None, None)
    s_lo, s_hi = p.softbounds or (lo, hi)
    edges = [v for v in (lo, hi, s_lo, s_hi) if v is not None and math.isfinite(v)]
    inside = st.floats(
        min_value=s_lo if s_lo is not None else -1e3,
        max_value=s_hi if s_hi is not None else 1e3,
        allow_nan=False,
    )
    return st.one_of(inside, st.sampled_from(edges or [0.0]), st.sampled_from(BAD))


def _is_invalid(cls, name, value) -> bool:
    p = cls.param[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return True
    if not math.isfinite(value):
        return True
    lo, hi = p.bounds or (None, None)
    inc = getattr(p, "inclusive_bounds", (True, True))
    if lo is not None and (value < lo or (value == lo and not inc[0])):
        return True
    return hi is not None and (value > hi or (value == hi and not inc[1]))


@st.composite
def values_for(draw, cls):
    names = _number_params(cls)
    if not names:
        return {}
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=4, unique=True))
    return {n: draw(_value(cls, n)) for n in chosen}


@pytest.mark.parametrize("name,cls", CLASSES, ids=[n for n, _ in CLASSES])
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_random_values_never_raise_and_invalid_ones_give_a_message(name, cls, data):
    obj = cls()
    values = data.draw(values_for(cls))
    messages = apply_values(obj, values)  # must not raise
    assert isinstance(messages, list)
    if any(_is_invalid(cls, k, v) for k, v in values.items()):
        assert messages, (name, values)
    if not messages:
        for k, v in values.items():
            assert getattr(obj, k) == pytest.approx(float(v)), (name, k)


NEURONS = sorted(sp.neuron_models())


@pytest.fixture(scope="module")
def explorer():
    return Explorer(sync_url=False, duration=20.0)


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    model=st.sampled_from(NEURONS),
    data=st.data(),
    size=st.sampled_from([1, 3, 0, -1, 10**9, 1.5, math.nan]),
    duration=st.sampled_from([20.0, 1e9, math.inf, -5.0, "x"]),
)
def test_uploaded_states_never_break_the_explorer(explorer, model, data, size, duration):
    e = explorer
    cls = sp.neuron_models()[model]
    state = {"model": model, "size": size, "duration": duration, "dt": 0.1}
    state["neuron"] = data.draw(values_for(cls))
    text = json.dumps(state, allow_nan=True).encode()
    e._on_upload(type("Ev", (), {"new": text})())  # the upload widget's handler: no raise
    valid_settings = size in (1, 3) and duration == 20.0
    if not valid_settings or any(_is_invalid(cls, k, v) for k, v in state["neuron"].items()):
        assert e.message, state
    # and the session still works: a plain good state loads and runs
    e.load_state({"model": "LIF", "size": 1, "duration": 20.0, "dt": 0.1, "neuron": {}})
    assert e.result is not None and e.model == "LIF"


@given(
    size=st.one_of(st.integers(-5, 10**10), st.floats(allow_nan=True, allow_infinity=True)),
    duration=st.one_of(st.floats(-1e12, 1e12), st.just(math.nan)),
    dt=st.one_of(st.floats(-1.0, 10.0), st.just(math.inf)),
)
@settings(max_examples=200, deadline=None)
def test_run_caps_check_never_lets_an_absurd_run_through(size, duration, dt):
    try:
        steps = check_run(size, duration, dt)
    except ValueError as err:
        assert str(err)
        return
    caps = Limits()
    assert 1 <= size <= caps.max_neurons and steps <= caps.max_steps
    assert size * steps <= caps.max_cells
