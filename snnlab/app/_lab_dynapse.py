r"""Dynap-SE lab: bias currents and the times they set, four synapses, mismatch.

The emulator (`snnlab.dynapse.DynapSim`) is driven by bias currents (A). Beside each
current that sets a time, the lab shows that time, and either can be moved:

- a DPI leak current sets a time constant, $\tau = C U_T / (\kappa I_\tau)$
  (`Itau_mem` -> `tau_mem`, `Itau_syn` -> `tau_syn`, `Itau_ahp` -> `tau_ahp`);
- a pulse-extender current sets a duration, $t = V_{th} C / I$ (`Iref` -> `t_ref`,
  the refractory period; `Ipulse` -> `t_pulse`, `Ipulse_ahp` -> `t_pulse_ahp`);
- a gain current is read as its ratio to the leak current of the same block,
  $r = I_{gain} / I_\tau$ (dimensionless).

Input spike trains (Poisson or regular, Hz) reach the four synapse types AMPA, GABA,
NMDA and SHUNT of every neuron; device mismatch (3-sigma %, rockpool's) spreads a
population of identical neurons, seen in the raster and the rate histogram.
"""

from __future__ import annotations

import jax
import numpy as np
import panel as pn
import param

from .. import params as sp
from ..core import Result
from ..dynapse import (
    SYNAPSES,
)
from ._lab_common import Lab, slider_box
from ._lab_dynapse_duals import DUALS, DynapseTimes, current_for, dual_of
from ._lab_dynapse_views import (
    ahp_view,
    imem_view,
    population_views,
    synapse_view,
    vmem_view,
)
from ._widgets import fast, number_widget

OTHER_CURRENTS = ("Idc", "Iw_ahp", "If_nmda", "Ispkthr", "Iscale")
"""Bias currents without a dual (A)."""

CONSTANTS = (
    "C_mem", "C_syn", "C_ahp", "C_ref", "C_pulse", "C_pulse_ahp",
    "Io", "kappa_n", "kappa_p", "Ut", "Vth",
)  # fmt: skip
"""Capacitances (F), the dark current (A) and transistor constants."""

RECORDED = ("imem", "vmem", "iampa", "igaba", "inmda", "ishunt", "iahp")


def input_trains(
    kind: str,
    rates,
    weights,
    n_neurons: int,
    n_steps: int,
    dt: float,
    window: tuple[float, float],
    seed: int,
) -> np.ndarray:
    """Input spike counts times weights for the four synapses, `(n_steps, n_neurons, 4)`.

    **Arguments:**

    - `kind`: "poisson" (independent per neuron and synapse) or "regular" (every neuron
      at the same times, the first at the window's start).
    - `rates`: per synapse type (AMPA, GABA, NMDA, SHUNT), Hz.
    - `weights`: per synapse type, in units of `Iscale` (dimensionless).
    - `dt`: step in s; `window`: (start, stop) in s; `seed`: of the Poisson draw.
    """
    t = np.arange(n_steps) * dt
    on = (t >= window[0]) & (t < window[1])
    x = np.zeros((n_steps, n_neurons, 4))
    rng = np.random.default_rng(seed)
    for syn, (rate, w) in enumerate(zip(rates, weights, strict=True)):
        if rate <= 0 or w == 0:
            continue
        if kind == "poisson":
            train = rng.random((n_steps, n_neurons)) < rate * dt
        else:
            period = max(int(round(1.0 / (rate * dt))), 1)
            k = np.arange(n_steps) - int(np.ceil(window[0] / dt - 1e-9))
            train = np.broadcast_to(((k >= 0) & (k % period == 0))[:, None], (n_steps, n_neurons))
        x[..., syn] = (train & on[:, None]) * w
    return x


