"""Seeds from sklearn's ``random_state`` convention, and counter-based draws.

The counter-based draws give each curve a stream of uniforms that depends only
on a seed and the curve's own values, never on its neighbours in a batch: a
random transformer then gives a row the same output alone or in any batch.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state


def int_seed(random_state, high: int = 2**31 - 1) -> int:
    """The int itself, or one drawn from the RandomState (None: numpy's global).

    An int gives the same seed on every call, so fits repeat; a RandomState
    or None gives a fresh one each call, as scikit-learn's estimators do.
    """
    if isinstance(random_state, Integral):
        return int(random_state)
    return int(check_random_state(random_state).randint(high))


def splitmix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser (Steele et al. 2014), elementwise on uint64."""
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def row_keys(X: np.ndarray, seed: int) -> np.ndarray:
    """A 64-bit key per row from its exact bits and the seed.

    An exact integer fingerprint (wrapping sums of the bit patterns times
    per-column odd constants), so a row's key is the same in any batch.
    """
    bits = np.ascontiguousarray(X, dtype=np.float64).view(np.uint64)
    weights = splitmix64(np.arange(X.shape[1], dtype=np.uint64)) | np.uint64(1)
    fingerprint = (bits * weights).sum(axis=1, dtype=np.uint64)
    return splitmix64(fingerprint ^ splitmix64(np.full(1, seed, dtype=np.uint64)))


def keyed_uniforms(keys: np.ndarray, n_draws: int) -> np.ndarray:
    """``(n_rows, n_draws)`` uniforms in (0, 1), one independent stream a key."""
    counters = np.arange(1, n_draws + 1, dtype=np.uint64) * np.uint64(
        0xD1B54A32D192ED03
    )
    bits = splitmix64(keys[:, None] ^ counters[None, :])
    return ((bits >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53
