import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline

from sklearn_lcgan import (
    TransitCurveGenerator,
    TransitInjector,
    TransitOversampler,
    make_detection_pipeline,
    make_kepler_like,
)
from sklearn_lcgan.experiments import (
    augmentation_gain,
    fooling_rate,
    injection_recovery,
    planet_proba,
)
from sklearn_lcgan.preprocessing import Detrender, FluxNormalizer, FourierMagnitude


def depth_detector():
    """A fast, real detector: detrended |FFT| features and a logistic model."""
    return make_pipeline(
        Detrender(window=0.5),
        FluxNormalizer(),
        FourierMagnitude(),
        LogisticRegression(C=0.1, max_iter=500),
    )


@pytest.fixture(scope="module")
def data():
    X, y = make_kepler_like(160, n_points=600, snr=(20.0, 40.0), random_state=5)
    X_test, y_test = make_kepler_like(
        80, n_points=600, snr=(20.0, 40.0), random_state=6
    )
    return X, y, X_test, y_test


@pytest.fixture(scope="module")
def detector(data):
    X, y, _, _ = data
    return depth_detector().fit(X, y)


def test_planet_proba_picks_the_planet_column(data, detector):
    X, _, _, _ = data
    np.testing.assert_array_equal(
        planet_proba(detector, X), detector.predict_proba(X)[:, 1]
    )
    with pytest.raises(ValueError, match="planet_label=2 is not one of"):
        planet_proba(detector, X, planet_label=2)


def test_fooling_rate_rises_with_injected_transits(data, detector):
    _, y, X_test, y_test = data
    noise = X_test[y_test == 0]
    result = fooling_rate(detector, noise, injector=TransitInjector(snr=40.0))
    assert result.proba_before.shape == result.proba_after.shape == (len(noise),)
    assert result.rate_after > result.rate_before
    assert result.X_injected.shape == noise.shape
    assert len(result.params) == len(noise)
    assert set(result.by_snr.columns) == {"snr_bin", "n_curves", "rate"}
    assert result.by_snr["n_curves"].sum() == len(noise)


def test_injection_recovery_grid_and_fixed_false_positive_rate(data, detector):
    _, _, X_test, y_test = data
    base = X_test[y_test == 0]
    table = injection_recovery(
        detector,
        base,
        TransitInjector(random_state=0),
        {"snr": [3.0, 60.0], "period": [1.0, 3.0]},
        false_positive_rate=0.1,
    )
    assert len(table) == 4
    assert (table["n_injected"] == len(base)).all()
    low, high = (table.groupby("snr")["completeness"].mean()).to_numpy()
    assert high > low
    # The threshold flags 10 % of the curves without injection.
    base_scores = planet_proba(detector, base)
    assert np.mean(base_scores >= table["threshold"].iloc[0]) == pytest.approx(
        0.1, abs=1.5 / len(base)
    )
    with pytest.raises(ValueError, match="not TransitInjector parameters"):
        injection_recovery(detector, base, grid={"radius": [0.1]})


def test_augmentation_gain_trains_each_version(data, monkeypatch):
    X, y, X_test, y_test = data
    X, y = X[:100], y[:100]
    keep = (y == 0) | (np.cumsum(y) <= 3)  # only three planets, as in real data
    X, y = X[keep], y[keep]
    gan = TransitCurveGenerator(
        max_epochs=1,
        generator__latent_dim=8,
        generator__hidden_sizes=(32,),
        critic__hidden_sizes=(8,),
        critic__patch_size=20,
        transit_injector=TransitInjector(snr=30.0),
        random_state=0,
    )
    table = augmentation_gain(
        depth_detector(),
        X,
        y,
        X_test,
        y_test,
        augmenters={"oversampler": TransitOversampler(random_state=0), "gan": gan},
    )
    assert list(table["augmentation"]) == ["none", "oversampler", "gan"]
    n_negative = int(np.sum(y == 0))
    assert list(table["n_planets"]) == [3, n_negative, n_negative]
    assert table[["recall", "precision", "pr_auc", "roc_auc"]].notna().all().all()
    again, models = augmentation_gain(
        depth_detector(),
        X,
        y,
        X_test,
        y_test,
        augmenters={"oversampler": TransitOversampler(random_state=0)},
        return_estimators=True,
    )
    assert list(models) == ["none", "oversampler"]
    # A fitted generator is used as it is, not fitted again.
    fitted = gan.fit(X[y == 0])
    fits = []
    monkeypatch.setattr(
        TransitCurveGenerator, "fit", lambda self, *a, **k: fits.append(self)
    )
    prefit = augmentation_gain(
        depth_detector(), X, y, X_test, y_test, augmenters={"gan": fitted}
    )
    assert fits == [] and prefit.loc[1, "n_planets"] == n_negative
    np.testing.assert_allclose(
        again.loc[1, "roc_auc"],
        roc_auc_score(y_test, planet_proba(models["oversampler"], X_test)),
    )
    with pytest.raises(TypeError, match="neither fit_resample nor sample"):
        augmentation_gain(depth_detector(), X, y, X_test, y_test, augmenters={"x": 1})


def test_studies_refuse_an_injector_of_another_cadence_than_the_detector():
    X, y = make_kepler_like(20, n_points=200, random_state=0)
    tess = make_detection_pipeline(cadence=2 / 1440)
    assert {
        name: round(value * 1440, 3)
        for name, value in tess.get_params().items()
        if name.endswith("cadence")
    } == {"detrender__cadence": 2.0, "clipper__cadence": 2.0,
          "classifier__module__cadence": 2.0}  # fmt: skip
    kepler = TransitInjector(random_state=0)
    message = "detrender__cadence is 2 min but the injector's cadence is 29.42 min"
    with pytest.raises(ValueError, match=message):
        injection_recovery(tess, X, kepler, {"snr": [10.0], "period": [1.0]})
    with pytest.raises(ValueError, match=message):
        fooling_rate(tess, X, injector=kepler)
    with pytest.raises(ValueError, match="augmenter 'oversampled'"):
        augmentation_gain(
            tess, X, y, X, y,
            augmenters={"oversampled": TransitOversampler(injector=kepler)},
        )  # fmt: skip
    injected = make_detection_pipeline(
        cadence=2 / 1440, classifier__injector=kepler
    ).get_params()["classifier__injector"]
    assert injected.cadence == 2 / 1440 and kepler.cadence != injected.cadence
