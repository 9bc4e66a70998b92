"""`snnlab serve`: serve the package's apps with an index page, ready for a class.

    snnlab serve                                   # http://localhost:5006, this machine only
    snnlab serve --show                            # ... and open the index in a browser
    snnlab serve --address 0.0.0.0 --port 8080 --num-procs 2 \\
        --allow-websocket-origin lab.example.org --max-sessions 40 --prefix /snn

The server binds to localhost unless `--address` says otherwise. The resource caps
(`--max-cells`, `--max-upload-bytes`, `--max-run-seconds`, ...) are exported as
`SNNLAB_*` environment variables to every server process, where `snnlab.app` enforces
them before any work starts; a `--setup` script installs the session limit. Sessions of
browsers that left are destroyed after `--session-lifetime` ms. Behind a reverse proxy
and on several machines: docs/serving.md.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import webbrowser
from pathlib import Path

import snnlab
from snnlab.app import Limits
from snnlab.apps import app_files, index_html, title

from ._guards import SETUP_SCRIPT

_LIMIT_OPTIONS = {
    "max_sessions": "live sessions per server process; past it a new browser is refused",
    "max_cells": "largest neurons x time steps of one run",
    "max_neurons": "largest population of one run",
    "max_steps": "largest number of time steps of one run",
    "max_upload_bytes": "largest uploaded file (bytes)",
    "max_run_seconds": "wall-clock seconds after which a run is stopped",
    "workers": "simulation threads per server process",
    "recycle_growth": "with --num-procs, replace a worker whose memory once idle is this "
    "fraction above its first idle size",
}


def find_apps(apps_dir: str | None = None) -> list[Path]:
    """The app files to serve, in learning order: those of `apps_dir`, else the package's
    own (`snnlab.apps`, wherever snnlab is installed)."""
    files = app_files(apps_dir)
    if not files:
        raise SystemExit(f"snnlab serve: no apps found in {apps_dir}.")
    return files


def build_parser() -> argparse.ArgumentParser:
    """The `snnlab` command line (`snnlab --version`, `snnlab serve ...`)."""
    parser = argparse.ArgumentParser(
        prog="snnlab", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"snnlab {snnlab.__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the apps with an index page")
    serve.add_argument("--address", default="localhost", help="address to bind (default localhost)")
    serve.add_argument("--port", type=int, default=5006, help="port (default 5006)")
    serve.add_argument(
        "--apps-dir", default=None, help="folder of app files (default: the package's apps)"
    )
    serve.add_argument(
        "--num-procs", type=_positive(int), default=1, help="server processes (default 1)"
    )
    serve.add_argument(
        "--allow-websocket-origin",
        action="append",
        default=None,
        help="host[:port] browsers may connect from (repeat; default: the address itself)",
    )
    serve.add_argument("--prefix", default=None, help="URL prefix behind a reverse proxy")
    serve.add_argument(
        "--session-lifetime",
        type=_positive(int),
        default=15_000,
        help="ms after which the session of a browser that left is destroyed (default 15000)",
    )
    defaults = Limits()
    for name, text in _LIMIT_OPTIONS.items():
        default = getattr(defaults, name)
        serve.add_argument(
            "--" + name.replace("_", "-"),
            type=_positive(type(default)),
            default=default,
            help=f"{text} (default {default})",
        )
    serve.add_argument(
        "--jax-cache",
        default=str(Path.home() / ".cache" / "snnlab" / "jax"),
        help="folder of JAX's persistent compilation cache, shared by the server processes "
        "and later starts ('' turns it off; default ~/.cache/snnlab/jax)",
    )
    serve.add_argument(
        "--precision",
        choices=("float64", "float32"),
        default="float64",
        help="floating point of the simulations (default float64: a class compares the "
        "numbers with NEST and Brian2, which compute in float64; float32 is faster for "
        "large classes)",
    )
    serve.add_argument(
        "--show", action="store_true", help="open the index page in a browser once it answers"
    )
    return parser


def _positive(kind):
    def convert(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not value > 0 or value != value or value == float("inf"):
            raise argparse.ArgumentTypeError(f"{text!r} must be a positive number")
        return value

    convert.__name__ = kind.__name__
    return convert


def limits_of(args: argparse.Namespace) -> Limits:
    """The resource caps given on the command line."""
    return Limits(**{name: getattr(args, name) for name in _LIMIT_OPTIONS})


def write_index(apps: list[Path]) -> Path:
    """Write the index page for `apps`, the `--setup` script and the forked-worker main
    to a temporary folder and return the index page's path."""
    folder = Path(tempfile.mkdtemp(prefix="snnlab-index-"))
    path = folder / "index.html"
    path.write_text(index_html([a.stem for a in apps], {a.stem: title(a) for a in apps}))
    (folder / "snnlab_setup.py").write_text(SETUP_SCRIPT)
    # run by its path, so that Tornado's parent process does not import snnlab (and JAX)
    here = Path(__file__).parent
    (folder / "snnlab_serve_main.py").write_text((here / "_main.py").read_text())
    (folder / "snnlab_serve_private.py").write_text((here / "_private.py").read_text())
    return path


