"""TransitCurveGenerator: a GAN of light curves with batman transits on top."""

from __future__ import annotations

import copy
import os
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, _fit_context, clone
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from tqdm.auto import tqdm

from ._random import int_seed
from .injection import TransitInjector
from .metrics import mmd
from .nn import (
    ComponentGenerator,
    CurveSummary,
    FCGenerator,
    PatchLSTMCritic,
    centre_rows_,
    rbf_mmd,
    robust_standardise,
)
from .persistence import FORMAT
from .preprocessing import _nan_robust_scale

_CHECKPOINT = "checkpoint.pt"
# Most curves per chunk of sample's: larger chunks pay torch's per-call costs
# less often, smaller ones keep the threads evenly loaded and fault in fewer
# fresh pages for torch's tensors.
_SAMPLE_CHUNK = 512
_FLOAT32_SAFE = float(np.finfo(np.float32).max) / 10


def _buffer(shape, device, dtype=torch.float32):
    """An uninitialised tensor; on the CPU from numpy, which asks Linux for
    huge pages for large arrays where torch does not: a chunk's draws then
    cost a few page faults, not thousands."""
    if device.type != "cpu":
        return torch.empty(shape, dtype=dtype, device=device)
    return torch.from_numpy(np.empty(shape, dtype=str(dtype).removeprefix("torch.")))


def _to_training_units(curves, level, scale, out, standardise):
    """Write float32 ``curves`` into ``out`` (float64) in the training units:
    ``level + curves * scale``, each curve first put on the training curves'
    scale, as :meth:`TransitCurveGenerator._generate` does, if
    ``standardise`` (which overwrites ``curves``).

    numpy's: it releases the GIL, so that threads map chunks back at once.
    """
    if standardise:
        scale = scale / np.maximum(centre_rows_(curves), np.float32(1e-12))
    np.multiply(curves, scale, out=out)
    out += level


def _check_rotation_cycles(cycles):
    """Raise a ValueError unless ``cycles`` is a (low, high) pair, 0 < low <= high."""
    try:
        low, high = (float(c) for c in cycles)
    except (TypeError, ValueError):
        low = high = np.nan
    if not (np.isfinite(low) and np.isfinite(high) and 0 < low <= high):
        raise ValueError(
            "rotation_cycles must be a (low, high) pair of frequencies in cycles "
            f"over the curve with 0 < low <= high, got {cycles!r}; for example "
            "(0.5, 150.0)."
        )


