#!/usr/bin/env bash
# CI: the package as a user installs it. Build the wheel, install it in a fresh venv, run
# `snnlab serve` from an empty temporary directory, and check that every app answers
# HTTP 200 and renders in headless chromium (no error, its plots drawn).
# The venv sees the system's site-packages (jax, panel, ... are not downloaded again),
# so the check below makes sure its snnlab is the wheel's, not the editable checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# from a copy of the tracked and new files: no stale build/ or egg-info of the checkout
mkdir "$work/src"
git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$work/src" 2>/dev/null || true
python -m pip wheel -q --no-deps -w "$work/dist" "$work/src"
wheel=$(ls "$work"/dist/snnlab-*.whl)
python -m venv --system-site-packages "$work/venv"
"$work/venv/bin/python" -m pip install -q --no-deps "$wheel"

mkdir "$work/elsewhere"
cd "$work/elsewhere"
unset PYTHONPATH
where=$("$work/venv/bin/python" -c "import snnlab; print(snnlab.__file__)")
case "$where" in
  "$work/venv/"*) echo "wheel: snnlab from $where" ;;
  *) echo "wheel: the venv imports snnlab from $where, not from the wheel"; exit 1 ;;
esac

port=$(python -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
"$work/venv/bin/snnlab" serve --address 127.0.0.1 --port "$port" > "$work/server.log" 2>&1 &
server=$!
if ! python "$repo/.ci/wheel_check.py" "http://127.0.0.1:$port"; then
  echo "wheel: the served apps failed; server output:"; tail -n 60 "$work/server.log"; exit 1
fi
