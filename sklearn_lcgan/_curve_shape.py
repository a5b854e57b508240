"""What the training curves show, for the component synthesiser: their
rotation frequencies, a regular spacecraft systematic, the height of their
spikes, how heavy each one's noise tails are, and their spikes, flares and
outliers, each estimated from the curves, not set by the user."""

from __future__ import annotations

from functools import cache

import numpy as np
from scipy.ndimage import label, maximum, median_filter, uniform_filter1d
from scipy.ndimage import sum as label_sum

from ._constants import MAD_TO_SIGMA

# Rises and drops beyond this many robust sigma of a curve's changes from
# its recent level count as events; the level is the median of the
# _LEVEL_WINDOW points before.
_EVENT_SIGMA = 6.0
_LEVEL_WINDOW = 15
# An outlier stands this many robust sigma from its neighbours' mean.
_OUTLIER_SIGMA = 3.5

# Tukey's h (Tukey 1977; Hoaglin 1985), g exp(h g^2 / 2) for standard
# normal g, at which a star's noise tails are tabulated: from Gaussian (0) to
# tails about as heavy as Student's t of 2.5 degrees of freedom; below 1/2
# the variance is finite.
TAIL_GRID = np.linspace(0.0, 0.45, 19)

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


def _neighbour_offsets(Z):
    """Each point's offset from the mean of its two neighbours, in units of
    its curve's white noise: a difference that red noise barely moves and
    white noise makes normal, if the noise is."""
    white = _white_noise(Z)
    return (Z[:, 1:-1] - (Z[:, :-2] + Z[:, 2:]) / 2) / white[:, None]


def _tail_ratio(off):
    """The log ratio of the 99th percentile of each curve's absolute offsets
    to their median: 1.34 for Gaussian white noise, more for heavier tails,
    moved a little by a few spikes."""
    if not off.shape[1]:
        return np.zeros(len(off))  # curves of two points: no offsets
    low, high = np.maximum(np.quantile(np.abs(off), [0.5, 0.99], axis=1), 1e-300)
    return np.log(high / low)


def _drops(off):
    """Which offsets are outlying drops: beyond ``_OUTLIER_SIGMA`` robust
    sigma below the neighbours' mean and the most outlying of three points
    (a spike's two neighbours stand half its height below their neighbours'
    mean, and would count as drops)."""
    sigma = MAD_TO_SIGMA * np.median(np.abs(off), 1, keepdims=True)
    size = np.abs(off)
    peak = size >= np.maximum(
        np.pad(size[:, :-1], ((0, 0), (1, 0))), np.pad(size[:, 1:], ((0, 0), (0, 1)))
    )
    return (-off > _OUTLIER_SIGMA * sigma) & peak


@cache
def _tail_table(n_points):
    """Tukey's h white noise of ``n_points`` at each of ``TAIL_GRID``: the
    mean tail ratio (:func:`_tail_ratio`) and the share of its offsets that
    are drops (:func:`_drops`), from a fixed seed."""
    # Tabulated on curves of at least 64 points, or too few to tell.
    normal = np.random.default_rng(0).standard_normal((32, max(n_points, 64)))
    ratios, drop_shares = [], []
    for h in TAIL_GRID:
        off = _neighbour_offsets(normal * np.exp(h * normal**2 / 2))
        ratios.append(_tail_ratio(off).mean())
        drop_shares.append(_drops(off).mean())
    return np.array(ratios), np.array(drop_shares)


def _tukey_h(off, n_points):
    """The Tukey h whose white noise of ``n_points`` has each curve's tail
    ratio of its offsets ``off``."""
    ratios, _ = _tail_table(n_points)
    return np.interp(_tail_ratio(off), ratios, TAIL_GRID)


def noise_tails(Z):
    """How heavy each curve's noise tails are: the Tukey h (one of
    ``TAIL_GRID`` or between) whose white noise has the curve's tail ratio
    (:func:`_tail_ratio`), 0 for Gaussian noise; float32."""
    return _tukey_h(_neighbour_offsets(Z), Z.shape[1]).astype(np.float32)


