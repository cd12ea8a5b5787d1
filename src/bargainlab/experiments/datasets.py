"""Reading the run folder's tables: streaming a Parquet dataset through a filter with
row-group pruning, and combining the small tables from the parts of every task."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..analysis.derive import pool_trajectories
from ..analysis.tables import MEDIATION_KEYS, REPLICATES_KEYS

__all__ = ["combine_small", "read_filtered"]


def _filter_columns(filters: Any) -> list[str]:
    """The columns a pyarrow-style filter list (``[(column, op, value), ...]``) reads."""
    return list(dict.fromkeys(f[0] for f in filters))


_PRUNE = {
    "==": lambda lo, hi, v: lo <= v <= hi,
    "<": lambda lo, hi, v: lo < v,
    "<=": lambda lo, hi, v: lo <= v,
    ">": lambda lo, hi, v: hi > v,
    ">=": lambda lo, hi, v: hi >= v,
}


@dataclass
class _FileIndex:
    """A Parquet file's footer, read once: its metadata, column names and each filtered
    column's min/max statistics per row group (filled as filters ask for them)."""

    metadata: pq.FileMetaData
    names: list[str]
    bounds: dict[str, list[tuple[Any, Any] | None]] = field(default_factory=dict)

    def column_bounds(self, column: str) -> list[tuple[Any, Any] | None]:
        """Per row group, the min and max of ``column`` (``None`` without statistics), read once."""
        if column not in self.bounds:
            j = self.names.index(column)
            out: list[tuple[Any, Any] | None] = []
            for i in range(self.metadata.num_row_groups):
                stats = self.metadata.row_group(i).column(j).statistics
                has = stats is not None and stats.has_min_max
                out.append((stats.min, stats.max) if has else None)
            self.bounds[column] = out
        return self.bounds[column]


_INDEXES: dict[tuple[str, int, int], _FileIndex] = {}
"""Footers already read, by (path, modification time, size): a table is read one cell at a
time, and each read would otherwise parse every file's footer again."""


def _file_index(file: Path) -> _FileIndex:
    """The footer of a Parquet file, parsed once per (path, modification time, size)."""
    status = file.stat()
    key = (str(file.resolve()), status.st_mtime_ns, status.st_size)
    index = _INDEXES.get(key)
    if index is None:
        metadata = pq.read_metadata(file)
        index = _FileIndex(metadata, metadata.schema.to_arrow_schema().names)
        if len(_INDEXES) >= 1024:
            _INDEXES.clear()
        _INDEXES[key] = index
    return index


def _row_groups(index: _FileIndex, filters: Any) -> list[int]:
    """Row groups of a file that may hold rows matching ``filters`` (conjunctions of simple
    comparisons): those whose min/max statistics do not exclude them."""
    out = []
    for i in range(index.metadata.num_row_groups):
        keep = True
        for column, op, value in filters:
            if op not in _PRUNE or column not in index.names:
                continue
            bounds = index.column_bounds(column)[i]
            if bounds is None:
                continue
            try:
                keep = _PRUNE[op](bounds[0], bounds[1], value)
            except TypeError:  # not comparable (a string statistic against a number)
                keep = True
            if not keep:
                break
        if keep:
            out.append(i)
    return out


def _batches(
    file: Path, wanted: list[str] | None, filters: Any, expression: Any
) -> tuple[list[pa.RecordBatch], list[str]]:
    """The batches of one Parquet file that match (the ``wanted`` columns), reading only the
    row groups whose statistics allow a match, and the file's column names."""
    index = _file_index(file)
    read = None if wanted is None else [c for c in wanted if c in index.names]
    needed = None if read is None else read + [c for c in _filter_columns(filters) if c not in read]
    groups = _row_groups(index, filters)
    if not groups:
        return [], index.names
    kept = []
    reader = pq.ParquetFile(file, metadata=index.metadata)
    for batch in reader.iter_batches(row_groups=groups, columns=needed, use_threads=False):
        chosen = batch.filter(expression)
        if chosen.num_rows:
            kept.append(chosen.select(read) if read is not None else chosen)
    return kept, index.names


def read_filtered(path: Path, columns: Sequence[str] | None, filters: Any) -> pd.DataFrame:
    """The rows of a Parquet file or dataset folder that match ``filters`` (pyarrow's filter
    list), reading only the row groups whose statistics allow a match, one batch at a time."""
    expression = pq.filters_to_expression(filters)
    wanted = None if columns is None else list(dict.fromkeys(columns))
    kept: list[pa.RecordBatch] = []
    files = sorted(path.iterdir()) if path.is_dir() else [path]
    schema_names: list[str] = []
    for file in files:
        batches, schema_names = _batches(file, wanted, filters, expression)
        kept += batches
    if kept:
        return pa.Table.from_batches(kept).to_pandas()
    shown = wanted if wanted is not None else schema_names
    return pd.read_parquet(files[0], columns=[c for c in shown if c in schema_names]).iloc[:0]


def combine_small(kind: str, frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """One small table from the parts of every task: concatenated and sorted by its keys, the
    trajectories' sums pooled."""
    if kind == "trajectories":
        return pool_trajectories(frames)
    keys = {"replicates": REPLICATES_KEYS, "mediation": MEDIATION_KEYS}[kind]
    table = pd.concat(frames, ignore_index=True)
    return table.sort_values(list(keys), kind="stable").reset_index(drop=True)
