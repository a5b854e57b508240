"""The torch estimators on a GPU; skipped where CUDA is absent (as in CI)."""

import numpy as np
import pytest
import torch

from sklearn_lcgan import (
    LightCurveClassifier,
    TransitCurveGenerator,
    load_model,
    save_model,
)

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


@cuda
def test_classifier_trains_and_predicts_on_cuda(kepler_like, tmp_path):
    X, y, _ = kepler_like
    clf = LightCurveClassifier(max_epochs=1, device="cuda", random_state=0).fit(X, y)
    assert next(clf.module_.parameters()).is_cuda
    proba = clf.predict_proba(X)
    assert isinstance(proba, np.ndarray) and np.isfinite(proba).all()
    save_model(clf, tmp_path / "clf.lcgan")
    np.testing.assert_allclose(
        load_model(tmp_path / "clf.lcgan").predict_proba(X), proba
    )


@cuda
def test_generator_trains_and_samples_on_cuda(kepler_like, tmp_path):
    X, _, _ = kepler_like
    gan = TransitCurveGenerator(max_epochs=1, device="cuda", random_state=0).fit(X)
    assert next(gan.generator_.parameters()).is_cuda
    samples, _ = gan.sample(5, random_state=0)
    assert samples.shape == (5, X.shape[1]) and np.isfinite(samples).all()
    save_model(gan, tmp_path / "gan.lcgan")
    np.testing.assert_allclose(
        load_model(tmp_path / "gan.lcgan").sample(5, random_state=0)[0], samples
    )
