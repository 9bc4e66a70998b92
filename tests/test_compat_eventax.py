"""snnlab.compat.eventax: a model written to eventax's interface runs on both engines."""

import jax.numpy as jnp
import numpy as np

import snnlab
from snnlab.compat.eventax import NeuronModel, StaticArray, with_size


class EventaxLIF(NeuronModel):
    """eventax's LIF as a user writes it: state (v, i), dv = (-v + i + I)/tmem."""

    thresh: float
    tmem: float
    tsyn: float

    def __init__(self, thresh=1.0, tmem=10.0, tsyn=5.0, dtype=jnp.float32):
        super().__init__(dtype)
        self.thresh, self.tmem, self.tsyn = thresh, tmem, tsyn

    def init_state(self, n_neurons=None):
        n = self.size if n_neurons is None else n_neurons
        return jnp.zeros((n, 2), self.dtype)

    def dynamics(self, t, y, args):
        v, i = y[:, 0], y[:, 1]
        return jnp.stack([(-v + i + args.get("I", 0.0)) / self.tmem, -i / self.tsyn], axis=1)

    def spike_condition(self, t, y, args):
        return y[:, 0] - self.thresh

    def input_spike(self, y, from_idx, to_idx, valid_mask):
        return y.at[to_idx, 1].add(jnp.where(valid_mask, 1.0, 0.0))

    def reset_spiked(self, y, spiked_mask):
        return y.at[:, 0].set(jnp.where(spiked_mask, 0.0, y[:, 0]))


def test_eventax_model_runs_on_both_engines():
    model = with_size(EventaxLIF(), 3)
    drive = snnlab.generators.DCGenerator(amplitude=2.0)
    event = snnlab.simulate(model, drive, duration=30.0, engine="event")
    # dv/dt = (2 - v)/10 from 0 reaches 1 at t = 10 ln 2
    np.testing.assert_allclose(event.spike_times[0], 10 * np.log(2.0), rtol=1e-4)
    stepped = snnlab.simulate(model, drive, duration=30.0, dt=0.01)
    assert abs(stepped.spike_times[0] - 10 * np.log(2.0)) < 0.02
    assert event.state_names == ("y0", "y1")


def test_input_spike_and_static_array():
    model = EventaxLIF()
    y = model.input_spike(model.init_state(2), 0, jnp.array([0, 1]), jnp.array([True, False]))
    np.testing.assert_array_equal(y[:, 1], [1.0, 0.0])
    a = jnp.ones(2)
    assert StaticArray(a) == StaticArray(a) and StaticArray(a) != StaticArray(jnp.ones(2))
    assert hash(StaticArray(a)) == hash(StaticArray(a))
    np.testing.assert_array_equal(model.observe(y), y)
    np.testing.assert_array_equal(model(0.0, y, {}), model.dynamics(0.0, y, {}))
