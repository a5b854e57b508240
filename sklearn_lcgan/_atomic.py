"""Atomic file writes: a temporary file beside the target, then a rename."""

from __future__ import annotations

import os
import tempfile


def atomic_write(path, write):
    """Call ``write(partial_path)``, then rename the result to ``path``.

    A crash or an error in ``write`` leaves no file at ``path`` (and an older
    file there untouched), never half a file.

    Parameters
    ----------
    path : str or path-like
        Destination.
    write : callable
        Writes the whole content to the path it is given.
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=folder, prefix=".lcgan-", suffix=".partial")
    os.close(handle)
    try:
        write(partial)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(partial, 0o666 & ~umask)  # mkstemp makes it private
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
