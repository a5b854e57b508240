"""The demo study: simulate, generate, detect, fool, measure; write a report.

:func:`run_demo` is what ``lcgan demo`` and ``make demo`` run: every study of
the package on the embedded simulator, with its figures, ``metrics.json`` and
``report.md`` written into one folder, all or nothing.
"""

from __future__ import annotations

import json
import math
import os
import time

import numpy as np
from tqdm.auto import tqdm

from ._atomic import atomic_folder
from ._version import __version__
from .classifier import make_detection_pipeline
from .datasets import make_kepler_like
from .experiments import (
    augmentation_gain,
    fooling_rate,
    injection_recovery,
    recovery_grid,
)
from .generator import TransitCurveGenerator
from .injection import TransitInjector
from .metrics import discriminative_score, psd_distance, transit_recovery_rate
from .oversampling import TransitOversampler
from .plotting import (
    plot_completeness,
    plot_curves,
    plot_fooling,
    plot_injection,
    plot_losses,
    plot_real_generated,
)
from .preprocessing import Detrender, OutlierClipper

REPORT = """\
# sklearn-lcgan demo report

Everything below ran on the embedded simulator (`make_kepler_like`, seed {seed}):
no real data and no download. Figures are PNG files beside this report;
numbers are in `metrics.json`.

## 1. The data

{n_train} training curves with {n_planets} planet hosts (as scarce as in the
Kaggle set), {n_test} test curves.

![simulated curves](curves.png)

## 2. The generator

`TransitCurveGenerator` (WGAN-GP, {epochs} epochs on the {n_noise} non-host
curves). Realism against held-out curves: discriminative score
**{disc:.3f}** (0 = indistinguishable, 0.5 = separable), PSD distance
**{psd:.3f}** decades. Box Least Squares recovers the period injected into
**{bls:.0%}** of the generated planet hosts.

![real vs generated](real_vs_generated.png)

![GAN losses](gan_losses.png)

## 3. An injected transit

![injection](injection.png)

## 4. Fooling rate

The detector (trained on the augmented training set) called
**{fool_before:.0%}** of generated curves planets before injection and
**{fool_after:.0%}** after batman transits were injected (the prototype
reported 0.97 after injection). {fool_comment}

![fooling](fooling.png)

## 5. Injection-recovery completeness

Transits injected into {n_base} test non-hosts over SNR x period; a curve
counts as recovered above the threshold that flags {fpr:.0%} of them without
injection.

![completeness](completeness.png)

## 6. Augmentation gain

The same detector trained without and with synthetic planets, scored on the
test curves:

{gain}
"""

# The completeness map's false alarms: a rate that the demo's few hundred
# non-hosts can set a threshold for.
_FALSE_POSITIVE_RATE = 0.05

_STAGES = (
    "simulating curves",
    "training the generator",
    "training the detectors",
    "fooling rate",
    "completeness",
    "writing the report",
)


