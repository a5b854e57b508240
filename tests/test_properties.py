"""Property-based tests: odd inputs get a clear error or a correct result.

Never a crash from inside numpy, batman or torch, never a silent NaN.
"""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sklearn_lcgan import (
    LightCurveClassifier,
    TransitCurveGenerator,
    TransitInjector,
    load_kepler_csv,
)
from sklearn_lcgan.preprocessing import (
    Detrender,
    FluxNormalizer,
    FourierMagnitude,
    GapFiller,
    GaussianSmoother,
    OutlierClipper,
)

TRANSFORMERS = [
    FluxNormalizer(),
    Detrender(window=0.2),
    Detrender(method="savgol", window=0.2),
    OutlierClipper(),
    GapFiller(),
    FourierMagnitude(),
    GaussianSmoother(sigma=2.0),
]
ALLOWS_NAN = (FluxNormalizer, OutlierClipper, GapFiller)

values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.floats(min_value=-1e300, max_value=1e300),
    st.floats(min_value=-1e-300, max_value=1e-300),
)
curves = arrays(
    np.float64,
    st.tuples(st.integers(1, 4), st.integers(1, 40)),
    elements=values,
)
FAST = settings(
    max_examples=int(os.environ.get("LCGAN_HYPOTHESIS_EXAMPLES", 60)),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


def clear_error(exc):
    """Our errors are ValueError/TypeError with a message that names the issue."""
    return isinstance(exc, (ValueError, TypeError)) and len(str(exc)) > 10


@pytest.mark.parametrize("transformer", TRANSFORMERS, ids=lambda t: repr(t))
@FAST
@given(X=curves)
def test_transformers_give_clear_error_or_finite_where_input_finite(transformer, X):
    try:
        out = transformer.fit_transform(X)
    except Exception as exc:  # noqa: BLE001 - the property is about its kind
        assert clear_error(exc), repr(exc)
        return
    assert out.shape[0] == X.shape[0]
    finite_rows = np.isfinite(X).all(axis=1)
    if isinstance(transformer, GapFiller):
        finite_rows = ~np.isnan(X).all(axis=1) & ~np.isinf(X).any(axis=1)
    if not isinstance(transformer, ALLOWS_NAN):
        assert np.isfinite(X).all()  # it accepted only finite input
    with np.errstate(all="ignore"):
        big = np.abs(X[finite_rows]).max(initial=0) > 1e150
    if not big:  # overflow of huge-but-finite values is numpy's honest inf
        assert np.isfinite(out[finite_rows]).all()


@FAST
@given(
    X=arrays(
        np.float64, st.tuples(st.integers(1, 3), st.integers(1, 60)), elements=values
    ),
    snr=st.floats(min_value=0.1, max_value=100),
)
def test_injector_gives_clear_error_or_finite_output(X, snr):
    injector = TransitInjector(
        cadence=0.5,
        period=(1.0, 2.0),
        a=(3.0, 5.0),
        supersample_factor=5,
        min_transits=1,
        snr=snr,
        random_state=0,
    )
    try:
        out = injector.fit_transform(X)
    except Exception as exc:  # noqa: BLE001
        assert clear_error(exc), repr(exc)
        return
    observed = np.isfinite(X)
    assert np.array_equal(np.isnan(out), np.isnan(X))  # gaps kept, no new NaN
    assert np.isfinite(out[observed]).all() or np.abs(X[observed]).max() > 1e150


@pytest.mark.parametrize(
    "X",
    [
        np.empty((0, 10)),
        np.empty((3, 0)),
        np.array([["a", "b", "c"]], dtype=object),
        np.zeros(5),
        np.zeros((2, 3, 4)),
    ],
    ids=["no-curves", "no-points", "strings", "1-D", "3-D"],
)
def test_bad_shapes_and_types_get_clear_errors(X):
    for estimator in [*TRANSFORMERS, TransitInjector()]:
        with pytest.raises((ValueError, TypeError)) as info:
            estimator.fit_transform(X)
        assert clear_error(info.value)


def test_wrong_length_between_fit_and_transform():
    for estimator in [*TRANSFORMERS, TransitInjector(cadence=1.0, min_transits=1)]:
        estimator.fit(np.random.default_rng(0).normal(size=(2, 30)))
        with pytest.raises(ValueError, match="30 features"):
            estimator.transform(np.zeros((2, 31)))


cells = st.one_of(
    st.floats(allow_nan=True, allow_infinity=False).map(repr),
    st.integers(-5, 5).map(str),
    st.sampled_from(["", "nan", "abc", "1e3", " 2 ", "--1", "0x10"]),
)


@FAST
@given(
    labels=st.lists(st.sampled_from(["1", "2", "3", "x", ""]), min_size=0, max_size=5),
    n_flux=st.integers(1, 4),
    data=st.data(),
)
def test_loader_gives_clear_error_or_exact_table(
    tmp_path_factory, labels, n_flux, data
):
    rows = ["LABEL," + ",".join(f"FLUX.{i + 1}" for i in range(n_flux))]
    for label in labels:
        width = data.draw(st.integers(n_flux - 1, n_flux + 1))
        rows.append(
            ",".join(
                [label] + data.draw(st.lists(cells, min_size=width, max_size=width))
            )
        )
    path = tmp_path_factory.mktemp("csv") / "curves.csv"
    path.write_text("\n".join(rows) + "\n")
    try:
        X, y = load_kepler_csv(path, return_X_y=True)
    except ValueError as exc:
        assert str(path) in str(exc)  # names the file
        return
    # Blank lines are skipped, as pandas does.
    kept = [row.split(",")[0] for row in rows[1:] if row.strip()]
    assert X.shape == (len(kept), n_flux)
    assert np.array_equal(y, np.array([label.strip() == "2" for label in kept]))


# -- the torch estimators ------------------------------------------------------
N_POINTS = 64
TINY_CLASSIFIER = dict(
    max_epochs=1, module__hidden_size=4, train_split=None, random_state=0
)
TINY_GENERATOR = dict(
    generator__latent_dim=4,
    generator__hidden_sizes=(8,),
    critic__hidden_sizes=(4,),
    max_epochs=1,
)
odd_curves = st.one_of(
    [
        arrays(
            np.float64,
            st.tuples(st.integers(1, 4), st.just(N_POINTS)),
            elements=elements,
        )
        for elements in (
            st.floats(-1e6, 1e6),  # ordinary flux: the estimators must accept it
            st.floats(-1e300, 1e300),
            st.floats(-1e-300, 1e-300),
            values,
        )
    ]
)


@pytest.fixture(scope="module")
def small_classifier():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, N_POINTS))
    return LightCurveClassifier(**TINY_CLASSIFIER).fit(X, [0, 1] * 4)


