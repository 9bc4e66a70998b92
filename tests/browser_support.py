"""What the browser tests share: Debian's chromium, its headless flags, a free port."""

import os
import shutil
import socket

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
