"""The physical duals of the Dynap-SE lab's bias currents: the time constant, pulse width
or gain ratio each current sets, and back (`_lab_dynapse.py` shows both side by side)."""

from __future__ import annotations

import param

from .. import params as sp
from ..dynapse import (
    current_from_pulse_width,
    current_from_tau,
    pulse_width_from_current,
    tau_from_current,
)

DUALS = {
    # current: (its dual, kind, the capacitance or leak current it is taken with)
    "Itau_mem": ("tau_mem", "tau", "C_mem"),
    "Itau_syn": ("tau_syn", "tau", "C_syn"),
    "Itau_ahp": ("tau_ahp", "tau", "C_ahp"),
    "Iref": ("t_ref", "pulse", "C_ref"),
    "Ipulse": ("t_pulse", "pulse", "C_pulse"),
    "Ipulse_ahp": ("t_pulse_ahp", "pulse", "C_pulse_ahp"),
    "Igain_mem": ("r_gain_mem", "gain", "Itau_mem"),
    "Igain_syn": ("r_gain_syn", "gain", "Itau_syn"),
    "Igain_ahp": ("r_gain_ahp", "gain", "Itau_ahp"),
}
"""Each bias current with a physical dual: (dual name, "tau" | "pulse" | "gain", the
capacitance (F) or, for a gain, the leak current (A) it is computed with)."""


def _time(name: str, default: float, lo: float, hi: float, doc: str):
    return param.Number(
        default,
        bounds=(0.0, None),
        inclusive_bounds=(False, True),
        softbounds=(lo, hi),
        label=f"{name} (s)",
        doc=f"{doc} [s]",
    )


def _ratio(name: str, default: float, doc: str):
    return param.Number(
        default,
        bounds=(0.0, None),
        inclusive_bounds=(False, True),
        softbounds=(0.1, 1000.0),
        label=f"{name} (Igain/Itau)",
        doc=f"{doc} [dimensionless]",
    )


class DynapseTimes(param.Parameterized):
    """The physical duals of the bias currents: times in s, gain ratios dimensionless."""

    tau_mem = _time("tau_mem", 0.02, 1e-4, 1.0, "membrane time constant at rest")
    tau_syn = _time("tau_syn", 0.01, 1e-4, 1.0, "synaptic time constant (all four types)")
    tau_ahp = _time("tau_ahp", 0.05, 1e-3, 10.0, "AHP time constant")
    t_ref = _time("t_ref", 1e-3, 1e-5, 0.1, "refractory period")
    t_pulse = _time("t_pulse", 1e-5, 1e-7, 1e-3, "synaptic pulse width")
    t_pulse_ahp = _time("t_pulse_ahp", 1e-6, 1e-7, 1e-3, "AHP pulse width")
    r_gain_mem = _ratio("r_gain_mem", 4.0, "membrane gain over its leak")
    r_gain_syn = _ratio("r_gain_syn", 100.0, "synaptic gain over its leak")
    r_gain_ahp = _ratio("r_gain_ahp", 1.0, "AHP gain over its leak")


def dual_of(chip: sp.ModelParameters, current: str) -> float:
    """The physical value set by the bias current `current` of a DynapSim Parameterized.

    **Returns:** a time in s (tau currents floored at `Io`, as the emulator does) or, for
    a gain current, its ratio to the leak current (dimensionless).
    """
    _dual, kind, other = DUALS[current]
    value = float(getattr(chip, current))
    if kind == "tau":
        tr = dict(Ut=chip.Ut, kappa_n=chip.kappa_n, kappa_p=chip.kappa_p)
        return float(tau_from_current(max(value, chip.Io), getattr(chip, other), **tr))
    if kind == "pulse":
        return float(pulse_width_from_current(value, getattr(chip, other), Vth=chip.Vth))
    return value / float(getattr(chip, other))


def current_for(chip: sp.ModelParameters, current: str, dual_value: float) -> float:
    """The bias current (A) that gives `current`'s dual the value `dual_value` (s, or a
    ratio for a gain), with the chip's other values as they are."""
    _dual, kind, other = DUALS[current]
    if kind == "tau":
        tr = dict(Ut=chip.Ut, kappa_n=chip.kappa_n, kappa_p=chip.kappa_p)
        return float(current_from_tau(dual_value, getattr(chip, other), **tr))
    if kind == "pulse":
        return float(current_from_pulse_width(dual_value, getattr(chip, other), Vth=chip.Vth))
    return dual_value * float(getattr(chip, other))


__all__ = ["DUALS", "DynapseTimes", "current_for", "dual_of"]
