"""What the browser tests share: Debian's chromium, its headless flags, a free port, a
server process."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import pytest

CHROMIUM = "/usr/bin/chromium"
"""Debian's chromium (apt-get install chromium); Playwright never downloads a browser."""

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
"""Flags for a headless chromium on a machine without network (no background traffic)."""


def executable() -> str | None:
    """Path of the chromium to launch, or None when it is not installed."""
    return CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")


def browser_marks(timeout: int) -> list:
    """pytest marks of a browser test module: `browser`, skip without chromium, a timeout."""
    return [
        pytest.mark.browser,
        pytest.mark.skipif(
            executable() is None,
            reason="Debian's chromium is not installed (apt-get install chromium)",
        ),
        pytest.mark.timeout(timeout),
    ]


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(cmd: list[str], timeout: float = 120.0, cwd=None):
    """Run the server command `cmd` until the block ends; enter once it listens.

    Its output goes to a temporary file, not a pipe: a pipe nobody reads fills up with
    request logs and then blocks the server. The output is shown if it fails to start.
    Waiting for Bokeh's "running at" line (not fetching a page) creates no session.
    """
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=cwd)

        def output() -> str:
            log.flush()
            log.seek(0)
            return log.read().decode(errors="replace")

        try:
            deadline = time.monotonic() + timeout
            while "running at" not in output():
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the server did not start:\n{output()[-3000:]}")
                time.sleep(0.3)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


@contextlib.contextmanager
def snnlab_server(timeout: float = 120.0):
    """`snnlab serve` (every app in apps/) on a free 127.0.0.1 port; yields its URL."""
    port = free_port()
    cmd = [sys.executable, "-m", "snnlab.cli", "serve", "--address", "127.0.0.1"]
    with serving([*cmd, "--port", str(port)], timeout=timeout):
        yield f"http://127.0.0.1:{port}"
