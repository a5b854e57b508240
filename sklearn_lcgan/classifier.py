"""LightCurveClassifier: an LSTM transit detector on skorch, and its pipelines."""

from __future__ import annotations

import copy
import inspect
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelEncoder, MinMaxScaler, Normalizer
from sklearn.utils import _safe_indexing
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import (
    _num_samples,
    check_consistent_length,
    column_or_1d,
    validate_data,
)
from skorch import NeuralNetClassifier
from skorch.callbacks import EarlyStopping, ProgressBar
from skorch.dataset import ValidSplit
from torch.utils.data import Dataset

from ._constants import KEPLER_LONG_CADENCE
from ._epoch_table import EpochTable
from ._interrupt import keep_last_epoch
from ._random import int_seed
from ._validation import check_cadence
from .injection import TransitInjector
from .nn import PatchLSTMDetector, PrototypeLSTM
from .nn.folding import FoldedViewDetector
from .preprocessing import (
    Detrender,
    FluxNormalizer,
    FourierMagnitude,
    GapFiller,
    GaussianSmoother,
    OutlierClipper,
)


class _FreshTransits(Dataset):
    """The training curves, with new transits in some non-hosts every epoch.

    :meth:`refresh` draws, from the seed and the epoch alone, which non-hosts
    get a transit (enough to balance the classes) and their planets; those
    curves count as hosts for that epoch only.
    """

    def __init__(self, dataset, injector, seed):
        X, y = zip(*(dataset[i] for i in range(len(dataset))), strict=True)
        self.X, self.y = np.stack(X), np.asarray(y)
        self.injector, self.seed = injector, seed
        self.X_epoch, self.y_epoch = self.X, self.y

    def refresh(self, epoch):
        rng = np.random.default_rng([self.seed, epoch])
        negatives = np.flatnonzero(self.y == 0)
        chosen = rng.choice(negatives, _n_to_inject(self.y), replace=False)
        self.X_epoch, self.y_epoch = self.X.copy(), self.y.copy()
        if chosen.size:
            seeds = rng.integers(0, 2**63 - 1, chosen.size)
            params = self.injector.draw_params(self.X[chosen], seeds=seeds)
            self.X_epoch[chosen] = self.injector.inject(self.X[chosen], params)
            self.y_epoch[chosen] = 1

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.X_epoch[i], self.y_epoch[i]


