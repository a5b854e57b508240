"""The ``lcgan`` command: a thin shell over the library.

Every subcommand reads curves from a Kaggle-format CSV (plain, .gz or .zip) or
NumPy files, sets hyperparameters through ``--param name=value`` (routed to
``set_params``), and writes models and reports atomically. Bad input ends with
a one-line error and exit code 2.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import sys
import tempfile
import time

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score
from tqdm.auto import tqdm

from . import __version__
from ._atomic import atomic_write
from ._physics import KEPLER_LONG_CADENCE
from .classifier import make_detection_pipeline
from .datasets import iter_kepler_csv, load_kepler_csv, make_kepler_like
from .experiments import (
    augmentation_gain,
    fooling_rate,
    injection_recovery,
    planet_proba,
)
from .generator import TransitCurveGenerator
from .injection import TransitInjector, TransitOversampler
from .metrics import discriminative_score, psd_distance, transit_recovery_rate
from .persistence import load_model, save_model
from .plotting import (
    plot_completeness,
    plot_curves,
    plot_fooling,
    plot_injection,
    plot_losses,
    plot_real_generated,
)
from .preprocessing import Detrender, OutlierClipper


def recovery_grid(n_points, cadence=KEPLER_LONG_CADENCE):
    """SNR x period grid, periods limited to two transits in the window.

    Parameters
    ----------
    n_points : int
        Points per curve.
    cadence : float, default=0.0204335
        Sampling interval in days.

    Returns
    -------
    grid : dict
        ``{"snr": [...], "period": [...]}`` for
        :func:`~sklearn_lcgan.experiments.injection_recovery`.
    """
    longest = (n_points - 1) * cadence / 2
    periods = [p for p in (0.5, 1.0, 3.0, 8.0, 20.0) if p <= longest]
    return {"snr": [5.0, 10.0, 15.0, 25.0], "period": periods}


# -- files -------------------------------------------------------------------------
def load_curves(path):
    """Curves and labels from a Kaggle CSV, ``.npy`` or ``.npz`` file.

    Parameters
    ----------
    path : str or path-like
        A CSV in the Kaggle layout (plain, .gz or .zip), a 2-D ``.npy`` array,
        or an ``.npz`` file with ``X`` (and optionally ``y``).

    Returns
    -------
    X : ndarray of shape (n_curves, n_points)
        The curves, float64.
    y : ndarray of shape (n_curves,) or None
        The labels, if the file has them.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(f"{path}: no such file.")
    if path.endswith(".npy"):
        return _as_curves(path, np.load(path, allow_pickle=False)), None
    if path.endswith(".npz"):
        with np.load(path, allow_pickle=False) as data:
            if "X" not in data:
                raise ValueError(f"{path}: an .npz file needs an array named 'X'.")
            y = data["y"] if "y" in data else None
            return _as_curves(path, data["X"]), y
    return load_kepler_csv(path, return_X_y=True)


