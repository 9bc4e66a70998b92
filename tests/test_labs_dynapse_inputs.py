"""The Dynap-SE and the inputs labs without a browser: they build, react, refuse bad uploads.

Browser tests of the served labs are in tests/test_labs_browser_2.py.
"""

import io
import os
import pickle

import numpy as np
import pytest

from snnlab.app import _lab_inputs as li

# ---- inputs lab --------------------------------------------------------------------------

SMALL = dict(source="DCGenerator", duration=40.0, size=3)  # few steps, few neurons


def _npy_bytes(arr, allow_pickle=False) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=allow_pickle)
    return buf.getvalue()


def _snapshot(lab):
    """What a refused upload must leave as it was: data, plots, runs."""
    views = (lab.views.in_raster, lab.views.in_current, lab.views.voltage, lab.views.raster)
    return (lab.custom_data.copy(), lab.custom_name, lab.source, lab.runs,
            tuple(id(v.data) for v in views), lab.result)  # fmt: skip


def _same(a, b):
    return np.array_equal(a[0], b[0]) and a[1:4] == b[1:4] and a[4] == b[4] and a[5] is b[5]


@pytest.fixture
def lab(tmp_path):
    upload_dir = tmp_path / "uploads"
    upload_dir.mkdir()
    return li.InputsLab(upload_dir=upload_dir, max_upload_bytes=2000, **SMALL)


def test_inputs_lab_runs_and_reacts_to_a_slider(lab):
    assert lab.message == "", lab.message
    assert lab.input_kind == "current" and lab.in_current_pane.visible
    v0 = lab.result["V"].copy()
    runs = lab.runs
    lab.generator_params["DCGenerator"].amplitude = 900.0
    assert lab.runs == runs + 1
    assert not np.array_equal(lab.result["V"], v0)
    assert np.allclose(lab.input_values, 900.0)
    assert lab.views.in_current.sources["current"].data["I"].max() == pytest.approx(900.0)
    lab.__panel__()  # builds without a server


def test_every_source_and_encoder_delivers_what_the_neurons_get():
    # Poisson through the lab: the raster drawn is the input the neurons received (the
    # same keys as simulate): with a 16 mV jump from rest and V_th 15 mV above it, every
    # input spike is an output spike one refractory-free step later.
    lab = li.InputsLab(source="spatio_temporal_encode", duration=30.0, size=4, weight=16.0)
    assert lab.message == "", lab.message
    steps = np.flatnonzero(lab.input_values.sum(axis=1))
    assert len(steps) == 4  # one spike per value, at t_early + x (t_late - t_early)
    assert np.allclose(lab.input_t[steps], np.linspace(0.0, 15.0, 4), atol=0.11)
    assert len(lab.result.spike_times) == 4
    lab.t_late = 0.02
    assert np.allclose(lab.input_t[np.flatnonzero(lab.input_values.sum(axis=1))][-1], 20.0)
    lab.source = "one_hot"
    assert lab.message == "" and lab.input_values.sum() == 1
    lab.label = 9  # outside the 4 channels: a message, the lab goes on
    assert "label" in lab.message and lab.alert.visible
    lab.label = 1
    assert lab.message == ""


def test_source_output_matches_the_simulated_input():
    import snnlab
    from snnlab.generators import PoissonGenerator
    from snnlab.neurons import LIF

    src = PoissonGenerator(size=3, rate=200.0)
    t, out = li.source_output(src, 30.0, 0.1, seed=3)
    # a 16 mV jump fires the neuron at once; LIF's 2 ms refractory period may hide some
    res = snnlab.simulate(LIF(size=3, tau_ref=0.0), snnlab.Connection(src, weight=16.0),
                          duration=30.0, dt=0.1, seed=3)  # fmt: skip
    steps, ids = np.nonzero(out)
    assert len(steps) > 5
    # an input spike of window k acts at k dt; one in window 0 acts on the initial state,
    # and the engine reports that spike at the end of the first step
    expected = np.maximum(t[steps], 0.1)
    np.testing.assert_allclose(np.sort(res.spike_times), np.sort(expected), atol=1e-5)


