"""Check a running `snnlab serve` (from the wheel): the index and every app it links
answer HTTP 200, and each app renders in headless chromium with no console error, no
error message in the page, and its plots drawn with their data inside the axes.

    python .ci/wheel_check.py http://127.0.0.1:5006
"""

import re
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from browser_support import ARGS, PLOTS_JS, Watch, executable, page_problems, settle  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

EXPECTED = {"explorer", "phase_plane", "inputs_lab", "event_vs_clock", "sensitivity", "dynapse_lab"}


def wait_for(url: str, timeout: float = 120.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return r.read().decode()
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"wheel: {url} did not answer within {timeout:.0f} s")
        time.sleep(0.5)


def drawn(page, timeout: float = 60.0) -> list[dict]:
    """The page's plots holding data, waiting up to `timeout` s for a first one (an app
    may compute its first view off the event loop after the page has settled)."""
    deadline = time.monotonic() + timeout
    while True:
        plots = [q for q in page.evaluate(PLOTS_JS) if q["glyphs"]]
        if plots or time.monotonic() > deadline:
            return plots
        page.wait_for_timeout(500)


def main(base: str) -> int:
    index = wait_for(base + "/")
    apps = re.findall(r'href="\./(\w+)"', index)
    if set(apps) != EXPECTED:
        raise SystemExit(f"wheel: the index links {apps}, expected {sorted(EXPECTED)}")
    failures = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable(), args=ARGS)
        for app in apps:
            with urllib.request.urlopen(f"{base}/{app}", timeout=120) as r:
                status = r.status
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            watch = Watch(page, base)
            t0 = time.monotonic()
            page.goto(f"{base}/{app}", timeout=120_000)
            settle(page, timeout=120)
            plots = drawn(page)
            problems = page_problems(page, watch)
            if status != 200:
                problems.append(f"HTTP {status}")
            if not plots:
                problems.append("no plot with data")
            took = time.monotonic() - t0
            print(f"wheel: {app}: HTTP {status}, {len(plots)} plots, {took:.1f} s", flush=True)
            failures += [f"{app}: {x}" for x in problems]
            page.close()
        browser.close()
    for failure in failures:
        print("wheel:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1].rstrip("/")))
