"""Exports are standard JSON: no `Infinity`/`NaN` literals, read back by other parsers."""

from __future__ import annotations

import io
import json
import math
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

import snnlab.params as sp


def _strict(text: str):
    """Python's json refusing the three non-standard constants (as a browser does)."""

    def refuse(word):
        raise ValueError(f"non-standard JSON constant {word}")

    return json.loads(text, parse_constant=refuse)


def _node_parse(text: str):
    node = shutil.which("node")
    if node is None:
        return _strict(text)
    out = subprocess.run(
        [
            node,
            "-e",
            "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>"
            "process.stdout.write(JSON.stringify(JSON.parse(s))))",
        ],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(out.stdout)


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


VALUES = {
    "stop": math.inf,
    "low": -math.inf,
    "missing": math.nan,
    "x": 1.5,
    "n": 3,
    "name": "LIF",
    "none": None,
    "v": [1.0, math.inf, np.float64(-np.inf), np.float32(np.nan)],
    "nested": {"deep": [[math.inf]]},
}


def test_dumps_is_standard_and_round_trips():
    text = sp.dumps(VALUES, indent=2)
    parsed = _strict(text)  # raises on Infinity / NaN literals
    assert parsed["stop"] == "Infinity" and parsed["low"] == "-Infinity"
    assert parsed["missing"] == "NaN"
    back = sp.loads(text)
    expected = dict(VALUES, v=[1.0, math.inf, -math.inf, math.nan])
    assert _same(back, expected)
    assert isinstance(back["v"][2], float)


def test_loads_reads_old_literals():
    old = json.dumps({"stop": math.inf, "x": math.nan}, allow_nan=True)
    assert "Infinity" in old and '"Infinity"' not in old
    back = sp.loads(old)
    assert back["stop"] == math.inf and math.isnan(back["x"])


def test_dumps_refuses_nothing_finite():
    assert sp.dumps({"a": 1e308, "b": -0.0, "c": 5e-324}) == '{"a": 1e+308, "b": -0.0, "c": 5e-324}'


def _exports():
    """Every registered model's export (generators have `stop = inf` by default)."""
    return {name: cls().to_json() for name, cls in sp.registry().items()}


def test_every_params_export_is_standard_json_and_round_trips():
    exports = _exports()
    assert any('"Infinity"' in t for t in exports.values()), "no export holds an infinity"
    for name, text in exports.items():
        doc = _strict(text)
        assert doc["model"] == name
        obj = sp.registry()[name]()
        obj.set_values(sp.loads(text)["values"])
        assert _same(sp.loads(obj.to_json()), sp.loads(text)), name


def test_params_export_in_node_pandas_and_numpy():
    text = sp.DCGenerator(stop=math.inf, amplitude=-2.5).to_json()
    assert _node_parse(text) == _strict(text)
    values = pd.read_json(io.StringIO(text), typ="series")["values"]
    stop = pd.to_numeric(pd.Series([values["stop"]]))[0]
    assert stop == math.inf and values["amplitude"] == -2.5
    row = _strict(text)["values"]
    arr = np.array([row["start"], row["stop"], row["amplitude"]]).astype(float)
    np.testing.assert_array_equal(arr, [0.0, np.inf, -2.5])


def test_table_of_exports_loads_in_pandas():
    text = sp.dumps([{"stop": math.inf, "x": math.nan}, {"stop": 3.0, "x": 1.0}])
    frame = pd.read_json(io.StringIO(text)).apply(pd.to_numeric)
    assert frame["stop"].tolist() == [math.inf, 3.0]
    assert math.isnan(frame["x"][0]) and frame["x"][1] == 1.0


@pytest.mark.slow
def test_explorer_state_in_standard_json_round_trips():
    """The Explorer's state, written with `snnlab.params.dumps`, loads back unchanged.

    (The Explorer's own download calls `state_json`; this checks the format it is to use.)
    """
    from snnlab.app import Explorer

    e = Explorer(sync_url=False, inputs=["DCGenerator", "PoissonGenerator"], weight=2.0)
    state = e.state_dict()
    text = sp.dumps(state, indent=2)
    assert '"Infinity"' in text  # the DC input's default stop
    _strict(text)
    assert _node_parse(text) == _strict(text)
    f = Explorer(sync_url=False)
    f.load_state(text)
    assert _same(sp.loads(sp.dumps(f.state_dict())), sp.loads(text))
