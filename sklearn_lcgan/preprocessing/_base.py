"""What every per-curve transformer shares: validation, windows, medians."""

from __future__ import annotations

import bottleneck
import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils.validation import check_is_fitted, validate_data


class _CurveTransformer(TransformerMixin, BaseEstimator):
    """Shared validation for the per-curve transformers.

    Subclasses implement ``_transform_curves(X)`` on a validated float64 array.
    """

    _allow_nan = False
    _min_points = 1
    _parameter_constraints: dict = {}

    def _validate(self, X, reset):
        X = validate_data(
            self,
            X,
            reset=reset,
            dtype=np.float64,
            ensure_all_finite="allow-nan",
            ensure_min_features=self._min_points,
        )
        if not self._allow_nan and np.isnan(X).any():
            row = int(np.flatnonzero(np.isnan(X).any(axis=1))[0])
            raise ValueError(
                f"{type(self).__name__} does not accept NaN (curve {row} has "
                f"{int(np.isnan(X[row]).sum())}); fill gaps first with GapFiller()."
            )
        return X

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate ``X`` and record its number of points.

        Parameters
        ----------
        X : array-like of shape (n_curves, n_points)
            Light curves, one per row.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        self._validate(X, reset=True)
        return self

    def transform(self, X):
        """Transform each curve independently.

        Parameters
        ----------
        X : array-like of shape (n_curves, n_points)
            Light curves, one per row.

        Returns
        -------
        X_out : ndarray of shape (n_curves, n_points_out)
            Transformed curves, float64.
        """
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        return self._transform_curves(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = self._allow_nan
        return tags


def _running_median(X, width):
    """Centred running median of each row, edges mirrored.

    Equal to ``scipy.ndimage.median_filter(X, (1, width), mode="reflect")``;
    bottleneck's sorted-window median is several times faster.
    """
    half = width // 2
    padded = np.pad(X, ((0, 0), (half, half)), mode="symmetric")
    return bottleneck.move_median(padded, width, axis=1)[:, width - 1 :]


def _window_points(window_days, cadence, n_points):
    """Odd window length in points for a window in days, capped at the curve."""
    width = int(round(window_days / cadence))
    width = max(3, width + (width % 2 == 0))
    if width > n_points:
        width = n_points - (n_points % 2 == 0)
    return max(width, 1)
