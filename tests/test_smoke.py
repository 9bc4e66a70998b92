"""The smoke subset: import, one simulation against its closed form, one served app in a
browser. `.ci/oldest.sh` runs these (`pytest -m smoke`) on the oldest versions that
pyproject.toml allows; the full suite covers the newest."""

import math

import numpy as np
import pytest
from browser_support import ARGS, executable, free_port, serving

pytestmark = pytest.mark.smoke


def test_import_and_one_simulate():
    import snnlab
    from snnlab.generators import DCGenerator
    from snnlab.neurons import LIF

    tau, R, amp = 10.0, 0.04, 500.0  # ms, GOhm, pA: R * amp = 20 mV
    res = snnlab.simulate(
        LIF(tau=tau, R=R, V_rest=-70.0, V_th=-55.0, V_reset=-70.0, tau_ref=2.0),
        DCGenerator(amplitude=amp),
        duration=100.0,
        dt=0.01,
    )
    # closed form of the first crossing: V(t) = V_rest + R I (1 - exp(-t / tau)) reaches
    # V_th at t = tau ln(R I / (R I - 15 mV)) = 10 ln 4 = 13.86 ms; the stepped engine
    # sees it on the 0.01 ms grid, so one step (plus the integrator's error) of slack.
    first = tau * math.log(R * amp / (R * amp - 15.0))
    assert res.spike_times.size > 3
    assert abs(res.spike_times[0] - first) <= 0.05
    assert np.all(np.isfinite(res["V"]))


@pytest.mark.browser
@pytest.mark.timeout(600)
@pytest.mark.skipif(executable() is None, reason="Debian's chromium is not installed")
def test_one_served_app_renders_in_chromium(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    import sys

    port = free_port()
    cmd = [sys.executable, "-m", "snnlab.cli", "serve", "--address", "127.0.0.1"]
    with serving([*cmd, "--port", str(port)], timeout=240), sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable(), args=ARGS)
        errors: list[str] = []
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        # the first session builds the app and compiles its simulation: slow on a busy machine
        page.goto(f"http://127.0.0.1:{port}/phase_plane", timeout=240_000)
        # a rendered Bokeh plot with glyph data: the canvas exists and a source has rows
        page.wait_for_function(
            """() => window.Bokeh && Bokeh.documents.some((d) => [...d.all_models].some(
                 (m) => m.data && Object.values(m.data).some((c) => c && c.length > 10)))""",
            timeout=240_000,
        )
        page.wait_for_selector("canvas", timeout=30_000)
        page.screenshot(path=str(tmp_path / "phase_plane.png"))
        browser.close()
    assert errors == [], errors
