"""The Explorer's link: the page's URL follows its settings, and a link opens them.

A mixin of `Explorer` (`_explorer.py`); the query itself is `ExplorerSettings.query` /
`load_query` (`_explorer_settings.py`).
"""

from __future__ import annotations

from urllib.parse import urlencode

import panel as pn

from . import _guard as guard


class UrlSync:
    """Reads the settings from the page's URL when a session opens, and keeps the URL
    saying the current settings (the `Explorer` provides `url_field`, `query`,
    `load_query`, `_show`, `_sync_url`, `_url_written`, `_url_seq` and `_doc`)."""

    def _read_url(self) -> None:
        args = getattr(pn.state, "session_args", None) or {}
        if not args:
            return
        query = {
            k: (v[0].decode() if isinstance(v[0], bytes) else v[0]) for k, v in args.items() if v
        }
        try:
            self.load_query(query)
        except Exception as err:  # noqa: BLE001 - a bad link must still open the app
            self._note = f"The link's parameters were not understood: {err}"
            self._show(self._note, "warning")

    def _write_url(self, force: bool = False) -> None:
        """Make the page's URL say the current state (after every change, Live too).

        The query goes to a hidden field whose change, in the browser, replaces the
        address (history.replaceState). Setting Panel's `pn.state.location.search`
        from a callback reached the page only with the next message, so the link lagged
        one change behind.
        """
        if not self._sync_url:
            return
        search = "?" + urlencode(self.query())
        if force or search != self._url_written:
            self._url_written = search
            self._url_seq += 1
            # numbered: Panel may deliver two changes of one field out of order
            self.url_field.value = f"{self._url_seq}|{search}"

    def _write_url_after_run(self) -> None:
        """Update the URL once the requested run has been handled: served, on the loop's
        next turn after the run's own (the run goes first; the URL change, ~3 ms with
        its message, no longer delays the plot)."""
        if self._doc is None:
            self._write_url()
        else:
            guard.call_soon_in_session(self._doc, self._write_url)


__all__ = ["UrlSync"]
