"""TransitOversampler: planet hosts made from non-hosts, with imbalanced-learn's
``fit_resample`` contract."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from numbers import Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, _fit_context, clone
from sklearn.utils import InputTags, Tags, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import validate_data

from .injection import TransitInjector


# imbalanced-learn's tags, which its sampler checks read, without importing
# imbalanced-learn (an optional extra): sklearn's plus two fields.
@dataclass(slots=True)
class _SamplerTags:
    """Whether the sampler sets ``sample_indices_``."""

    sample_indices: bool = True


@dataclass(slots=True)
class _SamplerInputTags(InputTags):
    """sklearn's input tags plus whether DataFrames are kept as such."""

    dataframe: bool = False


@dataclass(slots=True)
class _ResamplerTags(Tags):
    """sklearn's tags plus the sampler's."""

    sampler_tags: _SamplerTags | None = None


class TransitOversampler(OneToOneFeatureMixin, BaseEstimator):
    """Add planet hosts made from non-hosts with injected transits.

    Randomly chosen negatives (curves of any label but ``positive_label``) are
    copied and given a batman transit by ``injector`` until the positive class
    reaches ``sampling_strategy``; the originals stay. It follows
    imbalanced-learn's contract (the public :meth:`fit_resample` validates, a
    private hook resamples), so in an :class:`imblearn.pipeline.Pipeline` it
    augments the training folds at fit time and is skipped at predict time.

    Parameters
    ----------
    injector : TransitInjector or None, default=None
        The injector that makes the transits; None uses ``TransitInjector()``.
        Its ``random_state`` is ignored: draws come from ``random_state`` here.
    sampling_strategy : "auto", float or dict, default="auto"
        Target size of the positive class: ``"auto"`` as many as negatives
        (none added if positives already outnumber them), a float the ratio
        positives / negatives after resampling, a dict ``{positive_label: n}``
        the count.
    positive_label : int or str, default=1
        The label of planet hosts.
    random_state : int, RandomState instance or None, default=None
        Seed for the choice of negatives and the planets drawn.

    Attributes
    ----------
    injector_ : TransitInjector
        The fitted injector.
    sampling_strategy_ : dict
        ``{positive_label: n_new}``, the curves added (imbalanced-learn's
        convention).
    sample_indices_ : ndarray of shape (n_resampled,)
        Row of ``X`` each output row comes from.
    injected_params_ : pandas.DataFrame
        The planets injected, one row per new curve, indexed by its row in
        ``X_res``, with ``source`` the negative it was made from.
    n_features_in_ : int
        Points per curve.

    See Also
    --------
    TransitInjector : The transformer that draws and injects the transits.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lcgan import TransitOversampler
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(10, 500)), np.array([1, 1] + [0] * 8)
    >>> X_res, y_res = TransitOversampler(random_state=0).fit_resample(X, y)
    >>> X_res.shape, int(y_res.sum())
    ((16, 500), 8)
    """

    _parameter_constraints = {
        "injector": [TransitInjector, None],
        "sampling_strategy": [
            StrOptions({"auto"}),
            Interval(Real, 0, None, closed="neither"),
            dict,
        ],
        "positive_label": "no_validation",
        "random_state": ["random_state"],
    }

    def __init__(
        self, *, injector=None, sampling_strategy="auto", positive_label=1,
        random_state=None,
    ):  # fmt: skip
        self.injector = injector
        self.sampling_strategy = sampling_strategy
        self.positive_label = positive_label
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Check the curves, labels and settings, as imbalanced-learn's do.

        :meth:`fit_resample` resamples; ``fit`` only records
        ``n_features_in_`` and ``sampling_strategy_``.

        Parameters
        ----------
        X : array-like of shape (n_curves, n_points)
            Light curves; NaN marks a gap.
        y : array-like of shape (n_curves,)
            Labels, ``positive_label`` among them.

        Returns
        -------
        self : TransitOversampler
            The checked sampler.
        """
        self._validate(X, y)
        return self

    @_fit_context(prefer_skip_nested_validation=False)
    def fit_resample(self, X, y):
        """Add injected copies of negatives to the positive class.

        Parameters
        ----------
        X : array-like of shape (n_curves, n_points)
            Light curves; NaN marks a gap.
        y : array-like of shape (n_curves,)
            Labels, ``positive_label`` among them.

        Returns
        -------
        X_res : ndarray of shape (n_curves + n_new, n_points)
            The original curves followed by the new positives, in ``X``'s
            float dtype (a list for a list).
        y_res : ndarray of shape (n_curves + n_new,)
            Their labels.
        """
        X_in, y = self._validate(X, y)
        X_res, y_res = self._fit_resample(X_in.astype(np.float64, copy=False), y)
        X_res = X_res.astype(X_in.dtype, copy=False)
        if isinstance(X, list):
            return X_res.tolist(), y_res.tolist()
        return X_res, y_res

    def _validate(self, X, y):
        """Validated ``X`` and ``y``; sets ``sampling_strategy_``."""
        kind = type_of_target(y)
        if kind not in ("binary", "multiclass"):
            raise ValueError(
                f"Unknown label type: y is {kind}; give one class label per curve."
            )
        X, y = validate_data(
            self, X, y, dtype=(np.float64, np.float32), ensure_all_finite="allow-nan",
            ensure_min_features=2,
        )  # fmt: skip
        labels = np.unique(y)
        if self.positive_label not in labels or len(labels) < 2:
            raise ValueError(
                f"y must hold at least two classes, one of them positive_label="
                f"{self.positive_label!r}; got {len(labels)} class(es): "
                f"{labels.tolist()}."
            )
        n_negative = int(np.sum(y != self.positive_label))
        n_new = self._n_new(len(y) - n_negative, n_negative)
        self.sampling_strategy_ = {self.positive_label: n_new}
        return X, y

    def _fit_resample(self, X, y):
        """Resample validated float64 ``X`` and ``y``."""
        negative = np.flatnonzero(y != self.positive_label)
        n_new = self.sampling_strategy_[self.positive_label]
        rng = check_random_state(self.random_state)
        base = TransitInjector() if self.injector is None else self.injector
        self.injector_ = clone(base).fit(X)
        source = rng.choice(negative, size=n_new, replace=n_new > len(negative))
        if n_new:
            # A seed per copy, not the injector's content-derived draws: two
            # copies of one negative must get two different planets.
            seeds = rng.randint(0, 2**63 - 1, size=n_new)
            planets = self.injector_.draw_params(X[source], seeds=seeds)
            X_new, params = self.injector_.inject(
                X[source], planets, return_params=True
            )
        else:
            X_new, params = np.empty((0, X.shape[1])), pd.DataFrame()
        params.index = np.arange(len(y), len(y) + n_new)
        params.insert(0, "source", source)
        self.injected_params_ = params
        self.sample_indices_ = np.concatenate([np.arange(len(y)), source])
        y_new = np.full(n_new, self.positive_label, dtype=y.dtype)
        return np.vstack([X, X_new]), np.concatenate([y, y_new])

    def _n_new(self, n_pos, n_neg):
        """How many positives to add for ``sampling_strategy``."""
        if self.sampling_strategy == "auto":
            target = max(n_neg, n_pos)
        elif isinstance(self.sampling_strategy, dict):
            if set(self.sampling_strategy) != {self.positive_label}:
                raise ValueError(
                    "sampling_strategy as a dict must have the positive label "
                    f"{self.positive_label!r} as its only key, got "
                    f"{self.sampling_strategy!r}."
                )
            target = int(self.sampling_strategy[self.positive_label])
        else:
            target = int(math.ceil(self.sampling_strategy * n_neg))
        if target < n_pos:
            raise ValueError(
                f"sampling_strategy={self.sampling_strategy!r} asks for {target} "
                f"positives but y already has {n_pos}; an oversampler only adds."
            )
        return target - n_pos

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        values = {f.name: getattr(tags, f.name) for f in fields(tags)}
        inputs = {f.name: getattr(tags.input_tags, f.name) for f in fields(InputTags)}
        values["input_tags"] = _SamplerInputTags(**{**inputs, "allow_nan": True})
        values["estimator_type"] = "sampler"
        return _ResamplerTags(**values, sampler_tags=_SamplerTags())