def iter_curves(path, chunk_size):
    """Curves and labels of a file, ``chunk_size`` curves at a time.

    A Kaggle CSV is read chunk by chunk and a ``.npy`` file is memory-mapped,
    so neither is held in memory whole; an ``.npz`` file is loaded first.

    Parameters
    ----------
    path : str or path-like
        As for :func:`load_curves`.
    chunk_size : int
        Curves per chunk.

    Yields
    ------
    X : ndarray of shape (n_chunk_curves, n_points)
        The chunk's curves, float64.
    y : ndarray of shape (n_chunk_curves,) or None
        Their labels, if the file has them.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(f"{path}: no such file.")
    if path.endswith(".npy"):
        X = np.load(path, mmap_mode="r", allow_pickle=False)
        _as_curves(path, X[:0])
        for start in range(0, len(X), chunk_size):
            yield np.asarray(X[start : start + chunk_size], dtype=np.float64), None
    elif path.endswith(".npz"):
        X, y = load_curves(path)
        for start in range(0, len(X), chunk_size):
            stop = start + chunk_size
            yield X[start:stop], None if y is None else y[start:stop]
    else:
        yield from iter_kepler_csv(path, chunk_size)


def _as_curves(path, X):
    if X.ndim != 2 or not np.issubdtype(X.dtype, np.number):
        raise ValueError(
            f"{path}: expected a 2-D numeric array (curves x points), got "
            f"{X.dtype} of shape {X.shape}."
        )
    return X.astype(np.float64)


def _atomic_pair(first, second, write):
    """Write two files through temporary files; rename both only on success."""

    def write_second(first_partial):
        atomic_write(second, lambda partial: write(first_partial, partial))

    atomic_write(first, write_second)


def save_curves(path, X, y=None, params=None):
    """Write curves (and labels) to ``.npz``, parameters to a CSV beside it.

    Parameters
    ----------
    path : str
        An ``.npz`` path; the parameters go to ``<stem>_params.csv``.
    X : ndarray of shape (n_curves, n_points)
        Curves.
    y : array-like of shape (n_curves,), default=None
        Labels.
    params : pandas.DataFrame, default=None
        Injected planets, one row per curve that has one.
    """
    if not path.endswith(".npz"):
        raise ValueError(f"{path}: curves are written as .npz; end the name in .npz.")
    arrays = {"X": X} if y is None else {"X": X, "y": np.asarray(y)}

    def write(partial):
        with open(partial, "wb") as handle:
            np.savez(handle, **arrays)

    atomic_write(path, write)
    if params is not None and len(params):
        csv = path[: -len(".npz")] + "_params.csv"
        atomic_write(csv, lambda partial: params.to_csv(partial, index_label="curve"))


def parse_params(pairs):
    """Parse ``--param name=value`` pairs; values are Python literals or text.

    Parameters
    ----------
    pairs : list of str or None
        For example ``["lr=1e-3", "name=text"]``.

    Returns
    -------
    params : dict
        For example ``{"lr": 0.001, "name": "text"}``.
    """
    params = {}
    for pair in pairs or []:
        name, sep, text = pair.partition("=")
        if not sep or not name:
            raise ValueError(f"--param {pair!r}: expected name=value.")
        try:
            params[name] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            params[name] = text
    return params


def _set_params(estimator, pairs):
    params = parse_params(pairs)
    try:
        return estimator.set_params(**params)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"--param: {exc}") from None


def _markdown_table(frame):
    lines = [
        "| " + " | ".join(map(str, frame.columns)) + " |",
        "|" + " --- |" * len(frame.columns),
    ]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(map(str, row)) + " |")
    return "\n".join(lines)


def _print_json(payload):
    print(json.dumps(payload, indent=2, default=float))


# -- subcommands ---------------------------------------------------------------------
def _fit_generator(args):
    X, y = load_curves(args.data)
    if y is not None and not args.conditional:
        X = X[y == 0]  # learn the stars' noise; transits come from batman
    gan = TransitCurveGenerator(
        transit_injector=TransitInjector(), verbose=int(args.verbose)
    )
    _set_params(gan, args.param)
    gan.fit(X, y if args.conditional else None)
    save_model(gan, args.model)
    print(f"generator trained on {len(X)} curves, saved to {args.model}")
    return 0


def _sample(args):
    gan = load_model(args.model)
    if not isinstance(gan, TransitCurveGenerator):
        raise ValueError(f"{args.model}: not a TransitCurveGenerator.")
    y = 1 if args.planets else None
    out = gan.sample(args.n, y=y, random_state=args.random_state, return_params=True)
    X, labels, params = out if len(out) == 3 else (out[0], None, out[1])
    save_curves(args.output, X, labels, params)
    print(f"{args.n} curves written to {args.output}")
    return 0


def _inject(args):
    injector = _set_params(TransitInjector(random_state=args.random_state), args.param)
    if args.output.endswith(".npz"):
        X, _ = load_curves(args.data)
        injector.fit(X)
        X_out, params = injector.inject(X, injector.draw_params(X), return_params=True)
        save_curves(args.output, X_out, np.ones(len(X), dtype=int), params)
        print(f"{len(X)} curves with transits written to {args.output}")
        return 0
    if not args.output.endswith(".csv"):
        raise ValueError(
            f"--output {args.output}: use an .npz file, or a .csv file (Kaggle "
            "layout, written chunk by chunk with --chunk-size)."
        )
    params_path = args.output[: -len(".csv")] + ".params.csv"
    n_curves = 0

    def write(curves_partial, params_partial):
        nonlocal n_curves
        with open(curves_partial, "w") as curves, open(params_partial, "w") as table:
            for X, _ in iter_curves(args.data, args.chunk_size):
                if n_curves == 0:
                    names = [f"FLUX.{i + 1}" for i in range(X.shape[1])]
                    curves.write(",".join(["LABEL", *names]) + "\n")
                # Each curve's planet depends only on the curve and the seed,
                # so chunking does not change the result.
                X_out, params = injector.fit(X).inject(
                    X, injector.draw_params(X), return_params=True
                )
                params.index += n_curves
                params.to_csv(table, header=n_curves == 0, index_label="curve")
                np.savetxt(
                    curves,
                    np.column_stack([np.full(len(X), 2.0), X_out]),
                    fmt=["%d", *["%.10g"] * X.shape[1]],
                    delimiter=",",
                )
                n_curves += len(X)

    _atomic_pair(args.output, params_path, write)
    print(f"{n_curves} curves with transits written to {args.output}")
    print(f"their planets' parameters written to {params_path}")
    return 0


def _predict(args):
    model = load_model(args.model)
    n_curves = 0

    def write(partial):
        nonlocal n_curves
        with open(partial, "w") as out:
            out.write("curve,planet_proba\n")
            for X, _ in iter_curves(args.data, args.chunk_size):
                proba = planet_proba(model, X)
                rows = np.column_stack([np.arange(len(X)) + n_curves, proba])
                np.savetxt(out, rows, fmt=["%d", "%.6g"], delimiter=",")
                n_curves += len(X)

    atomic_write(args.output, write)
    print(f"planet probabilities of {n_curves} curves written to {args.output}")
    return 0


def _fit_classifier(args):
    X, y = load_curves(args.data)
    if y is None:
        raise ValueError(f"{args.data}: training a detector needs labels (y).")
    pipe = make_detection_pipeline(classifier__verbose=int(args.verbose))
    _set_params(pipe, args.param)
    pipe.fit(X, y)
    save_model(pipe, args.model)
    print(f"detector trained on {len(X)} curves, saved to {args.model}")
    return 0


def _evaluate(args):
    X, y = load_curves(args.data)
    if y is None:
        raise ValueError(f"{args.data}: evaluating a detector needs labels (y).")
    model = load_model(args.model)
    score = planet_proba(model, X)
    threshold = np.quantile(score[y == 0], 0.99)
    _print_json(
        {
            "n_curves": len(y),
            "roc_auc": roc_auc_score(y, score),
            "pr_auc": average_precision_score(y, score),
            "recall_at_1pct_fpr": float(np.mean(score[y == 1] > threshold)),
        }
    )
    return 0


def _fool(args):
    model = load_model(args.model)
    X, _ = load_curves(args.generated)
    injector = _set_params(TransitInjector(random_state=args.random_state), args.param)
    result = fooling_rate(model, X, injector=injector)
    _print_json(
        {
            "rate_before": result.rate_before,
            "rate_after": result.rate_after,
            "by_snr": _rates_by_snr(result),
        }
    )
    return 0


def _recovery(args):
    model = load_model(args.model)
    X, y = load_curves(args.data)
    if y is not None:
        X = X[y == 0]
    injector = _set_params(TransitInjector(random_state=args.random_state), args.param)
    table = injection_recovery(
        model, X, injector, recovery_grid(X.shape[1]), false_positive_rate=args.fpr
    )
    with _report_folder(args.output) as folder:
        table.to_csv(os.path.join(folder, "completeness.csv"), index=False)
        plot_completeness(table).savefig(
            os.path.join(folder, "completeness.png"), dpi=110
        )
    print(f"completeness map written to {args.output}")
    return 0


class _report_folder:
    """A folder filled under a hidden name and renamed when complete."""

    def __init__(self, output):
        self.output = output

    def __enter__(self):
        parent = os.path.dirname(os.path.abspath(self.output))
        os.makedirs(parent, exist_ok=True)
        self.tmp = tempfile.mkdtemp(dir=parent, prefix=".lcgan-report-")
        return self.tmp

    def __exit__(self, kind, value, traceback):
        if kind is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return False
        os.chmod(self.tmp, 0o755)
        if os.path.isdir(self.output):
            shutil.rmtree(self.output)
        os.replace(self.tmp, self.output)
        return False


REPORT = """\
# sklearn-lcgan demo report

