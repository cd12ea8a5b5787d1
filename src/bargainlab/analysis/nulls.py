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

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config.cells import SweepCells
from ..config.schema import NullCell, StudySpec
from ..relationships.channels import CHANNELS

__all__ = ["NULL_COLUMNS", "NullEntry", "null_check", "null_columns", "null_entries"]

NULL_COLUMNS = ["null_cell", "null_reason", "null_check"]
"""Columns :func:`null_columns` adds."""


@dataclass(frozen=True)
class NullEntry:
    """A ``study.null_cells`` entry with the sweep cells its ``where`` matches."""

    null: NullCell
    cells: frozenset[int]

    def applies(self, cell: int, comparison: tuple[str, str], channel: str | None) -> bool:
        """Whether the entry names this cell, comparison and channel (``None``: the total
        effect; else a channel's contribution)."""
        if self.null.comparison is not None and tuple(self.null.comparison) != comparison:
            return False
        return self.null.channel == channel and cell in self.cells


def null_entries(study: StudySpec, cells: SweepCells) -> list[NullEntry]:
    """The study's null entries, each matched once to the cells whose validated values its
    ``where`` names (:meth:`~bargainlab.config.cells.SweepCells.matching`)."""
    return [NullEntry(n, frozenset(cells.matching(n.where, study))) for n in study.null_cells]


def null_check(verdict: str, exact_zero: bool, exact: bool) -> str:
    """A null row's check: ``exact zero``, ``negligible``, ``fail`` or ``undetermined``
    (an entry declared ``exact`` passes only as an exact zero)."""
    if exact_zero:
        return "exact zero"
    if exact:
        return "fail"
    if verdict == "negligible":
        return "negligible"
    return "fail" if verdict in ("helps", "hurts") else "undetermined"


def null_columns(
    table: pd.DataFrame, study: StudySpec, cells: SweepCells, headline: pd.Series
) -> pd.DataFrame:
    """``null_cell``, ``null_reason`` and ``null_check`` for the rows of a summary table
    (``headline`` marks the effect rows of each cell's headline window)."""
    entries = null_entries(study, cells)
    flags, reasons, checks = [], [], []
    channel_rows = (table["section"] == "channel") & table["component"].isin(CHANNELS)
    for i, row in enumerate(table.to_dict("records")):
        found: list[NullCell] = []
        if bool(headline.iloc[i]) or bool(channel_rows.iloc[i]):
            channel = row["component"] if row["section"] == "channel" else None
            pair = (row["treatment"], row["control"])
            found = [e.null for e in entries if e.applies(int(row["cell"]), pair, channel)]
        flags.append(bool(found))
        reasons.append("; ".join(e.reason for e in found))
        checks.append(
            null_check(str(row["verdict"]), bool(row["exact_zero"]), any(e.exact for e in found))
            if found
            else ""
        )
    return pd.DataFrame(
        {"null_cell": np.array(flags, dtype=bool), "null_reason": reasons, "null_check": checks},
        index=table.index,
    )
