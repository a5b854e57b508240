"""The prototype's features: the FFT magnitude of a curve, smoothed."""

from __future__ import annotations

from numbers import Real

import numpy as np
from scipy.ndimage import gaussian_filter1d
from sklearn.base import OneToOneFeatureMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ._base import _CurveTransformer


class FourierMagnitude(_CurveTransformer):
    """Magnitude of the real FFT of each curve: the prototype's features.

    For ``n_points`` points it returns ``n_points // 2 + 1`` values, the
    amplitude at frequencies ``0 .. 1 / (2 * cadence)``. It discards phase, so
    periodic dips become a comb of harmonics; the prototype fed this (L2
    normalised, smoothed, min-max scaled) to its LSTM.

    Attributes
    ----------
    n_features_in_ : int
        Number of points per curve seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lcgan.preprocessing import FourierMagnitude
    >>> X = np.cos(2 * np.pi * np.arange(8) / 4)[None, :]
    >>> FourierMagnitude().fit_transform(X).round(6)
    array([[0., 0., 4., 0., 0.]])
    """

    def _transform_curves(self, X):
        return np.abs(np.fft.rfft(X, axis=1))

    def get_feature_names_out(self, input_features=None):
        """Names of the frequency bins, ``freq0 .. freqK``.

        Parameters
        ----------
        input_features : None
            Ignored; present for API consistency.

        Returns
        -------
        feature_names_out : ndarray of str
            One name per frequency bin.
        """
        check_is_fitted(self)
        n_out = self.n_features_in_ // 2 + 1
        return np.asarray([f"freq{k}" for k in range(n_out)], dtype=object)


class GaussianSmoother(OneToOneFeatureMixin, _CurveTransformer):
    """Gaussian smoothing of each curve along its own axis.

    The common notebook recipe ``scipy.ndimage.gaussian_filter(X, sigma)`` on the
    whole matrix also smooths across rows: each curve is blended with its
    neighbours, which mixes different stars and, when rows are sorted by label,
    leaks labels into the features. This transformer filters along time only.

    Parameters
    ----------
    sigma : float, default=10.0
        Standard deviation of the Gaussian kernel, in points.

    Attributes
    ----------
    n_features_in_ : int
        Number of points per curve seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lcgan.preprocessing import GaussianSmoother
    >>> X = np.zeros((2, 9)); X[0, 4] = 1.0
    >>> out = GaussianSmoother(sigma=1.0).fit_transform(X)
    >>> bool(out[1].max() == 0.0), round(float(out[0].sum()), 6)
    (True, 1.0)
    """

    _parameter_constraints = {"sigma": [Interval(Real, 0, None, closed="neither")]}

    def __init__(self, *, sigma=10.0):
        self.sigma = sigma

    def _transform_curves(self, X):
        return gaussian_filter1d(X, self.sigma, axis=1, mode="reflect")
