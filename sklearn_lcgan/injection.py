"""TransitInjector: physical transit injection with batman, as a transformer."""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._constants import KEPLER_LONG_CADENCE, LIMB_DARKENING_COEFFICIENTS
from ._physics import (
    batman_threads_kept,
    count_transits,
    impact_factor,
    make_params,
    transit_duration,
    transit_light_curve,
)
from ._planets import draw_planets
from ._random import int_seed, keyed_uniforms, row_keys
from ._robust import robust_noise
from ._validation import check_spec

_GEOMETRY_COLUMNS = ["period", "t0", "rp", "a", "inc", "ecc", "w"]


# --------------------------------------------------------------------------
# Injection: one batman call per curve.
# --------------------------------------------------------------------------
def _transit_models(table, time, limb_dark, supersample_factor, cadence):
    """batman models of the planets in ``table`` (a dict of arrays).

    Returns, for each planet, the cadences its transits touch and the model's
    relative flux there (exactly 1 elsewhere): small to send between processes.
    """
    time = np.ascontiguousarray(time, dtype=np.float64)
    n_coeffs = LIMB_DARKENING_COEFFICIENTS[limb_dark]
    names = _GEOMETRY_COLUMNS + [f"u{k + 1}" for k in range(n_coeffs)]
    models = []
    with batman_threads_kept():
        for i in range(len(table["period"])):
            params = make_params({k: table[k][i] for k in names}, limb_dark)
            model = transit_light_curve(params, time, supersample_factor, cadence)
            support = np.flatnonzero(model != 1.0)
            models.append((support, model[support]))
    return models


def _check_curves(X, mode):
    """Noise of each curve; refuse curves the mode cannot inject into."""
    noise = robust_noise(X)
    if mode == "snr":
        flat = ~(noise > 0)
        if flat.any():
            raise ValueError(
                f"Curve {int(np.flatnonzero(flat)[0])} has no point-to-point noise "
                "(constant or too few valid cadences), so mode='snr' cannot scale "
                "a transit to it; use mode='relative' or drop the curve."
            )
        return noise, None
    centre = np.nanmedian(X, axis=1)
    off = ~(np.abs(centre - 1.0) < 0.5)
    if off.any():
        raise ValueError(
            f"mode='relative' multiplies relative flux around 1, but curve "
            f"{int(np.flatnonzero(off)[0])} has median {centre[off][0]:.4g}; "
            "normalise with FluxNormalizer(method='median') or use mode='snr'."
        )
    return noise, centre


