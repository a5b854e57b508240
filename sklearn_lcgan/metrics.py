"""Measures on light curves that use the estimators only through public methods."""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from numbers import Integral, Real

import numpy as np
from astropy.timeseries import BoxLeastSquares
from sklearn.pipeline import make_pipeline
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval,
    Options,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import check_array

from ._constants import K2_THRUSTER_PERIOD, KEPLER_LONG_CADENCE
from ._realism import log_band_power, network_accuracy, summary_statistics
from ._two_sample import curve_mmd
from .preprocessing import (
    Detrender,
    FluxNormalizer,
    NotchFilter,
    OutlierClipper,
    RotationFilter,
)

_DURATIONS = (0.04, 0.08, 0.16, 0.32)  # days: 1 to 8 hours
# The cleaning parameters that bls_periods and tls_periods share.
_SEARCH_CONSTRAINTS = {
    "detrend_window": [Interval(Real, 0, None, closed="neither")],
    "detrend_method": [StrOptions({"savgol", "median", "biweight"})],
    "rotation_filter": ["boolean"],
    "notch_period": [Interval(Real, 0, None, closed="neither"), None],
    "n_threads": [Interval(Integral, 1, None, closed="left"), Options(Integral, {-1})],
}


def _threads(n_threads):
    """``n_threads``, with -1 for one per core."""
    return (os.cpu_count() or 1) if n_threads == -1 else n_threads


