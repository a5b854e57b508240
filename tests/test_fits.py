"""Kepler, K2 and TESS light-curve FITS files, in the archives' layout."""

import numpy as np
import pandas as pd
import pytest
from astropy.io import fits

from sklearn_lcgan.cli import main
from sklearn_lcgan.datasets import load_lightcurves, make_kepler_like

LONG = 0.02043357  # Kepler long cadence, days
TWO_MINUTES = 2 / 1440


def write_lightcurve(
    path,
    *,
    mission="Kepler",
    n=500,
    cadence=LONG,
    flux=None,
    quality=None,
    drop=(),
    timedel=True,
    columns=("TIME", "SAP_FLUX", "PDCSAP_FLUX", "QUALITY"),
):
    """A light-curve file as the archives write it: a primary header naming
    the mission and target, and a LIGHTCURVE table."""
    rng = np.random.default_rng(len(str(path)))
    time = 131.5 + np.arange(n) * cadence
    flux = 5000 + rng.normal(0, 10, n) if flux is None else flux
    quality = np.zeros(n, dtype=np.int32) if quality is None else quality
    keep = np.setdiff1d(np.arange(n), drop)  # cadences missing from the file
    primary = fits.PrimaryHDU()
    header = primary.header
    if mission == "TESS":
        header.update(TELESCOP="TESS", OBJECT="TIC 25155310", TICID=25155310, SECTOR=1)
    else:
        header.update(TELESCOP="Kepler", OBJECT="KIC 11446443", KEPLERID=11446443)
        header.update(QUARTER=4) if mission == "Kepler" else header.update(
            MISSION="K2", CAMPAIGN=5
        )
    data = {
        "TIME": fits.Column("TIME", "D", array=time[keep]),
        "SAP_FLUX": fits.Column("SAP_FLUX", "E", array=flux[keep] * 1.1),
        "PDCSAP_FLUX": fits.Column("PDCSAP_FLUX", "E", array=flux[keep]),
        "QUALITY": fits.Column("QUALITY", "J", array=quality[keep]),
    }
    table = fits.BinTableHDU.from_columns(
        [data[name] for name in columns], name="LIGHTCURVE"
    )
    if timedel:
        table.header["TIMEDEL"] = cadence
    fits.HDUList([primary, table]).writeto(path)
    return path


def test_a_kepler_file_lands_on_its_grid_with_gaps_and_flags_as_nan(tmp_path):
    flux = 5000 + np.arange(500, dtype=float)
    quality = np.zeros(500, dtype=np.int32)
    quality[[10, 11]] = 32  # reaction-wheel desaturation: dropped by default
    quality[12] = 128  # a cosmic ray in the aperture: kept by default
    flux[20] = np.nan
    path = write_lightcurve(
        tmp_path / "kplr.fits", flux=flux, quality=quality, drop=[30, 31, 32]
    )
    X, windows = load_lightcurves(path, n_points=400)
    assert X.shape == (1, 400)
    gaps = np.flatnonzero(np.isnan(X[0]))
    assert gaps.tolist() == [10, 11, 20, 30, 31, 32]
    valid = ~np.isnan(X[0])
    np.testing.assert_allclose(
        X[0, valid], (flux[:400] - np.nanmedian(np.delete(flux[:400], gaps)))[valid]
    )
    row = windows.iloc[0]
    assert row["mission"] == "Kepler" and row["season"] == 4
    assert row["target"] == "KIC 11446443" and row["file"] == "kplr.fits"
    assert row["cadence"] == pytest.approx(LONG)
    assert row["gap_fraction"] == pytest.approx(6 / 400)
    hard, _ = load_lightcurves(path, n_points=400, quality_bitmask="hard")
    assert np.isnan(hard[0, 12]) and not np.isnan(X[0, 12])
    sap, _ = load_lightcurves(path, n_points=400, flux_column="sap_flux")
    np.testing.assert_allclose(sap[0, valid], 1.1 * X[0, valid], atol=2e-3)  # float32


def test_a_folder_of_k2_files_in_windows_and_relative_units(tmp_path):
    for k in range(2):
        write_lightcurve(tmp_path / f"ktwo{k}.fits", mission="K2", n=1000)
    X, windows = load_lightcurves(
        tmp_path, n_points=300, windows="all", units="relative"
    )
    assert X.shape == (6, 300)  # three whole windows a file
    assert windows["file"].tolist() == ["ktwo0.fits"] * 3 + ["ktwo1.fits"] * 3
    assert windows["window"].tolist() == [0, 1, 2] * 2
    np.testing.assert_allclose(np.diff(windows["start"][:3]), 300 * LONG)
    assert (windows["mission"] == "K2").all() and (windows["season"] == 5).all()
    np.testing.assert_allclose(np.median(X, axis=1), 1.0)


