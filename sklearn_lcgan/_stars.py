"""What stars and the spacecraft add to a K2 curve beyond smooth variability:
roll systematics, momentum dumps, flares, heavy-tailed noise and eclipsing
binaries. The pieces of :func:`~sklearn_lcgan.datasets.make_kepler_like`."""

from __future__ import annotations

import numpy as np

from ._constants import K2_THRUSTER_PERIOD
from ._physics import make_params, transit_light_curve
from ._planets import draw_planets

# Davenport (2014)'s flare template: the rise over one full width at half
# maximum (a quartic in t / t_half), then a fast and a slow exponential decay.
_FLARE_RISE = (1.0, 1.941, -0.175, -2.246, -1.125)
_FLARE_DECAY = ((0.6890, -1.600), (0.3030, -0.2783))


def log_uniform(rng, low, high, size):
    return np.exp(rng.uniform(np.log(low), np.log(high), size))


def roll_systematics(rng, time, n_stars, period=None):
    """K2's pointing drift: a sawtooth reset by thruster firings.

    The firing interval (``period`` in days; None draws 5.7-6.1 hours a star,
    as it differed between campaigns) jitters by 3 % between firings; the
    sawtooth's curvature varies by star and its amplitude drifts along the
    curve.
    """
    out = np.empty((n_stars, time.size))
    span = time[-1] - time[0] + 1e-9
    x = 2 * (time - time[0]) / span - 1
    for i in range(n_stars):
        mean = period or K2_THRUSTER_PERIOD * rng.uniform(0.97, 1.03)
        interval = mean * (1.0 + 0.03 * rng.standard_normal(int(span / 0.2) + 3))
        firings = time[0] - rng.uniform(0, mean) + np.cumsum(interval)
        segment = np.searchsorted(firings, time)
        start = np.concatenate(([firings[0] - interval[0]], firings))[segment]
        phase = (time - start) / interval[np.minimum(segment, interval.size - 1)]
        curvature = rng.uniform(-0.5, 0.5)
        drift = 1.0 + rng.uniform(-0.6, 0.6) * x
        out[i] = drift * (phase - 0.5 + curvature * (phase**2 - 1.0 / 3.0))
    return out


def heavy_tailed_noise(rng, n_stars, n_points):
    """Unit-variance noise, Student-t with 2.5 to 100 degrees of freedom a star
    (100 is close to Gaussian; a few degrees give outliers of many sigma)."""
    dof = log_uniform(rng, 2.5, 100.0, n_stars)[:, None]
    draws = rng.standard_t(dof, (n_stars, n_points))
    return draws * np.sqrt((dof - 2) / dof)


def momentum_dumps(rng, time, white):
    """Reaction-wheel desaturations every 1.5-4 days: each shifts the pointing,
    which steps the flux (a random walk over the dumps), and a third of them
    leave one cadence off by 3-10 sigma.

    ``white`` is each star's white noise, in the units of the result.
    """
    out = np.zeros((white.size, time.size))
    for i, sigma in enumerate(white):
        interval = rng.uniform(1.5, 4.0)
        dumps = np.arange(time[0] + rng.uniform(0, interval), time[-1], interval)
        if dumps.size == 0:
            continue
        index = np.searchsorted(time, dumps)
        steps = rng.standard_normal(dumps.size) * sigma * log_uniform(rng, 0.05, 1.5, 1)
        out[i] = np.concatenate(([0.0], np.cumsum(steps)))[
            np.searchsorted(dumps, time, side="right")
        ]
        glitch = rng.random_sample(dumps.size) < 1 / 3
        size = rng.choice([-1.0, 1.0], glitch.sum()) * rng.uniform(3, 10, glitch.sum())
        out[i, index[glitch]] += size * sigma
    return out


