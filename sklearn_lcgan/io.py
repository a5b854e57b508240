"""Reading and writing curves: the Kaggle CSV layout (plain, gzip or zip),
``.npy`` and ``.npz`` files, streamed chunk by chunk where the format allows.

Every error names the file, the row and the column, and the fix; every write
is all or nothing.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import zipfile
import zlib
from contextlib import contextmanager

import numpy as np
import pandas as pd

from ._atomic import atomic_write

LABEL_COLUMN = "LABEL"
_CHUNK_ROWS = 256


@contextmanager
def _open_text(path):
    """Open a plain, gzip or single-member zip CSV as text; a damaged file's
    error names it and the fix."""
    try:
        with _open_raw_text(path) as handle:
            yield handle
    except (EOFError, zipfile.BadZipFile, gzip.BadGzipFile, zlib.error) as exc:
        raise ValueError(
            f"{path}: the compressed file is damaged or ends early ({exc}); copy "
            "or download it again."
        ) from None
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{path}: not a text file (undecodable byte at position {exc.start}); "
            "give a Kaggle-layout CSV (plain, .gz or .zip), an .npy or an .npz file."
        ) from None


@contextmanager
def _open_raw_text(path):
    """Open a plain, gzip or single-member zip CSV as text, by its magic bytes."""
    with open(path, "rb") as raw:
        magic = raw.read(4)
    if magic[:2] == b"\x1f\x8b":
        with gzip.open(path, "rt", newline="") as handle:
            yield handle
    elif magic == b"PK\x03\x04":
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if not m.endswith("/")]
            if len(members) != 1:
                raise ValueError(
                    f"{path}: a zip archive must hold exactly one CSV file, "
                    f"found {len(members)}: {members[:5]}; unzip it and pass the "
                    "CSV path instead."
                )
            with archive.open(members[0]) as member:
                yield io.TextIOWrapper(member, encoding="utf-8", newline="")
    else:
        with open(path, encoding="utf-8", newline="") as handle:
            yield handle


def _parse_header(path, line: str) -> list[str]:
    columns = [c.strip() for c in next(csv.reader([line]))]
    if LABEL_COLUMN not in columns:
        raise ValueError(
            f"{path}: row 1 (header) has no '{LABEL_COLUMN}' column (found "
            f"{columns[:3]}...); the file must follow the Kaggle layout "
            f"'{LABEL_COLUMN},FLUX.1,FLUX.2,...'."
        )
    if len(columns) < 2:
        raise ValueError(f"{path}: row 1 (header) has no flux columns.")
    return columns


def _locate_bad_value(path, lines, first_row, columns):
    """Name the first cell that is not a number (the slow path, errors only)."""
    for offset, line in enumerate(lines):
        for col, cell in enumerate(next(csv.reader([line]))):
            try:
                float(cell) if cell.strip() else np.nan
            except ValueError:
                raise ValueError(
                    f"{path}: row {first_row + offset}, column {col + 1} "
                    f"('{columns[col]}') holds {cell[:30]!r}, which is not a number; "
                    "flux and labels must be numeric (write missing cadences as "
                    "NaN or leave them empty)."
                ) from None
    raise ValueError(f"{path}: rows {first_row}-{first_row + len(lines)} unreadable.")


def _parse_chunk(path, lines, first_row, columns):
    n_columns = len(columns)
    for offset, line in enumerate(lines):
        n_fields = line.count(",") + 1
        if n_fields != n_columns:
            raise ValueError(
                f"{path}: row {first_row + offset} has {n_fields} fields but the "
                f"header has {n_columns} (ragged row; column {min(n_fields, n_columns)}"
                " onwards); every curve must have the same number of flux values."
            )
    try:
        values = pd.read_csv(
            io.StringIO("".join(lines)), header=None, dtype=np.float64, engine="c"
        ).to_numpy()
    except (ValueError, pd.errors.ParserError):
        _locate_bad_value(path, lines, first_row, columns)
    return values


def count_rows(path) -> int:
    """Non-blank lines of a text file (plain, gzip or zip)."""
    with _open_text(path) as handle:
        return sum(1 for line in handle if line.strip())


def kepler_csv_chunks(path, chunk_size):
    """Yield ``(first_row, X, y, feature_names)`` for each chunk of a Kaggle file.

    Parameters
    ----------
    path : str or path-like
        A CSV in the Kaggle layout: ``LABEL,FLUX.1,...``, labels 2 and 1.
    chunk_size : int
        Curves per chunk.

    Yields
    ------
    first_row : int
        Index of the chunk's first curve.
    X : ndarray of shape (n_chunk_curves, n_points)
        Flux, float64; empty cells are NaN.
    y : ndarray of shape (n_chunk_curves,)
        1 for planet hosts (label 2), 0 otherwise.
    feature_names : list of str
        The flux columns' names.
    """
    with _open_text(path) as handle:
        header = next((line for line in handle if line.strip()), None)
        if header is None:
            raise ValueError(f"{path}: the file is empty; expected a header.")
        columns = _parse_header(path, header)
        label_col = columns.index(LABEL_COLUMN)
        flux_cols = [i for i in range(len(columns)) if i != label_col]
        feature_names = [columns[i] for i in flux_cols]
        row = 0
        chunk = []
        for line in handle:
            if line.strip():
                chunk.append(line if line.endswith("\n") else line + "\n")
            if len(chunk) == chunk_size:
                yield (
                    row,
                    *_parse_rows(path, chunk, row, columns, label_col),
                    (feature_names),
                )
                row += len(chunk)
                chunk = []
        if chunk:
            yield (
                row,
                *_parse_rows(path, chunk, row, columns, label_col),
                (feature_names),
            )


def _parse_rows(path, lines, row, columns, label_col):
    values = _parse_chunk(path, lines, row + 2, columns)
    labels = values[:, label_col]
    bad = ~np.isin(labels, (1.0, 2.0))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{path}: row {row + first + 2}, column {label_col + 1} "
            f"('{LABEL_COLUMN}') is {float(labels[first]):g}; labels must be 2 "
            "(planet host) or 1 (non-host) as in the Kaggle files."
        )
    flux = np.delete(values, label_col, axis=1)
    _refuse_infinite(path, flux, first_row=row + 2)
    return flux, (labels == 2.0).astype(np.int64)


def _refuse_infinite(path, X, first_row=None):
    """Name the first infinite value of ``X`` and the fix."""
    infinite = np.isinf(X)
    if not infinite.any():
        return
    curve, point = (int(i[0]) for i in np.nonzero(infinite))
    where = (
        f"curve {curve}" if first_row is None else f"row {first_row + curve}"
    ) + f", point {point + 1}"
    raise ValueError(
        f"{path}: {where} is {X[curve, point]:g}; write a missing cadence as NaN "
        "(a gap) or drop the curve."
    )


def read_kepler_csv(path):
    """Read a whole Kaggle-layout file into preallocated arrays.

    The file is read in chunks of rows, so peak memory stays near the size of
    the result.

    Parameters
    ----------
    path : str or path-like
        A CSV in the Kaggle layout (plain, gzip or single-file zip).

    Returns
    -------
    X : ndarray of shape (n_curves, n_points)
        Flux, float64; empty cells are NaN.
    y : ndarray of shape (n_curves,)
        1 for planet hosts, 0 otherwise.
    feature_names : list of str
        The flux columns' names.
    """
    if not os.path.isfile(path):
        raise ValueError(f"{path}: no such file.")
    n_lines = count_rows(path)
    if n_lines == 0:
        raise ValueError(f"{path}: the file is empty; expected a header and curves.")
    n_curves = n_lines - 1
    if n_curves == 0:
        raise ValueError(f"{path}: the file has a header but no curves.")
    X = y = feature_names = None
    for row, X_chunk, y_chunk, names in kepler_csv_chunks(path, _CHUNK_ROWS):
        if X is None:
            feature_names = names
            X = np.empty((n_curves, X_chunk.shape[1]), dtype=np.float64)
            y = np.empty(n_curves, dtype=np.int64)
        X[row : row + len(X_chunk)] = X_chunk
        y[row : row + len(y_chunk)] = y_chunk
    return X, y, feature_names


def load_curves(path):
    """Curves and labels from a Kaggle CSV, ``.npy`` or ``.npz`` file.

    Parameters
    ----------
    path : str or path-like
        A CSV in the Kaggle layout (plain, .gz or .zip), a 2-D ``.npy`` array,
        or an ``.npz`` file with ``X`` (and optionally ``y``).

    Returns
    -------
    X : ndarray of shape (n_curves, n_points)
        The curves, float64.
    y : ndarray of shape (n_curves,) or None
        The labels, if the file has them.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(f"{path}: no such file.")
    if path.endswith(".npy"):
        with _numpy_file(path):
            return _as_curves(path, np.load(path, allow_pickle=False)), None
    if path.endswith(".npz"):
        with _numpy_file(path), np.load(path, allow_pickle=False) as data:
            if "X" not in data:
                raise ValueError(f"{path}: an .npz file needs an array named 'X'.")
            y = data["y"] if "y" in data else None
            return _as_curves(path, data["X"]), y
    X, y, _ = read_kepler_csv(path)
    return X, y


