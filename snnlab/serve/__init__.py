"""`snnlab serve`: the apps of `snnlab.apps` served to a class.

- `main`: the `snnlab` command (`snnlab serve --help`); `python -m snnlab` runs it too.
- `install_server_guards`: the process-wide hooks every server process installs (a
  session limit, error logging, the memory policy of `_memory`: collector freezing,
  memory back after a class, worker recycling, warm-up).
- `_main`: Panel's `serve` with least-loaded accepting over the `--num-procs` workers.
- `_private`: the only module touching private Panel, Bokeh or Tornado names.

Serving depends on `snnlab.app` and `snnlab.apps`; nothing in the package imports it.
Serving from several machines behind a reverse proxy: docs/serving.md.
"""

from ._cli import build_parser, find_apps, main, serve_command, server_environment
from ._guards import SETUP_SCRIPT, SessionGate, install_server_guards, release_memory
from ._memory import GcPolicy, Recycler

__all__ = [
    "SETUP_SCRIPT",
    "GcPolicy",
    "Recycler",
    "SessionGate",
    "build_parser",
    "find_apps",
    "install_server_guards",
    "main",
    "release_memory",
    "serve_command",
    "server_environment",
]