def _n_to_inject(y):
    """Non-hosts (encoded 0) that get a transit so that the classes balance."""
    return max(0, int(np.sum(y == 0) - np.sum(y == 1)) // 2)


class LightCurveClassifier(NeuralNetClassifier):
    """A transit detector: stacked LSTMs over patches of the curve, on skorch.

    A :class:`skorch.NeuralNetClassifier`, so skorch's whole API is there
    (callbacks, ``history``, ``module__*`` parameters, ``device``,
    ``partial_fit``, ``warm_start``), hardened for scikit-learn use: ``X`` may
    be float64, a list or a DataFrame (cast to float32 at the torch
    boundary), ``y`` any two labels, ``random_state`` seeds torch and the
    validation split without touching torch's global generator, and
    ``class_weight="balanced"`` reweights the loss for rare planets.

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=PatchLSTMDetector
        The network; it maps float32 curves ``(batch, n_points)`` to two
        logits. A module whose ``__init__`` takes ``n_features`` gets the
        curve length from the data. Set its parameters as ``module__name``.
    criterion : torch loss class, default=torch.nn.CrossEntropyLoss
        Loss on the logits.
    optimizer : torch optimizer class, default=torch.optim.AdamW
        Optimizer; set its parameters as ``optimizer__name``.
    lr : float, default=3e-3
        Learning rate.
    max_epochs : int, default=10
        Passes over the training data.
    batch_size : int, default=64
        Curves per gradient step.
    class_weight : "balanced", dict or None, default=None
        Loss weights by class, as in scikit-learn (``{label: weight}``).
    injector : TransitInjector or None, default=None
        Fresh transits every epoch: each training epoch this injector puts
        new batman transits into randomly chosen training non-hosts, enough
        to balance the classes, and they count as hosts for that epoch, so a
        few real hosts never limit training. The planet label is
        ``classes_[1]`` (1 of 0/1, 2 of the Kaggle 1/2). It injects into the
        curves the classifier receives (after a pipeline's cleaning), so in
        ``mode="snr"`` the SNR is against their own noise. Validation curves
        are left as they are.
    train_split : "stratified", None or callable, default="stratified"
        ``"stratified"`` holds out a stratified, seeded ``validation_fraction``
        of the training curves to report ``valid_loss``; None trains on all
        curves; a skorch ``train_split`` callable is used as it is.
    validation_fraction : float, default=0.1
        Share of curves held out by ``train_split="stratified"``.
    early_stopping : bool, default=False
        Stop when ``valid_loss`` has not improved for ``patience`` epochs and
        keep the best weights (needs a validation split).
    patience : int, default=5
        Epochs without improvement before stopping.
    random_state : int, RandomState instance or None, default=None
        Seed for the weights, the batch order and the validation split.
    verbose : int, default=0
        0 is silent; 1 prints a line per epoch and a progress bar.
    device : str or torch.device, default="cpu"
        Where the network trains, e.g. ``"cuda"``.
    **kwargs
        Any other skorch parameter (``callbacks``, ``warm_start``,
        ``module__hidden_size``, ``optimizer__weight_decay``, ...).

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The labels, in the order of the ``predict_proba`` columns.
    n_features_in_ : int
        Points per curve seen in ``fit``.
    module_ : torch.nn.Module
        The trained network.
    history_ : skorch.History
        Losses per epoch (``net.history[:, "train_loss"]``).
    class_weight_ : ndarray of shape (2,) or None
        The loss weights used.

    See Also
    --------
    make_detection_pipeline : The recommended preprocessing plus this detector.
    make_prototype_pipeline : The original notebook's recipe, for comparison.

    Examples
    --------
    >>> from sklearn_lcgan import LightCurveClassifier, make_kepler_like
    >>> X, y = make_kepler_like(40, n_points=400, random_state=0)
    >>> clf = LightCurveClassifier(max_epochs=2, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:3]).shape
    (3, 2)
    >>> len(clf.history)
    2
    """

    def __init__(
        self,
        module=PatchLSTMDetector,
        *,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.AdamW,
        lr=3e-3,
        max_epochs=10,
        batch_size=64,
        class_weight=None,
        injector=None,
        train_split="stratified",
        validation_fraction=0.1,
        early_stopping=False,
        patience=5,
        random_state=None,
        verbose=0,
        device="cpu",
        **kwargs,
    ):
        super().__init__(
            module,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            verbose=verbose,
            device=device,
            **kwargs,
        )
        self.class_weight = class_weight
        self.injector = injector
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.patience = patience
        self.random_state = random_state

    # -- validation ------------------------------------------------------------
    def _check_hyperparameters(self):
        if not (self.injector is None or isinstance(self.injector, TransitInjector)):
            raise TypeError(
                "injector must be a TransitInjector or None, got "
                f"{type(self.injector).__name__}."
            )
        if self.injector is not None:
            # The injector's transits must be drawn on the module's time axis.
            check_cadence(self, self.injector.cadence, source="the injector's")
        if not (self.train_split in ("stratified", None) or callable(self.train_split)):
            raise ValueError(
                "train_split must be 'stratified', None or a skorch split callable, "
                f"got {self.train_split!r}."
            )
        if self.train_split == "stratified" and not (
            isinstance(self.validation_fraction, Real)
            and 0 < self.validation_fraction < 1
        ):
            raise ValueError(
                "validation_fraction must lie in (0, 1), got "
                f"{self.validation_fraction!r}; set train_split=None to train on "
                "every curve."
            )
        if self.early_stopping and self.train_split is None:
            raise ValueError(
                "early_stopping=True needs a validation split; set "
                "train_split='stratified'."
            )
        if not isinstance(self.early_stopping, bool):
            raise TypeError(
                f"early_stopping must be True or False, got {self.early_stopping!r}."
            )
        for name in ("patience", "max_epochs", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not (
                isinstance(value, Integral) and value >= 1
            ):
                raise ValueError(f"{name} must be a positive int, got {value!r}.")
        if isinstance(self.lr, bool) or not (isinstance(self.lr, Real) and self.lr > 0):
            raise ValueError(f"lr must be a positive number, got {self.lr!r}.")

    def _validate_X(self, X, reset):
        return validate_data(self, X, reset=reset, dtype=np.float32).astype(
            np.float32, copy=False
        )

    # -- fitting ---------------------------------------------------------------
    def fit(self, X, y, **fit_params):
        """Train the detector from scratch (or further, with ``warm_start``).

        Parameters
        ----------
        X : array-like of shape (n_curves, n_points)
            Curves; float64, lists and DataFrames are accepted.
        y : array-like of shape (n_curves,)
            Two labels of any type (0/1, the Kaggle 1/2, strings).
        **fit_params
            Passed to skorch's ``fit``.

        Returns
        -------
        self : LightCurveClassifier
            The trained classifier.
        """
        self._check_hyperparameters()
        keep = self.warm_start and self._fitted()
        X, y = self._validate_Xy(X, y, reset=not keep)
        self.seed_ = int_seed(self.random_state)
        self._fit_injector(X)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed_)
            if not keep:
                self.initialize()
            # skorch's own partial_fit: the data is already validated and encoded.
            NeuralNetClassifier.partial_fit(self, X, y, **fit_params)
        self._check_finite_loss(X)
        return self

    def partial_fit(self, X, y, classes=None, **fit_params):
        """Train for ``max_epochs`` more epochs, keeping the current weights.

        Parameters
        ----------
        X : array-like of shape (n_curves, n_points)
            Curves.
        y : array-like of shape (n_curves,)
            Labels.
        classes : None
            Ignored; the labels are taken from the first call.
        **fit_params
            Passed to skorch's ``partial_fit``.

        Returns
        -------
        self : LightCurveClassifier
            The trained classifier.
        """
        self._check_hyperparameters()
        first = not self._fitted()
        X, y = self._validate_Xy(X, y, reset=first)
        if first:
            self.seed_ = int_seed(self.random_state)
        self._fit_injector(X)
        with torch.random.fork_rng(devices=[]):
            # A new stream each call, repeatable from the seed.
            torch.manual_seed(self.seed_ + (0 if first else len(self.history_)))
            if first:
                self.initialize()
            NeuralNetClassifier.partial_fit(self, X, y, **fit_params)
        self._check_finite_loss(X)
        return self

    def _fit_injector(self, X):
        if self.injector is None:
            self.__dict__.pop("injector_", None)
            return
        self.injector_ = clone(self.injector).fit(X)

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        """Inject the epoch's fresh transits; remember the weights the epoch
        starts from (see ``fit_loop``)."""
        if isinstance(dataset_train, _FreshTransits):
            dataset_train.refresh(len(self.history_))
        self._epoch_start_ = (
            len(self.history_),
            copy.deepcopy(self.module_.state_dict()),
        )
        super().on_epoch_begin(net, dataset_train, dataset_valid, **kwargs)

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        """skorch's training loop; Ctrl-C keeps the last finished epoch.

        skorch stops quietly on KeyboardInterrupt with the weights of the
        interrupted batch; here the weights and history roll back to the end
        of the last finished epoch, and a warning says so.
        """
        try:
            return super().fit_loop(X, y, epochs=epochs, **fit_params)
        except KeyboardInterrupt:
            done, weights = self._epoch_start_

            def restore():
                self.module_.load_state_dict(weights)
                del self.history_[done:]

            keep_last_epoch(restore, done)
            return self
        finally:
            self.__dict__.pop("_epoch_start_", None)  # a copy of the weights

    def _check_finite_loss(self, X):
        losses = self.history_[:, "train_loss"] if len(self.history_) else []
        if np.isfinite(losses).all():
            return
        raise ValueError(
            f"training diverged: the loss is NaN or infinite from epoch "
            f"{int(np.argmin(np.isfinite(losses))) + 1}. Curves reaching "
            f"|flux| = {np.abs(X).max():.3g} overflow inside the network: scale "
            "them first (FluxNormalizer, or make_detection_pipeline), or lower lr."
        )

    def _fitted(self):
        return hasattr(self, "label_encoder_") and getattr(self, "initialized_", False)

    def _validate_Xy(self, X, y, reset):
        if y is None:
            raise ValueError(
                "LightCurveClassifier requires y to be passed, but the target y is "
                "None; give one label per curve."
            )
        X = validate_data(
            self, X, reset=reset, dtype=np.float32, ensure_min_features=1 + reset
        )
        y = column_or_1d(y, warn=True)
        check_consistent_length(X, y)
        if reset:
            target_type = type_of_target(y, input_name="y", raise_unknown=True)
            if len(np.unique(y)) == 1:
                raise ValueError(
                    f"y has 1 class ({y[0]!r}); a detector needs planet hosts and "
                    "non-hosts, for example from TransitOversampler."
                )
            if target_type != "binary":
                raise ValueError(
                    "Only binary classification is supported. The type of the target "
                    f"is {target_type}: LightCurveClassifier tells planet hosts from "
                    f"non-hosts, got labels {np.unique(y)[:5].tolist()}."
                )
            self.label_encoder_ = LabelEncoder().fit(y)
            self.class_weight_ = self._class_weights(y)
        unknown = ~np.isin(y, self.label_encoder_.classes_)
        if unknown.any():
            raise ValueError(
                f"y holds label {y[unknown][0]!r} unseen in the first fit; labels "
                f"are {self.label_encoder_.classes_.tolist()}."
            )
        return X.astype(np.float32, copy=False), self.label_encoder_.transform(y)

    def _class_weights(self, y):
        if self.class_weight is None:
            return None
        classes = self.label_encoder_.classes_
        if self.injector is not None:
            # What an epoch trains on: injected non-hosts count as hosts.
            hosts = y == classes[1]
            y = np.where(hosts, classes[1], classes[0])
            y[np.flatnonzero(~hosts)[: _n_to_inject(hosts.astype(int))]] = classes[1]
        return compute_class_weight(self.class_weight, classes=classes, y=y).astype(
            np.float32
        )

    def set_params(self, **params):
        """Set parameters; ``injector__name`` reaches the injector, as in sklearn.

        skorch treats every ``a__b`` key as its own routed parameter; the
        injector's are set on the injector instead.

        Parameters
        ----------
        **params
            Parameter names and values.

        Returns
        -------
        self : LightCurveClassifier
            The classifier.
        """
        nested = {
            key.split("__", 1)[1]: params.pop(key)
            for key in list(params)
            if key.startswith("injector__")
        }
        super().set_params(**params)
        if nested:
            if self.injector is None:
                raise ValueError(
                    f"injector is None, so {sorted(nested)} cannot be set on it; "
                    "set injector=TransitInjector(...) first."
                )
            self.injector.set_params(**nested)
        return self

    def get_params_for(self, prefix):
        """skorch's routed parameters, plus what the data decides.

        The criterion gets the class weights, and a module that takes
        ``n_features`` gets the curve length, unless they are set explicitly.

        Parameters
        ----------
        prefix : str
            ``"module"``, ``"criterion"``, ``"optimizer"``, ...

        Returns
        -------
        kwargs : dict
            The parameters for that component.
        """
        kwargs = super().get_params_for(prefix)
        if prefix == "criterion" and getattr(self, "class_weight_", None) is not None:
            kwargs.setdefault("weight", torch.as_tensor(self.class_weight_))
        if prefix == "module" and hasattr(self, "n_features_in_"):
            module = self.module if isinstance(self.module, type) else None
            if module and "n_features" in inspect.signature(module).parameters:
                kwargs.setdefault("n_features", self.n_features_in_)
        return kwargs

    def get_split_datasets(self, X, y=None, **fit_params):
        """Split off the validation curves (stratified and seeded by default).

        Parameters
        ----------
        X : array-like
            Training curves.
        y : array-like, default=None
            Encoded labels.
        **fit_params
            Passed to the dataset.

        Returns
        -------
        dataset_train, dataset_valid : datasets
            ``dataset_valid`` is None without a split; with an ``injector``,
            ``dataset_train`` gets fresh transits every epoch.
        """
        if self.train_split != "stratified":
            train, valid = super().get_split_datasets(X, y, **fit_params)
        else:
            split = ValidSplit(
                self.validation_fraction, stratified=True, random_state=self.seed_
            )
            train, valid = split(self.get_dataset(X, y), y, **fit_params)
        if getattr(self, "injector_", None) is not None:
            train = _FreshTransits(train, self.injector_, self.seed_)
        return train, valid

    @property
    def _default_callbacks(self):
        callbacks = list(super()._default_callbacks)
        # Parameters are checked in fit; here only well-typed values count.
        if self.early_stopping is True:
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(patience=self.patience, load_best=True),
                )
            )
        if isinstance(self.verbose, Integral) and self.verbose > 0:
            callbacks.append(("progress_bar", ProgressBar()))
        return [
            (name, EpochTable() if name == "print_log" else callback)
            for name, callback in callbacks
        ]

    # -- prediction ------------------------------------------------------------
    def __sklearn_is_fitted__(self):
        return self._fitted()

    @property
    def classes_(self):
        """The two labels, in ``predict_proba`` column order."""
        try:
            return self.label_encoder_.classes_
        except AttributeError as exc:
            raise AttributeError(
                "LightCurveClassifier has no classes_ before fit."
            ) from exc

    def predict_proba(self, X):
        """Probability of each class for each curve.

        Parameters
        ----------
        X : array-like of shape (n_curves, n_points)
            Curves of the training length.

        Returns
        -------
        proba : ndarray of shape (n_curves, 2)
            Columns in the order of ``classes_``; the planet column is
            ``list(classes_).index(planet_label)``.
        """
        self.check_is_fitted(["label_encoder_", "module_"])
        if not isinstance(X, Dataset):  # skorch's own scoring passes Datasets
            X = self._validate_X(X, reset=False)
        # torch's DataLoader draws a seed even without shuffling: keep the
        # caller's global generator untouched.
        with torch.random.fork_rng(devices=[]):
            proba = super().predict_proba(X)
        broken = ~np.isfinite(proba).all(axis=1)
        if broken.any():
            raise ValueError(
                f"the network's output is NaN for {int(broken.sum())} curve(s), "
                f"first row {int(np.flatnonzero(broken)[0])}: its values overflow "
                "float32 inside the network, or the weights are broken. Scale "
                "curves as in training (FluxNormalizer, or make_detection_pipeline)."
            )
        return proba

    def predict(self, X):
        """The more probable label of each curve.

        Parameters
        ----------
        X : array-like of shape (n_curves, n_points)
            Curves of the training length.

        Returns
        -------
        y_pred : ndarray of shape (n_curves,)
            Labels from ``classes_``.
        """
        encoded = self.predict_proba(X).argmax(axis=1)
        if isinstance(X, Dataset):  # skorch's scoring compares encoded labels
            return encoded
        return self.classes_[encoded]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.non_deterministic = False
        return tags


