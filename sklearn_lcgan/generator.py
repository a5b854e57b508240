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
from ._gan_training import adversarial_net
from ._random import int_seed
from ._robust import nan_centre_scale
from ._two_sample import curve_mmd
from ._version import MODEL_FORMAT
from .injection import TransitInjector
from .nn import ComponentGenerator, FCGenerator, PatchLSTMCritic
from .nn.spectral import knot_log_gains

_FLOAT32_SAFE = float(np.finfo(np.float32).max) / 10

# The settings routed by prefix, as skorch routes module__ and optimizer__,
# with each generator's defaults: "components" is the best measured setting,
# "dense" the prototype's network as the package first measured it.
_CRITIC = {
    "hidden_sizes": (64, 64),
    "dropout": 0.0,
    "patch_size": 64,
    "pack": 4,
    "minibatch_std": True,
}
_LOSS = {"gp_weight": 10.0, "gp_interval": 4, "label_smoothing": 0.9}
_DEFAULTS = {
    "components": {
        "generator": {
            "latent_dim": 100,
            "hidden_sizes": (256, 256),
            "standardise_output": True,
        },
        "critic": {**_CRITIC, "spectrum": True, "quantiles": True},
        "loss": {**_LOSS, "spectral_weight": 100.0},
    },
    "dense": {
        "generator": {
            "latent_dim": 100,
            "hidden_sizes": (512, 1024, 1024),
            "standardise_output": False,
            "noise_head": True,
            "upsample": 8,
            "coloured_noise": False,
        },
        "critic": {**_CRITIC, "spectrum": False, "quantiles": False},
        "loss": {**_LOSS, "spectral_weight": 0.0},
    },
}
# The most training curves whose noise spectra the component generator keeps.
_MAX_STARS = 4096
_ADAM_SETTINGS = {"lr", "betas", "eps", "weight_decay", "amsgrad"}
_GROUPS = ("generator", "critic", "loss", "optimizer", "critic_optimizer")
_PREFIX_HINT = (
    "the networks', the loss's and the optimisers' settings take a prefix: "
    f"{', '.join(group + '__' for group in _GROUPS)} (e.g. optimizer__lr)."
)


def _is_routed(name):
    """Whether ``name`` is a routed setting, such as ``optimizer__lr``."""
    return name.partition("__")[0] in _GROUPS and "__" in name


