import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from skorch.callbacks import Callback

from sklearn_lcgan import (
    LightCurveClassifier,
    make_kepler_like,
    make_patch_pipeline,
    make_prototype_pipeline,
)
from sklearn_lcgan.nn import PatchLSTMDetector, to_patches
from sklearn_lcgan.preprocessing import FluxNormalizer

TINY = {
    "classifier__module__hidden_size": 16,
    "classifier__module__conv_channels": 4,
    "classifier__batch_size": 32,
    "classifier__random_state": 0,
}


@pytest.fixture(scope="module")
def easy():
    """Strong transits (SNR 40) in short curves: learnable in a few epochs."""
    X, y = make_kepler_like(240, n_points=400, snr=40.0, random_state=10)
    X_test, y_test = make_kepler_like(80, n_points=400, snr=40.0, random_state=11)
    return X, y, X_test, y_test


@pytest.fixture(scope="module")
def fitted_pipeline(easy):
    X, y, _, _ = easy
    return make_patch_pipeline(classifier__max_epochs=12, **TINY).fit(X, y)


def test_detection_pipeline_learns_strong_transits(easy, fitted_pipeline):
    _, _, X_test, y_test = easy
    proba = fitted_pipeline.predict_proba(X_test)
    assert proba.shape == (80, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert roc_auc_score(y_test, proba[:, 1]) > 0.8
    history = fitted_pipeline[-1].history
    assert len(history) == 12
    assert history[-1, "train_loss"] < history[0, "train_loss"]


def test_patches_make_a_real_sequence():
    X = torch.arange(3197, dtype=torch.float32)[None, :]
    patches = to_patches(X, 32)
    assert patches.shape == (1, 100, 32)
    assert patches[0, -1, -1] == 3196.0  # padded with the last value
    logits = PatchLSTMDetector()(torch.zeros(5, 3197))
    assert logits.shape == (5, 2)


def test_accepts_float64_lists_dataframes_and_any_two_labels(easy):
    X, y, _, _ = easy
    X, y = X[:60], y[:60]
    kaggle = np.where(y == 1, 2, 1)
    names = np.where(y == 1, "host", "star")
    params = {"max_epochs": 1, "module__hidden_size": 8, "random_state": 0}
    for labels in (kaggle, names):
        clf = LightCurveClassifier(**params).fit(X, labels)
        assert set(clf.predict(X)) <= set(labels)
        assert list(clf.classes_) == sorted(set(labels))
    a = LightCurveClassifier(**params).fit(X.tolist(), y).predict_proba(X)
    b = LightCurveClassifier(**params).fit(pd.DataFrame(X), y).predict_proba(X)
    c = LightCurveClassifier(**params).fit(X.astype(np.float32), y).predict_proba(X)
    np.testing.assert_allclose(a, b, rtol=1e-5)
    np.testing.assert_allclose(a, c, rtol=1e-5)


def test_random_state_repeats_without_touching_global_torch_state(easy):
    X, y, _, _ = easy
    params = {"max_epochs": 2, "module__hidden_size": 8}
    before = torch.random.get_rng_state()
    a = LightCurveClassifier(random_state=3, **params).fit(X, y).predict_proba(X)
    assert torch.equal(before, torch.random.get_rng_state())
    b = LightCurveClassifier(random_state=3, **params).fit(X, y).predict_proba(X)
    c = LightCurveClassifier(random_state=4, **params).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_class_weight_balanced_reweights_the_loss(easy):
    X, y, _, _ = easy
    X, y = X[:110], np.r_[np.ones(10, int), np.zeros(100, int)]
    clf = LightCurveClassifier(class_weight="balanced", max_epochs=1, random_state=0)
    clf.fit(X, y)
    np.testing.assert_allclose(clf.class_weight_, [110 / 200, 110 / 20])
    np.testing.assert_allclose(clf.criterion_.weight.numpy(), clf.class_weight_)
    plain = LightCurveClassifier(max_epochs=1, random_state=0).fit(X, y)
    assert plain.criterion_.weight is None


def test_validation_split_is_stratified_and_early_stopping_stops(easy):
    X, y, _, _ = easy
    clf = LightCurveClassifier(
        validation_fraction=0.25, early_stopping=True, patience=1, max_epochs=30,
        lr=0.05, random_state=0,
    ).fit(X, y)  # fmt: skip
    assert len(clf.history) < 30
    train, valid = clf.get_split_datasets(X, clf.label_encoder_.transform(y))
    assert len(valid) == 60
    assert y[valid.indices].mean() == pytest.approx(y.mean(), abs=0.02)
    no_split = LightCurveClassifier(train_split=None, max_epochs=1).fit(X, y)
    assert "valid_loss" not in no_split.history[-1]


def test_partial_fit_and_warm_start_continue_training(easy):
    X, y, _, _ = easy
    clf = LightCurveClassifier(max_epochs=1, random_state=0, warm_start=True)
    clf.fit(X, y)
    weights = clf.module_.head[1].weight.detach().clone()
    clf.fit(X, y)
    assert len(clf.history) == 2
    clf.partial_fit(X, y)
    assert len(clf.history) == 3
    assert not torch.equal(weights, clf.module_.head[1].weight)


def test_bad_input_gets_clear_errors(easy):
    X, y, _, _ = easy
    with pytest.raises(ValueError, match="1 class"):
        LightCurveClassifier().fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="Only binary classification"):
        LightCurveClassifier().fit(X, np.arange(len(X)) % 3)
    with pytest.raises(ValueError, match="NaN"):
        LightCurveClassifier().fit(np.where(X > 1e9, 0, np.nan), y)
    with pytest.raises(ValueError, match="validation_fraction"):
        LightCurveClassifier(validation_fraction=1.5).fit(X, y)
    with pytest.raises(ValueError, match="needs a validation split"):
        LightCurveClassifier(early_stopping=True, train_split=None).fit(X, y)
    clf = LightCurveClassifier(max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="400 features"):
        clf.predict(X[:, :100])
    with pytest.raises(ValueError, match="unseen"):
        clf.partial_fit(X, np.where(y == 1, 5, 7))


