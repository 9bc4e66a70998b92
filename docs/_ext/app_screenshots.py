"""A screenshot of each served app for the docs, taken at build time.

At `builder-inited` this serves the apps with `snnlab serve` on a free local port, reads
the index page (the app names and one-line descriptions, in learning order) and writes

- `_generated/apps/<app>.png`: a screenshot at 1400 x 1000, copied from the browser
  tests' artifacts (`$SNNLAB_TEST_ARTIFACTS/<app>-1400x1000.png`) when present, else
  taken here with Playwright and Debian's chromium once the app has drawn its plots;
- `_generated/apps.md`: a section per app (included by apps.md).

Screenshots already in `_generated/apps/` are kept (delete the folder, or set
SNNLAB_DOCS_SHOTS=refresh, to take them again). Without chromium or Playwright the build
stops with an error that says so: the pages would otherwise lack their pictures.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

SIZE = (1400, 1000)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
DRAWN_JS = """() => !!(window.Bokeh && Bokeh.documents.some((d) => [...d.all_models].some(
  (m) => m.data && Object.values(m.data).some((c) => c && c.length > 1))))"""
_ITEM = re.compile(r'<li><a href="\./([^"]+)">[^<]*</a>\s*<span>([^<]*)</span>')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _chromium() -> str:
    path = "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None
    path = path or shutil.which("chromium")
    if path is None:
        raise ExtensionError("app screenshots need Debian's chromium: apt-get install chromium")
    return path


class _Server:
    def __init__(self, root: Path):
        self.port = _free_port()
        self.log = tempfile.TemporaryFile()
        cmd = [sys.executable, "-m", "snnlab.cli", "serve", "--address", "127.0.0.1"]
        self.proc = subprocess.Popen(
            [*cmd, "--port", str(self.port)], stdout=self.log, stderr=subprocess.STDOUT, cwd=root
        )
        deadline = time.monotonic() + 180
        while "running at" not in self.output():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise ExtensionError(f"snnlab serve did not start:\n{self.output()[-2000:]}")
            time.sleep(0.3)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def _shoot(url: str, missing: list[str], folder: Path) -> None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        raise ExtensionError("app screenshots need playwright: pip install playwright") from err
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            for app in missing:
                page = browser.new_page(viewport={"width": SIZE[0], "height": SIZE[1]})
                page.goto(f"{url}/{app}")
                page.wait_for_function(DRAWN_JS, timeout=180_000)
                page.wait_for_timeout(2500)  # the remaining plots and the fonts
                page.screenshot(path=str(folder / f"{app}.png"))
                page.close()
                logger.info(f"app_screenshots: {app}.png taken")
        finally:
            browser.close()


def _page(apps: list[tuple[str, str]]) -> str:
    parts = []
    for name, title in apps:
        parts.append(
            f"## {name.replace('_', ' ')}\n\n{html.unescape(title)}\n\n"
            f"Served at `http://localhost:5006/{name}`.\n\n"
            f"```{{image}} /_generated/apps/{name}.png\n:alt: the {name} app\n"
            f":width: 100%\n```\n"
        )
    return "\n".join(parts)


def generate(app) -> None:
    src = Path(app.srcdir)
    folder = src / "_generated" / "apps"
    folder.mkdir(parents=True, exist_ok=True)
    if os.environ.get("SNNLAB_DOCS_SHOTS") == "refresh":
        for old in folder.glob("*.png"):
            old.unlink()
    server = _Server(src.parent)
    try:
        with urllib.request.urlopen(server.url + "/", timeout=60) as r:
            apps = _ITEM.findall(r.read().decode())
        if not apps:
            raise ExtensionError("app_screenshots: the index page lists no apps")
        artifacts = os.environ.get("SNNLAB_TEST_ARTIFACTS")
        missing = []
        for name, _ in apps:
            shot = folder / f"{name}.png"
            found = Path(artifacts) / f"{name}-{SIZE[0]}x{SIZE[1]}.png" if artifacts else None
            if shot.exists():
                continue
            if found is not None and found.exists():
                shutil.copyfile(found, shot)
            else:
                missing.append(name)
        if missing:
            _shoot(server.url, missing, folder)
    finally:
        server.close()
    text = _page(apps)
    page = src / "_generated" / "apps.md"
    if not page.exists() or page.read_text() != text:
        page.write_text(text)


def setup(app):
    app.connect("builder-inited", generate)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
