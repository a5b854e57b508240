"""All-or-nothing writes: a temporary file or folder beside the target, then a
rename, so a crash or an error never leaves half a file."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
    try:
        os.makedirs(folder, exist_ok=True)
        handle, partial = tempfile.mkstemp(
            dir=folder, prefix=".lcgan-", suffix=".partial"
        )
    except OSError as exc:
        raise OSError(exc.errno, f"cannot write {path}: {exc.strerror}") from None
    os.close(handle)
    try:
        write(partial)
        os.chmod(partial, 0o666 & ~_umask())  # mkstemp makes it private
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


@contextmanager
def atomic_folder(path):
    """Fill a hidden folder beside ``path``; on success it replaces ``path``.

    Parameters
    ----------
    path : str or path-like
        The folder to write, such as a report's.

    Yields
    ------
    partial : str
        The hidden folder to write into; removed if the block raises.
    """
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    partial = tempfile.mkdtemp(dir=parent, prefix=".lcgan-")
    try:
        yield partial
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    os.chmod(partial, 0o777 & ~_umask())
    if os.path.isdir(path):
        shutil.rmtree(path)
    os.replace(partial, path)