class DetectionPipeline(Pipeline):
    """A :class:`~sklearn.pipeline.Pipeline` that predicts in chunks of curves.

    Fitting is a Pipeline's own. ``predict_proba`` and ``predict`` run every
    step on ``chunk_size`` curves at a time, so the memory they take beyond
    the input does not grow with the number of curves: each cleaning step
    otherwise holds a copy of them all.

    Parameters
    ----------
    steps : list of (str, estimator)
        As in :class:`~sklearn.pipeline.Pipeline`.
    chunk_size : int, default=1024
        Curves per chunk at prediction time.
    memory, transform_input, verbose
        As in :class:`~sklearn.pipeline.Pipeline`.
    """

    def __init__(
        self,
        steps,
        *,
        chunk_size=1024,
        transform_input=None,
        memory=None,
        verbose=False,
    ):
        super().__init__(
            steps, transform_input=transform_input, memory=memory, verbose=verbose
        )
        self.chunk_size = chunk_size

    def _chunked(self, method, X, **params):
        if isinstance(self.chunk_size, bool) or not (
            isinstance(self.chunk_size, Integral) and self.chunk_size >= 1
        ):
            raise ValueError(
                f"chunk_size must be a positive int, got {self.chunk_size!r}."
            )
        n_curves = _num_samples(X)
        run = getattr(super(), method)
        if n_curves <= self.chunk_size:
            return run(X, **params)
        return np.concatenate(
            [
                run(_safe_indexing(X, slice(start, start + self.chunk_size)), **params)
                for start in range(0, n_curves, self.chunk_size)
            ]
        )

    def predict_proba(self, X, **params):
        """Class probabilities of each curve, ``chunk_size`` curves at a time.

        Parameters
        ----------
        X : array-like of shape (n_curves, n_points)
            Curves.
        **params
            Passed to the steps, as in :meth:`Pipeline.predict_proba`.

        Returns
        -------
        proba : ndarray of shape (n_curves, 2)
            Columns in the order of ``classes_``.
        """
        return self._chunked("predict_proba", X, **params)

    def predict(self, X, **params):
        """The more probable label of each curve, ``chunk_size`` curves at a time.

        Parameters
        ----------
        X : array-like of shape (n_curves, n_points)
            Curves.
        **params
            Passed to the steps, as in :meth:`Pipeline.predict`.

        Returns
        -------
        y_pred : ndarray of shape (n_curves,)
            Labels from ``classes_``.
        """
        return self._chunked("predict", X, **params)


