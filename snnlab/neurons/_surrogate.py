r"""Surrogate gradients: a spike nonlinearity that is a step forward and smooth backward.

A spiking neuron emits $s = \Theta(H - V_{th})$. The derivative of the Heaviside step
$\Theta$ is zero almost everywhere, so gradient descent through it learns nothing. A
surrogate keeps the exact step in the forward pass and replaces $\Theta'(x)$ by a narrow
pulse $\sigma'(x)$ in the backward pass (the "straight-through" estimator). Each surrogate
below is an `equinox.Module` whose width parameters are array leaves (a new value never
recompiles) and which exposes its pulse through `shape()` for plotting.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp

from ..core import check_parameters, param_specs, parameter
from ..core._spike import spike_fn


class AbstractSurrogate(eqx.Module):
    r"""A straight-through spike function with the surrogate derivative $\sigma'(x)$.

    Calling the object on $x = H - V_{th}$ returns $\Theta(x)$; differentiating the call
    gives $\sigma'(x)\,\dot x$. Subclasses implement `derivative` only.
    """

    def __check_init__(self):
        check_parameters(self, None)

    def derivative(self, x: jax.Array) -> jax.Array:
        r"""The surrogate derivative $\sigma'(x)$ used in the backward pass.

        **Arguments:**

        - `x`: distance to threshold (dimensionless, in units of the membrane variable).

        **Returns:**

        An array of the shape of `x`.
        """
        raise NotImplementedError

    def __call__(self, x: jax.Array) -> jax.Array:
        """Spikes $\\Theta(x)$ with this object's surrogate derivative."""
        return spike_fn(x, self)

    def shape(self, x: jax.Array | None = None) -> tuple[jax.Array, jax.Array]:
        r"""The surrogate pulse on a grid, for plotting.

        **Arguments:**

        - `x`: the grid; default 401 points on $[-2, 2]$.

        **Returns:**

        `(x, derivative(x))`.
        """
        if x is None:
            x = jnp.linspace(-2.0, 2.0, 401)
        x = jnp.asarray(x, dtype=jnp.result_type(float))
        return x, self.derivative(x)

    @classmethod
    def parameter_specs(cls):
        """The declared width parameters and their metadata."""
        return param_specs(cls)


_WIDTH = dict(bounds=(0.0, None), inclusive=(False, True), log=True)


class Sigmoid(AbstractSurrogate):
    r"""Derivative of a steep logistic function.

    $$\sigma'(x) = \alpha\, \mathrm{sig}(\alpha x)\,(1 - \mathrm{sig}(\alpha x)),
      \qquad \mathrm{sig}(u) = 1/(1 + e^{-u})$$

    Integrates to 1; peak $\alpha/4$ at $x = 0$. `alpha` is dimensionless (per unit of
    the membrane variable).
    """

    alpha: jax.Array = parameter(
        4.0, unit="", doc="steepness of the logistic function", slider=(0.5, 50.0), **_WIDTH
    )

    def derivative(self, x):
        s = jax.nn.sigmoid(self.alpha * x)
        return self.alpha * s * (1.0 - s)


class SuperSpike(AbstractSurrogate):
    r"""The fast-sigmoid derivative of SuperSpike (Zenke & Ganguli 2018).

    $$\sigma'(x) = \frac{1}{(\alpha |x| + 1)^2}$$

    Peak 1 at $x = 0$, integral $2/\alpha$. jaxsnn's encoders use $\alpha = 80$.
    """

    alpha: jax.Array = parameter(
        100.0, unit="", doc="inverse width of the fast sigmoid", slider=(1.0, 500.0), **_WIDTH
    )

    def derivative(self, x):
        return 1.0 / (self.alpha * jnp.abs(x) + 1.0) ** 2


