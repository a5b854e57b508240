import pickle

import batman
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.base import clone

from sklearn_lcgan import TransitInjector, TransitOversampler, make_kepler_like
from sklearn_lcgan._physics import midpoint_exp_time
from sklearn_lcgan._robust import robust_noise

CADENCE = 0.0204335


def direct_batman(row, n_points, supersample_factor=7):
    params = batman.TransitParams()
    params.t0, params.per, params.rp = row["t0"], row["period"], row["rp"]
    params.a, params.inc, params.ecc, params.w = (
        row["a"],
        row["inc"],
        row["ecc"],
        row["w"],
    )
    params.u, params.limb_dark = [row["u1"], row["u2"]], "quadratic"
    time = np.arange(n_points) * CADENCE
    model = batman.TransitModel(
        params,
        time,
        supersample_factor=supersample_factor,
        exp_time=midpoint_exp_time(CADENCE, supersample_factor),
    )
    return model.light_curve(params)


@pytest.fixture(scope="module")
def noisy():
    return np.random.default_rng(0).normal(size=(12, 1500))


def test_transform_equals_inject_of_drawn_params(noisy):
    inj = TransitInjector(random_state=1).fit(noisy)
    params = inj.draw_params(noisy)
    assert len(params) == len(noisy)
    for column in ["period", "t0", "rp", "a", "inc", "ecc", "w", "u1", "u2",
                   "duration", "snr", "n_transits"]:  # fmt: skip
        assert column in params and params[column].notna().all()
    np.testing.assert_array_equal(inj.transform(noisy), inj.inject(noisy, params))
    _, injected = inj.inject(noisy, params, return_params=True)
    assert injected["depth"].gt(0).all() and injected["amplitude"].gt(0).all()


def test_snr_mode_equals_direct_batman_and_reaches_target(noisy):
    inj = TransitInjector(snr=(10.0, 20.0), random_state=2).fit(noisy)
    out, params = inj.inject(noisy, inj.draw_params(noisy), return_params=True)
    noise = robust_noise(noisy)
    for i, row in params.iterrows():
        signal = direct_batman(row, noisy.shape[1]) - 1.0
        amplitude = row["snr"] * noise[i] / np.sqrt(np.sum(signal**2))
        np.testing.assert_allclose(out[i], noisy[i] + amplitude * signal, atol=1e-12)
        delta = out[i] - noisy[i]
        assert np.sqrt(np.sum(delta**2)) / noise[i] == pytest.approx(row["snr"])
        assert 10.0 <= row["snr"] <= 20.0
        assert row["depth"] == pytest.approx(-delta.min())


def test_relative_mode_multiplies_relative_flux(white_curves):
    inj = TransitInjector(mode="relative", rp=0.05, random_state=0).fit(white_curves)
    params = inj.draw_params(white_curves)
    out, params = inj.inject(white_curves, params, return_params=True)
    for i, row in params.iterrows():
        model = direct_batman(row, white_curves.shape[1])
        np.testing.assert_allclose(out[i], white_curves[i] * model, rtol=1e-14)
        assert row["depth"] == pytest.approx(1 - model.min(), rel=2e-3)
    # Depth is about rp^2, deepened by limb darkening.
    assert ((params["depth"] > 0.0015) & (params["depth"] < 0.0045)).all()


def test_relative_mode_refuses_curves_not_around_one(noisy):
    inj = TransitInjector(mode="relative").fit(noisy)
    with pytest.raises(ValueError, match="FluxNormalizer\\(method='median'\\)"):
        inj.transform(noisy)


def test_rows_get_same_planet_alone_in_batch_and_in_any_order(noisy):
    inj = TransitInjector(random_state=5).fit(noisy)
    batch = inj.transform(noisy)
    np.testing.assert_array_equal(inj.transform(noisy[3:4]), batch[3:4])
    order = np.random.default_rng(0).permutation(len(noisy))
    np.testing.assert_array_equal(inj.transform(noisy[order]), batch[order])


def test_random_state_repeats_and_varies(noisy):
    a = TransitInjector(random_state=0).fit(noisy).draw_params(noisy)
    b = TransitInjector(random_state=0).fit(noisy).draw_params(noisy)
    c = TransitInjector(random_state=1).fit(noisy).draw_params(noisy)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["period"], c["period"])


def test_parameter_specs_number_range_and_distribution(noisy):
    inj = TransitInjector(
        period=stats.lognorm(s=1.0, scale=5.0),
        rp=0.03,
        impact=(0.1, 0.2),
        snr=stats.uniform(8, 2),
        random_state=0,
    ).fit(noisy)
    params = inj.draw_params(np.tile(noisy, (10, 1)) + np.arange(120)[:, None])
    window = (noisy.shape[1] - 1) * CADENCE
    assert params["period"].max() <= window / 2  # truncated at min_transits
    assert (params["n_transits"] >= 2).all()
    np.testing.assert_array_equal(params["rp"], 0.03)
    assert params["impact"].between(0.1, 0.2).all()
    assert params["snr"].between(8, 10).all()


