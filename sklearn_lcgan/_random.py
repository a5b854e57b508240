"""Seeds from sklearn's ``random_state`` convention."""

from numbers import Integral

from sklearn.utils import check_random_state


def int_seed(random_state, high: int = 2**31 - 1) -> int:
    """The int itself, or one drawn from the RandomState (None: numpy's global).

    An int gives the same seed on every call, so fits repeat; a RandomState
    or None gives a fresh one each call, as scikit-learn's estimators do.
    """
    if isinstance(random_state, Integral):
        return int(random_state)
    return int(check_random_state(random_state).randint(high))