def test_upload_is_parsed_used_and_deleted(lab, tmp_path):
    data = li.default_pattern(channels=3, steps=40, period=10)
    text = "\n".join(",".join(f"{v:g}" for v in row) for row in data).encode()
    assert lab.load_upload(text, "pattern.csv")
    assert lab.message == "" and lab.source == "CustomGenerator"
    np.testing.assert_array_equal(lab.custom_data, data)
    assert lab.input_values.shape[1] == 3 and lab.input_values.sum() > 0
    assert list((tmp_path / "uploads").iterdir()) == []  # the temporary file is gone
    # through the widget, as the browser sends it; InputTransmitter replays it once
    lab.source = "InputTransmitter"
    lab.upload.param.update(filename="p.npy", value=_npy_bytes(2 * data))
    assert lab.message == "", lab.message
    np.testing.assert_array_equal(lab.custom_data, 2 * data)
    assert lab.source == "InputTransmitter"


def test_an_uploaded_current_waveform_is_read_as_a_current_and_the_page_says_so(lab):
    # issue #15: a current waveform (pA) was read as spike counts, "3046213.8 Hz per channel"
    t = np.arange(0.0, 20.0, 0.1)  # 200 steps, replayed twice in the 40 ms run
    wave = np.round(300.0 + 200.0 * np.sin(t / 5.0), 1)  # fractional, hundreds of pA
    assert lab.load_upload("\n".join(f"{v:.1f}" for v in wave).encode(), "wave.txt")
    assert lab.source == "CustomGenerator" and lab.transmit_as == "current"
    assert lab.input_kind == "current" and lab.in_current_pane.visible
    out = lab.input_values[:, 0]
    np.testing.assert_allclose(out[:200], wave, atol=1e-3)
    np.testing.assert_allclose(out[200:400], wave, atol=1e-3)  # cyclic
    assert "Hz per channel" not in lab.readout.object and "pA" in lab.readout.object
    assert lab.alert.visible and lab.alert.alert_type == "warning"  # said in the page
    assert "not spike counts" in lab.message and "current (pA)" in lab.message
    # read as spike counts on request: refused with a message, the plots stay
    before = _snapshot(lab)
    lab.transmit_as = "spike"
    assert lab.alert.alert_type == "danger" and "not spike counts" in lab.message
    assert lab.result is before[5] and lab.runs == before[3]
    lab.transmit_as = "current"
    assert lab.message.startswith("wave.txt") and lab.alert.alert_type == "warning"
    # InputTransmitter replays it once, as a current too; negative values count as current
    lab.source = "InputTransmitter"
    assert lab.input_kind == "current" and lab.input_values[-1, 0] == 0.0
    assert lab.load_upload(b"-50 20\n10 -5\n", "neg.txt")
    assert lab.transmit_as == "current" and "negative" in lab.message
    # spike counts stay spike counts, and the note goes
    assert lab.load_upload(b"0 1\n1 0\n", "spikes.txt")
    assert lab.transmit_as == "spike" and lab.input_kind == "spike" and lab.message == ""


@pytest.mark.parametrize(
    "values, words",
    [([0, 1, 2, 0], ""), ([0, -1], "negative"), ([0.5, 1], "non-integer"), ([0, 400], "400")],
)
def test_spike_count_problem(values, words):
    problem = li.spike_count_problem(np.array(values, float))
    assert (problem == "") if not words else (words in problem)


