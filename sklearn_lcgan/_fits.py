"""Mission light-curve FITS files (Kepler, K2, TESS) read onto a regular
cadence grid: flagged cadences dropped, gaps as NaN."""

from __future__ import annotations

import os
import warnings

import numpy as np

# The cadences that are certainly bad, as lightkurve's "default" bitmasks:
# Kepler and K2 (Kepler Archive Manual, table 2.3) and TESS (Science Data
# Products Description).
_KEPLER = {"default": 1130799, "hard": 1130799 | 1024 | 128 | 8192 | 524288}
_TESS = {"default": 17087, "hard": 17087 | 64 | 1024 | 2048 | 4096}
# Header keywords naming the observing season of each mission.
_SEASONS = {"Kepler": "QUARTER", "K2": "CAMPAIGN", "TESS": "SECTOR"}


def _fail(path, problem):
    raise ValueError(f"{path}: {problem}")


def mission_of(header):
    """``"Kepler"``, ``"K2"`` or ``"TESS"`` from a primary header."""
    telescope = str(header.get("TELESCOP", header.get("MISSION", ""))).strip()
    if telescope.upper() == "TESS":
        return "TESS"
    if telescope.upper() == "KEPLER":
        return (
            "K2" if "CAMPAIGN" in header or header.get("MISSION") == "K2" else "Kepler"
        )
    return None


def bitmask(mission, quality_bitmask):
    """The QUALITY bits that drop a cadence."""
    if isinstance(quality_bitmask, (int, np.integer)) and not isinstance(
        quality_bitmask, bool
    ):
        return int(quality_bitmask)
    if quality_bitmask == "none":
        return 0
    if quality_bitmask == "hardest":
        return -1  # every bit
    table = _TESS if mission == "TESS" else _KEPLER
    if quality_bitmask not in table:
        raise ValueError(
            "quality_bitmask must be 'none', 'default', 'hard', 'hardest' or an "
            f"int, got {quality_bitmask!r}."
        )
    return table[quality_bitmask]


def read_fits_lightcurve(path, *, flux_column, quality_bitmask):
    """One light-curve file as a regularly sampled flux.

    Returns
    -------
    flux : ndarray of shape (n_cadences,)
        The flux on the grid ``start + k * cadence``; NaN where a cadence is
        missing, flagged or has no flux.
    info : dict
        ``file``, ``target``, ``mission``, ``season`` (quarter, campaign or
        sector), ``start`` (the grid's first time, in the file's time
        system), ``cadence`` (days).
    """
    from astropy.io import fits
    from astropy.utils.exceptions import AstropyUserWarning

    path = os.fspath(path)
    try:
        # astropy only warns of a truncated file; here it is an error.
        with warnings.catch_warnings():
            warnings.simplefilter("error", AstropyUserWarning)
            hdus = fits.open(path, memmap=False, lazy_load_hdus=False)
        with hdus:
            hdus.verify("exception")
            header = hdus[0].header
            if len(hdus) < 2 or not isinstance(hdus[1], fits.BinTableHDU):
                _fail(path, "has no light-curve table in its first extension.")
            table, table_header = hdus[1].data, hdus[1].header
            columns = {name.upper(): name for name in table.columns.names}
            for needed in ("TIME", flux_column.upper(), "QUALITY"):
                if needed not in columns:
                    _fail(
                        path,
                        f"has no {needed} column (it has "
                        f"{', '.join(sorted(columns))}); is it a light-curve file?",
                    )
            time = np.asarray(table[columns["TIME"]], dtype=np.float64)
            flux = np.asarray(table[columns[flux_column.upper()]], dtype=np.float64)
            quality = np.asarray(table[columns["QUALITY"]], dtype=np.int64)
            mission = mission_of(header)
            target = (
                header.get("OBJECT") or header.get("KEPLERID") or header.get("TICID")
            )
            season = header.get(_SEASONS.get(mission, ""), None)
            timedel = table_header.get("TIMEDEL")
    except ValueError:
        raise
    except (
        OSError,
        TypeError,
        KeyError,
        IndexError,
        fits.VerifyError,
        AstropyUserWarning,
    ) as exc:
        _fail(path, f"is not a readable FITS file ({str(exc).splitlines()[0]}).")
    if mission is None:
        _fail(path, "names no Kepler, K2 or TESS mission in TELESCOP.")
    grid, start, cadence = regular_grid(
        path,
        time,
        flux,
        quality & bitmask(mission, quality_bitmask),
        timedel=timedel,
        flagged_by=f"quality_bitmask={quality_bitmask!r}",
    )
    return grid, {
        "file": os.path.basename(path),
        "target": str(target) if target is not None else "",
        "mission": mission,
        "season": season,
        "start": start,
        "cadence": cadence,
    }


def regular_grid(name, time, flux, flagged, *, timedel=None, flagged_by="its flags"):
    """A flux on a regular cadence grid, NaN where a cadence is missing.

    Parameters
    ----------
    name : str
        What the curve is called in errors (its file).
    time, flux : ndarray of shape (n_cadences,)
        Time stamps (days) and flux.
    flagged : ndarray of shape (n_cadences,)
        Nonzero where a cadence is dropped.
    timedel : float or None, default=None
        The cadence, if a header gives it; else the time stamps' median step.
    flagged_by : str, default="its flags"
        What flagged the cadences, for the error when all are.

    Returns
    -------
    grid : ndarray
        The flux at ``start + k * cadence``.
    start, cadence : float
        The grid's first time and its step, in days.
    """
    good = np.isfinite(time) & (np.asarray(flagged) == 0)
    if not good.any():
        _fail(
            name,
            f"every cadence is flagged by {flagged_by} or has no time; try "
            "quality_bitmask='none'.",
        )
    time, flux = time[good], flux[good]
    steps = np.diff(time)
    cadence = float(timedel or (np.median(steps) if steps.size else 0.0))
    if not cadence > 0:
        _fail(name, "has no positive cadence (TIMEDEL or time steps).")
    index = np.round((time - time[0]) / cadence)
    off_grid = np.abs(time - time[0] - index * cadence) > 0.25 * cadence
    if off_grid.mean() > 0.01 or np.any(np.diff(index) <= 0):
        _fail(
            name,
            f"its cadence changes within the file (time steps from "
            f"{steps.min() * 1440:.3g} to {np.max(steps) * 1440:.3g} minutes); "
            "split it where the cadence changes.",
        )
    grid = np.full(int(index[-1]) + 1, np.nan)
    grid[index.astype(np.int64)] = flux
    return grid, float(time[0]), cadence
