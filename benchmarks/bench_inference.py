"""Inference of the folding pipeline: speed against astropy BLS, and memory.

Fits ``make_detection_pipeline()`` for one epoch (speed and memory do not depend
on how well it is trained), saves it, then in a fresh process for each size
loads it, builds the curves (a 1,000-curve ``make_kepler_like`` set repeated),
resets the kernel's peak-RSS mark and calls ``predict_proba``. Prints the peak
resident memory above what the process held with the curves in it, and the
pipeline's curves/s (cleaning, periodogram and network) against astropy's
BoxLeastSquares on 3,000 trial periods and 5 durations (``objective="snr"``,
one curve at a time, as users call it).

Goals (issue 33): the memory growth does not depend on the number of curves;
inference at least 50x astropy BLS's curves/s, on 2 cores.

Run: python benchmarks/bench_inference.py [n_small] [n_large]
"""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _results import record
from astropy.timeseries import BoxLeastSquares

CHILD = """
import sys, time
import numpy as np
from sklearn_lcgan import load_model, make_kepler_like

def rss(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) / 1024

model, n = load_model(sys.argv[1]), int(sys.argv[2])
X = np.tile(make_kepler_like(1000, random_state=7)[0], (n // 1000, 1))
before = rss("VmRSS")
open("/proc/self/clear_refs", "w").write("5")  # reset the peak mark
start = time.perf_counter()
proba = model.predict_proba(X)
seconds = time.perf_counter() - start
assert proba.shape == (n, 2) and np.isfinite(proba).all()
print(f"{rss('VmHWM') - before:.0f} {X.nbytes / 2**20:.0f} {n / seconds:.0f}")
"""


def main(n_small=1000, n_large=20000):
    from sklearn_lcgan import make_detection_pipeline, make_kepler_like, save_model

    X, y = make_kepler_like(200, random_state=1)
    pipe = make_detection_pipeline(classifier__max_epochs=1, classifier__random_state=0)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "folding.lcgan"
        save_model(pipe.fit(X, y), path)
        found = {}
        for n in (n_small, n_large):
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(path), str(n)],
                capture_output=True, text=True, check=True,
            ).stdout.split()  # fmt: skip
            found[n] = [float(v) for v in out]
            growth, size, rate = found[n]
            print(f"{n} curves ({size:.0f} MB): peak +{growth:.0f} MB, {rate:.0f}/s")
    t = np.arange(X.shape[1]) * 0.0204335
    periods = np.geomspace(0.5, t[-1] / 2, 3000)
    durations = [0.04, 0.08, 0.12, 0.16, 0.2]
    start = time.perf_counter()
    for curve in X[:20]:
        BoxLeastSquares(t, curve).power(periods, durations, objective="snr")
    astropy_rate = 20 / (time.perf_counter() - start)
    ours = found[n_large][2]
    print(
        f"astropy BLS {astropy_rate:.1f} curves/s; pipeline {ours / astropy_rate:.0f}x"
    )
    small, large = found[n_small][0], found[n_large][0]
    record(
        [
            (
                "inference speed, folding pipeline",
                f"{ours:.0f} curves/s with cleaning, periodogram and network "
                f"({n_large:,} curves) against astropy BLS's {astropy_rate:.1f} "
                f"(3,000 periods x 5 durations, one curve at a time): "
                f"{ours / astropy_rate:.0f}x",
                ">= 50x astropy",
            ),
            (
                "predict_proba memory, folding pipeline",
                f"peak +{small:.0f} MB over the input for {n_small:,} curves, "
                f"+{large:.0f} MB for {n_large:,} ({found[n_large][1]:.0f} MB of "
                "curves); 3,197 points",
                "flat in the number of curves",
            ),
        ]
    )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