def test_not_fitted_error():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        LightCurveClassifier().predict_proba(np.zeros((2, 50)))


def test_pipelines_clone_pickle_and_joblib(easy, fitted_pipeline, tmp_path):
    X, y, X_test, _ = easy
    expected = fitted_pipeline.predict_proba(X_test)
    again = pickle.loads(pickle.dumps(fitted_pipeline))
    np.testing.assert_allclose(again.predict_proba(X_test), expected, rtol=1e-6)
    joblib.dump(fitted_pipeline, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib")
    np.testing.assert_allclose(loaded.predict_proba(X_test), expected, rtol=1e-6)
    refit = clone(fitted_pipeline).fit(X, y)
    np.testing.assert_allclose(refit.predict_proba(X_test), expected, rtol=1e-5)


def test_predictions_in_chunks_equal_predictions_at_once(easy, fitted_pipeline):
    _, _, X_test, _ = easy
    whole = fitted_pipeline.predict_proba(X_test)
    chunked = clone(fitted_pipeline).set_params(chunk_size=7)
    chunked.steps = fitted_pipeline.steps  # the fitted steps, chunked
    np.testing.assert_allclose(chunked.predict_proba(X_test), whole, rtol=1e-5)
    np.testing.assert_array_equal(
        chunked.predict(pd.DataFrame(X_test)), fitted_pipeline.predict(X_test)
    )
    with pytest.raises(ValueError, match="chunk_size must be a positive int"):
        chunked.set_params(chunk_size=0).predict(X_test)


def test_grid_search_over_preprocessing_and_network_with_two_jobs(easy):
    X, y, _, _ = easy
    search = GridSearchCV(
        make_patch_pipeline(classifier__max_epochs=2, **TINY),
        {
            "detrender__window": [0.5, 1.0],
            "classifier__module__hidden_size": [8, 16],
        },
        cv=StratifiedKFold(2),
        scoring="roc_auc",
        n_jobs=2,
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_prototype_pipeline_reproduces_the_recipe(easy):
    X, y, X_test, _ = easy
    pipe = make_prototype_pipeline(
        classifier__max_epochs=1,
        classifier__module__hidden_sizes=(16, 8),
        classifier__random_state=0,
    ).fit(X, y)
    assert [name for name, _ in pipe.steps] == [
        "fft", "l2", "smoother", "minmax", "classifier",
    ]  # fmt: skip
    module = pipe[-1].module_
    assert module.layers[0].input_size == X.shape[1] // 2 + 1  # one step of |FFT|
    assert pipe.predict_proba(X_test).shape == (80, 2)


class _InterruptInEpochTwo(Callback):
    """The user presses Ctrl-C during the second epoch."""

    def on_batch_begin(self, net, **kwargs):
        if len(net.history) == 2:
            raise KeyboardInterrupt


def test_interrupted_training_keeps_the_last_finished_epoch(easy):
    X, y, _, _ = easy
    X = FluxNormalizer().fit_transform(X)
    params = dict(max_epochs=3, module__hidden_size=8, random_state=0)
    interrupted = LightCurveClassifier(
        callbacks=[("ctrl_c", _InterruptInEpochTwo())], **params
    )
    with pytest.warns(UserWarning, match="interrupted in epoch 2.*epoch 1 are kept"):
        interrupted.fit(X, y)
    assert len(interrupted.history) == 1
    one_epoch = LightCurveClassifier(**{**params, "max_epochs": 1}).fit(X, y)
    np.testing.assert_allclose(
        interrupted.predict_proba(X), one_epoch.predict_proba(X), rtol=1e-5
    )
