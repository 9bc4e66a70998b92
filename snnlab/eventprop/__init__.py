"""Exact gradients of spike times of an event-based LIF layer (EventProp).

Units as in jaxsnn: seconds, unitless voltages.

    params = snnlab.eventprop.LIFParameters(tau_syn=5e-3, tau_mem=1e-2, v_th=0.6)
    t = snnlab.eventprop.first_spike_times(weights, input_times, input_idx, params,
                                           t_max=0.05)
    g = jax.grad(lambda w: loss(snnlab.eventprop.first_spike_times(w, ...)))(weights)
"""

from ._lif import (
    LIFParameters,
    Spikes,
    adjoint_propagator,
    first_spike_times,
    first_times,
    lif_flow,
    lif_layer,
    lif_layer_reference,
)

__all__ = [
    "LIFParameters",
    "Spikes",
    "adjoint_propagator",
    "first_spike_times",
    "first_times",
    "lif_flow",
    "lif_layer",
    "lif_layer_reference",
]
