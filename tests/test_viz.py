"""Views rendered to Bokeh without a browser: read the data sources."""

import holoviews as hv
import numpy as np
import pytest
from bokeh.models import GlyphRenderer, Span

import snnlab
import snnlab.viz as sv
from snnlab.core import Result
from snnlab.neurons import LIF, Izhikevich

hv.extension("bokeh", logo=False)


@pytest.fixture(scope="module")
def lif_res():
    return snnlab.simulate(LIF(I_e=500.0), duration=200.0, dt=0.1)


def _sources(fig):
    return [r.data_source for r in fig.renderers if isinstance(r, GlyphRenderer)]


def _synthetic(n_spikes, n_neurons=1000, duration=1000.0, seed=0):
    rng = np.random.default_rng(seed)
    times = np.sort(rng.uniform(0, duration, n_spikes))
    ids = rng.integers(0, n_neurons, n_spikes)
    t = np.arange(1, 11) * duration / 10
    return Result(
        t=t,
        spikes=np.zeros((10, n_neurons), bool),
        spike_times=times,
        spike_ids=ids,
        traces={"V": np.zeros((10, n_neurons))},
        units={"V": "mV"},
        dt=duration / 10,
        duration=duration,
    )


def test_voltage_has_units_threshold_and_spike_marks(lif_res):
    fig = hv.render(sv.voltage(lif_res, threshold=-55.0))
    assert fig.xaxis[0].axis_label == "t (ms)"
    assert fig.yaxis[0].axis_label == "V (mV)"
    spans = [r for r in fig.renderers + fig.center if isinstance(r, Span)]
    assert spans and spans[0].location == -55.0
    sizes = sorted(len(s.data[next(iter(s.data))]) for s in _sources(fig))
    assert len(lif_res.t) in sizes and len(lif_res.spike_times) in sizes


def test_decimation_keeps_extremes():
    t = np.arange(100_000) * 0.01
    v = np.sin(t)
    v[54_321] = 40.0
    td, vd = sv.decimate(t, v, 2000)
    assert len(td) <= 2100 and vd.max() == 40.0 and vd.min() == v.min()
    assert np.all(np.diff(td) >= 0)


def test_raster_small_is_marks_large_is_image():
    small = _synthetic(500)
    el = sv.raster(small)
    assert len(el.Points.I) == 500
    big = _synthetic(200_000)
    el = sv.raster(big)
    assert len(el.Points.I) == 0
    img = el.Image.I.dimension_values(2, flat=False)
    assert np.nansum(img) == 200_000
    fig = hv.render(el)
    # what goes to the browser is one image of counts, not 2e5 glyphs
    total = sum(np.size(v) for s in _sources(fig) for v in s.data.values())
    assert total < 1_000_000


def test_histograms(lif_res):
    rates = sv.rate_histogram(lif_res)
    assert rates.dimension_values(1).sum() == lif_res.n_neurons
    isi = sv.isi_histogram(lif_res)
    assert isi.dimension_values(1).sum() == len(lif_res.spike_times) - 1
    np.testing.assert_allclose(sv.inter_spike_intervals(lif_res), lif_res.isi(0))
    hv.render(rates + isi)


def test_phase_plane_fixed_points_match_closed_form():
    # Izhikevich with I=0: v' = 0.04 v^2 + 5 v + 140 - u, u' = a (b v - u): fixed points at
    # 0.04 v^2 + 4.8 v + 140 = 0, i.e. v = -70 (stable) and v = -50 (saddle), u = b v.
    model = Izhikevich()
    pp = sv.phase_plane(model, "V", "u", xlim=(-90.0, 40.0), ylim=(-20.0, 20.0))
    # J = [[0.08 v + 5, -1], [a b, -a]]: at -70 trace -0.62, det 0.016, trace^2 > 4 det (node)
    pts = pp.Points.Fixed_points
    found = sorted(zip(pts.dimension_values("V"), pts.dimension_values("kind"), strict=False))
    assert [s for _, s in found] == ["stable node", "saddle"]
    np.testing.assert_allclose([v for v, _ in found], [-70.0, -50.0], atol=1e-3)
    fig = hv.render(pp)
    assert fig.xaxis[0].axis_label == "V (mV)"


def test_phase_plane_draws_what_analysis_returns():
    from snnlab import analysis

    model = Izhikevich()
    box = dict(xlim=(-90.0, 40.0), ylim=(-20.0, 20.0))
    pp = sv.phase_plane(model, "V", "u", resolution=60, **box)
    nc = analysis.nullclines(model, "V", "u", n=60, others="fixed", **box)
    v_null = [e for e in pp if isinstance(e, hv.Path) and e.label == "dV/dt = 0"]
    drawn = v_null[0].split()  # the V-nullcline's branches
    assert len(drawn) == len(nc.x)
    for path, line in zip(drawn, nc.x, strict=True):
        np.testing.assert_array_equal(path.array([0, 1]), line)
    assert sv.classify is analysis.classify


def test_phase_plane_one_state_and_trajectory(lif_res):
    pp = sv.phase_plane(LIF(I_e=100.0), res=lif_res, current=0.0)
    v0 = pp.Points.Fixed_points.dimension_values(0)
    np.testing.assert_allclose(v0, [-66.0], atol=0.05)  # V_rest + R I_e
    hv.render(pp)


def test_pipe_replaces_data_and_axes_follow(lif_res):
    dmap, pipe = sv.live(sv.voltage, threshold=-55.0)
    plot = hv.renderer("bokeh").get_plot(dmap)
    pipe.send(lif_res)
    src = max(_sources(plot.state), key=lambda s: len(s.data.get("t", [])))
    before = np.array(src.data["V"], copy=True)
    res2 = snnlab.simulate(LIF(I_e=900.0), duration=400.0, dt=0.1)
    pipe.send(res2)
    after = np.asarray(src.data["V"])
    assert len(after) == len(res2.t) and not np.array_equal(before[:100], after[:100])
    assert plot.state.x_range.end >= 399.0


def test_buffer_appends_chunks(lif_res):
    trace, spikes = sv.scope_buffers(length=5000)
    plot = hv.renderer("bokeh").get_plot(sv.oscilloscope(trace, spikes))
    for k in range(3):
        rows, marks = sv.scope_chunk(lif_res, 200.0 * k, level=-55.0)
        trace.send(rows)
        spikes.send(marks)
    assert len(trace.data["t"]) == 5000  # the oldest rows scrolled out
    assert trace.data["t"][-1] == pytest.approx(600.0)
    sources = _sources(plot.state)
    assert any(len(s.data.get("t", [])) == 5000 for s in sources)
