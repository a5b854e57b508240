"""Shared fixtures: small simulated data sets, made once per session, and
torch's thread count, put back after each test that sets it."""

import numpy as np
import pytest

from sklearn_lcgan import make_kepler_like


@pytest.fixture(scope="session")
def kepler_like():
    """60 curves of 600 points (about 12 days), half of them planet hosts."""
    X, y, params = make_kepler_like(
        60, n_points=600, random_state=0, return_params=True
    )
    X.setflags(write=False)
    return X, y, params


@pytest.fixture
def set_torch_threads():
    """``torch.set_num_threads``; the count before the test is put back after it."""
    import torch

    before = torch.get_num_threads()
    yield torch.set_num_threads
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def white_curves():
    """Relative-flux curves around 1 with 1e-3 white noise."""
    rng = np.random.default_rng(1)
    X = 1.0 + 1e-3 * rng.standard_normal((8, 1500))
    X.setflags(write=False)
    return X
