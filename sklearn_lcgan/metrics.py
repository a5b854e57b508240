"""Measures on light curves that use the estimators only through public methods."""

from __future__ import annotations

import numpy as np
from astropy.timeseries import BoxLeastSquares
from sklearn.pipeline import make_pipeline
from sklearn.utils.validation import check_array

from ._physics import KEPLER_LONG_CADENCE
from .preprocessing import Detrender, FluxNormalizer, OutlierClipper

_DURATIONS = (0.04, 0.08, 0.16, 0.32)  # days: 1 to 8 hours


def bls_periods(
    X,
    *,
    cadence: float = KEPLER_LONG_CADENCE,
    min_period: float = 0.5,
    max_period: float | None = None,
    n_periods: int = 5000,
    detrend_window: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Best Box Least Squares period and its detection significance.

    Curves are robustly normalised, detrended with a running median and
    clipped of upward outliers, then searched with astropy's
    :class:`~astropy.timeseries.BoxLeastSquares` (Kovacs et al. 2002) on a
    log-spaced period grid, with transit durations of 1 to 8 hours.

    Parameters
    ----------
    X : array-like of shape (n_curves, n_points)
        Light curves in any units; NaN cadences are dropped.
    cadence : float, default=0.0204335
        Sampling interval in days.
    min_period, max_period : float, default=0.5 and None
        Period search range in days; None means half the time span, so that
        two transits are seen.
    n_periods : int, default=5000
        Number of trial periods.
    detrend_window : float, default=1.0
        Running-median window in days.

    Returns
    -------
    periods : ndarray of shape (n_curves,)
        The period of the highest BLS peak of each curve.
    sde : ndarray of shape (n_curves,)
        Signal detection efficiency of that peak: its height above the mean
        of the periodogram in units of the periodogram's standard deviation,
        the usual BLS detection statistic (a score for each curve).

    References
    ----------
    .. [1] Kovacs, G., Zucker, S. and Mazeh, T. (2002), "A box-fitting
       algorithm in the search for periodic transits", A&A 391, 369.
    """
    X = check_array(X, dtype=np.float64, ensure_all_finite="allow-nan")
    time = np.arange(X.shape[1]) * cadence
    if max_period is None:
        max_period = (time[-1] - time[0]) / 2.0
    if not 0 < min_period < max_period:
        raise ValueError(
            f"The period range ({min_period}, {max_period}) is empty; curves of "
            f"{time[-1] - time[0]:.3g} days hold two transits only below "
            f"{(time[-1] - time[0]) / 2:.3g} d."
        )
    trial = np.geomspace(min_period, max_period, n_periods)
    durations = [d for d in _DURATIONS if d < min_period]
    clean = make_pipeline(
        FluxNormalizer(),
        OutlierClipper(),
        Detrender(window=detrend_window, cadence=cadence),
    )
    filled = np.where(np.isnan(X), np.nanmedian(X, axis=1, keepdims=True), X)
    residual = clean.fit_transform(filled)
    best_period = np.empty(len(X))
    best_sde = np.empty(len(X))
    for i, row in enumerate(residual):
        observed = ~np.isnan(X[i])
        result = BoxLeastSquares(time[observed], row[observed]).power(
            trial, durations, objective="snr"
        )
        power = result.power
        k = int(np.argmax(power))
        best_period[i] = result.period[k]
        best_sde[i] = (power[k] - power.mean()) / power.std()
    return best_period, best_sde


def transit_recovery_rate(
    X,
    period,
    *,
    cadence: float = KEPLER_LONG_CADENCE,
    tolerance: float = 0.01,
    return_recovered: bool = False,
    **bls_kwargs,
):
    """Fraction of curves whose transit period Box Least Squares recovers.

    A period counts as recovered when the highest BLS peak lies within
    ``tolerance`` (relative) of the true period or of half or twice it, the
    usual aliases.

    Parameters
    ----------
    X : array-like of shape (n_curves, n_points)
        Curves with transits.
    period : array-like of shape (n_curves,)
        True period of each curve in days.
    cadence : float, default=0.0204335
        Sampling interval in days.
    tolerance : float, default=0.01
        Relative tolerance on the period.
    return_recovered : bool, default=False
        Also return the boolean array of recovered curves.
    **bls_kwargs
        Passed to :func:`bls_periods`.

    Returns
    -------
    rate : float
        Fraction recovered, in [0, 1].
    recovered : ndarray of bool
        Only if ``return_recovered``.

    Examples
    --------
    >>> from sklearn_lcgan.datasets import make_kepler_like
    >>> from sklearn_lcgan.metrics import transit_recovery_rate
    >>> X, y, p = make_kepler_like(
    ...     4, planet_fraction=1.0, n_points=800, snr=40.0, random_state=0,
    ...     return_params=True)
    >>> transit_recovery_rate(X, p["period"], n_periods=2000)
    1.0
    """
    period = np.asarray(period, dtype=float)
    found, _ = bls_periods(X, cadence=cadence, **bls_kwargs)
    if period.shape != found.shape:
        raise ValueError(
            f"period has {period.size} values but X has {found.size} curves."
        )
    recovered = np.zeros(found.shape, dtype=bool)
    for alias in (1.0, 0.5, 2.0):
        recovered |= np.abs(found / (alias * period) - 1) < tolerance
    rate = float(recovered.mean())
    return (rate, recovered) if return_recovered else rate
