"""Transit Least Squares beside Box Least Squares, on the same cleaning."""

import numpy as np
import pytest

from sklearn_lcgan import make_kepler_like
from sklearn_lcgan.metrics import bls_periods, tls_periods


def test_tls_finds_strong_transits_and_scores_them_above_noise():
    X, _, params = make_kepler_like(
        4, planet_fraction=1.0, n_points=800, snr=40.0, random_state=2,
        return_params=True,
    )  # fmt: skip
    periods, sde = tls_periods(X, max_period=4.0)
    truth = params["period"].to_numpy()
    ratio = periods / truth
    aliases = np.min(np.abs(ratio[:, None] - [0.5, 1.0, 2.0]), axis=1)
    assert np.mean(aliases < 0.02) >= 3 / 4, (periods, truth)
    noise = np.random.default_rng(0).normal(size=(2, 800))
    assert sde.min() > tls_periods(noise, max_period=4.0)[1].max()
    bls, bls_sde = bls_periods(X, n_periods=2000, max_period=4.0)
    assert np.mean(np.abs(bls / truth - 1) < 0.02) >= 1 / 2  # the same curves
    # On threads, the same search curve by curve, in the same order.
    threaded = bls_periods(X, n_periods=2000, max_period=4.0, n_threads=-1)
    np.testing.assert_array_equal(threaded[0], bls)
    np.testing.assert_array_equal(threaded[1], bls_sde)
    with pytest.raises(ValueError, match="n_threads"):
        bls_periods(X, n_threads=0)
    with pytest.raises(ValueError, match="period range"):
        tls_periods(noise[:, :20])
