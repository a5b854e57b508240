"""The studies: fooling rate, injection-recovery completeness, augmentation gain.

Each uses estimators only through their public methods (``predict_proba``,
``fit``, ``fit_resample``, ``sample``, ``inject``), so any scikit-learn
classifier or pipeline with two classes can be studied.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import (
    average_precision_score,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.utils import Bunch, check_random_state
from sklearn.utils.validation import check_array
from tqdm.auto import tqdm

from ._constants import KEPLER_LONG_CADENCE
from ._validation import cadences_of, check_cadence
from .injection import TransitInjector

DEFAULT_SNR_BINS = (7.0, 12.0, 18.0, 24.0, 30.0)


def recovery_grid(n_points, cadence=KEPLER_LONG_CADENCE):
    """SNR x period grid, periods limited to two transits in the window.

    Parameters
    ----------
    n_points : int
        Points per curve.
    cadence : float, default=0.0204335
        Sampling interval in days.

    Returns
    -------
    grid : dict
        ``{"snr": [...], "period": [...]}`` for
        :func:`~sklearn_lcgan.experiments.injection_recovery`.
    """
    longest = (n_points - 1) * cadence / 2
    periods = [p for p in (0.5, 1.0, 3.0, 8.0, 20.0) if p <= longest]
    return {"snr": [5.0, 10.0, 15.0, 25.0], "period": periods}


def planet_proba(classifier, X, planet_label=1) -> np.ndarray:
    """The classifier's probability that each curve hosts a planet.

    Parameters
    ----------
    classifier : fitted classifier or pipeline
        Anything with ``predict_proba`` and ``classes_``.
    X : array-like of shape (n_curves, n_points)
        Curves.
    planet_label : label, default=1
        The class of planet hosts.

    Returns
    -------
    proba : ndarray of shape (n_curves,)
        Probability of ``planet_label``.
    """
    if not hasattr(classifier, "predict_proba"):
        raise TypeError(
            f"{type(classifier).__name__} has no predict_proba: the studies need a "
            "detector (a classifier such as make_detection_pipeline()), not a "
            "generator or a transformer."
        )
    classes = getattr(classifier, "classes_", None)
    classes = [] if classes is None else list(classes)
    if planet_label not in classes:
        raise ValueError(
            f"planet_label={planet_label!r} is not one of the classifier's classes "
            f"{classes}."
        )
    return classifier.predict_proba(X)[:, classes.index(planet_label)]


def _threshold(classifier, X_base, planet_label, threshold, false_positive_rate):
    if false_positive_rate is None:
        return float(threshold)
    if not 0 < false_positive_rate < 1:
        raise ValueError(
            f"false_positive_rate must lie in (0, 1), got {false_positive_rate!r}."
        )
    if len(X_base) * false_positive_rate < 10:
        warnings.warn(
            f"{len(X_base)} curves set the threshold of a {false_positive_rate:g} "
            f"false-positive rate from their {len(X_base) * false_positive_rate:.1g} "
            f"highest scores; give at least {int(np.ceil(10 / false_positive_rate))} "
            "curves for a threshold that means something.",
            UserWarning,
            stacklevel=3,
        )
    base = planet_proba(classifier, X_base, planet_label)
    return float(np.quantile(base, 1 - false_positive_rate))


def fooling_rate(
    classifier,
    X_generated,
    *,
    injector=None,
    planet_label=1,
    threshold=0.5,
    snr_bins=DEFAULT_SNR_BINS,
    verbose=False,
):
    """How often a detector calls generated curves planets, before and after
    batman transits are injected into them.

    The prototype's study: a GAN learns stars' noise, the injector adds
    physically modelled transits, and the detector is asked about both.

    Parameters
    ----------
    classifier : fitted classifier or pipeline
        The detector under test.
    X_generated : array-like of shape (n_curves, n_points)
        Generated curves without transits (``TransitCurveGenerator.sample``).
    injector : TransitInjector or None, default=None
        Draws the transits; None uses ``TransitInjector(random_state=0)``.
    planet_label : label, default=1
        The class of planet hosts.
    threshold : float, default=0.5
        Probability above which a curve is called a planet.
    snr_bins : sequence of float, default=(7, 12, 18, 24, 30)
        Edges of the SNR bins of ``by_snr``; the outer bins widen to hold
        every injected SNR.
    verbose : bool, default=False
        Show a progress bar over the injection and the two scorings.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``proba_before``, ``proba_after`` (ndarray): planet probabilities;
        ``rate_before``, ``rate_after`` (float): fractions called planets;
        ``by_snr`` (DataFrame): fraction called planets after injection, by
        SNR bin; ``params`` (DataFrame): the injected planets;
        ``X_injected`` (ndarray): the curves with transits.
    """
    X = check_array(X_generated, dtype=np.float64)
    injector = clone(TransitInjector(random_state=0) if injector is None else injector)
    check_cadence(classifier, injector.cadence, source="the injector's")
    with tqdm(total=3, desc="fooling rate", disable=not verbose) as bar:
        injector.fit(X)
        X_injected, params = injector.inject(
            X, injector.draw_params(X), return_params=True
        )
        bar.update()
        before = planet_proba(classifier, X, planet_label)
        bar.update()
        after = planet_proba(classifier, X_injected, planet_label)
        bar.update()
    called = after >= threshold
    # Widen the outer bins to hold every injected SNR.
    edges = sorted(snr_bins)
    edges[0] = min(edges[0], float(params["snr"].min()))
    edges[-1] = max(edges[-1], float(params["snr"].max()))
    labels = [
        f"{low:.3g}-{high:.3g}" for low, high in zip(edges[:-1], edges[1:], strict=True)
    ]
    bins = pd.cut(params["snr"], edges, labels=labels, include_lowest=True)
    by_snr = (
        pd.DataFrame({"snr_bin": bins, "called_planet": called})
        .groupby("snr_bin", observed=False)["called_planet"]
        .agg(["size", "mean"])
        .rename(columns={"size": "n_curves", "mean": "rate"})
        .reset_index()
    )
    return Bunch(
        proba_before=before,
        proba_after=after,
        rate_before=float(np.mean(before >= threshold)),
        rate_after=float(np.mean(called)),
        by_snr=by_snr,
        params=params,
        X_injected=X_injected,
    )


def injection_recovery(
    classifier,
    X_base,
    injector=None,
    grid=None,
    *,
    planet_label=1,
    threshold=0.5,
    false_positive_rate=None,
    verbose=False,
):
    """Completeness of a detector over a grid of injected planets.

    For each cell of ``grid`` (two or more injector parameters, each a list
    of fixed values) a transit is injected into every curve of ``X_base`` and
    the fraction the detector calls planets is recorded, the standard
    injection-recovery test of transit surveys.

    Parameters
    ----------
    classifier : fitted classifier or pipeline
        The detector under test.
    X_base : array-like of shape (n_curves, n_points)
        Curves without planets to inject into.
    injector : TransitInjector or None, default=None
        The other planet parameters; None uses ``TransitInjector(random_state=0)``.
    grid : dict of str to list, default=None
        Injector parameters to vary, e.g. ``{"snr": [5, 10, 20],
        "period": [1, 3, 10]}``; None uses that example.
    planet_label : label, default=1
        The class of planet hosts.
    threshold : float, default=0.5
        Probability above which a curve is called a planet.
    false_positive_rate : float or None, default=None
        If set, the threshold is instead chosen so that this fraction of the
        curves of ``X_base`` (without injections) is called planets: the
        completeness at a fixed false-alarm rate. A warning says when there
        are too few curves for that rate to mean much.
    verbose : bool, default=False
        Show a progress bar over the grid's cells.

    Returns
    -------
    table : pandas.DataFrame
        One row per cell: the grid values, ``n_injected``, ``n_recovered``,
        ``completeness`` and the ``threshold`` used.
    """
    X = check_array(X_base, dtype=np.float64)
    injector = clone(TransitInjector(random_state=0) if injector is None else injector)
    check_cadence(classifier, injector.cadence, source="the injector's")
    grid = (
        {"snr": [5.0, 10.0, 20.0], "period": [1.0, 3.0, 10.0]} if grid is None else grid
    )
    if not isinstance(grid, dict) or not grid:
        raise TypeError(f"grid must be a non-empty dict of lists, got {grid!r}.")
    unknown = set(grid) - set(injector.get_params())
    if unknown:
        raise ValueError(
            f"grid names {sorted(unknown)}, which are not TransitInjector "
            "parameters; vary e.g. 'snr', 'period', 'rp' or 'impact'."
        )
    cut = _threshold(classifier, X, planet_label, threshold, false_positive_rate)
    rows = []
    names = list(grid)
    cells = list(itertools.product(*(grid[name] for name in names)))
    for values in tqdm(cells, desc="injection-recovery", disable=not verbose):
        injector.set_params(**dict(zip(names, values, strict=True))).fit(X)
        proba = planet_proba(classifier, injector.transform(X), planet_label)
        recovered = int(np.sum(proba >= cut))
        rows.append(
            {
                **dict(zip(names, values, strict=True)),
                "n_injected": len(X),
                "n_recovered": recovered,
                "completeness": recovered / len(X),
                "threshold": cut,
            }
        )
    return pd.DataFrame(rows)


def augmentation_gain(
    estimator,
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    augmenters,
    planet_label=1,
    threshold=0.5,
    random_state=0,
    return_estimators=False,
):
    """Train a detector with and without synthetic planets; compare on test data.

    The practical answer to "37 planets in 5,087 curves": each augmenter adds
    planet hosts to the training set only, and the same detector is trained
    on each version and scored on the same held-out curves.

    Parameters
    ----------
    estimator : classifier or pipeline (unfitted)
        The detector; cloned for every training set.
    X_train, y_train : array-like
        The original training curves and labels.
    X_test, y_test : array-like
        Held-out curves and labels, never augmented.
    augmenters : dict of str to object
        Named ways to add planets: an object with ``fit_resample`` (such as
        :class:`~sklearn_lcgan.TransitOversampler`), or a
        :class:`~sklearn_lcgan.TransitCurveGenerator` with a
        ``transit_injector``, fitted on the training non-hosts (a generator
        already fitted, on those curves, is used as it is) and sampled with
        ``y=planet_label`` until the classes balance.
    planet_label : label, default=1
        The class of planet hosts.
    threshold : float, default=0.5
        Probability above which a curve is called a planet.
    random_state : int, default=0
        Seed for the generator's samples.
    return_estimators : bool, default=False
        Also return the fitted detectors, by training-set name.

    Returns
    -------
    table : pandas.DataFrame
        One row per training set (``"none"`` first): ``n_train``,
        ``n_planets``, ``recall``, ``precision``, ``pr_auc``, ``roc_auc``.
    estimators : dict of str to estimator
        Only if ``return_estimators``.
    """
    X_train = check_array(X_train, dtype=np.float64)
    X_test = check_array(X_test, dtype=np.float64)
    y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    rng = check_random_state(random_state)
    sets = {"none": (X_train, y_train)}
    for name, augmenter in augmenters.items():
        for cadence in cadences_of(augmenter).values():
            check_cadence(estimator, cadence, source=f"augmenter {name!r}'s")
        if hasattr(augmenter, "fit_resample"):
            sets[name] = clone(augmenter).fit_resample(X_train, y_train)
        elif hasattr(augmenter, "sample"):
            negatives = X_train[y_train != planet_label]
            n_new = len(negatives) - int(np.sum(y_train == planet_label))
            generator = augmenter
            if not hasattr(augmenter, "n_features_in_"):
                generator = clone(augmenter).fit(negatives)
            X_new, y_new = generator.sample(
                max(n_new, 0), y=planet_label, random_state=rng.randint(2**31 - 1)
            )
            sets[name] = (np.vstack([X_train, X_new]), np.r_[y_train, y_new])
        else:
            raise TypeError(
                f"augmenter {name!r} has neither fit_resample nor sample; use a "
                "TransitOversampler or a TransitCurveGenerator."
            )
    rows, models = [], {}
    truth = (y_test == planet_label).astype(int)
    for name, (X_fit, y_fit) in sets.items():
        model = models[name] = clone(estimator).fit(X_fit, y_fit)
        proba = planet_proba(model, X_test, planet_label)
        called = (proba >= threshold).astype(int)
        rows.append(
            {
                "augmentation": name,
                "n_train": len(y_fit),
                "n_planets": int(np.sum(y_fit == planet_label)),
                "recall": recall_score(truth, called, zero_division=0),
                "precision": precision_score(truth, called, zero_division=0),
                "pr_auc": average_precision_score(truth, proba),
                "roc_auc": roc_auc_score(truth, proba),
            }
        )
    table = pd.DataFrame(rows)
    return (table, models) if return_estimators else table
