"""Reusable Panel components: the Explorer, the labs and their widgets.

    import snnlab
    snnlab.extension()              # in Jupyter: Panel + HoloViews with Bokeh
    snnlab.app.Explorer()           # displays inline; `.servable()` in an app file

Components subclass `pn.viewable.Viewer`; they wire `snnlab.params` objects to
`snnlab.viz` views. Served by `snnlab serve` (apps/explorer.py); `Limits` and the
validation helpers of `_guard` keep a served app within its resource caps.
"""

from . import jupyter  # noqa: F401 - pn.Param / pn.panel of a snnlab.params object: the apps' sliders
from ._explorer import TABS, Explorer
from ._extension import extension
from ._guard import Limits, apply_values, check_run, limits, read_json_upload
from ._lab_dynapse import DynapseLab
from ._lab_event_clock import EventClockLab
from ._lab_inputs import InputsLab
from ._lab_sensitivity import EventPropDemo, SensitivityLab
from ._phase_plane import PhasePlaneApp
from ._warm import warm_compilation_cache
from ._widgets import LogSlider, fast, number_widget

__all__ = [
    "TABS",
    "DynapseLab",
    "EventClockLab",
    "InputsLab",
    "EventPropDemo",
    "Explorer",
    "Limits",
    "LogSlider",
    "PhasePlaneApp",
    "SensitivityLab",
    "apply_values",
    "check_run",
    "extension",
    "fast",
    "limits",
    "number_widget",
    "read_json_upload",
    "warm_compilation_cache",
]
