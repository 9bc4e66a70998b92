"""Initializers: heterogeneous populations, reproducible from the seed; neurai extras."""

import jax
import numpy as np
import pytest

import snnlab
from snnlab.generators import BernoulliGenerator, DCGenerator, PoissonGenerator
from snnlab.neurons import (
    LIF,
    SNNALIF,
    SNNSRM,
    Constant,
    FromArray,
    Normal,
    NormalIniter,
    Uniform,
    resolve_initializers,
)


def test_initializers_are_reproducible_and_distinct():
    spec = dict(v_init=Normal(-70.0, 5.0), tau=Uniform(5.0, 20.0), I_e=Constant(100.0))
    a = resolve_initializers(spec, 50, seed=3)
    b = resolve_initializers(spec, 50, seed=3)
    c = resolve_initializers(spec, 50, seed=4)
    np.testing.assert_array_equal(a["v_init"], b["v_init"])
    assert not np.allclose(a["v_init"], c["v_init"])
    assert a["v_init"].shape == (50,) and abs(float(np.mean(a["v_init"])) + 70.0) < 3.0
    assert np.all((a["tau"] >= 5.0) & (a["tau"] < 20.0))
    np.testing.assert_array_equal(a["I_e"], 100.0)
    fixed = resolve_initializers(dict(V_th=FromArray([-50.0, -55.0])), 2)["V_th"]
    np.testing.assert_array_equal(fixed, [-50.0, -55.0])
    legacy = resolve_initializers(dict(v_init=NormalIniter(-65.0, 1.0)), 4)["v_init"]
    assert legacy.shape == (4,)


def test_heterogeneous_population_runs():
    n = 20
    kw = resolve_initializers(dict(v_init=Uniform(-70.0, -56.0), I_e=Normal(500.0, 50.0)), n)
    res = snnlab.simulate(LIF(size=n, **kw), duration=50.0, dt=0.1)
    first = np.asarray(res.traces["V"])[0]
    np.testing.assert_allclose(first, kw["v_init"], rtol=1e-6)
    p = resolve_initializers(dict(prob=Uniform(0.0, 1.0)), 8, seed=1)["prob"]
    assert BernoulliGenerator(size=8, prob=p).prob.shape == (8,)


def test_snnalif_size_from_tau_shape():
    m = SNNALIF(step_mode="single", tau_shape=(512,))
    assert m.size == 512 and m.tau_m.shape == (512,)


def test_srm_kernels_take_neurai_key():
    m = SNNSRM()
    ref = m.response_kernel()
    np.testing.assert_array_equal(m.response_kernel(jax.random.PRNGKey(0), 0.01), ref)
    np.testing.assert_array_equal(m.response_kernel(0.01), ref)
    np.testing.assert_array_equal(m.refractory_kernel(jax.random.PRNGKey(0)), m.refractory_kernel())
    with pytest.raises(TypeError):
        m.response_kernel(1, 2, 3)


def test_generators_reset_and_binary_flag():
    for gen, binary in ((DCGenerator(), True), (PoissonGenerator(), False),
                        (BernoulliGenerator(), True)):  # fmt: skip
        assert gen.reset() is gen and gen.is_spike_binary is binary
