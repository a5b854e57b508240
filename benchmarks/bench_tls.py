"""Transit Least Squares beside Box Least Squares, on the detection test sets.

The first ``n_test`` curves of bench_detection's three test sets
(``make_kepler_like`` seed 20261125, ``foreign.py`` with and without binaries,
seeds 424242 and 424243), searched by ``metrics.tls_periods`` and
``metrics.bls_periods`` after the same cleaning, each scored by its peak's
significance. TLS takes seconds a curve, so the sets are smaller than
bench_detection's; its figures compare the two searches on the same curves.

Run: python benchmarks/bench_tls.py [n_test]
"""

import sys
import time

import numpy as np
from _results import record
from bench_detection import FOREIGN_SEED, TEST_SEED, figures, foreign_module, text
from joblib import Parallel, delayed

from sklearn_lcgan import make_kepler_like
from sklearn_lcgan.metrics import bls_periods, tls_periods


def search(function, X, **options):
    chunks = np.array_split(np.arange(len(X)), 8)
    found = Parallel(n_jobs=2)(delayed(function)(X[c], **options) for c in chunks)
    return np.concatenate([sde for _, sde in found])


def main(n_test=100):
    foreign = foreign_module()
    X_t, y_t, params = make_kepler_like(
        n_test, snr=(6.0, 30.0), random_state=TEST_SEED, return_params=True
    )
    sets = {"make_kepler_like": (X_t, y_t, params["snr"].fillna(0).to_numpy())}
    X_f, y_f, snr_f, _ = foreign.make(n_test, 0.5, FOREIGN_SEED)
    sets["foreign.py"] = (X_f, y_f, snr_f)
    X_e, y_e, snr_e, _ = foreign.make(n_test, 0.5, FOREIGN_SEED + 1, eb_fraction=0.2)
    sets["foreign.py, 20 % binaries"] = (X_e, y_e, snr_e)
    rows, rates = [], {}
    for name, function, options in [
        ("metrics.tls_periods", tls_periods, {}),
        ("metrics.bls_periods", bls_periods, {"n_periods": 3000}),
    ]:
        start, n = time.perf_counter(), 0
        for set_name, (X_s, y_s, snr_s) in sets.items():
            found = figures(y_s, search(function, X_s, **options), snr_s)
            n += len(X_s)
            print(f"{set_name:28s} {name:20s} {text(found)}", flush=True)
            rows.append(
                (f"TLS vs BLS ({n_test} curves) on {set_name}, {name}", text(found), "")
            )
        rates[name] = n / (time.perf_counter() - start)
        print(f"{name}: {rates[name]:.2f} curves/s on 2 processes")
    rows.append(
        (
            "search speed, TLS and BLS",
            f"TLS {rates['metrics.tls_periods']:.2f} curves/s, BLS "
            f"{rates['metrics.bls_periods']:.1f} curves/s (3,000 periods), 2 processes",
            "",
        )
    )
    record(rows)


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
