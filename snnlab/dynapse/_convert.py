r"""Conversions between Dynap-SE bias currents and the times they set.

A DPI low-pass filter with capacitance $C$ and leak (tau) bias current $I_\tau$ has
the time constant

$$\tau = \frac{C\,U_T}{\kappa\,I_\tau}, \qquad \kappa = \frac{\kappa_n + \kappa_p}{2},$$

and a pulse-extender circuit with capacitance $C$ and bias current $I_{pulse}$ holds
its output for

$$t_{pulse} = \frac{V_{th}\,C}{I_{pulse}}.$$

The same pulse formula sets the refractory period from `Iref` and `C_ref`. Every
function here works elementwise on floats or arrays (numpy or JAX) and uses SI units:
amperes, farads, seconds, volts. The transistor defaults are those of `DynapSim`.
"""

from __future__ import annotations

from typing import Any

KAPPA_N = 0.75
KAPPA_P = 0.66
UT = 0.025
VTH = 0.7


def mean_kappa(kappa_n: Any = KAPPA_N, kappa_p: Any = KAPPA_P) -> Any:
    """The subthreshold slope factor used by the time-constant formulas.

    **Arguments:**

    - `kappa_n`: slope factor of the n-type transistors (dimensionless).
    - `kappa_p`: slope factor of the p-type transistors (dimensionless).

    **Returns:**

    `(kappa_n + kappa_p) / 2` (dimensionless); 0.705 for the defaults.
    """
    return (kappa_n + kappa_p) / 2


def tau_from_current(
    I_tau: Any, C: Any, *, Ut: Any = UT, kappa_n: Any = KAPPA_N, kappa_p: Any = KAPPA_P
) -> Any:
    """Time constant of a DPI circuit from its leak bias current.

    **Arguments:**

    - `I_tau`: leak (tau) bias current in A, e.g. `Itau_mem`, `Itau_syn`, `Itau_ahp`.
    - `C`: the circuit's capacitance in F, e.g. `C_mem`, `C_syn`, `C_ahp`.
    - `Ut`: thermal voltage in V.
    - `kappa_n`, `kappa_p`: subthreshold slope factors (dimensionless).

    **Returns:**

    `tau = C * Ut / (kappa * I_tau)` in s, with `kappa = (kappa_n + kappa_p) / 2`.
    For example `tau_from_current(5.319148936170212e-12, 3e-12)` is 0.02 s, the default
    membrane time constant.
    """
    return C * Ut / (mean_kappa(kappa_n, kappa_p) * I_tau)


def current_from_tau(
    tau: Any, C: Any, *, Ut: Any = UT, kappa_n: Any = KAPPA_N, kappa_p: Any = KAPPA_P
) -> Any:
    """Leak bias current that gives a DPI circuit the time constant `tau`.

    The inverse of [`tau_from_current`][].

    **Arguments:**

    - `tau`: time constant in s.
    - `C`: capacitance in F.
    - `Ut`: thermal voltage in V.
    - `kappa_n`, `kappa_p`: subthreshold slope factors (dimensionless).

    **Returns:**

    `I_tau = C * Ut / (kappa * tau)` in A.
    """
    return C * Ut / (mean_kappa(kappa_n, kappa_p) * tau)


def pulse_width_from_current(I_pulse: Any, C: Any, *, Vth: Any = VTH) -> Any:
    """Duration of a pulse-extender output (pulse width or refractory period).

    **Arguments:**

    - `I_pulse`: bias current in A, e.g. `Ipulse`, `Ipulse_ahp`, `Iref`.
    - `C`: the pulse circuit's capacitance in F, e.g. `C_pulse`, `C_pulse_ahp`, `C_ref`.
    - `Vth`: cut-off gate-source voltage of the transistors in V.

    **Returns:**

    `t = Vth * C / I_pulse` in s. For example the defaults `Iref = 1.05e-9`,
    `C_ref = 1.5e-12` give a refractory period of 1 ms.
    """
    return Vth * C / I_pulse


def current_from_pulse_width(t_pulse: Any, C: Any, *, Vth: Any = VTH) -> Any:
    """Bias current that makes a pulse-extender circuit hold for `t_pulse`.

    The inverse of [`pulse_width_from_current`][].

    **Arguments:**

    - `t_pulse`: pulse width or refractory period in s.
    - `C`: capacitance in F.
    - `Vth`: cut-off gate-source voltage in V.

    **Returns:**

    `I_pulse = Vth * C / t_pulse` in A.
    """
    return Vth * C / t_pulse
