"""Pre-registered null cells (``study.null_cells``): which summary rows they apply to, and
whether each passes (the summary's ``nulls`` part).

A null entry applies to the headline-window row of ``effects`` of the cells and comparisons
it names (``channel`` left out), or to the row of ``channels`` of the named channel; its
``where`` is matched to cells once, from the validated values. A null row

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

import pandas as pd

from ..config.cells import SweepCells
from ..config.schema import NullCell, StudySpec
from ..relationships.channels import CHANNELS
from .parts import NULLS

__all__ = ["NullEntry", "null_check", "null_entries", "null_rows"]


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


def null_rows(
    headline: pd.DataFrame, channels: pd.DataFrame, study: StudySpec, cells: SweepCells
) -> pd.DataFrame:
    """The ``nulls`` part (:data:`~bargainlab.analysis.parts.NULLS`): one row per tested row
    that a null entry names, among the ``headline`` rows of ``effects`` (each cell's
    headline window) and the ``channels`` rows of a channel."""
    entries = null_entries(study, cells)
    tested: list[tuple[dict, str | None]] = [(r, None) for r in headline.to_dict("records")]
    if not channels.empty:
        own = channels[channels["component"].isin(CHANNELS)]
        tested += [(r, str(r["component"])) for r in own.to_dict("records")]
    rows = []
    for row, channel in tested:
        pair = (str(row["treatment"]), str(row["control"]))
        found = [e.null for e in entries if e.applies(int(row["cell"]), pair, channel)]
        if not found:
            continue
        exact = any(n.exact for n in found)
        rows.append(
            {
                "cell": row["cell"],
                "treatment": pair[0],
                "control": pair[1],
                "tested": channel or "total",
                "window": row["window"],
                "check": null_check(str(row["verdict"]), bool(row["exact_zero"]), exact),
                "reason": "; ".join(n.reason for n in found),
            }
        )
    return NULLS.check(pd.DataFrame(rows, columns=NULLS.names))
