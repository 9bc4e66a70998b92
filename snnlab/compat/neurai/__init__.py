"""neurai's names on snnlab: port neurai code by changing its import line.

    # from neurai import nn, const
    from snnlab.compat.neurai import nn, const

`nn` holds the 25 classes of `neurai.nn.neuron` (snnlab's models with neurai's extra
arguments and methods), the surrogates, `NormalIniter`, the initializers and
`StaticSynapse` / `One2One` / `All2All` / `FixedProb`; `const` holds `StepMode`,
`ResetType`, `SolverMethodODE` and the short forms `single`, `multi`, `hard`, `soft`.
"""

from . import const, nn

__all__ = ["const", "nn"]
