"""neurai's `nn` names (`neurai.nn.neuron` and the pieces its examples use).

    # from neurai import nn, const             becomes
    from snnlab.compat.neurai import nn, const
    lif = nn.ExpLIF(size=10, tau=10, R=0.04, V_rest=-70, V_th=-55, I_e=400, tau_syn=2.0)

Every class is snnlab's model of the same name (units: ms, mV, pA, nS, pF, GOhm;
stepwise potentials unitless) with neurai's extra arguments and methods (see
`snnlab.compat.neurai._wrap`). `StaticSynapse` with `One2One` / `All2All` /
`FixedProb` builds an `snnlab.Connection`; `StaticSynapse.run` simulates its target.
"""

from __future__ import annotations

import equinox as eqx
import numpy as np

from ... import generators as _g
from ... import neurons as _n
from ...core import AbstractGenerator, AbstractNeuronModel, Connection, simulate
from ...neurons import (
    AbstractStepwiseNeuron,
    Arctan,
    Constant,
    FromArray,
    MultiGaussian,
    Normal,
    NormalIniter,
    Rectangular,
    Sigmoid,
    SuperSpike,
    Uniform,
)
from ._wrap import wrap

Neuron = AbstractNeuronModel
"""neurai's neuron base class: snnlab's `AbstractNeuronModel` (continuous time)."""
StepwiseNeuron = AbstractStepwiseNeuron
"""neurai's discrete-time base class: snnlab's `AbstractStepwiseNeuron`."""
Generator = AbstractGenerator
"""neurai's generator base class: snnlab's `AbstractGenerator`."""

LIF = wrap(_n.LIF)
ExpLIF = wrap(_n.ExpLIF)
Izhikevich = wrap(_n.Izhikevich)
HH = wrap(_n.HH)
HHPSC = wrap(_n.HHPSC)
GLIF3 = wrap(_n.GLIF3)
GLIF3PSC = wrap(_n.GLIF3PSC)

SNNIF = wrap(_n.SNNIF)
SNNLIF = wrap(_n.SNNLIF)
SparseLIF = wrap(_n.SparseLIF)
SNNEIF = wrap(_n.SNNEIF)
SNNQIF = wrap(_n.SNNQIF)
SNNKLIF = wrap(_n.SNNKLIF)
SNNParamtricLIF = wrap(_n.SNNParamtricLIF)
SNNALIF = wrap(_n.SNNALIF)
SNNSRM = wrap(_n.SNNSRM)

DCGenerator = wrap(_g.DCGenerator, True)
PoissonGenerator = wrap(_g.PoissonGenerator, False)
BernoulliGenerator = wrap(_g.BernoulliGenerator, True)
SpikeGenerator = wrap(_g.SpikeGenerator, True)
CustomGenerator = wrap(_g.CustomGenerator, False)
InputTransmitter = wrap(_g.InputTransmitter, False)


class One2One:
    """neurai's one-to-one connectivity (`conn="one_to_one"`)."""

    rule = "one_to_one"


class All2All:
    """neurai's all-to-all connectivity (`conn="all_to_all"`)."""

    rule = "all_to_all"


class FixedProb:
    """Each pair connected with probability `prob` (snnlab's `conn=prob`)."""

    def __init__(self, prob: float):
        self.rule = float(prob)


class StaticSynapse(eqx.Module):
    """A fixed-weight projection from a generator `pre` onto a population `post`.

    **Arguments:** `pre` (a generator), `post` (a neuron model), `conn` (`One2One()`,
    `All2All()`, `FixedProb(p)` or snnlab's rule), `weight` (jump of the target's input
    variable per spike: mV or pA, see `snnlab.Connection`), `receptor` (which synaptic
    current of `post` it feeds when `post` has a `tau_syn` list; default 0).

    The delay is `post`'s `dendritic_delay` in steps (SEED-NOTES decision 14); it
    becomes `delay * dt` ms when the step `dt` is known (`connection(dt)`, `run`).
    """

    pre: AbstractGenerator
    post: eqx.Module
    rule: object = eqx.field(static=True)
    weight: object
    receptor: int = eqx.field(static=True, default=0)

    def __init__(self, pre, post, conn=None, weight=1.0, receptor=0, **kwargs):
        del kwargs  # neurai's name / parent / frozen_params
        self.pre = pre
        self.post = post
        self.rule = getattr(conn, "rule", conn) or "one_to_one"
        self.weight = weight
        self.receptor = receptor

    def delay_steps(self) -> int:
        """The dendritic delay of `post` in steps (one value: snnlab's delays are per
        connection)."""
        d = np.unique(np.asarray(getattr(self.post, "dendritic_delay", 0)))
        if d.size != 1:
            raise ValueError("StaticSynapse: snnlab needs one dendritic_delay per population.")
        return int(d[0])

    def connection(self, dt: float = 0.1) -> Connection:
        """The `snnlab.Connection` for a step of `dt` ms."""
        return Connection(
            self.pre, self.weight, self.rule, delay=self.delay_steps() * dt, receptor=self.receptor
        )

    def run(self, duration: float, dt: float = 0.1, **kwargs):
        """`snnlab.simulate(post, [connection(dt)], duration=..., dt=...)`: a `Result`."""
        return simulate(self.post, [self.connection(dt)], duration=duration, dt=dt, **kwargs)


__all__ = [
    "All2All",
    "Arctan",
    "BernoulliGenerator",
    "Constant",
    "CustomGenerator",
    "DCGenerator",
    "ExpLIF",
    "FixedProb",
    "FromArray",
    "GLIF3",
    "GLIF3PSC",
    "Generator",
    "HH",
    "HHPSC",
    "InputTransmitter",
    "Izhikevich",
    "LIF",
    "MultiGaussian",
    "Neuron",
    "Normal",
    "NormalIniter",
    "One2One",
    "PoissonGenerator",
    "Rectangular",
    "SNNALIF",
    "SNNEIF",
    "SNNIF",
    "SNNKLIF",
    "SNNLIF",
    "SNNParamtricLIF",
    "SNNQIF",
    "SNNSRM",
    "Sigmoid",
    "SparseLIF",
    "SpikeGenerator",
    "StaticSynapse",
    "StepwiseNeuron",
    "SuperSpike",
    "Uniform",
]
