"""The Explorer: pick any model, inputs and engine, drag a slider, see the run change."""

from snnlab.app import Explorer
from snnlab.apps._script import run_as_script, servable

TITLE = "snnlab Explorer"
"""The browser tab's title."""


def page() -> Explorer:
    """A fresh Explorer (one per browser session when served)."""
    return Explorer()


if run_as_script(__name__):
    servable(page, TITLE)