class TransitInjector(TransformerMixin, BaseEstimator):
    """Inject physically modelled planetary transits into light curves.

    Every dip is a batman model (Kreidberg 2015) with known parameters:
    Keplerian orbit, limb darkening, and integration over each long-cadence
    exposure (supersampling, Kipping 2010). Each planet parameter is a number,
    a ``(low, high)`` range drawn uniformly (log-uniformly for ``period``,
    ``rp``, ``stellar_density`` and ``a``, the astronomers' habit), or a
    frozen ``scipy.stats`` distribution.

    Drawing and physics are separate public steps: :meth:`draw_params` returns
    the table of what :meth:`transform` will inject, and :meth:`inject` applies
    any table you give it. Each curve's draws come from ``random_state`` and
    the curve's own values, so a curve gets the same planet alone or in a
    batch, in any order (identical curves get identical planets).

    Parameters
    ----------
    period : float, (low, high) or distribution, default=(0.5, 30.0)
        Orbital period in days. Ranges and distributions are truncated at the
        longest period that puts ``min_transits`` transits in the window.
    t0 : float, (low, high), distribution or None, default=None
        Mid-time of a transit in days from the first cadence. None draws it
        uniformly over the first orbit, which guarantees ``min_transits``.
    rp : float, (low, high) or distribution, default=(0.01, 0.1)
        Planet radius in stellar radii. In ``mode="snr"`` it sets the shape of
        the transit (ingress, limb darkening), the depth follows from ``snr``.
    impact : float, (low, high) or distribution, default=(0.0, 0.9)
        Impact parameter b in stellar radii; ``b >= 1 + rp`` has no transit.
    stellar_density : float, (low, high) or distribution, default=(0.3, 3.0)
        Mean stellar density in g/cm^3 (the Sun: 1.41); with ``period`` it
        gives a/R* through Kepler's third law.
    a : float, (low, high), distribution or None, default=None
        Semi-major axis in stellar radii; if given, ``stellar_density`` is
        ignored.
    ecc : float, (low, high) or distribution, default=0.0
        Eccentricity, in [0, 1).
    w : float, (low, high) or distribution, default=90.0
        Argument of periastron in degrees.
    u : sequence or None, default=None
        Limb-darkening coefficients, one spec (number, range or distribution)
        per coefficient of ``limb_dark``. None draws quadratic coefficients
        uniformly over the physical triangle (Kipping 2013).
    limb_dark : str, default="quadratic"
        A batman limb-darkening law: "uniform", "linear", "quadratic",
        "squareroot", "logarithmic", "exponential", "power2" or "nonlinear".
    cadence : float, default=0.0204335
        Sampling interval (and exposure time) in days; Kepler long cadence.
    supersample_factor : int, default=7
        Points per exposure over which the model is averaged (Kipping 2010),
        placed at the midpoints of equal slices of the exposure: with 7, a
        35-minute transit's depth is right to 0.3 %. 1 disables it.
    mode : {"snr", "relative"}, default="snr"
        ``"snr"`` adds ``amplitude * (model - 1)`` with the amplitude set so that
        the transit has signal-to-noise ``snr`` against the curve's own noise:
        any units, including the Kaggle median-subtracted flux.
        ``"relative"`` multiplies relative flux around 1 (curves after
        ``FluxNormalizer(method="median")``) by the model: depth ~ rp**2.
    snr : float, (low, high) or distribution, default=(7.0, 30.0)
        Target signal-to-noise ratio in ``mode="snr"``, defined as
        ``sqrt(sum((amplitude * (model - 1))**2)) / sigma`` over observed
        cadences (the matched-filter SNR of the whole transit train), with
        ``sigma`` the curve's point-to-point noise (MAD of first differences
        / sqrt(2), scaled to a Gaussian sigma).
    min_transits : int, default=2
        Fewest transits in the window.
    n_jobs : int or None, default=None
        Processes for :meth:`transform`; None means 1, -1 all cores.
    random_state : int, RandomState instance or None, default=None
        Seed for the parameter draws. With an int, :meth:`draw_params` and
        :meth:`transform` agree and repeat.

    Attributes
    ----------
    n_features_in_ : int
        Points per curve seen in ``fit``.

    See Also
    --------
    TransitOversampler : Turn negatives into labelled positives for training.
    sklearn_lcgan.datasets.make_kepler_like : Simulated curves with transits.

    References
    ----------
    .. [1] Kreidberg, L. (2015), "batman: BAsic Transit Model cAlculatioN in
       Python", PASP 127, 1161.
    .. [2] Kipping, D. M. (2010), "Binning is sinning: morphological light-curve
       distortions due to finite integration time", MNRAS 408, 1758.
    .. [3] Kipping, D. M. (2013), "Efficient, uninformative sampling of
       limb darkening coefficients for two-parameter laws", MNRAS 435, 2152.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lcgan import TransitInjector
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(4, 1000))
    >>> injector = TransitInjector(snr=20.0, random_state=0).fit(X)
    >>> params = injector.draw_params(X)
    >>> params[["period", "snr", "n_transits"]].round(2)  # doctest: +SKIP
    >>> X_new = injector.transform(X)
    >>> bool(np.all(X_new.min(axis=1) < X.min(axis=1) + 1e-12))
    True
    >>> np.allclose(X_new, injector.inject(X, params))
    True
    """

    _parameter_constraints = {
        "period": "no_validation",
        "t0": "no_validation",
        "rp": "no_validation",
        "impact": "no_validation",
        "stellar_density": "no_validation",
        "a": "no_validation",
        "ecc": "no_validation",
        "w": "no_validation",
        "u": "no_validation",
        "limb_dark": [StrOptions(set(LIMB_DARKENING_COEFFICIENTS))],
        "cadence": [Interval(Real, 0, None, closed="neither")],
        "supersample_factor": [Interval(Integral, 1, None, closed="left")],
        "mode": [StrOptions({"snr", "relative"})],
        "snr": "no_validation",
        "min_transits": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        period=(0.5, 30.0),
        t0=None,
        rp=(0.01, 0.1),
        impact=(0.0, 0.9),
        stellar_density=(0.3, 3.0),
        a=None,
        ecc=0.0,
        w=90.0,
        u=None,
        limb_dark="quadratic",
        cadence=KEPLER_LONG_CADENCE,
        supersample_factor=7,
        mode="snr",
        snr=(7.0, 30.0),
        min_transits=2,
        n_jobs=None,
        random_state=None,
    ):
        self.period = period
        self.t0 = t0
        self.rp = rp
        self.impact = impact
        self.stellar_density = stellar_density
        self.a = a
        self.ecc = ecc
        self.w = w
        self.u = u
        self.limb_dark = limb_dark
        self.cadence = cadence
        self.supersample_factor = supersample_factor
        self.mode = mode
        self.snr = snr
        self.min_transits = min_transits
        self.n_jobs = n_jobs
        self.random_state = random_state

    # -- validation -----------------------------------------------------------
    def _check_specs(self):
        check_spec("period", self.period, low=0.0)
        check_spec("rp", self.rp, low=0.0)
        check_spec("impact", self.impact, low=0.0, closed=("closed", "neither"))
        if self.a is None:
            check_spec("stellar_density", self.stellar_density, low=0.0)
        else:
            check_spec("a", self.a, low=1.0)
        check_spec("ecc", self.ecc, low=0.0, high=1.0, closed=("closed", "neither"))
        check_spec("w", self.w)
        check_spec("snr", self.snr, low=0.0)
        if self.t0 is not None:
            check_spec("t0", self.t0)
        n_coeffs = LIMB_DARKENING_COEFFICIENTS[self.limb_dark]
        if self.u is None:
            if self.limb_dark != "quadratic":
                raise ValueError(
                    f"u=None draws quadratic coefficients only; give u with "
                    f"{n_coeffs} coefficient(s) for limb_dark={self.limb_dark!r}."
                )
        else:
            if isinstance(self.u, (str, bytes)) or not hasattr(self.u, "__len__"):
                raise TypeError(
                    f"u must be a sequence of coefficients, got {self.u!r}."
                )
            if len(self.u) != n_coeffs:
                raise ValueError(
                    f"limb_dark={self.limb_dark!r} takes {n_coeffs} coefficient(s) "
                    f"but u has {len(self.u)}: {self.u!r}."
                )
            for k, spec in enumerate(self.u):
                check_spec(f"u[{k}]", spec)

    def _validate_X(self, X, reset):
        X = validate_data(
            self,
            X,
            reset=reset,
            dtype=np.float64,
            ensure_all_finite="allow-nan",
        )
        if X.shape[1] < 2:
            raise ValueError(
                f"Found array with {X.shape[1]} feature(s) (shape={X.shape}); "
                "TransitInjector needs curves of at least 2 points."
            )
        empty = np.isnan(X).all(axis=1)
        if empty.any():
            raise ValueError(
                f"Curve {int(np.flatnonzero(empty)[0])} is all NaN; drop empty "
                "curves before injecting."
            )
        return X

    def _time(self, n_points):
        return np.arange(n_points) * float(self.cadence)

    # -- public API -------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the parameters and record the curve length.

        Parameters
        ----------
        X : array-like of shape (n_curves, n_points)
            Light curves, evenly sampled at ``cadence``; NaN marks a gap.
        y : None
            Ignored.

        Returns
        -------
        self : TransitInjector
            The fitted injector.
        """
        self._check_specs()
        self._validate_X(X, reset=True)
        return self

    def draw_params(self, X, *, seeds=None):
        """Draw the planet that :meth:`transform` injects into each curve.

        No transit is modelled here: the table holds what was drawn and what
        follows from it by geometry, and :meth:`inject` models each transit
        once.

        Parameters
        ----------
        X : array-like of shape (n_curves, n_points)
            Light curves.
        seeds : array-like of int of shape (n_curves,) or None, default=None
            A seed per curve, from which alone its planet is drawn; None
            derives each curve's from ``random_state`` and the curve's values,
            as :meth:`transform` does (so that identical curves get identical
            planets). Give seeds to draw different planets for copies of one
            curve.

        Returns
        -------
        params : pandas.DataFrame of shape (n_curves, n_columns)
            One row per curve: ``period``, ``t0`` (days from the first
            cadence), ``rp``, ``a`` (stellar radii), ``inc`` (degrees),
            ``impact``, ``stellar_density``, ``ecc``, ``w``, ``u1``...,
            ``duration`` (T14, days), ``n_transits`` and ``snr`` (the target,
            in SNR mode). ``inject(X, params, return_params=True)`` adds the
            injected ``depth`` and ``amplitude``, which depend on the curve's
            noise and the modelled transit.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        if seeds is None:
            keys = self._row_keys(X)
        else:
            seeds = np.asarray(seeds)
            if seeds.shape != (len(X),) or not np.issubdtype(seeds.dtype, np.integer):
                raise ValueError(
                    f"seeds must hold one int per curve ({len(X)}), got "
                    f"{seeds.dtype} of shape {seeds.shape}."
                )
            keys = seeds.astype(np.uint64)
        table = self._draw(X, keys)
        return pd.DataFrame(table)[_table_columns(table)]

    def inject(self, X, params, *, return_params=False):
        """Inject the transits described by ``params``.

        Parameters
        ----------
        X : array-like of shape (n_curves, n_points)
            Light curves; NaN cadences stay NaN.
        params : pandas.DataFrame or dict of arrays
            One row per curve with ``period``, ``t0``, ``rp``, ``a``, ``inc``,
            ``ecc``, ``w``, the limb-darkening coefficients ``u1``..., and in
            ``mode="snr"`` the target ``snr``. Other columns are ignored; the
            output of :meth:`draw_params` fits.
        return_params : bool, default=False
            Also return ``params`` completed with ``duration``, ``n_transits``,
            ``depth``, ``amplitude`` and the achieved ``snr``.

        Returns
        -------
        X_out : ndarray of shape (n_curves, n_points)
            The curves with transits.
        params : pandas.DataFrame
            Only if ``return_params``.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        table = self._check_table(params, len(X), X.shape[1])
        X_out, table = self._inject(X, table)
        return (X_out, table) if return_params else X_out

    def transform(self, X):
        """Inject one drawn planet into each curve.

        Equals ``inject(X, draw_params(X))`` for an int ``random_state``.

        Parameters
        ----------
        X : array-like of shape (n_curves, n_points)
            Light curves; NaN cadences stay NaN.

        Returns
        -------
        X_out : ndarray of shape (n_curves, n_points)
            The curves with transits, float64.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._inject(X, self._draw(X, self._row_keys(X)))[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    # -- internals --------------------------------------------------------------
    def _row_keys(self, X):
        return row_keys(X, int_seed(self.random_state, high=2**63 - 1))

    def _draw(self, X, keys):
        """Draw one planet a row from the uniforms of ``keys``."""
        time = self._time(X.shape[1])
        window = time[-1] - time[0]
        max_period = window / self.min_transits
        if hasattr(self.period, "ppf"):
            too_long = self.period.cdf(max_period) <= self.period.cdf(0.0)
        else:
            too_long = float(np.min(self.period)) > max_period
        if too_long:
            raise ValueError(
                f"period={self.period!r} allows fewer than min_transits="
                f"{self.min_transits} transits in a {window:.4g}-day window; "
                f"periods must be <= {max_period:.4g} d (lower period or "
                "min_transits, or use longer curves)."
            )
        n_coeffs = LIMB_DARKENING_COEFFICIENTS[self.limb_dark]
        specs = {
            name: getattr(self, name)
            for name in ("period", "t0", "rp", "impact", "ecc", "w")
            + ("stellar_density", "a", "snr", "u")
        }
        table = draw_planets(
            keyed_uniforms(keys, 8 + n_coeffs),
            specs,
            start=time[0],
            max_period=max_period,
        )
        self._check_physics(table, time)
        return table

    def _check_table(self, params, n_curves, n_points):
        """Validate a user's parameter table; return it as a dict of arrays."""
        n_coeffs = LIMB_DARKENING_COEFFICIENTS[self.limb_dark]
        required = _GEOMETRY_COLUMNS + [f"u{k + 1}" for k in range(n_coeffs)]
        if self.mode == "snr":
            required.append("snr")
        try:
            frame = pd.DataFrame(params)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                "params must be a DataFrame or a dict of arrays, such as the "
                f"output of draw_params; got {type(params).__name__}."
            ) from exc
        missing = [c for c in required if c not in frame.columns]
        if missing:
            raise ValueError(
                f"params lacks column(s) {missing}; draw_params(X) returns a "
                "complete table."
            )
        if len(frame) != n_curves:
            raise ValueError(
                f"params has {len(frame)} rows but X has {n_curves} curves; give "
                "one row per curve."
            )
        table = {}
        for column in [*required, "impact", "stellar_density"]:
            if column not in frame.columns:
                continue
            try:
                table[column] = frame[column].to_numpy(dtype=np.float64)
            except (TypeError, ValueError):
                raise TypeError(f"params column {column!r} must be numeric.") from None
        table.setdefault(
            "impact",
            table["a"]
            * np.cos(np.deg2rad(table["inc"]))
            * impact_factor(table["ecc"], table["w"]),
        )
        table.setdefault("stellar_density", np.full(n_curves, np.nan))
        self._check_physics(table, self._time(n_points))
        return table

    def _check_physics(self, table, time):
        """Refuse impossible planets before any batman call."""

        def fail(mask, message):
            if np.any(mask):
                i = int(np.flatnonzero(mask)[0])
                values = ", ".join(
                    f"{k}={table[k][i]:.4g}"
                    for k in ("period", "t0", "rp", "a", "impact", "ecc")
                )
                raise ValueError(f"Curve {i} ({values}): {message}")

        for name in ("period", "t0", "rp", "a", "ecc", "w", "impact", "inc"):
            fail(~np.isfinite(table[name]), f"{name} is NaN or infinite.")
        if self.mode == "snr":
            fail(~(table["snr"] > 0), "snr must be positive.")
        fail(table["period"] <= 0, "period must be positive.")
        fail(table["rp"] <= 0, "rp must be positive.")
        fail((table["ecc"] < 0) | (table["ecc"] >= 1), "ecc must lie in [0, 1).")
        fail(
            table["a"] * (1 - table["ecc"]) <= 1 + table["rp"],
            "the orbit passes inside the star (a * (1 - ecc) <= 1 + rp); use a "
            "longer period or a denser star.",
        )
        fail(
            np.abs(table["impact"]) >= 1 + table["rp"],
            "the impact parameter is >= 1 + rp, so the planet never transits.",
        )
        n_transits = count_transits(table["t0"], table["period"], time[0], time[-1])
        fail(
            n_transits < self.min_transits,
            f"fewer than min_transits={self.min_transits} transits fall in the "
            f"{time[-1] - time[0]:.4g}-day window; shorten the period or move t0 "
            "into the window.",
        )
        table["n_transits"] = n_transits
        table["duration"] = transit_duration(
            table["period"],
            table["a"],
            table["inc"],
            table["rp"],
            table["ecc"],
            table["w"],
        )

    def _inject(self, X, table):
        args = (
            self._time(X.shape[1]),
            self.limb_dark,
            self.supersample_factor,
            float(self.cadence),
        )
        n_jobs = min(effective_n_jobs(self.n_jobs), len(X))
        if n_jobs == 1:
            noise, centre = _check_curves(X, self.mode)
            models = _transit_models(table, *args)
        else:
            # A few blocks per worker even out curves with many transits; the
            # workers start at once and the noise is measured meanwhile.
            blocks = np.array_split(np.arange(len(X)), min(4 * n_jobs, len(X)))
            pending = Parallel(n_jobs=n_jobs, return_as="generator")(
                delayed(_transit_models)({k: v[rows] for k, v in table.items()}, *args)
                for rows in blocks
            )
            noise, centre = _check_curves(X, self.mode)
            models = [model for block in pending for model in block]
        X_out = X.copy()
        depth, amplitude, snr = np.empty((3, len(X)))
        for i, (support, model) in enumerate(models):
            signal = model - 1.0
            observed = np.isfinite(X[i, support])
            norm = math.sqrt(float(np.dot(signal[observed], signal[observed])))
            if norm == 0.0:
                raise ValueError(
                    f"Curve {i}: no transit of period {table['period'][i]:.4g} d and "
                    f"t0 {table['t0'][i]:.4g} d falls on an observed cadence (all in "
                    "gaps or outside the window); change t0/period or drop the curve."
                )
            if self.mode == "relative":
                X_out[i, support] = X[i, support] * model
                amplitude[i] = centre[i]
                snr[i] = abs(centre[i]) * norm / noise[i] if noise[i] > 0 else np.inf
            else:
                amplitude[i] = table["snr"][i] * noise[i] / norm
                X_out[i, support] = X[i, support] + amplitude[i] * signal
                snr[i] = table["snr"][i]
            depth[i] = -amplitude[i] * signal.min()
        frame = pd.DataFrame({k: np.asarray(v) for k, v in table.items()})
        frame["depth"], frame["amplitude"], frame["snr"] = depth, amplitude, snr
        return X_out, frame[_table_columns(frame)]


def _table_columns(table):
    """The columns of a planet table, in the order users read them."""
    limb = [c for c in table if c[0] == "u" and c[1:].isdigit()]
    order = [
        "period", "t0", "rp", "a", "inc", "impact", "stellar_density", "ecc", "w",
        *limb, "duration", "n_transits", "snr", "depth", "amplitude",
    ]  # fmt: skip
    return [c for c in order if c in table]
