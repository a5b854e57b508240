"""Data: the Kaggle "Kepler labelled time series" files and an offline
simulator of K2 long-cadence curves in the same layout."""

from __future__ import annotations

import os
from numbers import Integral, Real

import numpy as np
import pandas as pd
from scipy.signal import lfilter
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from . import io
from ._constants import KEPLER_LONG_CADENCE
from ._physics import (
    batman_threads_kept,
    count_transits,
    make_params,
    transit_duration,
    transit_light_curve,
)
from ._planets import draw_planets
from ._robust import robust_noise
from ._stars import (
    eclipsing_binaries,
    flares,
    heavy_tailed_noise,
    log_uniform,
    momentum_dumps,
    roll_systematics,
)
from ._validation import check_positive_range

_PLANET_COLUMNS = [
    "period", "t0", "rp", "a", "inc", "impact", "ecc", "w", "u1", "u2",
    "stellar_density", "depth", "duration", "snr", "n_transits",
]  # fmt: skip

_DESCR = """\
Kepler labelled time series (Kaggle layout)
-------------------------------------------

Each row is one star observed by Kepler/K2 at long cadence (29.4 min).
``LABEL`` 2 marks a confirmed planet host and 1 a non-host; this loader maps
them to ``target`` 1 and 0. The remaining columns ``FLUX.1 .. FLUX.N`` are the
median-subtracted flux in electrons per second, evenly sampled in time.
The public training file holds 5,087 curves of 3,197 points, 37 of them hosts.
"""


