"""scikit-learn compatible tools for exoplanet transit light curves.

The public names are imported when first used, so that ``import
sklearn_lcgan`` (and the ``lcgan`` command's start) stays light.
"""

import importlib

from ._version import __version__ as __version__

# Each public name and the module that defines it.
_PUBLIC = {
    "LightCurveClassifier": "classifier",
    "TransitCurveGenerator": "generator",
    "TransitInjector": "injection",
    "TransitOversampler": "oversampling",
    "load_kepler_csv": "datasets",
    "load_model": "persistence",
    "make_detection_pipeline": "classifier",
    "make_kepler_like": "datasets",
    "make_patch_pipeline": "classifier",
    "make_prototype_pipeline": "classifier",
    "save_model": "persistence",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'sklearn_lcgan' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted([*globals(), *_PUBLIC])
