"""The folded views see transits where they are, and tell binaries from planets."""

import numpy as np
import pytest
import torch

from sklearn_lcgan import LightCurveClassifier, TransitInjector
from sklearn_lcgan.nn.folding import FoldedViewDetector, FoldedViews

CADENCE = 0.0204335
N_POINTS = 1200


@pytest.fixture(scope="module")
def views():
    return FoldedViews(N_POINTS, CADENCE, local_bins=21)


@pytest.fixture(scope="module")
def planets():
    X = np.random.default_rng(0).normal(size=(12, N_POINTS))
    injector = TransitInjector(snr=25.0, period=(1.0, 6.0), random_state=0)
    params = injector.fit(X).draw_params(X)
    return injector.inject(X, params), params


def binaries(n, rng):
    """Eclipsing binaries: primary and secondary eclipses of unequal depths,
    half an orbit apart, that a box search folds at half the orbit."""
    time = np.arange(N_POINTS) * CADENCE
    X = rng.normal(size=(n, N_POINTS))
    for curve in X:
        period, start = rng.uniform(2.0, 6.0), rng.uniform(0, 2.0)
        phase = ((time - start) / period) % 1.0
        curve[np.abs(phase - 0.25) < 0.012] -= 6.0
        curve[np.abs(phase - 0.75) < 0.012] -= 2.0
    return X


def test_a_transit_sits_at_the_centre_of_every_view(views, planets):
    X, params = planets
    global_view, local_views, summary = views(torch.tensor(X, dtype=torch.float32))
    centre = views.local_bins // 2
    assert (local_views[:, centre, 0] < local_views[:, :3, 0].mean(1) - 3).all()
    assert (global_view[:, views.global_bins // 2] < -3).all()
    period = torch.exp(summary[:, 2]).numpy()
    assert np.mean(np.abs(period / params["period"].to_numpy() - 1) < 0.02) >= 0.9
    assert (summary[:, 0] > 15).all()


def test_odd_even_and_secondary_views_flag_eclipsing_binaries(views, planets):
    X, _ = planets
    _, _, planet = views(torch.tensor(X, dtype=torch.float32))
    eb = binaries(12, np.random.default_rng(1))
    _, _, binary = views(torch.tensor(eb, dtype=torch.float32))

    # Folded at the orbit the secondary shows; at half the orbit, odd and
    # even eclipses differ.
    def flag(summary):
        return torch.maximum(summary[:, 4].abs(), summary[:, 5])

    assert (flag(binary) > 5).all() and flag(planet).median() < 2.5


def test_views_take_gaps(views, planets):
    X = planets[0][:4].copy()
    X[:, 200:260] = np.nan
    outputs = views(torch.tensor(X, dtype=torch.float32))
    assert all(torch.isfinite(out).all() for out in outputs)


def test_the_detector_trains_in_a_classifier_and_ranks_planets_first(planets):
    rng = np.random.default_rng(2)
    noise = rng.normal(size=(24, N_POINTS))
    injector = TransitInjector(snr=25.0, period=(1.0, 6.0), random_state=1)
    hosts = injector.fit(noise[:12]).transform(noise[:12])
    X = np.vstack([hosts, noise[12:]])
    y = np.r_[np.ones(12), np.zeros(12)].astype(int)
    clf = LightCurveClassifier(
        module=FoldedViewDetector,
        module__hidden_size=8,
        module__local_bins=21,
        max_epochs=15,
        batch_size=8,
        train_split=None,
        random_state=0,
    ).fit(X, y)
    proba = clf.predict_proba(X)[:, 1]
    assert proba[:12].min() > proba[12:].max()


def test_a_folding_pipeline_saves_loads_and_refuses_flat_curves(tmp_path):
    from sklearn_lcgan import (
        load_model,
        make_detection_pipeline,
        make_kepler_like,
        save_model,
    )

    X, y = make_kepler_like(30, n_points=600, random_state=0)
    pipe = make_detection_pipeline(
        classifier__max_epochs=1,
        classifier__module__hidden_size=8,
        classifier__random_state=0,
    ).fit(X, y)
    save_model(pipe, tmp_path / "folding.lcgan")
    loaded = load_model(tmp_path / "folding.lcgan")
    np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))
    # Curves the box search cannot read get a clear error, never a probability.
    with pytest.raises(ValueError, match="a curve is constant"):
        loaded.predict_proba(np.vstack([X[:3], np.full((1, 600), 7.0)]))
    with pytest.raises(ValueError, match="no valid cadence"):
        loaded.predict_proba(np.vstack([X[:3], np.full((1, 600), np.nan)]))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_the_default_pipeline_trains_and_predicts_on_the_gpu():
    from sklearn_lcgan import make_detection_pipeline, make_kepler_like

    X, y = make_kepler_like(30, n_points=600, random_state=0)
    params = dict(classifier__max_epochs=1, classifier__module__hidden_size=8)
    on_gpu = make_detection_pipeline(classifier__device="cuda", **params).fit(X, y)
    assert next(on_gpu[-1].module_.parameters()).is_cuda
    assert np.isfinite(on_gpu.predict_proba(X)).all()
