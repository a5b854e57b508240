"""The ``lcgan`` subcommands: each checks where it will write, reads its
inputs, runs the library and writes its outputs all or nothing.

:mod:`sklearn_lcgan.cli` parses the command line and imports this module only
then, so that Ctrl-C during the heavy imports is handled like any other.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import warnings
from contextlib import contextmanager

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score
from tqdm.auto import tqdm

from ._atomic import atomic_folder, atomic_write
from ._constants import KEPLER_LONG_CADENCE
from ._interrupt import TrainingInterrupted
from ._validation import check_cadence
from .classifier import make_detection_pipeline
from .datasets import load_lightcurves
from .experiments import fooling_rate, injection_recovery, planet_proba, recovery_grid
from .generator import TransitCurveGenerator
from .injection import TransitInjector
from .io import (
    count_curves,
    iter_curves,
    load_curves,
    save_curves,
    write_kepler_csv,
    write_scores,
)
from .persistence import load_model, save_model
from .plotting import plot_completeness
from .preprocessing import GapFiller
from .report import rates_by_snr, run_demo


# -- shared steps ----------------------------------------------------------------
def check_writable(path, *, folder=False):
    """Refuse an output path that cannot be written, before any work.

    Parameters
    ----------
    path : str
        A file (or, with ``folder``, a folder) the command will write.
    folder : bool, default=False
        ``path`` is a folder that will be replaced whole.
    """
    target = os.path.abspath(path)
    if os.path.isdir(target) and not folder:
        raise ValueError(f"{path}: is a folder; give a file name.")
    if os.path.exists(target) and folder and not os.path.isdir(target):
        raise ValueError(f"{path}: is a file; give a folder name for the report.")
    parent = os.path.dirname(target)
    existing = parent
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise ValueError(
            f"{path}: cannot be written, {existing} is a file, not a folder."
        )
    try:
        os.makedirs(parent, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=parent, prefix=".lcgan-probe-")
    except OSError as exc:
        raise ValueError(
            f"{path}: cannot be written ({exc.strerror}); choose another folder."
        ) from None
    os.close(handle)
    os.remove(probe)


def progress(args):
    """Whether to show progress bars: asked for, and on a terminal."""
    return bool(args.verbose) and sys.stderr.isatty()


@contextmanager
def interrupt_is_error():
    """Turn a fit that Ctrl-C stopped into an error, so nothing is saved."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrainingInterrupted)
        yield


def set_params(estimator, params):
    """``estimator.set_params(**params)``; an unknown name lists the valid ones."""
    try:
        return estimator.set_params(**params)
    except (ValueError, TypeError) as exc:
        valid = sorted(
            name
            for name in estimator.get_params(deep=True)
            if not name.rpartition("__")[2].startswith("_")
        )
        unknown = sorted(set(params) - set(valid))
        if unknown and "take a prefix" in str(exc):
            raise ValueError(f"--param: {exc}") from None
        if unknown and "nvalid parameter" in str(exc):
            routed = [name for name in valid if name.endswith("module")]
            hint = f" (and {routed[0]}__NAME for the network's own)" if routed else ""
            raise ValueError(
                f"--param: {unknown[0]!r} is not a parameter of "
                f"{type(estimator).__name__}; valid names: {', '.join(valid)}{hint}."
            ) from None
        raise ValueError(f"--param: {exc}") from None


def load_detector(path, command):
    """A detector from a model file; another kind of model is named."""
    model = load_model(path)
    if not hasattr(model, "predict_proba"):
        raise ValueError(
            f"{path}: this file holds a {type(model).__name__}; {command} needs a "
            "detector (train one with lcgan fit-classifier)."
        )
    return model


def load_labelled(path, task):
    """Curves and labels of a file that must have labels of both classes."""
    X, y = load_curves(path)
    if y is None:
        raise ValueError(f"{path}: {task} a detector needs labels (y).")
    classes = np.unique(y)
    if len(classes) < 2:
        raise ValueError(
            f"{path}: {task} a detector needs curves of both classes, but every "
            f"curve is labelled {classes[0]!r}; add planet hosts and non-hosts."
        )
    return X, y


def print_json(payload):
    print(json.dumps(payload, indent=2, default=float, allow_nan=False))


# -- subcommands ---------------------------------------------------------------------
def demo(args, sizes):
    check_writable(args.output, folder=True)
    run_demo(
        args.output,
        n_base=args.n_base,
        planet_fraction=args.planet_fraction,
        random_state=args.random_state,
        verbose=progress(args),
        **sizes,
    )
    print(f"report written to {os.path.join(args.output, 'report.md')}")
    return 0