def make_detection_pipeline(*, cadence=KEPLER_LONG_CADENCE, **params):
    """The recommended detector: clean each curve, then fold it.

    ``GapFiller`` (NaN cadences interpolated; curves without gaps pass
    unchanged) -> ``Detrender`` (1-day running median) -> ``FluxNormalizer``
    (robust z-scores: the residual in units of its own scatter) ->
    ``OutlierClipper`` (upward only) -> :class:`LightCurveClassifier`
    (balanced class weights) with
    :class:`~sklearn_lcgan.nn.folding.FoldedViewDetector`: a box periodogram
    finds each curve's best period, duration and epoch, and LSTMs read the
    curve folded there (global, local, odd, even and secondary views) with
    the peak's summary.

    Parameters
    ----------
    cadence : float, default=0.0204335
        Sampling interval of the curves, in days (Kepler long cadence; TESS
        2-minute curves are ``2 / 1440``): set on every step that works in
        days (the filters' windows, the period grid, an ``injector``), and
        checked by the studies and ``lcgan predict`` against the curves'.
    **params
        Set on the pipeline with ``set_params``, e.g.
        ``classifier__max_epochs=20``, ``classifier__module__hidden_size=16``
        or ``detrender__window=0.75``.

    Returns
    -------
    pipeline : DetectionPipeline
        Steps ``gaps``, ``detrender``, ``normalizer``, ``clipper``,
        ``classifier``; it predicts in chunks of curves.

    See Also
    --------
    make_patch_pipeline : The same cleaning, then the patch LSTM.
    make_prototype_pipeline : The original notebook's recipe.

    Examples
    --------
    >>> from sklearn_lcgan import make_detection_pipeline
    >>> pipe = make_detection_pipeline(classifier__max_epochs=3)
    >>> [name for name, _ in pipe.steps]
    ['gaps', 'detrender', 'normalizer', 'clipper', 'classifier']
    >>> pipe[-1].module.__name__
    'FoldedViewDetector'
    """
    pipeline = make_patch_pipeline(
        cadence=cadence,
        classifier__module=FoldedViewDetector,
        classifier__module__cadence=cadence,
    )
    return _with_cadence(pipeline.set_params(**params), cadence, params)


