"""scikit-learn compatible tools for exoplanet transit light curves."""

from . import _version
from .classifier import (
    LightCurveClassifier,
    make_detection_pipeline,
    make_prototype_pipeline,
)
from .datasets import load_kepler_csv, make_kepler_like
from .generator import TransitCurveGenerator
from .injection import TransitInjector
from .oversampling import TransitOversampler
from .persistence import load_model, save_model

__version__ = _version.__version__

__all__ = [
    "LightCurveClassifier",
    "TransitCurveGenerator",
    "TransitInjector",
    "TransitOversampler",
    "load_kepler_csv",
    "load_model",
    "make_detection_pipeline",
    "make_kepler_like",
    "make_prototype_pipeline",
    "save_model",
]
