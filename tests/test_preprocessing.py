import numpy as np
import pytest
from scipy.ndimage import gaussian_filter
from scipy.stats import median_abs_deviation
from sklearn.pipeline import make_pipeline

from sklearn_lcgan._robust import robust_noise
from sklearn_lcgan.preprocessing import (
    Detrender,
    FluxNormalizer,
    FourierMagnitude,
    GapFiller,
    GaussianSmoother,
    NotchFilter,
    OutlierClipper,
    RotationFilter,
)


def test_flux_normalizer_median_gives_relative_flux():
    X = np.array([[200.0, 210.0, 190.0, 200.0], [5.0, 5.5, 4.5, 5.0]])
    out = FluxNormalizer(method="median").fit_transform(X)
    np.testing.assert_allclose(out, [[1, 1.05, 0.95, 1], [1, 1.1, 0.9, 1]])


def test_flux_normalizer_median_refuses_median_subtracted_flux():
    with pytest.raises(ValueError, match="median-subtracted.*method='robust'"):
        FluxNormalizer(method="median").fit_transform([[-1.0, 0.0, 1.0, 0.0]])


def test_flux_normalizer_robust_puts_curves_on_one_scale(kepler_like):
    X, _, _ = kepler_like
    out = FluxNormalizer().fit_transform(X)
    np.testing.assert_allclose(np.median(out, axis=1), 0.0, atol=1e-12)
    mad = np.median(np.abs(out), axis=1) * 1.4826
    np.testing.assert_allclose(mad, 1.0, rtol=1e-3)


def test_flux_normalizer_keeps_gaps_and_constant_curves():
    X = np.array([[1.0, np.nan, 3.0, 2.0], [4.0, 4.0, 4.0, 4.0]])
    out = FluxNormalizer().fit_transform(X)
    assert np.isnan(out[0, 1]) and np.isfinite(out[0, [0, 2, 3]]).all()
    np.testing.assert_array_equal(out[1], 0.0)


# The running median and wotan's biweight keep nearly all of a 0.2-day dip;
# Savitzky-Golay, not robust, bends into it.
@pytest.mark.parametrize(
    "method, kept", [("median", 0.9), ("savgol", 0.5), ("biweight", 0.9)]
)
def test_detrender_removes_rotation_keeps_transit(method, kept):
    cadence = 0.0204335
    t = np.arange(3000) * cadence
    transit = -0.01 * (np.abs(t - 30.0) < 0.1)
    X = (0.05 * np.sin(2 * np.pi * t / 8.0) + transit)[None, :]
    out = Detrender(window=1.0, method=method, cadence=cadence).fit_transform(X)
    inside = np.abs(t - 30.0) < 0.05
    assert out[0, inside].mean() < -0.01 * kept
    far = (np.abs(t - 30.0) > 1.0) & (t > 1.0) & (t < t[-1] - 1.0)
    assert np.abs(out[0, far]).max() < 2e-3
    np.testing.assert_allclose(
        Detrender(window=1.0, method=method).fit(X).trend(X) + out, X
    )


def test_detrender_window_in_days_follows_cadence():
    X = np.random.default_rng(0).normal(size=(2, 400))
    slow = Detrender(window=2.0, cadence=0.02).fit(X).trend(X)
    fast = Detrender(window=2.0, cadence=0.2).fit(X).trend(X)
    # Ten times the cadence means a ten times narrower filter in points.
    assert slow.std() < fast.std()


def test_detrender_divide_mode_and_nan_message():
    X = np.full((1, 100), 2.0)
    np.testing.assert_allclose(Detrender(mode="divide").fit_transform(X), 1.0)
    X[0, 5] = np.nan
    with pytest.raises(ValueError, match=r"curve 0 has 1\).*GapFiller"):
        Detrender().fit_transform(X)


CADENCE = 0.0204335


def test_rotation_filter_removes_evolving_spots_keeps_transit():
    # A star turning in 0.9 days, spots 50x deeper than a 4-hour transit and
    # growing by 40 % over the curve: a day's running filter cannot follow it.
    t = np.arange(3197) * CADENCE
    amplitude = 0.05 * (1.0 + 0.4 * t / t[-1])
    spots = amplitude * (
        np.sin(2 * np.pi * t / 0.9) + 0.3 * np.cos(4 * np.pi * t / 0.9)
    )
    dip = np.abs(((t - 3.0) % 7.3) - 0.5 * 7.3) > 0.5 * 7.3 - 0.08
    X = np.vstack([spots - 1e-3 * dip, np.random.default_rng(0).normal(size=t.size)])
    rotation = RotationFilter().fit(X)
    assert rotation.rotation_period(X)[0] == pytest.approx(0.9, rel=0.01)
    out = rotation.transform(X)
    assert np.abs(out[0, ~dip]).max() < 2e-4
    assert out[0, dip].mean() < -0.9e-3
    # White noise has no rotation to remove: it loses only the fitted wave.
    assert out[1].std() > 0.99 * X[1].std()


def test_rotation_filter_refuses_curves_too_short_for_its_periods():
    X = np.random.default_rng(0).normal(size=(2, 20))
    with pytest.raises(ValueError, match="no period to search.*lower min_period"):
        RotationFilter().fit_transform(X)
    assert RotationFilter(min_period=0.05).fit_transform(X).shape == X.shape