def finite_where_accepted(estimator, method, X):
    try:
        out = getattr(estimator, method)(X)
    except Exception as exc:  # noqa: BLE001
        assert clear_error(exc), repr(exc)
        return None
    assert np.isfinite(out).all(), f"{method} returned NaN/inf for accepted input"
    return out


@FAST
@given(X=odd_curves)
def test_classifier_predicts_finite_probabilities_or_refuses(small_classifier, X):
    proba = finite_where_accepted(small_classifier, "predict_proba", X)
    if proba is not None:
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)


@settings(FAST, max_examples=max(10, FAST.max_examples // 3))
@given(X=odd_curves.filter(lambda X: len(X) >= 2))
def test_classifier_fits_or_refuses(X):
    y = np.arange(len(X)) % 2
    clf = LightCurveClassifier(**TINY_CLASSIFIER)
    try:
        clf.fit(X, y)
    except Exception as exc:  # noqa: BLE001
        assert clear_error(exc), repr(exc)
        return
    finite_where_accepted(clf, "predict_proba", X)


@settings(FAST, max_examples=max(10, FAST.max_examples // 3))
@given(X=odd_curves)
def test_generator_fits_and_samples_finite_curves_or_refuses(X):
    gan = TransitCurveGenerator(**TINY_GENERATOR, random_state=0)
    try:
        gan.fit(X)
    except Exception as exc:  # noqa: BLE001
        assert clear_error(exc), repr(exc)
        return
    assert np.isfinite(gan.sample(3, random_state=0)[0]).all()


@pytest.mark.parametrize(
    "X, accepted",
    [
        (np.arange(4 * N_POINTS).reshape(4, N_POINTS) % 7, True),
        (np.ones((4, N_POINTS), dtype=object) * np.arange(N_POINTS), True),
        (np.full((4, N_POINTS), "x", dtype=object), False),
        (np.empty((0, N_POINTS)), False),
        (np.random.default_rng(0).normal(size=(1, N_POINTS)), False),
        (np.random.default_rng(0).normal(size=(4, 1)), False),
        (np.zeros(N_POINTS), False),
        (np.zeros((4, N_POINTS, 2)), False),
    ],
    ids=[
        "int",
        "object-numbers",
        "object-strings",
        "no-curves",
        "one-curve",
        "one-point",
        "1-D",
        "3-D",
    ],
)
def test_torch_estimators_on_dtypes_and_shapes(X, accepted):
    y = np.arange(len(X)) % 2
    for estimator, args in [
        (LightCurveClassifier(**TINY_CLASSIFIER), (y,)),
        (TransitCurveGenerator(**TINY_GENERATOR), ()),
    ]:
        if accepted:
            estimator.fit(X, *args)
            continue
        with pytest.raises((ValueError, TypeError)) as info:
            estimator.fit(X, *args)
        assert clear_error(info.value)


def test_torch_estimators_refuse_a_length_change(small_classifier, kepler_like):
    with pytest.raises(ValueError, match=f"{N_POINTS} features"):
        small_classifier.predict_proba(np.zeros((2, N_POINTS + 1)))
    X = kepler_like[0][:, :N_POINTS]
    gan = TransitCurveGenerator(**TINY_GENERATOR).fit(X)
    with pytest.raises(ValueError, match=f"{N_POINTS} features"):
        gan.score(np.zeros((2, N_POINTS + 1)))
