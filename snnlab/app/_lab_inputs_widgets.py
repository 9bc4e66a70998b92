"""The inputs lab's controls: the chosen source's sliders, the neurons' sliders, the sidebar.

Every function takes the lab (`snnlab.app._lab_inputs.InputsLab`) and builds widgets
bound to its parameters (`from_param`, `snnlab.params` sliders); none of them runs
anything: the lab's watchers do.
"""

from __future__ import annotations

import panel as pn

from ._lab_common import TextField, format_number_list, parse_number_list, slider_box
from ._lab_inputs_sources import FILE_GENERATORS, PARAM_GENERATORS, UPLOAD_SUFFIXES
from ._widgets import fast


def lab_slider(lab, name: str, cls=pn.widgets.FloatSlider):
    """A throttled slider of the lab's parameter `name` (its label states the unit)."""
    return fast(cls.from_param(lab.param[name], sizing_mode="stretch_width"))


def source_controls(lab) -> tuple[list, dict]:
    """The controls of the chosen source (`lab.source`).

    **Returns:** `(items, sliders)`: the widgets for the source box, and its sliders by
    parameter name. A `SpikeGenerator` also gets `lab.spike_times_field` (a validated
    text field for its spike times, ms).
    """
    name = lab.source
    items: list = [pn.pane.Markdown(f"#### {name}")]
    sliders: dict = {}

    def own(param_name, cls=pn.widgets.FloatSlider):
        sliders[param_name] = lab_slider(lab, param_name, cls)
        return sliders[param_name]

    if name in PARAM_GENERATORS:
        obj = lab.generator_params[name]
        box, found = slider_box(obj)
        sliders.update(found)
        items.append(box)
        if "spike_times" in obj.param:
            lab.spike_times_field = TextField(
                obj,
                "spike_times",
                lambda text: parse_number_list(text, lo=0.0, hi=1e5, what="spike times"),
                format_number_list,
                label="spike times (ms, comma-separated)",
            )
            items.append(lab.spike_times_field)
    elif name == "StepCurrentGenerator":
        items += [own(n) for n in ("pulse_amplitude", "pulse_on", "pulse_off")]
    elif name in FILE_GENERATORS:
        how = "cyclically" if name == "CustomGenerator" else "once"
        items.append(pn.pane.Markdown(f"data: **{lab.custom_name}**, replayed {how}, as"))
        items.append(pn.widgets.RadioButtonGroup.from_param(lab.param.transmit_as))
    elif name == "constant_current_lif_encode":
        box, found = slider_box(lab.encoder_params, names=["tau_mem", "v_th", "v_leak", "v_reset"])
        sliders.update(found)
        items += [own("value_max"), box]
    elif name == "spatio_temporal_encode":
        items.append(own("t_late"))
    elif name == "one_hot":
        items.append(own("label", pn.widgets.IntSlider))
    return items, sliders


def neuron_controls(lab) -> tuple[list, dict]:
    """The sliders of the chosen neuron model (`lab.neuron_model`).

    **Returns:** `(items, sliders)` as `source_controls`.
    """
    box, sliders = slider_box(lab.neuron_params[lab.neuron_model])
    return [pn.pane.Markdown(f"#### {lab.neuron_model}"), box], sliders


def sidebar(lab) -> pn.Column:
    """The lab's sidebar: the source and its box, the upload, the neurons and their box.

    Sets `lab.weight_slider` (the weight per input spike, mV or pA).
    """
    lab.weight_slider = lab_slider(lab, "weight")
    return pn.Column(
        pn.pane.Markdown("### Generators and encoders"),
        pn.widgets.Select.from_param(lab.param.source, sizing_mode="stretch_width"),
        lab.source_box,
        pn.pane.Markdown(
            "Upload data for CustomGenerator / InputTransmitter "
            f"({', '.join(UPLOAD_SUFFIXES)}, at most {lab.max_upload_bytes} bytes; "
            "rows are steps, columns channels):"
        ),
        lab.upload,
        pn.pane.Markdown("### Neurons"),
        pn.widgets.Select.from_param(lab.param.neuron_model, sizing_mode="stretch_width"),
        lab_slider(lab, "size", pn.widgets.IntSlider),
        lab_slider(lab, "neuron", pn.widgets.IntSlider),
        lab.weight_slider,
        lab_slider(lab, "duration"),
        pn.widgets.DiscreteSlider.from_param(lab.param.dt, sizing_mode="stretch_width"),
        lab_slider(lab, "seed", pn.widgets.IntSlider),
        lab.neuron_box,
        width=340,
        scroll=True,
    )


NOTE = (
    "Encoders (jaxsnn's, times in s) run at the lab's dt; their spikes reach the neurons "
    "through an InputTransmitter. Current sources are added to the neurons' input current "
    "(pA) with gain 1; spike sources with the weight."
)
"""What the page says under the plots."""


__all__ = ["NOTE", "lab_slider", "neuron_controls", "sidebar", "source_controls"]
