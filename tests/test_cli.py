import gzip
import json

import numpy as np
import pandas as pd
import pytest

from sklearn_lcgan import TransitInjector
from sklearn_lcgan.cli import main, parse_params
from sklearn_lcgan.datasets import make_kepler_like
from sklearn_lcgan.io import load_curves
from sklearn_lcgan.metrics import bls_periods, transit_recovery_rate

QUICK_DEMO = [
    "--n-curves",
    "60",
    "--n-points",
    "400",
    "--planet-fraction",
    "0.1",
    "--n-base",
    "8",
    "--epochs",
    "1",
    "--gan-epochs",
    "1",
    "--quiet",
]
TINY_GAN = [
    "--param",
    "generator__latent_dim=8",
    "--param",
    "generator__hidden_sizes=(32,)",
    "--param",
    "critic__hidden_sizes=(8,)",
    "--param",
    "max_epochs=1",
]
TINY_DETECTOR = [
    "--param",
    "classifier__max_epochs=1",
    "--param",
    "classifier__module__hidden_size=8",
]


@pytest.fixture(scope="module")
def kaggle_csv(tmp_path_factory):
    """A small file in the Kaggle layout, gzipped: LABEL 2/1 then FLUX.i."""
    X, y = make_kepler_like(40, n_points=400, snr=30.0, random_state=3)
    path = tmp_path_factory.mktemp("data") / "exoTrain.csv.gz"
    header = "LABEL," + ",".join(f"FLUX.{i + 1}" for i in range(X.shape[1]))
    rows = [
        ",".join([str(2 if label else 1)] + [f"{v:.2f}" for v in row])
        for label, row in zip(y, X, strict=True)
    ]
    with gzip.open(path, "wt") as f:
        f.write("\n".join([header, *rows]))
    return path


def test_demo_writes_complete_report(tmp_path):
    out = tmp_path / "report"
    assert main(["demo", "--output", str(out), *QUICK_DEMO]) == 0
    names = {p.name for p in out.iterdir()}
    assert {
        "report.md",
        "metrics.json",
        "curves.png",
        "real_vs_generated.png",
        "gan_losses.png",
        "injection.png",
        "fooling.png",
        "completeness.png",
        "completeness.csv",
    } <= names
    metrics = json.loads((out / "metrics.json").read_text())
    assert 0 <= metrics["fooling_rate"]["after"] <= 1
    assert [r["augmentation"] for r in metrics["augmentation_gain"]] == [
        "none",
        "oversampler",
        "generator",
    ]
    report = (out / "report.md").read_text()
    for name in names - {"report.md", "metrics.json", "completeness.csv"}:
        assert f"({name})" in report
    # Nothing half-written is left beside the report.
    assert [p.name for p in tmp_path.iterdir()] == ["report"]


@pytest.mark.parametrize("full", [False, True])
def test_demo_runs_the_quick_study_unless_told_full(full, monkeypatch, tmp_path):
    import sklearn_lcgan._commands
    from sklearn_lcgan.cli import DEMO_SIZES

    seen = {}
    monkeypatch.setattr(
        sklearn_lcgan._commands, "run_demo", lambda out, **kw: seen.update(kw)
    )
    argv = ["demo", "--output", str(tmp_path), "--epochs", "3"]
    assert main(argv + ["--full"] * full) == 0
    expected = {**DEMO_SIZES["full" if full else "quick"], "epochs": 3}
    assert {name: seen[name] for name in expected} == expected


