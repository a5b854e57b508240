"""The ``lcgan`` command: parsing and dispatch only.

Every subcommand reads curves from a Kaggle-layout CSV (plain, .gz or .zip) or
NumPy files, sets hyperparameters through ``--param name=value`` (routed to
``set_params``), checks its output paths before any work, and writes models
and reports all or nothing. Bad input ends with a one-line error and exit code
2; so does Ctrl-C, at any moment, leaving every output file as it was.

The library is imported only once the command line is parsed
(:mod:`sklearn_lcgan._commands`), inside the handler of Ctrl-C.
"""

from __future__ import annotations

import argparse
import ast
import signal
import sys

from ._version import __version__

# The quick demo (a newcomer's first look, under three minutes on two cores:
# curves of 1,000 points, about 20 days) and the thorough study behind --full
# (the Kaggle files' 3,197 points, about 65 days).
DEMO_SIZES = {
    "quick": {"n_curves": 1000, "n_points": 1000, "epochs": 8, "gan_epochs": 20},
    "full": {"n_curves": 1000, "n_points": 3197, "epochs": 8, "gan_epochs": 60},
}
MODEL_HELP = "a model file written by save_model (.lcgan; opening it runs no code)"
DATA_HELP = (
    "curves: a Kaggle-layout CSV (LABEL 2 = host, 1 = not, then FLUX.1...; plain, "
    ".gz or .zip), a 2-D .npy array, or an .npz file with X (and y)"
)
FITS_HELP = (
    DATA_HELP + "; or Kepler, K2 or TESS light-curve FITS files: a file or a "
    "folder of them, cut into windows at their own cadence"
)


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


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``lcgan`` command."""
    parser = argparse.ArgumentParser(
        prog="lcgan", description="Transit light-curve studies with sklearn-lcgan."
    )
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name, run, help_text):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "--quiet",
            dest="verbose",
            action="store_false",
            help="no progress bars (they show only on a terminal anyway)",
        )
        sub.add_argument(
            "--random-state",
            type=int,
            default=0,
            help="seed of every estimator the command builds (default: 0)",
        )
        sub.set_defaults(run=run)
        return sub

    def chunked(sub):
        sub.add_argument(
            "--chunk-size",
            type=_positive_int,
            default=10_000,
            help="curves read and processed at a time, so memory stays flat "
            "(default: 10000)",
        )

    def with_params(sub):
        sub.add_argument(
            "--param",
            action="append",
            metavar="NAME=VALUE",
            help="hyperparameter routed to set_params, such as lr=1e-4 or "
            "classifier__max_epochs=20; values are Python literals (repeatable)",
        )
        return sub

    demo = command("demo", "demo", "the main job on the embedded simulator")
    demo.add_argument(
        "--output", default="lcgan-report", help="report folder (default: lcgan-report)"
    )
    demo.add_argument(
        "--full",
        action="store_true",
        help="the thorough study: {n_curves} curves of {n_points} points, "
        "{gan_epochs} GAN epochs".format(**DEMO_SIZES["full"]),
    )
    demo.add_argument("--n-curves", type=_positive_int, help="training curves")
    demo.add_argument(
        "--n-points",
        type=_positive_int,
        help="points per curve, at Kepler's long cadence",
    )
    demo.add_argument("--planet-fraction", type=float, default=0.02)
    demo.add_argument(
        "--n-base",
        type=_positive_int,
        default=200,
        help="non-hosts injected into for completeness (default: 200)",
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
            "fit-generator", "fit_generator", "train a TransitCurveGenerator on curves"
        )
    )
    sub.add_argument("data", help=DATA_HELP)
    sub.add_argument("--model", required=True, help=MODEL_HELP)
    sub.add_argument(
        "--conditional",
        action="store_true",
        help="learn hosts and non-hosts separately (needs labels)",
    )

    sub = command("sample", "sample", "draw curves from a trained generator")
    sub.add_argument("--model", required=True, help=MODEL_HELP)
    sub.add_argument(
        "--n", type=_positive_int, default=100, help="curves to draw (default: 100)"
    )
    sub.add_argument(
        "--planets", action="store_true", help="planet hosts, with batman transits"
    )
    sub.add_argument(
        "--output",
        required=True,
        help="an .npz file of X (and y); the planets go to NAME.params.csv",
    )

    sub = with_params(command("inject", "inject", "inject batman transits into curves"))
    sub.add_argument("data", help=FITS_HELP)
    sub.add_argument(
        "--n-points",
        type=_positive_int,
        default=3197,
        help="FITS input: cadences per window (default: 3197)",
    )
    sub.add_argument(
        "--output",
        required=True,
        help="an .npz file, or a .csv file (Kaggle layout, streamed by chunks; "
        "the planets go to NAME.params.csv)",
    )
    chunked(sub)

    sub = command("predict", "predict", "planet probability of each curve")
    sub.add_argument("data", help=FITS_HELP + ", scored window by window")
    sub.add_argument("--model", required=True, help=MODEL_HELP)
    sub.add_argument(
        "--output",
        required=True,
        help="a .csv file: curve,planet_proba (FITS input: each window's file, "
        "target, mission, season, start, cadence and gap fraction too)",
    )
    chunked(sub)

    sub = with_params(
        command(
            "fit-classifier",
            "fit_classifier",
            "train the detection pipeline on labelled curves",
        )
    )
    sub.add_argument("data", help=DATA_HELP)
    sub.add_argument("--model", required=True, help=MODEL_HELP)

    sub = command("evaluate", "evaluate", "score a detector on labelled curves")
    sub.add_argument("data", help=FITS_HELP)
    sub.add_argument("--model", required=True, help=MODEL_HELP)
    sub.add_argument(
        "--labels",
        help="FITS input: a CSV with a 'file' or 'target' column and a 'label' "
        "column (1 = planet host, 0 = not)",
    )

    sub = with_params(
        command("fool", "fool", "fooling rate of a detector on generated curves")
    )
    sub.add_argument("generated", help=DATA_HELP)
    sub.add_argument("--model", required=True, help=MODEL_HELP)

    sub = with_params(
        command("recovery", "recovery", "injection-recovery completeness map")
    )
    sub.add_argument("data", help=FITS_HELP + " (taken as stars without planets)")
    sub.add_argument("--model", required=True, help=MODEL_HELP)
    sub.add_argument("--output", required=True, help="report folder")
    sub.add_argument(
        "--fpr",
        type=float,
        default=0.01,
        help="false-positive rate that sets the threshold (default: 0.01)",
    )
    return parser


def _outputs(args):
    """The files a command writes, for the message of an interrupted run."""
    paths = [getattr(args, name, None) for name in ("model", "output")]
    if args.command in ("sample", "evaluate", "fool", "predict"):
        paths = [getattr(args, "output", None)]
    return [path for path in paths if path]


def _interrupted(args):
    outputs = [path for path in _outputs(args) if path] if args else []
    what = ", ".join(outputs) + " unchanged" if outputs else "nothing was written"
    name = f"lcgan {args.command}" if args else "lcgan"
    print(f"{name}: interrupted; {what}", file=sys.stderr)
    return 2


def _run(args):
    """Import the library and run the subcommand."""
    from . import _commands
    from ._interrupt import TrainingInterrupted

    try:
        if args.command == "demo":
            sizes = dict(DEMO_SIZES["full" if args.full else "quick"])
            sizes.update(
                {name: getattr(args, name) for name in sizes if getattr(args, name)}
            )
            return _commands.demo(args, sizes)
        args.param = parse_params(getattr(args, "param", None))
        return getattr(_commands, args.run)(args)
    except TrainingInterrupted:
        raise KeyboardInterrupt from None


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
    args = None
    try:
        args = build_parser().parse_args(argv)
        return _run(args)
    except KeyboardInterrupt:
        return _interrupted(args)
    except (ValueError, TypeError, OSError, FloatingPointError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"lcgan {args.command}: error: {message}", file=sys.stderr)
        return 2


def run():
    """The ``lcgan`` console script: :func:`main`, then exit with its code.

    Once the command has ended, SIGINT is ignored, so that a second Ctrl-C
    during the interpreter's shutdown cannot turn the exit code into a death
    by signal.
    """
    code = main()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
