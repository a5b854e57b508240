"""Checks shared by the estimators: ranges and planet-parameter specs.

A parameter spec is what ``TransitInjector`` takes for each planet parameter
(and ``make_kepler_like`` for ``snr``): a number, a ``(low, high)`` range or a
frozen scipy.stats distribution (``ParameterSampler``'s convention).
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np


def is_number(value) -> bool:
    """True for a real number that is not a bool."""
    return isinstance(value, Real) and not isinstance(value, bool)


def is_distribution(value) -> bool:
    """True for a frozen scipy.stats distribution (anything with rvs and ppf)."""
    return hasattr(value, "rvs") and hasattr(value, "ppf")


def check_positive_range(name, value, *, example, allow_number=True):
    """``(low, high)`` from a number or a pair with ``0 < low <= high``, finite.

    Parameters
    ----------
    name : str
        The parameter's name, for the message.
    value : float or (float, float)
        What the user gave.
    example : str
        A valid setting, shown in the message, such as ``"snr=(7.0, 30.0)"``.
    allow_number : bool, default=True
        Accept a single number as the range ``(value, value)``.

    Returns
    -------
    low, high : float
        The bounds.

    Raises
    ------
    ValueError
        If ``value`` is neither a number nor a pair of numbers, or its bounds
        are not finite, not positive or not ordered.
    """
    if allow_number and is_number(value):
        low = high = float(value)
    else:
        try:
            low, high = (float(v) for v in value)
        except (TypeError, ValueError):
            low = high = np.nan
    if not (np.isfinite(low) and np.isfinite(high) and 0 < low <= high):
        what = (
            "a number or a (low, high) pair" if allow_number else "a (low, high) pair"
        )
        raise ValueError(
            f"{name} must be {what} with 0 < low <= high, got {value!r}; for "
            f"example {example}."
        )
    return low, high


def check_spec(name, value, *, low=None, high=None, closed=("neither", "neither")):
    """Validate one parameter spec against its physical bounds.

    Parameters
    ----------
    name : str
        The parameter's name, for the message.
    value : float, (low, high) or distribution
        The spec.
    low, high : float or None, default=None
        Physical bounds of the parameter; None for none.
    closed : (str, str), default=("neither", "neither")
        Whether each bound is allowed ("closed") or not ("neither").

    Raises
    ------
    TypeError
        If ``value`` is no spec.
    ValueError
        If a bound of the spec is not finite or is out of range.
    """
    if is_distribution(value):
        return
    if is_number(value):
        bounds = (value, value)
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        if not all(is_number(v) for v in value):
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
        below = low is not None and (
            bound < low or (bound == low and closed[0] == "neither")
        )
        above = high is not None and (
            bound > high or (bound == high and closed[1] == "neither")
        )
        if below or above:
            allowed = f"> {low}" if high is None else f"lie in [{low}, {high})"
            raise ValueError(f"{name}={value!r} is out of range: it must {allowed}.")


def cadences_of(estimator):
    """Every ``*cadence`` parameter of an estimator and its steps, in days."""
    if not hasattr(estimator, "get_params"):
        return {}
    return {
        name: float(value)
        for name, value in estimator.get_params(deep=True).items()
        if name.rpartition("__")[2] == "cadence" and is_number(value)
    }


def check_cadence(estimator, cadence, *, source):
    """Refuse an estimator built for another cadence than ``cadence``.

    Parameters
    ----------
    estimator : estimator
        A detector, pipeline or injector; each of its (nested) parameters
        named ``cadence`` must agree with ``cadence`` within 1 %.
    cadence : float
        The curves' sampling interval, in days.
    source : str
        Where ``cadence`` comes from, for the message (``"the files'"``,
        ``"the injector's"``).
    """
    for name, built_for in cadences_of(estimator).items():
        if not math.isclose(built_for, cadence, rel_tol=0.01):
            raise ValueError(
                f"the {type(estimator).__name__}'s {name} is "
                f"{built_for * 1440:.4g} min but {source} cadence is "
                f"{cadence * 1440:.4g} min; use a model built for this cadence "
                "(make_detection_pipeline(cadence=...), TransitInjector(cadence=...))."
            )