def test_period_range_is_log_uniform():
    X = np.random.default_rng(0).normal(size=(4000, 3197))[:, :100]
    inj = TransitInjector(period=(1.0, 1.0e3), cadence=10.0, random_state=0).fit(X)
    periods = inj.draw_params(X)["period"]
    decades = np.histogram(np.log10(periods), bins=3, range=(0, 3))[0]
    assert decades.min() > 0.25 * len(periods)


def test_kipping_limb_darkening_is_physical(noisy):
    X = np.tile(noisy, (20, 1)) + np.arange(240)[:, None]
    params = TransitInjector(random_state=0).fit(X).draw_params(X)
    u1, u2 = params["u1"], params["u2"]
    assert ((u1 >= 0) & (u1 + u2 <= 1) & (u1 + 2 * u2 >= 0)).all()


def test_supersampling_integrates_short_transit_to_one_percent():
    # A 35-minute transit, barely longer than one 29.4-minute exposure.
    n_points = 400
    row = {"t0": 200 * CADENCE, "period": 0.3, "rp": 0.1, "a": 4.0, "inc": 90.0,
           "ecc": 0.0, "w": 90.0, "u1": 0.4, "u2": 0.25}  # fmt: skip
    reference = 1 - direct_batman(row, n_points, supersample_factor=1001).min()
    X = np.ones((1, n_points))
    depth = {}
    for factor in (1, TransitInjector().supersample_factor):
        inj = TransitInjector(mode="relative", supersample_factor=factor).fit(X)
        depth[factor] = 1 - inj.inject(X, pd.DataFrame([row])).min()
    assert depth[7] == pytest.approx(reference, rel=0.01)
    assert depth[1] > 1.05 * reference  # unintegrated: why supersampling is on


def test_gaps_are_kept_and_injected_around(noisy):
    X = noisy[:2].copy()
    X[:, 100:300] = np.nan
    inj = TransitInjector(random_state=0).fit(X)
    out = inj.transform(X)
    assert np.isnan(out[:, 100:300]).all()
    assert np.isfinite(np.delete(out, np.s_[100:300], axis=1)).all()
    assert not np.allclose(np.delete(out - X, np.s_[100:300], axis=1), 0)


def test_n_jobs_gives_same_result(noisy):
    serial = TransitInjector(random_state=0).fit(noisy).transform(noisy)
    parallel = TransitInjector(random_state=0, n_jobs=2).fit(noisy).transform(noisy)
    np.testing.assert_array_equal(serial, parallel)


def test_pickle_and_clone_round_trip(noisy):
    inj = TransitInjector(random_state=0).fit(noisy)
    again = pickle.loads(pickle.dumps(inj))
    np.testing.assert_array_equal(again.transform(noisy), inj.transform(noisy))
    np.testing.assert_array_equal(
        clone(inj).fit(noisy).transform(noisy), inj.transform(noisy)
    )


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"period": -1.0}, ValueError, "period=-1.0 is out of range"),
        ({"period": (40.0, 60.0)}, ValueError, "periods must be <= 15.3"),
        ({"rp": 0.0}, ValueError, "rp=0.0 is out of range"),
        ({"ecc": 1.0}, ValueError, "ecc=1.0 is out of range"),
        ({"ecc": (0.2, 0.1)}, ValueError, "must be \\(low, high\\)"),
        ({"impact": float("nan")}, ValueError, "must be finite"),
        ({"a": 1.02, "rp": 0.05}, ValueError, "orbit passes inside the star"),
        ({"impact": 1.5, "rp": 0.05}, ValueError, "never transits"),
        ({"period": "long"}, TypeError, "a number, a \\(low, high\\) range"),
        ({"u": [0.1]}, ValueError, "takes 2 coefficient"),
        ({"limb_dark": "linear"}, ValueError, "u=None draws quadratic"),
        ({"snr": 0.0}, ValueError, "snr=0.0 is out of range"),
    ],
)
def test_bad_parameters_get_clear_errors(noisy, kwargs, error, match):
    with pytest.raises(error, match=match):
        TransitInjector(**kwargs).fit(noisy).transform(noisy)


def test_bad_parameter_tables_get_clear_errors(noisy):
    inj = TransitInjector(random_state=0).fit(noisy)
    params = inj.draw_params(noisy)
    with pytest.raises(ValueError, match="lacks column"):
        inj.inject(noisy, params.drop(columns="inc"))
    with pytest.raises(ValueError, match="12 rows but X has 3"):
        inj.inject(noisy[:3], params)
    bad = params.copy()
    bad.loc[4, "rp"] = np.nan
    with pytest.raises(ValueError, match="Curve 4 .*rp is NaN"):
        inj.inject(noisy, bad)
    bad = params.copy()
    bad.loc[2, "period"] = 1000.0
    with pytest.raises(ValueError, match="Curve 2 .*fewer than min_transits"):
        inj.inject(noisy, bad)


