import gzip
import zipfile

import numpy as np
import pytest
from scipy.ndimage import median_filter

from sklearn_lcgan import load_kepler_csv, make_kepler_like
from sklearn_lcgan._robust import robust_noise

HEADER = "LABEL,FLUX.1,FLUX.2,FLUX.3,FLUX.4"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture
def good_rows():
    return [HEADER, "2,1.5,-3.0,0.5,2.0", "1,0.0,2.0,-1.0,4.5", "1,-7.25,1e3,0,-2"]


def test_load_plain_csv_returns_bunch(tmp_path, good_rows):
    path = write(tmp_path, "exoTrain.csv", "\n".join(good_rows) + "\n")
    data = load_kepler_csv(path)
    assert data.data.shape == (3, 4)
    assert data.data.dtype == np.float64
    np.testing.assert_array_equal(data.target, [1, 0, 0])
    assert data.feature_names == ["FLUX.1", "FLUX.2", "FLUX.3", "FLUX.4"]
    np.testing.assert_allclose(data.data[2], [-7.25, 1000.0, 0.0, -2.0])
    assert "Kepler" in data.DESCR


def test_load_gzip_and_zip_match_plain(tmp_path, good_rows):
    text = "\n".join(good_rows)
    plain = load_kepler_csv(write(tmp_path, "a.csv", text), return_X_y=True)
    gz = tmp_path / "a.csv.gz"
    with gzip.open(gz, "wt") as f:
        f.write(text)
    zp = tmp_path / "a.zip"
    with zipfile.ZipFile(zp, "w") as archive:
        archive.writestr("exoTest.csv", text)
    for path in (gz, zp):
        X, y = load_kepler_csv(path, return_X_y=True)
        np.testing.assert_array_equal(X, plain[0])
        np.testing.assert_array_equal(y, plain[1])


def test_load_reads_many_chunks_and_keeps_gaps(tmp_path):
    rng = np.random.default_rng(0)
    flux = rng.normal(size=(700, 4)).round(3)
    labels = rng.choice([1, 2], 700)
    rows = [HEADER] + [
        ",".join([str(lab)] + [repr(float(v)) for v in row])
        for lab, row in zip(labels, flux, strict=True)
    ]
    rows[4] = "1,1.0,,2.0,3.0"  # an empty cell is a missing cadence
    flux[3] = [1.0, np.nan, 2.0, 3.0]
    labels[3] = 1
    X, y = load_kepler_csv(write(tmp_path, "big.csv", "\n".join(rows)), return_X_y=True)
    np.testing.assert_array_equal(X, flux)
    np.testing.assert_array_equal(y, (labels == 2).astype(int))


@pytest.mark.parametrize(
    "rows, match",
    [
        ([], "empty"),
        ([HEADER], "no curves"),
        (["FLUX.1,FLUX.2", "1.0,2.0"], r"row 1 \(header\) has no 'LABEL'"),
        ([HEADER, "2,1,2,3,4", "3,1,2,3,4"], r"row 3, column 1 \('LABEL'\) is 3;"),
        ([HEADER, "2,1,2,3,4", "1,1,abc,3,4"], r"row 3, column 3 \('FLUX.2'\)"),
        ([HEADER, "2,1,2,3,4", "1,1,2,3"], "row 3 has 4 fields but the header has 5"),
        ([HEADER, "2,1,2,3,4,5"], "row 2 has 6 fields"),
    ],
    ids=["empty", "header-only", "no-label", "bad-label", "text", "short", "long"],
)
def test_load_bad_files_name_file_row_and_column(tmp_path, rows, match):
    path = write(tmp_path, "bad.csv", "\n".join(rows))
    with pytest.raises(ValueError, match=match) as info:
        load_kepler_csv(path)
    assert "bad.csv" in str(info.value)


def test_load_missing_file(tmp_path):
    with pytest.raises(ValueError, match="no such file"):
        load_kepler_csv(tmp_path / "nope.csv")


def test_simulator_is_repeatable_and_seed_dependent():
    a = make_kepler_like(10, n_points=300, random_state=3)
    b = make_kepler_like(10, n_points=300, random_state=3)
    c = make_kepler_like(10, n_points=300, random_state=4)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.allclose(a[0], c[0])


