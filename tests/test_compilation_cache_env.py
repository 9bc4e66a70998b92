"""`$SNNLAB_COMPILATION_CACHE` turns JAX's persistent compilation cache on at import, and
a second process then loads what the first compiled."""

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import jax
import snnlab
from snnlab.generators import DCGenerator
from snnlab.neurons import LIF
print("DIR", jax.config.jax_compilation_cache_dir)
res = snnlab.simulate(LIF(), DCGenerator(amplitude=500.0), duration=50.0)
print("SPIKES", int(res.spikes.sum()))
"""


def _run(env):
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root), "JAX_PLATFORMS": "cpu", **env}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return dict(line.split(" ", 1) for line in out.stdout.splitlines() if " " in line)


def test_environment_variable_enables_the_cache(tmp_path):
    first = _run({"SNNLAB_COMPILATION_CACHE": str(tmp_path)})
    assert first["DIR"] == str(tmp_path)
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written, "the first process wrote nothing to the cache"
    second = _run({"SNNLAB_COMPILATION_CACHE": str(tmp_path)})
    assert second["SPIKES"] == first["SPIKES"]
    assert sorted(p.name for p in tmp_path.iterdir()) == written  # read, nothing new


def test_without_the_variable_the_cache_is_left_alone(tmp_path):
    env = {k: "" for k in ("SNNLAB_COMPILATION_CACHE",)}
    assert _run(env)["DIR"] in ("None", "")
