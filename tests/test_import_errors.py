"""An import error in a model package surfaces; it is never skipped silently."""

import sys

import pytest

import snnlab.params as sp
from snnlab.params import _build


def test_a_model_package_that_fails_to_import_raises(monkeypatch):
    # None in sys.modules makes `import snnlab_broken_models` raise ImportError
    monkeypatch.setitem(sys.modules, "snnlab_broken_models", None)
    monkeypatch.setattr(_build, "MODEL_PACKAGES", (*_build.MODEL_PACKAGES, "snnlab_broken_models"))
    with pytest.raises(ImportError, match="snnlab_broken_models"):
        _build.discover_model_classes()


def test_every_shipped_package_contributes_models():
    classes = _build.discover_model_classes()
    for name in ("LIF", "HH", "SpikeGenerator", "DCGenerator", "DynapSim"):
        assert name in classes
    assert "DynapSim" in sp.device_models()
