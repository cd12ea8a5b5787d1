"""Writing a run's tables: finite values only, atomically, sorted; and where a run may go.

A table about to be written is checked to hold only finite numbers (:func:`check_finite`):
a NaN or an infinity there is a bug, reported as :class:`NonFiniteOutputError` with the
columns concerned, never a silent value in a table.
"""

from __future__ import annotations

import io
import itertools
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..config.errors import ConfigError
from ..support.files import atomic_path, write_text_atomic


class NonFiniteOutputError(RuntimeError):
    """A table about to be written holds NaN or infinity: a bug, never a result."""


def check_finite(table: pd.DataFrame, what: str) -> None:
    """Raise :class:`NonFiniteOutputError` naming the columns of ``table`` that hold NaN or
    infinity (``what`` says which table, e.g. ``rounds of cell 3, chunk 0``)."""
    bad = []
    for name in table.columns:
        column = table[name]
        if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(
            column.dtype
        ):
            values = column.to_numpy(dtype=float, na_value=np.nan)
            count = int(np.count_nonzero(~np.isfinite(values)))
            if count:
                bad.append(f"{name} ({count:,} of {len(values):,})")
    if bad:
        raise NonFiniteOutputError(
            f"internal error: the {what} holds NaN or infinite values in {', '.join(bad)}; "
            "nothing was written. This is a bug in bargainlab: please report it with the "
            "study file."
        )


def write_parquet_atomic(path: str | Path, table: pd.DataFrame) -> None:
    """Write ``table`` (without its index) to the Parquet file ``path`` atomically."""
    with atomic_path(path) as tmp:
        table.to_parquet(tmp, index=False)


ROW_GROUP = 65_536
"""Rows per Parquet row group at most: readers that filter (the calibration sample) stream
group by group, so their memory does not grow with a part's size."""


def parquet_bytes(table: pd.DataFrame) -> bytes:
    """``table`` as the bytes of a Parquet file (no index). A table with a ``cell`` column gets
    one row group per run of equal cells (split further beyond :data:`ROW_GROUP` rows), so a
    reader asking for one cell decodes that cell's rows only: the statistics read the run cell
    by cell."""
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    bounds = [0, len(table)]
    if "cell" in table.columns and len(table):
        cells = table["cell"].to_numpy()
        bounds = [0, *(np.flatnonzero(cells[1:] != cells[:-1]) + 1).tolist(), len(table)]
    sink = io.BytesIO()
    with pq.ParquetWriter(sink, arrow.schema) as writer:
        for start, stop in itertools.pairwise(bounds):
            writer.write_table(arrow.slice(start, stop - start), row_group_size=ROW_GROUP)
    return sink.getvalue()


def write_csv_atomic(path: str | Path, table: pd.DataFrame) -> None:
    """Write ``table`` (without its index) to the CSV file ``path`` atomically, with ``\n``
    line ends on every platform."""
    write_text_atomic(path, table.to_csv(index=False, lineterminator="\n"))


def check_writable(out: str | Path) -> None:
    """Raise :class:`ConfigError` (field ``--out``) unless ``out`` is, or can become, a
    writable folder. Nothing is created: the probe is an anonymous temporary file."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError(out, "--out", "exists and is not a folder; give a folder for the run")
    probe = out
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise ConfigError(
            out, "--out", f"{probe} is not a folder, so the run folder cannot be created there"
        )
    try:
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as exc:
        raise ConfigError(
            out,
            "--out",
            f"cannot write in {probe}: {exc.strerror or exc}; choose a writable folder",
        ) from None


__all__ = [
    "ROW_GROUP",
    "NonFiniteOutputError",
    "check_finite",
    "check_writable",
    "parquet_bytes",
    "write_csv_atomic",
    "write_parquet_atomic",
]
