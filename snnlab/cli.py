"""`snnlab serve`: serve every app in apps/ with an index page."""

from __future__ import annotations

import argparse
import html
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def find_apps(apps_dir: str | None = None) -> list[Path]:
    """The app files to serve: `apps_dir`, else ./apps, else the checkout's apps/."""
    candidates = [Path(apps_dir)] if apps_dir else [Path.cwd() / "apps"]
    candidates.append(Path(__file__).resolve().parent.parent / "apps")
    for folder in candidates:
        files = sorted(p for p in folder.glob("*.py") if not p.name.startswith("_"))
        if files:
            return files
    raise SystemExit(f"snnlab serve: no apps found in {', '.join(map(str, candidates))}.")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="snnlab", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the apps with an index page")
    serve.add_argument("--address", default="localhost", help="address to bind (default localhost)")
    serve.add_argument("--port", type=int, default=5006, help="port (default 5006)")
    serve.add_argument("--apps-dir", default=None, help="folder of app files (default: apps/)")
    serve.add_argument("--num-procs", type=int, default=1, help="server processes")
    serve.add_argument(
        "--allow-websocket-origin", action="append", default=None, help="extra allowed origins"
    )
    serve.add_argument("--prefix", default=None, help="URL prefix behind a reverse proxy")
    serve.add_argument("--show", action="store_true", help="open a browser")
    return parser


def _title(path: Path) -> str:
    doc = ""
    try:
        import ast

        doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    except (OSError, SyntaxError):
        pass
    return doc.strip().splitlines()[0] if doc.strip() else path.stem


def index_html(names: list[str], titles: dict[str, str] | None = None) -> str:
    """The index page: a link to each app, with the first line of its docstring."""
    titles = titles or {}
    items = "\n".join(
        f'<li><a href="./{html.escape(n)}">{html.escape(n)}</a> '
        f"<span>{html.escape(titles.get(n, ''))}</span></li>"
        for n in names
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>snnlab</title>
<style>body{{font-family:sans-serif;margin:2em auto;max-width:48em}}
li{{margin:.6em 0}} span{{color:#555}}</style></head>
<body><h1>snnlab</h1><p>See spiking neuron models work. Pick an app:</p>
<ul id="apps">
{items}
</ul></body></html>
"""


def write_index(apps: list[Path]) -> Path:
    """Write the index page for `apps` to a temporary file and return its path."""
    folder = Path(tempfile.mkdtemp(prefix="snnlab-index-"))
    path = folder / "index.html"
    path.write_text(index_html([a.stem for a in apps], {a.stem: _title(a) for a in apps}))
    return path


def serve_command(args: argparse.Namespace) -> list[str]:
    """The `panel serve` command line for `args` (apps, index page, address, port)."""
    apps = find_apps(args.apps_dir)
    cmd = [sys.executable, "-m", "panel", "serve", *map(str, apps)]
    cmd += ["--index", str(write_index(apps)), "--disable-index-redirect"]
    cmd += ["--address", args.address, "--port", str(args.port), "--num-procs", str(args.num_procs)]
    origins = args.allow_websocket_origin or [f"{args.address}:{args.port}"]
    if args.address in ("localhost", "127.0.0.1"):
        origins = [*origins, f"localhost:{args.port}", f"127.0.0.1:{args.port}"]
    for origin in dict.fromkeys(origins):
        cmd += ["--allow-websocket-origin", origin]
    if args.prefix:
        cmd += ["--prefix", args.prefix]
    if args.show:
        cmd.append("--show")
    return cmd


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `snnlab` console command."""
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        cmd = serve_command(args)
        if os.name == "posix":
            # become the server, so that stopping `snnlab serve` stops it too
            os.execv(cmd[0], cmd)
        return subprocess.call(cmd)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
