"""The served apps, inside the package: one module per app, and the index page.

    snnlab serve                          # every app below with an index page
    panel serve apps/*.py                 # the same apps, through the checkout's entry points

In Jupyter, after `snnlab.extension()`::

    from snnlab.apps import explorer
    explorer.page()                       # the Explorer inline

Each app module has a `TITLE` and a `page()` that builds a fresh page (a Panel viewable).
Importing this package or an app module builds nothing and starts no server: a module
makes its page servable only when `panel serve` runs its file as a script.
"""

from ._index import APP_NAMES, LEARNING_ORDER, app_files, index_html, learning_order, title
from ._script import servable

__all__ = [
    "APP_NAMES",
    "LEARNING_ORDER",
    "app_files",
    "index_html",
    "learning_order",
    "servable",
    "title",
]
