"""Generators of light curves: latent vectors to curves ``(batch, n_points)``."""

from __future__ import annotations

import math

import numpy as np
import torch
from numpy.polynomial.legendre import legder, legval
from torch import nn

from .layers import leaky_stack
from .spectral import (
    add_noise_filter,
    filter_log_gain,
    filtered_noise,
    knot_bins,
    spectrum_shape,
    star_rows,
)


class FCGenerator(nn.Module):
    """The prototype's generator: latent -> 512 -> 1024 -> 1024 -> n_points.

    Fully connected layers with LeakyReLU(0.2). With ``n_classes`` the latent
    vector is concatenated with a learnt label embedding (conditional GAN).
    With ``noise_head`` a second output sets, per curve, the amplitude of
    fresh white noise added to the fully connected output (as StyleGAN adds
    noise): the dense layers then only learn the correlated part of a star's
    variability, and the photon noise comes out white by construction.
    With ``upsample`` above 1 the last layer sets only knots joined by
    straight lines, so that the dense part is smooth from the start. With
    ``coloured_noise`` the noise head sets a whole filter instead of one
    amplitude: a gain per frequency band (:func:`band_interpolation`'s
    knots), through which the white noise passes, as DDSP's filtered-noise
    synthesiser does (Engel et al. 2020). Each curve then gets random noise
    with a power spectrum of its own: granulation's red slope, a rotation
    peak, the white floor.

    Parameters
    ----------
    n_points : int
        Length of the generated curves.
    latent_dim : int, default=100
        Size of the noise vector.
    hidden_sizes : tuple of int, default=(512, 1024, 1024)
        Widths of the hidden layers.
    n_classes : int, default=0
        Number of classes to condition on; 0 for an unconditional generator.
    noise_head : bool, default=True
        Add learnt-amplitude white noise to the output.
    upsample : int, default=1
        The last layer gives one value every ``upsample`` points (and at both
        ends), joined by straight lines; 1 is the prototype's output of every
        point.
    coloured_noise : bool, default=False
        Filter the noise head's white noise with a gain per frequency band
        that the generator sets for each curve; needs ``noise_head``.
    standardise_output : bool, default=False
        Whether whoever reads the curves puts each on the training curves'
        scale first, as for :class:`ComponentGenerator`.

    Attributes
    ----------
    n_random : int
        Standard normal columns it reads beyond the latent vector: 0.
    white_shape : tuple of int
        Shape of one curve's standard normal noise, ``forward``'s ``white``:
        ``(n_points,)``, or with ``coloured_noise`` its spectrum,
        ``(fft_length // 2 + 1,)``.
    white_dtype : torch.dtype
        Its dtype: float32, or complex64 for the spectrum.
    """

    # Standard normal draws it takes beyond the latent vector (see ComponentGenerator).
    n_random = 0

    def __init__(
        self,
        n_points,
        latent_dim=100,
        hidden_sizes=(512, 1024, 1024),
        n_classes=0,
        noise_head=True,
        upsample=1,
        coloured_noise=False,
        standardise_output=False,
    ):
        super().__init__()
        self.n_points = n_points
        self.latent_dim = latent_dim
        self.standardise_output = standardise_output
        # Knots at both ends and about every `upsample` points in between.
        self.n_knots = min(n_points, -(-(n_points - 1) // upsample) + 1)
        self.embedding = nn.Embedding(n_classes, latent_dim) if n_classes else None
        sizes = (latent_dim * (2 if n_classes else 1), *hidden_sizes)
        self.body = leaky_stack(sizes)
        self.out = nn.Linear(sizes[-1], self.n_knots)
        self.noise_scale = self.noise_gain = None
        if noise_head and coloured_noise:
            add_noise_filter(self, n_points, sizes[-1])
        elif noise_head:
            self.noise_scale = nn.Linear(sizes[-1], 1)

    @property
    def white_shape(self):
        # A property, not an attribute, so that pickles of an earlier layout
        # take this one: the noise in time, or its spectrum for the filter.
        if self.noise_gain is not None:
            return spectrum_shape(self.fft_length)
        return (self.n_points,)

    @property
    def white_dtype(self):
        return torch.float32 if self.noise_gain is None else torch.complex64

    def forward(self, z, labels=None, white=None):
        """Curves from latent vectors ``z``; ``white`` is the standard normal
        noise for the noise head (drawn from torch's generator if None; with
        ``coloured_noise``, overwritten under :func:`torch.no_grad`)."""
        if self.embedding is not None:
            z = torch.cat([z, self.embedding(labels)], dim=1)
        hidden = self.body(z)
        curves = self.out(hidden)
        if curves.shape[1] != self.n_points:
            curves = nn.functional.interpolate(
                curves[:, None, :], self.n_points, mode="linear", align_corners=True
            )[:, 0]
        if self.noise_scale is None and self.noise_gain is None:
            return curves
        if white is None:
            white = torch.randn(
                len(z), *self.white_shape, dtype=self.white_dtype, device=z.device
            )
        if self.noise_gain is not None:
            noise = filtered_noise(
                filter_log_gain(self, hidden),
                white,
                self.copied_knots,
                self.knot_mixing,
                self.fft_length,
            )
            return curves + noise[:, : self.n_points].to(curves.dtype)
        amplitude = nn.functional.softplus(self.noise_scale(hidden))
        return torch.addcmul(curves, amplitude, white)  # one pass, not two


# About the points per block of ComponentGenerator's separable synthesis:
# _block_size takes the nearest divisor of the noise's FFT length.
_BLOCK = 64
# Curves per share of ComponentGenerator's sawtooth (see _add_sawtooth_).
_SAWTOOTH_ROWS = 256
# Cadences over which ComponentGenerator's flares decay.
_FLARE_WINDOW = 64
# Outliers before fit estimates them: none.
_OUTLIERS = {"counts": [0.0], "log_heights": [0.0]}
# Spikes and flares before fit estimates them: every slot filled, two noise
# levels high (near a star without them), flares two cadences long.
_EVENTS = {
    "rate": None,
    "log_height": np.log(2.0),
    "log_spread": 1.5,
    "log_decay": np.log(2.0),
}


def _between_quantiles(quantiles, uniform):
    """Values at ``uniform`` (in [0, 1]) of the distribution with evenly
    spaced ``quantiles``, linear between them."""
    at = uniform * (len(quantiles) - 1)
    low = at.long().clamp(0, max(len(quantiles) - 2, 0))
    high = (low + 1).clamp_max(len(quantiles) - 1)
    weight = (at - low).clamp(0.0, 1.0)
    return quantiles[low] * (1 - weight) + quantiles[high] * weight


def _block_size(length):
    """The divisor of ``length`` closest to ``_BLOCK`` (by ratio): blocks that
    tile the noise's buffer, so that the smooth parts are added to it in place
    by one batched product."""
    divisors = [d for d in range(1, length + 1) if length % d == 0]
    return min(divisors, key=lambda d: abs(math.log(d / _BLOCK)))


def _chance(rate, slots):
    """The chance that each of ``slots`` is there, for ``rate`` of them per
    curve on average (None: every one)."""
    if rate is None:
        return 1.0
    return float(np.clip(rate / max(slots, 1), 0.0, 1.0))


def _log_uniform(u, bounds):
    """Uniform draws ``u`` in [0, 1] mapped log-uniformly onto ``bounds``."""
    low, high = bounds
    return low * (high / low) ** u


class ComponentGenerator(nn.Module):
    """A light curve built from a star's parts, whose sizes a network sets.

    DDSP's idea (Engel et al. 2020) for light curves: instead of setting
    every point, the network sets the parameters of a synthesiser whose parts
    are the ones astronomers fit to stars:

    - rotation: a sinusoid and its first harmonic, each of its own size,
      modulated by a slow sinusoidal envelope of learnt depth (spots evolve);
    - drift: Legendre polynomials of degree 1 to 3;
    - filtered noise (:func:`filtered_noise`): granulation, pointing
      systematics and photon noise, with a gain per frequency band; a star
      with heavy-tailed noise has most of its white noise as Tukey's h noise
      (``g exp(h g^2 / 2)`` for standard normal ``g``, over its standard
      deviation) of the same power, its h the training star's;
    - spikes: single-cadence outliers such as cosmic-ray hits, of log-normal
      heights in units of the curve's white noise, each slot there by
      chance, so that some curves have tall spikes and many none, as real
      curves do; their rate and heights are the training curves' (``spikes``),
      not trained; ``max_spike_height`` caps them;
    - steps: jumps of the level at random times, such as K2's momentum
      dumps leave, whose sizes are normal with a scale the network sets per
      curve (in units of the white noise), so the level between them is a
      random walk;
    - flares: a jump that decays exponentially, of log-normal height (in
      units of the white noise) and log-normal e-folding time in cadences,
      each slot there by chance; their rate, heights and decays are the
      training curves' (``flares``), not trained;
    - outliers of either sign, the heavy tails of a star's noise: each
      curve draws how many it has from the training curves' counts, so that
      a Gaussian star has none and a heavy-tailed one many, of log-normal
      sizes in units of the white noise; counts and sizes are the training
      curves' (``outliers``), not trained;
    - optionally, a sawtooth reset at a spacecraft's regular firings, such as
      K2's roll correction every 5.9 hours: it rises through each interval
      and drops at the firing, with a curvature and a log-normal size that
      the network sets; the firings drift from a strict period by a random
      walk whose step, a learnt fraction of the period, starts at 2 %.

    What a star does not choose is drawn, not learnt: the rotation and
    envelope frequencies (log-uniform in ``cycles`` and ``envelope_cycles``),
    the three phases, the drift's Gaussian coefficients (the network sets
    their scale), the spikes' positions and their heights' log-normal draws,
    the sawtooth's phase, size draw and the firings' lateness, the steps'
    times and sizes, the flares' times, heights and decays, the outliers'
    times, signs and sizes, and whether each spike and flare is there.
    So no sample has a pattern at a fixed time, which a dense generator's last
    layer gives all its samples alike. The network sees the drawn
    frequencies, so a size may depend on them. The draws come from
    ``n_random`` standard normal columns appended to the latent vector.

    Parameters
    ----------
    n_points : int
        Length of the generated curves.
    latent_dim : int, default=100
        Size of the noise vector the network reads.
    hidden_sizes : tuple of int, default=(256, 256)
        Widths of the network's hidden layers.
    n_classes : int, default=0
        Number of classes to condition on; 0 for an unconditional generator.
    cycles : (float, float), default=(0.5, 150.0)
        Range of the rotation frequency in cycles over the curve (periods of
        0.43 to 130 days over a 65-day K2 campaign).
    envelope_cycles : (float, float), default=(0.3, 3.0)
        Range of the envelope's frequency in cycles over the curve.
    max_envelope_depth : float, default=0.5
        Largest relative change of the rotation's amplitude.
    n_spikes : int, default=3
        Spike slots per curve.
    max_spike_height : float or None, default=None
        The tallest a spike, flare or outlier may stand, in units of the
        curve's white noise; None for no limit.
    thruster_period : float or None, default=None
        Points between the sawtooth's resets on average; None for no sawtooth.
    n_steps : int, default=16
        Steps per curve; the network sets their scale and can make them
        vanish.
    n_flares : int, default=4
        Flare slots per curve.
    n_outliers : int, default=64
        Outlier slots per curve, the most a curve can have.
    spikes, flares : dict or None, default=None
        The spikes and the flares, as the training curves show them:
        ``rate``, their mean count per curve (the chance of each slot is that
        over the slots);
        ``log_height`` and ``log_spread``, the median and spread of their log
        heights in units of the white noise; for flares ``log_decay``, the
        median log e-folding time in cadences. Missing keys, or None: every
        slot filled, two noise levels high (spread 1.5), two cadences long.
    outliers : dict or None, default=None
        The outliers, as the training curves show them: ``counts``, how many
        a curve has, evenly spaced quantiles over the training curves, one
        drawn per curve (each slot is there with that count over the slots);
        ``log_heights``, evenly spaced quantiles of their log sizes in units
        of the white noise, between which each outlier's is drawn. None: no
        outliers.
    noise_spectra : array-like of shape (n_stars, n_knots) or None, default=None
        The training curves' own noise spectra, log gains at the noise
        filter's knots (:func:`~sklearn_lcgan.nn.spectral.knot_log_gains`);
        each curve draws one row and the network changes it. None: flat,
        white noise of half the curves' scatter.
    noise_tails : array-like of shape (n_stars,) or None, default=None
        The same stars' noise tails, each one's Tukey h in [0, 0.45] (0 for
        Gaussian noise), which the curve that draws the star's spectrum
        takes. None: Gaussian noise.
    standardise_output : bool, default=False
        Whether whoever reads the curves puts each on the training curves'
        scale (less its median, over its robust scatter) first:
        TransitCurveGenerator does, in training and, faster, when sampling.
        ``forward``'s curves are never rescaled.

    Attributes
    ----------
    n_random : int
        Standard normal columns it reads beyond the latent vector:
        ``8 + 2 * n_spikes``, plus ``2 + n_firings`` with a sawtooth, then
        ``2 * n_steps + 3 * n_flares + 3 * n_outliers + 1``, then
        ``n_spikes + n_flares``, then 1 for the drawn noise spectrum.
    n_firings : int
        Intervals drawn per curve, one every ``knot_spacing`` points (0
        without a sawtooth).
    knot_spacing : int
        ``round(thruster_period)``: points between the knots at which the
        firings' count is drawn (only with a sawtooth).
    white_knot : int
        The first of the noise filter's knots at or above half the Nyquist
        frequency; the spikes' unit is the mean gain from there up.
    own_bins : int
        Bins 1 to ``own_bins - 1`` are knots of their own: there the noise
        has the drawn gain's power exactly, at a random phase.
    white_shape : tuple of int
        Shape of one curve's standard normal noise, ``forward``'s ``white``:
        its spectrum's ``fft_length // 2 + 1`` bins, then ``(n_points + 1)
        // 2`` whose real and imaginary parts draw the heavy-tailed noise.
    white_dtype : torch.dtype
        Its dtype, complex64.
    """

    def __init__(
        self,
        n_points,
        latent_dim=100,
        hidden_sizes=(256, 256),
        n_classes=0,
        cycles=(0.5, 150.0),
        envelope_cycles=(0.3, 3.0),
        max_envelope_depth=0.5,
        n_spikes=3,
        max_spike_height=None,
        thruster_period=None,
        n_steps=16,
        n_flares=4,
        n_outliers=64,
        spikes=None,
        flares=None,
        outliers=None,
        noise_spectra=None,
        noise_tails=None,
        standardise_output=False,
    ):
        super().__init__()
        self.n_points = n_points
        self.latent_dim = latent_dim
        self.standardise_output = standardise_output
        self.cycles = cycles
        self.envelope_cycles = envelope_cycles
        self.max_envelope_depth = max_envelope_depth
        # Two frequencies, three phases, three drift coefficients, then each
        # spike's place and height.
        self.n_spikes = n_spikes
        self.max_spike_height = max_spike_height
        self.thruster_period = thruster_period
        self.n_firings = 0
        if thruster_period is not None:
            self.knot_spacing = max(1, round(thruster_period))
            self.n_firings = -(-n_points // self.knot_spacing)
        # Then the sawtooth's phase, its size's draw and one per firing.
        self.n_random = 8 + 2 * n_spikes + (2 + self.n_firings if self.n_firings else 0)
        # Then each step's time and size, each flare's time, height and
        # decay, each outlier's time, sign and size.
        self.n_steps, self.n_flares, self.n_outliers = n_steps, n_flares, n_outliers
        # (and one for how many outliers the curve has).
        self.n_random += 2 * n_steps + 3 * n_flares + 3 * n_outliers + 1
        # Then whether each spike and flare is there.
        self.n_random += n_spikes + n_flares
        # Then which training star's noise spectrum the curve has.
        self.n_random += 1
        spikes = {**_EVENTS, **(spikes or {})}
        flares = {**_EVENTS, **(flares or {})}
        self.embedding = nn.Embedding(n_classes, latent_dim) if n_classes else None
        sizes = (latent_dim * (2 if n_classes else 1) + 2, *hidden_sizes)
        self.body = leaky_stack(sizes)
        self.rotation = nn.Linear(sizes[-1], 3)  # two amplitudes, envelope depth
        self.drift = nn.Linear(sizes[-1], 3)
        # The drawn star's noise spectrum holds its rotation's and drift's
        # power already: both start small, a twentieth of the scatter.
        nn.init.constant_(self.rotation.bias[:2], -3.0)
        nn.init.constant_(self.drift.bias, -3.0)
        # Spikes and flares are the training curves' (see ``spikes``), not the
        # adversary's: trained, their heights and chances climbed to the cap
        # on foreign.py's curves, and the samples' tallest points with them.
        for name, value in [
            ("spike_log_height", torch.full((n_spikes,), spikes["log_height"])),
            ("log_spike_spread", torch.full((n_spikes,), np.log(spikes["log_spread"]))),
            # Rows: log heights, log e-folding times.
            (
                "flare_log_size",
                torch.tensor([[flares["log_height"]], [flares["log_decay"]]]),
            ),
            (
                "log_flare_spread",
                torch.log(torch.tensor([[flares["log_spread"]], [0.5]])),
            ),
            (
                "presence",
                torch.tensor(
                    [
                        _chance(spikes["rate"], n_spikes),
                        _chance(flares["rate"], n_flares),
                    ]
                ),
            ),
        ]:
            self.register_buffer(name, value.float())
        self.flare_log_size = self.flare_log_size.repeat(1, n_flares)
        self.log_flare_spread = self.log_flare_spread.repeat(1, n_flares)
        # Steps start at a third of the white noise.
        self.step_scale = nn.Linear(sizes[-1], 1)
        nn.init.constant_(self.step_scale.bias, np.log(0.3))
        outliers = {**_OUTLIERS, **(outliers or {})}
        for name, value in [
            ("outlier_counts", outliers["counts"]),
            ("outlier_log_heights", outliers["log_heights"]),
        ]:
            self.register_buffer(name, torch.tensor(value, dtype=torch.float32))
        self.register_buffer(
            "flare_lags", torch.arange(_FLARE_WINDOW, dtype=torch.float32), False
        )
        if self.n_firings:
            self.sawtooth = nn.Linear(sizes[-1], 2)  # log size, curvature
            nn.init.zeros_(self.sawtooth.weight)
            nn.init.zeros_(self.sawtooth.bias)
            # A tenth of the training curves' scatter, spread by a factor e.
            nn.init.constant_(self.sawtooth.bias[:1], np.log(0.1))
            self.log_sawtooth_spread = nn.Parameter(torch.zeros(()))
            self.log_thruster_jitter = nn.Parameter(torch.tensor(np.log(0.02)))
            # The count of firings at the points after a knot is the knot's
            # count times 1 plus its step times the points' offsets.
            offsets = torch.arange(self.knot_spacing) / self.knot_spacing
            self.register_buffer(
                "knot_basis",
                torch.stack([torch.ones_like(offsets), offsets]),
                persistent=False,
            )
        add_noise_filter(self, n_points, sizes[-1], noise_spectra)
        n_stars = len(self.star_log_gains)
        tails = np.zeros(n_stars) if noise_tails is None else np.asarray(noise_tails)
        if tails.shape != (n_stars,):
            raise ValueError(
                f"noise_tails has shape {tails.shape}, but noise_spectra has "
                f"{n_stars} stars; give one Tukey h per star."
            )
        self.register_buffer(
            "star_noise_tails", torch.tensor(np.clip(tails, 0.0, 0.45)).float()
        )
        at = knot_bins(self.band_to_bin)
        # The first knot at or above half Nyquist, where white noise rules.
        self.white_knot = int(torch.searchsorted(at, at[-1] // 2))
        # Bins 1 to own_bins - 1 are knots of their own.
        own = at == torch.arange(1, len(at) + 1)
        self.own_bins = 1 + int(own.sum())
        # The smooth parts are built block by block over the noise's whole
        # FFT length (see _add_smooth_): the time at each block's start and
        # within a block, in units of the curve.
        block = _block_size(self.fft_length)
        step = 1.0 / max(n_points - 1, 1)
        start = np.arange(self.fft_length // block) * block * step
        offset = np.arange(block) * step
        # Taylor coefficients of the Legendre polynomials of degree 1 to 3
        # (over x = 2 t - 1) at each block's start: shape (4, 3, n_blocks).
        basis = np.eye(4)[:, 1:]
        taylor = np.stack(
            [
                legval(2 * start - 1, legder(basis, order, scl=2.0))
                / math.factorial(order)
                for order in range(4)
            ]
        )
        for name, value in [
            ("block_start", start),
            ("block_offset", offset),
            ("drift_taylor", taylor),
            ("offset_powers", offset ** np.arange(4)[:, None]),
        ]:
            self.register_buffer(
                name, torch.tensor(value, dtype=torch.float32), persistent=False
            )

    @property
    def white_shape(self):
        (n_bins,) = spectrum_shape(self.fft_length)
        return (n_bins + (self.n_points + 1) // 2,)

    # The noise's spectrum and the heavy-tailed noise's draws: complex.
    white_dtype = torch.complex64

    def forward(self, z, labels=None, white=None):
        """Curves from ``z`` (``latent_dim + n_random`` columns); ``white`` is
        the noise's spectrum, complex standard normal of shape
        ``(len(z), *white_shape)`` (drawn from torch's generator if None;
        overwritten under :func:`torch.no_grad`)."""
        latent, drawn = z[:, : self.latent_dim], z[:, self.latent_dim :]
        # Uniform draws for the frequencies, phases and spikes' places (the
        # drift, spike heights and sawtooth take the normal draws after them).
        end = 8 + self.n_spikes
        uniform = torch.special.ndtr(drawn[:, :end])
        if self.embedding is not None:
            latent = torch.cat([latent, self.embedding(labels)], dim=1)
        hidden = self.body(torch.cat([latent, drawn[:, :2]], dim=1))
        turn = 2 * np.pi * _log_uniform(uniform[:, :1], self.cycles)
        envelope_turn = 2 * np.pi * _log_uniform(uniform[:, 1:2], self.envelope_cycles)
        phase = 2 * np.pi * uniform[:, 2:5]
        sizes = self.rotation(hidden)
        first = nn.functional.softplus(sizes[:, :1])
        # The harmonic starts smaller than the fundamental, as in most stars.
        second = nn.functional.softplus(sizes[:, 1:2] - 1.0)
        half_depth = self.max_envelope_depth * torch.sigmoid(sizes[:, 2:3]) / 2
        # (first sin a + second sin b) (1 + depth sin c) as six sinusoids, by
        # sin x sin c = (sin(x - c + pi/2) + sin(x + c - pi/2)) / 2.
        a, b, c = phase[:, :1], phase[:, 1:2], phase[:, 2:3] - np.pi / 2
        amplitude = torch.cat(
            [first, second, *[half_depth * first] * 2, *[half_depth * second] * 2], 1
        )
        sine_phase = torch.cat([a, b, a - c, a + c, b - c, b + c], 1)
        frequency = torch.cat(
            [
                turn,
                2 * turn,
                *[k * turn + sign * envelope_turn for k in (1, 2) for sign in (-1, 1)],
            ],
            1,
        )
        coefficients = nn.functional.softplus(self.drift(hidden)) * drawn[:, 5:8]
        level = None
        if self.n_firings:
            first = end + self.n_spikes
            size, curvature, knots, steps = self._sawtooth(
                hidden, drawn[:, first : first + 2 + self.n_firings]
            )
            # The sawtooth's constant term joins the drift's (see _add_smooth_).
            level = -size * (0.5 + curvature / 3)
        rows = star_rows(self, torch.special.ndtr(drawn[:, -1:]))
        log_gain = filter_log_gain(self, hidden, rows)
        if white is None:
            white = torch.randn(
                len(z), *self.white_shape, dtype=self.white_dtype, device=z.device
            )
        white, tail_draws = white.split(
            [self.fft_length // 2 + 1, (self.n_points + 1) // 2], dim=1
        )
        tails = self.star_noise_tails[rows][:, None]
        gaussian_log_gain, tail_scale = self._split_white(log_gain, tails)
        # A bin with a knot of its own has the drawn star's own power there:
        # its white noise keeps a random phase but unit modulus, or the
        # samples' power would scatter twice, the star's and this draw's.
        white[:, 1 : self.own_bins] = torch.sgn(white[:, 1 : self.own_bins])
        # The noise's buffer is this forward's own: the other parts are added
        # to it in place, here and below.
        noise = filtered_noise(
            gaussian_log_gain,
            white,
            self.copied_knots,
            self.knot_mixing,
            self.fft_length,
        )
        self._add_smooth_(noise, amplitude, sine_phase, frequency, coefficients, level)
        curves = noise[:, : self.n_points]
        with torch.autocast(hidden.device.type, enabled=False):
            # Real and imaginary parts of variance 1/2, one point each.
            normal = torch.view_as_real(tail_draws).flatten(1)[:, : self.n_points]
            normal = normal.float() * np.sqrt(2)
            unit = (1 - 2 * tails) ** 0.75 * normal * torch.exp(tails / 2 * normal**2)
            curves = curves.addcmul_(tail_scale, unit)
        places = (uniform[:, 8:end] * self.n_points).long().clamp_max(self.n_points - 1)
        spread = self.log_spike_spread.exp() * drawn[:, end : end + self.n_spikes]
        # Heights are in units of the curve's white noise (its mean log gain
        # above half Nyquist), as outliers are judged: in units of its scatter,
        # a quiet rotator's spikes came out hundreds of noise levels high.
        # In float32: a bfloat16 log height is 1 % off, a tall spike's height
        # then several tenths of the noise.
        with torch.autocast(hidden.device.type, enabled=False):
            log_noise = log_gain[:, self.white_knot :].float().mean(1, keepdim=True)
            log_heights = log_noise + self.spike_log_height + spread.float()
            there = torch.special.ndtr(
                drawn[:, -(1 + self.n_spikes + self.n_flares) : -1]
            )
            spiking, flaring = (
                (part < chance).float()
                for part, chance in zip(
                    there.float().split([self.n_spikes, self.n_flares], 1),
                    self.presence,
                    strict=True,
                )
            )
            heights = self._capped_heights(log_heights, log_noise) * spiking
            curves = curves.scatter_add_(1, places, heights.to(curves.dtype))
            start = end + self.n_spikes + (2 + self.n_firings if self.n_firings else 0)
            self._add_events_(curves, hidden, drawn[:, start:], log_noise, flaring)
        if self.n_firings:
            self._add_sawtooth_(curves, size, curvature, knots, steps)
        return curves

    def _split_white(self, log_gain, tails):
        """The log gains less the part of the white noise that heavy-tailed
        stars (``tails`` > 0) have as Tukey's h noise, and that part's
        standard deviation: the power of the weakest knot above half
        Nyquist, taken from every knot (down to a tenth of its power, where
        a knot is weaker still)."""
        with torch.autocast(log_gain.device.type, enabled=False):
            floor = log_gain[:, self.white_knot :].min(dim=1, keepdim=True).values
            heavy = (tails > 0).float()
            share = heavy * torch.exp(2 * (floor - log_gain))
            kept = (1 - share).clamp_min(0.1)
            return log_gain + 0.5 * torch.log(kept), heavy * floor.exp()

    def _capped_heights(self, log_heights, log_noise):
        """Heights from their logs, no taller than ``max_spike_height`` noise
        levels (``log_noise``, each curve's log white noise) nor than float32
        holds."""
        if self.max_spike_height is not None:
            log_heights = torch.minimum(
                log_heights, log_noise + math.log(self.max_spike_height)
            )
        return torch.exp(log_heights.clamp(max=6.0))

    def _add_events_(self, curves, hidden, drawn, log_noise, flaring):
        """Add the steps, flares and outliers to ``curves`` (float32) in
        place, from their ``2 * n_steps + 3 * n_flares + 3 * n_outliers + 1``
        drawn columns; ``log_noise`` is each curve's log white noise, their
        unit, and ``flaring`` whether each flare is there."""
        n_points, n_steps, n_flares = self.n_points, self.n_steps, self.n_flares
        n_outliers = self.n_outliers
        drawn, hidden = drawn.float(), hidden.float()
        stepping, flare_draws, outlying = drawn[
            :, : 2 * n_steps + 3 * n_flares + 3 * n_outliers + 1
        ].split([2 * n_steps, 3 * n_flares, 3 * n_outliers + 1], dim=1)

        def times(columns):
            when = torch.special.ndtr(columns) * n_points
            return when.long().clamp_max(n_points - 1)

        if n_steps:
            scale = torch.exp((log_noise + self.step_scale(hidden)).clamp(max=6.0))
            jumps = torch.zeros_like(curves).scatter_add_(
                1, times(stepping[:, :n_steps]), scale * stepping[:, n_steps:]
            )
            curves += jumps.cumsum(1)
        if n_flares:
            log_height, log_decay = (
                self.flare_log_size.flatten()
                + self.log_flare_spread.exp().flatten() * flare_draws[:, n_flares:]
            ).chunk(2, dim=1)
            height = self._capped_heights(log_noise + log_height, log_noise) * flaring
            # The window holds five e-foldings of the slowest flare.
            decay = torch.exp(log_decay).clamp(0.2, _FLARE_WINDOW / 5)
            shape = torch.exp(-self.flare_lags / decay[:, :, None])
            at = times(flare_draws[:, :n_flares])[:, :, None] + self.flare_lags.long()
            inside = at < n_points
            values = height[:, :, None] * shape * inside
            curves.scatter_add_(
                1, at.clamp_max(n_points - 1).flatten(1), values.flatten(1)
            )
        if n_outliers:
            # Between the training curves' quantiles: a log-normal fitted to
            # them stood taller in its tail, twice as many above the events'
            # threshold on foreign.py's curves.
            log_size = log_noise + _between_quantiles(
                self.outlier_log_heights,
                torch.special.ndtr(outlying[:, 2 * n_outliers : -1]),
            )
            # The curve's count: one of the training curves' quantiles.
            pick = torch.special.ndtr(outlying[:, -1:]) * len(self.outlier_counts)
            count = self.outlier_counts[
                pick.long().clamp_max(len(self.outlier_counts) - 1)
            ]
            # A sign's draw says nothing of its size: its size, mapped to
            # (0, 1), says whether the slot is there.
            signs = outlying[:, n_outliers : 2 * n_outliers]
            there = 2 * torch.special.ndtr(signs.abs()) - 1 < count / n_outliers
            curves.scatter_add_(
                1,
                times(outlying[:, :n_outliers]),
                torch.sign(signs) * there * self._capped_heights(log_size, log_noise),
            )

    def _sawtooth(self, hidden, drawn):
        """The thruster sawtooth's size and curvature (each of shape
        (batch, 1)), the count of firings at each knot (batch, n_firings + 1)
        and its steps between knots (batch, n_firings), from its
        ``2 + n_firings`` drawn columns; float32."""
        with torch.autocast(hidden.device.type, enabled=False):
            drawn = drawn.float()
            log_size, bend = self.sawtooth(hidden.float()).unbind(1)
            log_size = log_size + self.log_sawtooth_spread.exp() * drawn[:, 1]
            size = torch.exp(log_size.clamp(max=3.0))[:, None]
            curvature = 0.5 * torch.tanh(bend)[:, None]
            # Firings so far, at knots every knot_spacing points: each knot
            # adds knot_spacing / thruster_period of them, give or take a learnt
            # fraction, so their lateness is a random walk.
            steps = (1 + self.log_thruster_jitter.exp() * drawn[:, 2:]).clamp_min(0) * (
                self.knot_spacing / self.thruster_period
            )
            knots = torch.cumsum(
                torch.cat([torch.special.ndtr(drawn[:, :1]), steps], 1), 1
            )
        return size, curvature, knots, steps

    def _add_sawtooth_(self, curves, size, curvature, knots, steps):
        """Add the sawtooth less its constant (which is in the drift) to
        ``curves`` (float32) in place: size ((phase - 1/2) + curvature
        (phase^2 - 1/3)), zero-mean over an interval, with the phase the
        fraction of the count of firings, linear between knots.

        A few hundred curves at a time: each share's phase, built as one
        matrix product over (knot, point within) blocks (about two thirds of
        the time of the same values by a broadcast product, whose innermost
        loop runs over only the 12 points of a knot), is a fraction of the
        curves' size, so its buffer is reused from share to share, not faulted in
        afresh, and it stays in the processor's cache between the passes that
        use it.
        """
        bend = size * curvature
        for start in range(0, len(curves), _SAWTOOTH_ROWS):
            rows = slice(start, start + _SAWTOOTH_ROWS)
            at_knots = torch.stack([knots[rows, :-1], steps[rows]], dim=2)
            count = at_knots @ self.knot_basis
            # The count never falls below 0, where frac is the phase.
            phase = count.frac_().flatten(1)[:, : self.n_points]
            part = curves[rows].addcmul_(phase, size[rows])
            part.addcmul_(phase.square(), bend[rows])

    def _add_smooth_(self, curves, amplitude, phase, frequency, coefficients, level):
        """Add the sinusoids ``amplitude sin(phase + frequency t)`` and the
        Legendre drift to ``curves`` (float32, of shape ``(batch,
        fft_length)``) in place, by one batched product of two small matrices.

        With t = s + u, s a block's start and u the time within it, a sinusoid
        is sin(p + w s) cos(w u) + cos(p + w s) sin(w u), and the drift is its
        Taylor series at s in powers of u. So each block's values are a sum of
        terms in s times terms in u: a matrix product that costs about 1,400
        sines per curve, not three per point. ``level`` (shape (batch, 1), or
        None), a constant per curve, joins the drift's term of order 0.
        """
        # In float32: bfloat16 products would blur a fast rotation's phase.
        with torch.autocast(amplitude.device.type, enabled=False):
            amplitude, phase, frequency, coefficients = (
                x.float() for x in (amplitude, phase, frequency, coefficients)
            )
            # Laid out (batch, term, block): the elementwise passes then run
            # along the 50 blocks, not across the 6 sinusoids, and take a
            # fifth less time; the product reads the transpose as it is.
            angle = torch.addcmul(
                phase[:, :, None], frequency[:, :, None], self.block_start
            )
            within = frequency[:, :, None] * self.block_offset
            drift = torch.einsum("odj,bd->boj", self.drift_taylor, coefficients)
            if level is not None:
                drift = torch.cat([drift[:, :1] + level[:, :, None], drift[:, 1:]], 1)
            amplitude = amplitude[:, :, None]
            by_start = torch.cat(
                [amplitude * torch.sin(angle), amplitude * torch.cos(angle), drift],
                dim=1,
            )
            by_offset = torch.cat(
                [
                    torch.cos(within),
                    torch.sin(within),
                    self.offset_powers.expand(len(amplitude), -1, -1),
                ],
                dim=1,
            )
            curves.unflatten(1, (len(self.block_start), -1)).baddbmm_(
                by_start.transpose(1, 2), by_offset
            )