Everything below ran on the embedded simulator (`make_kepler_like`, seed {seed}):
no real data and no download. Figures are PNG files beside this report;
numbers are in `metrics.json`.

## 1. The data

{n_train} training curves with {n_planets} planet hosts (as scarce as in the
Kaggle set), {n_test} test curves.

![simulated curves](curves.png)

## 2. The generator

`TransitCurveGenerator` (WGAN-GP, {epochs} epochs on the {n_noise} non-host
curves). Realism against held-out curves: discriminative score
**{disc:.3f}** (0 = indistinguishable, 0.5 = separable), PSD distance
**{psd:.3f}** decades. Box Least Squares recovers the period injected into
**{bls:.0%}** of the generated planet hosts.

![real vs generated](real_vs_generated.png)

![GAN losses](gan_losses.png)

## 3. An injected transit

![injection](injection.png)

## 4. Fooling rate

The detector (trained on the augmented training set) called
**{fool_before:.0%}** of generated curves planets before injection and
**{fool_after:.0%}** after batman transits were injected (the prototype
reported 0.97 after injection). {fool_comment}

![fooling](fooling.png)

## 5. Injection-recovery completeness

Transits injected into {n_base} test non-hosts over SNR x period; a curve
counts as recovered above the threshold that flags 1 % of them without
injection.