def test_bad_curves_get_clear_errors(noisy):
    inj = TransitInjector(random_state=0).fit(noisy)
    with pytest.raises(ValueError, match="Curve 1 has no point-to-point noise"):
        inj.transform(np.vstack([noisy[0], np.ones(1500)]))
    with pytest.raises(ValueError, match="Curve 0 is all NaN"):
        inj.transform(np.full((1, 1500), np.nan))
    with pytest.raises(ValueError, match="1500 features"):
        inj.transform(noisy[:, :100])


# -- oversampler ---------------------------------------------------------------
def test_oversampler_balances_and_exposes_params(kepler_like):
    X, y, _ = kepler_like
    X, y = X[:40], np.r_[np.ones(4, int), np.zeros(36, int)]
    sampler = TransitOversampler(random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert X_res.shape == (72, X.shape[1]) and (y_res == 1).sum() == 36
    np.testing.assert_array_equal(X_res[:40], X)
    params = sampler.injected_params_
    assert list(params.index) == list(range(40, 72))
    assert (y[params["source"]] == 0).all()
    np.testing.assert_array_equal(sampler.sample_indices_[40:], params["source"])
    # Each new curve carries exactly the transit its row describes.
    injector = sampler.injector_
    for i in (40, 55, 71):
        source = X[[params.loc[i, "source"]]]
        np.testing.assert_allclose(
            X_res[[i]], injector.inject(source, params.loc[[i]]), atol=1e-9
        )


def test_oversampler_strategies_and_repeatability(kepler_like):
    X, y, _ = kepler_like
    X, y = X[:36], np.r_[np.ones(6, int), np.zeros(30, int)]
    half = TransitOversampler(sampling_strategy=0.5, random_state=0)
    _, y_res = half.fit_resample(X, y)
    assert (y_res == 1).sum() == 15
    with pytest.raises(ValueError, match="asks for 3 positives but y already has 6"):
        half.set_params(sampling_strategy=0.1).fit_resample(X, y)
    _, y_dict = TransitOversampler(sampling_strategy={1: 45}).fit_resample(X, y)
    assert (y_dict == 1).sum() == 45
    a = TransitOversampler(sampling_strategy={1: 50}, random_state=3).fit_resample(X, y)
    b = TransitOversampler(sampling_strategy={1: 50}, random_state=3).fit_resample(X, y)
    np.testing.assert_array_equal(a[0], b[0])


def test_oversampler_copies_of_one_negative_get_different_planets():
    X = np.random.default_rng(0).normal(size=(3, 800))
    y = np.array([1, 1, 0])
    sampler = TransitOversampler(sampling_strategy={1: 6}, random_state=0)
    sampler.fit_resample(X, y)
    assert sampler.injected_params_["period"].nunique() == 4


def test_oversampler_string_labels_and_bad_y(noisy):
    y = np.array(["host"] * 2 + ["star"] * 10)
    sampler = TransitOversampler(positive_label="host", random_state=0)
    _, y_res = sampler.fit_resample(noisy, y)
    assert (y_res == "host").sum() == 10
    with pytest.raises(ValueError, match="two classes"):
        TransitOversampler().fit_resample(noisy, np.zeros(12))


def test_oversampler_in_imblearn_pipeline_grid_search(kepler_like):
    pytest.importorskip("imblearn")
    from imblearn.pipeline import make_pipeline
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    from sklearn_lcgan.preprocessing import (
        Detrender,
        FluxNormalizer,
        FourierMagnitude,
    )

    X, y, _ = kepler_like
    X, y = X[:36], np.r_[np.ones(6, int), np.zeros(30, int)]
    pipe = make_pipeline(
        TransitOversampler(random_state=0),
        FluxNormalizer(),
        Detrender(),
        FourierMagnitude(),
        LogisticRegression(max_iter=2000),
    )
    search = GridSearchCV(
        pipe,
        {"transitoversampler__sampling_strategy": [0.5, 1.0]},
        cv=StratifiedKFold(3),
        scoring="roc_auc",
    ).fit(X, y)
    assert search.best_params_["transitoversampler__sampling_strategy"] in (0.5, 1.0)
    # Fit time only: the sampler saw 30 training curves, predictions are for 36.
    fitted = search.best_estimator_
    sampler = fitted.named_steps["transitoversampler"]
    assert len(sampler.sample_indices_) > 36
    assert fitted.predict_proba(X).shape == (36, 2)


def test_batman_leaves_torch_threads_alone(set_torch_threads):
    # batman sets the OpenMP thread count for every model; where the call
    # reached torch's runtime, torch went on training on one thread.
    import torch

    set_torch_threads(2)
    X, _ = make_kepler_like(6, planet_fraction=0.5, n_points=300, random_state=0)
    assert torch.get_num_threads() == 2
    TransitInjector(random_state=0).fit_transform(X)
    assert torch.get_num_threads() == 2
