"""Spectra in frequency bands: the noise filter of the generators, the log power
bands the critic and the spectral loss read, and the kernel MMD between batches.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.fft import next_fast_len
from torch import nn


def band_interpolation(n_freq: int, n_single: int = 64, n_log: int = 48):
    """Weights that spread values at frequency knots over rfft bins.

    The knots are the lowest ``n_single`` bins one by one (so that a star's
    rotation can take a single bin) and up to ``n_log`` log-spaced bins above
    them up to Nyquist; every bin gets the linear interpolation, in log
    frequency, of its two neighbouring knots (the zero-frequency bin takes the
    first knot's).

    Parameters
    ----------
    n_freq : int
        Number of rfft bins, zero frequency included.
    n_single : int, default=64
        Lowest bins that are knots of their own.
    n_log : int, default=48
        Log-spaced knots above them.

    Returns
    -------
    weights : torch.Tensor of shape (n_knots, n_freq)
        ``values @ weights`` gives one value per bin; each column sums to 1.
    """
    top = max(n_freq - 1, 1)
    low = min(n_single, top)
    # Whole bins, so that every band holds at least one bin.
    spaced = np.round(np.geomspace(low, top, n_log))
    knots = np.unique(np.r_[np.arange(1, low + 1), spaced])
    if len(knots) == 1:
        return torch.ones(1, n_freq)
    log_knots, log_bins = np.log(knots), np.log(np.arange(1, n_freq))
    left = np.clip(np.searchsorted(log_knots, log_bins) - 1, 0, len(knots) - 2)
    step = log_knots[left + 1] - log_knots[left]
    t = np.clip((log_bins - log_knots[left]) / step, 0.0, 1.0)
    weights = np.zeros((len(knots), n_freq))
    bins = np.arange(1, n_freq)
    weights[left, bins] += 1.0 - t
    weights[left + 1, bins] += t
    weights[0, 0] = 1.0
    return torch.tensor(weights, dtype=torch.float32)


def knot_bins(weights):
    """The bin each knot of :func:`band_interpolation`'s ``weights`` sits at
    (the first knot's weights tie between bins 0 and 1, its own)."""
    return weights.argmax(dim=1).clamp_min(1)


def add_noise_filter(module, n_points, n_hidden, star_log_gains=None):
    """Give a generator what :func:`filtered_noise` needs.

    ``fft_length``, the ``band_to_bin`` buffer and its two parts
    (:func:`split_spread`: the ``copied_knots`` and ``knot_mixing``
    buffers), the ``star_log_gains`` buffer, the training curves' own log
    gains at the knots (:func:`knot_log_gains`), one row per star, of which
    each curve draws one, or, if None, one flat row: white noise of half the
    training curves' scatter; and the ``noise_gain`` layer, the network's
    change to the drawn row, which starts at none.
    """
    # An FFT length of small primes: 3197 = 23 x 139 ran four times slower.
    module.fft_length = next_fast_len(n_points, real=True)
    spread = band_interpolation(module.fft_length // 2 + 1)
    module.register_buffer("band_to_bin", spread, persistent=False)
    copied, mixing = split_spread(spread)
    module.register_buffer("copied_knots", copied, persistent=False)
    module.register_buffer("knot_mixing", mixing, persistent=False)
    if star_log_gains is None:
        star_log_gains = np.full((1, len(spread)), np.log(0.5))
    # A copy: the buffer must not share memory with the caller's array.
    module.register_buffer(
        "star_log_gains", torch.tensor(star_log_gains, dtype=torch.float32)
    )
    module.noise_gain = nn.Linear(n_hidden, len(spread))
    nn.init.zeros_(module.noise_gain.weight)
    nn.init.zeros_(module.noise_gain.bias)


def knot_log_gains(Z):
    """Each curve's log gains at the noise filter's knots that give its own
    power spectrum: half the log of its mean orthonormal power (a white noise
    of unit variance has unit power in every bin) over the bins nearer to
    each knot than to its neighbours.

    Parameters
    ----------
    Z : ndarray of shape (n_curves, n_points)
        Curves on one scale, without NaN.

    Returns
    -------
    log_gains : ndarray of shape (n_curves, n_knots), float32
    """
    n_points = Z.shape[1]
    fft_length = next_fast_len(n_points, real=True)
    spread = band_interpolation(fft_length // 2 + 1)
    centred = Z - np.median(Z, axis=1, keepdims=True)
    power = np.abs(np.fft.rfft(centred, axis=1)) ** 2 / n_points
    # Each knot's own bin, in the curves' bins.
    at = knot_bins(spread).numpy() * n_points / fft_length
    edges = np.sqrt(at[:-1] * at[1:])
    bins = np.arange(power.shape[1])
    knot = np.searchsorted(edges, bins)
    members = np.zeros((len(at), len(bins)))
    members[knot[1:], bins[1:]] = 1.0
    # A knot without a bin of its own takes its nearest bin's.
    empty = members.sum(axis=1) == 0
    members[empty, np.minimum(np.round(at[empty]).astype(int), len(bins) - 1)] = 1.0
    mean = power @ (members / members.sum(axis=1, keepdims=True)).T
    return (0.5 * np.log(np.maximum(mean, 1e-12))).astype(np.float32)


def split_spread(weights):
    """:func:`band_interpolation`'s weights in two parts: the lowest bins,
    each a copy of one knot, and the weights of the knots the other bins mix.

    The product with the whole matrix spends most of its time on the lowest
    bins' zeros; the two parts give the same values in under half the time.

    Returns
    -------
    copied : torch.Tensor of shape (n_copied,), int64
        The knot that each of the lowest bins copies.
    mixing : torch.Tensor of shape (n_mixing, n_bins - n_copied)
        The weights of the last ``n_mixing`` knots for the other bins.
    """
    whole = (weights == 1).any(dim=0)
    n_copied = len(whole) if bool(whole.all()) else int(whole.to(torch.uint8).argmin())
    rest = weights[:, n_copied:]
    used = torch.nonzero(rest.any(dim=1))
    first = int(used[0]) if len(used) else len(weights)
    return weights[:, :n_copied].argmax(dim=0), rest[first:].contiguous()


def star_rows(module, star):
    """The rows of a generator's ``star_log_gains`` that uniform draws
    ``star`` (in [0, 1), of shape (batch, 1)) pick, one per curve."""
    rows = len(module.star_log_gains)
    return (star * rows).long().clamp_max(rows - 1).flatten()


def filter_log_gain(module, hidden, rows=None):
    """A generator's log gains at its noise filter's knots, in float32: the
    drawn stars' rows of ``star_log_gains`` (``rows``, from
    :func:`star_rows`; None for the first row) and the network's change to
    them."""
    with torch.autocast(hidden.device.type, enabled=False):
        change = module.noise_gain(hidden.float())
        if rows is None:
            return module.star_log_gains[0] + change
        return module.star_log_gains[rows] + change


def spectrum_shape(fft_length):
    """Shape of one curve's draws for :func:`filtered_noise`'s ``white``."""
    return (fft_length // 2 + 1,)


def filtered_noise(log_gain, white, copied, mixing, fft_length):
    """White noise through a filter of a gain per frequency band for each curve.

    The FFT runs in float32 (there is no bfloat16 FFT) over ``fft_length``
    points; the caller cuts the noise to its curves' length.

    Parameters
    ----------
    log_gain : torch.Tensor of shape (batch, n_knots), float32
        Each curve's log gain at :func:`band_interpolation`'s knots (a
        generator's ``noise_gain`` layer of its features).
    white : torch.Tensor of shape (batch, n_bins), complex64
        Complex standard normal draws (real and imaginary parts of variance
        1/2) for the white noise's spectrum, ``n_bins = fft_length // 2 + 1``:
        drawing the spectrum saves a forward FFT. Overwritten when no
        gradient is recorded (under :func:`torch.no_grad`), to spare a copy.
    copied, mixing : torch.Tensor
        :func:`split_spread` of :func:`band_interpolation`'s weights, which
        spread the knots' log gains over the bins.
    fft_length : int
        A length that FFTs fast.

    Returns
    -------
    noise : torch.Tensor of shape (batch, fft_length)
        Float32 noise with each curve's power spectrum, freshly allocated:
        the caller may add to it in place.
    """
    with torch.autocast(white.device.type, enabled=False):
        # The factor sqrt(fft_length) makes torch's unnormalised inverse FFT
        # (cheaper than norm="ortho") orthonormal; added at the knots, it
        # costs no pass over the bins.
        log_gain = log_gain + np.log(fft_length) / 2
        mixed = log_gain[:, log_gain.shape[1] - len(mixing) :] @ mixing
        log_bin = torch.cat([log_gain.index_select(1, copied), mixed], dim=1)
        # The inverse FFT takes only the real part at zero frequency (and at
        # Nyquist), which must then carry the whole variance: a factor sqrt(2).
        log_bin[:, 0] += np.log(2) / 2
        if fft_length % 2 == 0:
            log_bin[:, -1] += np.log(2) / 2
        gain = log_bin.exp_()
        white = white.to(torch.complex64)
        # In place when no gradient is recorded: a quarter of the time of
        # multiplying the real and imaginary parts apart.
        parts = white * gain if torch.is_grad_enabled() else white.mul_(gain)
        return torch.fft.irfft(parts, n=fft_length)


class LogPowerBands(nn.Module):
    """Log power spectrum of each curve, averaged in frequency bands.

    The bands are :func:`band_interpolation`'s knots (the lowest 64 bins one
    by one, then up to 48 log-spaced bands). The transform pads curves to a length
    that FFTs fast (3197 points, a product of two primes, to 3200).

    Parameters
    ----------
    n_points : int
        Length of the curves.
    """

    def __init__(self, n_points):
        super().__init__()
        self.fft_length = next_fast_len(n_points, real=True)
        weights = band_interpolation(self.fft_length // 2 + 1)[:, 1:]
        average = weights / weights.sum(dim=1, keepdim=True)
        self.register_buffer("average", average.T.contiguous(), persistent=False)

    def forward(self, X):
        centred = X - X.mean(dim=1, keepdim=True)
        spectrum = torch.fft.rfft(centred, n=self.fft_length, norm="ortho")
        # The floor keeps gradients finite where a band holds almost no power.
        # At 1e-4 the critic sees white noise down to 1 % of a curve's
        # scatter (the simulator's quietest stars: 1.4 %); at 1e-2 (10 %) a
        # third of its stars' noise was out of sight, and the generator made
        # quiet rotators without noise.
        return torch.log(spectrum[:, 1:].abs().square() @ self.average + 1e-4)


# Percentiles of a curve's steps that CurveSummary adds to its spectrum.
_STEP_QUANTILES = (0.0, 0.001, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 0.999, 1.0)


class CurveSummary(nn.Module):
    """Each curve's log power spectrum in bands and, optionally, the
    quantiles of its steps.

    Parameters
    ----------
    n_points : int
        Length of the curves.
    quantiles : bool, default=False
        Also the 0, 0.1, 1, 5, 25, 50, 75, 95, 99, 99.9 and 100th percentiles
        of each curve's steps (first differences) on a signed log scale,
        ``asinh(q / 0.01)``: the white noise's level and the tallest spikes,
        which a spectrum averages away.

    Attributes
    ----------
    n_features : int
        Features per curve: :class:`LogPowerBands`' bands, plus 11 with
        ``quantiles``.
    """

    def __init__(self, n_points, quantiles=False):
        super().__init__()
        self.bands = LogPowerBands(n_points)
        levels = _STEP_QUANTILES if quantiles else ()
        self.register_buffer("levels", torch.tensor(levels), persistent=False)

    @property
    def n_features(self):
        return self.bands.average.shape[1] + len(self.levels)

    def forward(self, X):
        bands = self.bands(X)
        if not len(self.levels):
            return bands
        steps = torch.quantile(torch.diff(X, dim=1), self.levels, dim=1).T
        return torch.cat([bands, torch.asinh(steps / 0.01)], dim=1)


def rbf_mmd(a, b, widths=(0.25, 1.0, 4.0), *, scale="cross", unbiased=False):
    """Squared maximum mean discrepancy between two batches of vectors.

    A sum of Gaussian kernels ``exp(-d / (width * scale))`` over squared
    distances ``d`` (Gretton et al. 2012; several widths as in Li et al.
    2015's moment matching networks). The biased estimate is differentiable
    and never negative, what a loss needs; the unbiased one is about 0 for
    two samples of one distribution, what a test needs.

    Parameters
    ----------
    a, b : torch.Tensor of shape (n, n_features) and (m, n_features)
        The batches.
    widths : tuple of float, default=(0.25, 1.0, 4.0)
        Kernel widths relative to ``scale``.
    scale : {"cross", "pooled"} or float, default="cross"
        The squared distance the widths are relative to: the median between
        the batches ("cross"), the median over all pairs, within and between
        ("pooled"), or a number.
    unbiased : bool, default=False
        Leave each batch's pairs of a vector with itself out of its mean.

    Returns
    -------
    mmd2 : torch.Tensor
        A scalar; 0 when the batches are equal.
    """
    d_aa, d_bb, d_ab = (torch.cdist(u, v).square() for u, v in ((a, a), (b, b), (a, b)))
    if scale == "cross":
        scale = d_ab.detach().median().clamp_min(1e-6)
    elif scale == "pooled":
        pooled = torch.cat([d.detach().flatten() for d in (d_aa, d_bb, d_ab)])
        ordered = pooled.sort().values
        scale = (ordered[len(ordered) // 2] + ordered[(len(ordered) - 1) // 2]) / 2
    total = a.new_zeros(())
    for width in widths:
        gamma = 1.0 / (width * scale)
        total = total + (
            _within(torch.exp(-gamma * d_aa), unbiased)
            + _within(torch.exp(-gamma * d_bb), unbiased)
            - 2.0 * torch.exp(-gamma * d_ab).mean()
        )
    return total


def _within(kernel, unbiased):
    """Mean of a batch's kernel matrix, without its diagonal if ``unbiased``."""
    if not unbiased:
        return kernel.mean()
    n = len(kernel)
    return (kernel.sum() - kernel.diagonal().sum()) / (n * (n - 1))
