"""The two post-hoc classifiers of ``metrics.discriminative_score``: gradient
boosting on summary statistics of each curve, and a small convolutional
network on the raw standardised curves."""

from __future__ import annotations

import numpy as np
import torch
from skorch import NeuralNetClassifier
from skorch.callbacks import EarlyStopping
from skorch.dataset import ValidSplit
from torch import nn

from ._robust import nan_centre_scale

# Autocorrelation lags, in cadences: from point-to-point noise to variability
# over a tenth of a long curve.
_LAGS = (1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233)
_QUANTILES = (0.0, 0.001, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 0.999, 1.0)
_TAILS = (3.0, 5.0, 10.0)


def standardised(X):
    """Each curve less its median, over its robust scatter (1 if constant)."""
    level, scale = nan_centre_scale(X)
    return (X - level) / np.where(scale > 0, scale, 1.0)


def log_band_power(Z, n_bands):
    """Log10 mean power of standardised curves in log-spaced frequency bands."""
    power = np.abs(np.fft.rfft(Z - Z.mean(axis=1, keepdims=True), axis=1)[:, 1:]) ** 2
    edges = np.unique(np.geomspace(1, power.shape[1], n_bands + 1).astype(int))
    starts = edges[:-1] - 1
    binned = np.add.reduceat(power, starts, axis=1) / np.diff(
        np.r_[starts, power.shape[1]]
    )
    return np.log10(binned + 1e-12)


def _moments(Z):
    centred = Z - Z.mean(axis=1, keepdims=True)
    sd = centred.std(axis=1) + 1e-12
    skew = (centred**3).mean(axis=1) / sd**3
    kurtosis = (centred**4).mean(axis=1) / sd**4
    return np.column_stack([sd, skew, np.log(kurtosis)])


def _tails(Z):
    return np.column_stack(
        [(Z > k).mean(axis=1) for k in _TAILS] + [(Z < -k).mean(axis=1) for k in _TAILS]
    )


def _autocorrelation(Z):
    centred = Z - Z.mean(axis=1, keepdims=True)
    variance = (centred**2).mean(axis=1) + 1e-12
    lags = [lag for lag in _LAGS if lag < Z.shape[1] // 2]
    return np.column_stack(
        [(centred[:, :-lag] * centred[:, lag:]).mean(axis=1) / variance for lag in lags]
    )


def summary_statistics(X):
    """Summaries of each curve, on its robust standardisation.

    Moments (scatter, skew, log kurtosis), tail fractions beyond 3, 5 and 10
    robust sigma either way, 11 quantiles from the minimum to the maximum,
    autocorrelations at 12 lags, log power in 32 bands, and the same
    moments, tails and quantiles of the first differences: the distribution
    of steps sees white noise, spikes and jumps that the values hide.

    Parameters
    ----------
    X : ndarray of shape (n_curves, n_points)
        Curves without NaN.

    Returns
    -------
    features : ndarray of shape (n_curves, n_features)
    """
    Z = standardised(X)
    steps = np.diff(Z, axis=1)
    parts = [
        _moments(Z),
        _tails(Z),
        np.quantile(Z, _QUANTILES, axis=1).T,
        _autocorrelation(Z),
        log_band_power(Z, 32),
        _moments(steps),
        _tails(steps / (np.median(np.abs(steps), axis=1, keepdims=True) + 1e-12)),
        np.quantile(steps, _QUANTILES, axis=1).T,
    ]
    return np.hstack(parts)


class CurveCNN(nn.Module):
    """Two logits from a standardised curve: strided convolutions, then the
    mean, scatter and maximum of each channel over time."""

    def __init__(self, channels=16):
        super().__init__()

        def block(n_in, n_out, stride):
            return [nn.Conv1d(n_in, n_out, 9, stride=stride, padding=4), nn.GELU()]

        self.features = nn.Sequential(
            *block(1, channels, 1),
            *block(channels, 2 * channels, 2),
            *block(2 * channels, 2 * channels, 4),
            *block(2 * channels, 2 * channels, 4),
        )
        self.head = nn.Linear(6 * channels, 2)

    def forward(self, X):
        # asinh keeps the order and sign of outliers but not their leverage.
        read = self.features(torch.asinh(X)[:, None, :])
        pooled = [read.mean(-1), read.std(-1), read.amax(-1)]
        return self.head(torch.cat(pooled, dim=1))


def network_accuracy(X_train, y_train, X_test, y_test, *, seed, device="cpu"):
    """Held-out accuracy of :class:`CurveCNN` trained on standardised curves
    (skorch; a fifth of the training curves stops it at its best epoch)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = NeuralNetClassifier(
            CurveCNN,
            criterion=nn.CrossEntropyLoss,
            optimizer=torch.optim.Adam,
            lr=2e-3,
            batch_size=64,
            max_epochs=30,
            train_split=ValidSplit(0.2, stratified=True, random_state=seed),
            callbacks=[EarlyStopping(monitor="valid_loss", patience=5, load_best=True)],
            iterator_train__shuffle=True,
            device=device,
            verbose=0,
        )
        net.fit(standardised(X_train).astype(np.float32), y_train.astype(np.int64))
        predicted = net.predict(standardised(X_test).astype(np.float32))
    return float(np.mean(predicted == y_test))