BAD_UPLOADS = {
    # name: (bytes, client file name, words the message must contain)
    "oversized": (b"1 2 3\n" * 400, "big.txt", "limit"),
    "pickled object array": (
        _npy_bytes(np.array([{"a": 1}], dtype=object), allow_pickle=True),
        "objects.npy",
        "pickle",
    ),
    "raw pickle named .npy": (pickle.dumps({"x": [1, 2]}), "data.npy", "pickle"),
    "malformed text": (b"1 2 3\n4 five 6\n", "bad.txt", "could not read"),
    "mixed columns": (b"1,2,3\n4,5\n", "ragged.csv", "could not read"),
    "suffix outside the allowlist": (b"import os\n", "evil.py", "not accepted"),
    "path in the name": (b"1 2\nx y\n", "../../outside.csv", "could not read"),
    "empty": (b"", "empty.txt", "empty"),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_upload_rejections_leave_a_message_and_change_nothing(lab, tmp_path, case):
    data, filename, words = BAD_UPLOADS[case]
    good = b"0 1\n1 0\n"
    assert lab.load_upload(good, "good.txt")  # some previous data and plot to keep
    before = _snapshot(lab)
    cwd_before = sorted(os.listdir())
    tmp_before = sorted(p.name for p in tmp_path.rglob("*"))
    assert not lab.load_upload(data, filename)
    assert lab.message.startswith("Upload refused") and lab.alert.visible
    assert lab.alert.alert_type == "danger"
    assert words in lab.message.lower(), lab.message
    assert "snnlab-upload-" not in lab.message  # the server's file name is not shown
    assert _same(_snapshot(lab), before)
    assert sorted(os.listdir()) == cwd_before
    assert sorted(p.name for p in tmp_path.rglob("*")) == tmp_before
    # the session keeps working: the next slider move runs and clears the message
    lab.weight = 20.0
    assert lab.runs == before[3] + 1 and lab.message == "" and not lab.alert.visible


def test_oversized_upload_is_refused_before_anything_is_written(lab, monkeypatch):
    def no_files(*args, **kw):
        raise AssertionError("a temporary file was made for an oversized upload")

    monkeypatch.setattr(li.tempfile, "mkstemp", no_files)
    assert not lab.load_upload(b"0" * 2001, "big.csv")
    assert "2001 bytes" in lab.message


# ---- Dynap-SE lab ------------------------------------------------------------------------

from snnlab import dynapse as dyn  # noqa: E402
from snnlab.app import _lab_dynapse as ld  # noqa: E402


def test_dynapse_lab_currents_and_times_edit_each_other_and_the_run_reacts():
    lab = ld.DynapseLab(size=8, duration=0.3, input_start=0.05, input_stop=0.25)
    assert lab.message == "", lab.message
    assert lab.record["imem"].shape == (300, 8) and set(ld.RECORDED) <= set(lab.record)
    # the defaults: rockpool's 20 ms, 10 ms, 50 ms, 1 ms
    assert lab.times.tau_mem == pytest.approx(0.02, rel=1e-6)
    assert lab.times.t_ref == pytest.approx(1e-3, rel=1e-6)
    # a time moves its current (and the gain ratio that depends on it) ...
    imem0, runs = lab.record["imem"].copy(), lab.runs
    lab.times.tau_mem = 0.05
    c = lab.chip
    expected = dyn.current_from_tau(0.05, c.C_mem, Ut=c.Ut, kappa_n=c.kappa_n, kappa_p=c.kappa_p)
    assert c.Itau_mem == pytest.approx(expected, rel=1e-9)
    assert lab.times.tau_mem == 0.05  # the edited value is kept as typed
    assert lab.times.r_gain_mem == pytest.approx(c.Igain_mem / c.Itau_mem)
    assert lab.runs == runs + 1 and not np.array_equal(lab.record["imem"], imem0)
    # ... and a current moves its time
    lab.chip.Iref = 1e-10
    assert lab.times.t_ref == pytest.approx(dyn.pulse_width_from_current(1e-10, c.C_ref))
    lab.__panel__()


def test_dynapse_lab_synapses_and_mismatch():
    lab = ld.DynapseLab(
        size=16, duration=0.3, input_start=0.0, input_stop=0.3, mismatch=0.0, input_kind="regular"
    )
    assert np.ptp(lab.rates) == 0  # identical neurons, identical (regular) drive
    base = lab.rates.mean()
    lab.rate_gaba = 150.0  # inhibition slows the population
    assert lab.rates.mean() < base
    assert lab.record["igaba"].max() > lab.record["igaba"][0].max()
    lab.rate_gaba = 0.0
    lab.mismatch = 30.0  # mismatch spreads identical neurons
    assert np.ptp(lab.rates) > 0
    spread = lab.rates.std()
    lab.seed = 1
    assert lab.rates.std() != spread
    lab.input_stop = 0.0  # an empty window (a slider at its end): said, no input, no error
    assert "window is empty" in lab.message and lab.alert.visible
    assert lab.alert.alert_type == "warning" and lab.record["iampa"].max() <= lab.chip.Io
    lab.input_stop = 0.3
    assert lab.message == ""


def test_the_spike_times_field_validates_and_a_corrected_value_clears_its_message():
    lab = li.InputsLab(source="SpikeGenerator", duration=50.0, size=2)
    field = lab.spike_times_field
    gen = lab.generator_params["SpikeGenerator"]
    before, runs = list(gen.spike_times), lab.runs
    for bad in ("abc", "1, nan", "5, 1e12", "-3", "1, 2, five"):
        field.input.value = bad
        assert field.message and field.error.visible, bad
        assert gen.spike_times == before and lab.runs == runs  # nothing changed
    field.input.value = "5, 15, 25"
    assert field.message == "" and not field.error.visible
    assert gen.spike_times == [5.0, 15.0, 25.0] and lab.runs == runs + 1
    assert lab.message == ""
