"""scikit-learn compatible tools for exoplanet transit light curves."""

from .datasets import load_kepler_csv, make_kepler_like
from .injection import TransitInjector, TransitOversampler

__version__ = "0.1.0.dev0"

__all__ = [
    "TransitInjector",
    "TransitOversampler",
    "load_kepler_csv",
    "make_kepler_like",
]
