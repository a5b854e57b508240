"""The torch box periodogram against astropy's BoxLeastSquares, on one grid.

Kaggle-length curves (3,197 points at Kepler's long cadence) of unit noise
with batman transits at SNR 10-30; the period grid of
``sklearn_lcgan.nn.periodogram.period_grid`` (log-spaced, about 3,600 periods)
and 5 durations of 1 to 5 hours, ``objective="snr"``, phase bins of half the
shortest duration in both (astropy's ``oversample=2``). astropy runs one curve
at a time, as users call it; the layer runs batches on torch's threads.
Prints curves/s of both, their ratio, and how often they agree on the best
period.

Goal: the layer at least 50x astropy's curves/s.

Run: python benchmarks/bench_periodogram.py [n_curves] [batch_size]
"""

import sys
import time

import numpy as np
import torch
from _results import record
from astropy.timeseries import BoxLeastSquares

from sklearn_lcgan import TransitInjector
from sklearn_lcgan.nn.periodogram import BoxPeriodogram, period_grid

CADENCE = 0.0204335
N_POINTS = 3197
DURATIONS = np.array([0.04, 0.08, 0.12, 0.16, 0.2])


def main(n_curves=256, batch_size=128):
    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n_curves, N_POINTS))
    injector = TransitInjector(snr=(10.0, 30.0), random_state=0).fit(X)
    X = injector.transform(X)
    periods = period_grid(N_POINTS, CADENCE, DURATIONS)
    start = time.perf_counter()
    layer = BoxPeriodogram(N_POINTS, CADENCE, periods, DURATIONS)
    built = time.perf_counter() - start
    curves = torch.tensor(X, dtype=torch.float32)
    layer(curves[:4])  # the first call pays for allocations
    start = time.perf_counter()
    with torch.no_grad():
        ours = torch.cat([layer(b) for b in curves.split(batch_size)]).numpy()
    ours_rate = n_curves / (time.perf_counter() - start)

    t = np.arange(N_POINTS) * CADENCE
    n_astropy = min(n_curves, 32)
    start = time.perf_counter()
    theirs = np.array(
        [
            BoxLeastSquares(t, y)
            .power(periods, DURATIONS, objective="snr", oversample=2)
            .power
            for y in X[:n_astropy]
        ]
    )
    astropy_rate = n_astropy / (time.perf_counter() - start)
    same = np.mean(ours[:n_astropy].max(2).argmax(1) == theirs.argmax(1))
    ratio = ours_rate / astropy_rate
    print(f"{len(periods)} periods x {len(DURATIONS)} durations, {N_POINTS} points")
    print(f"layer built in {built:.1f} s; {ours_rate:.0f} curves/s in batches of "
          f"{batch_size}")  # fmt: skip
    print(f"astropy BoxLeastSquares: {astropy_rate:.1f} curves/s, one at a time")
    print(f"ratio {ratio:.1f}x (goal 50x); the same best period in {same:.0%}")
    record([(
        "box periodogram speed",
        f"{ours_rate:.0f} curves/s against astropy BLS's {astropy_rate:.1f} "
        f"({ratio:.1f}x) on {len(periods)} periods x {len(DURATIONS)} durations, "
        f"{N_POINTS} points; the same best period in {same:.0%}",
        ">= 50x astropy",
    )])  # fmt: skip


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
