"""Remove a star's slow variability and a spacecraft's periodic systematics."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from scipy.fft import irfft, next_fast_len, rfft, rfftfreq
from scipy.signal import savgol_filter
from sklearn.base import OneToOneFeatureMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._constants import K2_THRUSTER_PERIOD, KEPLER_LONG_CADENCE
from ._base import _CurveTransformer, _running_median, _window_points


class Detrender(OneToOneFeatureMixin, _CurveTransformer):
    """Remove slow variability (rotation, drifts) with a running filter.

    The trend is a running median, a Savitzky-Golay fit or wotan's
    time-windowed biweight (Hippke et al. 2019, the filter that recovered the
    most shallow Kepler and K2 planets in their comparison) over a window
    given in days; choose it several times longer than the transits you look
    for (hours), and shorter than the stellar variability (days), so that dips
    survive and spots do not.

    Parameters
    ----------
    window : float, default=1.0
        Filter width in days; converted to an odd number of points through
        ``cadence`` and capped at the curve's length.
    method : {"median", "savgol", "biweight"}, default="median"
        Running median (robust to transits and outliers), Savitzky-Golay
        polynomial smoothing (faster, follows sharp changes better), or
        wotan's biweight location (robust, and smooth; needs the optional
        ``wotan`` package: ``pip install sklearn-lcgan[wotan]``).
    cadence : float, default=0.0204335
        Sampling interval in days (Kepler long cadence).
    polyorder : int, default=2
        Polynomial order for ``method="savgol"``.
    mode : {"subtract", "divide"}, default="subtract"
        Return ``X - trend`` (curves around 0, for any units) or ``X / trend``
        (relative flux around 1, after ``FluxNormalizer(method="median")``).

    Attributes
    ----------
    n_features_in_ : int
        Number of points per curve seen in ``fit``.

    See Also
    --------
    GapFiller : Fill NaN cadences first; the filters need complete curves.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lcgan.preprocessing import Detrender
    >>> t = np.arange(500) * 0.0204335
    >>> X = np.sin(2 * np.pi * t / 5.0)[None, :]
    >>> residual = Detrender(window=0.5).fit_transform(X)
    >>> bool(residual.std() < 0.05 * X.std())
    True
    """

    _parameter_constraints = {
        "window": [Interval(Real, 0, None, closed="neither")],
        "method": [StrOptions({"median", "savgol", "biweight"})],
        "cadence": [Interval(Real, 0, None, closed="neither")],
        "polyorder": [Interval(Integral, 0, None, closed="left")],
        "mode": [StrOptions({"subtract", "divide"})],
    }

    def __init__(
        self,
        *,
        window=1.0,
        method="median",
        cadence=KEPLER_LONG_CADENCE,
        polyorder=2,
        mode="subtract",
    ):
        self.window = window
        self.method = method
        self.cadence = cadence
        self.polyorder = polyorder
        self.mode = mode

    def trend(self, X):
        """The slow component that ``transform`` removes.

        Parameters
        ----------
        X : array-like of shape (n_curves, n_points)
            Light curves.

        Returns
        -------
        trend : ndarray of shape (n_curves, n_points)
            The running filter of each curve.
        """
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        return self._trend(X)

    def _trend(self, X):
        width = _window_points(self.window, self.cadence, X.shape[1])
        if self.method == "median":
            return _running_median(X, width)
        if self.method == "biweight":
            return _biweight_trend(X, self.window, self.cadence)
        if width <= self.polyorder:
            raise ValueError(
                f"Detrender window of {width} points is too short for "
                f"polyorder={self.polyorder}; lengthen window or lower polyorder."
            )
        return savgol_filter(X, width, self.polyorder, axis=1, mode="interp")

    def _transform_curves(self, X):
        trend = self._trend(X)
        if self.mode == "subtract":
            return X - trend
        if np.any(trend == 0):
            raise ValueError(
                "Detrender(mode='divide') met a zero trend; divide only relative "
                "flux around 1 (FluxNormalizer(method='median')), or use "
                "mode='subtract'."
            )
        return X / trend


def _biweight_trend(X, window, cadence):
    try:
        from wotan import flatten
    except ImportError as exc:
        raise ImportError(
            "Detrender(method='biweight') uses wotan; install it with "
            "pip install 'sklearn-lcgan[wotan]' (or pip install wotan)."
        ) from exc
    time = np.arange(X.shape[1]) * cadence
    # break_tolerance=0: the curves are evenly sampled, with no gap to split at.
    return np.stack(
        [
            flatten(
                time, curve, method="biweight", window_length=window,
                break_tolerance=0, return_trend=True,
            )[1]
            for curve in X
        ]
    )  # fmt: skip


class RotationFilter(OneToOneFeatureMixin, _CurveTransformer):
    """Remove a spotted star's rotational modulation by prewhitening.

    A running filter cannot follow a star that rotates in about a day with
    the same window that keeps a transit of several hours; what it leaves
    makes Box Least Squares lock onto the rotation period. This transformer
    first finds each curve's strongest periodicity between ``min_period`` and
    ``max_period`` in its periodogram (an oversampled FFT, the Lomb-Scargle
    periodogram of evenly sampled data), then subtracts a least-squares fit of
    that sinusoid and its harmonics, each with an amplitude that changes
    slowly over the curve (spots evolve), and of a slow drift: Legendre
    polynomials of degree ``envelope_degree`` over the window. Transits, short
    and not sinusoidal, lose little of their power to the fit. Each curve gets
    its own least-squares fit, so it costs more than :class:`Detrender`.

    Parameters
    ----------
    min_period, max_period : float, default=0.5 and 20.0
        Search range for the rotation period, in days; ``max_period`` is capped
        at the curve's time span.
    n_harmonics : int, default=2
        Harmonics fitted: 1 for a pure sinusoid, 2 adds half the period (two
        spot groups).
    envelope_degree : int, default=3
        Degree of the Legendre polynomials for the amplitudes and the drift.
    cadence : float, default=0.0204335
        Sampling interval in days (Kepler long cadence).

    Attributes
    ----------
    n_features_in_ : int
        Number of points per curve seen in ``fit``.

    See Also
    --------
    Detrender : The running filter to apply after this one.
    NotchFilter : Remove a systematic of known period.

    References
    ----------
    .. [1] Lomb, N. R. (1976), "Least-squares frequency analysis of unequally
       spaced data", Ap&SS 39, 447.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lcgan.preprocessing import RotationFilter
    >>> t = np.arange(3000) * 0.0204335
    >>> star = (1 + 0.2 * t / t[-1]) * np.sin(2 * np.pi * t / 0.9)
    >>> residual = RotationFilter().fit_transform(star[None, :])
    >>> bool(residual.std() < 0.01 * star.std())
    True
    """

    _parameter_constraints = {
        "min_period": [Interval(Real, 0, None, closed="neither")],
        "max_period": [Interval(Real, 0, None, closed="neither")],
        "n_harmonics": [Interval(Integral, 1, None, closed="left")],
        "envelope_degree": [Interval(Integral, 0, None, closed="left")],
        "cadence": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        *,
        min_period=0.5,
        max_period=20.0,
        n_harmonics=2,
        envelope_degree=3,
        cadence=KEPLER_LONG_CADENCE,
    ):
        self.min_period = min_period
        self.max_period = max_period
        self.n_harmonics = n_harmonics
        self.envelope_degree = envelope_degree
        self.cadence = cadence

    def rotation_period(self, X):
        """The period, in days, that ``transform`` removes from each curve.

        Parameters
        ----------
        X : array-like of shape (n_curves, n_points)
            Light curves.

        Returns
        -------
        period : ndarray of shape (n_curves,)
            Period of each curve's highest periodogram peak in the search range.
        """
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        return 1.0 / self._frequencies(X)

    def _frequencies(self, X):
        n_points = X.shape[1]
        span = n_points * self.cadence
        low = 1.0 / min(self.max_period, span)
        high = min(1.0 / self.min_period, 0.5 / self.cadence)
        # Five frequencies per periodogram peak, as astropy's autopower does.
        n_fft = next_fast_len(5 * n_points, real=True)
        frequency = rfftfreq(n_fft, self.cadence)
        in_range = np.flatnonzero((frequency >= low) & (frequency <= high))
        if in_range.size == 0:
            raise ValueError(
                f"RotationFilter has no period to search: curves of {n_points} "
                f"points span {span:.3g} days at cadence {self.cadence}, and "
                f"periods from {self.min_period} to {self.max_period} days are "
                "asked for; use longer curves or a lower min_period."
            )
        power = np.abs(rfft(X - X.mean(axis=1, keepdims=True), n_fft, axis=1)) ** 2
        return frequency[in_range[np.argmax(power[:, in_range], axis=1)]]

    def _transform_curves(self, X):
        time = np.arange(X.shape[1]) * self.cadence
        envelope = np.polynomial.legendre.legvander(
            np.linspace(-1.0, 1.0, X.shape[1]), self.envelope_degree
        )
        n_env = envelope.shape[1]
        # Products of envelope pairs, shared by every curve's normal equations.
        pairs = (envelope[:, :, None] * envelope[:, None, :]).reshape(len(time), -1)
        frequencies = self._frequencies(X)
        out = np.empty_like(X)
        # The basis is [envelope, wave_k * envelope]: its normal equations come
        # from batched products with the fixed envelope, not one least-squares
        # call per curve (three times slower).
        n_waves = 2 * self.n_harmonics
        # The wave products take n_waves**2 rows per curve: about 100 MB a chunk.
        chunk = max(1, 4096 // n_waves**2)
        for start in range(0, len(X), chunk):
            rows = slice(start, start + chunk)
            y = X[rows]
            n = len(y)
            # Harmonics as powers of the fundamental's complex exponential:
            # one exp per point, not a sine and a cosine per harmonic.
            turn = np.exp(2j * np.pi * frequencies[rows, None] * time)
            rotations = [turn]
            for _ in range(self.n_harmonics - 1):
                rotations.append(rotations[-1] * turn)
            rotations = np.stack(rotations, axis=1)
            waves = np.concatenate([rotations.imag, rotations.real], axis=1)
            size = n_env * (1 + n_waves)
            gram = np.empty((n, size, size))
            gram[:, :n_env, :n_env] = envelope.T @ envelope
            # Each product below is one matrix product over all curves.
            mixed = (waves.reshape(-1, len(time)) @ pairs).reshape(n, -1, n_env)
            gram[:, n_env:, :n_env] = mixed
            gram[:, :n_env, n_env:] = mixed.transpose(0, 2, 1)
            cross = (waves[:, :, None, :] * waves[:, None, :, :]).reshape(-1, len(time))
            gram[:, n_env:, n_env:] = (
                (cross @ pairs)
                .reshape(n, n_waves, n_waves, n_env, n_env)
                .transpose(0, 1, 3, 2, 4)
                .reshape(n, n_waves * n_env, n_waves * n_env)
            )
            weighted = (waves * y[:, None, :]).reshape(-1, len(time))
            projection = np.concatenate(
                [y @ envelope, (weighted @ envelope).reshape(n, -1)], axis=1
            )
            try:
                coef = np.linalg.solve(gram, projection[:, :, None])[:, :, 0]
            except np.linalg.LinAlgError:  # curves with fewer points than terms
                inverse = np.linalg.pinv(gram, rcond=1e-12, hermitian=True)
                coef = (inverse @ projection[:, :, None])[:, :, 0]
            amplitudes = coef[:, n_env:].reshape(n, n_waves, n_env) @ envelope.T
            fit = coef[:, :n_env] @ envelope.T + np.einsum(
                "nkt,nkt->nt", waves, amplitudes
            )
            out[rows] = y - fit
        return out


class NotchFilter(OneToOneFeatureMixin, _CurveTransformer):
    """Remove a systematic of known period with a narrow band-stop filter.

    K2 fired its thrusters every 5.9 hours to correct its roll; each firing
    resets a sawtooth in the flux of every star. The sawtooth's period lies
    among transit durations, so a running filter cannot remove it, and Box
    Least Squares finds its multiples (0.74 days, three firings) instead of a
    planet. This filter zeroes each curve's Fourier components within
    ``width`` (relative) of ``1 / period``: the sawtooth's fundamental, which
    carries most of its power, and a small share of a transit's, which spreads
    over many frequencies. In the Fourier domain the filter has no start-up
    transient at the curve's ends, as a recursive notch filter would.

    Parameters
    ----------
    period : float, default=0.2452
        Period of the systematic in days; the default is K2's thruster firing.
    width : float, default=0.01
        Half-width of the stop band, relative to its centre frequency. The
        firings' interval jitters by a few per cent, which widens the line.
    cadence : float, default=0.0204335
        Sampling interval in days (Kepler long cadence).
    harmonics : int, default=1
        Multiples of ``1 / period`` to stop, each over ``width`` of itself;
        1 stops the fundamental only. A sawtooth also has power at half and a
        third of its period, where Box Least Squares finds the firings'
        multiples once the fundamental is gone.

    Attributes
    ----------
    n_features_in_ : int
        Number of points per curve seen in ``fit``.

    See Also
    --------
    RotationFilter : Remove the star's rotation.

    References
    ----------
    .. [1] Van Cleve, J. E. et al. (2016), "That's How We Roll: The NASA K2
       Mission Science Products and Their Performance Metrics", PASP 128, 075002.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lcgan.preprocessing import NotchFilter
    >>> t = np.arange(3000) * 0.0204335
    >>> roll = np.sin(2 * np.pi * t / 0.2452)[None, :]
    >>> bool(NotchFilter().fit_transform(roll).std() < 0.01)
    True
    """

    _parameter_constraints = {
        "period": [Interval(Real, 0, None, closed="neither")],
        "width": [Interval(Real, 0, 1, closed="neither")],
        "cadence": [Interval(Real, 0, None, closed="neither")],
        "harmonics": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        *,
        period=K2_THRUSTER_PERIOD,
        width=0.01,
        cadence=KEPLER_LONG_CADENCE,
        harmonics=1,
    ):
        self.period = period
        self.width = width
        self.cadence = cadence
        self.harmonics = harmonics

    def _transform_curves(self, X):
        if not self.period > 2 * self.cadence:
            raise ValueError(
                f"NotchFilter's period of {self.period} days is not above twice "
                f"the cadence ({self.cadence} days), so curves cannot show it; "
                "check that both are in days."
            )
        frequency = rfftfreq(X.shape[1], self.cadence)
        stop = np.zeros(frequency.shape, dtype=bool)
        for multiple in range(1, self.harmonics + 1):
            stop |= np.abs(frequency * self.period / multiple - 1.0) <= self.width
        spectrum = rfft(X, axis=1)
        spectrum[:, stop] = 0.0
        return irfft(spectrum, X.shape[1], axis=1)