class TransitCurveGenerator(BaseEstimator):
    """A generative adversarial network of light curves, in sklearn's style.

    ``fit`` trains a GAN on curves normalised one by one (median 0, unit
    robust scatter); ``sample`` draws new curves and maps them back to the
    training units with a (level, scale) pair drawn from the training curves,
    as :meth:`sklearn.neighbors.KernelDensity.sample` draws from a fitted
    density; ``score`` is minus the MMD between fresh samples and ``X``
    (higher is better), so :class:`~sklearn.model_selection.GridSearchCV`
    ranks settings without a custom scorer.

    The default generator's network sets the sizes of a star's parts
    (rotation, drift, filtered noise, cosmic-ray spikes, steps, decaying
    flares, a thruster sawtooth where the training curves show one), drawn
    at random periods, phases and places, so that no pattern sits at fixed
    times (DDSP, Engel et al. 2020); the ranges those draws span are
    estimated in ``fit`` from the training curves. ``generator="dense"`` is
    the prototype's fully connected network (latent 100 -> 512 -> 1024 ->
    1024, LeakyReLU 0.2, one value every eighth point joined by straight
    lines, white noise of learnt amplitude on top) with the settings it was
    first measured with. The critic reads the curve
    as a sequence of patches with stacked LSTMs and, by default, its power
    spectrum and step quantiles. Training uses the Wasserstein loss with
    gradient penalty (Gulrajani et al. 2017) by default, or the prototype's
    non-saturating loss with one-sided label smoothing. With ``y`` at fit
    time both networks get a label embedding and ``sample(y=...)`` draws a
    chosen class. A GAN learns the noise but not faint periodic dips: give a
    ``transit_injector`` and the planet-host samples get real batman
    transits. ``benchmarks/RESULTS.md`` holds the measured realism.

    The networks, the loss and the two Adam optimisers take their settings by
    prefix, as skorch's ``module__`` and ``optimizer__`` do; each is listed
    under Parameters and left at its default unless given.

    Parameters
    ----------
    generator : {"components", "dense"}, default="components"
        What the generator's network makes: the sizes of a star's parts,
        which a synthesiser adds up (:class:`sklearn_lcgan.nn.ComponentGenerator`),
        or the curve's points from dense layers (the prototype's network,
        :class:`sklearn_lcgan.nn.FCGenerator`). Each sets the defaults of the
        routed settings below.
    loss : {"wgan-gp", "bce"}, default="wgan-gp"
        Wasserstein loss with gradient penalty, or binary cross-entropy.
    n_critic : int, default=2
        Critic updates per generator update.
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
        instructions and much slower on those without; samples then differ
        from float32 ones by a few percent of their scatter.
    verbose : int, default=0
        0 is silent; 1 shows skorch's progress bar over each epoch's batches
        and its table of each epoch's losses.
    random_state : int, RandomState instance or None, default=None
        Seed for the weights, batches and noise.
    generator__latent_dim : int, default=100
        Size of the generator's noise vector.
    generator__hidden_sizes : tuple of int, default=(256, 256)
        Widths of the generator's hidden layers; (512, 1024, 1024) for
        ``generator="dense"``.
    generator__standardise_output : bool, default=True
        Put each generated curve on the training curves' scale (less its
        median, over its robust scatter) before the critic sees it and before
        ``sample`` maps it back, so that a sample's scatter is exactly a
        training curve's; False for ``generator="dense"``.
    generator__noise_head, generator__upsample, generator__coloured_noise
        Only for ``generator="dense"`` (True, 8 and False): white noise of
        learnt amplitude on top, one value every ``upsample`` points, and
        that noise filtered by a gain per frequency band
        (:class:`~sklearn_lcgan.nn.FCGenerator`).
    critic__hidden_sizes : tuple of int, default=(64, 64)
        Widths of the critic's stacked LSTMs; (256, 256, 128) is the
        prototype's.
    critic__dropout : float, default=0.0
        Dropout in the critic (the prototype's 0.3 with ``loss="bce"``).
    critic__patch_size : int, default=64
        Points per step of the critic's sequence.
    critic__pack : int, default=4
        Curves the critic judges together (PacGAN, Lin et al. 2018), so that
        a generator that draws one curve again and again is easy to catch.
        At most ``batch_size`` and the number of training curves.
    critic__minibatch_std : bool, default=True
        Show the critic how varied each batch is (Karras et al. 2018).
    critic__spectrum : bool, default=True
        The critic also reads each pack's log power spectra through dense
        layers beside its LSTMs; False for ``generator="dense"``.
    critic__quantiles : bool, default=True
        The critic's spectrum branch and the spectral loss also read 11
        quantiles of each curve's steps: the white noise's level and the
        tallest spikes, which a spectrum averages away; False for
        ``generator="dense"``.
    loss__spectral_weight : float, default=100.0
        Weight, in the generator's loss, of the kernel MMD between the
        summaries (log power spectra, and quantiles) of each generated batch
        and of the step's real batch: a moment-matching term (Li et al. 2015)
        for the noise colour, which a Wasserstein critic under its gradient
        penalty barely sees; 0 for ``generator="dense"``.
    loss__gp_weight : float, default=10.0
        Weight of the gradient penalty.
    loss__gp_interval : int, default=4
        Critic steps between gradient penalties (lazy regularisation); 1
        applies it at every step as in the original WGAN-GP.
    loss__label_smoothing : float, default=0.9
        Target for real curves with ``loss="bce"`` (1.0 disables).
    optimizer__lr : float, default=2e-4
        The generator's Adam learning rate; ``optimizer__betas``,
        ``optimizer__eps``, ``optimizer__weight_decay`` and
        ``optimizer__amsgrad`` pass to :class:`torch.optim.Adam` too (betas
        (0, 0.9) with "wgan-gp", (0.5, 0.999) with "bce").
    critic_optimizer__lr : float, default=2 * optimizer__lr
        The critic's (the two time-scale rule of Heusel et al. 2017); the
        other ``critic_optimizer__`` settings default to the generator's.

    Attributes
    ----------
    generator_ : torch.nn.Module
        The trained generator.
    critic_ : torch.nn.Module
        The trained critic.
    history_ : skorch.history.History
        skorch's history of the training loop, one dict per epoch:
        ``epoch``, ``critic_loss``, ``generator_loss``, ``wasserstein`` (the
        critic's mean score gap between real and generated curves),
        ``spectral_mmd`` (only with ``loss__spectral_weight``), each a mean
        over the epoch's steps of its network, ``dur`` in seconds, and
        ``batches``, each step's values; ``history_[:, "critic_loss"]``
        reads a column.
    classes_ : ndarray or None
        The labels seen in ``fit``; None for an unconditional generator.
    rotation_cycles_ : (float, float) or None
        The range of rotation frequencies, in cycles over the curve, from
        which each sample's is drawn log-uniformly, estimated from the
        training curves' strongest slow frequencies; None for the dense
        generator.
    thruster_period_ : float or None
        The mean number of cadences between the resets of the sawtooth
        systematic (such as K2's roll correction every 5.9 hours), found as a
        peak of the training curves' mean spectrum; None where there is no
        such peak, and for the dense generator.
    max_spike_height_ : float or None
        The tallest a spike may stand, in units of a sample's white noise:
        the training curves' tallest single-cadence rises (99th percentile),
        with a fifth to spare; None for the dense generator.
    events_ : dict or None
        The training curves' spikes, flares and outliers, which the
        synthesiser's are (not trained): ``events_["spikes"]`` and
        ``events_["flares"]`` each hold the mean count per curve (``rate``),
        the median and spread of their log heights in units of the white
        noise (``log_height``, ``log_spread``), and for flares the median log
        e-folding time in cadences (``log_decay``); rises beyond 6 robust
        sigma of a curve's changes from its recent level count, less as many
        drops of that length (noise makes both). ``events_["outliers"]``
        holds 64 quantiles of how many outliers a curve has (``counts``;
        points beyond 3.5 robust sigma from their neighbours' mean, past
        what its own noise tails put there) and 64 of their log sizes
        (``log_heights``). None for the dense generator.
    noise_spectra_ : ndarray of shape (n_stars, n_knots) or None
        The training curves' own noise spectra, one row per curve (at most
        4,096, evenly spread): log gains at the noise filter's knots. Each
        sample draws one, so the samples' spectra differ from star to star
        as the training curves' do; None for the dense generator.
    noise_tails_ : ndarray of shape (n_stars,) or None
        How heavy the same curves' noise tails are, each one's Tukey h (0 for
        Gaussian noise, up to 0.45, about Student's t of 2.5 degrees of
        freedom), which the sample that draws its spectrum takes; None for
        the dense generator.
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
    >>> gan = TransitCurveGenerator(max_epochs=2, generator__hidden_sizes=(64,),
    ...                             random_state=0).fit(X)
    >>> samples, labels = gan.sample(5, random_state=0)
    >>> samples.shape
    (5, 256)
    """

    _parameter_constraints = {
        "generator": [StrOptions(set(_DEFAULTS))],
        "loss": [StrOptions({"wgan-gp", "bce"})],
        "n_critic": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "transit_injector": [TransitInjector, None],
        "planet_label": "no_validation",
        "checkpoint_dir": [str, os.PathLike, None],
        "device": [str, torch.device],
        "sample_precision": [StrOptions({"float32", "bfloat16"})],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
        # The routed settings, checked when given.
        "generator__latent_dim": [Interval(Integral, 1, None, closed="left")],
        "generator__hidden_sizes": [tuple, list],
        "generator__standardise_output": ["boolean"],
        "generator__noise_head": ["boolean"],
        "generator__upsample": [Interval(Integral, 1, None, closed="left")],
        "generator__coloured_noise": ["boolean"],
        "critic__hidden_sizes": [tuple, list],
        "critic__dropout": [Interval(Real, 0, 1, closed="left")],
        "critic__patch_size": [Interval(Integral, 1, None, closed="left")],
        "critic__pack": [Interval(Integral, 1, None, closed="left")],
        "critic__minibatch_std": ["boolean"],
        "critic__spectrum": ["boolean"],
        "critic__quantiles": ["boolean"],
        "loss__spectral_weight": [Interval(Real, 0, None, closed="left")],
        "loss__gp_weight": [Interval(Real, 0, None, closed="left")],
        "loss__gp_interval": [Interval(Integral, 1, None, closed="left")],
        "loss__label_smoothing": [Interval(Real, 0, 1, closed="right")],
        "optimizer__lr": [Interval(Real, 0, 10, closed="right")],
        "critic_optimizer__lr": [Interval(Real, 0, 10, closed="right")],
    }

    def __init__(
        self,
        *,
        generator="components",
        loss="wgan-gp",
        n_critic=2,
        batch_size=64,
        max_epochs=30,
        transit_injector=None,
        planet_label=1,
        checkpoint_dir=None,
        device="cpu",
        sample_precision="float32",
        verbose=0,
        random_state=None,
        **kwargs,
    ):
        self.generator = generator
        self.loss = loss
        self.n_critic = n_critic
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.transit_injector = transit_injector
        self.planet_label = planet_label
        self.checkpoint_dir = checkpoint_dir
        self.device = device
        self.sample_precision = sample_precision
        self.verbose = verbose
        self.random_state = random_state
        # Stored as they come and checked in fit, as skorch does.
        vars(self).update(kwargs)

    def get_params(self, deep=True):
        """Parameters of this generator, the routed ``prefix__`` ones included.

        Parameters
        ----------
        deep : bool, default=True
            Also return the ``transit_injector``'s parameters.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        params = super().get_params(deep=deep)
        # As skorch's: the public attributes that are not fitted ones are
        # keyword arguments of __init__ or set_params.
        params.update(
            (name, value)
            for name, value in vars(self).items()
            if not (name.startswith("_") or name.endswith("_") or name in params)
        )
        return params

    def set_params(self, **params):
        """Set parameters, the routed ``prefix__`` ones included.

        Parameters
        ----------
        **params : dict
            Parameter names mapped to their new values.

        Returns
        -------
        self : TransitCurveGenerator
            This generator.
        """
        for name in [name for name in params if _is_routed(name)]:
            setattr(self, name, params.pop(name))
        valid = self.get_params(deep=True)
        unknown = sorted(name for name in params if name not in valid)
        if unknown and "__" not in unknown[0]:
            raise ValueError(
                f"Invalid parameter {unknown[0]!r} for TransitCurveGenerator; "
                f"{_PREFIX_HINT}"
            )
        return super().set_params(**params)

    def _routed(self, group):
        """The settings of one routed group, its defaults filled in.

        Parameters
        ----------
        group : {"generator", "critic", "loss", "optimizer", "critic_optimizer"}
            Whose settings.

        Returns
        -------
        params : dict
            The group's settings without their prefix: the defaults of
            ``self.generator`` (and ``self.loss``, for the optimisers), then
            what was given.
        """
        prefix = f"{group}__"
        given = {
            name.removeprefix(prefix): value
            for name, value in vars(self).items()
            if name.startswith(prefix)
        }
        if group == "optimizer":
            betas = (0.0, 0.9) if self.loss == "wgan-gp" else (0.5, 0.999)
            defaults = {"lr": 2e-4, "betas": betas}
        elif group == "critic_optimizer":
            defaults = self._routed("optimizer")
            defaults["lr"] *= 2
        else:
            defaults = _DEFAULTS[self.generator][group]
        allowed = _ADAM_SETTINGS if group.endswith("optimizer") else set(defaults)
        unknown = sorted(set(given) - allowed)
        if unknown:
            raise ValueError(
                f"{prefix}{unknown[0]} is not a setting of the {group} with "
                f"generator={self.generator!r}; it takes "
                f"{', '.join(prefix + name for name in sorted(allowed))}."
            )
        return {**defaults, **given}

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
            net = adversarial_net(self, len(Z))
            self.history_ = net.history_
            net.resume()
            data = {"curves": Z}
            summaries = net.summarise(torch.from_numpy(Z).to(device))
            if summaries is not None:
                data["summaries"] = summaries.cpu()
            remaining = self.max_epochs - len(self.history_)
            if remaining > 0:
                net.partial_fit(data, codes, epochs=remaining)
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
        """The synthesiser's ranges, estimated from the curves (None for the
        dense generator, which has no such parts)."""
        for name in (
            "rotation_cycles",
            "thruster_period",
            "max_spike_height",
            "events",
        ):
            value = None
            if self.generator == "components":
                value = getattr(_curve_shape, name)(Z)
            setattr(self, f"{name}_", value)
        # Each of at most _MAX_STARS evenly spread curves' own noise filter:
        # each sample draws one, so the samples' spectra vary from star to
        # star as the training curves' do.
        self.noise_spectra_ = self.noise_tails_ = None
        if self.generator == "components":
            stars = Z[:: -(-len(Z) // _MAX_STARS)]
            self.noise_spectra_ = knot_log_gains(stars)
            self.noise_tails_ = _curve_shape.noise_tails(stars)
        if self.rotation_cycles_ is not None:
            self.rotation_cycles_ = tuple(float(c) for c in self.rotation_cycles_)

    def _check_settings(self, n_curves):
        """Refuse routed settings that are unknown, contradict each other or
        the data."""
        unexpected = sorted(
            name
            for name in self.get_params(deep=False)
            if name not in self._get_param_names() and not _is_routed(name)
        )
        if unexpected:
            raise TypeError(
                f"TransitCurveGenerator() got an unexpected keyword argument "
                f"{unexpected[0]!r}; {_PREFIX_HINT}"
            )
        generator, critic, loss = (
            self._routed(group) for group in ("generator", "critic", "loss")
        )
        self._routed("critic_optimizer")  # the optimizer's too
        if critic["quantiles"] and not (critic["spectrum"] or loss["spectral_weight"]):
            raise ValueError(
                "critic__quantiles=True adds quantiles to what the critic's spectrum "
                "branch and the spectral loss read, but neither is on; set "
                "critic__spectrum=True or loss__spectral_weight > 0, or "
                "critic__quantiles=False."
            )
        if generator.get("coloured_noise") and not generator.get("noise_head"):
            raise ValueError(
                "generator__coloured_noise=True filters the noise head's noise, but "
                "generator__noise_head=False; set one or the other."
            )
        pack = critic["pack"]
        if pack > min(n_curves, self.batch_size):
            raise ValueError(
                f"critic__pack={pack} needs at least {pack} curves per batch, but "
                f"batch_size={self.batch_size} and X has {n_curves} curves; lower "
                "critic__pack or give more curves."
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
        settings = self._routed("generator")
        settings["hidden_sizes"] = tuple(settings["hidden_sizes"])
        if self.generator == "components":
            generator = ComponentGenerator(
                n_points,
                n_classes=n_classes,
                cycles=self.rotation_cycles_,
                max_spike_height=self.max_spike_height_,
                thruster_period=self.thruster_period_,
                spikes=self.events_["spikes"],
                flares=self.events_["flares"],
                outliers=self.events_["outliers"],
                noise_spectra=self.noise_spectra_,
                noise_tails=self.noise_tails_,
                **settings,
            )
        else:
            generator = FCGenerator(n_points, n_classes=n_classes, **settings)
        critic = self._routed("critic")
        device = torch.device(self.device)
        self.generator_ = generator.to(device)
        self.critic_ = PatchLSTMCritic(
            critic["patch_size"],
            tuple(critic["hidden_sizes"]),
            critic["dropout"],
            n_classes,
            critic["minibatch_std"],
            critic["pack"],
            n_points if critic["spectrum"] else None,
            critic["quantiles"],
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
