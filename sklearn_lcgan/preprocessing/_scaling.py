"""Scale, clip and fill curves one by one."""

from __future__ import annotations

from numbers import Real

import numpy as np
from scipy.signal import savgol_filter
from sklearn.base import OneToOneFeatureMixin
from sklearn.utils._param_validation import Interval, StrOptions

from .._constants import KEPLER_LONG_CADENCE
from .._robust import nan_centre_scale, standardise_rows
from ._base import _CurveTransformer, _window_points


class FluxNormalizer(OneToOneFeatureMixin, _CurveTransformer):
    """Put each curve on a common scale: relative flux or robust z-scores.

    Parameters
    ----------
    method : {"robust", "median"}, default="robust"
        ``"median"`` divides each curve by its median: relative flux around 1,
        the astronomers' convention, for curves in absolute units (it needs a
        positive median). ``"robust"`` subtracts the median and divides by the
        median absolute deviation (scaled to a Gaussian sigma): unitless curves
        around 0 that work on median-subtracted data such as the Kaggle files,
        whose absolute level is lost.

    Attributes
    ----------
    n_features_in_ : int
        Number of points per curve seen in ``fit``.

    See Also
    --------
    Detrender : Remove slow stellar variability after normalising.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lcgan.preprocessing import FluxNormalizer
    >>> X = np.array([[100.0, 102.0, 98.0, 100.0]])
    >>> FluxNormalizer(method="median").fit_transform(X)
    array([[1.  , 1.02, 0.98, 1.  ]])
    """

    _allow_nan = True
    _parameter_constraints = {"method": [StrOptions({"robust", "median"})]}

    def __init__(self, *, method="robust"):
        self.method = method

    def _transform_curves(self, X):
        if self.method == "median":
            centre = nan_centre_scale(X)[0]
            bad = ~(centre[:, 0] > 0)
            if bad.any():
                raise ValueError(
                    f"FluxNormalizer(method='median') needs a positive median flux, "
                    f"but curve {int(np.flatnonzero(bad)[0])} has median "
                    f"{centre[bad][0, 0]!r}; this looks like median-subtracted "
                    "(Kaggle) flux: use method='robust'."
                )
            return X / centre
        return standardise_rows(X)


class OutlierClipper(OneToOneFeatureMixin, _CurveTransformer):
    """Clip outliers to ``centre +/- sigma * robust std`` of each curve.

    One-sided by default: only points above the curve are clipped (cosmic rays,
    flares), since transits are dips and must survive. The centre is the
    curve's median, or with ``window`` a running fit that follows the star's
    variability: on a star whose rotation spans many times its noise, a cosmic
    ray can stand far above its neighbours and still below the median plus a
    few robust deviations of the whole curve.

    Parameters
    ----------
    sigma : float, default=5.0
        Clipping threshold in robust standard deviations (MAD-based).
    side : {"upper", "lower", "both"}, default="upper"
        Which outliers to clip.
    window : float or None, default=None
        None clips about each curve's median, with the robust deviation of
        the whole curve; a width in days clips about a quadratic
        Savitzky-Golay fit over that window, with the robust deviation of the
        curve from it. The fit needs complete curves (fill gaps first with
        :class:`GapFiller`).
    cadence : float, default=0.0204335
        Sampling interval in days (Kepler long cadence), for ``window``.

    Attributes
    ----------
    n_features_in_ : int
        Number of points per curve seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lcgan.preprocessing import OutlierClipper
    >>> X = np.array([[0.0, 1.0, -1.0, 0.5, -0.5, 50.0, -50.0]])
    >>> OutlierClipper(sigma=3.0).fit_transform(X).round(2)
    array([[  0.  ,   1.  ,  -1.  ,   0.5 ,  -0.5 ,   4.45, -50.  ]])
    """

    _parameter_constraints = {
        "sigma": [Interval(Real, 0, None, closed="neither")],
        "side": [StrOptions({"upper", "lower", "both"})],
        "window": [Interval(Real, 0, None, closed="neither"), None],
        "cadence": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self, *, sigma=5.0, side="upper", window=None, cadence=KEPLER_LONG_CADENCE
    ):
        self.sigma = sigma
        self.side = side
        self.window = window
        self.cadence = cadence

    @property
    def _allow_nan(self):
        # The running fit needs complete curves; the median skips NaN.
        return self.window is None

    def _transform_curves(self, X):
        if self.window is None:
            centre, scale = nan_centre_scale(X)
        else:
            width = _window_points(self.window, self.cadence, X.shape[1])
            centre = savgol_filter(X, width, min(2, width - 1), axis=1, mode="interp")
            scale = nan_centre_scale(X - centre)[1]
        upper = np.inf if self.side == "lower" else centre + self.sigma * scale
        lower = -np.inf if self.side == "upper" else centre - self.sigma * scale
        # np.clip keeps NaN cadences as NaN.
        return np.clip(X, lower, upper)


class GapFiller(OneToOneFeatureMixin, _CurveTransformer):
    """Fill NaN cadences by linear interpolation in time.

    Gaps at either end take the nearest valid value.

    Attributes
    ----------
    n_features_in_ : int
        Number of points per curve seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lcgan.preprocessing import GapFiller
    >>> GapFiller().fit_transform([[np.nan, 1.0, np.nan, 3.0, np.nan]])
    array([[1., 1., 2., 3., 3.]])
    """

    _allow_nan = True

    def _transform_curves(self, X):
        out = X.copy()
        index = np.arange(X.shape[1])
        for i in np.flatnonzero(np.isnan(X).any(axis=1)):
            valid = ~np.isnan(X[i])
            if not valid.any():
                raise ValueError(
                    f"Curve {i} has no valid cadence (all NaN); drop it before "
                    "GapFiller."
                )
            out[i] = np.interp(index, index[valid], X[i, valid])
        return out
