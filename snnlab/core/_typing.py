"""Shape aliases shared by the engines and the models.

The state of a population of ``N`` neurons with ``S`` state variables is an
array of shape ``(N, S)``; its columns are named by the model's
``state_names``.
"""

from typing import Any, TypeAlias

from jaxtyping import Array, ArrayLike, Bool, Float, Int

State: TypeAlias = Float[Array, "neurons states"]
PerNeuron: TypeAlias = Float[Array, " neurons"]
SpikeMask: TypeAlias = Bool[Array, " neurons"]
Scalar: TypeAlias = Float[ArrayLike, ""]
Index: TypeAlias = Int[Array, ""]
Args: TypeAlias = dict[str, Any]

__all__ = ["Array", "ArrayLike", "State", "PerNeuron", "SpikeMask", "Scalar", "Index", "Args"]
