"""Realism and speed of TransitCurveGenerator.

Fits on ``make_kepler_like`` non-host curves and prints, for the default
configuration, the default with an unpacked critic (``pack=1``, the default
until the critic judged packs of curves), the prototype's configuration, the
prototype's critic with the default generator, the default with coloured noise
and the spectral loss (``coloured_noise=True, spectral_weight=100``; its
multiply-add count leaves out the filter's FFTs), the component synthesiser
(``synthesis="components"`` with a (256, 256) network, the critic's spectrum
branch and the spectral loss; its count leaves out the synthesis), the same
with its rotation frequencies drawn from the simulator's range
(``rotation_cycles=(1.5, 85)``, as a user would set their stars'), that
setting trained three times as many epochs, the same with K2's thruster
sawtooth (``thruster_period=12.0``), the same with the steps' quantiles
beside the spectra (``curve_quantiles=True``), the same with spikes no taller
than 60 noise levels (``max_spike_height=60``), the same with samples on the
training curves' scale (``standardise_output=True``), the same with a noise
gain that never rises above 8 cycles over the curve (``noise_falls_above=8``),
and two references (white noise of matched variance; held-out real curves, the
best possible): discriminative score, MMD, PSD distance, Box Least Squares
recovery of the periods injected into planet samples, seconds per epoch and
samples per second.

Goals: discriminative score <= 0.15; BLS recovers >= 90 % of injected periods;
>= 20,000 samples/s; an epoch over 5,000 curves <= 10 s.

Samples per second are measured in float32 and with
``sample_precision="bfloat16"`` (fast only where the CPU has bfloat16
instructions, such as AVX512-BF16 or AMX; the first line names the instruction
set torch dispatches to, which does not say whether those are present).
Rates are the best of three calls of 5,000 curves. Each configuration's last
line gives the ceiling the CPU puts on float32 sampling: the generator's
multiply-adds per curve at the rate a large float32 matrix product reaches on
this machine.

Run: python benchmarks/bench_generator.py [n_train] [max_epochs] [config ...]
(naming configurations, for example ``5000 30 components``, runs only those).
"""

import sys
import time

import numpy as np
import torch
from _results import record

from sklearn_lcgan import TransitCurveGenerator, TransitInjector, make_kepler_like
from sklearn_lcgan.metrics import (
    discriminative_score,
    mmd,
    psd_distance,
    transit_recovery_rate,
)

N_EVAL = 1000
# 400, not 100: a share near 90 % then has a standard error of 1.5 %, not 3 %.
N_PLANETS = 400


def realism(name, X_real, X_fake, extra=""):
    """Print and return the discriminative score, MMD and PSD distance."""
    score = discriminative_score(X_real, X_fake)
    text = (
        f"discriminative score {score:.3f}, MMD {mmd(X_real, X_fake):.4f}, "
        f"PSD distance {psd_distance(X_real, X_fake):.3f}"
    )
    print(f"{name:22s} {text}{extra}", flush=True)
    return text


def matrix_product_flops(n_points):
    """Float32 FLOP/s of a large matrix product shaped like a generator's last layer."""
    batch, weight = torch.randn(2048, 1024), torch.randn(n_points, 1024)
    torch.nn.functional.linear(batch, weight)
    start = time.perf_counter()
    for _ in range(5):
        torch.nn.functional.linear(batch, weight)
    return 5 * 2 * batch.shape[0] * weight.numel() / (time.perf_counter() - start)


def multiply_adds(generator):
    """Multiply-adds of the generator's dense layers per curve."""
    return sum(
        layer.in_features * layer.out_features
        for layer in generator.modules()
        if isinstance(layer, torch.nn.Linear)
    )


def samples_per_second(gan, n):
    """Best of three calls, as timeit advises (the first also pays for set-up)."""
    best = np.inf
    for _ in range(3):
        start = time.perf_counter()
        gan.sample(n, random_state=1)
        best = min(best, time.perf_counter() - start)
    return n / best


