import json

import numpy as np
import pytest

from sklearn_lcgan.cli import main
from sklearn_lcgan.datasets import make_kepler_like
from sklearn_lcgan.metrics import bls_periods, transit_recovery_rate

SMALL_DEMO = ["--n-curves", "12", "--n-points", "800", "--n-base", "4", "--snr", "30"]


def test_demo_writes_complete_report(tmp_path):
    out = tmp_path / "report"
    assert main(["demo", "--output", str(out), "--quiet", *SMALL_DEMO]) == 0
    names = {p.name for p in out.iterdir()}
    assert names == {"report.md", "metrics.json", "curves.png", "injection.png",
                     "recovery.png"}  # fmt: skip
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n_hosts"] == 6
    assert 0.0 <= metrics["bls_completeness_by_snr"]["30.0"] <= 1.0
    assert "![recovery](recovery.png)" in (out / "report.md").read_text()
    # Nothing half-written is left beside the report.
    assert [p.name for p in tmp_path.iterdir()] == ["report"]


def test_bad_input_exits_2_with_one_line(tmp_path, capsys):
    code = main(["demo", "--output", str(tmp_path / "r"), "--quiet",
                 "--n-points", "50"])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("lcgan demo: error:") and "\n" not in err
    assert not any(tmp_path.iterdir())
    with pytest.raises(SystemExit) as info:
        main(["demo", "--n-curves", "0"])
    assert info.value.code == 2


def test_bls_recovers_strong_transits_and_misses_none():
    X, y, p = make_kepler_like(
        6, planet_fraction=1.0, n_points=1000, snr=40.0, random_state=2,
        return_params=True,
    )  # fmt: skip
    rate, recovered = transit_recovery_rate(
        X, p["period"], n_periods=3000, return_recovered=True
    )
    assert rate >= 5 / 6 and recovered.dtype == bool
    noise_only = np.random.default_rng(0).normal(size=(3, 1000))
    assert transit_recovery_rate(noise_only, [1.234, 2.345, 3.456], n_periods=3000) < 1
    with pytest.raises(ValueError, match="period range"):
        bls_periods(noise_only[:, :20])
