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


MAX_MAPS = 15_000
"""Memory mappings a test process may hold before JAX's caches are dropped. Each compiled
XLA executable keeps its own mappings; the suite compiles thousands (finite differences
through un-jitted scans), and at Linux's default vm.max_map_count (65530) XLA's next
compile crashed the run with a segmentation fault."""


def _memory_maps() -> int:
    try:
        with open("/proc/self/maps") as f:
            return sum(1 for _ in f)
    except OSError:  # not Linux: no such limit to watch
        return 0


@pytest.fixture(autouse=True)
def _bounded_jax_caches():
    """After a test, drop JAX's compiled functions when the process holds many mappings."""
    yield
    if _memory_maps() > MAX_MAPS:
        import gc

        jax.clear_caches()
        gc.collect()