def serve_command(args: argparse.Namespace) -> list[str]:
    """The `panel serve` command line for `args` (apps, index page, address, port), run
    through `snnlab/serve/_main.py` (copied beside the index page)."""
    apps = find_apps(args.apps_dir)
    index = write_index(apps)
    cmd = [sys.executable, str(index.parent / "snnlab_serve_main.py"), "serve", *map(str, apps)]
    cmd += ["--index", str(index), "--disable-index-redirect"]
    cmd += ["--setup", str(index.parent / "snnlab_setup.py")]
    cmd += ["--address", args.address, "--port", str(args.port), "--num-procs", str(args.num_procs)]
    lifetime = getattr(args, "session_lifetime", 15_000)
    cmd += ["--check-unused-sessions", str(max(500, min(lifetime // 3, 5000)))]
    cmd += ["--unused-session-lifetime", str(lifetime)]
    caps = limits_of(args) if hasattr(args, "max_cells") else Limits()
    # an upload travels in one websocket message: let it through, and not much more
    size = max(4 * 1024 * 1024, 2 * caps.max_upload_bytes)
    cmd += ["--websocket-max-message-size", str(size)]
    origins = args.allow_websocket_origin or [f"{args.address}:{args.port}"]
    if args.address in ("localhost", "127.0.0.1"):
        origins = [*origins, f"localhost:{args.port}", f"127.0.0.1:{args.port}"]
    for origin in dict.fromkeys(origins):
        cmd += ["--allow-websocket-origin", origin]
    if args.prefix:
        cmd += ["--prefix", args.prefix]
    return cmd


def server_environment(args: argparse.Namespace) -> dict[str, str]:
    """Environment variables every server process starts with: the caps, the precision
    (`JAX_ENABLE_X64` from `--precision`), and JAX's persistent compilation cache (so a
    second process, or the next start, loads the compiled simulation instead of
    compiling it while a student waits). Variables the user has set already are left as
    they are.

    The allocator, where no worker is recycled for its memory (one process, or a
    `--recycle-growth` of 1 or more, which a worker would have to double to reach):
    objects go to the C heap (`PYTHONMALLOC=malloc`) with at most two glibc arenas
    (`MALLOC_ARENA_MAX=2`), so that what a class freed is handed back to the system
    (`snnlab.serve._memory.trim_heap` when the last session leaves). CPython's own
    small-object allocator cannot: a few long-lived objects pin its 1 MiB arenas, and
    the processes stayed ~26% above their start after a class (bench/load_test.py
    --no-recycle; with the C heap +3.8%). Where workers are recycled that memory comes
    back anyway, and CPython's allocator is kept: it is faster, and under 30 sessions
    per worker the C heap cost ~15% more server CPU (load test p95 235-254 ms against
    186-200 ms).
    """
    env = limits_of(args).env()
    recycled = getattr(args, "num_procs", 1) > 1 and getattr(args, "recycle_growth", 0.1) < 1
    for name, value in (("PYTHONMALLOC", "malloc"), ("MALLOC_ARENA_MAX", "2")):
        if not recycled and name not in os.environ:
            env[name] = value
    if "JAX_ENABLE_X64" not in os.environ:
        x64 = getattr(args, "precision", "float64") == "float64"
        env["JAX_ENABLE_X64"] = "1" if x64 else "0"
    cache = getattr(args, "jax_cache", "")
    if cache and "JAX_COMPILATION_CACHE_DIR" not in os.environ:
        env["JAX_COMPILATION_CACHE_DIR"] = str(Path(cache).expanduser())
        env.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    return env


def index_url(args: argparse.Namespace) -> str:
    """The index page's URL as a browser on this machine reaches it."""
    host = args.address if args.address not in ("", "0.0.0.0", "::") else "localhost"
    prefix = "/" + args.prefix.strip("/") if args.prefix and args.prefix.strip("/") else ""
    return f"http://{host}:{args.port}{prefix}/"


def open_when_up(url: str, proc: subprocess.Popen, timeout: float = 300.0, opener=None) -> bool:
    """Open `url` in a browser (`opener`, default `webbrowser.open`) once it answers.

    **Returns:** whether it was opened (False when `proc` ended or `timeout` s passed).
    """
    opener = opener or webbrowser.open
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()
        except OSError:
            time.sleep(0.3)
            continue
        opener(url)
        return True
    return False


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `snnlab` console command (and of `python -m snnlab`)."""
    args = build_parser().parse_args(argv)
    if args.command != "serve":
        return 2
    cmd = serve_command(args)
    # every server process (also those forked by --num-procs) reads its caps from here
    os.environ.update(server_environment(args))
    if not args.show and os.name == "posix":
        # become the server, so that stopping `snnlab serve` stops it too
        os.execv(cmd[0], cmd)
    proc = subprocess.Popen(cmd)
    previous = signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
    try:
        if args.show:
            open_when_up(index_url(args), proc)
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        return proc.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)


__all__ = [
    "build_parser",
    "find_apps",
    "index_url",
    "limits_of",
    "main",
    "open_when_up",
    "serve_command",
    "server_environment",
    "write_index",
]
