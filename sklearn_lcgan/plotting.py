"""Matplotlib figures for light curves, injections and recovery studies."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # figures are written to files; no screen is assumed

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ._physics import KEPLER_LONG_CADENCE  # noqa: E402

FLUX_LABEL = "flux - median [e$^-$ s$^{-1}$]"


def plot_curves(X, y=None, *, cadence=KEPLER_LONG_CADENCE, n_curves=6, title=None):
    """Plot the first ``n_curves`` light curves, one panel each.

    Parameters
    ----------
    X : array-like of shape (n_curves, n_points)
        Light curves in the Kaggle units.
    y : array-like of shape (n_curves,), default=None
        Labels shown in each panel's title.
    cadence : float, default=0.0204335
        Sampling interval in days.
    n_curves : int, default=6
        Number of panels.
    title : str, default=None
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure.
    """
    X = np.asarray(X, dtype=float)
    n = min(n_curves, len(X))
    time = np.arange(X.shape[1]) * cadence
    fig, axes = plt.subplots(
        n, 1, figsize=(9, 1.6 * n + 0.6), sharex=True, squeeze=False
    )
    for i, ax in enumerate(axes[:, 0]):
        ax.plot(time, X[i], ".", ms=1.5, color="k")
        label = "" if y is None else (" planet host" if y[i] == 1 else " non-host")
        ax.set_title(f"curve {i}{label}", fontsize=9, loc="left")
        ax.set_ylabel("flux\n[e$^-$ s$^{-1}$]", fontsize=8)
    axes[-1, 0].set_xlabel("time [days]")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_injection(before, after, residual, params, *, cadence=KEPLER_LONG_CADENCE):
    """Show one curve before and after injection, and the detrended fold.

    Parameters
    ----------
    before, after : array-like of shape (n_points,)
        The curve without and with the injected transit.
    residual : array-like of shape (n_points,)
        ``after`` detrended, in the units of ``after``.
    params : mapping
        The injected planet: ``period``, ``t0``, ``duration``, ``snr``, ``depth``.
    cadence : float, default=0.0204335
        Sampling interval in days.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure.
    """
    time = np.arange(len(before)) * cadence
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6))
    top.plot(time, before, ".", ms=1.5, color="0.6", label="original")
    top.plot(time, after, ".", ms=1.5, color="C3", label="with injected transits")
    mids = params["t0"] + params["period"] * np.arange(
        np.ceil(-params["t0"] / params["period"]),
        np.floor((time[-1] - params["t0"]) / params["period"]) + 1,
    )
    for mid in mids:
        top.axvline(mid, color="C0", lw=0.6, alpha=0.5)
    low, high = np.nanpercentile(np.r_[before, after], [0.2, 99.8])
    margin = 0.1 * (high - low)
    top.set(xlabel="time [days]", ylabel=FLUX_LABEL, ylim=(low - margin, high + margin))
    top.legend(loc="upper right", fontsize=8, markerscale=6)
    top.set_title(
        f"P = {params['period']:.3f} d, SNR = {params['snr']:.1f}, "
        f"depth = {params['depth']:.3g} (blue lines: transit mid-times)",
        fontsize=9,
    )
    phase_hours = (
        (((time - params["t0"]) / params["period"] + 0.5) % 1 - 0.5)
        * params["period"]
        * 24
    )
    window = max(3 * params["duration"] * 24, 3.0)
    near = np.abs(phase_hours) < window
    bottom.plot(phase_hours[near], residual[near], ".", ms=3, color="0.5", alpha=0.5)
    edges = np.linspace(-window, window, 41)
    which = np.digitize(phase_hours[near], edges)
    binned = [np.nanmean(residual[near][which == k]) for k in range(1, len(edges))]
    centres = 0.5 * (edges[1:] + edges[:-1])
    bottom.plot(centres, binned, "o-", color="k", ms=4, label="binned mean")
    bottom.axhline(-params["depth"], color="C3", ls="--", label="injected depth")
    spread = np.nanpercentile(residual[near], [0.5, 99.5])
    bottom.set_ylim(min(spread[0], -1.5 * params["depth"]), spread[1])
    bottom.set(
        xlabel="hours from mid-transit (folded at the injected period)",
        ylabel="detrended flux",
    )
    bottom.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_recovery(snr, completeness, n_trials, *, title="Injection-recovery"):
    """Completeness against transit SNR, with binomial error bars.

    Parameters
    ----------
    snr : array-like
        Injected signal-to-noise ratios.
    completeness : array-like
        Fraction recovered at each SNR.
    n_trials : int or array-like
        Number of injections per SNR, for the error bars.
    title : str, default="Injection-recovery"
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure.
    """
    snr = np.asarray(snr, dtype=float)
    completeness = np.asarray(completeness, dtype=float)
    error = np.sqrt(completeness * (1 - completeness) / np.asarray(n_trials))
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.errorbar(snr, completeness, yerr=error, marker="o", capsize=3)
    ax.set(xlabel="injected transit SNR", ylabel="fraction of periods recovered",
           ylim=(-0.05, 1.05), title=title)  # fmt: skip
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
