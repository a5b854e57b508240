"""How alike TransitCurveGenerator's samples are, with and without packing.

A GAN in mode collapse draws one curve again and again. This script trains
the default generator on the demo's data (980 non-host ``make_kepler_like``
curves) with the critic judging one curve at a time (``critic__pack=1``) and four
(``critic__pack=4``, the default), and prints the mean absolute correlation between
300 samples, each smoothed over 16 points so that the white noise does not
hide a shared shape. Real curves give the floor: their slow drifts alone make
them a little alike.

Run: python benchmarks/bench_mode_collapse.py [max_epochs]
"""

import sys

import numpy as np
import torch
from _results import record
from scipy.ndimage import uniform_filter1d

from sklearn_lcgan import TransitCurveGenerator, make_kepler_like

N_SAMPLES = 300


def mean_abs_correlation(X):
    """Mean |Pearson correlation| between curves smoothed over 16 points."""
    smooth = uniform_filter1d(np.asarray(X, dtype=float), 16, axis=1)
    return float(np.abs(np.corrcoef(smooth)[np.triu_indices(len(smooth), 1)]).mean())


def main(max_epochs=60):
    torch.set_num_threads(2)
    X, y = make_kepler_like(1000, planet_fraction=0.02, random_state=0)
    stars = X[y == 0]
    real, _ = make_kepler_like(N_SAMPLES, planet_fraction=0.0, random_state=2)
    print(f"{len(stars)} training curves, {max_epochs} epochs")
    print(f"real curves      mean |correlation| {mean_abs_correlation(real):.2f}")
    floor = mean_abs_correlation(real)
    found = {}
    for pack in (1, 4):
        gan = TransitCurveGenerator(
            max_epochs=max_epochs, critic__pack=pack, random_state=0
        )
        samples, _ = gan.fit(stars).sample(N_SAMPLES, random_state=1)
        seconds = np.mean(gan.history_[:, "dur"])
        found[pack] = mean_abs_correlation(samples)
        print(
            f"pack={pack}           mean |correlation| "
            f"{mean_abs_correlation(samples):.2f}  ({seconds:.2f} s/epoch)",
            flush=True,
        )
    record([(
        "generator diversity",
        f"samples' mean absolute correlation {found[4]:.2f} with `pack=4`, "
        f"{found[1]:.2f} with `pack=1`; real curves {floor:.2f} ({max_epochs} epochs)",
        "",
    )])  # fmt: skip


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