![completeness](completeness.png)

## 6. Augmentation gain

The same detector trained without and with synthetic planets, scored on the
test curves:

{gain}
"""


def _rates_by_snr(result):
    """``{"7-12": rate, ...}`` from a fooling_rate result."""
    return dict(
        zip(map(str, result.by_snr["snr_bin"]), result.by_snr["rate"], strict=True)
    )


def _fooling_comment(result):
    if result.rate_before >= 0.5:
        return (
            "Most generated curves are called planets before any transit is "
            "injected: the detector is fooled by the generator's noise itself, "
            "which lies outside what it was trained on, not by the transits."
        )
    return (
        "The rise from before to after injection is what the injected transits "
        "alone do to the detector."
    )


def _demo(args):
    seed = args.random_state
    steps = tqdm(total=7, desc="lcgan demo", disable=not args.verbose)
    started = time.perf_counter()
    n_points = args.n_points
    X_train, y_train = make_kepler_like(
        args.n_curves,
        planet_fraction=args.planet_fraction,
        n_points=n_points,
        random_state=seed,
    )
    X_test, y_test = make_kepler_like(
        max(args.n_curves // 2, 20), n_points=n_points, random_state=seed + 1
    )
    noise = X_train[y_train == 0]
    detector = make_detection_pipeline(
        classifier__max_epochs=args.epochs, classifier__random_state=seed
    )
    steps.update()

    with _report_folder(args.output) as folder:

        def save(fig, name):
            fig.savefig(os.path.join(folder, name), dpi=110)

        save(
            plot_curves(
                X_train, y_train, title="make_kepler_like: simulated K2 curves"
            ),
            "curves.png",
        )

        injector = TransitInjector(random_state=seed)
        gan = TransitCurveGenerator(
            max_epochs=args.gan_epochs, transit_injector=injector, random_state=seed
        ).fit(noise)
        generated = gan.sample(len(X_test), random_state=seed)
        planets, _, planet_params = gan.sample(
            args.n_base, y=1, random_state=seed + 1, return_params=True
        )
        held_out = X_test[y_test == 0]
        disc = discriminative_score(held_out, generated[: len(held_out)])
        psd = psd_distance(held_out, generated)
        bls = transit_recovery_rate(planets, planet_params["period"])
        save(plot_losses(gan.history_), "gan_losses.png")
        steps.update()

        oversampler = TransitOversampler(injector=TransitInjector(), random_state=seed)
        gain, detectors = augmentation_gain(
            detector,
            X_train,
            y_train,
            X_test,
            y_test,
            augmenters={"oversampler": oversampler, "generator": gan},
            return_estimators=True,
        )
        # The studies below use the detector trained with injected planets.
        detector = detectors["oversampler"]
        steps.update(2)

        fooled = fooling_rate(detector, generated, injector=injector)
        save(
            plot_fooling(fooled.proba_before, fooled.proba_after, fooled.by_snr),
            "fooling.png",
        )
        save(
            plot_real_generated(X_test, generated, fooled.X_injected),
            "real_vs_generated.png",
        )
        example = int(np.argmax(fooled.params["n_transits"].to_numpy() >= 3))
        residual = OutlierClipper().fit_transform(
            Detrender(window=1.0).fit_transform(fooled.X_injected)
        )
        save(
            plot_injection(
                generated[example],
                fooled.X_injected[example],
                residual[example],
                fooled.params.iloc[example],
            ),
            "injection.png",
        )
        steps.update()

        base = X_test[y_test == 0][: args.n_base]
        grid = recovery_grid(n_points)
        table = injection_recovery(
            detector,
            base,
            TransitInjector(random_state=seed),
            grid,
            false_positive_rate=0.01,
        )
        table.to_csv(os.path.join(folder, "completeness.csv"), index=False)
        save(plot_completeness(table), "completeness.png")
        steps.update()

        metrics = {
            "version": __version__,
            "seconds": time.perf_counter() - started,
            "generator": {
                "discriminative_score": disc,
                "psd_distance": psd,
                "bls_recovery_rate": bls,
                "epochs": len(gan.history_),
            },
            "fooling_rate": {
                "before": fooled.rate_before,
                "after": fooled.rate_after,
                "by_snr": _rates_by_snr(fooled),
            },
            "completeness": table.to_dict(orient="records"),
            "augmentation_gain": gain.to_dict(orient="records"),
        }
        with open(os.path.join(folder, "metrics.json"), "w") as f:
            json.dump(metrics, f, indent=2, default=float)
        with open(os.path.join(folder, "report.md"), "w") as f:
            f.write(
                REPORT.format(
                    seed=seed,
                    n_train=len(y_train),
                    n_planets=int(y_train.sum()),
                    n_test=len(y_test),
                    epochs=len(gan.history_),
                    n_noise=len(noise),
                    disc=disc,
                    psd=psd,
                    bls=bls,
                    fool_before=fooled.rate_before,
                    fool_after=fooled.rate_after,
                    fool_comment=_fooling_comment(fooled),
                    n_base=len(base),
                    gain=_markdown_table(gain.round(3)),
                )
            )
        steps.update()
    steps.close()
    print(f"report written to {os.path.join(args.output, 'report.md')}")
    return 0


# -- parser ------------------------------------------------------------------------
def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


MODEL_HELP = "a model file written by save_model (.lcgan; opening it runs no code)"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``lcgan`` command."""
    parser = argparse.ArgumentParser(
        prog="lcgan", description="Transit light-curve studies with sklearn-lcgan."
    )
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name, func, help_text):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "--quiet", dest="verbose", action="store_false", help="no progress bars"
        )
        sub.add_argument("--random-state", type=int, default=0)
        sub.set_defaults(run=func)
        return sub

    def chunked(sub):
        sub.add_argument(
            "--chunk-size",
            type=_positive_int,
            default=10_000,
            help="curves read and processed at a time (memory stays flat)",
        )

    def with_params(sub):
        sub.add_argument(
            "--param",
            action="append",
            metavar="NAME=VALUE",
            help="hyperparameter routed to set_params (repeatable)",
        )
        return sub

    demo = command("demo", _demo, "the main job on the embedded simulator")
    demo.add_argument("--output", default="lcgan-report", help="report folder")
    demo.add_argument("--n-curves", type=_positive_int, default=1000)
    demo.add_argument("--n-points", type=_positive_int, default=3197)
    demo.add_argument("--planet-fraction", type=float, default=0.02)
    demo.add_argument("--n-base", type=_positive_int, default=100)
    demo.add_argument("--epochs", type=_positive_int, default=8)
    demo.add_argument(
        "--gan-epochs",
        type=_positive_int,
        default=60,
        help="GAN training epochs; on 1,000 curves far fewer give samples of "
        "nearly one shape (benchmarks/bench_mode_collapse.py)",
    )

    sub = with_params(
        command(
            "fit-generator", _fit_generator, "train a TransitCurveGenerator on curves"
        )
    )
    sub.add_argument("data")
    sub.add_argument("--model", required=True, help=MODEL_HELP)
    sub.add_argument(
        "--conditional",
        action="store_true",
        help="learn hosts and non-hosts separately (needs labels)",
    )

    sub = command("sample", _sample, "draw curves from a trained generator")
    sub.add_argument("--model", required=True, help=MODEL_HELP)
    sub.add_argument("--n", type=_positive_int, default=100)
    sub.add_argument(
        "--planets", action="store_true", help="planet hosts, with batman transits"
    )
    sub.add_argument("--output", required=True, help="an .npz file")

    sub = with_params(command("inject", _inject, "inject batman transits into curves"))
    sub.add_argument("data")
    sub.add_argument(
        "--output",
        required=True,
        help="an .npz file, or a .csv file (Kaggle layout, streamed by chunks; "
        "the planets go to NAME.params.csv)",
    )
    chunked(sub)

    sub = command("predict", _predict, "planet probability of each curve")
    sub.add_argument("data")
    sub.add_argument("--model", required=True, help=MODEL_HELP)
    sub.add_argument("--output", required=True, help="a .csv file")
    chunked(sub)

    sub = with_params(
        command(
            "fit-classifier",
            _fit_classifier,
            "train the detection pipeline on labelled curves",
        )
    )
    sub.add_argument("data")
    sub.add_argument("--model", required=True, help=MODEL_HELP)

    sub = command("evaluate", _evaluate, "score a detector on labelled curves")
    sub.add_argument("data")
    sub.add_argument("--model", required=True, help=MODEL_HELP)

    sub = with_params(
        command("fool", _fool, "fooling rate of a detector on generated curves")
    )
    sub.add_argument("generated")
    sub.add_argument("--model", required=True, help=MODEL_HELP)

    sub = with_params(
        command("recovery", _recovery, "injection-recovery completeness map")
    )
    sub.add_argument("data")
    sub.add_argument("--model", required=True, help=MODEL_HELP)
    sub.add_argument("--output", required=True, help="report folder")
    sub.add_argument(
        "--fpr",
        type=float,
        default=0.01,
        help="false-positive rate that sets the threshold",
    )
    return parser


def main(argv=None) -> int:
    """Run the ``lcgan`` command; return its exit code.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments; None reads ``sys.argv``.

    Returns
    -------
    code : int
        0 on success, 2 on bad input or an interrupted run.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, TypeError, OSError, FloatingPointError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"lcgan {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            f"lcgan {args.command}: interrupted; nothing was written", file=sys.stderr
        )
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
