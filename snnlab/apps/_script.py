"""How an app module becomes a served page when `panel serve` runs its file."""

from __future__ import annotations

import importlib
from collections.abc import Callable


def servable(app: str | Callable, title: str | None = None):
    """Build a page and mark it servable, as `panel serve` expects of an app script.

    **Arguments:**

    - `app`: an app's name (`"explorer"`: its module in `snnlab.apps` gives `page` and
      `TITLE`), or a function building the page.
    - `title`: the browser tab's title (default: the module's `TITLE`).

    **Returns:** the page.
    """
    if isinstance(app, str):
        module = importlib.import_module(f"snnlab.apps.{app}")
        app, title = module.page, title or module.TITLE
    import snnlab

    snnlab.extension(warn=False, sizing_mode="stretch_width")
    return app().servable(title=title)


def run_as_script(module_name: str) -> bool:
    """Whether an app module named `module_name` runs as a script (`panel serve` of its
    file, `runpy`) rather than being imported from the package."""
    return not module_name.startswith("snnlab.")


__all__ = ["run_as_script", "servable"]
