"""`snnlab.extension()`: load Panel and HoloViews for notebooks, warn if Bokeh cannot show."""

from __future__ import annotations

import importlib.util
import warnings

from ._guard import in_server


class FrontendWarning(UserWarning):
    """The notebook frontend probably cannot render Bokeh/Panel output."""


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def frontend_problems() -> list[str]:
    """Reasons the current notebook frontend may not render Bokeh plots (empty if none)."""
    problems = []
    if importlib.util.find_spec("jupyter_bokeh") is None:
        problems.append(
            "jupyter_bokeh is not installed, so JupyterLab/VS Code may show no plots: "
            "pip install jupyter_bokeh (then restart the notebook server)."
        )
    return problems


def extension(*args, warn: bool = True, **kwargs) -> None:
    """Load Panel's and HoloViews' Bokeh extensions (call once in a notebook).

    **Arguments:**

    - `args`, `kwargs`: passed to `panel.extension` (`"katex"` is always added, so that
      `$$...$$` equations in Markdown render as math).
    - `warn`: warn (`FrontendWarning`) when the frontend cannot render Bokeh, e.g. when
      jupyter_bokeh is missing.
    """
    import holoviews as hv
    import panel as pn

    if warn:
        for problem in frontend_problems():
            warnings.warn(problem, FrontendWarning, stacklevel=2)
    # KaTeX (bundled with Panel, no network) renders the models' $$ equations
    pn.extension(*dict.fromkeys(("katex", *args)), **kwargs)
    if in_server() and hv.Store.current_backend == "bokeh" and "bokeh" in hv.Store.renderers:
        # a served session needs no notebook output, and hv.extension would rebuild
        # HoloViews' option builders in every session: thousands of long-lived objects
        # scattered among the session's, which keep the session's memory from the system
        return
    hv.extension("bokeh", logo=False)
