"""Transit detectors: curves ``(batch, n_points)`` to two logits."""

from __future__ import annotations

import torch
from torch import nn

from .layers import to_patches


class PatchLSTMDetector(nn.Module):
    """Convolutions, then stacked LSTMs over patches of a curve, two logits.

    A small convolutional front end acts as a bank of learnt matched filters
    for dips of a few hours; its output is pooled into patches (with
    ``patch_size=32`` a 3197-point curve is a sequence of 100 steps of about
    16 hours each) and the LSTMs compare the patches across the whole curve.
    Mean and max pooling over time feed the two-logit head: the mean
    accumulates evidence from repeated transits, the max keeps a single one.

    Parameters
    ----------
    patch_size : int, default=32
        Points per sequence step.
    hidden_size : int, default=64
        LSTM width.
    num_layers : int, default=2
        Stacked LSTM layers.
    conv_channels : int, default=16
        Filters of the convolutional front end; 0 feeds raw patches instead.
    kernel_size : int, default=9
        Width in points of the front-end filters (odd).
    dropout : float, default=0.2
        Dropout between LSTM layers and before the head.
    bidirectional : bool, default=True
        Read the sequence both ways.
    """

    def __init__(
        self,
        patch_size=32,
        hidden_size=64,
        num_layers=2,
        conv_channels=16,
        kernel_size=9,
        dropout=0.2,
        bidirectional=True,
    ):
        super().__init__()
        self.patch_size = patch_size
        if conv_channels:
            self.front = nn.Sequential(
                nn.Conv1d(1, conv_channels, kernel_size, padding=kernel_size // 2),
                nn.GELU(),
                nn.Conv1d(
                    conv_channels, conv_channels, kernel_size, padding=kernel_size // 2
                ),
                nn.GELU(),
            )
            step_features = 2 * conv_channels
        else:
            self.front = None
            step_features = patch_size
        self.embed = nn.Sequential(nn.Linear(step_features, hidden_size), nn.GELU())
        self.lstm = nn.LSTM(
            hidden_size,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
            bidirectional=bidirectional,
        )
        width = hidden_size * (2 if bidirectional else 1)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(2 * width, 2))

    def _steps(self, X):
        """Per-patch features ``(batch, n_patches, n_features)``."""
        if self.front is None:
            return to_patches(X, self.patch_size)
        filtered = self.front(X[:, None, :])  # (batch, channels, n_points)
        pad = (-filtered.shape[-1]) % self.patch_size
        if pad:
            filtered = nn.functional.pad(filtered, (0, pad), mode="replicate")
        patches = filtered.unfold(-1, self.patch_size, self.patch_size)
        pooled = torch.cat([patches.mean(dim=-1), patches.amin(dim=-1)], dim=1)
        return pooled.transpose(1, 2)

    def forward(self, X):
        steps, _ = self.lstm(self.embed(self._steps(X)))
        pooled = torch.cat([steps.mean(dim=1), steps.amax(dim=1)], dim=1)
        return self.head(pooled)


class PrototypeLSTM(nn.Module):
    """The prototype's detector: LSTMs 256/256/128 over a single time step.

    Kept to compare against honestly: the whole feature vector (the 1599-bin
    FFT magnitude) is one step, so the recurrence never runs.

    Parameters
    ----------
    n_features : int
        Length of the feature vector; :class:`LightCurveClassifier` fills it in
        from the data.
    hidden_sizes : tuple of int, default=(256, 256, 128)
        Widths of the stacked LSTMs.
    dropout : float, default=0.3
        Dropout after each LSTM.
    """

    def __init__(self, n_features, hidden_sizes=(256, 256, 128), dropout=0.3):
        super().__init__()
        sizes = (n_features, *hidden_sizes)
        self.layers = nn.ModuleList(
            nn.LSTM(n_in, n_out, batch_first=True)
            for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(sizes[-1], 2)

    def forward(self, X):
        steps = X[:, None, :]
        for lstm in self.layers:
            steps, _ = lstm(steps)
            steps = self.dropout(steps)
        return self.head(steps[:, -1])