def run_demo(
    output,
    *,
    n_curves,
    n_points,
    n_base,
    epochs,
    gan_epochs,
    planet_fraction=0.02,
    random_state=0,
    verbose=True,
):
    """Run every study on the simulator and write the report folder.

    Parameters
    ----------
    output : str
        The report folder; replaced only when the whole report is written.
    n_curves : int
        Training curves (half as many test curves).
    n_points : int
        Points per curve.
    n_base : int
        Test non-hosts that completeness injects into.
    epochs : int
        The detector's training epochs.
    gan_epochs : int
        The generator's training epochs.
    planet_fraction : float, default=0.02
        Share of planet hosts among the training curves.
    random_state : int, default=0
        Seed of every step.
    verbose : bool, default=True
        Show one progress bar over the stages.

    Returns
    -------
    metrics : dict
        What ``metrics.json`` holds.
    """
    seed = random_state
    steps = tqdm(total=len(_STAGES), desc="lcgan demo", disable=not verbose)
    started = time.perf_counter()

    def stage(index):
        steps.set_postfix_str(_STAGES[index])

    stage(0)
    X_train, y_train = make_kepler_like(
        n_curves, planet_fraction=planet_fraction, n_points=n_points, random_state=seed
    )
    X_test, y_test = make_kepler_like(
        max(n_curves // 2, 20), n_points=n_points, random_state=seed + 1
    )
    noise = X_train[y_train == 0]
    detector = make_detection_pipeline(
        classifier__max_epochs=epochs, classifier__random_state=seed
    )
    steps.update()

    with atomic_folder(output) as folder:

        def save(fig, name):
            fig.savefig(os.path.join(folder, name), dpi=110)

        save(
            plot_curves(
                X_train, y_train, title="make_kepler_like: simulated K2 curves"
            ),
            "curves.png",
        )
        stage(1)
        injector = TransitInjector(random_state=seed)
        gan = TransitCurveGenerator(
            max_epochs=gan_epochs, transit_injector=injector, random_state=seed
        ).fit(noise)
        generated, _ = gan.sample(len(X_test), random_state=seed)
        planets, _, planet_params = gan.sample(
            n_base, y=1, random_state=seed + 1, return_params=True
        )
        held_out = X_test[y_test == 0]
        disc = discriminative_score(held_out, generated[: len(held_out)])
        psd = psd_distance(held_out, generated)
        bls = transit_recovery_rate(planets, planet_params["period"], n_threads=-1)
        save(plot_losses(gan.history_), "gan_losses.png")
        steps.update()

        stage(2)
        oversampler = TransitOversampler(injector=TransitInjector(), random_state=seed)
        gain, detectors = augmentation_gain(
            detector,
            X_train,
            y_train,
            X_test,
            y_test,
            augmenters={"oversampler": oversampler, "generator": gan},
            return_estimators=True,
        )
        # The studies below use the detector trained with injected planets.
        detector = detectors["oversampler"]
        steps.update()

        stage(3)
        fooled = fooling_rate(detector, generated, injector=injector)
        save(
            plot_fooling(fooled.proba_before, fooled.proba_after, fooled.by_snr),
            "fooling.png",
        )
        save(
            plot_real_generated(X_test, generated, fooled.X_injected),
            "real_vs_generated.png",
        )
        example = int(np.argmax(fooled.params["n_transits"].to_numpy() >= 3))
        residual = OutlierClipper().fit_transform(
            Detrender(window=1.0).fit_transform(fooled.X_injected)
        )
        save(
            plot_injection(
                generated[example],
                fooled.X_injected[example],
                residual[example],
                fooled.params.iloc[example],
            ),
            "injection.png",
        )
        steps.update()

        stage(4)
        base = X_test[y_test == 0][:n_base]
        table = injection_recovery(
            detector,
            base,
            TransitInjector(random_state=seed),
            recovery_grid(n_points),
            false_positive_rate=_FALSE_POSITIVE_RATE,
        )
        table.to_csv(os.path.join(folder, "completeness.csv"), index=False)
        save(plot_completeness(table), "completeness.png")
        steps.update()

        stage(5)
        metrics = {
            "version": __version__,
            "seconds": time.perf_counter() - started,
            "generator": {
                "discriminative_score": disc,
                "psd_distance": psd,
                "bls_recovery_rate": bls,
                "epochs": len(gan.history_),
            },
            "fooling_rate": {
                "before": fooled.rate_before,
                "after": fooled.rate_after,
                "by_snr": rates_by_snr(fooled),
            },
            "completeness": table.to_dict(orient="records"),
            "augmentation_gain": gain.to_dict(orient="records"),
        }
        with open(os.path.join(folder, "metrics.json"), "w") as f:
            json.dump(metrics, f, indent=2, default=float)
        with open(os.path.join(folder, "report.md"), "w") as f:
            f.write(
                REPORT.format(
                    seed=seed,
                    n_train=len(y_train),
                    n_planets=int(y_train.sum()),
                    n_test=len(y_test),
                    epochs=len(gan.history_),
                    n_noise=len(noise),
                    disc=disc,
                    psd=psd,
                    bls=bls,
                    fool_before=fooled.rate_before,
                    fool_after=fooled.rate_after,
                    fool_comment=_fooling_comment(fooled),
                    n_base=len(base),
                    fpr=_FALSE_POSITIVE_RATE,
                    gain=markdown_table(gain.round(3)),
                )
            )
        steps.update()
    steps.close()
    return metrics


def rates_by_snr(result):
    """``{"7-12": rate, ...}`` from a :func:`~sklearn_lcgan.experiments.fooling_rate`
    result; a bin that no curve fell in has no rate (None, JSON's null)."""
    return {
        str(snr_bin): None if math.isnan(rate) else float(rate)
        for snr_bin, rate in zip(
            result.by_snr["snr_bin"], result.by_snr["rate"], strict=True
        )
    }


def markdown_table(frame):
    """A DataFrame as a Markdown table."""
    lines = [
        "| " + " | ".join(map(str, frame.columns)) + " |",
        "|" + " --- |" * len(frame.columns),
    ]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(map(str, row)) + " |")
    return "\n".join(lines)


def _fooling_comment(result):
    if result.rate_before >= 0.5:
        return (
            "Most generated curves are called planets before any transit is "
            "injected: the detector is fooled by the generator's noise itself, "
            "which lies outside what it was trained on, not by the transits."
        )
    return (
        "The rise from before to after injection is what the injected transits "
        "alone do to the detector."
    )
