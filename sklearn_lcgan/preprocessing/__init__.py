"""Per-curve, stateless transformers for light curves.

Each works row by row on ``X`` of shape ``(n_curves, n_points)``: nothing is
learnt across curves, so ``fit`` only validates the input and records
``n_features_in_``. They chain in a :class:`~sklearn.pipeline.Pipeline`
before a detector, e.g. ``FluxNormalizer -> Detrender -> OutlierClipper``.
"""

from ._detrending import Detrender, NotchFilter, RotationFilter
from ._scaling import FluxNormalizer, GapFiller, OutlierClipper
from ._spectra import FourierMagnitude, GaussianSmoother

__all__ = [
    "Detrender",
    "FluxNormalizer",
    "FourierMagnitude",
    "GapFiller",
    "GaussianSmoother",
    "NotchFilter",
    "OutlierClipper",
    "RotationFilter",
]