def test_notch_filter_removes_k2_sawtooth_keeps_transits():
    from sklearn_lcgan._stars import roll_systematics

    t = np.arange(3197) * CADENCE
    roll = roll_systematics(np.random.RandomState(0), t, 1)[0]
    dip = np.abs(((t - 1.0) % 3.1) - 0.5 * 3.1) > 0.5 * 3.1 - 0.06
    out = NotchFilter().fit_transform((roll - 0.5 * dip)[None, :])[0]
    frequency = np.fft.rfftfreq(t.size, CADENCE)
    line = np.abs(frequency - 1 / 0.2452) < 0.02
    before = np.abs(np.fft.rfft(roll))[line].max()
    assert np.abs(np.fft.rfft(out + 0.5 * dip))[line].max() < 0.05 * before
    assert out[dip].mean() - out[~dip].mean() < -0.45
    with pytest.raises(ValueError, match="not above twice the cadence"):
        NotchFilter(period=0.03).fit_transform(roll[None, :])


def test_notch_filter_stops_the_harmonics_it_is_asked_to():
    t = np.arange(3197) * 0.0204335
    phase = (t / 0.2452) % 1.0
    saw = (phase - 0.5)[None, :]

    def power_at(X, multiple):
        spectrum = np.abs(np.fft.rfft(X[0])) ** 2
        frequency = np.fft.rfftfreq(t.size, 0.0204335)
        return spectrum[np.abs(frequency * 0.2452 / multiple - 1) <= 0.01].sum()

    fundamental = NotchFilter().fit_transform(saw)
    three = NotchFilter(harmonics=3).fit_transform(saw)
    assert power_at(fundamental, 1) < 1e-20 * power_at(saw, 1)
    assert power_at(fundamental, 2) == pytest.approx(power_at(saw, 2))
    for multiple in (1, 2, 3):
        assert power_at(three, multiple) < 1e-20 * power_at(saw, multiple)
    assert power_at(three, 4) == pytest.approx(power_at(saw, 4))


def test_outlier_clipper_is_one_sided_by_default():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1, 500))
    X[0, 10], X[0, 20] = 40.0, -40.0
    out = OutlierClipper(sigma=5).fit_transform(X)
    assert out[0, 10] < 6 and out[0, 20] == -40.0
    both = OutlierClipper(sigma=5, side="both").fit_transform(X)
    assert both[0, 20] > -6
    lower = OutlierClipper(sigma=5, side="lower").fit_transform(X)
    assert lower[0, 10] == 40.0 and lower[0, 20] > -6


def test_outlier_clipper_with_a_window_catches_spikes_on_a_large_rotation():
    rng = np.random.default_rng(0)
    t = np.arange(3000) * 0.0204335
    star = 50 * np.sin(2 * np.pi * t / 3.0) + rng.normal(size=t.size)
    transit = (t % 7.0) < 0.15
    X = (star - 5.0 * transit)[None, :]
    X[0, 700] += 30.0  # 30 noise levels, but well inside the rotation's range
    about_median = OutlierClipper().fit_transform(X)
    assert about_median[0, 700] == X[0, 700]
    local = OutlierClipper(window=0.75).fit_transform(X)
    assert local[0, 700] < X[0, 700] - 20
    # The rotation's crests and the transits' dips are left alone.
    others = np.delete(np.arange(t.size), 700)
    assert np.mean(local[0, others] == X[0, others]) > 0.999
    np.testing.assert_array_equal(local[0, transit], X[0, transit])
    X[0, 5] = np.nan
    with pytest.raises(ValueError, match="GapFiller"):
        OutlierClipper(window=0.75).fit_transform(X)


def test_gap_filler_interpolates_and_refuses_empty_curves():
    out = GapFiller().fit_transform([[0.0, np.nan, np.nan, 3.0, np.nan]])
    np.testing.assert_allclose(out, [[0, 1, 2, 3, 3]])
    with pytest.raises(ValueError, match="Curve 1 has no valid cadence"):
        GapFiller().fit_transform([[1.0, 2.0], [np.nan, np.nan]])


def test_fourier_magnitude_matches_prototype_length():
    X = np.random.default_rng(0).normal(size=(3, 3197))
    fm = FourierMagnitude().fit(X)
    out = fm.transform(X)
    assert out.shape == (3, 1599)
    np.testing.assert_allclose(out, np.abs(np.fft.fft(X, axis=1))[:, :1599])
    assert fm.get_feature_names_out()[-1] == "freq1598"


def test_gaussian_smoother_does_not_mix_curves():
    X = np.zeros((3, 50))
    X[1, 25] = 1.0
    out = GaussianSmoother(sigma=3.0).fit_transform(X)
    np.testing.assert_array_equal(out[[0, 2]], 0.0)
    # The whole-matrix recipe leaks curve 1 into its neighbours.
    assert gaussian_filter(X, 3.0)[0].max() > 0


def test_transformers_chain_on_simulated_curves(kepler_like):
    X, _, params = kepler_like
    pipe = make_pipeline(
        FluxNormalizer(),
        Detrender(window=0.75),
        OutlierClipper(),
        GaussianSmoother(sigma=1),
    )
    out = pipe.fit_transform(X)
    assert out.shape == X.shape and np.isfinite(out).all()
    # Detrending removes the slow wander: what is left is about the noise.
    residual = make_pipeline(FluxNormalizer(), Detrender(window=0.75)).fit_transform(X)
    noise = robust_noise(FluxNormalizer().fit_transform(X))
    scatter = median_abs_deviation(residual, axis=1, scale="normal")
    assert np.median(scatter / noise) < 1.6


def test_transform_checks_curve_length():
    tr = Detrender().fit(np.zeros((2, 10)))
    with pytest.raises(ValueError, match="10 features"):
        tr.transform(np.zeros((2, 11)))


def test_running_median_equals_scipy_median_filter():
    from scipy.ndimage import median_filter

    from sklearn_lcgan.preprocessing._base import _running_median

    X = np.random.default_rng(3).normal(size=(5, 301))
    for width in (3, 49, 301):
        np.testing.assert_array_equal(
            _running_median(X, width), median_filter(X, (1, width), mode="reflect")
        )