def main(n_train=5000, max_epochs=30, only=()):
    torch.set_num_threads(2)
    X, _ = make_kepler_like(n_train, planet_fraction=0.0, random_state=1)
    X_real, _ = make_kepler_like(2 * N_EVAL, planet_fraction=0.0, random_state=2)
    held_out, reference = X_real[:N_EVAL], X_real[N_EVAL:]
    print(
        f"train {n_train} non-host curves, evaluate on {N_EVAL} held-out curves; "
        f"CPU: {torch.backends.cpu.get_cpu_capability()}"
    )
    flops = matrix_product_flops(X.shape[1])

    injector = TransitInjector(random_state=0)
    # The same injector in real curves: the recovery a perfect generator gets.
    stars = reference[:N_PLANETS]
    planted = injector.fit(stars).draw_params(stars)
    real_rate = transit_recovery_rate(
        injector.inject(stars, planted), planted["period"]
    )
    realism("real (held-out)", held_out, reference, f"  BLS recovery {real_rate:.2f}")
    rng = np.random.default_rng(0)
    spread = reference.std(axis=1)[rng.integers(0, N_EVAL, N_EVAL)]
    realism("white noise", held_out, rng.normal(size=held_out.shape) * spread[:, None])

    configs = {
        "default (WGAN-GP)": {},
        "pack=1 (last default)": {"pack": 1},
        "prototype config": {
            "pack": 1,
            "upsample": 1,
            "noise_head": False,
            "minibatch_std": False,
            "loss": "bce",
            "label_smoothing": 0.9,
            "critic_hidden": (256, 256, 128),
            "critic_dropout": 0.3,
            "patch_size": X.shape[1],  # one step holding the whole curve
        },
    }
    # The prototype's one-step critic with this generator's knots and noise head.
    configs["prototype critic, u=8"] = {
        **configs["prototype config"],
        "upsample": 8,
        "noise_head": True,
    }
    configs["coloured noise + spectral"] = {
        "coloured_noise": True,
        "spectral_weight": 100.0,
    }
    configs["components"] = {
        "synthesis": "components",
        "generator_hidden": (256, 256),
        "critic_spectrum": True,
        "spectral_weight": 100.0,
    }
    # The simulator's stars turn 1.6 to 81 times over the curve.
    configs["components, rotation range"] = {
        **configs["components"],
        "rotation_cycles": (1.5, 85.0),
    }
    # GAN training had not converged at 30 epochs: the same row trained longer.
    configs["components, rotation range, 3x epochs"] = {
        **configs["components, rotation range"],
        "max_epochs": 3 * max_epochs,
    }
    # K2's thrusters fired every 0.2452 days: 12.0 long cadences.
    configs["components, rotation range, thruster, 3x epochs"] = {
        **configs["components, rotation range, 3x epochs"],
        "thruster_period": 12.0,
    }
    # The critic's spectrum branch and the spectral loss also read the steps'
    # quantiles: the noise level and the spikes.
    configs["components, thruster, quantiles, 3x epochs"] = {
        **configs["components, rotation range, thruster, 3x epochs"],
        "curve_quantiles": True,
    }
    # The simulator's cosmic rays stand at most 50 white-noise levels high.
    configs["components, thruster, quantiles, spike cap, 3x epochs"] = {
        **configs["components, thruster, quantiles, 3x epochs"],
        "max_spike_height": 60.0,
    }
    # Generated curves on the training curves' scale, as the critic sees them
    # and as sample() maps them back.
    configs["components, thruster, quantiles, spike cap, standardised, 3x epochs"] = {
        **configs["components, thruster, quantiles, spike cap, 3x epochs"],
        "standardise_output": True,
    }
    # Granulation and photon noise fall with frequency; rotation is drawn apart.
    configs[
        "components, thruster, quantiles, spike cap, standardised, falling, 3x epochs"
    ] = {
        **configs[
            "components, thruster, quantiles, spike cap, standardised, 3x epochs"
        ],
        "noise_falls_above": 8.0,
    }
    if only:
        configs = {name: configs[name] for name in only}
    rows = []
    for name, params in configs.items():
        params = {"max_epochs": max_epochs, **params}
        gan = TransitCurveGenerator(transit_injector=injector, random_state=0, **params)
        gan.fit(X)
        per_epoch = np.mean([h["seconds"] for h in gan.history_])
        fake, _ = gan.sample(N_EVAL, random_state=1)
        rate = samples_per_second(gan, N_EVAL * 5)
        planets, _, params_ = gan.sample(
            N_PLANETS, y=1, random_state=2, return_params=True
        )
        recovered = transit_recovery_rate(planets, params_["period"])
        fast = samples_per_second(
            gan.set_params(sample_precision="bfloat16"), N_EVAL * 5
        )
        gan.set_params(sample_precision="float32")
        macs = multiply_adds(gan.generator_)
        text = realism(
            name, held_out, fake,
            f"  BLS recovery {recovered:.2f}\n{'':22s} {per_epoch:.1f} s/epoch over "
            f"{n_train} curves, {rate:.0f} samples/s ({fast:.0f} in bfloat16)\n"
            f"{'':22s} {macs / 1e6:.1f} M multiply-adds per curve: float32 matrix "
            f"products at {flops / 1e9:.0f} GFLOP/s allow {flops / (2 * macs):.0f} "
            "samples/s",
        )  # fmt: skip
        rows += [
            (
                f"generator realism, {name}",
                f"{text}; BLS recovers {recovered:.0%} of {N_PLANETS} planet "
                f"samples' periods (real curves {real_rate:.0%})",
                "score <= 0.15, BLS >= 90 %",
            ),
            (
                f"generator speed, {name}",
                f"{rate:,.0f} samples/s ({fast:,.0f} in bfloat16), {per_epoch:.1f} s "
                f"per epoch over {n_train} curves",
                ">= 10,000 samples/s",
            ),
        ]
    print("goals: discriminative <= 0.15, BLS recovery >= 0.90, "
          ">= 20000 samples/s, <= 10 s/epoch over 5000 curves")  # fmt: skip
    record(rows)


if __name__ == "__main__":
    numbers, names = sys.argv[1:3], sys.argv[3:]
    main(*(int(a) for a in numbers), only=names)
