"""Reading the run folder's tables: streaming a Parquet dataset through a filter with
row-group pruning, and combining the small tables from the parts of every task."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..analysis.derive import pool_trajectories
from ..analysis.tables import (
    MEDIATION_KEYS,
    MEDIATION_SCHEMA,
    REPLICATES_KEYS,
    REPLICATES_SCHEMA,
    TRAJECTORIES_SCHEMA,
)

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


def _row_groups(reader: pq.ParquetFile, filters: Any) -> list[int]:
    """Row groups of a file that may hold rows matching ``filters`` (conjunctions of simple
    comparisons): those whose min/max statistics do not exclude them."""
    meta = reader.metadata
    names = reader.schema_arrow.names
    out = []
    for i in range(meta.num_row_groups):
        group = meta.row_group(i)
        keep = True
        for column, op, value in filters:
            if op not in _PRUNE or column not in names:
                continue
            stats = group.column(names.index(column)).statistics
            if stats is None or not stats.has_min_max:
                continue
            try:
                keep = _PRUNE[op](stats.min, stats.max, value)
            except TypeError:  # not comparable (a string statistic against a number)
                keep = True
            if not keep:
                break
        if keep:
            out.append(i)
    return out


def read_filtered(path: Path, columns: Sequence[str] | None, filters: Any) -> pd.DataFrame:
    """The rows of a Parquet file or dataset folder that match ``filters`` (pyarrow's filter
    list), reading only the row groups whose statistics allow a match, one batch at a time."""
    expression = pq.filters_to_expression(filters)
    wanted = None if columns is None else list(dict.fromkeys(columns))
    kept: list[pa.RecordBatch] = []
    files = sorted(path.iterdir()) if path.is_dir() else [path]
    schema_names: list[str] = []
    for file in files:
        reader = pq.ParquetFile(file)
        names = reader.schema_arrow.names
        schema_names = names
        read = None if wanted is None else [c for c in wanted if c in names]
        needed = (
            None if read is None else read + [c for c in _filter_columns(filters) if c not in read]
        )
        groups = _row_groups(reader, filters)
        if not groups:
            continue
        for batch in reader.iter_batches(row_groups=groups, columns=needed, use_threads=False):
            chosen = batch.filter(expression)
            if chosen.num_rows:
                kept.append(chosen.select(read) if read is not None else chosen)
    if kept:
        return pa.Table.from_batches(kept).to_pandas()
    shown = wanted if wanted is not None else schema_names
    return pd.read_parquet(files[0], columns=[c for c in shown if c in schema_names]).iloc[:0]


def combine_small(kind: str, frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """One small table from the parts of every task: concatenated and sorted by its keys, the
    trajectories' sums pooled."""
    axes = _axes_of(frames[0], kind)
    if kind == "trajectories":
        return pool_trajectories(frames, axes)
    keys = {"replicates": REPLICATES_KEYS, "mediation": MEDIATION_KEYS}[kind]
    table = pd.concat(frames, ignore_index=True)
    order = [keys[0], *axes, *keys[1:]]
    return table.sort_values(list(keys), kind="stable").reset_index(drop=True)[
        order + [c for c in table.columns if c not in order]
    ]


def _axes_of(frame: pd.DataFrame, kind: str) -> list[str]:
    """The sweep-axis columns of a small table (between ``cell`` and its own columns)."""
    schema = {
        "replicates": REPLICATES_SCHEMA,
        "trajectories": TRAJECTORIES_SCHEMA,
        "mediation": MEDIATION_SCHEMA,
    }[kind]
    own = {c.name for c in schema}
    return [c for c in frame.columns if c not in own]
