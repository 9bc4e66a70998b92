"""The apps inside the package (`snnlab.apps`) and the `snnlab` command that serves them."""

import ast
import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import snnlab
from snnlab.apps import APP_NAMES, LEARNING_ORDER, app_files, title
from snnlab.serve import _cli

ROOT = Path(__file__).resolve().parent.parent


def _fresh(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd="/"
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.strip()


def test_the_package_holds_every_app_in_learning_order():
    assert APP_NAMES == LEARNING_ORDER
    assert [p.parent for p in app_files()] == [Path(snnlab.__file__).parent / "apps"] * 6
    assert all(title(p) and not title(p).startswith(p.stem) for p in app_files())


def test_importing_the_apps_builds_nothing_and_starts_no_server():
    code = (
        "import sys, importlib, snnlab.apps as a\n"
        "light = 'panel' not in sys.modules\n"
        "import panel as pn\n"
        "made = []\n"
        "pn.viewable.Viewable.servable = lambda self, **kw: made.append(self)\n"
        "pn.viewable.Viewer.servable = lambda self, **kw: made.append(self)\n"
        "for n in a.APP_NAMES: importlib.import_module('snnlab.apps.' + n)\n"
        "print(light, made, pn.state._servers)\n"
    )
    assert _fresh(code) == "True [] {}"


def test_the_command_serves_the_package_apps_from_any_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "apps").mkdir()  # a folder called apps here is not served by default
    (tmp_path / "apps" / "other.py").write_text('"""Other."""\n')
    args = _cli.build_parser().parse_args(["serve"])
    cmd = _cli.serve_command(args)
    served = [Path(c) for c in cmd if c.endswith(".py") and "snnlab-index-" not in c]
    assert served == app_files()
    index = Path(cmd[cmd.index("--index") + 1])
    assert all(f'href="./{n}"' in index.read_text() for n in APP_NAMES)
    assert (index.parent / "snnlab_serve_private.py").exists()
    assert "--show" not in cmd  # snnlab opens the index itself, not one tab per app
    own = _cli.find_apps(str(tmp_path / "apps"))
    assert [p.name for p in own] == ["other.py"]
    with pytest.raises(SystemExit, match="no apps"):
        _cli.find_apps(str(tmp_path))


def test_the_checkout_entry_points_are_thin():
    for name in APP_NAMES:
        tree = ast.parse((ROOT / "apps" / f"{name}.py").read_text())
        assert ast.get_docstring(tree) == ast.get_docstring(
            ast.parse((Path(snnlab.__file__).parent / "apps" / f"{name}.py").read_text())
        )
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
        assert len(calls) == 1 and calls[0].args[0].value == name


def test_version_and_python_dash_m():
    out = subprocess.run(
        [sys.executable, "-m", "snnlab", "--version"], capture_output=True, text=True, timeout=300
    )
    assert out.stdout.strip() == f"snnlab {snnlab.__version__}", out.stderr[-2000:]
    with pytest.raises(SystemExit):
        _cli.build_parser().parse_args([])  # a command is required


def test_index_url_for_a_browser_on_this_machine():
    parse = _cli.build_parser().parse_args
    assert _cli.index_url(parse(["serve"])) == "http://localhost:5006/"
    args = parse(["serve", "--address", "0.0.0.0", "--port", "8080", "--prefix", "/snn/"])
    assert _cli.index_url(args) == "http://localhost:8080/snn/"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_show_opens_the_index_once_the_server_answers(monkeypatch, tmp_path):
    """`snnlab serve --show` with the server replaced by Python's http.server."""
    opened, procs = [], []
    real_popen = subprocess.Popen

    def popen(cmd, **kw):
        port = _cli_port[0]
        fake = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
        procs.append(real_popen(fake, cwd=tmp_path, stderr=subprocess.DEVNULL, **kw))
        return procs[-1]

    def opener(url):
        opened.append(url)
        procs[0].terminate()

    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Quiet) as probe:
        _cli_port = [probe.server_address[1]]
    monkeypatch.setattr(_cli.subprocess, "Popen", popen)
    monkeypatch.setattr(_cli.webbrowser, "open", opener)
    monkeypatch.setattr(os, "environ", dict(os.environ))
    _cli.main(["serve", "--show", "--port", str(_cli_port[0]), "--address", "127.0.0.1"])
    assert opened == [f"http://127.0.0.1:{_cli_port[0]}/"]


def test_open_when_up_gives_up_when_the_server_ends():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    assert not _cli.open_when_up("http://127.0.0.1:9/", proc, opener=pytest.fail)


def test_open_when_up_waits_for_an_answer():
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Quiet) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        try:
            opened = []
            assert _cli.open_when_up(url, proc, opener=opened.append) and opened == [url]
        finally:
            proc.kill()
            proc.wait()
            server.shutdown()


def test_an_entry_point_makes_its_app_servable_once(monkeypatch):
    """`panel serve apps/dynapse_lab.py` runs the file under a module name of its own."""
    import runpy

    import panel as pn

    built = []
    monkeypatch.setattr(pn.viewable.Viewable, "servable", lambda self, **kw: built.append(kw))
    monkeypatch.setattr(pn.viewable.Viewer, "servable", lambda self, **kw: built.append(kw))
    runpy.run_path(str(ROOT / "apps" / "dynapse_lab.py"), run_name="bokeh_app_0123")
    assert built == [{"title": "snnlab: Dynap-SE emulator"}]
