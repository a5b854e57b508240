"""What a training loop does on Ctrl-C: keep the last finished epoch, say so."""

from __future__ import annotations

import warnings


class TrainingInterrupted(UserWarning):
    """Training stopped on Ctrl-C; the model holds the last finished epoch.

    A warning, as skorch stops, so that a notebook keeps a usable model; the
    ``lcgan`` command turns it into an error, so that an interrupted fit never
    overwrites a model file.
    """


def keep_last_epoch(restore, n_done, what="training"):
    """Roll back to the end of epoch ``n_done`` and warn.

    Parameters
    ----------
    restore : callable
        Puts back the weights and history of the last finished epoch.
    n_done : int
        Epochs finished before the interruption.
    what : str, default="training"
        What was interrupted, for the message.
    """
    restore()
    warnings.warn(
        f"{what} interrupted in epoch {n_done + 1}; the weights after epoch "
        f"{n_done} are kept.",
        TrainingInterrupted,
        stacklevel=4,
    )
