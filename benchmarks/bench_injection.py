"""How much the sklearn layer costs over plain batman calls.

Injects the same planets into the same curves three ways and prints
curves/second and ratios:

(a) a plain Python loop of batman calls, written two ways: a new
    ``TransitModel`` per curve (as batman's tutorial builds it) and one model
    reused across curves (the fastest plain loop, the reference);
(b) ``TransitInjector.transform``, single-threaded and with ``n_jobs=2``.

Goals: (b) single-threaded >= 0.9x of (a), ``n_jobs=2`` >= 1.6x of (a).

Run: python benchmarks/bench_injection.py [n_curves]
"""

import sys
import time

import batman
import numpy as np
from _results import record

from sklearn_lcgan import TransitInjector, make_kepler_like
from sklearn_lcgan._physics import midpoint_exp_time
from sklearn_lcgan._robust import robust_noise

CADENCE = 0.0204335
SUPERSAMPLE = 7


def plain_loop(X, params, reuse):
    time_grid = np.arange(X.shape[1]) * CADENCE
    noise = robust_noise(X)
    out = np.empty_like(X)
    model = None
    for i, row in enumerate(params.itertuples()):
        p = batman.TransitParams()
        p.t0, p.per, p.rp, p.a, p.inc = row.t0, row.period, row.rp, row.a, row.inc
        p.ecc, p.w, p.u, p.limb_dark = row.ecc, row.w, [row.u1, row.u2], "quadratic"
        if model is None or not reuse:
            model = batman.TransitModel(
                p, time_grid, supersample_factor=SUPERSAMPLE,
                exp_time=midpoint_exp_time(CADENCE, SUPERSAMPLE),
            )  # fmt: skip
        signal = model.light_curve(p) - 1.0
        out[i] = X[i] + row.snr * noise[i] / np.sqrt(np.sum(signal**2)) * signal
    return out


def best_of(func, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


def main(n_curves=2000):
    X, _ = make_kepler_like(n_curves, planet_fraction=0.0, random_state=0)
    injector = TransitInjector(random_state=0).fit(X)
    params = injector.draw_params(X)
    parallel = TransitInjector(random_state=0, n_jobs=2).fit(X)
    parallel.transform(X[:10])  # start the worker processes before timing

    t_new, out_new = best_of(lambda: plain_loop(X, params, reuse=False))
    t_reuse, out_reuse = best_of(lambda: plain_loop(X, params, reuse=True))
    t_single, out_single = best_of(lambda: injector.transform(X))
    t_jobs, out_jobs = best_of(lambda: parallel.transform(X))
    for out in (out_reuse, out_single, out_jobs):
        np.testing.assert_allclose(out, out_new, rtol=0, atol=1e-9 * np.abs(X).max())

    rate = {name: n_curves / t for name, t in [
        ("(a) batman loop, new model per curve", t_new),
        ("(a) batman loop, one model reused", t_reuse),
        ("(b) TransitInjector.transform", t_single),
        ("(b) TransitInjector.transform n_jobs=2", t_jobs),
    ]}  # fmt: skip
    reference = rate["(a) batman loop, one model reused"]
    print(f"{n_curves} curves x {X.shape[1]} points, supersample_factor={SUPERSAMPLE}")
    for name, value in rate.items():
        print(f"{name:42s} {value:9.0f} curves/s   {value / reference:5.2f}x of (a)")
    print("goals: transform >= 0.90x, n_jobs=2 >= 1.60x of (a) reused")
    single = rate["(b) TransitInjector.transform"] / reference
    jobs = rate["(b) TransitInjector.transform n_jobs=2"] / reference
    record([(
        "injection speed",
        f"`transform` {single:.2f}x a plain batman loop (one model reused), "
        f"{jobs:.2f}x with `n_jobs=2` ({n_curves} curves)",
        ">= 0.9x and >= 1.6x",
    )])  # fmt: skip


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