@validate_params(
    {"path": [str, os.PathLike], "return_X_y": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def load_kepler_csv(path, *, return_X_y=False):
    """Load a light-curve file in the Kaggle "Kepler labelled time series" layout.

    The file has a header ``LABEL,FLUX.1,...,FLUX.N`` and one curve per row,
    ``LABEL`` 2 for a planet host and 1 for a non-host. Plain, gzip (``.gz``)
    and single-file zip (``.zip``) CSVs are read; the format is told from the
    file's content, not its name. The file is read in chunks of rows into a
    preallocated array, so peak memory stays near the size of the result
    (about 130 MB for the 250 MB ``exoTrain.csv``).

    Parameters
    ----------
    path : str or path-like
        The CSV file.
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` : ndarray of shape (n_curves, n_points), float64 flux in the
        file's units (empty cells become NaN, a missing cadence).
        ``target`` : ndarray of shape (n_curves,), 1 for planet hosts, 0 otherwise.
        ``feature_names`` : list of the flux column names.
        ``DESCR`` : description of the data set.
    (X, y) : tuple of ndarray
        If ``return_X_y`` is True.

    Raises
    ------
    ValueError
        If the file is empty, has no ``LABEL`` column, has labels other than
        1 and 2, or a non-numeric or ragged row; the message names the file,
        the row (1 is the header) and the column.

    See Also
    --------
    make_kepler_like : Simulated curves in the same layout, needing no file.

    Examples
    --------
    >>> import tempfile, os
    >>> from sklearn_lcgan.datasets import load_kepler_csv
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny.csv")
    >>> rows = ["LABEL,FLUX.1,FLUX.2,FLUX.3", "2,1.5,-3.0,0.5", "1,0.0,2.0,-1.0"]
    >>> with open(path, "w") as f:
    ...     _ = f.write("\\n".join(rows))
    >>> X, y = load_kepler_csv(path, return_X_y=True)
    >>> X.shape, y.tolist()
    ((2, 3), [1, 0])
    """
    X, y, feature_names = io.read_kepler_csv(path)
    if return_X_y:
        return X, y
    return Bunch(data=X, target=y, feature_names=feature_names, DESCR=_DESCR)


@validate_params(
    {
        "path": [str, os.PathLike],
        "chunk_size": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def iter_kepler_csv(path, chunk_size=1000):
    """Read a Kaggle-layout file chunk by chunk, for files larger than memory.

    The same format and checks as :func:`load_kepler_csv`, but the file is
    read once, ``chunk_size`` curves at a time, and only one chunk is held.

    Parameters
    ----------
    path : str or path-like
        The CSV file (plain, gzip or single-file zip).
    chunk_size : int, default=1000
        Curves per chunk; the last chunk may be shorter.

    Yields
    ------
    X : ndarray of shape (n_chunk_curves, n_points)
        Flux of the chunk's curves.
    y : ndarray of shape (n_chunk_curves,)
        1 for planet hosts, 0 otherwise.

    Raises
    ------
    ValueError
        As :func:`load_kepler_csv`, when the bad row is reached.

    Examples
    --------
    >>> import tempfile, os
    >>> from sklearn_lcgan.datasets import iter_kepler_csv
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny.csv")
    >>> rows = ["LABEL,FLUX.1,FLUX.2", "2,1.5,-3.0", "1,0.0,2.0", "1,4.0,1.0"]
    >>> with open(path, "w") as f:
    ...     _ = f.write("\\n".join(rows))
    >>> [X.shape for X, y in iter_kepler_csv(path, chunk_size=2)]
    [(2, 2), (1, 2)]
    """
    yield from io.iter_kepler_csv(path, chunk_size)


# What load_lightcurves and from_lightkurve take beside their source.
_WINDOW_CONSTRAINTS = {
    "n_points": [Interval(Integral, 2, None, closed="left")],
    "flux_column": [str],
    "quality_bitmask": [StrOptions({"none", "default", "hard", "hardest"}), Integral],
    "windows": [StrOptions({"first", "all"})],
    "units": [StrOptions({"kaggle", "relative"})],
}


@validate_params(
    {
        "paths": [str, os.PathLike, list, tuple],
        **_WINDOW_CONSTRAINTS,
    },
    prefer_skip_nested_validation=True,
)
def load_lightcurves(
    paths,
    *,
    n_points=3197,
    flux_column="pdcsap_flux",
    quality_bitmask="default",
    windows="first",
    units="kaggle",
):
    """Load Kepler, K2 and TESS light-curve FITS files as windows of curves.

    Each file (the archives' ``*_llc.fits``, ``*_slc.fits``, ``*_lc.fits``;
    astropy reads them, lightkurve is not needed) loses its flagged cadences,
    is put on a regular cadence grid with NaN for gaps, and is cut into
    windows of ``n_points`` cadences from its first valid one. The cadence is
    the table's ``TIMEDEL`` where the header has it, else the time stamps'
    median step. Files are read one at a time, so memory stays near the size
    of the result; nothing is returned if any file cannot be read.

    Parameters
    ----------
    paths : str, path-like or list of them
        Files, or folders whose ``*.fits`` and ``*.fits.gz`` files are read
        (in sorted order).
    n_points : int, default=3197
        Cadences per window (3,197 as in the Kaggle files).
    flux_column : str, default="pdcsap_flux"
        The flux column (``"sap_flux"`` for simple aperture photometry).
    quality_bitmask : {"none", "default", "hard", "hardest"} or int, default="default"
        QUALITY bits that drop a cadence: lightkurve's bitmasks of the file's
        mission, or your own.
    windows : {"first", "all"}, default="first"
        The first window of each file, or every non-overlapping one.
    units : {"kaggle", "relative"}, default="kaggle"
        ``"kaggle"``: flux minus its median, in e-/s, as in the Kaggle files;
        ``"relative"``: flux over its median.

    Returns
    -------
    X : ndarray of shape (n_windows, n_points)
        The windows; NaN marks a gap.
    windows : pandas.DataFrame of shape (n_windows, 9)
        One row per window: ``file``, ``target``, ``mission``, ``season``
        (quarter, campaign or sector), ``window`` (its number in the file),
        ``start`` (time of its first cadence, in the file's time system),
        ``cadence`` (days), ``gap_fraction`` and ``n_points``.

    Raises
    ------
    ValueError
        Naming the file and what is wrong with it: not FITS, truncated, a
        missing column, every cadence flagged, a cadence that changes within
        the file, too few cadences for one window, or files of different
        cadences in one call.
    """
    from ._fits import read_fits_lightcurve

    def read(path):
        flux, info = read_fits_lightcurve(
            path, flux_column=flux_column, quality_bitmask=quality_bitmask
        )
        return path, flux, info

    return _cut_windows(
        map(read, _fits_files(paths)), n_points, windows, units, source=paths
    )


@validate_params(
    {
        "lc_or_collection": "no_validation",
        **_WINDOW_CONSTRAINTS,
    },
    prefer_skip_nested_validation=True,
)
def from_lightkurve(
    lc_or_collection,
    *,
    n_points=3197,
    flux_column="flux",
    quality_bitmask="default",
    windows="first",
    units="kaggle",
):
    """Windows of curves from lightkurve ``LightCurve`` objects.

    The same as :func:`load_lightcurves`, for light curves a user already
    holds in lightkurve (an optional extra: ``pip install
    sklearn-lcgan[lightkurve]``): each loses the cadences its ``quality``
    flags, lands on a regular cadence grid with NaN for gaps and is cut into
    windows. The mission, target, season and cadence come from its ``meta``
    (``MISSION`` or ``TELESCOP``, ``OBJECT``, ``QUARTER`` / ``CAMPAIGN`` /
    ``SECTOR``, ``TIMEDEL``), the cadence else from its time stamps.

    Parameters
    ----------
    lc_or_collection : lightkurve.LightCurve or lightkurve.LightCurveCollection
        One light curve, a collection, or a list of light curves.
    n_points : int, default=3197
        Cadences per window.
    flux_column : str, default="flux"
        The column to read: ``"flux"`` (lightkurve's chosen flux),
        ``"sap_flux"``, ``"pdcsap_flux"``...
    quality_bitmask : {"none", "default", "hard", "hardest"} or int, default="default"
        QUALITY bits that drop a cadence, as in :func:`load_lightcurves`; a
        light curve without a ``quality`` column keeps every cadence.
    windows : {"first", "all"}, default="first"
        The first window of each light curve, or every non-overlapping one.
    units : {"kaggle", "relative"}, default="kaggle"
        Flux minus its median, in the light curve's flux units, or flux over
        its median.

    Returns
    -------
    X : ndarray of shape (n_windows, n_points)
        The windows; NaN marks a gap.
    windows : pandas.DataFrame of shape (n_windows, 9)
        As in :func:`load_lightcurves`; ``file`` is the light curve's
        ``FILENAME`` or its place in the collection (``"lightcurve 0"``...).

    Raises
    ------
    TypeError
        If an item is not a lightkurve light curve.
    ValueError
        As in :func:`load_lightcurves`, naming the light curve.
    """
    try:
        import lightkurve
    except ImportError:
        raise ImportError(
            "from_lightkurve needs lightkurve: pip install sklearn-lcgan[lightkurve]."
        ) from None
    if isinstance(lc_or_collection, lightkurve.LightCurve):
        curves = [lc_or_collection]
    elif isinstance(lc_or_collection, (lightkurve.LightCurveCollection, list, tuple)):
        curves = list(lc_or_collection)
    else:
        raise TypeError(
            "from_lightkurve takes a lightkurve LightCurve, a LightCurveCollection "
            f"or a list of light curves, got {type(lc_or_collection).__name__}; "
            "for FITS files use load_lightcurves."
        )

    def read(numbered):
        number, lc = numbered
        if not isinstance(lc, lightkurve.LightCurve):
            raise TypeError(
                f"item {number} of the collection is a {type(lc).__name__}, not a "
                "lightkurve LightCurve."
            )
        flux, info = _read_lightkurve(
            lc, f"lightcurve {number}", flux_column, quality_bitmask
        )
        return info["file"], flux, info

    return _cut_windows(
        map(read, enumerate(curves)), n_points, windows, units, source="light curves"
    )


def _read_lightkurve(lc, fallback_name, flux_column, quality_bitmask):
    """One lightkurve light curve as a regularly sampled flux and its info."""
    from ._fits import _SEASONS, bitmask, regular_grid

    meta = {str(key).upper(): value for key, value in lc.meta.items()}
    name = os.path.basename(str(meta.get("FILENAME") or fallback_name))
    if flux_column not in lc.colnames:
        raise ValueError(
            f"{name}: has no {flux_column!r} column (it has "
            f"{', '.join(lc.colnames)}); choose flux_column from those."
        )
    telescope = str(meta.get("MISSION") or meta.get("TELESCOP") or "").strip()
    mission = {"KEPLER": "Kepler", "K2": "K2", "TESS": "TESS"}.get(telescope.upper())
    if mission == "Kepler" and "CAMPAIGN" in meta:
        mission = "K2"
    flagged = np.zeros(len(lc), dtype=np.int64)
    if "quality" in lc.colnames:
        flagged = np.asarray(lc["quality"], dtype=np.int64) & bitmask(
            mission, quality_bitmask
        )
    flux = np.ma.filled(np.ma.asarray(_values(lc[flux_column]), np.float64), np.nan)
    time = np.asarray(lc.time.value, dtype=np.float64)
    grid, start, cadence = regular_grid(
        name,
        time,
        flux,
        flagged,
        timedel=meta.get("TIMEDEL"),
        flagged_by=f"quality_bitmask={quality_bitmask!r}",
    )
    target = meta.get("OBJECT") or meta.get("LABEL") or meta.get("TARGETID")
    return grid, {
        "file": name,
        "target": str(target) if target is not None else "",
        "mission": mission,
        "season": meta.get(_SEASONS.get(mission, ""), None),
        "start": start,
        "cadence": cadence,
    }


def _values(column):
    """A table column's numbers, without astropy units."""
    return getattr(column, "value", column)


def _cut_windows(curves, n_points, windows, units, source):
    """``(X, windows)`` from ``(name, flux_on_grid, info)``, one source at a time."""
    rows, table = [], []
    for path, flux, info in curves:
        if table and not np.isclose(info["cadence"], table[0]["cadence"], rtol=1e-3):
            raise ValueError(
                f"{path}: its cadence ({info['cadence'] * 1440:.4g} min) differs "
                f"from {table[0]['file']}'s ({table[0]['cadence'] * 1440:.4g} min); "
                "load each cadence separately."
            )
        first = (
            int(np.flatnonzero(np.isfinite(flux))[0]) if np.isfinite(flux).any() else 0
        )
        if flux.size - first < n_points:
            raise ValueError(
                f"{path}: {flux.size - first} cadences from its first valid one, "
                f"fewer than n_points={n_points}; lower n_points or drop the file."
            )
        last = first + 1 if windows == "first" else flux.size - n_points + 1
        for k, start in enumerate(range(first, last, n_points)):
            window = flux[start : start + n_points]
            valid = np.isfinite(window)
            if valid.sum() < 2:
                continue
            centre = np.median(window[valid])
            if units == "relative":
                if not centre > 0:
                    raise ValueError(
                        f"{path}: window {k} has median flux {centre:.3g}; relative "
                        "units need positive flux (use units='kaggle')."
                    )
                window = window / centre
            else:
                window = window - centre
            rows.append(window)
            table.append(
                {
                    **info,
                    "window": k,
                    "start": info["start"] + start * info["cadence"],
                    "gap_fraction": float(1 - valid.mean()),
                    "n_points": n_points,
                }
            )
    if not rows:
        raise ValueError(f"{source}: no window with at least 2 valid cadences.")
    columns = ["file", "target", "mission", "season", "window", "start", "cadence"]
    return np.vstack(rows), pd.DataFrame(table)[[*columns, "gap_fraction", "n_points"]]


def _fits_files(paths):
    paths = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    files = []
    for path in map(os.fspath, paths):
        if os.path.isdir(path):
            found = sorted(
                os.path.join(path, name)
                for name in os.listdir(path)
                if name.lower().endswith((".fits", ".fits.gz"))
            )
            if not found:
                raise ValueError(f"{path}: a folder with no .fits or .fits.gz file.")
            files.extend(found)
        elif os.path.isfile(path):
            files.append(path)
        else:
            raise ValueError(f"{path}: no such file or folder.")
    return files


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "planet_fraction": [Interval(Real, 0, 1, closed="both")],
        "binary_fraction": [Interval(Real, 0, 1, closed="both")],
        "n_points": [Interval(Integral, 100, None, closed="left")],
        "cadence": [Interval(Real, 0, None, closed="neither")],
        "snr": [Real, tuple, list],
        "random_state": ["random_state"],
        "return_params": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def make_kepler_like(
    n_samples=1000,
    *,
    planet_fraction=0.5,
    binary_fraction=0.1,
    n_points=3197,
    cadence=KEPLER_LONG_CADENCE,
    snr=(7.0, 30.0),
    random_state=None,
    return_params=False,
):
    """Simulate K2 long-cadence light curves in the Kaggle units.

    Each curve is the flux of a star in electrons per second, median-subtracted
    as in the Kaggle files. The star's mean flux is drawn log-uniformly over
    three decades (about Kp 9.5 to 17). On top of it:

    - photon noise for a 29.4-minute exposure plus a per-star noise floor;
    - granulation, a red (Ornstein-Uhlenbeck) process with a 1-12 hour time scale;
    - rotational modulation from spots, 0.8-40 day periods, two harmonics with
      evolving amplitude, from 10 ppm to 1 %;
    - slow drifts (low-order polynomials), so most stars wander by far more than
      their point-to-point scatter;
    - K2's roll systematics: a sawtooth reset every ~6 hours by thruster
      firings, its interval, shape and amplitude varying between stars;
    - momentum dumps every 1.5-4 days: steps in the flux, some with a glitch;
    - flares on a third of the stars, rising and decaying (Davenport 2014);
    - white noise with heavy tails for some stars (Student-t);
    - occasional single-cadence cosmic-ray spikes;
    - eclipsing binaries among ``binary_fraction`` of the non-hosts: primary
      and secondary eclipses of unequal depth, grazing or not, diluted to
      SNR 7-200, labelled 0 as in the Kepler catalogues.

    Planet hosts get a batman transit (quadratic limb darkening, supersampled
    over the exposure): period log-uniform with at least two transits in the
    window, stellar density log-uniform 0.3-3 g/cm^3, a/R* from Kepler's third
    law, inclination from a uniform impact parameter in [0, 0.9]. The planet
    radius is solved so that the transit has the drawn signal-to-noise ratio,
    defined as in :class:`~sklearn_lcgan.TransitInjector`:
    ``sqrt(sum(delta_flux**2)) / sigma`` with ``sigma`` the curve's robust
    point-to-point noise.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of curves.
    planet_fraction : float, default=0.5
        Fraction of curves that host a transiting planet (label 1).
    binary_fraction : float, default=0.1
        Fraction of the non-hosts that are eclipsing binaries (label 0).
    n_points : int, default=3197
        Points per curve (3197 as in the Kaggle files, about 65 days).
    cadence : float, default=0.0204335
        Sampling interval in days (Kepler long cadence).
    snr : float or (low, high), default=(7.0, 30.0)
        Transit signal-to-noise ratio, fixed or drawn uniformly.
    random_state : int, RandomState instance or None, default=None
        Seed; the same seed gives the same curves.
    return_params : bool, default=False
        Also return a DataFrame of each curve's star and planet parameters.

    Returns
    -------
    X : ndarray of shape (n_samples, n_points)
        Median-subtracted flux in electrons per second.
    y : ndarray of shape (n_samples,)
        1 for planet hosts, 0 otherwise.
    params : pandas.DataFrame of shape (n_samples, n_columns)
        Only if ``return_params``. Indexed by curve; star columns (``flux``,
        ``white_noise``, ``noise``, ``rotation_period``, ``rotation_amplitude``)
        for every curve, planet columns (``period``, ``t0``, ``rp``, ``a``,
        ``inc``, ``impact``, ``ecc``, ``w``, ``u1``, ``u2``,
        ``stellar_density``, ``depth``, ``duration``, ``snr``, ``n_transits``)
        NaN for non-hosts, and ``binary_period``, ``binary_t0``, ``binary_snr``
        for the eclipsing binaries (NaN for the rest). Times are in days from the
        first cadence; ``depth`` is relative to the star's flux.

    See Also
    --------
    load_kepler_csv : Load the real Kaggle files in the same layout.
    sklearn_lcgan.TransitInjector : Inject transits into curves you have.

    References
    ----------
    .. [1] Kreidberg, L. (2015), "batman: BAsic Transit Model cAlculatioN in
       Python", PASP 127, 1161.
    .. [2] Van Cleve, J. E. et al. (2016), "That's How We Roll: The NASA K2
       Mission Science Products and Their Performance Metrics", PASP 128, 075002.

    Examples
    --------
    >>> from sklearn_lcgan.datasets import make_kepler_like
    >>> X, y, params = make_kepler_like(
    ...     20, n_points=500, random_state=0, return_params=True)
    >>> X.shape, int(y.sum())
    ((20, 500), 10)
    >>> bool((params.loc[y == 1, "n_transits"] >= 2).all())
    True
    """
    rng = check_random_state(random_state)
    snr_low, snr_high = check_positive_range("snr", snr, example="snr=(7.0, 30.0)")
    time = np.arange(n_points) * cadence
    span = n_points * cadence
    max_period = min(30.0, span / 2.0)
    min_period = min(0.5, max_period / 2.0)

    y = np.zeros(n_samples, dtype=np.int64)
    n_planets = int(round(n_samples * planet_fraction))
    y[rng.permutation(n_samples)[:n_planets]] = 1

    # Star brightness and white noise (photon noise of one exposure + floor).
    flux = 10.0 ** rng.uniform(3.3, 6.3, n_samples)
    exposure_s = cadence * 86400.0
    floor = log_uniform(rng, 3e-5, 3e-4, n_samples)
    white_noise = np.sqrt(flux / exposure_s + (floor * flux) ** 2)

    # Granulation: AR(1), the discrete Ornstein-Uhlenbeck process.
    tau = rng.uniform(0.05, 0.5, n_samples)
    phi = np.exp(-cadence / tau)
    gran_amp = log_uniform(rng, 5e-6, 2e-4, n_samples)
    gran = np.empty((n_samples, n_points))
    for i in range(n_samples):
        innovations = rng.standard_normal(n_points) * np.sqrt(1 - phi[i] ** 2)
        gran[i] = lfilter([1.0], [1.0, -phi[i]], innovations)
    gran *= gran_amp[:, None]

    # Rotation: two spot harmonics whose amplitude evolves.
    rot_period = log_uniform(rng, 0.8, 40.0, n_samples)
    rot_amp = log_uniform(rng, 1e-5, 1e-2, n_samples)
    second = rng.uniform(0.0, 0.5, n_samples)
    phases = rng.uniform(0, 2 * np.pi, (3, n_samples))
    evolve = log_uniform(rng, span / 2, 3 * span, n_samples)
    omega = 2 * np.pi * time[None, :] / rot_period[:, None]
    envelope = 1 + 0.3 * np.sin(
        2 * np.pi * time[None, :] / evolve[:, None] + phases[2][:, None]
    )
    rotation = (
        rot_amp[:, None]
        * envelope
        * (
            np.sin(omega + phases[0][:, None])
            + second[:, None] * np.sin(2 * omega + phases[1][:, None])
        )
    )

    # Slow drifts: Legendre polynomials of degree 1-3 over the window.
    x = 2 * time / time[-1] - 1
    legendre = np.stack([x, 0.5 * (3 * x**2 - 1), 0.5 * (5 * x**3 - 3 * x)])
    drift_amp = log_uniform(rng, 3e-5, 3e-3, n_samples)
    drift = drift_amp[:, None] * (rng.standard_normal((n_samples, 3)) @ legendre)

    roll = log_uniform(rng, 1e-5, 5e-4, n_samples)[:, None] * roll_systematics(
        rng, time, n_samples
    )

    star = flux[:, None] * (1.0 + rotation + drift + gran + roll)
    white = white_noise[:, None] * heavy_tailed_noise(rng, n_samples, n_points)
    observed = star + white
    observed += momentum_dumps(rng, time, white_noise)
    observed += flares(rng, time, cadence, white_noise)

    # Cosmic rays: a few single-cadence positive spikes.
    n_hits = rng.poisson(rng.uniform(0, 2, n_samples))
    for i in np.flatnonzero(n_hits):
        where = rng.randint(0, n_points, n_hits[i])
        observed[i, where] += white_noise[i] * log_uniform(rng, 5, 50, n_hits[i])

    noise = robust_noise(observed)
    table = pd.DataFrame(
        {
            "label": y,
            "flux": flux,
            "white_noise": white_noise,
            "noise": noise,
            "rotation_period": rot_period,
            "rotation_amplitude": rot_amp,
        }
    )
    with batman_threads_kept():
        planets, models = _simulate_planets(
            rng,
            np.flatnonzero(y),
            time,
            cadence,
            (min_period, max_period),
            (snr_low, snr_high),
            noise / flux,
        )
    for curve, model in models.items():
        observed[curve] += star[curve] * (model - 1.0)
    negatives = np.flatnonzero(y == 0)
    binaries = np.sort(
        rng.permutation(negatives)[: int(round(negatives.size * binary_fraction))]
    )
    with batman_threads_kept():
        signals, drawn = eclipsing_binaries(
            rng, time, cadence, noise[binaries] / flux[binaries]
        )
    observed[binaries] += star[binaries] * signals
    table = table.join(planets).join(pd.DataFrame(drawn, index=binaries))
    table.index.name = "curve"

    X = observed - np.median(observed, axis=1, keepdims=True)
    if return_params:
        return X, y, table
    return X, y


def _simulate_planets(rng, hosts, time, cadence, period_range, snr_range, rel_noise):
    n = hosts.size
    # The simulator's draws, in the order its seeds have always drawn them:
    # period, t0, stellar density, impact, u1, u2, SNR.
    drawn = rng.random_sample((7, n))
    uniforms = np.zeros((n, 10))
    uniforms[:, [0, 1, 6, 3, 8, 9, 7]] = drawn.T
    specs = {
        "period": period_range, "t0": None, "rp": 0.05, "impact": (0.0, 0.9),
        "ecc": 0.0, "w": 90.0, "stellar_density": (0.3, 3.0), "a": None,
        "snr": snr_range, "u": [(0.3, 0.6), (0.1, 0.3)],
    }  # fmt: skip
    table = draw_planets(uniforms, specs, start=0.0, max_period=period_range[1])
    period, t0, a, inc = (table[k] for k in ("period", "t0", "a", "inc"))
    density, impact, target_snr = (
        table["stellar_density"],
        table["impact"],
        table["snr"],
    )
    u1, u2 = table["u1"], table["u2"]

    rows, light_curves = [], {}
    for k, curve in enumerate(hosts):
        row = {
            "period": period[k],
            "t0": t0[k],
            "a": a[k],
            "inc": inc[k],
            "impact": impact[k],
            "ecc": 0.0,
            "w": 90.0,
            "u1": u1[k],
            "u2": u2[k],
            "stellar_density": density[k],
        }
        row["rp"], model, achieved = _solve_radius(
            time, cadence, row, target_snr[k], rel_noise[curve]
        )
        row.update(
            depth=1.0 - model.min(),
            duration=float(transit_duration(period[k], a[k], inc[k], row["rp"], 0, 90)),
            snr=achieved,
            n_transits=int(count_transits(t0[k], period[k], time[0], time[-1])),
        )
        rows.append(row)
        light_curves[curve] = model
    return pd.DataFrame(rows, index=hosts, columns=_PLANET_COLUMNS), light_curves


def _solve_radius(time, cadence, row, target_snr, rel_noise, n_iter=6):
    """Planet radius whose transit reaches ``target_snr`` against ``rel_noise``.

    The matched-filter SNR grows about as rp**2, so rp <- rp * sqrt(target / snr)
    converges in a few steps.
    """
    rp = 0.05
    for _ in range(n_iter):
        row["rp"] = rp
        model = transit_light_curve(make_params(row, "quadratic"), time, 7, cadence)
        snr = np.sqrt(np.sum((1.0 - model) ** 2)) / rel_noise
        if snr <= 0:
            rp = min(rp * 2, 0.5)
            continue
        rp = float(np.clip(rp * np.sqrt(target_snr / snr), 1e-4, 0.5))
    row["rp"] = rp
    model = transit_light_curve(make_params(row, "quadratic"), time, 7, cadence)
    return rp, model, float(np.sqrt(np.sum((1.0 - model) ** 2)) / rel_noise)