def _with_cadence(pipeline, cadence, params):
    """A training injector given in ``params`` works at the pipeline's cadence,
    unless ``params`` gives it its own."""
    injector = pipeline.get_params()["classifier__injector"]
    if injector is not None and "classifier__injector__cadence" not in params:
        pipeline.set_params(
            classifier__injector=clone(injector).set_params(cadence=cadence)
        )
    return pipeline


def make_patch_pipeline(*, cadence=KEPLER_LONG_CADENCE, **params):
    """The recommended cleaning, then the patch LSTM (a named option).

    The steps of :func:`make_detection_pipeline` with
    :class:`~sklearn_lcgan.nn.PatchLSTMDetector`, which convolves the curve,
    pools it into patches and reads them with LSTMs: it sees each transit
    locally and does not fold, so it needs transits far stronger than the
    folding detector does; faster to train and to run.

    Parameters
    ----------
    cadence : float, default=0.0204335
        Sampling interval of the curves, in days, as in
        :func:`make_detection_pipeline`.
    **params
        Set on the pipeline with ``set_params``, e.g.
        ``classifier__module__conv_channels=8``.

    Returns
    -------
    pipeline : DetectionPipeline
        Steps ``gaps``, ``detrender``, ``normalizer``, ``clipper``,
        ``classifier``.

    Examples
    --------
    >>> from sklearn_lcgan import make_patch_pipeline
    >>> make_patch_pipeline()[-1].module.__name__
    'PatchLSTMDetector'
    """
    pipeline = DetectionPipeline(
        [
            ("gaps", GapFiller()),
            ("detrender", Detrender(window=1.0, cadence=cadence)),
            ("normalizer", FluxNormalizer()),
            ("clipper", OutlierClipper(sigma=5.0, cadence=cadence)),
            (
                "classifier",
                LightCurveClassifier(module=PatchLSTMDetector, class_weight="balanced"),
            ),
        ]
    )
    return _with_cadence(pipeline.set_params(**params), cadence, params)


def make_prototype_pipeline(**params):
    """The original notebook's recipe, rebuilt to compare against honestly.

    FFT magnitude (half spectrum) -> L2 normalisation of each curve ->
    Gaussian smoothing along each curve (sigma 10 bins) -> min-max scaling of
    each feature -> LSTMs 256/256/128 (dropout 0.3) over a single time step.

    Parameters
    ----------
    **params
        Set on the pipeline with ``set_params``.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Steps ``fft``, ``l2``, ``smoother``, ``minmax``, ``classifier``.
    """
    pipeline = Pipeline(
        [
            ("fft", FourierMagnitude()),
            ("l2", Normalizer()),
            ("smoother", GaussianSmoother(sigma=10.0)),
            ("minmax", MinMaxScaler()),
            (
                "classifier",
                LightCurveClassifier(
                    module=PrototypeLSTM,
                    lr=1e-3,
                    optimizer=torch.optim.Adam,
                    class_weight="balanced",
                ),
            ),
        ]
    )
    return pipeline.set_params(**params)
