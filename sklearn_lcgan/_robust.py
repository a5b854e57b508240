"""The one robust centre and scale of the package: median and scaled MAD.

Every curve the estimators train on is put on this scale (median 0, a
Gaussian-equivalent median absolute deviation of 1), in numpy with NaN
(:func:`nan_centre_scale`), in numpy without NaN and fast
(:func:`centre_rows_`), and in torch with gradients
(:func:`robust_standardise`). :func:`robust_noise` is the point-to-point
noise that transit signal-to-noise ratios are measured against.
"""

from __future__ import annotations

import warnings

import bottleneck
import numpy as np
import torch

from ._constants import MAD_TO_SIGMA


def nan_centre_scale(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median and Gaussian-equivalent MAD of each row, ignoring NaN.

    Parameters
    ----------
    X : ndarray of shape (n_rows, n_points)
        Float rows; NaN marks a missing value.

    Returns
    -------
    centre, scale : ndarray of shape (n_rows, 1)
        Each row's median and 1.4826 median absolute deviation.
    """
    # bottleneck's medians skip NaN without numpy's nanmedian copies.
    centre = bottleneck.nanmedian(X, axis=1)[:, None]
    scale = MAD_TO_SIGMA * bottleneck.nanmedian(np.abs(X - centre), axis=1)[:, None]
    return centre, scale


def standardise_rows(X: np.ndarray) -> np.ndarray:
    """Each row less its median, over its robust scatter, ignoring NaN.

    A row whose points are mostly identical has a MAD of (almost) zero next
    to its range: it is scaled by its standard deviation instead, and a
    constant row is left centred at 0, unscaled.

    Parameters
    ----------
    X : ndarray of shape (n_rows, n_points)
        Float rows; NaN marks a missing value and stays NaN.

    Returns
    -------
    standardised : ndarray of shape (n_rows, n_points)
        The rows on the robust scale.
    """
    centre, scale = nan_centre_scale(X)
    residual = X - centre
    spread = bottleneck.nanmax(np.abs(residual), axis=1)[:, None]
    degenerate = ~(scale > 1e-12 * spread)
    if degenerate.any():
        std = bottleneck.nanstd(residual, axis=1)[:, None]
        fallback = np.where((std > 1e-12 * spread) & np.isfinite(std), std, 1.0)
        scale = np.where(degenerate, fallback, scale)
    return residual / scale


def centre_rows_(values: np.ndarray) -> np.ndarray:
    """Subtract each row's median in place; return each row's robust scatter.

    The CPU, no-gradient half of :func:`robust_standardise`, for rows without
    NaN. numpy's selection is several times faster than torch's median and
    than bottleneck's, and it releases the GIL, so sampling threads can run it
    at once.

    Parameters
    ----------
    values : ndarray of shape (n_rows, n_points)
        Float rows, overwritten by the centred rows.

    Returns
    -------
    spread : ndarray of shape (n_rows, 1)
        Each row's 1.4826 median absolute deviation (0 for a constant row).
    """
    values -= _numpy_middle(np.partition(values, _high(values), axis=1))
    deviations = np.abs(values)
    # Partitioned in place as integers: non-negative floats order as their
    # bits do, and numpy partitions integers faster than floats.
    deviations.view(f"i{deviations.itemsize}").partition(_high(values), axis=1)
    return MAD_TO_SIGMA * _numpy_middle(deviations)


def robust_standardise(curves: torch.Tensor) -> torch.Tensor:
    """Each curve less its median, over its robust scatter, in torch.

    The gradient flows through the middle points, as through any median.

    Parameters
    ----------
    curves : torch.Tensor of shape (batch, n_points)
        Float curves.

    Returns
    -------
    standardised : torch.Tensor of shape (batch, n_points)
        The curves, each with median 0 and robust scatter 1 (a constant
        curve becomes 0).
    """
    if curves.requires_grad or curves.device.type != "cpu":
        centred = curves - _torch_middle(curves)
        spread = MAD_TO_SIGMA * _torch_middle(centred.abs())
    else:
        centred = curves.clone()
        spread = torch.from_numpy(centre_rows_(centred.numpy()))
    return centred / spread.clamp_min(1e-12)


def robust_noise(X: np.ndarray) -> np.ndarray:
    """Point-to-point white-noise level of each curve.

    The median absolute first difference, scaled to a Gaussian sigma and
    divided by sqrt(2): slow trends (rotation, drifts) and isolated transits
    barely move it. Where quantised flux makes that median zero, the RMS first
    difference stands in. NaN cadences are ignored; only a constant curve gets 0.

    Parameters
    ----------
    X : array-like of shape (n_curves, n_points)
        Curves; NaN marks a gap.

    Returns
    -------
    noise : ndarray of shape (n_curves,)
        Each curve's white-noise sigma, in its units.
    """
    X = np.atleast_2d(np.asarray(X, dtype=float))
    step = np.abs(np.diff(X, axis=1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows give NaN
        sigma = MAD_TO_SIGMA * np.nanmedian(step, axis=1)
        rms = np.sqrt(np.nanmean(step**2, axis=1))
    return np.where(sigma > 0, sigma, rms) / np.sqrt(2.0)


def _high(values):
    """Index of the upper middle point of each row."""
    return values.shape[1] // 2


def _numpy_middle(part):
    """Median of each row of an array partitioned at :func:`_high`, the mean
    of the two middle values if they are two (as :func:`_torch_middle`)."""
    high = _high(part)
    middle = part[:, high : high + 1]
    if part.shape[1] % 2:
        return middle
    return (part[:, :high].max(axis=1, keepdims=True) + middle) / 2


def _torch_middle(values):
    """Median of each row, the mean of the two middle values if they are two."""
    lower = values.median(dim=1, keepdim=True).values
    if values.shape[1] % 2:
        return lower
    upper = values.kthvalue(values.shape[1] // 2 + 1, dim=1, keepdim=True).values
    return (lower + upper) / 2