@validate_params(_SEARCH_CONSTRAINTS, prefer_skip_nested_validation=True)
def bls_periods(
    X,
    *,
    cadence: float = KEPLER_LONG_CADENCE,
    min_period: float = 0.5,
    max_period: float | None = None,
    n_periods: int = 5000,
    detrend_window: float = 0.75,
    detrend_method: str = "savgol",
    rotation_filter: bool = True,
    notch_period: float | None = K2_THRUSTER_PERIOD,
    n_threads: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Best Box Least Squares period and its detection significance.

    Curves are robustly normalised and clipped of upward outliers about a
    running quadratic fit over ``detrend_window``; the star's rotation is
    prewhitened (:class:`~sklearn_lcgan.preprocessing.RotationFilter`); what
    remains is detrended (by default a quadratic Savitzky-Golay filter
    over 0.75 days, which follows a spotted star's curvature where a running
    median leaves residuals that BLS locks onto) and cleared of K2's
    thruster-firing sawtooth (:class:`~sklearn_lcgan.preprocessing.NotchFilter`,
    at the firing frequency and its second and third harmonics).
    The residual is searched with astropy's
    :class:`~astropy.timeseries.BoxLeastSquares` (Kovacs et al. 2002) on a
    log-spaced period grid, with transit durations of 1 to 8 hours.

    Without the rotation filter and the notch, most false periods are three
    thruster firings (0.74 days) or the rotation period of a star that turns
    in one or two days. Outliers are clipped about a running fit, not the
    curve's median: on a star whose rotation spans many times its noise,
    cosmic rays would survive and the dips the detrender leaves around them
    draw BLS to long periods.

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
    detrend_window : float, default=0.75
        Detrending window in days.
    detrend_method : {"savgol", "median"}, default="savgol"
        :class:`~sklearn_lcgan.preprocessing.Detrender`'s filter; a running
        median leaves the curvature of fast-rotating spotted stars, which the
        quadratic Savitzky-Golay filter follows.
    rotation_filter : bool, default=True
        Prewhiten each star's strongest periodicity between 0.5 and 20 days
        (and its first harmonic, with slowly changing amplitudes) before
        detrending.
    notch_period : float or None, default=0.2452
        Period in days of a systematic to notch out after detrending, with
        its second and third harmonics; the
        default is K2's thruster firing. None for data without it, such as the
        Kepler prime mission's.
    n_threads : int, default=1
        Curves searched at once, on threads (astropy's search releases
        Python's lock); -1 for one per core.

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
    X, time, max_period = _search_grid(X, cadence, min_period, max_period)
    trial = np.geomspace(min_period, max_period, n_periods)
    durations = [d for d in _DURATIONS if d < min_period]
    residual = _search_residual(
        X, cadence, detrend_window, detrend_method, rotation_filter, notch_period
    )

    def search(i):
        observed = ~np.isnan(X[i])
        result = BoxLeastSquares(time[observed], residual[i][observed]).power(
            trial, durations, objective="snr"
        )
        power = result.power
        k = int(np.argmax(power))
        return result.period[k], (power[k] - power.mean()) / power.std()

    with ThreadPoolExecutor(_threads(n_threads)) as threads:
        found = np.array(list(threads.map(search, range(len(X)))), dtype=float)
    found = found.reshape(len(X), 2)
    return found[:, 0], found[:, 1]


def _search_grid(X, cadence, min_period, max_period):
    """The checked curves, their time stamps and the longest period searched
    (None: half the window, two transits)."""
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
    return X, time, max_period


def _search_residual(
    X, cadence, detrend_window, detrend_method, rotation_filter, notch_period
):
    """What the classical searches look in: robust z-scores, clipped,
    prewhitened, detrended and notched (see :func:`bls_periods`)."""
    steps = [FluxNormalizer(), OutlierClipper(window=detrend_window, cadence=cadence)]
    if rotation_filter:
        steps.append(RotationFilter(cadence=cadence))
    steps.append(
        Detrender(window=detrend_window, method=detrend_method, cadence=cadence)
    )
    if notch_period is not None:
        steps.append(NotchFilter(period=notch_period, cadence=cadence, harmonics=3))
    filled = np.where(np.isnan(X), np.nanmedian(X, axis=1, keepdims=True), X)
    return make_pipeline(*steps).fit_transform(filled)


@validate_params(_SEARCH_CONSTRAINTS, prefer_skip_nested_validation=True)
def tls_periods(
    X,
    *,
    cadence: float = KEPLER_LONG_CADENCE,
    min_period: float = 0.5,
    max_period: float | None = None,
    detrend_window: float = 0.75,
    detrend_method: str = "savgol",
    rotation_filter: bool = True,
    notch_period: float | None = K2_THRUSTER_PERIOD,
    n_threads: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Best Transit Least Squares period and its detection significance.

    The curves are cleaned as in :func:`bls_periods`, then searched with
    Transit Least Squares (Hippke & Heller 2019), which fits a limb-darkened
    transit shape instead of a box and recovers more small planets at a
    given false-alarm rate. Needs the optional ``transitleastsquares``
    package (``pip install 'sklearn-lcgan[tls]'``); it is tens of times
    slower than BLS.

    Parameters
    ----------
    X : array-like of shape (n_curves, n_points)
        Evenly sampled curves; NaN marks a gap.
    cadence : float, default=0.0204335
        Sampling interval in days.
    min_period, max_period : float, default=0.5 and None
        Period range in days; None is half the window (two transits).
    detrend_window, detrend_method, rotation_filter, notch_period
        The cleaning, as in :func:`bls_periods`.
    n_threads : int, default=1
        Threads of each TLS search; -1 for one per core.

    Returns
    -------
    periods : ndarray of shape (n_curves,)
        The period of the highest TLS peak of each curve.
    sde : ndarray of shape (n_curves,)
        TLS's signal detection efficiency of that peak (a score per curve).

    References
    ----------
    .. [1] Hippke, M. and Heller, R. (2019), "Optimized transit detection
       algorithm to search for periodic transits of small planets", A&A 623,
       A39.
    """
    try:
        from transitleastsquares import transitleastsquares
    except ImportError as exc:
        raise ImportError(
            "tls_periods uses transitleastsquares; install it with pip install "
            "'sklearn-lcgan[tls]' (or pip install transitleastsquares)."
        ) from exc
    X, time, max_period = _search_grid(X, cadence, min_period, max_period)
    residual = _search_residual(
        X, cadence, detrend_window, detrend_method, rotation_filter, notch_period
    )
    periods, sde = np.empty(len(X)), np.empty(len(X))
    for i, row in enumerate(residual):
        observed = ~np.isnan(X[i])
        # TLS fits relative flux around 1: the unit-noise residual as 100 ppm.
        model = transitleastsquares(time[observed], 1.0 + 1e-4 * row[observed])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # TLS warns of its own grid choices
            result = model.power(
                period_min=min_period,
                period_max=max_period,
                use_threads=_threads(n_threads),
                show_progress_bar=False,
                verbose=False,
            )
        periods[i], sde[i] = result.period, result.SDE
    return periods, np.nan_to_num(sde)


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


def _standardise(X) -> np.ndarray:
    """Each curve to zero median and unit robust scatter (shape, not level)."""
    X = check_array(X, dtype=np.float64)
    return FluxNormalizer().fit_transform(X)


def mmd(X, Y, *, bandwidth=None, max_samples=1000, random_state=0) -> float:
    """Maximum mean discrepancy between two sets of curves (RBF kernel).

    Curves are standardised one by one first (median 0, unit robust scatter),
    so the distance compares shapes and noise, not brightness. The unbiased
    estimator of Gretton et al. (2012) is returned: about 0 when both sets
    come from one distribution.

    Parameters
    ----------
    X, Y : array-like of shape (n_curves, n_points)
        The two sets, for example real and generated curves.
    bandwidth : float, default=None
        RBF kernel width; None takes the median distance between all curves.
    max_samples : int, default=1000
        Curves drawn at most from each set, to bound the cost.
    random_state : int, RandomState instance or None, default=0
        Seed for that subsampling.

    Returns
    -------
    mmd2 : float
        The squared MMD estimate; lower is more alike.

    References
    ----------
    .. [1] Gretton, A. et al. (2012), "A Kernel Two-Sample Test", JMLR 13, 723.
    """
    X, Y = check_array(X, dtype=np.float64), check_array(Y, dtype=np.float64)
    return curve_mmd(
        X, Y, bandwidth=bandwidth, max_samples=max_samples, random_state=random_state
    )


def _log_band_power(X, n_bands: int) -> np.ndarray:
    """Log10 of each standardised curve's mean power in log-spaced bands."""
    return log_band_power(_standardise(X), n_bands)


def _mean_log_psd(X, *, n_bins: int = 64) -> np.ndarray:
    """Mean log power spectrum of standardised curves, in log-spaced bins."""
    return _log_band_power(X, n_bins).mean(axis=0)


def psd_distance(X, Y, *, n_bins: int = 64) -> float:
    """RMS difference between the mean log power spectra of two sets.

    The colour of the noise (white photon noise, red granulation and
    rotation) shows in the power spectrum; this distance in decades of power
    is 0 for sets with the same average spectrum.

    Parameters
    ----------
    X, Y : array-like of shape (n_curves, n_points)
        The two sets.
    n_bins : int, default=64
        Log-spaced frequency bins.

    Returns
    -------
    distance : float
        RMS difference of log10 power across bins; lower is more alike.
    """
    return float(
        np.sqrt(
            np.mean(
                (_mean_log_psd(X, n_bins=n_bins) - _mean_log_psd(Y, n_bins=n_bins)) ** 2
            )
        )
    )


def discriminative_score(
    X_real,
    X_fake,
    *,
    test_size=0.3,
    return_parts=False,
    device="cpu",
    random_state=0,
):
    """How well post-hoc classifiers tell real from generated curves.

    As in TimeGAN (Yoon et al. 2019): train a classifier on real vs
    generated curves and report ``|accuracy - 0.5|`` on held-out curves; 0
    means indistinguishable, 0.5 perfectly separable. Two classifiers look,
    and the larger score is reported, so that a generator must pass both:

    - gradient boosting on summary statistics of each standardised curve
      (moments, tail fractions, quantiles, autocorrelations at 12 lags, log
      power in 32 bands, and the moments, tails and quantiles of the first
      differences);
    - a small convolutional network (skorch) on the raw standardised curves,
      which sees shapes no summary names: dips, steps, flares, their places.

    Parameters
    ----------
    X_real, X_fake : array-like of shape (n_curves, n_points)
        Real and generated curves of one length, without NaN; the larger set
        is subsampled to balance.
    test_size : float, default=0.3
        Share of curves held out for the accuracy.
    return_parts : bool, default=False
        Also return each classifier's score.
    device : str, default="cpu"
        Where the network trains.
    random_state : int, RandomState instance or None, default=0
        Seed for the split, balancing and classifiers.

    Returns
    -------
    score : float
        The larger ``|accuracy - 0.5|`` of the two, in [0, 0.5]; lower is
        better. Two samples of one source score a few hundredths, from the
        finite test set alone.
    parts : dict
        Only if ``return_parts``: ``"statistics"`` and ``"network"``.

    References
    ----------
    .. [1] Yoon, J., Jarrett, D. and van der Schaar, M. (2019), "Time-series
       Generative Adversarial Networks", NeurIPS 32.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import train_test_split

    rng = check_random_state(random_state)
    real = check_array(X_real, dtype=np.float64, input_name="X_real")
    fake = check_array(X_fake, dtype=np.float64, input_name="X_fake")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(
            f"X_real has {real.shape[1]} points per curve and X_fake "
            f"{fake.shape[1]}; compare curves of one length."
        )
    n = min(len(real), len(fake))
    if n < 10:
        raise ValueError("discriminative_score needs at least 10 curves in each set.")
    curves = np.vstack(
        [real[rng.permutation(len(real))[:n]], fake[rng.permutation(len(fake))[:n]]]
    )
    labels = np.r_[np.ones(n, dtype=np.int64), np.zeros(n, dtype=np.int64)]
    train, test = train_test_split(
        np.arange(2 * n),
        test_size=test_size,
        stratify=labels,
        random_state=rng.randint(2**31),
    )
    features = summary_statistics(curves)
    boosting = HistGradientBoostingClassifier(random_state=rng.randint(2**31))
    boosting.fit(features[train], labels[train])
    parts = {
        "statistics": abs(boosting.score(features[test], labels[test]) - 0.5),
        "network": abs(
            network_accuracy(
                curves[train],
                labels[train],
                curves[test],
                labels[test],
                seed=int(rng.randint(2**31)),
                device=device,
            )
            - 0.5
        ),
    }
    score = float(max(parts.values()))
    return (score, {k: float(v) for k, v in parts.items()}) if return_parts else score