def test_subcommands_on_a_kaggle_file(kaggle_csv, tmp_path, capsys):
    gan, clf = tmp_path / "gan.lcgan", tmp_path / "clf.lcgan"
    assert (
        main(
            [
                "fit-generator",
                str(kaggle_csv),
                "--model",
                str(gan),
                "--quiet",
                *TINY_GAN,
            ]
        )
        == 0
    )
    sampled = tmp_path / "planets.npz"
    assert (
        main(
            [
                "sample",
                "--model",
                str(gan),
                "--n",
                "12",
                "--planets",
                "--output",
                str(sampled),
            ]
        )
        == 0
    )
    X, y = load_curves(sampled)
    assert X.shape == (12, 400) and (y == 1).all()
    assert (tmp_path / "planets.params.csv").exists()

    injected = tmp_path / "injected.npz"
    assert (
        main(
            [
                "inject",
                str(kaggle_csv),
                "--output",
                str(injected),
                "--param",
                "snr=20.0",
            ]
        )
        == 0
    )
    assert load_curves(injected)[0].shape == (40, 400)
    # The same injection streamed chunk by chunk into a Kaggle-layout file.
    streamed = tmp_path / "injected.csv"
    argv = ["inject", str(kaggle_csv), "--output", str(streamed), "--chunk-size", "7"]
    assert main([*argv, "--param", "snr=20.0"]) == 0
    X_streamed, y_streamed = load_curves(streamed)
    np.testing.assert_allclose(X_streamed, load_curves(injected)[0], rtol=1e-9)
    assert (y_streamed == 1).all()
    params = pd.read_csv(tmp_path / "injected.params.csv", index_col="curve")
    assert params.index.tolist() == list(range(40)) and (params["snr"] == 20).all()

    assert (
        main(
            [
                "fit-classifier",
                str(kaggle_csv),
                "--model",
                str(clf),
                "--quiet",
                *TINY_DETECTOR,
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["evaluate", str(kaggle_csv), "--model", str(clf)]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["n_curves"] == 40 and 0 <= scores["roc_auc"] <= 1
    # Chunked inference gives the same scores whatever the chunk size, to the
    # CSV's six decimals: float32 kernels round differently by batch size, and
    # a score on a rounding boundary can flip its last digit.
    for size in ("7", "1000"):
        out = tmp_path / f"scores{size}.csv"
        argv = ["predict", str(kaggle_csv), "--model", str(clf), "--output", str(out)]
        assert main([*argv, "--chunk-size", size]) == 0
    chunked = pd.read_csv(tmp_path / "scores7.csv")
    assert chunked["curve"].tolist() == list(range(40))
    np.testing.assert_allclose(
        chunked["planet_proba"],
        pd.read_csv(tmp_path / "scores1000.csv")["planet_proba"],
        rtol=0,
        atol=1.5e-6,
    )
    capsys.readouterr()
    assert main(["fool", str(sampled), "--model", str(clf)]) == 0
    fooled = json.loads(capsys.readouterr().out)
    assert 0 <= fooled["rate_after"] <= 1
    assert (
        main(
            [
                "recovery",
                str(kaggle_csv),
                "--model",
                str(clf),
                "--output",
                str(tmp_path / "rec"),
            ]
        )
        == 0
    )
    assert (tmp_path / "rec" / "completeness.png").exists()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["evaluate", "missing.csv", "--model", "m.lcgan"], "no such file"),
        (["fit-classifier", "{bad}", "--model", "m.lcgan"], "row 3 has 2 fields"),
        (
            ["evaluate", "{kaggle}", "--model", "{bad}"],
            "not a complete sklearn-lcgan model file",
        ),
        (
            ["inject", "{kaggle}", "--output", "x.npz", "--param", "snr=-1"],
            "out of range",
        ),
        (
            ["inject", "{kaggle}", "--output", "x.npz", "--param", "colour=red"],
            "'colour' is not a parameter of TransitInjector; valid names: a, cadence",
        ),
        (
            ["fit-generator", "{kaggle}", "--model", "g.lcgan", "--param", "lr=1"],
            "Invalid parameter 'lr' for TransitCurveGenerator; the networks'",
        ),
        (
            ["inject", "{kaggle}", "--output", "x.txt"],
            "use an .npz file, or a .csv file",
        ),
        (
            ["inject", "{bad}", "--output", "x.csv", "--chunk-size", "2"],
            "row 3 has 2 fields",
        ),
        (["predict", "{kaggle}", "--model", "{bad}", "--output", "p.csv"], "not a"),
        (
            ["fit-classifier", "{kaggle}", "--model", "m.lcgan", "--param", "oops"],
            "expected name=value",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(kaggle_csv, tmp_path, capsys, argv, message):
    bad = tmp_path / "bad.csv"
    bad.write_text("LABEL,FLUX.1,FLUX.2\n2,1.0,2.0\n1,3.0\n")
    names = {"{bad}": str(bad), "{kaggle}": str(kaggle_csv)}
    argv = [names.get(a, a) for a in argv]
    before = set(tmp_path.iterdir())
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"lcgan {argv[0]}: error:") and "\n" not in err
    assert message in err
    assert set(tmp_path.iterdir()) == before  # nothing half-written


def test_parse_params_reads_python_literals():
    assert parse_params(["lr=1e-3", "hidden=(8, 4)", "name=text", "flag=True"]) == {
        "lr": 1e-3,
        "hidden": (8, 4),
        "name": "text",
        "flag": True,
    }


def test_bls_recovers_strong_transits_and_misses_none():
    X, y, p = make_kepler_like(
        6,
        planet_fraction=1.0,
        n_points=1000,
        snr=40.0,
        random_state=2,
        return_params=True,
    )
    rate, recovered = transit_recovery_rate(
        X, p["period"], n_periods=3000, return_recovered=True
    )
    assert rate >= 5 / 6 and recovered.dtype == bool
    noise_only = np.random.default_rng(0).normal(size=(3, 1000))
    assert transit_recovery_rate(noise_only, [1.234, 2.345, 3.456], n_periods=3000) < 1
    with pytest.raises(ValueError, match="period range"):
        bls_periods(noise_only[:, :20])


def test_bls_detrending_follows_fast_rotators():
    # Stars spotted at 60x their noise, rotating every 1-2 days, each with a
    # transit of SNR 25: the default filter follows the rotation, a running
    # median of one day leaves residuals that BLS locks onto instead, unless
    # the rotation filter has removed the spots first.
    rng = np.random.default_rng(0)
    time = np.arange(1500) * 0.0204335
    white = rng.normal(size=(8, 1500))
    period = rng.uniform(1.0, 2.0, (8, 1))
    stars = white + 60 * np.sin(2 * np.pi * time / period + rng.uniform(0, 6, (8, 1)))
    injector = TransitInjector(snr=(25.0, 25.0), period=(2.0, 8.0), random_state=0)
    params = injector.fit(stars).draw_params(stars)
    X = injector.inject(stars, params)
    assert transit_recovery_rate(X, params["period"], n_periods=3000) >= 6 / 8
    median = {"detrend_method": "median", "detrend_window": 1.0}
    rate = transit_recovery_rate(
        X, params["period"], n_periods=3000, rotation_filter=False, **median
    )
    assert rate <= 2 / 8
    assert transit_recovery_rate(X, params["period"], n_periods=3000, **median) >= 6 / 8
    with pytest.raises(ValueError, match="'detrend_method' parameter of bls_periods"):
        bls_periods(X, detrend_method="spline")


def test_bls_looks_past_k2_thruster_firings():
    # K2's roll sawtooth, jittered as in make_kepler_like, at 5x the white
    # noise, and transits of SNR 15: without the notch BLS finds multiples of
    # the firing interval (three or four firings) instead of the planets.
    from sklearn_lcgan._stars import roll_systematics

    rng = np.random.RandomState(0)
    time = np.arange(1500) * 0.0204335
    roll = roll_systematics(rng, time, 8, period=0.2452)
    stars = rng.normal(size=(8, 1500)) + 5.0 * roll
    injector = TransitInjector(snr=(15.0, 15.0), period=(2.0, 8.0), random_state=0)
    params = injector.fit(stars).draw_params(stars)
    X = injector.inject(stars, params)
    found, _ = bls_periods(X, n_periods=3000, notch_period=None)
    firings = found / 0.2452
    assert np.mean(np.abs(firings - np.round(firings)) < 0.05) >= 6 / 8
    assert transit_recovery_rate(X, params["period"], n_periods=3000) >= 6 / 8