def outliers(Z, n_counts=64):
    """The curves' outliers of either sign, the heavy tails of their noise:
    ``counts``, ``n_counts`` evenly spaced quantiles over the curves of how
    many each has, and as many of their log sizes in units of each curve's
    white noise (``log_heights``).

    An outlier stands beyond 3.5 robust sigma from the mean of its two
    neighbours and is the most outlying of three points; drops only, as
    spikes and flares rise, doubled for both signs, less as many as the
    curve's own noise tails (:func:`noise_tails`) make, which the
    synthesiser draws apart.
    """
    off = _neighbour_offsets(Z)
    drop = _drops(off)
    _, drop_shares = _tail_table(Z.shape[1])
    expected = np.interp(_tukey_h(off, Z.shape[1]), TAIL_GRID, drop_shares)
    expected = expected * off.shape[1]
    counts = 2 * np.maximum(drop.sum(axis=1) - expected, 0)
    sizes = np.log(-off[drop]) if drop.any() else np.zeros(1)
    levels = (np.arange(n_counts) + 0.5) / n_counts
    return {
        "counts": np.quantile(counts, levels).tolist(),
        "log_heights": np.quantile(sizes, levels).tolist(),
    }


def _runs(Z, sign):
    """Each run of points that stand ``sign``-wards beyond ``_EVENT_SIGMA``
    robust sigma of the curve's changes from its level (the median of the
    ``_LEVEL_WINDOW`` points before): their lengths, peaks (in units of the
    curve's white noise) and the threshold in those units."""
    white = _white_noise(Z)
    level = median_filter(
        Z, size=(1, _LEVEL_WINDOW), origin=(0, _LEVEL_WINDOW // 2), mode="nearest"
    )
    change = Z[:, 1:] - level[:, :-1]
    sigma = MAD_TO_SIGMA * np.median(
        np.abs(change - np.median(change, 1, keepdims=True)), 1, keepdims=True
    )
    beyond = sign * change > _EVENT_SIGMA * sigma
    runs, n_runs = label(beyond, structure=[[0, 0, 0], [1, 1, 1], [0, 0, 0]])
    index = np.arange(1, n_runs + 1)
    lengths = np.asarray(label_sum(beyond, runs, index))
    threshold = np.broadcast_to(_EVENT_SIGMA * sigma / white[:, None], Z[:, 1:].shape)
    peaks = np.asarray(maximum(sign * change / white[:, None], runs, index))
    return lengths, peaks, np.asarray(maximum(threshold, runs, index))


def events(Z):
    """The curves' spikes and flares: for each, the mean count per curve,
    the median and spread of their log heights (in units of each curve's
    white noise), and for flares the median log e-folding time in cadences;
    and their outliers (:func:`outliers`).

    Events are runs of rises beyond 6 robust sigma of a curve's changes from
    its recent level: a single point is a spike, a longer run a flare. Noise
    of either sign makes drops as often as rises, so each count is the rises'
    excess over the drops of that length.
    """
    n_curves = len(Z)
    rises, peaks, threshold = _runs(Z, 1)
    drops = _runs(Z, -1)[0]
    found = {}
    for kind, single in (("spikes", True), ("flares", False)):
        chosen = (rises == 1) == single
        excess = chosen.sum() - ((drops == 1) == single).sum()
        log_peaks = np.log(peaks[chosen]) if chosen.any() else np.log([2.0])
        found[kind] = {
            "rate": float(max(excess, 0) / n_curves),
            "log_height": float(np.median(log_peaks)),
            "log_spread": float(max(np.std(log_peaks), 0.3)),
        }
        if not single:
            # A flare h high that decays with time tau stays above the
            # threshold T for tau log(h / T) cadences.
            spans = np.log(peaks[chosen] / threshold[chosen])
            decays = rises[chosen] / np.maximum(spans, 0.1)
            found[kind]["log_decay"] = float(
                np.log(np.median(decays)) if chosen.any() else np.log(2.0)
            )
    found["outliers"] = outliers(Z)
    return found
