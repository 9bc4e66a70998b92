"""simulate's cached plans and their deferred final states (made when first read)."""

import copy
import pickle

import jax
import numpy as np

import snnlab
from snnlab.generators import DCGenerator
from snnlab.neurons import LIF

LIF_KW = dict(tau=10.0, R=0.04, V_rest=-70.0, V_reset=-70.0, V_th=-55.0, tau_ref=2.0)


def carry_leaves(state):
    return [np.asarray(a) for a in jax.tree_util.tree_leaves(state.carry)]


def test_a_deferred_final_state_survives_pickling_and_copying():
    model, drive = LIF(size=2, **LIF_KW), DCGenerator(size=2, amplitude=500.0)
    first = snnlab.simulate(model, drive, duration=50.0)
    for res in (
        snnlab.simulate(model, drive, duration=50.0),  # a cached plan: state made on read
        pickle.loads(pickle.dumps(snnlab.simulate(model, drive, duration=50.0))),
        copy.deepcopy(snnlab.simulate(model, drive, duration=50.0)),
    ):
        assert res.final_state.step == first.final_state.step == 500
        assert res.final_state.t == first.final_state.t
        ours, ref = carry_leaves(res.final_state), carry_leaves(first.final_state)
        assert len(ours) == len(ref)
        for a, b in zip(ours, ref, strict=True):
            np.testing.assert_array_equal(a, b)


def test_continuing_from_a_cached_plans_final_state_equals_one_run():
    model, drive = LIF(size=3, I_e=[0.0, 200.0, 450.0], **LIF_KW), DCGenerator(amplitude=300.0)
    whole = snnlab.simulate(model, drive, duration=100.0)
    snnlab.simulate(model, drive, duration=50.0)
    half = snnlab.simulate(model, drive, duration=50.0)  # served by the cached plan
    rest = snnlab.simulate(model, drive, duration=50.0, initial_state=half.final_state)
    np.testing.assert_array_equal(np.concatenate([half["V"], rest["V"][1:]]), whole["V"])