class TransitCurveGenerator(BaseEstimator):
    """A generative adversarial network of light curves, in sklearn's style.

    ``fit`` trains a GAN on curves normalised one by one (median 0, unit
    robust scatter); ``sample`` draws new curves and maps them back to the
    training units with a (level, scale) pair drawn from the training curves,
    as :meth:`sklearn.neighbors.KernelDensity.sample` draws from a fitted
    density; ``score`` is minus the MMD between fresh samples and ``X``
    (higher is better), so :class:`~sklearn.model_selection.GridSearchCV`
    ranks settings without a custom scorer.

    The generator is the prototype's fully connected network (latent 100 ->
    512 -> 1024 -> 1024 -> n_points, LeakyReLU 0.2), whose last layer by
    default sets every eighth point, joined by straight lines, with white
    noise of learnt amplitude on top. The critic reads the curve as a
    sequence of patches with stacked LSTMs (the prototype's
    256/256/128 with dropout 0.3 stays selectable through ``critic_hidden``
    and ``critic_dropout``). Training uses the Wasserstein loss with gradient
    penalty (Gulrajani et al. 2017) by default, or the prototype's
    non-saturating loss with one-sided label smoothing. With ``y`` at fit
    time both networks get a label embedding and ``sample(y=...)`` draws a
    chosen class. With ``synthesis="components"`` the network sets the sizes
    of a star's parts (rotation, drift, filtered noise, cosmic-ray spikes)
    instead of its points: the most realistic samples so far, and sampled
    at least as fast. A GAN learns the noise but not faint periodic dips;
    give a ``transit_injector`` and the planet-host samples get real batman
    transits.

    Parameters
    ----------
    latent_dim : int, default=100
        Size of the generator's noise vector.
    synthesis : {"dense", "components"}, default="dense"
        What the generator's network makes. "dense": the curve's points, from
        dense layers (the prototype's network, shaped by ``noise_head``,
        ``upsample`` and ``coloured_noise``). "components": the sizes of a
        star's parts, which a synthesiser adds up
        (``sklearn_lcgan.nn.ComponentGenerator``): rotation with a
        harmonic and an evolving amplitude, a polynomial drift, filtered noise
        and cosmic-ray spikes, with random periods, phases and places, so
        that no pattern sits at fixed times. ``noise_head``, ``upsample`` and
        ``coloured_noise`` are then ignored. Trained 30 epochs on 5,000
        simulated curves with ``generator_hidden=(256, 256)``,
        ``critic_spectrum=True`` and ``spectral_weight=100``, its samples'
        discriminative score was 0.29 to 0.36 in four benchmark runs against
        the dense default's 0.485, and BLS recovered 85 % of the transits
        injected into them (real curves: 87 %). It gains from longer
        training: with ``rotation_cycles=(1.5, 85)``, 0.302 after 30 epochs
        and 0.258 after 90. Those figures predate the score's extremes and
        the log-normal spikes; with both, 0.325 and 0.280, and BLS
        recovered 91 and 89 %. It samples at least as many
        curves per second as the default (19,000-26,400/s against
        14,400-19,600/s when both were timed in one script, twice).
    rotation_cycles : (float, float), default=(0.5, 150.0)
        With ``synthesis="components"``, the range of rotation frequencies,
        in cycles over the curve, from which each sample's is drawn
        log-uniformly; ignored by the dense generator. The default spans
        periods of 0.43 to 130 days over a 65-day K2 campaign. Set it to the
        range your stars span: the network can shrink a rotation whose
        frequency no star has, but not perfectly, and the leftover power is
        what a classifier spots. On the simulator, whose stars turn 1.6 to 81
        times, ``(1.5, 85)`` took the discriminative score from 0.32-0.34 to
        0.27-0.29 (seeds 0 and 1).
    thruster_period : float or None, default=None
        With ``synthesis="components"``, the mean number of cadences between
        the resets of a sawtooth systematic that the synthesiser adds, such
        as K2's roll correction every 5.9 hours (12.0 long cadences); None
        adds none, and the dense generator ignores it. The firings drift
        from a strict period by a learnt random walk, and the network sets
        each sample's sawtooth size and curvature. Without it, the filtered
        noise puts a modest line at the firing frequency in most samples,
        where most real K2 curves have a weak one and some a strong one. On
        the simulator, with ``rotation_cycles=(1.5, 85)`` and 90 epochs,
        12.0 took the discriminative score from 0.270 and 0.337 (seeds 0 and
        2) to 0.305 and 0.273 (eight fits of four variants averaged 0.277),
        and an independent random forest (80 spectral bands,
        autocorrelations, moments) from 0.300 and 0.343 to 0.268 and 0.287.
        In the benchmark, 0.290 against 0.312, PSD distance 0.072 against
        0.095, BLS recovered 86 % of 400 planet samples' periods against 90 %,
        and sampling was 22 % slower (13,900 against 17,800/s).
    max_spike_height : float or None, default=None
        With ``synthesis="components"``, the tallest a spike may stand, in
        units of the sample's white noise; None sets no limit, and the dense
        generator ignores it. The spikes' heights are log-normal, whose tail
        is long: without a limit, one sample in a hundred had a spike 230 to
        370 noise levels high, where the simulator's cosmic rays stand 5 to
        50. Set it a little above the tallest single-cadence outliers of your
        curves, in units of their point-to-point noise. On the simulator,
        with the user guide's closest setting, four fits with 60 scored
        0.162, 0.193, 0.237 and 0.268 against 0.268, 0.283, 0.268 and 0.243
        without (seed 0 on one thread, seed 2 on two, seed 0 on two, seed 1
        on one: training rounds differently with the thread count, so each
        is a fit of its own): 0.05 better on average, not in every fit.
    standardise_output : bool, default=False
        Put each generated curve on the training curves' scale (less its
        median, over its robust scatter) before the critic sees it and before
        ``sample`` maps it back. Every training curve is on that scale; the
        generator's own curves are only near it (robust scatter 0.49 to 1.98,
        1st to 99th percentile, in one fit of the user guide's closest
        setting), so without it a sample's scatter is a training curve's
        times that factor; with it, exactly a training curve's, as the
        sample's level is. It costs sampling time (two selections per curve:
        13,100 against 17,400 samples/s, timed in turns; ``sample`` has since
        shared them among torch's threads, 14,600 against 13,100). On the
        simulator, with the user guide's closest setting, the benchmark's fit
        scored 0.128 (against 0.237 without), and three more fits (seeds 0
        and 1 on one thread, seed 2 on two) 0.177, 0.192 and 0.185 (against
        0.162, 0.268 and 0.193): 0.171 on average against 0.215. But on 3,000
        held-out curves those three scored 0.261, 0.236 and 0.280 against
        0.216, 0.271 and 0.247, no better. The white noise in units of each
        sample's scatter matched the real curves' (1st percentile 0.014 and
        0.015, real 0.014; 0.005 in seed 0's fit without), and the PSD
        distance fell from 0.072 and 0.061 to 0.035 and 0.057.
    noise_falls_above : float or None, default=None
        With ``synthesis="components"``, the frequency, in cycles over the
        curve, above which the noise filter's gain falls or stays flat; None
        leaves it free at every frequency, and the dense generator ignores
        it. Granulation and photon noise fall or stay flat with frequency,
        and the synthesiser draws rotation apart; a free gain gave each
        sample small bumps and dips that real curves lack, and with
        ``standardise_output`` the top spectral bands alone told samples from
        real curves (0.30 on 3,000 curves, in one fit). Set it above the
        frequencies where your stars' noise has bumps of its own, such as red
        giants' oscillations. On the simulator, with the user guide's closest
        setting (torch on one thread), 64 scored 0.093, 0.142, 0.087 and
        0.093 (seeds 0 to 3; on 3,000 held-out curves 0.184, 0.203, 0.138
        and 0.151), against 0.171 on average without (0.259 on 3,000
        curves); 8 scored 0.073, 0.145, 0.085 and 0.085 (0.141, 0.161,
        0.162 and 0.191 on 3,000 curves), and 0.080 in the benchmark's fit
        (0.130 after a change that only moved the synthesiser's rounding).
    generator_hidden : tuple of int, default=(512, 1024, 1024)
        Widths of the generator's hidden layers; (256, 256) suffices for
        ``synthesis="components"``, whose network sets about 120 numbers.
    noise_head : bool, default=True
        Let the generator add white noise of learnt amplitude to each curve,
        so that its dense layers learn only the correlated variability; False
        is the prototype's plain generator.
    upsample : int, default=8
        The generator's last dense layer gives one value every ``upsample``
        points, joined by straight lines, so that the dense layers make the
        smooth variability and the noise head the point-to-point noise (a
        dense layer that sets every point itself starts by filling the curve
        with white noise it must then learn to cancel); it also cuts the
        multiply-adds of sampling a 3197-point curve from 4.9 M to 2.0 M.
        1 is the prototype's output.
    coloured_noise : bool, default=False
        The noise head filters its white noise with a gain per frequency band
        that the generator sets for each curve (DDSP's filtered noise, Engel
        et al. 2020), so that a sample's noise can be red, white or peaked at
        a rotation period. Needs ``noise_head``. It costs an FFT per curve:
        11,900 samples/s against the default's 19,600 in one benchmark run.
    spectral_weight : float, default=0.0
        Weight, in the generator's loss, of the kernel MMD between the log
        power spectra (the lowest 64 frequency bins one by one, then
        log-spaced bands: 111 in all for 3197 points) of each generated
        batch and of the step's real batch: a moment-matching term (Li et al.
        2015) for the noise colour, which a Wasserstein critic under its
        gradient penalty barely sees. 0 trains on the critic alone.
    critic_hidden : tuple of int, default=(64, 64)
        Widths of the critic's stacked LSTMs; (256, 256, 128) is the
        prototype's.
    critic_dropout : float, default=0.0
        Dropout in the critic (the prototype's 0.3 with ``loss="bce"``).
    critic_spectrum : bool, default=False
        The critic also reads each pack's log power spectra through dense
        layers beside its LSTMs. In one run with ``synthesis="components"``
        it took the PSD distance from 0.23 to 0.09.
    curve_quantiles : bool, default=False
        The critic's spectrum branch and the spectral loss also read 11
        quantiles (0 to 100 %) of each curve's steps, its first differences:
        the white noise's level and the tallest spikes, which the spectrum
        averages away. Needs ``critic_spectrum`` or ``spectral_weight``.
    minibatch_std : bool, default=True
        Show the critic how varied each batch is (Karras et al. 2018), against
        a generator collapsing to one curve; False is the prototype's critic.
    pack : int, default=4
        Curves the critic judges together (PacGAN, Lin et al. 2018): it scores
        packs of ``pack`` real or ``pack`` generated curves, so a generator
        that draws one curve again and again is easy to catch. Trained 60
        epochs on 980 curves, samples' mean correlation fell from 0.89
        (``pack=1``, mode collapse) to 0.49; the critic also runs a quarter
        as many sequences. Must not exceed ``batch_size`` or the number of
        training curves; 1 is the prototype's one curve at a time.
    patch_size : int, default=64
        Points per step of the critic's sequence: 64 cuts a 3197-point curve
        into 50 steps of about 31 hours. Halving the steps of the LSTMs that
        run one step after another took an epoch over 5,000 curves from
        15-19 s (``patch_size=32``) to about 8 s on two AVX2 cores.
    loss : {"wgan-gp", "bce"}, default="wgan-gp"
        Wasserstein loss with gradient penalty, or binary cross-entropy.
    gp_weight : float, default=10.0
        Weight of the gradient penalty.
    gp_interval : int, default=4
        Critic steps between gradient penalties (lazy regularisation); 1
        applies it at every step as in the original WGAN-GP.
    n_critic : int, default=2
        Critic updates per generator update.
    label_smoothing : float, default=0.9
        Target for real curves with ``loss="bce"`` (1.0 disables).
    lr : float, default=2e-4
        Adam learning rate of the generator.
    critic_lr : float or None, default=None
        Adam learning rate of the critic; None uses ``2 * lr`` (the two
        time-scale rule of Heusel et al. 2017).
    batch_size : int, default=64
        Curves per step.
    max_epochs : int, default=30
        Passes over the training curves.
    transit_injector : TransitInjector or None, default=None
        Injects batman transits into the samples drawn as planet hosts.
    planet_label : int or str, default=1
        The label of planet hosts in ``y`` (and in ``sample(y=...)``).
    checkpoint_dir : str or None, default=None
        If set, the state is written there after every epoch (atomically),
        and ``fit`` resumes from a checkpoint it finds there.
    device : str, default="cpu"
        Where the networks train, e.g. ``"cuda"``.
    sample_precision : {"float32", "bfloat16"}, default="float32"
        Arithmetic of the generator in ``sample`` (training is always
        float32). "bfloat16" runs it under :func:`torch.autocast`: about three
        times faster on a CPU with bfloat16 instructions (measured with
        AVX512-BF16 and ``upsample=1``, whose dense layers weigh more; AMX and
        GPUs have them too), eight to ten times slower on one without
        (measured on an AVX2-only CPU); samples differ from float32 ones by
        about 0.5 % of a curve's scatter.
    verbose : int, default=0
        0 is silent; 1 shows a progress bar over epochs.
    random_state : int, RandomState instance or None, default=None
        Seed for the weights, batches and noise.

    Attributes
    ----------
    generator_ : torch.nn.Module
        The trained generator.
    critic_ : torch.nn.Module
        The trained critic.
    history_ : list of dict
        One dict per epoch: ``epoch``, ``critic_loss``, ``generator_loss``,
        ``wasserstein`` (WGAN-GP), ``spectral_mmd`` (only with
        ``spectral_weight``), each a mean over the epoch's steps of its
        network, and ``seconds``.
    classes_ : ndarray or None
        The labels seen in ``fit``; None for an unconditional generator.
    levels_, scales_ : ndarray of shape (n_curves,)
        Each training curve's median and robust scatter, drawn from in
        ``sample``.
    n_features_in_ : int
        Points per curve.

    See Also
    --------
    TransitInjector : The transits added to planet-host samples.
    sklearn_lcgan.metrics.discriminative_score : A realism measure.

    References
    ----------
    .. [1] Goodfellow, I. et al. (2014), "Generative Adversarial Nets", NeurIPS.
    .. [2] Gulrajani, I. et al. (2017), "Improved Training of Wasserstein
       GANs", NeurIPS.
    .. [3] Engel, J. et al. (2020), "DDSP: Differentiable Digital Signal
       Processing", ICLR.
    .. [4] Li, Y., Swersky, K. and Zemel, R. (2015), "Generative Moment
       Matching Networks", ICML.

    Examples
    --------
    >>> from sklearn_lcgan import TransitCurveGenerator, make_kepler_like
    >>> X, _ = make_kepler_like(64, n_points=256, planet_fraction=0.0, random_state=0)
    >>> gan = TransitCurveGenerator(max_epochs=2, generator_hidden=(64,),
    ...                             random_state=0).fit(X)
    >>> gan.sample(5, random_state=0).shape
    (5, 256)
    """

    _parameter_constraints = {
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "synthesis": [StrOptions({"dense", "components"})],
        "rotation_cycles": [tuple, list],
        "thruster_period": [Interval(Real, 2, None, closed="left"), None],
        "max_spike_height": [Interval(Real, 1, None, closed="left"), None],
        "standardise_output": ["boolean"],
        "noise_falls_above": [Interval(Real, 0, None, closed="left"), None],
        "generator_hidden": [tuple, list],
        "noise_head": ["boolean"],
        "upsample": [Interval(Integral, 1, None, closed="left")],
        "coloured_noise": ["boolean"],
        "spectral_weight": [Interval(Real, 0, None, closed="left")],
        "critic_hidden": [tuple, list],
        "critic_dropout": [Interval(Real, 0, 1, closed="left")],
        "critic_spectrum": ["boolean"],
        "curve_quantiles": ["boolean"],
        "minibatch_std": ["boolean"],
        "pack": [Interval(Integral, 1, None, closed="left")],
        "patch_size": [Interval(Integral, 1, None, closed="left")],
        "loss": [StrOptions({"wgan-gp", "bce"})],
        "gp_weight": [Interval(Real, 0, None, closed="left")],
        "gp_interval": [Interval(Integral, 1, None, closed="left")],
        "n_critic": [Interval(Integral, 1, None, closed="left")],
        "label_smoothing": [Interval(Real, 0, 1, closed="right")],
        "lr": [Interval(Real, 0, 10, closed="right")],
        "critic_lr": [Interval(Real, 0, 10, closed="right"), None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "transit_injector": [TransitInjector, None],
        "planet_label": "no_validation",
        "checkpoint_dir": [str, os.PathLike, None],
        "device": [str, torch.device],
        "sample_precision": [StrOptions({"float32", "bfloat16"})],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        latent_dim=100,
        synthesis="dense",
        rotation_cycles=(0.5, 150.0),
        thruster_period=None,
        max_spike_height=None,
        standardise_output=False,
        noise_falls_above=None,
        generator_hidden=(512, 1024, 1024),
        noise_head=True,
        upsample=8,
        coloured_noise=False,
        spectral_weight=0.0,
        critic_hidden=(64, 64),
        critic_dropout=0.0,
        critic_spectrum=False,
        curve_quantiles=False,
        minibatch_std=True,
        pack=4,
        patch_size=64,
        loss="wgan-gp",
        gp_weight=10.0,
        gp_interval=4,
        n_critic=2,
        label_smoothing=0.9,
        lr=2e-4,
        critic_lr=None,
        batch_size=64,
        max_epochs=30,
        transit_injector=None,
        planet_label=1,
        checkpoint_dir=None,
        device="cpu",
        sample_precision="float32",
        verbose=0,
        random_state=None,
    ):
        self.latent_dim = latent_dim
        self.synthesis = synthesis
        self.rotation_cycles = rotation_cycles
        self.thruster_period = thruster_period
        self.max_spike_height = max_spike_height
        self.standardise_output = standardise_output
        self.noise_falls_above = noise_falls_above
        self.generator_hidden = generator_hidden
        self.noise_head = noise_head
        self.upsample = upsample
        self.coloured_noise = coloured_noise
        self.spectral_weight = spectral_weight
        self.critic_hidden = critic_hidden
        self.critic_dropout = critic_dropout
        self.critic_spectrum = critic_spectrum
        self.curve_quantiles = curve_quantiles
        self.minibatch_std = minibatch_std
        self.pack = pack
        self.patch_size = patch_size
        self.loss = loss
        self.gp_weight = gp_weight
        self.gp_interval = gp_interval
        self.n_critic = n_critic
        self.label_smoothing = label_smoothing
        self.lr = lr
        self.critic_lr = critic_lr
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.transit_injector = transit_injector
        self.planet_label = planet_label
        self.checkpoint_dir = checkpoint_dir
        self.device = device
        self.sample_precision = sample_precision
        self.verbose = verbose
        self.random_state = random_state

    # -- fitting -----------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the GAN on light curves.

        Parameters
        ----------
        X : array-like of shape (n_curves, n_points)
            Training curves, any units; no NaN (fill gaps with GapFiller).
        y : array-like of shape (n_curves,), default=None
            Labels for a conditional generator; None for an unconditional one.

        Returns
        -------
        self : TransitCurveGenerator
            The fitted generator.
        """
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        if X.shape[1] < 2:
            raise ValueError(
                f"Found array with {X.shape[1]} feature(s); curves need at least "
                "2 points."
            )
        if y is None:
            self.classes_ = None
            codes = np.zeros(len(X), dtype=np.int64)
        else:
            y = np.asarray(y)
            if y.shape != (len(X),):
                raise ValueError(
                    f"y must hold one label per curve ({len(X)}), got shape {y.shape}."
                )
            encoder = LabelEncoder().fit(y)
            self.classes_ = encoder.classes_
            codes = encoder.transform(y)
        if self.synthesis == "components":
            _check_rotation_cycles(self.rotation_cycles)
        if self.curve_quantiles and not (self.critic_spectrum or self.spectral_weight):
            raise ValueError(
                "curve_quantiles=True adds quantiles to what the critic's spectrum "
                "branch and the spectral loss read, but neither is on; set "
                "critic_spectrum=True or spectral_weight > 0, or curve_quantiles=False."
            )
        if self.synthesis == "dense" and self.coloured_noise and not self.noise_head:
            raise ValueError(
                "coloured_noise=True filters the noise head's noise, but "
                "noise_head=False; set noise_head=True or coloured_noise=False."
            )
        if self.pack > min(len(X), self.batch_size):
            raise ValueError(
                f"pack={self.pack} needs at least {self.pack} curves per batch, but "
                f"batch_size={self.batch_size} and X has {len(X)} curves; lower "
                "pack or give more curves."
            )
        levels, scales = _nan_robust_scale(X)
        scales = np.where(scales > 0, scales, 1.0)
        self.levels_, self.scales_ = levels[:, 0], scales[:, 0]
        self.train_codes_ = codes
        with np.errstate(over="ignore"):  # overflow is reported just below
            Z = ((X - levels) / scales).astype(np.float32)
        overflow = ~np.isfinite(Z).all(axis=1)
        if overflow.any():
            raise ValueError(
                f"curve {int(np.flatnonzero(overflow)[0])} spans more than float32 "
                "holds once scaled by its scatter; clip its outliers first "
                "(OutlierClipper) or drop it."
            )
        # Samples are mapped back in float32: keep level + 1000 scatters inside it.
        too_large = np.abs(levels[:, 0]) + 1e3 * scales[:, 0] > _FLOAT32_SAFE
        if too_large.any():
            raise ValueError(
                f"curve {int(np.flatnonzero(too_large)[0])} has flux beyond float32 "
                f"(about {_FLOAT32_SAFE:.0e}); divide the flux by a constant first."
            )

        seed = int_seed(self.random_state)
        device = torch.device(self.device)
        n_classes = 0 if self.classes_ is None else len(self.classes_)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self._build_networks(X.shape[1], n_classes, device)
            betas = (0.0, 0.9) if self.loss == "wgan-gp" else (0.5, 0.999)
            self._opt_g = torch.optim.Adam(
                self.generator_.parameters(), self.lr, betas=betas
            )
            critic_lr = 2 * self.lr if self.critic_lr is None else self.critic_lr
            self._opt_d = torch.optim.Adam(
                self.critic_.parameters(), critic_lr, betas=betas
            )
            self.history_ = []
            self._critic_steps = 0
            self._resume()
            self._train(Z, codes, seed, device)
        return self

    def _build_networks(self, n_points, n_classes, device):
        """Untrained networks for these settings (also used to load models)."""
        if self.synthesis == "components":
            generator = ComponentGenerator(
                n_points,
                self.latent_dim,
                tuple(self.generator_hidden),
                n_classes,
                cycles=tuple(float(c) for c in self.rotation_cycles),
                max_spike_height=self.max_spike_height,
                thruster_period=self.thruster_period,
                noise_falls_above=self.noise_falls_above,
            )
        else:
            generator = FCGenerator(
                n_points,
                self.latent_dim,
                tuple(self.generator_hidden),
                n_classes,
                self.noise_head,
                self.upsample,
                self.coloured_noise,
            )
        self.generator_ = generator.to(device)
        self.critic_ = PatchLSTMCritic(
            self.patch_size,
            tuple(self.critic_hidden),
            self.critic_dropout,
            n_classes,
            self.minibatch_std,
            self.pack,
            n_points if self.critic_spectrum else None,
            self.curve_quantiles,
        ).to(device)
        self._spectrum = None
        if self.spectral_weight:
            self._spectrum = CurveSummary(n_points, self.curve_quantiles).to(device)

    def _train(self, Z, codes, seed, device):
        rng = np.random.default_rng(seed)
        data = torch.from_numpy(Z).to(device)
        labels = torch.from_numpy(codes).to(device)
        conditional = self.classes_ is not None
        # The critic's spectrum branch and the spectral loss read the same
        # summaries of the real curves, which do not change: computed once,
        # not in every step (the quantiles' sort costs more than anything but
        # the LSTMs).
        summaries = None
        summarise = self.critic_.summary
        if summarise is None:
            summarise = self._spectrum
        if summarise is not None:
            with torch.no_grad():
                summaries = torch.cat([summarise(chunk) for chunk in data.split(1024)])
        epochs = range(len(self.history_), self.max_epochs)
        bar = tqdm(epochs, desc="GAN epochs", disable=not self.verbose)
        for epoch in bar:
            start = time.perf_counter()
            good = self._state()
            sums = {"critic_loss": 0.0, "generator_loss": 0.0, "wasserstein": 0.0}
            if self.spectral_weight:
                sums["spectral_mmd"] = 0.0
            order = rng.permutation(len(Z))
            n_batches = max(1, len(Z) // self.batch_size)
            try:
                for b in range(n_batches):
                    rows = torch.from_numpy(
                        order[b * self.batch_size : (b + 1) * self.batch_size]
                    )
                    real, lab = data[rows], labels[rows] if conditional else None
                    summary = None if summaries is None else summaries[rows]
                    d_loss, gap = self._critic_step(real, lab, summary)
                    sums["critic_loss"] += d_loss
                    sums["wasserstein"] += gap
                    if b % self.n_critic == 0:
                        g_loss, spectral = self._generator_step(real, lab, summary)
                        sums["generator_loss"] += g_loss
                        if self.spectral_weight:
                            sums["spectral_mmd"] += spectral
            except KeyboardInterrupt:
                # As skorch does: stop, keep a usable model, say so.
                self._load_state(good)
                warnings.warn(
                    f"GAN training interrupted in epoch {epoch + 1}; the weights "
                    f"after epoch {epoch} are kept.",
                    UserWarning,
                    stacklevel=3,
                )
                return
            # Means per step: the generator steps once every n_critic batches.
            n_generator = len(range(0, n_batches, self.n_critic))
            n_steps = {
                "critic_loss": n_batches,
                "wasserstein": n_batches,
                "generator_loss": n_generator,
                "spectral_mmd": n_generator,
            }
            record = {k: v / n_steps[k] for k, v in sums.items()}
            if not all(np.isfinite(v) for v in record.values()):
                self._load_state(good)
                hint = " or use loss='wgan-gp'" if self.loss == "bce" else ""
                raise FloatingPointError(
                    f"GAN training diverged at epoch {epoch + 1} (loss is NaN or "
                    f"infinite); the weights of epoch {epoch} are kept. Lower lr "
                    f"(now {self.lr}) or gp_weight (now {self.gp_weight}){hint}."
                )
            record.update(epoch=epoch + 1, seconds=time.perf_counter() - start)
            self.history_.append(record)
            bar.set_postfix(
                critic=f"{record['critic_loss']:.3g}",
                gen=f"{record['generator_loss']:.3g}",
            )
            self._save_checkpoint()

    def _noise(self, n, device, generator=None):
        """Latent vectors plus the generator's own random draws."""
        width = self.latent_dim + self.generator_.n_random
        return torch.randn(n, width, generator=generator, device=device)

    def _generate(self, z, labels=None, white=None):
        """The generator's float32 curves, on the training curves' scale if
        ``standardise_output``."""
        curves = self.generator_(z, labels, white).float()
        if self.standardise_output:
            curves = robust_standardise(curves)
        return curves

    def _critic_step(self, real, labels, real_summary):
        """One critic update; ``real_summary`` is the real batch's
        ``CurveSummary`` (None if neither the critic nor the loss reads it)."""
        fake = self._generate(self._noise(len(real), real.device), labels).detach()
        real_score = self.critic_(real, labels, real_summary)
        fake_score = self.critic_(fake, labels)
        if self.loss == "wgan-gp":
            gap = real_score.mean() - fake_score.mean()
            loss = -gap
            # Lazy regularisation (Karras et al. 2020): the penalty's double
            # backward through the LSTM is the costliest step, so it runs every
            # gp_interval steps with its weight scaled to match.
            self._critic_steps += 1
            if self._critic_steps % self.gp_interval == 0:
                penalty = self._gradient_penalty(real, fake, labels)
                loss = loss + self.gp_weight * self.gp_interval * penalty
        else:
            target = torch.full_like(real_score, float(self.label_smoothing))
            bce = torch.nn.functional.binary_cross_entropy_with_logits
            loss = bce(real_score, target) + bce(
                fake_score, torch.zeros_like(fake_score)
            )
            gap = real_score.mean() - fake_score.mean()
        self._opt_d.zero_grad()
        loss.backward()
        self._opt_d.step()
        return loss.item(), gap.item()

    def _gradient_penalty(self, real, fake, labels):
        # One mixing weight and one gradient norm per pack the critic scores.
        n_packs = len(real) // self.pack
        real, fake = real[: n_packs * self.pack], fake[: n_packs * self.pack]
        alpha = torch.rand(n_packs, 1, device=real.device)
        alpha = alpha.repeat_interleave(self.pack, dim=0)
        mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
        score = self.critic_(mixed, labels)
        (grad,) = torch.autograd.grad(score.sum(), mixed, create_graph=True)
        return ((grad.reshape(n_packs, -1).norm(dim=1) - 1.0) ** 2).mean()

    def _generator_step(self, real, labels, real_summary):
        """One generator update; ``real_summary`` as in ``_critic_step``."""
        fake = self._generate(self._noise(len(real), real.device), labels)
        score = self.critic_(fake, labels)
        if self.loss == "wgan-gp":
            loss = -score.mean()
        else:
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                score, torch.ones_like(score)
            )
        spectral = torch.zeros(())
        if self.spectral_weight:
            spectral = rbf_mmd(self._spectrum(fake), real_summary)
            loss = loss + self.spectral_weight * spectral
        self._opt_g.zero_grad()
        loss.backward()
        self._opt_g.step()
        return loss.item(), spectral.item()

    # -- state and checkpoints ----------------------------------------------------
    def _state(self):
        return {
            "generator": copy.deepcopy(self.generator_.state_dict()),
            "critic": copy.deepcopy(self.critic_.state_dict()),
            "opt_g": copy.deepcopy(self._opt_g.state_dict()),
            "opt_d": copy.deepcopy(self._opt_d.state_dict()),
            "history": copy.deepcopy(self.history_),
        }

    def _load_state(self, state):
        self.generator_.load_state_dict(state["generator"])
        self.critic_.load_state_dict(state["critic"])
        self._opt_g.load_state_dict(state["opt_g"])
        self._opt_d.load_state_dict(state["opt_d"])
        self.history_ = list(state["history"])

    def _save_checkpoint(self):
        if self.checkpoint_dir is None:
            return
        os.makedirs(self.checkpoint_dir, exist_ok=True)
        path = os.path.join(self.checkpoint_dir, _CHECKPOINT)
        partial = path + ".partial"
        torch.save(self._state(), partial)
        os.replace(partial, path)  # a crash never leaves half a checkpoint

    def _resume(self):
        if self.checkpoint_dir is None:
            return
        path = os.path.join(self.checkpoint_dir, _CHECKPOINT)
        if not os.path.exists(path):
            return
        try:
            state = torch.load(path, weights_only=True)
            self._load_state(state)
        except (RuntimeError, KeyError, ValueError, EOFError) as exc:
            raise ValueError(
                f"The checkpoint {path} does not fit this generator (different "
                f"data or settings, or a damaged file): {exc}. Delete it or "
                "choose another checkpoint_dir."
            ) from None

    def __getstate__(self):
        state = self.__dict__.copy()
        for name in ("generator_", "critic_", "_spectrum"):
            if state.get(name) is not None:
                state[name] = state[name].cpu()
        # Networks change between versions: a pickle says whose they are.
        state["_model_format"] = FORMAT
        return state

    def __setstate__(self, state):
        found = state.pop("_model_format", None)
        if "generator_" in state and found != FORMAT:
            when = (
                "an earlier version, before pickles recorded their model format"
                if found is None
                else f"model format {found}"
            )
            raise ValueError(
                f"This fitted TransitCurveGenerator was pickled with {when}; this "
                f"version of sklearn-lcgan reads model format {FORMAT}. Unpickle "
                "it with the version that pickled it, or refit."
            )
        super().__setstate__(state)

    # -- sampling -------------------------------------------------------------------
    def sample(self, n_samples=1, *, y=None, random_state=None, return_params=False):
        """Draw new curves in the training units.

        Parameters
        ----------
        n_samples : int, default=1
            Number of curves.
        y : label, array-like of shape (n_samples,) or None, default=None
            Class of each sample. For a conditional generator None draws
            classes in their training proportions; for an unconditional one
            ``y`` may mark samples ``planet_label`` to get an injected transit.
        random_state : int, RandomState instance or None, default=None
            Seed; the same seed gives the same curves.
        return_params : bool, default=False
            Also return the injected planets' parameters.

        Returns
        -------
        X : ndarray of shape (n_samples, n_points)
            Generated curves, float64.
        y : ndarray of shape (n_samples,)
            Their labels; only for a conditional generator or given ``y``.
        params : pandas.DataFrame
            Only if ``return_params``: one row per injected curve, indexed by
            its row in ``X``.
        """
        check_is_fitted(self)
        if self.sample_precision not in ("float32", "bfloat16"):
            raise ValueError(
                "sample_precision must be 'float32' or 'bfloat16', got "
                f"{self.sample_precision!r}."
            )
        if not (isinstance(n_samples, Integral) and n_samples >= 1):
            raise ValueError(f"n_samples must be a positive int, got {n_samples!r}.")
        rng = check_random_state(random_state)
        labels, codes = self._sample_labels(n_samples, y, rng)
        # Each sample takes the level and scale of a training curve of its class.
        source = np.empty(n_samples, dtype=np.int64)
        for code in np.unique(codes):
            pool = np.arange(len(self.train_codes_))
            if self.classes_ is not None:
                pool = np.flatnonzero(self.train_codes_ == code)
            members = np.flatnonzero(codes == code)
            source[members] = rng.choice(pool, size=len(members))
        device = next(self.generator_.parameters()).device
        # Chunks of even size (5,000 curves: 10 of 500, not 9 of 512 and one
        # of 392), each drawn from its own seed: a seed gives the same curves
        # however many threads share the chunks.
        n_chunks = -(-n_samples // _SAMPLE_CHUNK)
        size = -(-n_samples // n_chunks)
        seeds = rng.randint(2**31 - 1, size=n_chunks)
        # float32 is exact enough for the level and scale (7 digits against
        # noise of 1e-4 relative at best) and faster to map back.
        levels = self.levels_.astype(np.float32)[source, None]
        scales = self.scales_.astype(np.float32)[source, None]
        X = np.empty((n_samples, self.n_features_in_))
        rows = [slice(start, start + size) for start in range(0, n_samples, size)]
        chunks = [
            (X[part], codes[part], levels[part], scales[part], seed)
            for part, seed in zip(rows, seeds, strict=True)
        ]
        self.generator_.eval()
        try:
            if device.type == "cpu":
                self._sample_on_threads(chunks, size)
            else:
                buffers = self._sample_buffers(size, device)
                for chunk in chunks:
                    self._sample_chunk(*chunk, buffers)
        finally:
            self.generator_.train()

        params = pd.DataFrame()
        if labels is not None and self.transit_injector is not None:
            hosts = np.flatnonzero(labels == self.planet_label)
            if hosts.size:
                injector = clone(self.transit_injector).set_params(
                    random_state=int(rng.randint(2**31 - 1))
                )
                injector.fit(X[hosts])
                X[hosts], params = injector.inject(
                    X[hosts], injector.draw_params(X[hosts]), return_params=True
                )
                params.index = hosts
        out = (X,) if labels is None else (X, labels)
        if return_params:
            out = (*out, params)
        return out[0] if len(out) == 1 else out

    def _sample_on_threads(self, chunks, size):
        """Sample ``chunks`` on as many threads as torch uses, each thread
        drawing, generating and mapping back whole chunks with torch on one
        core.

        One chunk per core at a time uses the cores better than torch's
        threads sharing each operation: the draws (torch's are serial) and the
        map back, numpy's, need no threads of torch's, and after each of
        torch's parallel operations an OpenMP thread spins for milliseconds.
        """
        n_threads = torch.get_num_threads()
        local = threading.local()

        def sample_chunk(chunk):
            if not hasattr(local, "buffers"):
                # This thread's own count (OpenMP's is per thread): the
                # calling thread keeps its own.
                torch.set_num_threads(1)
                local.buffers = self._sample_buffers(size, torch.device("cpu"))
            self._sample_chunk(*chunk, local.buffers)

        try:
            with ThreadPoolExecutor(n_threads) as threads:
                # list() waits for every chunk and raises the first error.
                list(threads.map(sample_chunk, chunks))
        finally:
            # torch.set_num_threads also sets the count that threads started
            # later take: put back the caller's.
            torch.set_num_threads(n_threads)

    def _sample_buffers(self, size, device):
        """Reusable buffers for a chunk's latent and noise draws."""
        return (
            _buffer((size, self.latent_dim + self.generator_.n_random), device),
            _buffer(
                (size, *self.generator_.white_shape),
                device,
                self.generator_.white_dtype,
            ),
        )

    def _sample_chunk(self, out, codes, level, scale, seed, buffers):
        """Draw one chunk of curves from ``seed`` and write them into ``out``
        in the training units; ``buffers`` from :meth:`_sample_buffers`."""
        device = buffers[0].device
        generator = torch.Generator(device=device).manual_seed(int(seed))
        z, white = (part[: len(out)].normal_(generator=generator) for part in buffers)
        code = None
        if self.classes_ is not None:
            code = torch.from_numpy(codes).to(device)
        low_precision = torch.autocast(
            device.type,
            dtype=torch.bfloat16,
            enabled=self.sample_precision == "bfloat16",
        )
        # Both are per thread, so each chunk's thread enters them.
        with torch.no_grad(), low_precision:
            if device.type == "cpu":
                curves = self.generator_(z, code, white).float()
                _to_training_units(
                    curves.numpy(), level, scale, out, self.standardise_output
                )
            else:
                curves = self._generate(z, code, white)
                level, scale = torch.as_tensor(level), torch.as_tensor(scale)
                mapped = torch.addcmul(level.to(device), curves, scale.to(device))
                out[...] = mapped.cpu().numpy()

    def _sample_labels(self, n_samples, y, rng):
        """Labels and class codes of the samples to draw."""
        if self.classes_ is None:
            codes = np.zeros(n_samples, dtype=np.int64)
            if y is None:
                return None, codes
            labels = np.broadcast_to(np.asarray(y), (n_samples,)).copy()
            return labels, codes
        if y is None:
            freq = np.bincount(self.train_codes_, minlength=len(self.classes_))
            codes = rng.choice(len(self.classes_), size=n_samples, p=freq / freq.sum())
        else:
            labels = np.broadcast_to(np.asarray(y), (n_samples,))
            unknown = ~np.isin(labels, self.classes_)
            if unknown.any():
                raise ValueError(
                    f"y holds {labels[unknown][0]!r}, not a class seen in fit "
                    f"({self.classes_.tolist()})."
                )
            codes = np.searchsorted(self.classes_, labels)
        return self.classes_[codes], codes

    def score(self, X, y=None):
        """Realism of the generator against ``X``: minus the MMD (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_curves, n_points)
            Held-out real curves.
        y : None
            Ignored.

        Returns
        -------
        score : float
            ``-mmd(samples, X)`` with as many samples as curves, drawn with a
            fixed seed so that scores are comparable.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        samples = self.sample(max(len(X), 2), random_state=0)
        if isinstance(samples, tuple):
            samples = samples[0]
        return -mmd(samples, X if len(X) > 1 else np.vstack([X, X]))
