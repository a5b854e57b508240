"""Realism of TransitCurveGenerator on two sources, against issue 34's goals.

For each source, ``make_kepler_like`` (train seed 1, held out seed 2) and
``../shared/validation/foreign.py`` (a noise model the package did not
write; train seed 5151, held out seed 5152), each configuration is fitted on
``n_train`` curves without planets and compared with 1,000 held-out curves:

- ``metrics.discriminative_score`` (the larger of its two classifiers, each
  printed), MMD and PSD distance, beside the floor: the same measures between
  two held-out samples of the source;
- memorising: each curve's best correlation with any training curve
  (standardised), the median over samples beside the median over held-out
  curves;
- planet samples (400, the package's injector): the share whose injected
  period Box Least Squares finds, beside the share in held-out real curves
  with the same injector;
- fit seconds and samples per second.

Then ``experiments.augmentation_gain`` on foreign.py: 1,500 training curves
with 30 planet hosts (seeds 5153 and 5155), a 600-curve test set with half
hosts (seed 5154), the default detector trained on them alone, with the
oversampler's planets, and with the component generator's planets.

Goals: discriminative score <= 0.10 on both sources; PSD distance and MMD
within twice the floor; memorising below 0.9 and no higher than held-out
curves'; BLS recovery within 5 points of real curves'; fit < 5 min for 3,000
curves on 2 cores.

Run: python benchmarks/bench_generator.py [n_train] [config ...]
(configurations: dense, the prototype's generator, and components, the
default; augmentation runs when "augmentation" is named or no configuration
is).
"""

import sys
import time

import numpy as np
import torch
from _results import record
from bench_detection import foreign_module

from sklearn_lcgan import (
    TransitCurveGenerator,
    TransitInjector,
    TransitOversampler,
    make_detection_pipeline,
    make_kepler_like,
)
from sklearn_lcgan._realism import standardised
from sklearn_lcgan.experiments import augmentation_gain
from sklearn_lcgan.metrics import (
    discriminative_score,
    mmd,
    psd_distance,
    transit_recovery_rate,
)

N_EVAL = 1000
N_PLANETS = 400
CONFIGS = {
    "dense": {"generator": "dense"},
    "components": {},  # the default
}


def sources(n_train):
    foreign = foreign_module()
    X_m, _ = make_kepler_like(n_train, planet_fraction=0.0, random_state=1)
    R_m, _ = make_kepler_like(2 * N_EVAL, planet_fraction=0.0, random_state=2)
    X_f = foreign.make(n_train, 0.0, 5151)[0]
    R_f = foreign.make(2 * N_EVAL, 0.0, 5152)[0]
    return {"make_kepler_like": (X_m, R_m), "foreign.py": (X_f, R_f)}


def best_correlation(curves, training):
    """Each curve's highest Pearson correlation with any training curve."""
    a, b = standardised(curves), standardised(training)
    a = (a - a.mean(1, keepdims=True)) / (a.std(1, keepdims=True) + 1e-12)
    b = (b - b.mean(1, keepdims=True)) / (b.std(1, keepdims=True) + 1e-12)
    best = np.full(len(a), -np.inf)
    for start in range(0, len(b), 500):
        best = np.maximum(best, (a @ b[start : start + 500].T).max(1) / a.shape[1])
    return best


def measures(real, other):
    score, parts = discriminative_score(real, other, return_parts=True)
    return {
        "score": score,
        "statistics": parts["statistics"],
        "network": parts["network"],
        "mmd": mmd(real, other),
        "psd": psd_distance(real, other),
    }


def text(found):
    return (
        f"discriminative {found['score']:.3f} (statistics {found['statistics']:.3f}, "
        f"network {found['network']:.3f}), MMD {found['mmd']:.4f}, "
        f"PSD {found['psd']:.3f}"
    )


