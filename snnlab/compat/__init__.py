"""Compatibility namespaces: the public names of each seed library, on snnlab's engines.

Code written against a seed runs after changing its imports:

- `snnlab.compat.jaxsnn`: `jaxsnn.event.adjoint_lif` (EventProp), its types, layers,
  `serial` and losses, and `jaxsnn.discrete.encode`.
- `snnlab.compat.neurai`: `neurai.nn` (neurons, generators, initialisers, `StepMode`).
- `snnlab.compat.rockpool`: `rockpool.devices.dynapse.DynapSim`.
- `snnlab.compat.eventax`: `eventax.neuron_models.base_model` (`NeuronModel`,
  `StaticArray`).

See docs/seed-compat.md for every name and what it is in snnlab. Submodules are
imported on demand; this package imports nothing itself.
"""
