"""What a training loop does on Ctrl-C: keep the last finished epoch, say so."""

from __future__ import annotations

import warnings


def keep_last_epoch(restore, n_done, what="training"):
    """Roll back to the end of epoch ``n_done`` and warn, as skorch stops.

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
        UserWarning,
        stacklevel=4,
    )
