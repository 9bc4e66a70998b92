"""`snnlab.extension()`: load Panel and HoloViews for notebooks, warn if Bokeh cannot show.

In a notebook the JavaScript of Bokeh, Panel and HoloViews is put into the notebook from
the installed packages ("inline" resources), not fetched from a CDN: the plots then show
without network (a classroom behind a firewall, a laptop on a train).
"""

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


def extension(*args, warn: bool = True, inline: bool = True, **kwargs) -> None:
    """Load Panel's and HoloViews' Bokeh extensions (call once in a notebook).

    **Arguments:**

    - `args`, `kwargs`: passed to `panel.extension` (`"katex"` is always added, so that
      `$$...$$` equations in Markdown render as math).
    - `warn`: warn (`FrontendWarning`) when the frontend cannot render Bokeh, e.g. when
      jupyter_bokeh is missing.
    - `inline`: in a notebook, carry the JavaScript of Bokeh, Panel and HoloViews in the
      notebook's output, from the installed packages, so that plots show offline (a saved
      notebook grows by about 8 MB); False loads it from the CDN. The environment
      variable `PANEL_INLINE` (Panel's own) overrides it. A served app (`snnlab serve`)
      is unaffected: the server sends its local copies.
    """
    import holoviews as hv
    import panel as pn
    from holoviews.core.dimension import LabelledData

    if warn:
        for problem in frontend_problems():
            warnings.warn(problem, FrontendWarning, stacklevel=2)
    notebook = _in_notebook() and not in_server()
    if notebook:  # elsewhere Panel's global setting stays as it is (a server's, a script's)
        kwargs["inline"] = inline
    # KaTeX (bundled with Panel, no network) renders the models' $$ equations
    pn.extension(*dict.fromkeys(("katex", *args)), **kwargs)
    if in_server() and hv.Store.current_backend == "bokeh" and "bokeh" in hv.Store.renderers:
        # a served session needs no notebook output, and hv.extension would rebuild
        # HoloViews' option builders in every session: thousands of long-lived objects
        # scattered among the session's, which keep the session's memory from the system
        return
    # HoloViews publishes the loader again: it must be inline too, or the page fetches the
    # CDN's copy all the same (pn.config.inline reads PANEL_INLINE first)
    inline = bool(notebook and pn.config.inline)
    hv.extension("bokeh", logo=False, inline=inline)
    if notebook:
        # HoloViews renders its plots' Panel layout itself and leaves Panel's stylesheets
        # on the CDN; Panel's notebook renderer (the same pane) puts them in the output
        from holoviews.ipython.display_hooks import pprint_display

        hook = _through_panel if inline else pprint_display
        hv.Store.set_display_hook("html+js", LabelledData, hook)


def _through_panel(obj):
    """Notebook output of a HoloViews object, rendered by Panel (inline resources)."""
    import panel as pn

    return pn.panel(obj)._repr_mimebundle_()
