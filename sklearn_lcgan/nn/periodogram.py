"""A batched Box Least Squares periodogram in torch.

All curves share one cadence grid, so folding them at every trial period is
one fixed sparse linear map from points to phase bins: a batch of curves costs
a sparse matrix product per chunk of periods (one more for the NaN mask), and
the boxes are then searched with cumulative sums over the phase bins, as
astropy's ``BoxLeastSquares`` does for one curve (Kovacs et al. 2002).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

# Phase bins folded per sparse product, over all the chunk's periods: bounds
# what a batch holds at once.
_BINS_PER_CHUNK = 1 << 15


def period_grid(
    n_points,
    cadence,
    durations,
    *,
    min_period=None,
    max_period=None,
    min_transits=2,
    spacing=2.0,
):
    """Trial periods for curves of ``n_points`` at ``cadence``, log-spaced.

    A trial period off by ``dP`` moves the last of a baseline's transits by
    about ``baseline * dP / P``; the periods are spaced so that this shift is
    ``spacing`` times the shortest duration at every period, the rule astropy's
    ``autoperiod`` applies at the longest period (Transit Least Squares spaces
    its grid by the same reasoning).

    Parameters
    ----------
    n_points : int
        Points per curve.
    cadence : float
        Sampling interval in days.
    durations : sequence of float
        Transit durations searched, in days.
    min_period : float or None, default=None
        Shortest period; None takes twice the longest duration (no shorter
        orbit shows a box of that length).
    max_period : float or None, default=None
        Longest period; None takes the one with ``min_transits`` transits in
        the baseline at the least.
    min_transits : int, default=2
        Transits the longest period must put in the baseline.
    spacing : float, default=2.0
        Shift of the last transit between neighbouring periods, in shortest
        durations: smaller is finer and slower.

    Returns
    -------
    periods : ndarray of shape (n_periods,)
        Increasing trial periods in days.
    """
    baseline = (n_points - 1) * cadence
    durations = np.asarray(durations, dtype=float)
    low = 2.0 * durations.max() if min_period is None else float(min_period)
    high = baseline / min_transits if max_period is None else float(max_period)
    if not 0 < low < high:
        raise ValueError(
            f"Curves of {n_points} points at cadence {cadence:g} d span "
            f"{baseline:.4g} d, too short for {min_transits} transits at periods "
            f"from {low:.4g} d (twice the longest duration, "
            f"{durations.max():.4g} d); use longer curves or shorter durations."
        )
    step = spacing * durations.min() / baseline
    n_periods = max(2, int(math.ceil(math.log(high / low) / step)) + 1)
    return np.geomspace(low, high, n_periods)


def _check_searchable(values, valid):
    """Refuse curves with no noise to measure a box against: without it every
    box has signal-to-noise 0 or infinity, and the network would read that."""
    n_valid = valid.sum(1)
    mean = values.sum(1) / n_valid.clamp_min(1)
    spread = ((values - mean[:, None]) * valid).abs().amax(1)
    if bool(((n_valid < 2) | (spread == 0)).any()):
        raise ValueError(
            "a curve is constant or has fewer than 2 valid cadences: a box search "
            "needs noise to measure a transit against; drop such curves (a dead "
            "pixel, padding) first."
        )


class BoxPeriodogram(nn.Module):
    """Box-search signal-to-noise of curves over trial periods and durations.

    For each trial period the curve is folded into phase bins of a fraction
    of the shortest duration; for each duration every box of whole bins is
    tried, and the box's depth signal-to-noise, ``(mean_out - mean_in) /
    sqrt(1 / n_in + 1 / n_out)`` for curves of unit noise, is maximised over
    phase: astropy's ``objective="snr"`` for dips. Boxes wrap around phase 0.

    Parameters
    ----------
    n_points : int
        Points per curve.
    cadence : float
        Sampling interval in days.
    periods : array-like of float
        Trial periods in days (:func:`period_grid`).
    durations : sequence of float
        Transit durations searched, in days; each shorter than the shortest
        period.
    oversample : int, default=2
        Phase bins per shortest duration.

    Attributes
    ----------
    bin_width : float
        Width of a phase bin in days.
    box_bins : torch.Tensor of shape (n_durations,)
        Each duration in bins.
    """

    def __init__(self, n_points, cadence, periods, durations, oversample=2):
        super().__init__()
        periods = np.asarray(periods, dtype=float)
        durations = np.asarray(durations, dtype=float)
        if durations.max() >= periods.min():
            raise ValueError(
                f"the longest duration ({durations.max():.4g} d) must be shorter "
                f"than the shortest period ({periods.min():.4g} d)."
            )
        self.n_points = int(n_points)
        self.cadence = float(cadence)
        self.bin_width = durations.min() / oversample
        box_bins = np.maximum(1, np.round(durations / self.bin_width)).astype(int)
        self.register_buffer("periods", torch.tensor(periods), persistent=False)
        self.register_buffer("durations", torch.tensor(durations), persistent=False)
        self.register_buffer("box_bins", torch.tensor(box_bins), persistent=False)
        self.oversample = int(oversample)
        time = np.arange(self.n_points) * self.cadence
        # Chunks of periods of about equal folded size: many short periods,
        # few long ones.
        widths = np.ceil(periods / self.bin_width) + self.oversample
        chunk_of = (np.cumsum(widths) // _BINS_PER_CHUNK).astype(int)
        self._chunks = [
            self._fold_map(time, periods[chunk_of == chunk])
            for chunk in np.unique(chunk_of)
        ]

    def _fold_map(self, time, periods):
        """The sparse map of one chunk of periods: points to phase slots.

        As in astropy's ``BoxLeastSquares``: a period's ``n_bins - 1`` whole
        bins, then its first ``oversample`` bins again, so that a box across
        phase 0 is a run of slots; the last, partial bin takes part in no box
        (its points count out of transit). Each period's slots start a row of
        ``width``.

        Returns
        -------
        fold : torch.Tensor, sparse CSR of shape (n_periods * width, n_points)
            Ones where a point falls in a slot.
        ends : torch.Tensor of shape (n_periods, 1)
            One past the last slot a box may cover, for each period.
        width : int
            Slots per period.
        """
        n_bins = np.ceil(periods / self.bin_width).astype(int)
        width = int(n_bins.max()) + self.oversample
        bins = (np.mod(time[None, :], periods[:, None]) / self.bin_width).astype(int)
        whole = bins < n_bins[:, None] - 1
        offset = np.arange(len(periods))[:, None] * width
        points = np.broadcast_to(np.arange(len(time)), bins.shape)
        rows, cols = [], []
        for slot, keep in (
            (bins, whole),
            (bins + n_bins[:, None] - 1, bins < self.oversample),
        ):
            rows.append((slot + offset)[keep])
            cols.append(points[keep])
        rows, cols = np.concatenate(rows), np.concatenate(cols)
        fold = torch.sparse_coo_tensor(
            np.stack([rows, cols]),
            torch.ones(len(rows)),
            (len(periods) * width, len(time)),
            check_invariants=False,
        ).coalesce()
        ends = torch.from_numpy(n_bins + self.oversample)[:, None]
        return fold.to_sparse_csr(), ends, width

    def forward(self, X, return_epochs=False):
        """Signal-to-noise of the best box at each period and duration.

        Parameters
        ----------
        X : torch.Tensor of shape (batch, n_points)
            Curves of unit noise around 0 (robust-normalised and detrended);
            NaN marks a gap.
        return_epochs : bool, default=False
            Also return where the best boxes are.

        Returns
        -------
        snr : torch.Tensor of shape (batch, n_periods, n_durations)
            The best box's depth signal-to-noise; 0 where no box has points
            both in and out of transit.
        epochs : torch.Tensor of shape (batch, n_periods, n_durations)
            Only with ``return_epochs``: the best box's mid-time in days from
            the first cadence, within the first orbit.
        """
        if X.ndim != 2 or X.shape[1] != self.n_points:
            raise ValueError(
                f"BoxPeriodogram folds curves of {self.n_points} points, got shape "
                f"{tuple(X.shape)}; build it for the curves' length and cadence."
            )
        valid = ~torch.isnan(X)
        values = torch.where(valid, X, torch.zeros((), dtype=X.dtype, device=X.device))
        _check_searchable(values, valid)
        gaps = not bool(valid.all())
        values = values.float().T.contiguous()
        weights = valid.float().T.contiguous() if gaps else None
        out = [self._search(values, weights, *chunk) for chunk in self._chunks]
        snr = torch.cat([chunk for chunk, _ in out], dim=1)
        if not return_epochs:
            return snr
        return snr, torch.cat([epochs for _, epochs in out], dim=1)

    def _search(self, values, weights, fold, ends, width):
        """The best box of each period of one chunk, ``(batch, n_periods,
        n_durations)``, from curves laid out ``(n_points, batch)``."""
        fold = fold.to(values.device)
        n_periods = fold.shape[0] // width
        # Folded sums and counts laid out (period, slot, curve): each slot a
        # contiguous row of the batch, so the cumulative sums run over rows.
        sums = (fold @ values).view(n_periods, width, -1)
        total = values.sum(0)
        if weights is None:
            ones = values.new_ones(self.n_points, 1)
            counts = (fold @ ones).view(n_periods, width, 1)
            n_total = values.new_tensor(float(self.n_points))
        else:
            counts = (fold @ weights).view(n_periods, width, -1)
            n_total = weights.sum(0)
        cum_sums = nn.functional.pad(sums.cumsum(1), (0, 0, 1, 0))
        cum_counts = nn.functional.pad(counts.cumsum(1), (0, 0, 1, 0))
        ends = ends.to(values.device)
        # A slot past a period's own bins is a copy of bin (slot - n_bins + 1).
        n_bins = (ends - self.oversample).to(values.dtype)[..., None]
        best, epochs = [], []
        for k in self.box_bins.tolist():
            s_in = cum_sums[:, k:] - cum_sums[:, :-k]
            n_in = cum_counts[:, k:] - cum_counts[:, :-k]
            n_out = n_total - n_in
            inside = torch.arange(k, width + 1, device=ends.device) <= ends
            usable = (n_in > 0) & (n_out > 0) & inside[..., None]
            # With unit noise, mean_out - mean_in over its error is
            # total / (n_out spread) - s_in spread, spread = sqrt(1 / n_in +
            # 1 / n_out): coefficients shared by every curve without gaps.
            spread = (1 / n_in.clamp_min(1) + 1 / n_out.clamp_min(1)).sqrt_()
            level = (1 / (spread * n_out.clamp_min(1))).masked_fill_(~usable, 0)
            spread = spread.masked_fill_(~usable, 0)
            snr = torch.addcmul(total * level, s_in, spread, value=-1)
            value, start = snr.max(1)
            middle = start.to(values.dtype) + k / 2
            middle = torch.where(
                middle < n_bins[:, 0] - 1, middle, middle - n_bins[:, 0] + 1
            )
            best.append(value)
            epochs.append(middle * self.bin_width)
        snr = torch.stack(best, dim=-1).transpose(0, 1).clamp_min(0)
        return snr, torch.stack(epochs, dim=-1).transpose(0, 1)