def fit_generator(args):
    check_writable(args.model)
    X, y = load_curves(args.data)
    if y is not None and not args.conditional:
        X = X[y == 0]  # learn the stars' noise; transits come from batman
    gan = TransitCurveGenerator(
        transit_injector=TransitInjector(),
        verbose=int(progress(args)),
        random_state=args.random_state,
    )
    set_params(gan, args.param)
    with interrupt_is_error():
        gan.fit(GapFiller().fit_transform(X), y if args.conditional else None)
    save_model(gan, args.model)
    print(f"generator trained on {len(X)} curves, saved to {args.model}")
    return 0


def sample(args):
    check_writable(args.output)
    gan = load_model(args.model)
    if not isinstance(gan, TransitCurveGenerator):
        raise ValueError(
            f"{args.model}: this file holds a {type(gan).__name__}; sample needs a "
            "TransitCurveGenerator (train one with lcgan fit-generator)."
        )
    y = 1 if args.planets else None
    X, labels, params = gan.sample(
        args.n, y=y, random_state=args.random_state, return_params=True
    )
    save_curves(args.output, X, labels, params)
    print(f"{args.n} curves written to {args.output}")
    return 0


def inject(args):
    fits_input = _is_fits_source(args.data)
    if fits_input and not args.output.endswith(".npz"):
        raise ValueError(
            f"--output {args.output}: curves read from FITS files keep their gaps "
            "as NaN; write them to an .npz file."
        )
    if args.output.endswith(".npz"):
        check_writable(args.output)
        if fits_input:
            X, _, cadence = _read_windows(args.data, args.n_points)
            injector = _injector_at(args, cadence)
        else:
            X, _ = load_curves(args.data)
            injector = _injector(args)
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
    check_writable(args.output)
    injector = _injector(args)
    params_path = args.output[: -len(".csv")] + ".params.csv"
    bar = tqdm(total=count_curves(args.data), unit="curves", disable=not progress(args))

    def chunks():
        for X, _ in iter_curves(args.data, args.chunk_size):
            # Each curve's planet depends only on the curve and the seed, so
            # chunking does not change the result.
            injector.fit(X)
            X_out, params = injector.inject(
                X, injector.draw_params(X), return_params=True
            )
            bar.update(len(X))
            yield X_out, np.ones(len(X), dtype=int), params

    with bar:
        n_curves = write_kepler_csv(args.output, chunks(), params_path=params_path)
    print(f"{n_curves} curves with transits written to {args.output}")
    print(f"their planets' parameters written to {params_path}")
    return 0


def _is_fits_source(path):
    path = os.fspath(path)
    return os.path.isdir(path) or path.lower().endswith((".fits", ".fits.gz"))


def predict(args):
    check_writable(args.output)
    model = load_detector(args.model, "predict")
    if _is_fits_source(args.data):
        return _predict_windows(args, model)
    bar = tqdm(total=count_curves(args.data), unit="curves", disable=not progress(args))

    def chunks():
        for X, _ in iter_curves(args.data, args.chunk_size):
            proba = planet_proba(model, X)
            bar.update(len(X))
            yield proba

    with bar:
        n_curves = write_scores(args.output, chunks())
    print(f"planet probabilities of {n_curves} curves written to {args.output}")
    return 0


def _read_windows(path, n_points, model=None):
    """Windows of light-curve FITS files and their cadence, which ``model``
    (if given) must have been built for."""
    X, windows = load_lightcurves(path, n_points=n_points)
    cadence = float(windows["cadence"].iloc[0])
    if model is not None:
        check_cadence(model, cadence, source="the files'")
    return X, windows, cadence


def _injector(args):
    """The command's injector: its seed and ``--param``."""
    return set_params(TransitInjector(random_state=args.random_state), args.param)


def _injector_at(args, cadence):
    """The command's injector, at the curves' cadence."""
    injector = _injector(args)
    if "cadence" in args.param:
        check_cadence(injector, cadence, source="the files'")
    return injector.set_params(cadence=cadence)


def _predict_windows(args, model):
    """Light-curve FITS files: one score per window, beside its metadata."""
    X, windows, _ = _read_windows(args.data, model.n_features_in_, model)
    windows["planet_proba"] = planet_proba(model, X)
    atomic_write(
        args.output,
        lambda partial: windows.to_csv(
            partial, index_label="curve", float_format="%.6g"
        ),
    )
    print(
        f"planet probabilities of {len(windows)} windows of "
        f"{windows['file'].nunique()} files written to {args.output}"
    )
    return 0


