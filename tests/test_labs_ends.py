"""Issue #15: every lab control works at both ends of its range.

Each lab is drawn as when served (`lab_support.served`); every parameter behind a slider,
selector or checkbox of the lab (and of the models and sources it shows by default) is set
to each end of its range in turn, the lab runs, and nothing may go wrong: no error in the
page, and every plot with data shows it inside its axes. Where two controls can meet (a
window's start and stop) the lab says so as a warning and carries on. Browser walks of the
same controls belong to the browser matrix.
"""

import pytest
from lab_support import draw, served, sweep_ends

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture
def flush(monkeypatch):
    with served(monkeypatch) as f:
        yield f


def _run(lab, flush, objects, skip=()):
    doc = draw(lab)
    flush()
    assert lab.message == "" or lab.alert.alert_type != "danger", lab.message
    problems = []
    for obj in objects(lab):
        problems += sweep_ends(lab, doc, obj, flush, skip=skip)
    return problems


def test_event_clock_controls_at_both_ends(flush):
    from snnlab.app._lab_event_clock import EventClockLab

    lab = EventClockLab(curve_methods=["euler"])
    objects = lambda lab: [lab, lab.neuron_params["LIF"]]  # noqa: E731
    assert _run(lab, flush, objects, skip=("curve_methods", "size", "method")) == []


def test_sensitivity_controls_at_both_ends(flush):
    from snnlab.app._lab_sensitivity import SensitivityLab

    lab = SensitivityLab()

    def objects(lab):
        yield from (lab, lab.neuron_params["LIF"], lab.demo)
        lab.model = "SNNLIF"  # the dimensionless family: its own current range
        yield lab

    assert _run(lab, flush, objects, skip=("size", "method", "training", "model")) == []


def test_dynapse_controls_at_both_ends(flush):
    from snnlab.app._lab_dynapse import DynapseLab

    lab = DynapseLab(size=8, duration=0.2)
    objects = lambda lab: [lab, lab.times, lab.chip]  # noqa: E731
    assert _run(lab, flush, objects, skip=("size", "dt", "method")) == []
    lab.param.update(input_start=0.3, input_stop=0.1)  # an empty window: said, not an error
    flush()
    assert lab.alert.alert_type == "warning" and "empty" in lab.message


def test_inputs_controls_at_both_ends(flush):
    from snnlab.app._lab_inputs import InputsLab

    lab = InputsLab(duration=50.0, size=4)

    def objects(lab):
        yield lab
        yield lab.neuron_params["LIF"]
        for source in ("PoissonGenerator", "DCGenerator", "RampGenerator"):
            lab.source = source
            yield lab.generator_params[source]

    assert _run(lab, flush, objects, skip=("source", "size", "method")) == []
