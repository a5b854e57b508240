"""The torch box periodogram agrees with astropy's BoxLeastSquares."""

import numpy as np
import pytest
import torch
from astropy.timeseries import BoxLeastSquares

from sklearn_lcgan import TransitInjector
from sklearn_lcgan.nn.periodogram import BoxPeriodogram, period_grid

CADENCE = 0.0204335
N_POINTS = 1000
DURATIONS = np.array([0.04, 0.08, 0.12, 0.16, 0.2])


@pytest.fixture(scope="module")
def injected():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, N_POINTS))
    injector = TransitInjector(snr=(10.0, 30.0), period=(0.6, 8.0), random_state=0)
    params = injector.fit(X).draw_params(X)
    return injector.inject(X, params), params["period"].to_numpy()


@pytest.fixture(scope="module")
def layer():
    periods = period_grid(N_POINTS, CADENCE, DURATIONS)
    return BoxPeriodogram(N_POINTS, CADENCE, periods, DURATIONS)


def astropy_power(X, periods, valid=None):
    time = np.arange(N_POINTS) * CADENCE
    out = []
    for i, y in enumerate(X):
        keep = np.ones(N_POINTS, bool) if valid is None else valid[i]
        bls = BoxLeastSquares(time[keep], y[keep])
        out.append(bls.power(periods, DURATIONS, objective="snr", oversample=2).power)
    return np.array(out)


def test_agrees_with_astropy_on_injected_transits(injected, layer):
    X, true = injected
    periods = layer.periods.numpy()
    ours = layer(torch.tensor(X, dtype=torch.float32)).numpy().max(axis=2)
    theirs = astropy_power(X, periods)
    correlation = [np.corrcoef(a, b)[0, 1] for a, b in zip(ours, theirs, strict=True)]
    assert min(correlation) >= 0.99
    assert np.mean(ours.argmax(axis=1) == theirs.argmax(axis=1)) >= 0.99
    found = np.abs(periods[ours.argmax(axis=1)] / true - 1) < 0.01
    assert found.mean() >= 0.99


def test_gaps_are_left_out_as_astropy_leaves_them(injected, layer):
    X, _ = injected
    X = X[:6].copy()
    valid = np.ones_like(X, dtype=bool)
    valid[:, 300:340] = False
    valid[2, ::7] = False
    ours = layer(torch.tensor(np.where(valid, X, np.nan), dtype=torch.float32))
    assert torch.isfinite(ours).all()
    theirs = astropy_power(X, layer.periods.numpy(), valid)
    ours = ours.numpy().max(axis=2)
    for a, b in zip(ours, theirs, strict=True):
        assert np.corrcoef(a, b)[0, 1] >= 0.99


def test_a_curve_gets_the_same_periodogram_alone_or_in_a_batch(injected, layer):
    X = torch.tensor(injected[0][:8], dtype=torch.float32)
    batch = layer(X)
    torch.testing.assert_close(layer(X[3:4]), batch[3:4])


def test_period_grid_spans_two_transits_and_refuses_short_curves():
    periods = period_grid(N_POINTS, CADENCE, DURATIONS)
    assert periods[0] == pytest.approx(2 * DURATIONS.max())
    assert periods[-1] == pytest.approx((N_POINTS - 1) * CADENCE / 2)
    assert np.all(np.diff(np.log(periods)) > 0)
    with pytest.raises(ValueError, match="too short for 2 transits"):
        period_grid(20, CADENCE, DURATIONS)


def test_refuses_curves_of_another_length_and_curves_without_noise(layer):
    with pytest.raises(ValueError, match="folds curves of 1000 points"):
        layer(torch.zeros(2, 999))
    with pytest.raises(ValueError, match="a curve is constant.*drop such curves"):
        layer(torch.ones(2, layer.n_points))
    with pytest.raises(ValueError, match="fewer than 2 valid cadences"):
        layer(torch.full((1, layer.n_points), float("nan")))


def test_refuses_durations_longer_than_the_shortest_period():
    with pytest.raises(ValueError, match="must be shorter than the shortest period"):
        BoxPeriodogram(N_POINTS, CADENCE, [0.1, 1.0], DURATIONS)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_runs_on_the_gpu(injected, layer):
    X = torch.tensor(injected[0][:4], dtype=torch.float32)
    on_gpu = layer.to("cuda")(X.to("cuda")).cpu()
    torch.testing.assert_close(on_gpu, layer.to("cpu")(X), rtol=1e-4, atol=1e-4)
