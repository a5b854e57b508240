"""Planets drawn from parameter specs, shared by the injector and the simulator.

Each spec is a number, a ``(low, high)`` range (log-uniform for the
parameters in :data:`LOG_UNIFORM`, the astronomers' habit) or a frozen
scipy.stats distribution, sampled by its inverse CDF from given uniforms, so
that the caller decides where the uniforms come from.
"""

from __future__ import annotations

import numpy as np

from ._physics import inclination, semi_major_axis
from ._validation import is_number

LOG_UNIFORM = frozenset({"period", "rp", "stellar_density", "a"})
# Columns of the uniforms that draw_planets reads, in order; the
# limb-darkening coefficients' follow.
UNIFORM_COLUMNS = ("period", "t0", "rp", "impact", "ecc", "w", "star", "snr")


def draw_spec(name, spec, u, *, upper=np.inf):
    """Map uniforms ``u`` to values of ``spec``, truncated at ``upper``."""
    if is_number(spec):
        return np.full(u.shape, float(spec))
    if hasattr(spec, "ppf"):
        # Inverse-CDF sampling on the truncated interval: no rejection loop.
        cdf_low = spec.cdf(0.0) if name in LOG_UNIFORM else 0.0
        cdf_high = spec.cdf(upper) if np.isfinite(upper) else 1.0
        return np.asarray(spec.ppf(cdf_low + u * (cdf_high - cdf_low)), dtype=float)
    low, high = float(spec[0]), min(float(spec[1]), upper)
    if name in LOG_UNIFORM:
        return np.exp(np.log(low) + u * (np.log(high) - np.log(low)))
    return low + u * (high - low)


def kipping_quadratic(q1, q2):
    """Kipping (2013) uninformative sampling of quadratic limb darkening."""
    root = np.sqrt(q1)
    return 2.0 * root * q2, root * (1.0 - 2.0 * q2)


def draw_planets(uniforms, specs, *, start, max_period):
    """One planet per row of ``uniforms``.

    Parameters
    ----------
    uniforms : ndarray of shape (n_planets, 8 + n_coefficients)
        Uniforms in (0, 1), columns in the order of :data:`UNIFORM_COLUMNS`,
        then one per limb-darkening coefficient (two for Kipping's quadratic
        draw when ``specs["u"]`` is None).
    specs : dict
        ``period``, ``t0`` (None: uniform over the first orbit from
        ``start``), ``rp``, ``impact``, ``ecc``, ``w``, ``stellar_density``,
        ``a`` (None: from the density by Kepler's third law), ``snr`` and
        ``u`` (a spec per coefficient, or None).
    start : float
        Time of the first cadence, in days.
    max_period : float
        Longest period drawn from a range or a distribution.

    Returns
    -------
    table : dict of ndarray
        ``period``, ``t0``, ``rp``, ``impact``, ``ecc``, ``w``,
        ``stellar_density`` (NaN when ``a`` is given), ``a``, ``inc``
        (degrees), ``snr`` and ``u1``...
    """
    u = uniforms
    table = {"period": draw_spec("period", specs["period"], u[:, 0], upper=max_period)}
    if specs["t0"] is None:
        table["t0"] = start + u[:, 1] * table["period"]
    else:
        table["t0"] = draw_spec("t0", specs["t0"], u[:, 1])
    for column, name in ((2, "rp"), (3, "impact"), (4, "ecc"), (5, "w")):
        table[name] = draw_spec(name, specs[name], u[:, column])
    if specs["a"] is None:
        density = draw_spec("stellar_density", specs["stellar_density"], u[:, 6])
        table["stellar_density"] = density
        table["a"] = semi_major_axis(table["period"], density)
    else:
        table["stellar_density"] = np.full(len(u), np.nan)
        table["a"] = draw_spec("a", specs["a"], u[:, 6])
    table["inc"] = inclination(table["a"], table["impact"], table["ecc"], table["w"])
    table["snr"] = draw_spec("snr", specs["snr"], u[:, 7])
    if specs["u"] is None:
        table["u1"], table["u2"] = kipping_quadratic(u[:, 8], u[:, 9])
    else:
        for k, spec in enumerate(specs["u"]):
            table[f"u{k + 1}"] = draw_spec(f"u{k + 1}", spec, u[:, 8 + k])
    return table