class DynapseLab(Lab):
    """The Dynap-SE emulator: bias currents and their times, four synapses, mismatch.

    **Parameters:** `size` (neurons), `mismatch` (3-sigma device mismatch, %), `seed`
    (of the mismatch and of Poisson inputs), `duration` (s), `neuron` (the one whose
    traces are drawn), `input_kind` ("poisson" or "regular"), `rate_<syn>` (Hz) and
    `w_<syn>` (units of `Iscale`) for syn in ampa, gaba, nmda, shunt, `input_start`,
    `input_stop` (s).

    `chip` holds the emulator's values (a `snnlab.params.DynapSim`: currents in A,
    capacitances in F, `Ut`/`Vth` in V, `dt` in s); `times` their duals
    (`DynapseTimes`). Editing either updates the other. After a run: `spikes` (steps,
    neurons), `record` (numpy arrays as `DynapSim.evolve` records them), `result` (a
    `snnlab.Result`, times in ms) and `rates` (Hz). The plots are `_live.LiveView`s built
    once (`imem_view`, `vmem_view`, `syn_view`, `ahp_view`, `raster_view`, `rates_view`);
    a run sends them new columns only.
    """

    size = param.Integer(32, bounds=(4, 64), label="neurons (count)", doc="population size")
    mismatch = param.Number(
        10.0, bounds=(0.0, 50.0), step=1.0, label="mismatch (3 sigma, %)",
        doc="device mismatch: each parameter varies by this much (3 sigma) per neuron",
    )  # fmt: skip
    seed = param.Integer(
        0, bounds=(0, 100), label="seed (integer)", doc="seed of mismatch and inputs"
    )
    duration = param.Number(
        0.5, bounds=(0.1, 2.0), step=0.1, label="duration (s)", doc="simulated time (s)"
    )
    neuron = param.Integer(
        0, bounds=(0, 63), label="neuron shown (index)", doc="index of the neuron"
    )
    input_kind = param.Selector(
        default="poisson", objects=["poisson", "regular"], doc="input spike trains"
    )
    rate_ampa = param.Number(60.0, bounds=(0.0, 300.0), step=5.0, label="AMPA rate (Hz)")
    rate_gaba = param.Number(0.0, bounds=(0.0, 300.0), step=5.0, label="GABA rate (Hz)")
    rate_nmda = param.Number(0.0, bounds=(0.0, 300.0), step=5.0, label="NMDA rate (Hz)")
    rate_shunt = param.Number(0.0, bounds=(0.0, 300.0), step=5.0, label="SHUNT rate (Hz)")
    w_ampa = param.Number(1.0, bounds=(0.0, 10.0), step=0.1, label="AMPA weight (x Iscale)")
    w_gaba = param.Number(1.0, bounds=(0.0, 10.0), step=0.1, label="GABA weight (x Iscale)")
    w_nmda = param.Number(1.0, bounds=(0.0, 10.0), step=0.1, label="NMDA weight (x Iscale)")
    w_shunt = param.Number(1.0, bounds=(0.0, 10.0), step=0.1, label="SHUNT weight (x Iscale)")
    input_start = param.Number(0.1, bounds=(0.0, 2.0), step=0.01, label="input start (s)")
    input_stop = param.Number(0.4, bounds=(0.0, 2.0), step=0.01, label="input stop (s)")

    def __init__(self, **params):
        super().__init__(**params)
        self._suspended += 1
        self.chip = sp.registry()["DynapSim"](Idc=1e-10)
        self.times = DynapseTimes()
        self._editing: str | None = None
        self._refresh_times()
        self.spikes = self.record = self.result = self.rates = None
        self.imem_view, self.vmem_view = imem_view(), vmem_view()
        self.syn_view, self.ahp_view = synapse_view(), ahp_view()
        self.raster_view, self.rates_view = population_views()
        self.readout = pn.pane.Markdown("", sizing_mode="stretch_width")
        self.chip.param.watch(self._chip_changed, list(self.chip.slider_names()))
        self.times.param.watch(self._time_changed, [d for d, _k, _o in DUALS.values()])
        names = [n for n in self.param if n not in ("name", "message")]
        self.param.watch(self.request_run, names)
        self._suspended -= 1
        self.request_run()

    # ---- currents <-> times ------------------------------------------------------------

    def _refresh_times(self):
        values = {}
        for current, (dual, _kind, _other) in DUALS.items():
            if dual != self._editing:
                values[dual] = dual_of(self.chip, current)
        self.times.param.update(**values)

    def _chip_changed(self, *events):
        self._refresh_times()
        self.request_run()

    def _time_changed(self, *events):
        if self._editing is not None:
            return
        by_dual = {d: c for c, (d, _k, _o) in DUALS.items()}
        for event in events:
            self._editing = event.name
            try:
                current = by_dual[event.name]
                setattr(self.chip, current, current_for(self.chip, current, event.new))
            except ValueError as err:
                self.show(f"{event.name} = {event.new:g}: {err}", "danger")
            finally:
                self._editing = None

    # ---- running -----------------------------------------------------------------------

    def sync_settings(self) -> None:
        """The emulator's population has the lab's size."""
        self.chip.size = int(self.size)

    def run_key(self):
        """Shapes: neurons and steps (the emulator's `dt` is fixed)."""
        return ("DynapseLab", int(self.size), float(self.duration), float(self.chip.dt))

    def work(self) -> dict:
        """Build the population, drive its four synapses, run the emulator (no pane).

        **Returns:** what `present` shows: the result, records, rates and notes.
        """
        n = int(self.size)
        notes = []
        if self.input_stop <= self.input_start:  # an empty window: no input, said so
            notes.append(
                f"The input window is empty (stop {self.input_stop:g} s is not after start "
                f"{self.input_start:g} s): no input spikes."
            )
        mismatch = float(self.mismatch) / 100.0
        extra = dict(percent_mismatch=mismatch, rng_key=jax.random.PRNGKey(int(self.seed)))
        model = self.chip.to_model(**(extra if mismatch > 0 else {}))
        dt = float(self.chip.dt)
        n_steps = max(int(round(self.duration / dt)), 1)
        rates = (self.rate_ampa, self.rate_gaba, self.rate_nmda, self.rate_shunt)
        weights = (self.w_ampa, self.w_gaba, self.w_nmda, self.w_shunt)
        window = (float(self.input_start), float(self.input_stop))
        x = input_trains(self.input_kind, rates, weights, n, n_steps, dt, window, self.seed)
        spikes, _state, record = model.evolve(x, record=True)
        spikes = np.asarray(spikes)
        record = {k: np.asarray(record[k]) for k in RECORDED}
        if not all(np.all(np.isfinite(v)) for v in record.values()):
            raise ValueError("The emulator's state became NaN or inf: move the last slider back.")
        t_ms = np.arange(1, n_steps + 1) * dt * 1e3
        steps, ids = np.nonzero(spikes)
        result = Result(
            t=t_ms,
            spikes=spikes > 0,
            spike_times=t_ms[steps],
            spike_ids=ids,
            traces={"imem": record["imem"]},
            units={"imem": "A"},
            dt=dt * 1e3,
            duration=n_steps * dt * 1e3,
        )
        k = min(int(self.neuron), n - 1)
        if k != int(self.neuron):
            notes.append(f"There are {n} neurons: showing neuron {k}.")
        return dict(
            n=n, k=k, t_ms=t_ms, spikes=spikes, record=record, result=result,
            rates=spikes.sum(axis=0) / (n_steps * dt),
            thr=float(np.ravel(model.Ispkthr)[k]), mismatch=float(self.mismatch), notes=notes,
        )  # fmt: skip

    def present(self, out: dict) -> str:
        """Send `work`'s result to the plots and the readout."""
        self.spikes, self.record, self.result = out["spikes"], out["record"], out["result"]
        self.rates = r = out["rates"]
        k, t_ms, record = out["k"], out["t_ms"], out["record"]
        one = {key: record[key][:, k] for key in RECORDED}
        self.imem_view.show({"t": t_ms, "imem": one["imem"], "thr": out["thr"]})
        self.vmem_view.show({"t": t_ms, "vmem": one["vmem"]})
        self.syn_view.show({"t": t_ms, **one})
        self.ahp_view.show({"t": t_ms, "iahp": one["iahp"]})
        self.raster_view.show(self.result)
        self.rates_view.show(self.result)
        cv = r.std() / r.mean() if r.mean() > 0 else float("nan")
        tc = self.times
        self.readout.object = (
            f"**{out['n']} neurons, mismatch {out['mismatch']:g} %**: rate {r.mean():.1f} +- "
            f"{r.std():.1f} Hz (CV {cv:.2f}), {int((r == 0).sum())} silent; "
            f"neuron {k}: {r[k]:.1f} Hz  \n"
            f"tau_mem {tc.tau_mem * 1e3:.3g} ms, tau_syn {tc.tau_syn * 1e3:.3g} ms, "
            f"tau_ahp {tc.tau_ahp * 1e3:.3g} ms, t_ref {tc.t_ref * 1e3:.3g} ms, "
            f"t_pulse {tc.t_pulse * 1e6:.3g} us (nominal, before mismatch)"
        )
        return " ".join(out["notes"])

    # ---- layout ------------------------------------------------------------------------

    def __panel__(self):
        def w(name, cls=pn.widgets.FloatSlider):
            return fast(cls.from_param(self.param[name], sizing_mode="stretch_width"))

        self.current_sliders: dict[str, pn.widgets.Widget] = {}
        self.time_sliders: dict[str, pn.widgets.Widget] = {}
        pairs = pn.Column(sizing_mode="stretch_width")
        for current, (dual, _kind, _other) in DUALS.items():
            row_i, s_i = number_widget(self.chip, current, log=True)
            row_t, s_t = number_widget(self.times, dual, log=True)
            self.current_sliders[current], self.time_sliders[dual] = s_i, s_t
            pairs.append(pn.Row(row_i, row_t, sizing_mode="stretch_width"))
        others, sliders = slider_box(self.chip, names=OTHER_CURRENTS)
        self.current_sliders.update(sliders)
        constants, _ = slider_box(self.chip, names=CONSTANTS)
        inputs = pn.Column(
            pn.widgets.RadioButtonGroup.from_param(self.param.input_kind),
            *[
                pn.Row(w(f"rate_{s.lower()}"), w(f"w_{s.lower()}"), sizing_mode="stretch_width")
                for s in SYNAPSES
            ],
            pn.Row(w("input_start"), w("input_stop"), sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
        )
        sidebar = pn.Column(
            pn.pane.Markdown("### Dynap-SE emulator"),
            pn.Row(w("size", pn.widgets.IntSlider), w("neuron", pn.widgets.IntSlider)),
            pn.Row(w("mismatch"), w("seed", pn.widgets.IntSlider)),
            w("duration"),
            pn.pane.Markdown("#### Inputs on the four synapses"),
            inputs,
            pn.pane.Markdown("#### Bias currents (A) and the times they set"),
            pairs,
            others,
            pn.Card(constants, title="capacitances and transistor constants", collapsed=True),
            width=440,
            scroll=True,
        )
        main = pn.Column(
            self.alert,
            self.readout,
            self.imem_view.pane,
            self.vmem_view.pane,
            self.syn_view.pane,
            self.ahp_view.pane,
            pn.Row(self.raster_view.pane, self.rates_view.pane, sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
        )
        return pn.Row(sidebar, main, sizing_mode="stretch_width")


__all__ = [
    "CONSTANTS",
    "DUALS",
    "DynapseLab",
    "DynapseTimes",
    "OTHER_CURRENTS",
    "current_for",
    "dual_of",
    "input_trains",
]
