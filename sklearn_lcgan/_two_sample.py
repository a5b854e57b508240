"""The kernel two-sample distance between sets of curves, shared by
``metrics.mmd`` and ``TransitCurveGenerator.score``."""

from __future__ import annotations

import torch
from sklearn.utils import check_random_state

from ._robust import standardise_rows
from .nn import rbf_mmd


def curve_mmd(X, Y, *, bandwidth=None, max_samples=1000, random_state=0) -> float:
    """Unbiased squared MMD (one Gaussian kernel) between standardised curves.

    Parameters
    ----------
    X, Y : ndarray of shape (n_curves, n_points)
        The two sets, float64, each of at least 2 curves.
    bandwidth : float or None, default=None
        The kernel's width; None takes the median distance over all pairs.
    max_samples : int, default=1000
        Curves drawn at most from each set.
    random_state : int, RandomState instance or None, default=0
        Seed for that subsampling.

    Returns
    -------
    mmd2 : float
        About 0 when both sets come from one distribution.
    """
    rng = check_random_state(random_state)
    X, Y = standardise_rows(X), standardise_rows(Y)
    if X.shape[1] != Y.shape[1]:
        raise ValueError(f"X has {X.shape[1]} points per curve but Y has {Y.shape[1]}.")
    if len(X) < 2 or len(Y) < 2:
        raise ValueError("mmd needs at least 2 curves in each set.")
    X = torch.from_numpy(X[rng.permutation(len(X))[:max_samples]])
    Y = torch.from_numpy(Y[rng.permutation(len(Y))[:max_samples]])
    # exp(-d / (2 bandwidth^2)): the width is relative to a squared distance.
    scale = "pooled" if bandwidth is None else 2.0 * bandwidth**2
    return float(rbf_mmd(X, Y, (1.0,), scale=scale, unbiased=True))
