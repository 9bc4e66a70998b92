"""Shared fixtures: float64 on demand, tolerances."""

import jax
import pytest


@pytest.fixture
def x64():
    """Run the test with JAX's float64 enabled, restoring the previous setting after."""
    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    try:
        yield
    finally:
        jax.config.update("jax_enable_x64", previous)
