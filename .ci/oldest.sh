#!/usr/bin/env bash
# CI: the oldest versions pyproject.toml allows, in a fresh venv, then the smoke subset
# (import, one simulate, one served app rendered in chromium: `pytest -m smoke`).
# The constraints pin every direct dependency with a lower bound to that bound; pip
# fails if the bounds cannot be installed together, so the bounds stay real.
set -euo pipefail
cd "$(dirname "$0")/.."

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 - pyproject.toml > "$work/constraints.txt" <<'PY'
import re, sys, tomllib

project = tomllib.load(open(sys.argv[1], "rb"))["project"]
for dep in project["dependencies"]:
    name, spec = re.match(r"\s*([A-Za-z0-9_.\-\[\]]+)\s*(.*)", dep).groups()
    low = re.search(r">=\s*([^,;\s]+)", spec)
    if low is None:
        sys.exit(f"oldest: {name} has no lower bound in pyproject.toml")
    base = re.sub(r"\[.*\]", "", name)
    print(f"{base}=={low.group(1)}")
PY
echo "oldest: constraints"; cat "$work/constraints.txt"

python3 -m venv "$work/venv"
py="$work/venv/bin/python"
"$py" -m pip install -q --upgrade pip
"$py" -m pip install -q -c "$work/constraints.txt" -e . pytest pytest-timeout playwright
"$py" -m pip list 2>/dev/null | grep -iE "^(jax|jaxlib|equinox|diffrax|optimistix|jaxtyping|param|holoviews|bokeh|panel|numpy|pandas|tornado|contourpy) "

export SNNLAB_REQUIRE_BROWSER=1
"$py" -m pytest -q -m smoke -p no:cacheprovider tests/test_smoke.py
