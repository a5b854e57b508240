"""The command loses nothing: interrupts, bad files, seeds, gaps, progress."""

import gzip
import json
import os
import signal
import subprocess
import sys
import time
import zipfile

import numpy as np
import pandas as pd
import pytest

from sklearn_lcgan import LightCurveClassifier
from sklearn_lcgan.cli import main
from sklearn_lcgan.datasets import make_kepler_like
from sklearn_lcgan.experiments import injection_recovery

TINY_GAN = [
    "--param",
    "generator__hidden_sizes=(16,)",
    "--param",
    "critic__hidden_sizes=(8,)",
]
TINY_DETECTOR = [
    "--param",
    "classifier__max_epochs=1",
    "--param",
    "classifier__module__hidden_size=8",
]


def write_kaggle(path, X, y, *, opener=open):
    header = "LABEL," + ",".join(f"FLUX.{i + 1}" for i in range(X.shape[1]))
    rows = [
        ",".join(
            [str(2 if label else 1)] + ["" if np.isnan(v) else f"{v:.3f}" for v in row]
        )
        for label, row in zip(y, X, strict=True)
    ]
    with opener(path, "wt") as handle:
        handle.write("\n".join([header, *rows]) + "\n")
    return path


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("robust")
    X, y = make_kepler_like(40, n_points=400, snr=30.0, random_state=3)
    return folder, X, y, write_kaggle(folder / "train.csv", X, y)


@pytest.fixture(scope="module")
def detector(data):
    folder, _, _, csv = data
    model = folder / "detector.lcgan"
    assert (
        main(["fit-classifier", str(csv), "--model", str(model), *TINY_DETECTOR]) == 0
    )
    return model


def one_line_error(capsys, command):
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"lcgan {command}: error:") and "\n" not in err, err
    return err


# 1. Ctrl-C never costs the old model. The child reports each import as it
# completes (-X importtime), so the signal lands at a known stage however
# loaded the machine is: numpy is first imported inside main's handler, torch
# midway through the library's imports, and _commands once they are all done.
def _imported(line):
    return line.rpartition("|")[2].strip() if line.startswith("import time:") else None


@pytest.mark.parametrize(
    "stage, settle",
    [("numpy", 0.0), ("torch", 0.0), ("sklearn_lcgan._commands", 2.0)],
    ids=["in the imports", "after torch", "in training"],
)
def test_sigint_during_a_fit_leaves_the_old_model_byte_identical(
    data, tmp_path, stage, settle
):
    folder, _, _, csv = data
    model = tmp_path / "old.lcgan"
    model.write_bytes(b"the previous model")
    command = [
        sys.executable, "-X", "importtime", "-m", "sklearn_lcgan.cli",
        "fit-classifier", str(csv), "--model", str(model),
        "--param", "classifier__max_epochs=100000",
        "--param", "classifier__module__hidden_size=8",
    ]  # fmt: skip
    # A child inherits an ignored SIGINT (something in a worker of the whole
    # suite ignores it), and Python then installs no KeyboardInterrupt: give
    # the child a terminal's default, as a user's shell does.
    process = subprocess.Popen(
        command,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    for line in process.stderr:
        if _imported(line) == stage:
            break
    else:
        pytest.fail(f"the command ended before importing {stage}")
    time.sleep(settle)
    process.send_signal(signal.SIGINT)
    try:  # generous: a loaded machine runs the child's handler late
        _, err = process.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
        pytest.fail(f"no exit 300 s after SIGINT at {stage}; stderr ends: {err[-500:]}")
    messages = [line for line in err.splitlines() if _imported(line) is None]
    assert process.returncode == 2, "\n".join(messages)
    assert messages[-1] == f"lcgan fit-classifier: interrupted; {model} unchanged"
    assert model.read_bytes() == b"the previous model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.lcgan"]


def test_ctrl_c_in_training_exits_2_and_saves_nothing(data, tmp_path, monkeypatch):
    import sklearn_lcgan._gan_training as training

    folder, _, _, csv = data
    model = tmp_path / "gan.lcgan"
    model.write_bytes(b"old")

    def interrupted(self, *args):
        raise KeyboardInterrupt

    monkeypatch.setattr(training.AdversarialNet, "critic_step", interrupted)
    assert main(["fit-generator", str(csv), "--model", str(model), *TINY_GAN]) == 2
    assert model.read_bytes() == b"old"


