"""Critics of generated light curves: curves to one realism score per pack."""

from __future__ import annotations

import torch
from torch import nn

from .layers import to_patches
from .spectral import CurveSummary


class PatchLSTMCritic(nn.Module):
    """A discriminator that reads a curve as a sequence of patches.

    Each patch is embedded, stacked LSTMs run over the sequence (the prototype
    fed one step of 1599 features, which never recurs), and the pooled
    states give one realism score (a Wasserstein critic or a logit). The
    curve's first differences ride along each patch so that the critic sees
    the noise's texture, not only its level. With ``n_classes`` a label
    embedding is added to every patch.

    Parameters
    ----------
    patch_size : int, default=64
        Points per sequence step.
    hidden_sizes : tuple of int, default=(64, 64)
        Widths of the stacked LSTMs; the prototype used (256, 256, 128).
    dropout : float, default=0.0
        Dropout after each LSTM (the prototype used 0.3); none for WGAN-GP.
    n_classes : int, default=0
        Number of classes to condition on.
    minibatch_std : bool, default=True
        Give the head the batch's spread of pooled states, so that a
        generator collapsing to one curve is caught.
    pack : int, default=1
        Curves judged together (PacGAN, Lin et al. 2018): each step holds the
        same patch of ``pack`` curves and one score is given per pack. A batch
        whose length is not a multiple of ``pack`` loses its last curves.
    spectrum_points : int or None, default=None
        If set, the length of the curves, and the head also reads each pack's
        log power spectra (:class:`CurveSummary`) through two dense layers:
        the noise colour that LSTMs over patches barely see.
    spectrum_quantiles : bool, default=False
        With ``spectrum_points``, the spectra come with the quantiles of each
        curve's steps (``CurveSummary(quantiles=True)``).
    """

    def __init__(
        self,
        patch_size=64,
        hidden_sizes=(64, 64),
        dropout=0.0,
        n_classes=0,
        minibatch_std=True,
        pack=1,
        spectrum_points=None,
        spectrum_quantiles=False,
    ):
        super().__init__()
        self.patch_size = patch_size
        self.pack = pack
        width = hidden_sizes[0]
        self.embed = nn.Sequential(
            nn.Linear(2 * patch_size * pack, width), nn.LeakyReLU(0.2)
        )
        self.labels = nn.Embedding(n_classes, 2 * patch_size) if n_classes else None
        sizes = (width, *hidden_sizes)
        self.layers = nn.ModuleList(
            nn.LSTM(n_in, n_out, batch_first=True)
            for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)
        )
        self.dropout = nn.Dropout(dropout)
        self.minibatch_std = minibatch_std
        self.summary = self.spectrum = None
        n_spectrum = 0
        if spectrum_points is not None:
            self.summary = CurveSummary(spectrum_points, spectrum_quantiles)
            n_spectrum = width
            self.spectrum = nn.Sequential(
                nn.Linear(self.summary.n_features * pack, width),
                nn.LeakyReLU(0.2),
                nn.Linear(width, width),
                nn.LeakyReLU(0.2),
            )
        self.head = nn.Linear(2 * sizes[-1] + int(minibatch_std) + n_spectrum, 1)

    def forward(self, X, labels=None, summary=None):
        """Scores of ``X`` (one per pack); ``summary``, if given, is X's
        :class:`CurveSummary` computed beforehand (used with ``spectrum_points``)."""
        n_packs = len(X) // self.pack
        X = X[: n_packs * self.pack]
        diff = torch.diff(X, dim=1, prepend=X[:, :1])
        steps = torch.cat(
            [to_patches(X, self.patch_size), to_patches(diff, self.patch_size)], dim=2
        )
        if self.labels is not None:
            # Before packing, so that each label stays with its own curve.
            steps = steps + self.labels(labels[: n_packs * self.pack])[:, None, :]
        # The pack's curves side by side in every step.
        steps = steps.reshape(n_packs, self.pack, *steps.shape[1:]).transpose(1, 2)
        steps = self.embed(steps.reshape(n_packs, steps.shape[1], -1))
        for lstm in self.layers:
            steps, _ = lstm(steps)
            steps = self.dropout(steps)
        pooled = torch.cat([steps.mean(dim=1), steps[:, -1]], dim=1)
        if self.minibatch_std:
            # How varied the batch is (Karras et al. 2018): a critic that sees
            # it punishes a generator that collapses to one curve.
            spread = pooled.std(dim=0, unbiased=False).mean()
            pooled = torch.cat([pooled, spread.expand(len(pooled), 1)], dim=1)
        if self.spectrum is not None:
            if summary is None:
                summary = self.summary(X)
            summary = summary[: n_packs * self.pack].reshape(n_packs, -1)
            spectra = self.spectrum(summary)
            pooled = torch.cat([pooled, spectra], dim=1)
        return self.head(pooled).squeeze(1)