def flares(rng, time, cadence, white, active_fraction=0.3):
    """Flares on ``active_fraction`` of the stars: 0.02-0.3 a day, peaks 2-40
    sigma, half-widths of 7 minutes to 1.2 hours, each averaged over the
    exposures (Davenport 2014's template).

    ``white`` is each star's white noise, in the units of the result.
    """
    out = np.zeros((white.size, time.size))
    span = time[-1] - time[0] + cadence
    offsets = (np.arange(5) + 0.5) / 5 - 0.5  # sub-exposure sample times
    for i in np.flatnonzero(rng.random_sample(white.size) < active_fraction):
        n_flares = rng.poisson(span * log_uniform(rng, 0.02, 0.3, 1)[0])
        for peak_time, height, half in zip(
            rng.uniform(time[0], time[-1], n_flares),
            white[i] * log_uniform(rng, 2.0, 40.0, n_flares),
            log_uniform(rng, 0.005, 0.05, n_flares),
            strict=True,
        ):
            near = (time > peak_time - 2 * half) & (time < peak_time + 40 * half)
            t = (time[near, None] + offsets * cadence - peak_time) / half
            out[i, near] += height * _flare_template(t).mean(axis=1)
    return out


def _flare_template(t):
    rise = np.polyval(_FLARE_RISE[::-1], t)
    decay = sum(a * np.exp(b * t) for a, b in _FLARE_DECAY)
    return np.where(t < -1, 0.0, np.where(t <= 0, rise, decay)).clip(min=0)


def eclipsing_binaries(rng, time, cadence, rel_noise, snr_range=(7.0, 200.0)):
    """Eclipse signals (relative flux, minus 1) of binaries that look like transits.

    A companion of 0.15-0.6 stellar radii, grazing or not (impact 0-1), on
    a circular orbit of 0.5 days to half the window: the primary eclipse, a
    secondary half an orbit later at 0-100 % of its depth, and ellipsoidal
    variation at half the orbit. Diluted by a random amount, as when the
    binary is a background star: the signal-to-noise, against ``rel_noise``
    (each curve's relative noise), is log-uniform over ``snr_range``.

    Returns
    -------
    signals : ndarray of shape (n_curves, n_points)
    table : dict of ndarray
        ``binary_period``, ``binary_t0`` (a primary eclipse's mid-time) and
        ``binary_snr``.
    """
    n = rel_noise.size
    span = time[-1] - time[0]
    specs = {
        "period": (0.5, span / 2), "t0": None, "rp": (0.15, 0.6),
        "impact": (0.0, 1.0), "ecc": 0.0, "w": 90.0,
        "stellar_density": (0.3, 3.0), "a": None, "snr": snr_range,
        "u": [(0.3, 0.6), (0.1, 0.3)],
    }  # fmt: skip
    uniforms = rng.random_sample((n, 10))
    table = draw_planets(uniforms, specs, start=time[0], max_period=span / 2)
    ratio = rng.uniform(0.0, 1.0, n)
    ellipsoidal = rng.uniform(0.0, 0.1, n)
    snr = log_uniform(rng, *snr_range, n)
    signals = np.empty((n, time.size))
    for k in range(n):
        row = {name: table[name][k] for name in ("period", "t0", "rp", "a", "inc")}
        row.update(ecc=0.0, w=90.0, u1=table["u1"][k], u2=table["u2"][k])
        primary = transit_light_curve(make_params(row, "quadratic"), time, 7, cadence)
        row["t0"] += row["period"] / 2
        secondary = transit_light_curve(make_params(row, "quadratic"), time, 7, cadence)
        depth = 1.0 - primary.min()
        phase = 4 * np.pi * (time - table["t0"][k]) / row["period"]
        signal = (primary - 1) + ratio[k] * (secondary - 1)
        signal -= ellipsoidal[k] * depth * (1 - np.cos(phase)) / 2
        norm = np.sqrt(np.sum(signal**2))
        signals[k] = signal * (snr[k] * rel_noise[k] / norm if norm > 0 else 0.0)
    return signals, {
        "binary_period": table["period"],
        "binary_t0": table["t0"],
        "binary_snr": snr,
    }
