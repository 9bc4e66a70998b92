"""Shared fixtures and hooks: float64 on demand; browser tests required in CI."""

import os

import jax
import pytest

_BROWSER_WORDS = ("chromium", "playwright", "browser")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With SNNLAB_REQUIRE_BROWSER=1 (set by .ci/run), a browser test that would be skipped
    because chromium or playwright is missing fails instead: CI must run them."""
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or os.environ.get("SNNLAB_REQUIRE_BROWSER") != "1":
        return
    reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else ""
    if any(word in reason.lower() for word in _BROWSER_WORDS):
        report.outcome = "failed"
        report.longrepr = f"browser tests are required here but were skipped: {reason}"


@pytest.fixture
def x64():
    """Run the test with JAX's float64 enabled, restoring the previous setting after."""
    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    try:
        yield
    finally:
        jax.config.update("jax_enable_x64", previous)


def pytest_terminal_summary(terminalreporter):
    """Print how many states the browser matrix walked (tests/test_browser_matrix.py)."""
    try:
        from browser_support import STATES_WALKED
    except ImportError:  # the browser tests were not collected
        return
    if STATES_WALKED:
        terminalreporter.write_line(f"browser matrix: {len(STATES_WALKED)} states walked")
