"""Small building blocks the networks share."""

from __future__ import annotations

import torch
from torch import nn


def to_patches(X: torch.Tensor, patch_size: int) -> torch.Tensor:
    """Cut curves ``(batch, n_points)`` into ``(batch, n_patches, patch_size)``.

    The last patch is padded with the curve's last value, so that no step of
    the sequence is partly zeros.

    Parameters
    ----------
    X : torch.Tensor of shape (batch, n_points)
        Curves.
    patch_size : int
        Points per patch.

    Returns
    -------
    patches : torch.Tensor of shape (batch, ceil(n_points / patch_size), patch_size)
        The sequence of patches.
    """
    n_points = X.shape[-1]
    pad = (-n_points) % patch_size
    if pad:
        X = torch.cat([X, X[:, -1:].expand(-1, pad)], dim=1)
    return X.reshape(X.shape[0], -1, patch_size)


def leaky_stack(sizes):
    """Dense layers of the given widths, each followed by LeakyReLU(0.2)."""
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [nn.Linear(n_in, n_out), nn.LeakyReLU(0.2)]
    return nn.Sequential(*layers)
