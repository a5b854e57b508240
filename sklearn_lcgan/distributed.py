"""Chunked work over Dask arrays, for data sets larger than memory.

Each function takes a fitted estimator and a :class:`dask.array.Array` of
curves (one row per curve) and returns a lazy Dask array computed chunk by
chunk with ``map_blocks``: nothing runs until ``.compute()``, ``.store()`` or
``.to_zarr()``, and then each worker holds one chunk at a time. On a
``dask.distributed`` cluster the chunks run on its workers.

For hyperparameter search, no function is needed: scikit-learn's
``GridSearchCV`` and ``RandomizedSearchCV`` run their fits through joblib,
and joblib runs them on a Dask cluster inside
``joblib.parallel_config(backend="dask")`` once a ``dask.distributed.Client``
exists.

Dask is optional: ``pip install "sklearn-lcgan[dask]"``.
"""

from __future__ import annotations

from functools import partial
from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .experiments import planet_proba


def _dask_array():
    try:
        import dask.array as da
    except ImportError:
        raise ImportError(
            "sklearn_lcgan.distributed needs dask; install it with "
            "pip install 'sklearn-lcgan[dask]'."
        ) from None
    return da


def _curve_blocks(X, name):
    """Check a Dask array of curves; keep whole curves in each chunk."""
    da = _dask_array()
    if not isinstance(X, da.Array):
        raise TypeError(
            f"{name} works on a dask.array.Array of curves, got "
            f"{type(X).__name__}; wrap NumPy data with "
            "dask.array.from_array(X, chunks=(10_000, -1))."
        )
    if X.ndim != 2:
        raise ValueError(
            f"{name} needs a 2-D array (curves x points), got {X.ndim}-D of "
            f"shape {X.shape}."
        )
    if len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})  # each task needs whole curves
    return X


def transform_blocks(transformer, X):
    """Apply a fitted transformer (or injector) to a Dask array, chunk by chunk.

    ``TransitInjector`` draws each curve's planet from the curve itself and
    its seed, so the result equals ``transformer.transform(X.compute())``
    whatever the chunking.

    Parameters
    ----------
    transformer : fitted transformer
        Anything with ``transform`` mapping ``(n, p)`` curves to ``(n, p)``
        curves: ``TransitInjector``, a preprocessing step or a ``Pipeline``
        of them.
    X : dask.array.Array of shape (n_curves, n_points)
        Curves, chunked along the first axis.

    Returns
    -------
    X_out : dask.array.Array of shape (n_curves, n_points)
        Lazy float64 result.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn_lcgan import TransitInjector, make_kepler_like
    >>> from sklearn_lcgan.distributed import transform_blocks
    >>> X, _ = make_kepler_like(8, n_points=400, planet_fraction=0, random_state=0)
    >>> injector = TransitInjector(period=(2, 4), random_state=0).fit(X)
    >>> lazy = transform_blocks(injector, da.from_array(X, chunks=(3, -1)))
    >>> bool((lazy.compute() == injector.transform(X)).all())
    True
    """
    X = _curve_blocks(X, "transform_blocks")
    check_is_fitted(transformer)
    return X.map_blocks(transformer.transform, dtype=np.float64)


def predict_proba_blocks(estimator, X, *, planet_label=1):
    """Planet probability of every curve of a Dask array, chunk by chunk.

    Parameters
    ----------
    estimator : fitted classifier or pipeline
        A detector with ``predict_proba``, such as
        :func:`~sklearn_lcgan.make_detection_pipeline`.
    X : dask.array.Array of shape (n_curves, n_points)
        Curves, chunked along the first axis.
    planet_label : label, default=1
        The class whose probability is returned.

    Returns
    -------
    proba : dask.array.Array of shape (n_curves,)
        Lazy planet probabilities.
    """
    X = _curve_blocks(X, "predict_proba_blocks")
    check_is_fitted(estimator)
    return X.map_blocks(
        partial(planet_proba, estimator, planet_label=planet_label),
        drop_axis=1,
        dtype=np.float64,
    )


def sample_blocks(
    generator, n_samples, *, chunk_size=10_000, y=None, random_state=None
):
    """Draw many curves from a fitted generator as a Dask array, chunk by chunk.

    Each chunk is drawn by one task with its own seed, taken from
    ``random_state``, so the same arguments give the same curves.

    Parameters
    ----------
    generator : fitted TransitCurveGenerator
        The generator.
    n_samples : int
        Number of curves.
    chunk_size : int, default=10_000
        Curves per chunk (per task).
    y : label or None, default=None
        Passed to ``generator.sample``: the class of every curve (a planet
        label gets injected transits).
    random_state : int, RandomState instance or None, default=None
        Seed of the chunks' seeds.

    Returns
    -------
    X : dask.array.Array of shape (n_samples, n_points)
        Lazy generated curves (labels, if any, are dropped: draw each class
        with its own call).
    """
    da = _dask_array()
    from dask import delayed

    check_is_fitted(generator)
    for name, value in (("n_samples", n_samples), ("chunk_size", chunk_size)):
        if not (isinstance(value, Integral) and value >= 1):
            raise ValueError(f"{name} must be a positive int, got {value!r}.")
    rng = check_random_state(random_state)
    sizes = [chunk_size] * (n_samples // chunk_size)
    if n_samples % chunk_size:
        sizes.append(n_samples % chunk_size)
    seeds = rng.randint(2**31 - 1, size=len(sizes))

    def draw(size, seed):
        return generator.sample(size, y=y, random_state=int(seed))[0]

    blocks = [
        da.from_delayed(
            delayed(draw)(size, seed),
            shape=(size, generator.n_features_in_),
            dtype=np.float64,
        )
        for size, seed in zip(sizes, seeds, strict=True)
    ]
    return da.concatenate(blocks, axis=0)
