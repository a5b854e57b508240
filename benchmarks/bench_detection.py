"""Detection quality and speed: the default pipeline against the prototype
recipe and against Box Least Squares.

Trains on ``make_kepler_like`` curves (seed 1) and tests on curves from an
independent seed that no model was tuned on; prints ROC AUC, PR AUC, recall at
1 % false-positive rate (overall and by SNR bin), training seconds per epoch
and inference curves/second (preprocessing included).

Run: python benchmarks/bench_detection.py [n_train] [n_test]
"""

import sys
import time

import numpy as np
import torch
from _results import record
from joblib import Parallel, delayed
from sklearn.metrics import average_precision_score, roc_auc_score

from sklearn_lcgan import (
    make_detection_pipeline,
    make_kepler_like,
    make_prototype_pipeline,
)
from sklearn_lcgan.metrics import bls_periods

TEST_SEED = 20261125
SNR_BINS = [(7, 12), (12, 18), (18, 24), (24, 30)]


def recall_at_fpr(y, score, fpr=0.01):
    threshold = np.quantile(score[y == 0], 1 - fpr)
    return float(np.mean(score[y == 1] > threshold))


def bls_scores(X):
    """BLS peak SNR of each curve, two processes."""
    chunks = np.array_split(np.arange(len(X)), 8)
    results = Parallel(n_jobs=2)(delayed(bls_periods)(X[c]) for c in chunks)
    return np.concatenate([snr for _, snr in results])


def figures(y, score):
    """ROC AUC and recall at 1 % FPR, as RESULTS.md gives them."""
    return (
        f"ROC AUC {roc_auc_score(y, score):.3f}, recall {recall_at_fpr(y, score):.2f}"
    )


def report(name, y, score, snr, extra=""):
    line = (
        f"{name:26s} ROC AUC {roc_auc_score(y, score):.3f}  "
        f"PR AUC {average_precision_score(y, score):.3f}  "
        f"recall@1%FPR {recall_at_fpr(y, score):.3f}  by SNR"
    )
    negatives = score[y == 0]
    threshold = np.quantile(negatives, 0.99)
    for low, high in SNR_BINS:
        in_bin = (y == 1) & (snr >= low) & (snr < high)
        line += f" [{low}-{high}) {np.mean(score[in_bin] > threshold):.2f}"
    print(line + extra, flush=True)


def main(n_train=8000, n_test=1000):
    torch.set_num_threads(2)
    X, y = make_kepler_like(n_train, random_state=1)
    X_test, y_test, params = make_kepler_like(
        n_test, random_state=TEST_SEED, return_params=True
    )
    snr = params["snr"].to_numpy()
    print(f"train {n_train} curves (seed 1), test {n_test} (seed {TEST_SEED}), "
          f"{X.shape[1]} points, SNR 7-30")  # fmt: skip

    rows = []
    for name, pipe in [
        ("default pipeline", make_detection_pipeline(classifier__random_state=0)),
        ("prototype pipeline", make_prototype_pipeline(classifier__random_state=0)),
    ]:
        start = time.perf_counter()
        pipe.fit(X, y)
        train_s = time.perf_counter() - start
        start = time.perf_counter()
        score = pipe.predict_proba(X_test)[:, 1]
        rate = n_test / (time.perf_counter() - start)
        epochs = len(pipe[-1].history)
        report(
            name, y_test, score, snr,
            f"\n{'':26s} trained {train_s:.0f} s ({train_s / epochs:.1f} s/epoch, "
            f"{epochs} epochs), predicts {rate:.0f} curves/s",
        )  # fmt: skip
        rows.append((
            f"detection, {name}",
            f"{figures(y_test, score)} at 1 % FPR, trained in {train_s:.0f} s, "
            f"{rate:.0f} curves/s (SNR 7-30, {n_train} training curves)",
            "ROC AUC >= 0.97, recall >= 0.75" if name.startswith("default") else "",
        ))  # fmt: skip

    start = time.perf_counter()
    score = bls_scores(X_test)
    rate = n_test / (time.perf_counter() - start)
    report("Box Least Squares", y_test, score, snr,
           f"\n{'':26s} {rate:.0f} curves/s on 2 processes")  # fmt: skip
    print("goals: default ROC AUC >= 0.97, recall@1%FPR >= 0.75, training < 180 s, "
          ">= 2000 curves/s")  # fmt: skip
    rows.append((
        "detection, metrics.bls_periods",
        f"{figures(y_test, score)} at 1 % FPR, {rate:.0f} curves/s on 2 processes",
        "",
    ))  # fmt: skip
    record(rows)


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