def test_tess_two_minute_cadence_from_the_time_stamps(tmp_path):
    path = write_lightcurve(
        tmp_path / "tess.fits", mission="TESS", cadence=TWO_MINUTES, timedel=False
    )
    X, windows = load_lightcurves(path, n_points=500)
    assert X.shape == (1, 500) and not np.isnan(X).any()
    assert windows["cadence"][0] == pytest.approx(TWO_MINUTES)
    assert windows["mission"][0] == "TESS" and windows["season"][0] == 1


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda p: write_lightcurve(p, columns=("TIME", "SAP_FLUX", "QUALITY")),
            "has no PDCSAP_FLUX column",
        ),
        (
            lambda p: write_lightcurve(p, quality=np.full(500, 32, dtype=np.int32)),
            "every cadence is flagged",
        ),
        (
            lambda p: p.write_bytes(
                write_lightcurve(p.parent / "whole.bak").read_bytes()[:5000]
            ),
            "not a readable FITS file",
        ),
        (lambda p: p.write_text("TIME,FLUX\n1,2\n"), "not a readable FITS file"),
        (lambda p: write_lightcurve(p, n=100), "fewer than n_points=400"),
    ],
    ids=["missing column", "all flagged", "truncated", "not FITS", "too short"],
)
def test_bad_files_get_a_one_line_error_naming_the_file(tmp_path, make, message):
    good = write_lightcurve(tmp_path / "a_good.fits")
    bad = tmp_path / "bad.fits"
    make(bad)
    with pytest.raises(ValueError, match=message) as error:
        load_lightcurves(tmp_path, n_points=400)
    assert str(bad) in str(error.value) and "\n" not in str(error.value)
    assert load_lightcurves(good, n_points=400)[0].shape == (1, 400)


def test_a_cadence_that_changes_within_a_file_or_between_files(tmp_path):
    time_steps = np.r_[np.arange(300) * LONG, 300 * LONG + np.arange(200) * TWO_MINUTES]
    path = tmp_path / "changes.fits"
    write_lightcurve(path, n=500)
    with fits.open(path, mode="update") as hdus:
        hdus[1].data["TIME"] = 131.5 + time_steps
    with pytest.raises(ValueError, match="cadence changes within the file"):
        load_lightcurves(path, n_points=100)
    write_lightcurve(tmp_path / "tess.fits", mission="TESS", cadence=TWO_MINUTES)
    path.unlink()
    write_lightcurve(tmp_path / "kepler.fits")
    with pytest.raises(
        ValueError, match="differs from .* load each cadence separately"
    ):
        load_lightcurves(tmp_path, n_points=100)


def test_lcgan_predict_scores_every_window_of_a_folder(tmp_path, capsys):
    X, y = make_kepler_like(40, n_points=300, snr=30.0, random_state=3)
    model = _tiny_detector(tmp_path, X, y)
    folder = tmp_path / "stars"
    folder.mkdir()
    for k in range(3):
        write_lightcurve(
            folder / f"kplr{k}.fits", flux=5000 + 50 * X[k, :] / X.std(), n=300
        )
    out = tmp_path / "scores.csv"
    assert (
        main(["predict", str(folder), "--model", str(model), "--output", str(out)]) == 0
    )
    scores = pd.read_csv(out)
    assert scores["file"].tolist() == ["kplr0.fits", "kplr1.fits", "kplr2.fits"]
    assert scores["planet_proba"].between(0, 1).all()
    assert {"target", "mission", "season", "start", "cadence", "gap_fraction"} <= set(
        scores.columns
    )
    tess = tmp_path / "tess"
    tess.mkdir()
    write_lightcurve(tess / "tess.fits", mission="TESS", cadence=TWO_MINUTES, n=300)
    out.unlink()
    predicted = ["predict", str(tess), "--model", str(model), "--output", str(out)]
    assert main(predicted) == 2 and not out.exists()
    assert "detrender__cadence is 29.42 min but the files' cadence is 2 min" in (
        capsys.readouterr().err
    )
    (folder / "kplr1.fits").write_bytes(b"SIMPLE  = not really")
    assert (
        main(["predict", str(folder), "--model", str(model), "--output", str(out)]) == 2
    )
    assert not out.exists()


def _tiny_detector(tmp_path, X, y, *extra):
    np.savez(tmp_path / "train.npz", X=X, y=y)
    model = tmp_path / "m.lcgan"
    fit = ["fit-classifier", str(tmp_path / "train.npz"), "--model", str(model)]
    tiny = [
        "--param",
        "classifier__max_epochs=1",
        "--param",
        "classifier__module__hidden_size=8",
        *extra,
    ]
    assert main([*fit, *tiny]) == 0
    return model


def _stars_folder(folder, X, mission="Kepler", cadence=LONG):
    folder.mkdir()
    for k, curve in enumerate(X):
        write_lightcurve(
            folder / f"star{k}.fits",
            mission=mission,
            cadence=cadence,
            flux=5000 + 50 * curve / X.std(),
            n=X.shape[1],
        )
    return folder


