"""The ``lcgan`` command: parsing and dispatch over the library.

Every subcommand reads curves from a Kaggle-format CSV (plain, .gz or .zip) or
NumPy files (:mod:`sklearn_lcgan.io`), sets hyperparameters through
``--param name=value`` (routed to ``set_params``), and writes models and
reports atomically. Bad input ends with a one-line error and exit code 2.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from ._atomic import atomic_folder
from ._version import __version__
from .classifier import make_detection_pipeline
from .experiments import fooling_rate, injection_recovery, planet_proba, recovery_grid
from .generator import TransitCurveGenerator
from .injection import TransitInjector
from .io import iter_curves, load_curves, save_curves, write_kepler_csv, write_scores
from .persistence import load_model, save_model
from .plotting import plot_completeness
from .report import DEMO_SIZES, rates_by_snr, run_demo


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


def _set_params(estimator, pairs):
    params = parse_params(pairs)
    try:
        return estimator.set_params(**params)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"--param: {exc}") from None


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

    def chunks():
        for X, _ in iter_curves(args.data, args.chunk_size):
            # Each curve's planet depends only on the curve and the seed, so
            # chunking does not change the result.
            injector.fit(X)
            X_out, params = injector.inject(
                X, injector.draw_params(X), return_params=True
            )
            yield X_out, np.ones(len(X), dtype=int), params

    n_curves = write_kepler_csv(args.output, chunks(), params_path=params_path)
    print(f"{n_curves} curves with transits written to {args.output}")
    print(f"their planets' parameters written to {params_path}")
    return 0


def _predict(args):
    model = load_model(args.model)
    chunks = (
        planet_proba(model, X) for X, _ in iter_curves(args.data, args.chunk_size)
    )
    n_curves = write_scores(args.output, chunks)
    print(f"planet probabilities of {n_curves} curves written to {args.output}")
    return 0


def _labelled(path, task):
    """Curves and labels of a file that must have labels for ``task``."""
    X, y = load_curves(path)
    if y is None:
        raise ValueError(f"{path}: {task} a detector needs labels (y).")
    return X, y


def _fit_classifier(args):
    X, y = _labelled(args.data, "training")
    pipe = make_detection_pipeline(classifier__verbose=int(args.verbose))
    _set_params(pipe, args.param)
    pipe.fit(X, y)
    save_model(pipe, args.model)
    print(f"detector trained on {len(X)} curves, saved to {args.model}")
    return 0


def _evaluate(args):
    X, y = _labelled(args.data, "evaluating")
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
            "by_snr": rates_by_snr(result),
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
    with atomic_folder(args.output) as folder:
        table.to_csv(os.path.join(folder, "completeness.csv"), index=False)
        plot_completeness(table).savefig(
            os.path.join(folder, "completeness.png"), dpi=110
        )
    print(f"completeness map written to {args.output}")
    return 0


def _demo(args):
    sizes = dict(DEMO_SIZES["full" if args.full else "quick"])
    for name in sizes:
        if getattr(args, name) is not None:
            sizes[name] = getattr(args, name)
    run_demo(
        args.output,
        n_points=args.n_points,
        planet_fraction=args.planet_fraction,
        random_state=args.random_state,
        verbose=args.verbose,
        **sizes,
    )
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
    demo.add_argument(
        "--full",
        action="store_true",
        help="the thorough study: {n_curves} curves, {gan_epochs} GAN epochs".format(
            **DEMO_SIZES["full"]
        ),
    )
    demo.add_argument("--n-curves", type=_positive_int, help="training curves")
    demo.add_argument("--n-points", type=_positive_int, default=3197)
    demo.add_argument("--planet-fraction", type=float, default=0.02)
    demo.add_argument(
        "--n-base", type=_positive_int, help="non-hosts injected into for completeness"
    )
    demo.add_argument("--epochs", type=_positive_int, help="detector epochs")
    demo.add_argument(
        "--gan-epochs",
        type=_positive_int,
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