def iter_curves(path, chunk_size):
    """Curves and labels of a file, ``chunk_size`` curves at a time.

    A Kaggle CSV is read chunk by chunk and a ``.npy`` file is memory-mapped,
    so neither is held in memory whole; an ``.npz`` file is loaded first.

    Parameters
    ----------
    path : str or path-like
        As for :func:`load_curves`.
    chunk_size : int
        Curves per chunk.

    Yields
    ------
    X : ndarray of shape (n_chunk_curves, n_points)
        The chunk's curves, float64.
    y : ndarray of shape (n_chunk_curves,) or None
        Their labels, if the file has them.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(f"{path}: no such file.")
    if path.endswith(".npy"):
        with _numpy_file(path):
            X = np.load(path, mmap_mode="r", allow_pickle=False)
            _as_curves(path, X[:0])
        for start in range(0, len(X), chunk_size):
            yield _as_curves(path, np.asarray(X[start : start + chunk_size])), None
    elif path.endswith(".npz"):
        X, y = load_curves(path)
        for start in range(0, len(X), chunk_size):
            stop = start + chunk_size
            yield X[start:stop], None if y is None else y[start:stop]
    else:
        yield from iter_kepler_csv(path, chunk_size)


def count_curves(path):
    """How many curves a file holds, without reading it whole.

    Parameters
    ----------
    path : str or path-like
        As for :func:`load_curves`.

    Returns
    -------
    n_curves : int
        Rows of a CSV less its header, or the first axis of the array.
    """
    path = os.fspath(path)
    if path.endswith(".npy"):
        with _numpy_file(path):
            return len(np.load(path, mmap_mode="r", allow_pickle=False))
    if path.endswith(".npz"):
        return len(load_curves(path)[0])
    return max(count_rows(path) - 1, 0)


def iter_kepler_csv(path, chunk_size):
    """``(X, y)`` of a Kaggle-layout file, ``chunk_size`` curves at a time.

    Parameters
    ----------
    path : str or path-like
        A CSV in the Kaggle layout (plain, gzip or single-file zip).
    chunk_size : int
        Curves per chunk.

    Yields
    ------
    X : ndarray of shape (n_chunk_curves, n_points)
        Flux of the chunk's curves.
    y : ndarray of shape (n_chunk_curves,)
        1 for planet hosts, 0 otherwise.
    """
    if not os.path.isfile(path):
        raise ValueError(f"{path}: no such file.")
    found = False
    for _, X, y, _ in kepler_csv_chunks(path, chunk_size):
        found = True
        yield X, y
    if not found:
        raise ValueError(f"{path}: the file has no curves.")


def _as_curves(path, X):
    if X.ndim != 2 or not np.issubdtype(X.dtype, np.number):
        raise ValueError(
            f"{path}: expected a 2-D numeric array (curves x points), got "
            f"{X.dtype} of shape {X.shape}."
        )
    X = X.astype(np.float64)
    _refuse_infinite(path, X)
    return X


@contextmanager
def _numpy_file(path):
    """Name a damaged .npy or .npz file and the fix."""
    try:
        yield
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        if str(exc).startswith(f"{path}:"):
            raise
        raise ValueError(
            f"{path}: not a readable NumPy file ({exc}); write it again with "
            "numpy.save or numpy.savez."
        ) from None


def _atomic_pair(first, second, write):
    """Write two files through temporary files; rename both only on success."""

    def write_second(first_partial):
        atomic_write(second, lambda partial: write(first_partial, partial))

    atomic_write(first, write_second)


def save_curves(path, X, y=None, params=None):
    """Write curves (and labels) to ``.npz``, parameters to a CSV beside it.

    Parameters
    ----------
    path : str
        An ``.npz`` path; the parameters go to ``<stem>.params.csv``.
    X : ndarray of shape (n_curves, n_points)
        Curves.
    y : array-like of shape (n_curves,), default=None
        Labels.
    params : pandas.DataFrame, default=None
        Injected planets, one row per curve that has one.
    """
    if not path.endswith(".npz"):
        raise ValueError(f"{path}: curves are written as .npz; end the name in .npz.")
    arrays = {"X": X} if y is None else {"X": X, "y": np.asarray(y)}

    def write(partial):
        with open(partial, "wb") as handle:
            np.savez(handle, **arrays)

    atomic_write(path, write)
    if params is not None and len(params):
        csv = path[: -len(".npz")] + ".params.csv"
        atomic_write(csv, lambda partial: params.to_csv(partial, index_label="curve"))


def write_kepler_csv(path, chunks, *, params_path=None):
    """Stream curves to a Kaggle-layout CSV, their planets to a CSV beside it.

    Both files are written through temporary files and renamed only when
    every chunk is written, so an error leaves neither half written.

    Parameters
    ----------
    path : str
        The curves' CSV: ``LABEL,FLUX.1,...``, label 2 for planet hosts.
    chunks : iterable of (X, y, params)
        Curves, their 0/1 labels and a DataFrame of their planets (indexed
        by row within the chunk), chunk after chunk.
    params_path : str or None, default=None
        The planets' CSV, one row per curve with a planet, ``curve`` its row
        in the file; None writes no planets.

    Returns
    -------
    n_curves : int
        Curves written.
    """
    n_curves = 0

    def write(curves_partial, params_partial=None):
        nonlocal n_curves
        with open(curves_partial, "w") as curves:
            table = open(params_partial, "w") if params_partial else None
            try:
                for X, y, params in chunks:
                    if n_curves == 0:
                        names = [f"FLUX.{i + 1}" for i in range(X.shape[1])]
                        curves.write(",".join([LABEL_COLUMN, *names]) + "\n")
                    if table is not None:
                        params = params.copy()
                        params.index += n_curves
                        params.to_csv(table, header=n_curves == 0, index_label="curve")
                    labels = np.where(np.asarray(y) == 1, 2.0, 1.0)
                    np.savetxt(
                        curves,
                        np.column_stack([labels, X]),
                        fmt=["%d", *["%.10g"] * X.shape[1]],
                        delimiter=",",
                    )
                    n_curves += len(X)
            finally:
                if table is not None:
                    table.close()

    if params_path is None:
        atomic_write(path, write)
    else:
        _atomic_pair(path, params_path, write)
    return n_curves


def write_scores(path, chunks):
    """Stream each curve's planet probability to a CSV, all or nothing.

    Parameters
    ----------
    path : str
        The CSV: ``curve,planet_proba``.
    chunks : iterable of ndarray
        Probabilities, chunk after chunk.

    Returns
    -------
    n_curves : int
        Curves written.
    """
    n_curves = 0

    def write(partial):
        nonlocal n_curves
        with open(partial, "w") as out:
            out.write("curve,planet_proba\n")
            for proba in chunks:
                rows = np.column_stack([np.arange(len(proba)) + n_curves, proba])
                np.savetxt(out, rows, fmt=["%d", "%.6g"], delimiter=",")
                n_curves += len(proba)

    atomic_write(path, write)
    return n_curves
