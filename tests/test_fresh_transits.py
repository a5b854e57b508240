"""LightCurveClassifier(injector=...): new batman transits every training epoch."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV
from skorch.callbacks import Callback

from sklearn_lcgan import (
    LightCurveClassifier,
    TransitInjector,
    load_model,
    make_kepler_like,
    make_patch_pipeline,
    save_model,
)
from sklearn_lcgan._robust import robust_noise
from sklearn_lcgan.preprocessing import FluxNormalizer

TINY = dict(module__hidden_size=8, module__conv_channels=4, batch_size=32)


class _Record(Callback):
    """Keep what each epoch trains and validates on."""

    def initialize(self):
        self.epochs = []
        return self

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        valid = dataset_valid or []
        self.epochs.append(
            (
                dataset_train.X_epoch.copy(),
                dataset_train.y_epoch.copy(),
                [int(valid[i][1]) for i in range(len(valid))],
            )
        )


@pytest.fixture(scope="module")
def few_hosts():
    """Two real hosts among 240 curves, as rare as in the Kaggle files."""
    X, y = make_kepler_like(240, n_points=400, planet_fraction=0.01, random_state=4)
    return FluxNormalizer().fit_transform(X).astype(np.float32), y


def fit_recorded(X, y, **params):
    record = _Record()
    clf = LightCurveClassifier(
        injector=TransitInjector(snr=(20.0, 40.0)),
        callbacks=[("record", record)],
        random_state=0,
        **{**TINY, "max_epochs": 3, **params},
    )
    return clf.fit(X, y), record.epochs


def test_every_epoch_balances_the_classes_with_new_transits(few_hosts):
    X, y = few_hosts
    clf, epochs = fit_recorded(X, y)
    injected = []
    for X_epoch, y_epoch, valid in epochs:
        assert abs(int(y_epoch.sum()) - int((y_epoch == 0).sum())) <= 1
        real = np.isin(X_epoch, X).all(axis=1)  # rows left as they were
        new = ~real
        assert (y_epoch[new] == 1).all()
        injected.append(frozenset(np.flatnonzero(new)))
        # Validation curves keep their own labels: the two real hosts at most.
        assert sum(valid) <= 2 and len(valid) == 24
    assert len(set(injected)) == 3  # other non-hosts each epoch
    assert clf.class_weight_ is None
    _, again = fit_recorded(X, y)
    for (X_a, y_a, _), (X_b, y_b, _) in zip(epochs, again, strict=True):
        np.testing.assert_array_equal(X_a, X_b)  # repeatable from random_state
        np.testing.assert_array_equal(y_a, y_b)


def test_injected_curves_carry_dips_and_balanced_weights_see_them(few_hosts):
    X, y = few_hosts
    clf, epochs = fit_recorded(X, y, class_weight="balanced", train_split=None)
    X_epoch, y_epoch, _ = epochs[0]
    changed = (X_epoch != X).any(axis=1)
    delta = (X_epoch - X)[changed]
    assert changed.sum() == (len(y) - 2 * y.sum()) // 2
    assert (delta <= 1e-5).all()  # dips only
    snr = np.sqrt((delta.astype(float) ** 2).sum(axis=1)) / robust_noise(X[changed])
    assert snr.min() > 20.0 * 0.99 and snr.max() < 40.0 * 1.01
    # The weights are those of the balanced epochs, not of two hosts in 240.
    np.testing.assert_allclose(clf.class_weight_, [1.0, 1.0], atol=0.02)


def test_two_real_hosts_are_enough_to_learn_transits():
    X, y = make_kepler_like(240, n_points=400, planet_fraction=0.01, random_state=4)
    X_test, y_test = make_kepler_like(80, n_points=400, snr=40.0, random_state=5)
    params = {f"classifier__{k}": v for k, v in TINY.items()}
    params.update(classifier__max_epochs=6, classifier__random_state=0)
    auc = {}
    for injector in (None, TransitInjector(snr=(20.0, 50.0))):
        pipe = make_patch_pipeline(classifier__injector=injector, **params)
        proba = pipe.fit(X, y).predict_proba(X_test)[:, 1]
        auc[injector is not None] = roc_auc_score(y_test, proba)
    assert auc[True] > 0.9 and auc[True] > auc[False] + 0.1, auc


def test_injector_parameters_route_clone_search_and_save(few_hosts, tmp_path):
    X, y = few_hosts
    clf = LightCurveClassifier(injector=TransitInjector(), **TINY)
    clf.set_params(injector__snr=(10.0, 20.0), max_epochs=1)
    assert clf.injector.snr == (10.0, 20.0) and clf.max_epochs == 1
    assert clf.get_params()["injector__snr"] == (10.0, 20.0)
    pipe = make_patch_pipeline(
        classifier__injector=TransitInjector(),
        classifier__max_epochs=1,
        classifier__train_split=None,  # one real host per fold
        **{f"classifier__{k}": v for k, v in TINY.items()},
    )
    search = GridSearchCV(
        pipe, {"classifier__injector__snr": [(10.0, 20.0), (20.0, 40.0)]}, cv=2
    )
    search.fit(np.cumsum(X, axis=1), y)  # raw-looking curves through the cleaning
    assert len(search.cv_results_["params"]) == 2
    fitted = clf.fit(X, y)
    save_model(fitted, tmp_path / "fresh.lcgan")
    loaded = load_model(tmp_path / "fresh.lcgan")
    assert loaded.injector.get_params() == clf.injector.get_params()
    np.testing.assert_allclose(loaded.predict_proba(X), fitted.predict_proba(X))


def test_bad_injector_gets_a_clear_error(few_hosts):
    X, y = few_hosts
    with pytest.raises(TypeError, match="injector must be a TransitInjector"):
        LightCurveClassifier(injector="batman", **TINY).fit(X, y)
    with pytest.raises(ValueError, match="injector is None.*injector=Transit"):
        LightCurveClassifier().set_params(injector__snr=(5.0, 10.0))