def test_lcgan_evaluate_inject_and_recovery_read_fits_folders(tmp_path, capsys):
    X, y = make_kepler_like(40, n_points=300, snr=30.0, random_state=4)
    model = _tiny_detector(tmp_path, X, y)
    folder = _stars_folder(tmp_path / "stars", X[:6])
    labels = tmp_path / "labels.csv"
    pd.DataFrame({"file": [f"star{k}.fits" for k in range(6)], "label": y[:6]}).pipe(
        lambda t: t.assign(label=[1, 0, 1, 0, 0, 0])
    ).to_csv(labels, index=False)
    evaluated = ["evaluate", str(folder), "--model", str(model)]
    assert main([*evaluated, "--labels", str(labels)]) == 0
    assert '"n_curves": 6' in capsys.readouterr().out
    assert main(evaluated) == 2
    assert "give --labels LABELS.csv" in capsys.readouterr().err

    injected = tmp_path / "injected.npz"
    command = ["inject", str(folder), "--output", str(injected), "--n-points", "300"]
    assert main(command) == 0
    with np.load(injected) as saved:
        assert saved["X"].shape == (6, 300) and (saved["y"] == 1).all()
    params = pd.read_csv(tmp_path / "injected.params.csv")
    assert len(params) == 6

    report = tmp_path / "report"
    command = ["recovery", str(folder), "--model", str(model), "--output", str(report)]
    with pytest.warns(UserWarning, match="give at least 1000 curves"):
        assert main(command) == 0
    assert (report / "completeness.png").exists()

    tess = _stars_folder(tmp_path / "tess", X[:3], "TESS", TWO_MINUTES)
    command = ["recovery", str(tess), "--model", str(model), "--output", str(report)]
    assert main(command) == 2
    assert "the files' cadence is 2 min" in capsys.readouterr().err
    fast = ["--param", "cadence=0.01", "--n-points", "300"]
    assert main(["inject", str(tess), "--output", str(injected), *fast]) == 2
    assert "cadence is 14.4 min but the files' cadence is 2 min" in (
        capsys.readouterr().err
    )


def test_a_detector_built_for_two_minute_cadence_scores_tess_files(tmp_path, capsys):
    X, y = make_kepler_like(  # 2.1 days: room for two transits of 0.24 days
        40, n_points=1500, snr=30.0, cadence=TWO_MINUTES, random_state=5
    )
    model = _tiny_detector(tmp_path, X, y, "--param", "cadence=0.001388888")
    assert "unknown" not in capsys.readouterr().err
    tess = _stars_folder(tmp_path / "tess", X[:3], "TESS", TWO_MINUTES)
    out = tmp_path / "scores.csv"
    predicted = ["predict", str(tess), "--model", str(model), "--output", str(out)]
    assert main(predicted) == 0
    assert pd.read_csv(out)["cadence"].mul(1440).round(3).eq(2).all()


def test_from_lightkurve_reads_light_curves_and_collections():
    lk = pytest.importorskip("lightkurve")
    from astropy.time import Time

    from sklearn_lcgan.datasets import from_lightkurve

    n = 500
    flux = 5000 + np.arange(n, dtype=float)
    quality = np.zeros(n, dtype=np.int32)
    quality[[10, 11]] = 32  # dropped by the default bitmask
    keep = np.setdiff1d(np.arange(n), [30, 31])  # missing cadences
    time = 131.5 + np.arange(n) * LONG
    kepler = lk.KeplerLightCurve(
        time=Time(time[keep], format="bkjd"),
        flux=flux[keep],
        quality=quality[keep],
        meta={"MISSION": "Kepler", "QUARTER": 4, "OBJECT": "KIC 11446443"},
    )
    X, windows = from_lightkurve(kepler, n_points=400)
    assert X.shape == (1, 400)
    assert np.flatnonzero(np.isnan(X[0])).tolist() == [10, 11, 30, 31]
    row = windows.iloc[0]
    assert (row["file"], row["mission"], row["season"]) == ("lightcurve 0", "Kepler", 4)
    assert row["target"] == "KIC 11446443"
    assert row["cadence"] == pytest.approx(LONG)

    tess = lk.TessLightCurve(
        time=Time(2000 + np.arange(n) * LONG, format="btjd"),
        flux=np.full(n, 100.0) + np.sin(np.arange(n)),
        meta={"MISSION": "TESS", "SECTOR": 7, "FILENAME": "/data/tess_lc.fits"},
    )
    X, windows = from_lightkurve(
        lk.LightCurveCollection([kepler, tess]),
        n_points=200,
        windows="all",
        units="relative",
    )
    assert windows["file"].tolist() == ["lightcurve 0"] * 2 + ["tess_lc.fits"] * 2
    assert windows["mission"].tolist()[-1] == "TESS" and windows["season"].iloc[-1] == 7
    np.testing.assert_allclose(np.nanmedian(X, axis=1), 1.0)

    with pytest.raises(ValueError, match="has no 'pdcsap_flux' column"):
        from_lightkurve(tess, n_points=200, flux_column="pdcsap_flux")
    with pytest.raises(TypeError, match="not a lightkurve LightCurve"):
        from_lightkurve([kepler, X], n_points=200)
    with pytest.raises(TypeError, match="for FITS files use load_lightcurves"):
        from_lightkurve("kplr.fits")
    short = lk.LightCurve(time=np.arange(50) * LONG, flux=np.ones(50))
    with pytest.raises(ValueError, match="lightcurve 0: 50 cadences"):
        from_lightkurve(short, n_points=100)
