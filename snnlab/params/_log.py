"""Number types that tell the widget layer how to show a model parameter.

`ModelNumber` is every derived slider parameter; `LogNumber` one whose values span
decades (e.g. currents 1e-15..1e-8 A). The model layer only marks them; the widget
layer (`snnlab.app.jupyter`) maps them to the apps' slider with a doc tooltip and to a
logarithmic slider, for `pn.Param` and `pn.panel`. Both behave as `param.Number`
everywhere else.
"""

import param


class ModelNumber(param.Number):
    """A model parameter: a `param.Number` whose `doc` the widget shows as a tooltip."""

    __slots__ = []


class LogNumber(ModelNumber):
    """A positive model parameter best set on a log scale."""

    __slots__ = []
