"""Torch modules driven by the estimators, by role. No sklearn logic lives here.

Every module takes a float32 batch of curves of shape ``(batch, n_points)``
and reshapes it to a sequence itself.
"""

from .critics import PatchLSTMCritic
from .detectors import PatchLSTMDetector, PrototypeLSTM
from .generators import ComponentGenerator, FCGenerator
from .layers import to_patches
from .periodogram import BoxPeriodogram, period_grid
from .spectral import CurveSummary, LogPowerBands, band_interpolation, rbf_mmd

__all__ = [
    "BoxPeriodogram",
    "ComponentGenerator",
    "CurveSummary",
    "FCGenerator",
    "LogPowerBands",
    "PatchLSTMCritic",
    "PatchLSTMDetector",
    "PrototypeLSTM",
    "band_interpolation",
    "period_grid",
    "rbf_mmd",
    "to_patches",
]