# 2 and 10. Damaged and foreign files get one line that names them.
@pytest.mark.parametrize("kind", ["gz", "zip", "binary", "inf"])
def test_damaged_files_are_named_with_the_fix(kind, data, tmp_path, capsys):
    _, X, y, _ = data
    path = tmp_path / f"train.{kind}"
    if kind == "gz":
        whole = write_kaggle(tmp_path / "whole.csv.gz", X, y, opener=gzip.open)
        path.write_bytes(whole.read_bytes()[:-200])  # a download cut short
        fix = "copy or download it again"
    elif kind == "zip":
        whole = tmp_path / "whole.zip"
        with zipfile.ZipFile(whole, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(write_kaggle(tmp_path / "t.csv", X, y), "t.csv")
        path.write_bytes(whole.read_bytes()[:-300])
        fix = "copy or download it again"
    elif kind == "binary":
        path.write_bytes(bytes(range(256)) * 20)
        fix = "give a Kaggle-layout CSV"
    else:
        X = X.copy()
        X[3, 7] = np.inf
        write_kaggle(path, X, y)
        fix = "write a missing cadence as NaN"
    argv = ["fit-classifier", str(path), "--model", str(tmp_path / "m.lcgan")]
    assert main(argv) == 2
    err = one_line_error(capsys, "fit-classifier")
    assert str(path) in err and fix in err
    assert not (tmp_path / "m.lcgan").exists()


# 3. One seed, one model.
def test_random_state_seeds_every_estimator_the_command_builds(data, tmp_path):
    from sklearn_lcgan import load_model

    _, _, _, csv = data
    scores = []
    for run in range(2):
        model = tmp_path / f"m{run}.lcgan"
        argv = [
            "fit-classifier",
            str(csv),
            "--model",
            str(model),
            "--random-state",
            "7",
        ]
        assert main(argv + TINY_DETECTOR) == 0
        assert load_model(model)[-1].random_state == 7
        out = tmp_path / f"p{run}.csv"
        assert (
            main(["predict", str(csv), "--model", str(model), "--output", str(out)])
            == 0
        )
        scores.append(pd.read_csv(out)["planet_proba"].to_numpy())
    np.testing.assert_array_equal(*scores)
    gan = tmp_path / "gan.lcgan"
    argv = ["fit-generator", str(csv), "--model", str(gan), "--random-state", "7"]
    assert main(argv + TINY_GAN + ["--param", "max_epochs=1"]) == 0
    assert load_model(gan).random_state == 7


# 4. Gaps work end to end, as the loader promises.
def test_nan_gaps_work_in_the_default_pipelines(data, tmp_path):
    _, X, y, _ = data
    gappy = X.copy()
    gappy[:, 100:130] = np.nan
    gappy[5, :3] = np.nan
    csv = write_kaggle(tmp_path / "gaps.csv", gappy, y)
    model, out = tmp_path / "m.lcgan", tmp_path / "p.csv"
    assert (
        main(["fit-classifier", str(csv), "--model", str(model), *TINY_DETECTOR]) == 0
    )
    assert main(["predict", str(csv), "--model", str(model), "--output", str(out)]) == 0
    assert np.isfinite(pd.read_csv(out)["planet_proba"]).all()
    gan = tmp_path / "gan.lcgan"
    argv = ["fit-generator", str(csv), "--model", str(gan), "--param", "max_epochs=1"]
    assert main(argv + TINY_GAN) == 0


# 5. Output paths are checked before the work and named as the user wrote them.
def test_output_paths_are_checked_before_any_work(data, detector, tmp_path, capsys):
    _, _, _, csv = data
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    output = str(blocker / "report")
    started = time.perf_counter()
    assert (
        main(["recovery", str(csv), "--model", "missing.lcgan", "--output", output])
        == 2
    )
    err = one_line_error(capsys, "recovery")
    assert output in err and ".lcgan-" not in err
    assert time.perf_counter() - started < 5
    argv = ["fit-classifier", str(csv), "--model", str(blocker / "m.lcgan")]
    assert main(argv) == 2
    assert str(blocker / "m.lcgan") in one_line_error(capsys, "fit-classifier")


# 6. A model of the wrong kind is named.
def test_a_generator_given_to_predict_is_named(data, tmp_path, capsys):
    _, _, _, csv = data
    gan = tmp_path / "gan.lcgan"
    argv = ["fit-generator", str(csv), "--model", str(gan), "--param", "max_epochs=1"]
    assert main(argv + TINY_GAN) == 0
    for command in ("predict", "evaluate"):
        argv = [command, str(csv), "--model", str(gan)]
        argv += ["--output", str(tmp_path / "p.csv")] if command == "predict" else []
        assert main(argv) == 2
        err = one_line_error(capsys, command)
        assert f"holds a TransitCurveGenerator; {command} needs a detector" in err


# 7. An epoch count that trains nothing is refused.
@pytest.mark.parametrize("epochs", ["0", "-1"])
def test_non_positive_epochs_are_refused(data, tmp_path, capsys, epochs):
    _, _, _, csv = data
    model = tmp_path / "m.lcgan"
    argv = ["fit-classifier", str(csv), "--model", str(model)]
    assert main(argv + ["--param", f"classifier__max_epochs={epochs}"]) == 2
    assert "max_epochs must be a positive int" in one_line_error(
        capsys, "fit-classifier"
    )
    assert not model.exists()


# 8. One class cannot be evaluated; the output is valid JSON or nothing.
def test_evaluate_on_one_class_is_an_error_not_nan(data, detector, tmp_path, capsys):
    _, X, y, _ = data
    csv = write_kaggle(tmp_path / "one.csv", X[y == 0], y[y == 0])
    assert main(["evaluate", str(csv), "--model", str(detector)]) == 2
    captured = capsys.readouterr()
    assert "needs curves of both classes" in captured.err and captured.out == ""
    assert main(["evaluate", str(data[3]), "--model", str(detector)]) == 0
    assert np.isfinite(json.loads(capsys.readouterr().out)["roc_auc"])


# 9. Progress where asked, silence in pipes, a warning for a meaningless threshold.
def test_progress_bars_stay_out_of_pipes(data, detector, tmp_path, capsys):
    _, _, _, csv = data
    out = tmp_path / "p.csv"
    assert (
        main(["predict", str(csv), "--model", str(detector), "--output", str(out)]) == 0
    )
    assert capsys.readouterr().err == ""  # stderr is not a terminal here


def test_recovery_shows_progress_and_warns_of_too_few_curves(data, detector, capsys):
    from sklearn_lcgan import load_model

    _, X, y, _ = data
    model = load_model(detector)
    with pytest.warns(UserWarning, match="give at least 1000 curves"):
        injection_recovery(
            model, X[y == 0], grid={"snr": [20.0], "period": [2.0]},
            false_positive_rate=0.01, verbose=True,
        )  # fmt: skip
    assert "injection-recovery" in capsys.readouterr().err


# 10. Parameters, file names, colours and help.
def test_unknown_param_lists_the_valid_names(data, tmp_path, capsys):
    _, _, _, csv = data
    argv = ["fit-classifier", str(csv), "--model", str(tmp_path / "m.lcgan")]
    assert main(argv + ["--param", "classifier__max_epoch=3"]) == 2
    err = one_line_error(capsys, "fit-classifier")
    assert "'classifier__max_epoch' is not a parameter" in err
    assert "classifier__max_epochs" in err and "detrender__window" in err


def test_planet_tables_share_one_name(data, tmp_path):
    _, _, _, csv = data
    for output in ("injected.npz", "injected.csv"):
        assert main(["inject", str(csv), "--output", str(tmp_path / output)]) == 0
        assert (tmp_path / "injected.params.csv").exists()
        os.remove(tmp_path / "injected.params.csv")


def test_epoch_table_has_no_colour_codes_outside_a_terminal(data, capsys):
    _, X, y, _ = data
    LightCurveClassifier(max_epochs=2, module__hidden_size=8, verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert "train_loss" in out and "\x1b[" not in out


def test_help_gives_formats_and_meanings(capsys):
    for command, expected in [
        ("predict", ".npz file with X"),
        ("sample", "curves to draw"),
        ("inject", "NAME.params.csv"),
    ]:
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert expected in capsys.readouterr().out
