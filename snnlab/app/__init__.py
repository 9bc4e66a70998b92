"""Reusable Panel components: the Explorer, the labs and their widgets.

    import snnlab
    snnlab.extension()              # in Jupyter: Panel + HoloViews with Bokeh
    snnlab.app.Explorer()           # displays inline; `.servable()` in an app file

Components subclass `pn.viewable.Viewer`; they wire `snnlab.params` objects to
`snnlab.viz` views. Served by `snnlab serve` (apps/explorer.py).
"""

from ._explorer import TABS, Explorer
from ._extension import extension
from ._lab_event_clock import EventClockLab
from ._lab_sensitivity import EventPropDemo, SensitivityLab
from ._phase_plane import PhasePlaneApp
from ._widgets import LogSlider, fast, number_widget

__all__ = [
    "TABS",
    "EventClockLab",
    "EventPropDemo",
    "Explorer",
    "LogSlider",
    "PhasePlaneApp",
    "SensitivityLab",
    "extension",
    "fast",
    "number_widget",
]
