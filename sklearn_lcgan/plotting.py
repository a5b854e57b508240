"""Matplotlib figures for light curves, injections and recovery studies."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # figures are written to files; no screen is assumed

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ._constants import KEPLER_LONG_CADENCE  # noqa: E402

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


def plot_real_generated(
    X_real, X_generated, X_injected, *, cadence=KEPLER_LONG_CADENCE, n_curves=3
):
    """Real, generated and generated-with-transit curves side by side.

    Parameters
    ----------
    X_real, X_generated, X_injected : array-like of shape (n_curves, n_points)
        Curves of each kind; the first ``n_curves`` of each are drawn.
    cadence : float, default=0.0204335
        Sampling interval in days.
    n_curves : int, default=3
        Rows of panels.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure.
    """
    sets = {
        "real (simulated K2)": np.asarray(X_real),
        "generated (GAN)": np.asarray(X_generated),
        "generated + batman transit": np.asarray(X_injected),
    }
    time = np.arange(sets["real (simulated K2)"].shape[1]) * cadence
    fig, axes = plt.subplots(
        n_curves, 3, figsize=(12, 1.9 * n_curves + 0.8), sharex=True, squeeze=False
    )
    for col, (title, X) in enumerate(sets.items()):
        axes[0, col].set_title(title)
        for row in range(n_curves):
            axes[row, col].plot(time, X[row], ".", ms=1, color=f"C{col}")
        axes[-1, col].set_xlabel("time [days]")
    for row in range(n_curves):
        axes[row, 0].set_ylabel("flux\n[e$^-$ s$^{-1}$]", fontsize=8)
    fig.tight_layout()
    return fig


def plot_fooling(proba_before, proba_after, by_snr, *, threshold=0.5):
    """The detector's planet probability before and after injection.

    Parameters
    ----------
    proba_before, proba_after : array-like
        Planet probabilities of generated curves without and with transits.
    by_snr : pandas.DataFrame
        ``snr_bin`` and ``rate`` columns, as returned by
        :func:`~sklearn_lcgan.experiments.fooling_rate`.
    threshold : float, default=0.5
        The decision threshold, drawn as a line.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    bins = np.linspace(0, 1, 26)
    left.hist(proba_before, bins=bins, alpha=0.6, label="generated (no transit)")
    left.hist(proba_after, bins=bins, alpha=0.6, label="generated + injected transit")
    left.axvline(threshold, color="k", ls="--", lw=1, label="threshold")
    left.set(xlabel="detector's planet probability", ylabel="number of curves")
    left.legend(fontsize=8)
    labels = [str(b) for b in by_snr["snr_bin"]]
    right.bar(labels, by_snr["rate"], color="C1")
    right.set(
        xlabel="injected transit SNR",
        ylabel="fraction called planets",
        ylim=(0, 1.05),
        title="after injection, by SNR",
    )
    fig.tight_layout()
    return fig


def plot_losses(history):
    """GAN losses per epoch.

    Parameters
    ----------
    history : list of dict
        ``TransitCurveGenerator.history_``.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure.
    """
    epochs = [h["epoch"] for h in history]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(epochs, [h["critic_loss"] for h in history], "o-", label="critic loss")
    ax.plot(
        epochs, [h["generator_loss"] for h in history], "s-", label="generator loss"
    )
    if "wasserstein" in history[0]:
        ax.plot(
            epochs,
            [h["wasserstein"] for h in history],
            "^-",
            label="Wasserstein estimate",
        )
    ax.set(xlabel="epoch", ylabel="loss", title="GAN training")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_completeness(table, *, x="period", y="snr", value="completeness"):
    """Injection-recovery completeness as a heat map over two parameters.

    Parameters
    ----------
    table : pandas.DataFrame
        Tidy table as returned by
        :func:`~sklearn_lcgan.experiments.injection_recovery`.
    x, y : str, default="period" and "snr"
        The grid parameters on each axis.
    value : str, default="completeness"
        The column to show.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure.
    """
    grid = table.pivot_table(index=y, columns=x, values=value)
    fig, ax = plt.subplots(figsize=(6.5, 4.8))
    image = ax.imshow(
        grid.to_numpy(), origin="lower", cmap="viridis", vmin=0, vmax=1, aspect="auto"
    )
    ax.set_xticks(range(grid.shape[1]), [f"{v:g}" for v in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [f"{v:g}" for v in grid.index])
    for (i, j), v in np.ndenumerate(grid.to_numpy()):
        ax.text(
            j,
            i,
            f"{v:.2f}",
            ha="center",
            va="center",
            color="w" if v < 0.6 else "k",
            fontsize=9,
        )
    units = {"period": "period [days]", "snr": "transit SNR", "rp": "R$_p$/R$_*$"}
    ax.set(
        xlabel=units.get(x, x),
        ylabel=units.get(y, y),
        title="Injection-recovery completeness",
    )
    fig.colorbar(image, ax=ax, label="fraction recovered")
    fig.tight_layout()
    return fig