class Rectangular(AbstractSurrogate):
    r"""A box of width $a$ and height $1/a$ (SLAYER's default for the SRM neuron).

    $$\sigma'(x) = \frac{1}{a}\,[\,|x| < a/2\,]$$

    Integrates to 1.
    """

    a: jax.Array = parameter(
        1.0, unit="", doc="width of the box around the threshold", slider=(0.05, 5.0), **_WIDTH
    )

    def derivative(self, x):
        return jnp.where(jnp.abs(x) < 0.5 * self.a, 1.0 / self.a, 0.0).astype(
            jnp.result_type(x, float)
        )


def _gauss(x, mu, sigma):
    return jnp.exp(-((x - mu) ** 2) / (2.0 * sigma**2)) / (math.sqrt(2.0 * math.pi) * sigma)


class MultiGaussian(AbstractSurrogate):
    r"""The multi-Gaussian of Yin, Corradi & Bohté (2021), the default of SNNALIF.

    $$\sigma'(x) = \gamma\left[(1 + h)\,\mathcal N(x; 0, \ell)
      - h\,\mathcal N(x; \ell, s\ell) - h\,\mathcal N(x; -\ell, s\ell)\right]$$

    with $\mathcal N(x; \mu, \sigma)$ the normal density. The two negative side lobes push
    the potential away from the threshold region. Defaults are the paper's
    ($\ell = 0.5$, $s = 6$, $h = 0.15$, $\gamma = 0.5$).
    """

    lens: jax.Array = parameter(
        0.5, unit="", doc="width of the central Gaussian", slider=(0.05, 2.0), **_WIDTH
    )
    scale: jax.Array = parameter(
        6.0, unit="", doc="side-lobe width over centre width", slider=(1.0, 20.0), **_WIDTH
    )
    hight: jax.Array = parameter(
        0.15,
        unit="",
        doc="relative depth of the negative side lobes",
        bounds=(0.0, None),
        slider=(0.0, 1.0),
    )
    gamma: jax.Array = parameter(0.5, unit="", doc="overall gain", slider=(0.05, 2.0), **_WIDTH)

    def derivative(self, x):
        side = self.scale * self.lens
        centre = (1.0 + self.hight) * _gauss(x, 0.0, self.lens)
        lobes = self.hight * (_gauss(x, self.lens, side) + _gauss(x, -self.lens, side))
        return self.gamma * (centre - lobes)


class Arctan(AbstractSurrogate):
    r"""Derivative of a scaled arctangent (SpikingJelly's `ATan`).

    $$\sigma'(x) = \frac{\alpha/2}{1 + (\tfrac{\pi}{2}\alpha x)^2}$$

    Integrates to 1; heavier tails than `Sigmoid`.
    """

    alpha: jax.Array = parameter(
        2.0, unit="", doc="steepness of the arctangent", slider=(0.5, 20.0), **_WIDTH
    )

    def derivative(self, x):
        return 0.5 * self.alpha / (1.0 + (0.5 * math.pi * self.alpha * x) ** 2)


class GatedSurrogate(AbstractSurrogate):
    r"""Another surrogate, switched off below a cut (sparse gradient descent).

    $$\sigma'(x) = \sigma'_{inner}(x)\,[\,x > x_{cut}\,]$$

    Used by `SparseLIF`: only neurons whose potential lies above the backward threshold
    `BV_th` (i.e. $x_{cut} = BV_{th} - V_{th}$) pass a gradient (Perez-Nieves & Goodman
    2021).
    """

    inner: AbstractSurrogate
    cut: jax.Array = parameter(
        -0.2, unit="", doc="distance to threshold below which no gradient flows"
    )

    def derivative(self, x):
        return jnp.where(x > self.cut, self.inner.derivative(x), 0.0)


SURROGATES: dict[str, type[AbstractSurrogate]] = {
    "Sigmoid": Sigmoid,
    "SuperSpike": SuperSpike,
    "Rectangular": Rectangular,
    "MultiGaussian": MultiGaussian,
    "Arctan": Arctan,
}
"""The surrogates an app may offer, by name."""
