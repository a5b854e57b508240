"""A detector that folds: the periodogram's best peak, views of the folded
curve (AstroNet's global and local views, Shallue & Vanderburg 2018, with odd,
even and secondary-eclipse views), and LSTMs that read the views as sequences.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .._constants import KEPLER_LONG_CADENCE
from .periodogram import BoxPeriodogram, period_grid

# Durations searched by default, in days: 1.4 to 5.8 hours.
DURATIONS = (0.06, 0.12, 0.24)
# Summaries of the best peak (see FoldedViews.forward).
N_SUMMARY = 7


def _binned(values, valid, index, n_bins):
    """Each curve's values summed into bins, over the square root of each
    bin's count: unit-noise curves give bins of unit noise; empty bins 0."""
    batch = values.shape[0]
    keep = valid & (index >= 0) & (index < n_bins)
    index = torch.where(keep, index, torch.full_like(index, n_bins))
    weight = keep.to(values.dtype)
    sums = values.new_zeros(batch, n_bins + 1).scatter_add_(1, index, values * weight)
    counts = values.new_zeros(batch, n_bins + 1).scatter_add_(1, index, weight)
    return (sums / counts.clamp_min(1).sqrt())[:, :n_bins]


class FoldedViews(nn.Module):
    """Views of each curve folded at its periodogram's best peak.

    Parameters
    ----------
    n_points : int
        Points per curve.
    cadence : float, default=0.0204335
        Sampling interval in days.
    durations : sequence of float, default=(0.06, 0.12, 0.24)
        Transit durations searched, in days.
    spacing : float, default=3.0
        The period grid's spacing (:func:`~sklearn_lcgan.nn.period_grid`).
    global_bins : int, default=101
        Phase bins of the whole orbit.
    local_bins : int, default=41
        Bins of the window around the transit.
    local_width : float, default=2.5
        Half-width of that window, in transit durations.
    """

    def __init__(
        self,
        n_points,
        cadence=KEPLER_LONG_CADENCE,
        durations=DURATIONS,
        spacing=3.0,
        global_bins=101,
        local_bins=41,
        local_width=2.5,
    ):
        super().__init__()
        periods = period_grid(n_points, cadence, durations, spacing=spacing)
        self.periodogram = BoxPeriodogram(n_points, cadence, periods, durations)
        self.global_bins, self.local_bins = global_bins, local_bins
        self.local_width = local_width
        time = torch.arange(n_points, dtype=torch.float32) * cadence
        self.register_buffer("time", time, persistent=False)

    @torch.no_grad()
    def forward(self, X):
        """Views and summaries of unit-noise curves ``(batch, n_points)``.

        Returns
        -------
        global_view : torch.Tensor of shape (batch, global_bins)
            The whole orbit, transit at the centre.
        local_views : torch.Tensor of shape (batch, local_bins, 4)
            The transit window: all transits, odd ones, even ones, and the
            window half an orbit away (a secondary eclipse).
        summary : torch.Tensor of shape (batch, 7)
            The peak's SNR, its SDE, log period, log duration over period,
            the odd-even depth difference and the secondary's depth (each in
            units of its error), and the best peak over the next one at a
            period that is no alias of it (log).
        """
        snr, epochs = self.periodogram(X, return_epochs=True)
        batch, n_periods, n_durations = snr.shape
        flat = snr.flatten(1)
        best = flat.argmax(1)
        rows = torch.arange(batch, device=X.device)
        period_index, duration_index = best // n_durations, best % n_durations
        period = self.periodogram.periods.to(X.device, X.dtype)[period_index]
        duration = self.periodogram.durations.to(X.device, X.dtype)[duration_index]
        epoch = epochs.flatten(1)[rows, best].to(X.dtype)
        peak = flat[rows, best]
        power = snr.amax(2)
        sde = (peak - power.mean(1)) / power.std(1).clamp_min(1e-6)
        # The next peak at a period that is no alias of the best (ratios near
        # 1/3, 1/2, 1, 2 or 3 are aliases).
        ratio = (
            self.periodogram.periods.to(X.device, X.dtype)[None, :] / period[:, None]
        )
        aliases = torch.zeros_like(power, dtype=torch.bool)
        for alias in (1 / 3, 0.5, 1.0, 2.0, 3.0):
            aliases |= (ratio / alias - 1).abs() < 0.02
        runner_up = power.masked_fill(aliases, 0).amax(1)

        valid = ~torch.isnan(X)
        values = torch.where(valid, X, torch.zeros((), dtype=X.dtype, device=X.device))
        cycles = (self.time[None, :] - epoch[:, None]) / period[:, None]
        number = torch.floor(cycles + 0.5)
        phase = cycles - number  # in [-0.5, 0.5), transit at 0
        global_index = torch.floor((phase + 0.5) * self.global_bins).long()
        global_view = _binned(values, valid, global_index, self.global_bins)

        scale = period[:, None] / (duration[:, None] * 2 * self.local_width)
        local = []
        odd = torch.remainder(number, 2) == 1
        secondary = torch.remainder(phase + 1.0, 1.0) - 0.5  # secondary at 0
        for offset, mask in (
            (phase, valid),
            (phase, valid & odd),
            (phase, valid & ~odd),
            (secondary, valid),
        ):
            index = torch.floor((offset * scale + 0.5) * self.local_bins).long()
            local.append(_binned(values, mask, index, self.local_bins))
        local_views = torch.stack(local, dim=2)

        middle = slice(self.local_bins // 2 - 1, self.local_bins // 2 + 2)

        def dip(view):
            return -view[:, middle].mean(1) * math.sqrt(3)

        odd_even = (dip(local_views[..., 1]) - dip(local_views[..., 2])) / math.sqrt(2)
        summary = torch.stack(
            [
                peak,
                sde,
                torch.log(period),
                torch.log(duration / period),
                odd_even,
                dip(local_views[..., 3]),
                torch.log((peak + 1) / (runner_up + 1)),
            ],
            dim=1,
        )
        return global_view, local_views, summary


class FoldedViewDetector(nn.Module):
    """Two logits from the folded views of a curve, read by LSTMs.

    :class:`FoldedViews` finds each curve's best box (period, duration,
    epoch) and folds the curve there; a bidirectional LSTM reads the global
    view, another the four local views side by side, and a dense layer the
    peak's summary; a head joins them. Folding adds up the evidence of every
    transit, which a network that sees each transit alone cannot, and the
    odd, even and secondary views tell an eclipsing binary from a planet.

    Parameters
    ----------
    n_features : int
        Points per curve; :class:`~sklearn_lcgan.LightCurveClassifier` fills
        it in from the data.
    cadence : float, default=0.0204335
        Sampling interval in days.
    hidden_size : int, default=32
        Width of each LSTM and of the summary layer.
    dropout : float, default=0.1
        Dropout before the head.
    **views
        Settings of :class:`FoldedViews` (durations, spacing, bins).
    """

    def __init__(
        self,
        n_features,
        cadence=KEPLER_LONG_CADENCE,
        hidden_size=32,
        dropout=0.1,
        **views,
    ):
        super().__init__()
        self.views = FoldedViews(n_features, cadence, **views)
        lstm = {"hidden_size": hidden_size, "batch_first": True, "bidirectional": True}
        self.global_lstm = nn.LSTM(1, **lstm)
        self.local_lstm = nn.LSTM(4, **lstm)
        self.summary = nn.Sequential(nn.Linear(N_SUMMARY, hidden_size), nn.GELU())
        self.head = nn.Sequential(
            nn.Dropout(dropout),
            nn.Linear(9 * hidden_size, hidden_size),
            nn.GELU(),
            nn.Linear(hidden_size, 2),
        )

    def forward(self, X):
        global_view, local_views, summary = self.views(X)
        # Views are in units of their noise: squash the deepest dips so that
        # eclipses thousands of sigma deep do not saturate the LSTMs.
        global_view = torch.asinh(global_view)[..., None]
        local_views = torch.asinh(local_views)
        read_global, _ = self.global_lstm(global_view)
        read_local, _ = self.local_lstm(local_views)
        centre = local_views.shape[1] // 2
        features = torch.cat(
            [
                read_global.mean(1),
                read_local.mean(1),
                read_local[:, centre],
                read_global[:, global_view.shape[1] // 2],
                self.summary(torch.asinh(summary)),
            ],
            dim=1,
        )
        return self.head(features)
