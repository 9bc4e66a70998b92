#!/usr/bin/env bash
# CI: build the documentation offline with warnings as errors (docs/conf.py says how:
# the lessons are executed, the app screenshots are taken with chromium or reused from
# $SNNLAB_TEST_ARTIFACTS). The HTML goes to $SNNLAB_DOCS_OUT (default docs/_build/html).
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -e '.[docs]'
out="${SNNLAB_DOCS_OUT:-docs/_build/html}"
python -m sphinx -W --keep-going -b html docs "$out"
echo "docs: built in $out"
