"""neurai's constants (`neurai.const`): step modes, reset types, ODE solvers.

Each value is the string snnlab uses for the same choice, so `const.single` or
`StepMode.SINGLE` can be passed wherever snnlab takes `step_mode="single"`.
"""


class StepMode:
    """Update mode of a stepwise neuron: one step per call or T steps per call."""

    SINGLE = "single"
    MULTI = "multi"


class ResetType:
    """Reset after a spike: to `V_reset` (HARD) or by subtracting the threshold (SOFT)."""

    HARD = "hard"
    SOFT = "soft"


class SolverMethodODE:
    """Integrators of the continuous models (snnlab's `method` names)."""

    EULER = "euler"
    EXP_EULER = "exp_euler"
    RK4 = "rk4"
    RKF45 = "rkf45"


class ComputationType:
    """How SNNSRM sums its kernels (only FORLOOP exists, as in neurai)."""

    FORLOOP = "forloop"


single = StepMode.SINGLE
multi = StepMode.MULTI
hard = ResetType.HARD
soft = ResetType.SOFT


def as_name(value):
    """A neurai constant (an enum member or string) as snnlab's lower-case string."""
    if value is None or isinstance(value, str):
        return None if value is None else value.lower()
    name = getattr(value, "value", None) or getattr(value, "name", None) or str(value)
    return str(name).rsplit(".", 1)[-1].lower()
