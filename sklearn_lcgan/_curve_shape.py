"""What the training curves show, for the component synthesiser's ranges:
their rotation frequencies, a regular spacecraft systematic, the height of
their spikes and the size of their outliers, each estimated from the curves,
not set by the user."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import median_filter, uniform_filter1d
from scipy.stats import norm

from ._constants import MAD_TO_SIGMA

# A periodic systematic must stand this many robust sigma above the
# spectrum's continuum, averaged over the curves, to be modelled.
_PEAK_SIGMA = 6.0


def _power(Z):
    return np.abs(np.fft.rfft(Z - Z.mean(axis=1, keepdims=True), axis=1)) ** 2


def _white_noise(Z):
    """Each curve's white noise: the robust scatter of its steps over sqrt 2
    (1 for a curve without steps)."""
    steps = np.diff(Z, axis=1)
    white = MAD_TO_SIGMA * np.median(
        np.abs(steps - np.median(steps, 1, keepdims=True)), 1
    )
    return np.where(white > 0, white / np.sqrt(2), 1.0)


def rotation_cycles(Z):
    """The range of the curves' strongest slow frequencies, in cycles over the
    curve: the 5th to 95th percentile of each curve's peak below an eighth of
    Nyquist, widened by half either way (the network shrinks a rotation no
    star has)."""
    power = _power(Z)[:, 1 : max(Z.shape[1] // 16, 3)]
    peaks = np.argmax(power, axis=1) + 1.0
    low, high = np.quantile(peaks, [0.05, 0.95])
    return (max(0.5, low / 1.5), max(high * 1.5, 2 * max(0.5, low / 1.5)))


def thruster_period(Z):
    """Points between the resets of a regular systematic (K2's roll), or None.

    The curves' mean log spectrum, smoothed over 5 frequencies (the period
    varies a little between stars), over its running median across 151: the
    highest excess above 8 cycles over the curve marks the systematic if it
    stands 6 robust sigma above the other excesses; where half its frequency
    stands 3 sigma too, that is the fundamental (a sawtooth's harmonics can
    outshine it over red noise).
    """
    n_points = Z.shape[1]
    log_power = np.log10(_power(Z)[:, 1:] + 1e-12).mean(axis=0)
    smooth = uniform_filter1d(log_power, 5, mode="nearest")
    excess = smooth - median_filter(smooth, size=151, mode="nearest")
    cycles = np.arange(1, log_power.size + 1)
    search = (cycles > 8) & (cycles < n_points / 2.5)
    if search.sum() < 10:
        return None
    spread = MAD_TO_SIGMA * np.median(
        np.abs(excess[search] - np.median(excess[search]))
    )
    best = np.flatnonzero(search)[np.argmax(excess[search])]
    if not excess[best] > _PEAK_SIGMA * spread:
        return None
    while cycles[best] / 2 > 8:
        near = slice(int(cycles[best] / 2) - 2, int(cycles[best] / 2) + 1)
        half = near.start + int(np.argmax(excess[near]))
        if not excess[half] > _PEAK_SIGMA / 2 * spread:
            break
        best = half
    return float(n_points / cycles[best])


def max_spike_height(Z):
    """The tallest single-cadence excursion the curves hold, in units of each
    curve's white noise, with a fifth to spare: the 99th percentile over
    curves of each one's tallest rise above its 5-point running median."""
    white = _white_noise(Z)
    rise = Z - median_filter(Z, size=(1, 5), mode="nearest")
    tallest = rise.max(axis=1) / white
    return float(max(3.0, 1.2 * np.quantile(tallest, 0.99)))


def outlier_log_size(Z, n_outliers=32, log_spread=0.5, threshold=5.0):
    """The median log size, in units of each curve's white noise, at which
    ``n_outliers`` log-normal outliers of either sign (spread ``log_spread``)
    stand beyond ``threshold`` as often as the curves' own: twice their mean
    count of single-cadence drops below their 5-point running median by more
    than ``threshold`` (drops, because spikes and flares rise)."""
    white = _white_noise(Z)
    drop = (median_filter(Z, size=(1, 5), mode="nearest") - Z) / white[:, None]
    share = 2 * (drop > threshold).sum(axis=1).mean() / n_outliers
    share = float(np.clip(share, 1e-4, 0.5))
    return float(np.log(threshold) - log_spread * norm.isf(share))
