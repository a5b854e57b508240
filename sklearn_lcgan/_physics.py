"""Transit geometry and batman calls shared by the simulator and the injector.

Kept apart from the estimators so that ``datasets`` and ``injection`` use the
same physics without importing each other.
"""

from __future__ import annotations

import batman
import numpy as np
from threadpoolctl import threadpool_limits

from ._constants import LIMB_DARKENING_COEFFICIENTS

# Gravitational constant in cgs, so that density in g/cm^3 and period in
# seconds give a dimensionless a/R*.
_G_CGS = 6.674e-8
_SECONDS_PER_DAY = 86400.0


def semi_major_axis(period: np.ndarray, stellar_density: np.ndarray) -> np.ndarray:
    """Scaled semi-major axis a/R* from Kepler's third law.

    ``period`` in days, ``stellar_density`` in g/cm^3 (the Sun: 1.41).
    """
    period_s = np.asarray(period, dtype=float) * _SECONDS_PER_DAY
    density = np.asarray(stellar_density, dtype=float)
    return (_G_CGS * density * period_s**2 / (3.0 * np.pi)) ** (1.0 / 3.0)


def impact_factor(ecc: np.ndarray, w: np.ndarray) -> np.ndarray:
    """(1 - e^2) / (1 + e sin w): converts a cos i to the impact parameter."""
    ecc = np.asarray(ecc, dtype=float)
    return (1.0 - ecc**2) / (1.0 + ecc * np.sin(np.deg2rad(w)))


def inclination(a, impact, ecc, w) -> np.ndarray:
    """Orbital inclination in degrees for impact parameter ``impact``."""
    cos_i = np.asarray(impact, dtype=float) / (np.asarray(a) * impact_factor(ecc, w))
    return np.rad2deg(np.arccos(np.clip(cos_i, -1.0, 1.0)))


def transit_duration(period, a, inc, rp, ecc, w) -> np.ndarray:
    """Total transit duration T14 in days (Winn 2010, eq. 14 and 16)."""
    a = np.asarray(a, dtype=float)
    inc_rad = np.deg2rad(inc)
    impact = a * np.cos(inc_rad) * impact_factor(ecc, w)
    chord = np.sqrt(np.clip((1.0 + np.asarray(rp)) ** 2 - impact**2, 0.0, None))
    arg = np.clip(chord / (a * np.sin(inc_rad)), 0.0, 1.0)
    ecc = np.asarray(ecc, dtype=float)
    eccentric = np.sqrt(1.0 - ecc**2) / (1.0 + ecc * np.sin(np.deg2rad(w)))
    return np.asarray(period) / np.pi * np.arcsin(arg) * eccentric


def count_transits(t0, period, t_start: float, t_end: float) -> np.ndarray:
    """Number of transit mid-times inside ``[t_start, t_end]``."""
    t0 = np.asarray(t0, dtype=float)
    period = np.asarray(period, dtype=float)
    first = np.ceil((t_start - t0) / period)
    last = np.floor((t_end - t0) / period)
    return np.maximum(last - first + 1, 0).astype(int)


def make_params(row: dict, limb_dark: str) -> batman.TransitParams:
    """A batman ``TransitParams`` from one row of our parameter table."""
    params = batman.TransitParams()
    params.t0 = float(row["t0"])
    params.per = float(row["period"])
    params.rp = float(row["rp"])
    params.a = float(row["a"])
    params.inc = float(row["inc"])
    params.ecc = float(row["ecc"])
    params.w = float(row["w"])
    n_coeffs = LIMB_DARKENING_COEFFICIENTS[limb_dark]
    params.u = [float(row[f"u{k + 1}"]) for k in range(n_coeffs)]
    params.limb_dark = limb_dark
    return params


def midpoint_exp_time(exp_time: float, supersample_factor: int) -> float:
    """The ``exp_time`` to give batman for midpoint-rule supersampling.

    batman spreads its ``supersample_factor`` sub-exposures from edge to edge
    of ``exp_time``; shrinking it by (N - 1) / N puts them at the midpoints of
    N equal slices of the real exposure, whose error falls as 1/N**2 instead
    of 1/N (a short transit's depth to 0.3 % with N = 7, against 3.5 %).
    """
    n = int(supersample_factor)
    return float(exp_time) * (n - 1) / n


def batman_threads_kept():
    """A context that undoes batman's change to the OpenMP thread count.

    batman's C code calls ``omp_set_num_threads`` for every model. Where
    torch's OpenMP runtime was loaded first, the call lands there, and torch
    then trains and samples on one thread until told otherwise. threadpoolctl
    puts every OpenMP runtime's count back on exit (at about 4 ms a call:
    wrap batches of models, not each one).

    Returns
    -------
    context : threadpoolctl.threadpool_limits
        Changes no limit on entry; restores the counts on exit.
    """
    return threadpool_limits(limits=None, user_api="openmp")


def transit_light_curve(
    params: batman.TransitParams,
    time: np.ndarray,
    supersample_factor: int,
    exp_time: float,
) -> np.ndarray:
    """Relative flux of a batman transit model (1 out of transit); call it
    within :func:`batman_threads_kept`.

    With ``supersample_factor > 1`` the model is averaged over each exposure
    of length ``exp_time`` by the midpoint rule.
    """
    kwargs = {}
    if supersample_factor > 1:
        kwargs = {
            "supersample_factor": int(supersample_factor),
            "exp_time": midpoint_exp_time(exp_time, supersample_factor),
        }
    return batman.TransitModel(params, time, **kwargs).light_curve(params)
