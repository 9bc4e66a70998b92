"""The frame every app shares: a title, a link back to the index, a short explanation
with the model's equations, a busy sign, a "copy link" button and a presentation mode.

    page = AppPage("Explorer", intro="Pick a model ...", body=my_layout)
    page.busy.start()   # a run that may take a while
    page.busy.stop()

Everything here is plain Panel; the presentation toggle and the link button act in the
browser only (no round trip to the server).
"""

from __future__ import annotations

import re

import panel as pn
import param

from . import _guard as guard

BUSY_DELAY_MS = 300
"""A run shorter than this shows no busy sign (a flash would distract)."""

_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)

PRESENTATION_ZOOM = 1.35
"""Page zoom of the presentation mode (for a projector at 1024x768)."""

_ZOOM_JS = f"document.body.style.zoom = cb_obj.active ? '{PRESENTATION_ZOOM}' : '';"

_COPY_JS = """
const url = window.location.href;
function ask() { window.prompt("Copy this link:", url); }
if (navigator.clipboard && window.isSecureContext) {
  navigator.clipboard.writeText(url).then(() => {
    const old = cb_obj.label; cb_obj.label = "link copied";
    setTimeout(() => { cb_obj.label = old; }, 1500);
  }, ask);
} else { ask(); }
"""


class Busy:
    """A spinner shown while work runs longer than `BUSY_DELAY_MS`.

    `start()` and `stop()` nest (two runs in flight need two stops). Served, the sign
    appears only once a run has lasted `BUSY_DELAY_MS`; in a notebook it appears at once.
    """

    def __init__(self):
        self.spinner = pn.indicators.LoadingSpinner(
            value=False, size=22, margin=(12, 10), visible=False
        )
        self._depth = 0
        self._token = 0

    @property
    def active(self) -> bool:
        """Whether work is in flight."""
        return self._depth > 0

    def start(self, doc=None) -> None:
        """Work begins; `doc` (the session's document) delays the sign by `BUSY_DELAY_MS`."""
        self._depth += 1
        if self._depth > 1:
            return
        self._token += 1
        token = self._token
        if doc is None:
            self._show(True)
            return

        def show():
            if self._depth and token == self._token:
                self._show(True)

        guard.call_later_in_session(doc, BUSY_DELAY_MS, show)

    def stop(self) -> None:
        """Work ends (the sign goes when the last piece of work ends)."""
        self._depth = max(0, self._depth - 1)
        if not self._depth:
            self._token += 1
            if self.spinner.value:
                self._show(False)

    def _show(self, on: bool) -> None:
        self.spinner.value = on
        self.spinner.visible = on


class AppPage(pn.viewable.Viewer):
    """The frame of an app: header (back link, title, busy sign, copy link, presentation
    toggle), an explanation in Markdown (with `$$...$$` math), then the app's body.

    **Arguments:**

    - `title`: the app's name, shown as the page heading.
    - `intro`: one paragraph of Markdown saying what the app shows and how to use it.
    - `body`: the app's layout.
    - `index_url`: where the back link goes (the index of `snnlab serve`).
    - `busy`: the `Busy` sign to show (an app's own; default a new one).
    """

    intro = param.String("", doc="the explanation under the title (Markdown with $$ math)")

    def __init__(
        self,
        title: str,
        body,
        intro: str = "",
        index_url: str = "./",
        busy: Busy | None = None,
        **params,
    ):
        super().__init__(intro=intro, **params)
        self.title = title
        self.body = body
        self.busy = busy if busy is not None else Busy()
        self.back = pn.pane.HTML(
            f'<a href="{index_url}" title="all snnlab apps">&larr; all apps</a>',
            margin=(14, 10, 0, 5),
            width=80,
        )
        self.heading = pn.pane.Markdown(f"## {title}", margin=(0, 10))
        self.copy = pn.widgets.Button(label="copy link", width=90, margin=(10, 5))
        self.copy.js_on_click(code=_COPY_JS)
        self.present = pn.widgets.Toggle(label="presentation", width=110, margin=(10, 5))
        self.present.jscallback(value=_ZOOM_JS)
        self.intro_pane = pn.Column(sizing_mode="stretch_width", margin=0)
        self._fill_intro()
        self.param.watch(lambda e: self._fill_intro(), "intro")

    def _fill_intro(self) -> None:
        """Markdown paragraphs, and each `$$...$$` equation typeset by KaTeX."""
        parts = []
        for i, text in enumerate(_MATH.split(self.intro)):
            if not text.strip():
                continue
            if i % 2:
                parts.append(pn.pane.LaTeX(f"$${text}$$", renderer="katex", margin=(0, 20)))
            else:
                parts.append(
                    pn.pane.Markdown(
                        text.strip(),
                        sizing_mode="stretch_width",
                        margin=(0, 10),
                        styles={"max-width": "70em"},
                    )
                )
        self.intro_pane.objects = parts

    def __panel__(self):
        header = pn.Row(
            self.back,
            self.heading,
            self.busy.spinner,
            pn.layout.HSpacer(),
            self.copy,
            self.present,
            sizing_mode="stretch_width",
        )
        return pn.Column(header, self.intro_pane, self.body, sizing_mode="stretch_width")


def framed(app, title: str, intro: str) -> AppPage:
    """`app` (a lab or any Viewer) in the shared frame, with its own busy sign if it has one."""
    busy = getattr(app, "busy", None)
    return AppPage(title, body=app, intro=intro, busy=busy if isinstance(busy, Busy) else None)
