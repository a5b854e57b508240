"""Random draws: seeds from sklearn's ``random_state`` convention, normal
draws in parallel."""

from numbers import Integral

import torch
from sklearn.utils import check_random_state


def int_seed(random_state, high: int = 2**31 - 1) -> int:
    """The int itself, or one drawn from the RandomState (None: numpy's global).

    An int gives the same seed on every call, so fits repeat; a RandomState
    or None gives a fresh one each call, as scikit-learn's estimators do.
    """
    if isinstance(random_state, Integral):
        return int(random_state)
    return int(check_random_state(random_state).randint(high))


def submit_normal(tensors, generators, executor):
    """Start filling ``tensors`` with standard normal draws, rows split among
    ``generators``; return the futures.

    Each generator draws its own contiguous share of every tensor's rows, on
    ``executor``'s threads: torch draws on one core per call, and the draws
    are most of a sample's cost. The split depends only on the rows and the
    number of generators, not on the threads, so seeds give the same draws
    on any machine. Wait on every future before reading the tensors.
    """

    def draw(part, generator):
        for tensor in tensors:
            torch.tensor_split(tensor, len(generators))[part].normal_(
                generator=generator
            )

    return [
        executor.submit(draw, part, generator)
        for part, generator in enumerate(generators)
    ]