def test_simulator_shapes_units_and_labels(kepler_like):
    X, y, params = kepler_like
    assert X.shape == (60, 600) and y.shape == (60,)
    assert y.sum() == 30
    np.testing.assert_allclose(np.median(X, axis=1), 0.0, atol=1e-9)
    # Stars span about three decades of brightness and of scatter.
    assert params["flux"].max() / params["flux"].min() > 100
    spread = X.std(axis=1)
    assert spread.max() / spread.min() > 30
    # Many stars wander by far more than their point-to-point scatter.
    assert (
        np.mean(np.ptp(median_filter(X, (1, 49)), axis=1) > 10 * params["noise"]) > 0.3
    )
    assert params.loc[y == 0, "period"].isna().all()
    assert params.loc[y == 1, "period"].notna().all()


def test_simulator_noise_matches_stated_level(kepler_like):
    X, y, params = kepler_like
    measured = robust_noise(X)
    plain = ((y == 0) & params["binary_period"].isna()).to_numpy()
    np.testing.assert_allclose(measured[plain], params.loc[plain, "noise"], rtol=1e-9)
    # The point-to-point scatter is the photon noise and floor, plus a little
    # granulation and roll on short time scales.
    ratio = measured / params["white_noise"]
    assert 0.9 < np.median(ratio) < 1.3
    # Heavy tails put some of the variance in outliers that a robust scale
    # leaves out.
    assert ratio.min() > 0.7


def test_simulator_binaries_eclipse_deeply_among_non_hosts():
    X, y, params = make_kepler_like(
        60, binary_fraction=0.5, n_points=1000, random_state=2, return_params=True
    )
    binaries = np.flatnonzero(params["binary_period"].notna())
    assert len(binaries) == 15 and (y[binaries] == 0).all()
    assert params.loc[binaries, "binary_snr"].between(7.0, 200.0).all()
    detrended = X - median_filter(X, size=(1, 49), mode="reflect")
    time = np.arange(X.shape[1]) * 0.0204335
    dips = []
    for i in binaries:
        p = params.loc[i]
        phase = ((time - p["binary_t0"]) / p["binary_period"] + 0.5) % 1 - 0.5
        eclipse = np.abs(phase * p["binary_period"]) < 0.03  # the mid-eclipse cadences
        dips.append(np.mean(detrended[i, eclipse]) / robust_noise(detrended[i]))
    # Folded at the returned period and epoch, the primary eclipse is there.
    assert np.median(dips) < -3.0, dips
    none = make_kepler_like(20, binary_fraction=0.0, random_state=2, return_params=True)
    assert none[2]["binary_period"].isna().all()


def test_simulator_transits_are_at_returned_parameters(kepler_like):
    X, y, params = kepler_like
    time = np.arange(X.shape[1]) * 0.0204335
    detrended = X - median_filter(X, size=(1, 49), mode="reflect")
    for i in np.flatnonzero(y):
        p = params.loc[i]
        assert p["n_transits"] >= 2
        assert 7.0 <= p["snr"] <= 30.0 + 1e-6
        phase = ((time - p["t0"]) / p["period"] + 0.5) % 1 - 0.5
        in_transit = np.abs(phase * p["period"]) < 0.3 * p["duration"]
        far = np.abs(phase * p["period"]) > p["duration"]
        dip = np.mean(detrended[i, far]) - np.mean(detrended[i, in_transit])
        # The folded dip is where the table says, about depth * flux deep.
        expected = p["depth"] * p["flux"]
        assert dip > 0.4 * expected, (i, dip, expected)
        assert dip < 2.0 * expected + 3 * p["noise"], (i, dip, expected)


def test_simulator_snr_and_depth_consistent():
    X, y, params = make_kepler_like(
        40, n_points=1000, snr=15.0, random_state=1, return_params=True
    )
    hosts = params[y == 1]
    np.testing.assert_allclose(hosts["snr"], 15.0, rtol=0.02)
    # Depth ~ rp^2 (limb darkening deepens the centre of a transit).
    ratio = hosts["depth"] / hosts["rp"] ** 2
    assert ((ratio > 0.5) & (ratio < 1.6)).all()


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n_samples": 0}, ValueError, "n_samples"),
        ({"planet_fraction": 1.5}, ValueError, "planet_fraction"),
        ({"n_points": 50}, ValueError, "n_points"),
        ({"snr": (30.0, 7.0)}, ValueError, "low <= high"),
        ({"snr": "high"}, TypeError, "snr"),
    ],
)
def test_simulator_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_kepler_like(**{"n_samples": 5, **kwargs})
