"""TransitCurveGenerator: a GAN of light curves with batman transits on top."""

from __future__ import annotations

import os
import warnings
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, _fit_context, clone
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _curve_shape, _gan_sampling
from ._gan_training import GANTraining
from ._random import int_seed
from ._robust import nan_centre_scale
from ._two_sample import curve_mmd
from ._validation import check_positive_range
from ._version import MODEL_FORMAT
from .injection import TransitInjector
from .nn import ComponentGenerator, FCGenerator, PatchLSTMCritic

_FLOAT32_SAFE = float(np.finfo(np.float32).max) / 10


class TransitCurveGenerator(BaseEstimator):
    """A generative adversarial network of light curves, in sklearn's style.

    ``fit`` trains a GAN on curves normalised one by one (median 0, unit
    robust scatter); ``sample`` draws new curves and maps them back to the
    training units with a (level, scale) pair drawn from the training curves,
    as :meth:`sklearn.neighbors.KernelDensity.sample` draws from a fitted
    density; ``score`` is minus the MMD between fresh samples and ``X``
    (higher is better), so :class:`~sklearn.model_selection.GridSearchCV`
    ranks settings without a custom scorer.

    The default generator is the prototype's fully connected network (latent
    100 -> 512 -> 1024 -> 1024 -> n_points, LeakyReLU 0.2), whose last layer
    sets every eighth point, joined by straight lines, with white noise of
    learnt amplitude on top. With ``synthesis="components"`` the network
    instead sets the sizes of a star's parts (rotation, drift, filtered
    noise, cosmic-ray spikes, optionally a thruster sawtooth), drawn at random
    periods, phases and places, so that no pattern sits at fixed times (DDSP,
    Engel et al. 2020). The critic reads the curve as a sequence of patches
    with stacked LSTMs. Training uses the Wasserstein loss with gradient
    penalty (Gulrajani et al. 2017) by default, or the prototype's
    non-saturating loss with one-sided label smoothing. With ``y`` at fit
    time both networks get a label embedding and ``sample(y=...)`` draws a
    chosen class. A GAN learns the noise but not faint periodic dips: give a
    ``transit_injector`` and the planet-host samples get real batman
    transits. ``benchmarks/RESULTS.md`` holds the measured realism of each
    setting.

    Parameters
    ----------
    latent_dim : int, default=100
        Size of the generator's noise vector.
    synthesis : {"dense", "components"}, default="dense"
        What the generator's network makes: the curve's points from dense
        layers (the prototype's network, shaped by ``noise_head``,
        ``upsample`` and ``coloured_noise``), or the sizes of a star's parts,
        which a synthesiser adds up (:class:`sklearn_lcgan.nn.ComponentGenerator`).
    rotation_cycles : "auto" or (float, float), default="auto"
        With ``synthesis="components"``, the range of rotation frequencies,
        in cycles over the curve, from which each sample's is drawn
        log-uniformly: the network can shrink a rotation whose frequency no
        star has, but not perfectly. "auto" estimates it in ``fit`` from the
        training curves' strongest slow frequencies.
    thruster_period : "auto", float or None, default="auto"
        With ``synthesis="components"``, the mean number of cadences between
        the resets of a sawtooth systematic, such as K2's roll correction
        every 5.9 hours (12.0 long cadences); None adds none. The firings
        drift from a strict period by a learnt random walk. "auto" finds it
        in ``fit`` as a peak of the training curves' mean spectrum, or adds
        none if there is no such peak.
    max_spike_height : "auto", float or None, default="auto"
        With ``synthesis="components"``, the tallest a spike may stand, in
        units of the sample's white noise (log-normal heights have a long
        tail); None sets no limit. "auto" takes the tallest single-cadence
        rise of the training curves (99th percentile), with a fifth to spare.
    standardise_output : bool, default=False
        Put each generated curve on the training curves' scale (less its
        median, over its robust scatter) before the critic sees it and before
        ``sample`` maps it back, so that a sample's scatter is exactly a
        training curve's.
    noise_falls_above : float or None, default=None
        With ``synthesis="components"``, the frequency, in cycles over the
        curve, above which the noise filter's gain falls or stays flat, as
        granulation and photon noise do; None leaves it free.
    generator_hidden : tuple of int, default=(512, 1024, 1024)
        Widths of the generator's hidden layers.
    noise_head : bool, default=True
        Let the dense generator add white noise of learnt amplitude to each
        curve, so that its dense layers learn only the correlated
        variability; False is the prototype's plain generator.
    upsample : int, default=8
        The dense generator's last layer gives one value every ``upsample``
        points, joined by straight lines, so that the dense layers make the
        smooth variability and the noise head the point-to-point noise; 1 is
        the prototype's output.
    coloured_noise : bool, default=False
        The noise head filters its white noise with a gain per frequency band
        that the generator sets for each curve (DDSP's filtered noise), so
        that a sample's noise can be red, white or peaked. Needs
        ``noise_head``.
    spectral_weight : float, default=0.0
        Weight, in the generator's loss, of the kernel MMD between the log
        power spectra of each generated batch and of the step's real batch: a
        moment-matching term (Li et al. 2015) for the noise colour, which a
        Wasserstein critic under its gradient penalty barely sees.
    critic_hidden : tuple of int, default=(64, 64)
        Widths of the critic's stacked LSTMs; (256, 256, 128) is the
        prototype's.
    critic_dropout : float, default=0.0
        Dropout in the critic (the prototype's 0.3 with ``loss="bce"``).
    critic_spectrum : bool, default=False
        The critic also reads each pack's log power spectra through dense
        layers beside its LSTMs.
    curve_quantiles : bool, default=False
        The critic's spectrum branch and the spectral loss also read 11
        quantiles of each curve's steps: the white noise's level and the
        tallest spikes, which a spectrum averages away. Needs
        ``critic_spectrum`` or ``spectral_weight``.
    minibatch_std : bool, default=True
        Show the critic how varied each batch is (Karras et al. 2018), against
        a generator collapsing to one curve.
    pack : int, default=4
        Curves the critic judges together (PacGAN, Lin et al. 2018), so that a
        generator that draws one curve again and again is easy to catch. At
        most ``batch_size`` and the number of training curves.
    patch_size : int, default=64
        Points per step of the critic's sequence.
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
        float32): "bfloat16" is faster on processors with bfloat16
        instructions and much slower on those without; samples differ from
        float32 ones by about 0.5 % of a curve's scatter.
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
    rotation_cycles_, thruster_period_, max_spike_height_
        The component synthesiser's ranges in use: the parameters, or their
        estimates from the training curves where they are "auto".
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
    >>> samples, labels = gan.sample(5, random_state=0)
    >>> samples.shape
    (5, 256)
    """

    _parameter_constraints = {
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "synthesis": [StrOptions({"dense", "components"})],
        "rotation_cycles": [StrOptions({"auto"}), tuple, list],
        "thruster_period": [
            StrOptions({"auto"}),
            Interval(Real, 2, None, closed="left"),
            None,
        ],
        "max_spike_height": [
            StrOptions({"auto"}),
            Interval(Real, 1, None, closed="left"),
            None,
        ],
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
        rotation_cycles="auto",
        thruster_period="auto",
        max_spike_height="auto",
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
        X = validate_data(
            self, X, dtype=np.float64, ensure_min_samples=2, ensure_all_finite=False
        )
        if X.shape[1] < 2:
            raise ValueError(
                f"Found array with {X.shape[1]} feature(s); curves need at least "
                "2 points."
            )
        self._check_curves(X)
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
        self._check_settings(len(X))
        levels, scales = nan_centre_scale(X)
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
        self._estimate_ranges(Z)

        seed = int_seed(self.random_state)
        device = torch.device(self.device)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.initialize()
            training = GANTraining(self, device)
            self.history_ = []
            training.resume()
            training.run(Z, codes, seed, device)
        return self

    def _check_curves(self, X):
        """Refuse curves a GAN cannot learn from, naming the first and the fix."""
        gaps = ~np.isfinite(X).all(axis=1)
        if gaps.any():
            k = int(np.flatnonzero(gaps)[0])
            what = "has no finite flux" if not np.isfinite(X[k]).any() else "has gaps"
            raise ValueError(
                f"curve {k} {what} (NaN or inf; {int(gaps.sum())} such curves); "
                "fill gaps with preprocessing.GapFiller first, and drop curves "
                "without flux."
            )
        constant = np.ptp(X, axis=1) == 0
        if constant.all():
            raise ValueError(
                "every curve is constant: there is no noise to learn; give curves "
                "with flux that varies."
            )
        if constant.any():
            warnings.warn(
                f"curve {int(np.flatnonzero(constant)[0])} is constant "
                f"({int(constant.sum())} such curves); the generator learns to draw "
                "flat curves too. Drop them.",
                UserWarning,
                stacklevel=3,
            )
        if len(X) < self.batch_size:
            # As MLPClassifier does: clip the batch, and say so.
            warnings.warn(
                f"X has {len(X)} curves, fewer than batch_size={self.batch_size}; "
                f"each step takes all {len(X)}. Lower batch_size to silence this.",
                UserWarning,
                stacklevel=3,
            )

    def _estimate_ranges(self, Z):
        """The synthesiser's ranges: as given, or estimated from the curves
        (None for the dense generator, which has no such parts)."""
        for name in ("rotation_cycles", "thruster_period", "max_spike_height"):
            value = getattr(self, name)
            if self.synthesis != "components":
                value = None
            elif isinstance(value, str):  # "auto"
                value = getattr(_curve_shape, name)(Z)
            setattr(self, f"{name}_", value)
        if self.rotation_cycles_ is not None:
            self.rotation_cycles_ = tuple(float(c) for c in self.rotation_cycles_)

    def _check_settings(self, n_curves):
        """Refuse settings that contradict each other or the data."""
        if self.synthesis == "components" and not isinstance(self.rotation_cycles, str):
            check_positive_range(
                "rotation_cycles",
                self.rotation_cycles,
                example="rotation_cycles=(0.5, 150.0), in cycles over the curve",
                allow_number=False,
            )
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
        if self.pack > min(n_curves, self.batch_size):
            raise ValueError(
                f"pack={self.pack} needs at least {self.pack} curves per batch, but "
                f"batch_size={self.batch_size} and X has {n_curves} curves; lower "
                "pack or give more curves."
            )

    def initialize(self):
        """Build untrained networks for ``n_features_in_`` and ``classes_``.

        ``fit`` calls it before training, and :func:`~sklearn_lcgan.load_model`
        before it loads the saved weights, as skorch's ``initialize`` does.

        Returns
        -------
        self : TransitCurveGenerator
            With fresh ``generator_`` and ``critic_``.
        """
        n_points = self.n_features_in_
        n_classes = 0 if self.classes_ is None else len(self.classes_)
        if self.synthesis == "components":
            generator = ComponentGenerator(
                n_points,
                self.latent_dim,
                tuple(self.generator_hidden),
                n_classes,
                cycles=self.rotation_cycles_,
                max_spike_height=self.max_spike_height_,
                thruster_period=self.thruster_period_,
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
        device = torch.device(self.device)
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
        return self

    def __getstate__(self):
        state = self.__dict__.copy()
        for name in ("generator_", "critic_"):
            if state.get(name) is not None:
                state[name] = state[name].cpu()
        # Networks change between versions: a pickle says whose they are.
        state["_model_format"] = MODEL_FORMAT
        return state

    def __setstate__(self, state):
        found = state.pop("_model_format", None)
        if "generator_" in state and found != MODEL_FORMAT:
            when = (
                "an earlier version, before pickles recorded their model format"
                if found is None
                else f"model format {found}"
            )
            raise ValueError(
                f"This fitted TransitCurveGenerator was pickled with {when}; this "
                f"version of sklearn-lcgan reads model format {MODEL_FORMAT}. "
                "Unpickle it with the version that pickled it, or refit."
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
            ``y`` may mark samples ``planet_label`` to get an injected
            transit, and None labels every sample 0 (a star as trained,
            without a planet).
        random_state : int, RandomState instance or None, default=None
            Seed; the same seed gives the same curves.
        return_params : bool, default=False
            Also return the injected planets' parameters.

        Returns
        -------
        X : ndarray of shape (n_samples, n_points)
            Generated curves, float64.
        y : ndarray of shape (n_samples,)
            Their labels.
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
        # Chunks of even size, each drawn from its own seed.
        n_chunks = -(-n_samples // _gan_sampling.SAMPLE_CHUNK)
        seeds = rng.randint(2**31 - 1, size=n_chunks)
        # float32 is exact enough for the level and scale (7 digits against
        # noise of 1e-4 relative at best) and faster to map back.
        levels = self.levels_.astype(np.float32)[source, None]
        scales = self.scales_.astype(np.float32)[source, None]
        X = np.empty((n_samples, self.n_features_in_))
        _gan_sampling.draw_curves(self, codes, levels, scales, seeds, X)

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
        if labels is None:
            labels = np.zeros(n_samples, dtype=np.int64)
        return (X, labels, params) if return_params else (X, labels)

    def _sample_labels(self, n_samples, y, rng):
        """Labels and class codes of the samples to draw."""
        if self.classes_ is None:
            codes = np.zeros(n_samples, dtype=np.int64)
            if y is None:
                return None, codes
            labels = np.broadcast_to(np.asarray(y), (n_samples,)).copy()
            hosts = labels == self.planet_label
            others = labels[~hosts]
            if others.size and not (others == 0).all():
                raise ValueError(
                    f"y holds {others[others != 0][0]!r}: this generator was fitted "
                    f"without labels, so y may mark only planet hosts "
                    f"({self.planet_label!r}) and stars without planets (0); fit "
                    "it with y to draw other classes."
                )
            if hosts.any() and self.transit_injector is None:
                raise ValueError(
                    f"y asks for planet hosts ({self.planet_label!r}), but this "
                    "generator, fitted without labels, has no transit_injector to "
                    "give them transits; set transit_injector=TransitInjector() "
                    "(no refit needed)."
                )
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
            Minus the unbiased squared MMD (Gaussian kernel, pooled median
            width) between ``X`` and as many samples as curves, each curve
            standardised, the samples drawn with a fixed seed so that scores
            are comparable.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        samples, _ = self.sample(max(len(X), 2), random_state=0)
        real = X if len(X) > 1 else np.vstack([X, X])
        return -curve_mmd(samples, real)