def realism_rows(n_train, chosen):
    rows = []
    injector = TransitInjector(random_state=0)
    for source, (X, R) in sources(n_train).items():
        held_out, reference = R[:N_EVAL], R[N_EVAL:]
        floor = measures(held_out, reference)
        own = np.median(best_correlation(held_out, X))
        stars = reference[:N_PLANETS]
        planted = injector.fit(stars).draw_params(stars)
        real_rate = transit_recovery_rate(
            injector.inject(stars, planted), planted["period"]
        )
        print(f"\n{source}: floor {text(floor)}; held-out best correlation "
              f"{own:.3f}; BLS on real curves {real_rate:.2f}", flush=True)  # fmt: skip
        rows.append((f"generator floor, {source}", f"{text(floor)}; held-out "
                     f"best correlation {own:.3f}; BLS recovery on real curves "
                     f"{real_rate:.0%}", ""))  # fmt: skip
        for name in chosen:
            gan = TransitCurveGenerator(
                transit_injector=injector, random_state=0, **CONFIGS[name]
            )
            start = time.perf_counter()
            gan.fit(X)
            seconds = time.perf_counter() - start
            fake, _ = gan.sample(N_EVAL, random_state=1)
            start = time.perf_counter()
            gan.sample(5 * N_EVAL, random_state=3)
            rate = 5 * N_EVAL / (time.perf_counter() - start)
            found = measures(held_out, fake)
            memory = np.median(best_correlation(fake, X))
            planets, _, params = gan.sample(
                N_PLANETS, y=1, random_state=2, return_params=True
            )
            recovered = transit_recovery_rate(planets, params["period"])
            met = (
                found["score"] <= 0.10
                and found["psd"] <= 2 * max(floor["psd"], 1e-3)
                and found["mmd"] <= 2 * max(floor["mmd"], 1e-4)
                and memory < min(0.9, own + 0.01)
                and abs(recovered - real_rate) <= 0.05
                and seconds < 300
            )
            result = (
                f"{text(found)}; best correlation {memory:.3f}; BLS recovery "
                f"{recovered:.0%}; fit {seconds:.0f} s, {rate:,.0f} samples/s; "
                f"{'all goals met' if met else 'goals not all met'}"
            )
            print(f"  {name:12s} {result}", flush=True)
            rows.append((f"generator on {source}, {name}", result,
                         "score <= 0.10, PSD and MMD <= 2x floor, correlation "
                         "< 0.9 and <= held-out's, BLS within 5 points, fit "
                         "< 300 s"))  # fmt: skip
    return rows


def augmentation_rows():
    foreign = foreign_module()
    X, y, _, _ = foreign.make(1500, 0.0, 5153)
    hosts, y_hosts, _, _ = foreign.make(60, 1.0, 5155)
    X[:30], y[:30] = hosts[:30], y_hosts[:30]  # 30 planet hosts among 1,500
    X_test, y_test, _, _ = foreign.make(600, 0.5, 5154)
    injector = TransitInjector(random_state=0)
    table = augmentation_gain(
        make_detection_pipeline(classifier__random_state=0),
        X, y, X_test, y_test,
        augmenters={
            "oversampler": TransitOversampler(injector=injector),
            "generator": TransitCurveGenerator(
                transit_injector=injector, random_state=0, **CONFIGS["components"]
            ),
        },
    )  # fmt: skip
    print("\n" + table.to_string(index=False, float_format="%.3f"))
    best = table.loc[table["pr_auc"].idxmax(), "augmentation"]
    return [
        (
            f"augmentation gain on foreign.py (30 hosts of 1,500), {row.augmentation}",
            f"PR AUC {row.pr_auc:.3f}, ROC AUC {row.roc_auc:.3f}, recall "
            f"{row.recall:.2f}, precision {row.precision:.2f} ({row.n_planets} "
            f"planets in {row.n_train} training curves)"
            + ("; the best of the three" if row.augmentation == best else ""),
            "",
        )
        for row in table.itertuples()
    ]


def main(n_train=3000, *names):
    torch.set_num_threads(2)
    chosen = [name for name in names if name in CONFIGS] or (
        [] if names else list(CONFIGS)
    )
    rows = realism_rows(n_train, chosen) if chosen else []
    if not names or "augmentation" in names:
        rows += augmentation_rows()
    record(rows)


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]), *sys.argv[2:])
