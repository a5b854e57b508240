"""Physical transit injection with batman: a transformer and an oversampler."""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._physics import (
    KEPLER_LONG_CADENCE,
    LIMB_DARKENING_COEFFICIENTS,
    batman_threads_kept,
    count_transits,
    impact_factor,
    inclination,
    make_params,
    robust_noise,
    semi_major_axis,
    transit_duration,
    transit_light_curve,
)
from ._random import int_seed

_GEOMETRY_COLUMNS = ["period", "t0", "rp", "a", "inc", "ecc", "w"]
_LOG_UNIFORM = {"period", "rp", "stellar_density", "a"}
_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


# --------------------------------------------------------------------------
# Counter-based random numbers: each curve's draws depend only on the seed and
# the curve itself, never on its neighbours in the batch.
# --------------------------------------------------------------------------
def _splitmix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser (Steele et al. 2014), elementwise on uint64."""
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _row_keys(X: np.ndarray, seed: int) -> np.ndarray:
    """A 64-bit key per row from its exact bits and the seed.

    An exact integer fingerprint (wrapping sums of the bit patterns times
    per-column odd constants), so a row's key is the same in any batch.
    """
    bits = np.ascontiguousarray(X, dtype=np.float64).view(np.uint64)
    weights = _splitmix64(np.arange(X.shape[1], dtype=np.uint64)) | np.uint64(1)
    fingerprint = (bits * weights).sum(axis=1, dtype=np.uint64)
    return _splitmix64(fingerprint ^ _splitmix64(np.full(1, seed, dtype=np.uint64)))


def _uniforms(keys: np.ndarray, n_draws: int) -> np.ndarray:
    """``(n_rows, n_draws)`` uniforms in (0, 1), one independent stream a row."""
    counters = np.arange(1, n_draws + 1, dtype=np.uint64) * np.uint64(
        0xD1B54A32D192ED03
    )
    bits = _splitmix64(keys[:, None] ^ counters[None, :])
    return ((bits >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


# --------------------------------------------------------------------------
# Parameter specifications: a number, a (low, high) range or a distribution.
# --------------------------------------------------------------------------
def _is_number(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _check_spec(name, value, *, low=None, high=None, closed=("neither", "neither")):
    """Validate one parameter spec against its physical bounds."""
    if hasattr(value, "rvs") and hasattr(value, "ppf"):
        return
    if _is_number(value):
        bounds = (value, value)
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        if not all(_is_number(v) for v in value):
            raise TypeError(f"{name}={value!r}: a range must hold two numbers.")
        bounds = tuple(value)
        if bounds[0] > bounds[1]:
            raise ValueError(f"{name}={value!r}: the range must be (low, high).")
    else:
        raise TypeError(
            f"{name} must be a number, a (low, high) range or a frozen "
            f"scipy.stats distribution, got {value!r}."
        )
    for bound in bounds:
        if not math.isfinite(bound):
            raise ValueError(f"{name}={value!r} must be finite.")
        if low is not None and (
            bound < low or (bound == low and closed[0] == "neither")
        ):
            raise ValueError(f"{name}={value!r} is out of range: {_bounds(low, high)}.")
        if high is not None and (
            bound > high or (bound == high and closed[1] == "neither")
        ):
            raise ValueError(f"{name}={value!r} is out of range: {_bounds(low, high)}.")


def _bounds(low, high):
    if high is None:
        return f"it must be > {low}"
    return f"it must lie in [{low}, {high})"


def _draw(name, spec, u, *, upper=np.inf):
    """Map uniforms ``u`` to values of ``spec``, truncated at ``upper``."""
    if _is_number(spec):
        return np.full(u.shape, float(spec))
    if hasattr(spec, "ppf"):
        # Inverse-CDF sampling on the truncated interval: no rejection loop.
        cdf_low = spec.cdf(0.0) if name in _LOG_UNIFORM else 0.0
        cdf_high = spec.cdf(upper) if np.isfinite(upper) else 1.0
        return np.asarray(spec.ppf(cdf_low + u * (cdf_high - cdf_low)), dtype=float)
    low, high = float(spec[0]), min(float(spec[1]), upper)
    if name in _LOG_UNIFORM:
        return np.exp(np.log(low) + u * (np.log(high) - np.log(low)))
    return low + u * (high - low)


def _kipping_quadratic(q1, q2):
    """Kipping (2013) uninformative sampling of quadratic limb darkening."""
    root = np.sqrt(q1)
    return 2.0 * root * q2, root * (1.0 - 2.0 * q2)


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
        _check_spec("period", self.period, low=0.0)
        _check_spec("rp", self.rp, low=0.0)
        _check_spec("impact", self.impact, low=0.0, closed=("closed", "neither"))
        if self.a is None:
            _check_spec("stellar_density", self.stellar_density, low=0.0)
        else:
            _check_spec("a", self.a, low=1.0)
        _check_spec("ecc", self.ecc, low=0.0, high=1.0, closed=("closed", "neither"))
        _check_spec("w", self.w)
        _check_spec("snr", self.snr, low=0.0)
        if self.t0 is not None:
            _check_spec("t0", self.t0)
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
                _check_spec(f"u[{k}]", spec)

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

    def draw_params(self, X):
        """Draw the planet that :meth:`transform` injects into each curve.

        Parameters
        ----------
        X : array-like of shape (n_curves, n_points)
            Light curves.

        Returns
        -------
        params : pandas.DataFrame of shape (n_curves, n_columns)
            One row per curve: ``period``, ``t0`` (days from the first cadence),
            ``rp``, ``a`` (stellar radii), ``inc`` (degrees), ``impact``,
            ``stellar_density``, ``ecc``, ``w``, ``u1``..., ``duration``
            (T14, days), ``n_transits``, ``snr``, ``depth`` (deepest point
            of the injected dip, in the curve's units) and ``amplitude``
            (the flux the model scales: drawn from ``snr`` in SNR mode,
            the curve's median in relative mode).
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._inject(X, self._draw(X, self._row_keys(X)))[1]

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
        return _row_keys(X, int_seed(self.random_state, high=2**63 - 1))

    def _draw(self, X, keys):
        """Draw one planet a row from the uniforms of ``keys``."""
        n_points = X.shape[1]
        time = self._time(n_points)
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
        u = _uniforms(keys, 8 + n_coeffs)
        table = {"period": _draw("period", self.period, u[:, 0], upper=max_period)}
        if self.t0 is None:
            table["t0"] = time[0] + u[:, 1] * table["period"]
        else:
            table["t0"] = _draw("t0", self.t0, u[:, 1])
        table["rp"] = _draw("rp", self.rp, u[:, 2])
        table["impact"] = _draw("impact", self.impact, u[:, 3])
        table["ecc"] = _draw("ecc", self.ecc, u[:, 4])
        table["w"] = _draw("w", self.w, u[:, 5])
        if self.a is None:
            table["stellar_density"] = _draw(
                "stellar_density", self.stellar_density, u[:, 6]
            )
            table["a"] = semi_major_axis(table["period"], table["stellar_density"])
        else:
            table["stellar_density"] = np.full(len(X), np.nan)
            table["a"] = _draw("a", self.a, u[:, 6])
        table["inc"] = inclination(
            table["a"], table["impact"], table["ecc"], table["w"]
        )
        table["snr"] = _draw("snr", self.snr, u[:, 7])
        if self.u is None:
            table["u1"], table["u2"] = _kipping_quadratic(u[:, 8], u[:, 9])
        else:
            for k, spec in enumerate(self.u):
                table[f"u{k + 1}"] = _draw(f"u{k + 1}", spec, u[:, 8 + k])
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
        order = [
            "period", "t0", "rp", "a", "inc", "impact", "stellar_density",
            "ecc", "w",
            *[c for c in frame.columns if c[0] == "u" and c[1:].isdigit()],
            "duration", "n_transits", "snr", "depth", "amplitude",
        ]  # fmt: skip
        return X_out, frame[order]


class TransitOversampler(BaseEstimator):
    """Add planet hosts made from non-hosts with injected transits.

    Randomly chosen negatives are copied and given a batman transit by
    ``injector`` until the positive class reaches ``sampling_strategy``; the
    originals stay. It follows imbalanced-learn's ``fit_resample`` contract, so
    in an :class:`imblearn.pipeline.Pipeline` it augments the training folds at
    fit time and is skipped at predict time.

    Parameters
    ----------
    injector : TransitInjector or None, default=None
        The injector that makes the transits; None uses ``TransitInjector()``.
        Its ``random_state`` is ignored: draws come from ``random_state`` here.
    sampling_strategy : "auto", float or dict, default="auto"
        Target size of the positive class: ``"auto"`` as many as negatives,
        a float the ratio positives / negatives after resampling, a dict
        ``{positive_label: n}`` the count.
    positive_label : int or str, default=1
        The label of planet hosts.
    random_state : int, RandomState instance or None, default=None
        Seed for the choice of negatives and the planets drawn.

    Attributes
    ----------
    injector_ : TransitInjector
        The fitted injector.
    sample_indices_ : ndarray of shape (n_resampled,)
        Row of ``X`` each output row comes from.
    injected_params_ : pandas.DataFrame
        The planets injected, one row per new curve, indexed by its row in
        ``X_res``, with ``source`` the negative it was made from.
    n_features_in_ : int
        Points per curve.

    See Also
    --------
    TransitInjector : The transformer that draws and injects the transits.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lcgan import TransitOversampler
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(10, 500)), np.array([1, 1] + [0] * 8)
    >>> X_res, y_res = TransitOversampler(random_state=0).fit_resample(X, y)
    >>> X_res.shape, int(y_res.sum())
    ((16, 500), 8)
    """

    _parameter_constraints = {
        "injector": [TransitInjector, None],
        "sampling_strategy": [
            StrOptions({"auto"}),
            Interval(Real, 0, None, closed="neither"),
            dict,
        ],
        "positive_label": "no_validation",
        "random_state": ["random_state"],
    }

    def __init__(
        self, *, injector=None, sampling_strategy="auto", positive_label=1,
        random_state=None,
    ):  # fmt: skip
        self.injector = injector
        self.sampling_strategy = sampling_strategy
        self.positive_label = positive_label
        self.random_state = random_state

    def _n_new(self, n_pos, n_neg):
        if self.sampling_strategy == "auto":
            target = n_neg
        elif isinstance(self.sampling_strategy, dict):
            if set(self.sampling_strategy) != {self.positive_label}:
                raise ValueError(
                    "sampling_strategy as a dict must have the positive label "
                    f"{self.positive_label!r} as its only key, got "
                    f"{self.sampling_strategy!r}."
                )
            target = int(self.sampling_strategy[self.positive_label])
        else:
            target = int(math.ceil(self.sampling_strategy * n_neg))
        if target < n_pos:
            raise ValueError(
                f"sampling_strategy={self.sampling_strategy!r} asks for {target} "
                f"positives but y already has {n_pos}; an oversampler only adds."
            )
        return target - n_pos

    @_fit_context(prefer_skip_nested_validation=False)
    def fit_resample(self, X, y):
        """Add injected copies of negatives to the positive class.

        Parameters
        ----------
        X : array-like of shape (n_curves, n_points)
            Light curves.
        y : array-like of shape (n_curves,)
            Binary labels.

        Returns
        -------
        X_res : ndarray of shape (n_curves + n_new, n_points)
            The original curves followed by the new positives.
        y_res : ndarray of shape (n_curves + n_new,)
            Their labels.
        """
        X, y = validate_data(
            self, X, y, dtype=np.float64, ensure_all_finite="allow-nan",
            ensure_min_features=2,
        )  # fmt: skip
        labels = np.unique(y)
        if self.positive_label not in labels or len(labels) != 2:
            raise ValueError(
                f"y must hold two classes, one of them positive_label="
                f"{self.positive_label!r}; got classes {labels.tolist()}."
            )
        negative = np.flatnonzero(y != self.positive_label)
        n_new = self._n_new(len(y) - len(negative), len(negative))

        rng = check_random_state(self.random_state)
        base = TransitInjector() if self.injector is None else self.injector
        self.injector_ = clone(base).fit(X)
        source = rng.choice(negative, size=n_new, replace=n_new > len(negative))
        if n_new:
            # Random keys, not the injector's content keys: two copies of one
            # negative must get two different planets.
            keys = rng.randint(0, 2**63 - 1, size=n_new).astype(np.uint64)
            table = self.injector_._draw(X[source], keys)
            X_new, params = self.injector_._inject(X[source], table)
        else:
            X_new, params = np.empty((0, X.shape[1])), pd.DataFrame()
        params.index = np.arange(len(y), len(y) + n_new)
        params.insert(0, "source", source)
        self.injected_params_ = params
        self.sample_indices_ = np.concatenate([np.arange(len(y)), source])
        y_new = np.full(n_new, self.positive_label, dtype=y.dtype)
        return np.vstack([X, X_new]), np.concatenate([y, y_new])
