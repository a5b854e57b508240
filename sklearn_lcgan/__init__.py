"""scikit-learn compatible tools for exoplanet transit light curves."""

from .classifier import (
    LightCurveClassifier,
    make_detection_pipeline,
    make_prototype_pipeline,
)
from .datasets import load_kepler_csv, make_kepler_like
from .generator import TransitCurveGenerator
from .injection import TransitInjector, TransitOversampler
from .persistence import load_model, save_model

__version__ = "0.1.0.dev0"

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
