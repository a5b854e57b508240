"""Soak test: inject and classify a million curves in chunks, memory held flat.

Each chunk of curves is made from a pool of simulated stars plus fresh white
noise (so every curve differs), gets a batman transit in half of its curves
(``TransitInjector``), and is scored by the detection pipeline. Only the
planet probabilities (8 bytes a curve) are kept. The resident memory is
printed as the run goes: it must stay flat after the first chunks.

Two engines: ``loop`` (a plain loop over chunks) and ``dask`` (the same
chunks as a lazy Dask array through ``sklearn_lcgan.distributed``, computed
by Dask's threaded scheduler).

Run: python benchmarks/bench_soak.py [n_curves] [--engine loop|dask]
     [--chunk-size 5000] [--model detector.lcgan]
"""

import argparse
import resource
import threading
import time

import numpy as np
from _results import record
from sklearn.metrics import roc_auc_score

from sklearn_lcgan import (
    TransitInjector,
    load_model,
    make_detection_pipeline,
    make_kepler_like,
)

POOL = 2000


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


class RssWatch(threading.Thread):
    """Sample the resident memory every half second while the run goes."""

    def __init__(self):
        super().__init__(daemon=True)
        self.samples, self.stop = [], threading.Event()

    def run(self):
        while not self.stop.wait(0.5):
            self.samples.append(rss_mb())


def make_chunk(pool, start, size):
    """Curves start..start+size: pool stars plus fresh noise, half with planets."""
    rng = np.random.default_rng(start)
    rows = rng.integers(len(pool), size=size)
    scatter = np.median(np.abs(np.diff(pool[rows], axis=1)), axis=1, keepdims=True)
    X = pool[rows] + 0.3 * scatter * rng.standard_normal((size, pool.shape[1]))
    y = (np.arange(start, start + size) % 2).astype(np.int64)
    return X, y


def detector(args, pool):
    if args.model:
        return load_model(args.model)
    X, y = make_kepler_like(3000, planet_fraction=0.5, random_state=1)
    start = time.perf_counter()
    pipe = make_detection_pipeline(
        classifier__max_epochs=4, classifier__random_state=0
    ).fit(X, y)
    print(f"detector trained on {len(X)} curves in {time.perf_counter() - start:.0f} s")
    return pipe


def run_loop(args, pool, injector, pipe, scores):
    n_chunks = -(-args.n_curves // args.chunk_size)
    report = {max(1, n_chunks * k // 10) for k in range(1, 11)}
    start = time.perf_counter()
    for i, begin in enumerate(range(0, args.n_curves, args.chunk_size), 1):
        size = min(args.chunk_size, args.n_curves - begin)
        X, y = make_chunk(pool, begin, size)
        X[y == 1] = injector.transform(X[y == 1])
        scores[begin : begin + size] = pipe.predict_proba(X)[:, 1]
        if i in report:
            done = begin + size
            rate = done / (time.perf_counter() - start)
            print(f"{done:>9,} curves  {rate:7.0f} curves/s  RSS {rss_mb():7.0f} MB")
    return time.perf_counter() - start


def run_dask(args, pool, injector, pipe, scores):
    import dask
    import dask.array as da

    from sklearn_lcgan.distributed import predict_proba_blocks

    starts = range(0, args.n_curves, args.chunk_size)
    sizes = [min(args.chunk_size, args.n_curves - s) for s in starts]

    def injected_chunk(begin, size):
        X, y = make_chunk(pool, begin, size)
        X[y == 1] = injector.transform(X[y == 1])
        return X

    blocks = [
        da.from_delayed(
            dask.delayed(injected_chunk)(s, n), (n, pool.shape[1]), dtype=np.float64
        )
        for s, n in zip(starts, sizes, strict=True)
    ]
    lazy = predict_proba_blocks(pipe, da.concatenate(blocks))
    start = time.perf_counter()
    # Two threads: torch and batman each use one core per chunk.
    da.store(lazy, scores, scheduler="threads", num_workers=2, lock=False)
    seconds = time.perf_counter() - start
    print(f"{args.n_curves:>9,} curves  {args.n_curves / seconds:7.0f} curves/s")
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n_curves", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--engine", choices=["loop", "dask"], default="loop")
    parser.add_argument("--chunk-size", type=int, default=5000)
    parser.add_argument("--model", help="a detector saved with save_model")
    args = parser.parse_args()

    pool, _ = make_kepler_like(POOL, planet_fraction=0.0, random_state=0)
    pipe = detector(args, pool)
    injector = TransitInjector(snr=(10.0, 30.0), random_state=0).fit(pool)
    scores = np.empty(args.n_curves)
    labels = np.arange(args.n_curves) % 2  # as make_chunk assigns them
    before = rss_mb()
    n, p = args.n_curves, pool.shape[1]
    print(f"{n:,} curves of {p} points, chunks of {args.chunk_size}, engine")
    print(f"{args.engine}; RSS before the run {before:.0f} MB")
    run = run_loop if args.engine == "loop" else run_dask
    watch = RssWatch()
    watch.start()
    seconds = run(args, pool, injector, pipe, scores)
    watch.stop.set()
    rss = np.array(watch.samples)
    tenth = max(1, len(rss) // 10)
    print(
        f"RSS during the run: {rss.min():.0f}-{rss.max():.0f} MB; mean of the first "
        f"tenth {rss[:tenth].mean():.0f} MB, of the last {rss[-tenth:].mean():.0f} MB"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"done: {args.n_curves / seconds:.0f} curves/s over {seconds:.0f} s")
    print(
        f"peak RSS {peak:.0f} MB (whole run, setup included); final {rss_mb():.0f} MB"
    )
    chunk_mb, all_gb = args.chunk_size * p * 8 / 2**20, n * p * 8 / 2**30
    print(f"one chunk of curves is {chunk_mb:.0f} MB; all would be {all_gb:.1f} GB")
    print(f"ROC AUC on the soaked curves: {roc_auc_score(labels, scores):.3f}")
    record([(
        f"soak, {n:,} curves",
        f"{n / seconds:.0f} curves/s injected and scored in chunks of "
        f"{args.chunk_size} ({args.engine}); resident memory "
        f"{rss.min():.0f}-{rss.max():.0f} MB, first tenth {rss[:tenth].mean():.0f} "
        f"MB, last {rss[-tenth:].mean():.0f} MB; the curves {all_gb:.1f} GB",
        "flat memory",
    )])  # fmt: skip


if __name__ == "__main__":
    main()
