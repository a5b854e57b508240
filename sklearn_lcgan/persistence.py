"""Model files that are safe to open: JSON parameters plus weights-only tensors.

A pickle (or joblib) file runs code when it is loaded, so a model file from
a colleague or a paper's archive is a risk. :func:`save_model` writes a zip
archive of two members instead:

``model.json``
    The estimator tree: class names, parameters and fitted attributes as JSON,
    with the package versions and the SHA-256 of the tensors member.
``tensors.pt``
    Every array and network weight, written by :func:`torch.save` and read
    back with ``torch.load(weights_only=True)``, which unpickles nothing but
    tensors and plain containers.

Loading imports classes by name only from scikit-learn, imbalanced-learn,
skorch, torch's ``nn``/``optim``/``utils.data`` and this package, and
instantiates only estimators, networks, losses, optimizers and scipy.stats
distributions. The checksums catch a truncated or edited file; they are not a
signature, so they do not prove who wrote it.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import os
import pickle
import zipfile

import numpy as np
import pandas as pd
import scipy.stats
import sklearn
import torch
from sklearn.base import BaseEstimator
from skorch import NeuralNet
from skorch.history import History

from ._atomic import atomic_write
from ._version import MODEL_FORMAT as FORMAT
from ._version import __version__
from .generator import TransitCurveGenerator

_JSON, _TENSORS = "model.json", "tensors.pt"
_TRUSTED_MODULES = (
    "sklearn",
    "sklearn_lcgan",
    "imblearn",
    "skorch",
    "torch.nn",
    "torch.optim",
    "torch.utils.data",
)
# skorch's bookkeeping, rebuilt by initialize(); optimizer state is not kept
# (a loaded model predicts and samples; further training starts a new optimizer).
_SKORCH_KEEP = ("label_encoder_", "class_weight_", "n_features_in_", "seed_")


# How each estimator that holds torch networks outside skorch rebuilds them
# before the saved weights are loaded: skorch's nets have initialize().
_NETWORK_BUILDERS = {TransitCurveGenerator: TransitCurveGenerator.initialize}


def _network_builder(estimator):
    for cls, build in _NETWORK_BUILDERS.items():
        if isinstance(estimator, cls):
            return build
    return None


def save_model(estimator, path):
    """Save an estimator (fitted or not) to a file that runs no code when opened.

    Parameters
    ----------
    estimator : estimator
        One of this package's estimators, a scikit-learn estimator, or a
        ``Pipeline`` of them. Parameters must be numbers, strings, None,
        containers of these, estimators, classes from the trusted packages or
        scipy.stats distributions; a callable or a ``RandomState`` is refused.
    path : str or path-like
        Destination, conventionally ``*.lcgan``. Written to a temporary file
        beside it, then renamed, so a crash never leaves half a file.

    Raises
    ------
    TypeError
        If some parameter or fitted attribute cannot be stored safely; the
        message names it.

    See Also
    --------
    load_model : Read the file back.

    Examples
    --------
    >>> import tempfile, os
    >>> from sklearn_lcgan import load_model, save_model
    >>> from sklearn_lcgan.preprocessing import FluxNormalizer
    >>> path = os.path.join(tempfile.mkdtemp(), "norm.lcgan")
    >>> save_model(FluxNormalizer(method="median"), path)
    >>> load_model(path)
    FluxNormalizer(method='median')
    """
    encoder = _Encoder()
    tree = encoder.encode(estimator, "estimator")
    buffer = io.BytesIO()
    torch.save(encoder.tensors, buffer)
    tensors = buffer.getvalue()
    manifest = {
        "package": "sklearn-lcgan",
        "version": __version__,
        "format": FORMAT,
        "versions": {"sklearn": sklearn.__version__, "torch": torch.__version__},
        "tensors_sha256": hashlib.sha256(tensors).hexdigest(),
        "estimator": tree,
    }
    text = json.dumps(manifest, indent=1, allow_nan=True).encode()

    def write(partial):
        with zipfile.ZipFile(partial, "w") as archive:
            archive.writestr(_JSON, text)
            archive.writestr(_TENSORS, tensors)
            archive.writestr(_JSON + ".sha256", hashlib.sha256(text).hexdigest())

    atomic_write(path, write)


def load_model(path, *, device=None):
    """Load an estimator written by :func:`save_model`, running no code from the file.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save_model`.
    device : str or None, default=None
        Where the networks go (``"cpu"``, ``"cuda"``), set as the ``device``
        parameter of every estimator that has one; None keeps the saved one.
        A model trained on a GPU loads on a CPU-only machine with "cpu".

    Returns
    -------
    estimator : estimator
        The estimator, fitted if it was saved fitted.

    Raises
    ------
    ValueError
        If the file is missing, truncated, edited, not a model file, or
        written by another version of sklearn-lcgan (refit, or load it with
        that version).
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(f"{path}: no such model file.")
    try:
        with zipfile.ZipFile(path) as archive:
            text = archive.read(_JSON)
            digest = archive.read(_JSON + ".sha256").decode()
            tensors = archive.read(_TENSORS)
    except (zipfile.BadZipFile, KeyError, EOFError, OSError) as exc:
        raise ValueError(
            f"{path}: not a complete sklearn-lcgan model file ({exc}); it may be "
            "truncated or a pickle. Save it again with save_model."
        ) from None
    if hashlib.sha256(text).hexdigest() != digest:
        raise ValueError(f"{path}: model.json was modified after it was written.")
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: model.json is not valid JSON ({exc}).") from None
    if manifest.get("package") != "sklearn-lcgan" or "estimator" not in manifest:
        raise ValueError(f"{path}: not an sklearn-lcgan model file.")
    if manifest.get("version") != __version__ or manifest.get("format") != FORMAT:
        raise ValueError(
            f"{path} was written by sklearn-lcgan {manifest.get('version')} "
            f"(format {manifest.get('format')}); this is {__version__} (format "
            f"{FORMAT}). Load it with that version, or refit and save again."
        )
    if hashlib.sha256(tensors).hexdigest() != manifest.get("tensors_sha256"):
        raise ValueError(f"{path}: the tensors were modified after they were written.")
    try:
        arrays = torch.load(io.BytesIO(tensors), weights_only=True, map_location="cpu")
    except (pickle.UnpicklingError, RuntimeError, EOFError) as exc:
        raise ValueError(
            f"{path}: the tensors member holds more than tensors, so it was not "
            f"written by save_model; refusing to open it ({str(exc)[:80]})."
        ) from None
    try:
        return _Decoder(arrays, device).decode(manifest["estimator"])
    except (KeyError, TypeError, AttributeError, RuntimeError) as exc:
        raise ValueError(f"{path}: damaged model description ({exc}).") from None


def _is_trusted(module):
    return any(module == m or module.startswith(m + ".") for m in _TRUSTED_MODULES)


def _qualified(cls):
    return f"{cls.__module__}:{cls.__qualname__}"


def _trusted_class(name):
    module, _, qualname = name.partition(":")
    if not _is_trusted(module):
        raise TypeError(f"class {name} is not from a trusted package")
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    if not isinstance(obj, type):
        raise TypeError(f"{name} is not a class")
    return obj


class _Encoder:
    """Turn an estimator tree into JSON, moving arrays into ``tensors``."""

    def __init__(self):
        self.tensors = {}

    def _store(self, tensor):
        key = str(len(self.tensors))
        self.tensors[key] = tensor.detach().cpu().contiguous()
        return key

    def encode(self, value, where):
        if value is None or isinstance(value, bool | str):
            return value
        if isinstance(value, int | float | np.integer | np.floating | np.bool_):
            return value.item() if isinstance(value, np.generic) else value
        if isinstance(value, tuple):
            return {"__tuple__": [self.encode(v, where) for v in value]}
        if isinstance(value, list):
            return [self.encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, dict):
            return {
                "__dict__": [
                    [self.encode(k, where), self.encode(v, f"{where}[{k!r}]")]
                    for k, v in value.items()
                ]
            }
        if isinstance(value, torch.Tensor):
            return {"__tensor__": self._store(value)}
        if isinstance(value, np.ndarray):
            return self._array(value, where)
        if isinstance(value, pd.DataFrame):
            return {
                "__dataframe__": {
                    "columns": [self.encode(c, where) for c in value.columns],
                    "data": [
                        self._array(value[c].to_numpy(), f"{where}[{c!r}]")
                        for c in value.columns
                    ],
                    "index": self._array(value.index.to_numpy(), where),
                }
            }
        if isinstance(value, type) and _is_trusted(value.__module__):
            return {"__class__": _qualified(value)}
        if isinstance(value, scipy.stats.distributions.rv_frozen):
            return {
                "__distribution__": value.dist.name,
                "args": self.encode(list(value.args), where),
                "kwds": self.encode(dict(value.kwds), where),
            }
        if isinstance(value, NeuralNet):
            return self._skorch(value, where)
        if isinstance(value, BaseEstimator):
            return self._estimator(value, where)
        raise TypeError(
            f"save_model cannot store {where} safely: {type(value).__name__} "
            f"({value!r:.60}). Use a number, string, estimator or class instead "
            "(for random_state, an int), or save with joblib if you trust the "
            "readers of the file."
        )

    def _array(self, array, where):
        if array.dtype.kind in "biuf" and array.dtype.itemsize <= 8:
            if array.dtype == np.uint16 or array.dtype == np.uint32:
                array = array.astype(np.int64)
            return {"__array__": self._store(torch.from_numpy(np.array(array)))}
        if array.dtype.kind in "USO":
            items = [self.encode(v, where) for v in array.ravel().tolist()]
            return {
                "__objects__": items,
                "dtype": array.dtype.str if array.dtype.kind != "O" else "O",
                "shape": list(array.shape),
            }
        raise TypeError(f"save_model cannot store {where}: arrays of {array.dtype}.")

    def _params(self, estimator, where, skip=()):
        params = estimator.get_params(deep=False)
        return {
            name: self.encode(value, f"{where}.{name}")
            for name, value in params.items()
            if name not in skip
        }

    def _estimator(self, estimator, where):
        params = estimator.get_params(deep=False)
        state = {}
        for name, value in vars(estimator).items():
            if name in params:
                continue
            if isinstance(value, torch.nn.Module):
                if _network_builder(estimator) is None:
                    raise TypeError(
                        f"save_model cannot store {where}.{name}: a network in an "
                        "estimator that cannot rebuild it; save with joblib."
                    )
                state[name] = {"__module__": self.encode(value.state_dict(), where)}
            elif isinstance(value, torch.optim.Optimizer):
                continue  # training state, not needed to predict or sample
            else:
                state[name] = self.encode(value, f"{where}.{name}")
        return {
            "__estimator__": _qualified(type(estimator)),
            "params": self._params(estimator, where),
            "state": state,
        }

    def _skorch(self, net, where):
        fitted = getattr(net, "initialized_", False) and hasattr(net, "module_")
        state = {}
        if fitted:
            for name in _SKORCH_KEEP:
                if hasattr(net, name):
                    state[name] = self.encode(getattr(net, name), f"{where}.{name}")
            state["history_"] = self.encode(list(net.history_), f"{where}.history_")
            state["module_"] = self.encode(net.module_.state_dict(), where)
        return {
            "__skorch__": _qualified(type(net)),
            "params": self._params(net, where, skip=("_params_to_validate",)),
            "state": state,
        }


class _Decoder:
    """Rebuild what :class:`_Encoder` wrote."""

    def __init__(self, tensors, device):
        self.tensors = tensors
        self.device = device

    def decode(self, value):
        if isinstance(value, list):
            return [self.decode(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "__tuple__" in value:
            return tuple(self.decode(v) for v in value["__tuple__"])
        if "__dict__" in value:
            return {self.decode(k): self.decode(v) for k, v in value["__dict__"]}
        if "__tensor__" in value:
            return self.tensors[value["__tensor__"]]
        if "__array__" in value:
            return self.tensors[value["__array__"]].numpy()
        if "__objects__" in value:
            items = [self.decode(v) for v in value["__objects__"]]
            out = np.empty(len(items), dtype=object) if value["dtype"] == "O" else None
            if out is None:
                return np.array(items, dtype=value["dtype"]).reshape(value["shape"])
            out[:] = items
            return out.reshape(value["shape"])
        if "__dataframe__" in value:
            frame = value["__dataframe__"]
            columns = [self.decode(c) for c in frame["columns"]]
            data = [self.decode(d) for d in frame["data"]]
            data = dict(zip(columns, data, strict=True))
            return pd.DataFrame(data, index=self.decode(frame["index"]))
        if "__class__" in value:
            return _trusted_class(value["__class__"])
        if "__distribution__" in value:
            dist = getattr(scipy.stats, value["__distribution__"])
            families = scipy.stats.rv_continuous | scipy.stats.rv_discrete
            if not isinstance(dist, families):
                raise TypeError(f"{value['__distribution__']} is not a distribution")
            return dist(*self.decode(value["args"]), **self.decode(value["kwds"]))
        if "__estimator__" in value:
            return self._estimator(value)
        if "__skorch__" in value:
            return self._skorch(value)
        raise TypeError(f"unknown entry {sorted(value)}")

    def _new(self, value, key):
        cls = _trusted_class(value[key])
        if not issubclass(cls, BaseEstimator):
            raise TypeError(f"{value[key]} is not an estimator")
        params = {k: self.decode(v) for k, v in value["params"].items()}
        if self.device is not None and "device" in params:
            params["device"] = self.device
        return cls(**params)

    def _estimator(self, value):
        estimator = self._new(value, "__estimator__")
        modules = {}
        for name, item in value["state"].items():
            if isinstance(item, dict) and "__module__" in item:
                modules[name] = self.decode(item["__module__"])
            elif name == "history_":  # skorch's, as the training loop made it
                estimator.history_ = History(self.decode(item))
            else:
                setattr(estimator, name, self.decode(item))
        if modules:
            build = _network_builder(estimator)
            if build is None:
                raise TypeError(f"{type(estimator).__name__} holds no networks")
            # Networks are rebuilt from the settings, then given their weights.
            build(estimator)
            for name, weights in modules.items():
                getattr(estimator, name).load_state_dict(weights)
        return estimator

    def _skorch(self, value):
        net = self._new(value, "__skorch__")
        state = value["state"]
        if not state:
            return net
        for name in _SKORCH_KEEP:
            if name in state:
                setattr(net, name, self.decode(state[name]))
        with torch.random.fork_rng(devices=[]):
            net.initialize()
        net.module_.load_state_dict(self.decode(state["module_"]))
        net.history_ = History(self.decode(state["history_"]))
        return net
