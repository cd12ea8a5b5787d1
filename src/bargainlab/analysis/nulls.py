"""Pre-registered null cells (``study.null_cells``): which summary rows they apply to, and
whether each passes.

A null entry applies to the headline-window ``effect`` row of the cells and comparisons it
names (``channel`` left out), or to the ``channel`` row of the named channel. A null row

* passes as ``exact zero`` when every paired difference is exactly 0 -- the null holds by
  construction, so the row is a *wiring check* (the model is wired as designed), not
  evidence about behaviour;
* passes as ``negligible`` when its interval lies within ``(-sesoi, +sesoi)`` -- evidence
  that any effect is smaller than the study cares about (equivalence);
* ``fail`` when its verdict is ``helps`` or ``hurts`` -- an effect where the design forbids
  one, a bug to investigate;
* ``undetermined`` otherwise: the replicates cannot tell.

A null entry declared ``exact`` passes only as ``exact zero``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..config.paths import lookup, same_value
from ..config.schema import NullCell, StudySpec
from ..relationships.channels import CHANNELS

__all__ = ["NULL_COLUMNS", "null_columns", "null_matches"]

NULL_COLUMNS = ["null_cell", "null_reason", "null_check"]
"""Columns :func:`null_columns` adds."""


def null_matches(
    study: StudySpec,
    cell_values: dict[str, Any],
    comparison: tuple[str, str],
    channel: str | None = None,
) -> list[NullCell]:
    """The ``study.null_cells`` entries that match one cell, comparison and channel
    (``None``: the total effect; else a channel's contribution).

    A ``where`` path that is a sweep axis is compared with the cell's value; any other path
    with the study's own value (so ``{"rounds.count" = 1}`` matches a one-round study).
    """
    dumped: dict[str, Any] | None = None
    found = []
    for null in study.null_cells:
        if null.comparison is not None and tuple(null.comparison) != tuple(comparison):
            continue
        if null.channel != channel:
            continue
        ok = True
        for path, wanted in null.where.items():
            if path in cell_values:
                actual = cell_values[path]
            else:
                dumped = dumped if dumped is not None else study.model_dump(mode="json")
                actual = lookup(dumped, path)
            if not same_value(actual, wanted):
                ok = False
                break
        if ok:
            found.append(null)
    return found


def _check(verdict: str, exact_zero: bool, exact: bool) -> str:
    if exact_zero:
        return "exact zero"
    if exact:
        return "fail"
    if verdict == "negligible":
        return "negligible"
    return "fail" if verdict in ("helps", "hurts") else "undetermined"


def null_columns(
    table: pd.DataFrame, study: StudySpec, axes: Sequence[str], headline: pd.Series
) -> pd.DataFrame:
    """``null_cell``, ``null_reason`` and ``null_check`` for the rows of a summary table
    (``headline`` marks the effect rows of each cell's headline window)."""
    flags, reasons, checks = [], [], []
    channel_rows = (table["section"] == "channel") & table["component"].isin(CHANNELS)
    for i, row in enumerate(table.to_dict("records")):
        entries: list[NullCell] = []
        if bool(headline.iloc[i]) or bool(channel_rows.iloc[i]):
            values = {a: row[a] for a in axes}
            channel = row["component"] if row["section"] == "channel" else None
            entries = null_matches(study, values, (row["treatment"], row["control"]), channel)
        flags.append(bool(entries))
        reasons.append("; ".join(e.reason for e in entries))
        checks.append(
            _check(str(row["verdict"]), bool(row["exact_zero"]), any(e.exact for e in entries))
            if entries
            else ""
        )
    return pd.DataFrame(
        {"null_cell": np.array(flags, dtype=bool), "null_reason": reasons, "null_check": checks},
        index=table.index,
    )