def fit_classifier(args):
    check_writable(args.model)
    X, y = load_labelled(args.data, "training")
    params = dict(args.param)
    # The curves' cadence reaches every step that works in days.
    cadence = params.pop("cadence", KEPLER_LONG_CADENCE)
    pipe = make_detection_pipeline(
        cadence=cadence,
        classifier__verbose=int(progress(args)),
        classifier__random_state=args.random_state,
    )
    set_params(pipe, params)
    with interrupt_is_error():
        pipe.fit(X, y)
    save_model(pipe, args.model)
    print(f"detector trained on {len(X)} curves, saved to {args.model}")
    return 0


def evaluate(args):
    if _is_fits_source(args.data):
        model = load_detector(args.model, "evaluate")  # its length cuts the windows
        X, windows, _ = _read_windows(args.data, model.n_features_in_, model)
        y = _window_labels(args.labels, windows)
    elif args.labels is not None:
        raise ValueError(
            f"--labels {args.labels}: labels files are for FITS input; "
            f"{args.data} carries its own labels."
        )
    else:
        X, y = load_labelled(args.data, "evaluating")
        model = load_detector(args.model, "evaluate")
    step = 1000
    score = np.concatenate(
        [
            planet_proba(model, X[start : start + step])
            for start in tqdm(
                range(0, len(X), step), unit="chunks", disable=not progress(args)
            )
        ]
    )
    threshold = np.quantile(score[y == 0], 0.99)
    print_json(
        {
            "n_curves": len(y),
            "roc_auc": roc_auc_score(y, score),
            "pr_auc": average_precision_score(y, score),
            "recall_at_1pct_fpr": float(np.mean(score[y == 1] > threshold)),
        }
    )
    return 0


def _window_labels(path, windows):
    """Each window's label from a CSV of ``file`` or ``target`` and ``label``."""
    if path is None:
        raise ValueError(
            "FITS files carry no labels; give --labels LABELS.csv with a 'file' "
            "or 'target' column and a 'label' column (1 = planet host, 0 = not)."
        )
    table = pd.read_csv(path)
    key = next((name for name in ("file", "target") if name in table.columns), None)
    if key is None or "label" not in table.columns:
        raise ValueError(
            f"--labels {path}: needs a 'file' or 'target' column and a 'label' "
            f"column, it has {', '.join(map(str, table.columns))}."
        )
    labels = dict(zip(table[key].astype(str), table["label"], strict=True))
    missing = sorted(set(windows[key].astype(str)) - set(labels))
    if missing:
        raise ValueError(
            f"--labels {path}: no label for {key} {missing[0]!r} "
            f"({len(missing)} {key}s without one); add a row for each."
        )
    y = windows[key].astype(str).map(labels).to_numpy()
    if not np.isin(y, (0, 1)).all():
        raise ValueError(
            f"--labels {path}: labels must be 1 (planet host) or 0 (not), found "
            f"{y[~np.isin(y, (0, 1))][0]!r}."
        )
    if len(np.unique(y)) < 2:
        raise ValueError(
            f"--labels {path}: evaluating a detector needs windows of both classes, "
            f"but every window is labelled {y[0]!r}."
        )
    return y


def fool(args):
    model = load_detector(args.model, "fool")
    X, _ = load_curves(args.generated)
    result = fooling_rate(model, X, injector=_injector(args), verbose=progress(args))
    print_json(
        {
            "rate_before": result.rate_before,
            "rate_after": result.rate_after,
            "by_snr": rates_by_snr(result),
        }
    )
    return 0


def recovery(args):
    check_writable(args.output, folder=True)
    model = load_detector(args.model, "recovery")
    if _is_fits_source(args.data):
        # The files' stars, taken to have no planet of their own.
        X, _, cadence = _read_windows(args.data, model.n_features_in_, model)
        injector = _injector_at(args, cadence)
    else:
        X, y = load_curves(args.data)
        if y is not None:
            X = X[y == 0]
        injector = _injector(args)
    table = injection_recovery(
        model,
        X,
        injector,
        recovery_grid(X.shape[1], injector.cadence),
        false_positive_rate=args.fpr,
        verbose=progress(args),
    )
    with atomic_folder(args.output) as folder:
        table.to_csv(os.path.join(folder, "completeness.csv"), index=False)
        plot_completeness(table).savefig(
            os.path.join(folder, "completeness.png"), dpi=110
        )
    print(f"completeness map written to {args.output}")
    return 0
