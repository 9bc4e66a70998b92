"""The Explorer reports what the numerical core flags, and Live mode is one long run."""

import numpy as np
import pytest

import snnlab
from snnlab.app import Explorer

pytestmark = pytest.mark.filterwarnings("ignore")


def test_a_solver_step_that_cannot_finish_is_reported_and_the_previous_plot_stays():
    ex = Explorer(model="HH", sync_url=False)
    shown = ex.result
    assert shown is not None and ex.method == "rkf45"
    ex.dt = 10.0  # rkf45 needs more sub-steps per 10 ms step than its bound allows
    if ex.result is shown:
        assert "could not finish a step" in ex.message or "diverged" in ex.message
    else:  # the solver managed: then every sample must be finite
        assert np.all(np.isfinite(ex.result["V"]))


def test_live_chunks_continue_the_engine_state_as_one_run():
    ex = Explorer(model="LIF", sync_url=False)
    ex.param.update(chunk=20.0)
    ex.reset_live()
    ex.live = True
    ex.step_live(5)  # in a notebook the chunks run at once
    ex.live = False
    chunks = ex.scope_trace.data["y"]
    one = snnlab.simulate(*ex.build(), **{**ex.simulate_kwargs(), "duration": 100.0})["V"][:, 0]
    assert len(chunks) == len(one)
    np.testing.assert_array_equal(chunks, one)
