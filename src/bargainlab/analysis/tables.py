"""The small tables the analysis reads: their one declaration.

A run's summary, figures and report are computed from three small tables, never from the
rounds table itself, so that a sweep of any size can be summarised without holding its rounds
in one process (workers produce these tables chunk by chunk; :mod:`bargainlab.analysis.derive`
derives them from a rounds table). Each is declared here once, with every column's name,
dtype and meaning; the checks, the documentation and the derivations follow from it.

* :data:`REPLICATES_SCHEMA` -- ``replicates``: one row per cell x channels variant x arm x
  replicate, about the focal party (``study.arms.party``): its payoff in each outcome window,
  survival, agreement, terms, and what the opponent believes about it at the end.
* :data:`TRAJECTORIES_SCHEMA` -- ``trajectories``: one row per cell x channels variant x arm x
  round x party x metric with ``n``, ``sum`` and ``sum_sq``, so that means, standard
  deviations and normal intervals can be pooled across chunks of replicates by adding rows.
* :data:`MEDIATION_SCHEMA` -- ``mediation``: one row per cell x comparison x replicate x
  component: ``direct``, the treatment arm's later-round payoff played from the control arm's
  post-round-1 state, or a piece of state, the control arm's later-round payoff after that
  piece of the treatment arm's post-round-1 state was transplanted into it.

A table names a sweep cell by its index alone, ``cell``: what the cell is (its values on
every sweep axis, its label) is in the run's cells table
(:class:`~bargainlab.config.cells.SweepCells`, ``cells.parquet``). No column of any of these
tables holds NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import pandas as pd

from ..relationships.state import PIECES
from ..relationships.table import ROUNDS_SCHEMA, Column, Origin

__all__ = [
    "COMPONENTS",
    "DIRECT",
    "MEDIATION_KEYS",
    "MEDIATION_SCHEMA",
    "PIECES",
    "REPLICATES_KEYS",
    "REPLICATES_SCHEMA",
    "TRAJECTORIES_KEYS",
    "TRAJECTORIES_SCHEMA",
    "TRAJECTORY_METRICS",
    "WINDOWS",
    "CellTables",
    "FrameCells",
    "check_table",
    "markdown_reference",
]

WINDOWS: tuple[str, ...] = ("round1", "later", "whole", "survivors")
"""The outcome windows of the focal party's payoff: round 1; the later rounds 2..R; the whole
relationship 1..R; the later rounds of the pairs whose relationship survived round 1 in both
arms of a comparison."""

# PIECES (imported above) are the pieces of the post-round-1 state a mediation transplant
# swaps, one at a time: the opponent's posterior about the focal party, the reference point
# (precedent), whether the relationship survived round 1, and the subjective-value stock.

DIRECT = "direct"
"""The mediation component that replays the treatment arm's policy (and its condition terms)
from the control arm's post-round-1 state, beside the state pieces (:data:`PIECES`)."""

COMPONENTS: tuple[str, ...] = (DIRECT, *PIECES)
"""What a row of the ``mediation`` table replays: ``direct`` or one state piece."""

TRAJECTORY_METRICS: tuple[str, ...] = (
    "utility",
    "terms",
    "agreed",
    "active",
    "exited",
    "condition_met",
    "reservation_value",
    "belief_mean",
    "belief_sd",
    "belief_pit",
    "belief_type_mass",
)
"""Rounds-table columns the trajectories table aggregates (``terms`` over agreed rounds only)."""

_KEY: Origin = "experiment"
_ROUNDS = {column.name: column for column in ROUNDS_SCHEMA}
"""The rounds table's columns: the small tables' keys are declared there once."""

REPLICATES_SCHEMA: tuple[Column, ...] = (
    *(_ROUNDS[name] for name in ("cell", "channels", "arm", "replicate")),
    Column("rounds", "int64", "Rounds R of the relationship in this cell."),
    Column("payoff_round1", "float64", "The focal party's utility in round 1.", unit="utility"),
    Column("payoff_later", "float64", "The focal party's mean utility over rounds 2..R; rounds after the relationship ended count with the outside option logged for them. Equal to `payoff_round1` when R = 1.", unit="utility"),
    Column("payoff_whole", "float64", "The focal party's mean utility over rounds 1..R.", unit="utility"),
    Column("survived_round1", "bool", "Whether the relationship was still active in round 2 (True when R = 1)."),
    Column("survived_last", "bool", "Whether the relationship was still active in round R."),
    Column("agreement_later", "float64", "Share of rounds 2..R that ended in agreement (round 1 when R = 1)."),
    Column("terms_later_sum", "float64", "Sum of the agreed terms over the agreed rounds among 2..R (round 1 when R = 1), in domain units.", unit="domain"),
    Column("terms_later_count", "int64", "Number of agreed rounds among 2..R (round 1 when R = 1)."),
    Column("belief_error_last", "float64", "|opponent's belief_mean - focal party's reservation_value| in round R.", unit="utility"),
    Column("belief_pit_last", "float64", "The opponent's belief_pit about the focal party in round R."),
    Column("total_focal", "float64", "Sum of the focal party's utility over all rounds.", unit="utility"),
    Column("total_opponent", "float64", "Sum of the opponent's utility over all rounds.", unit="utility"),
    Column("opponent_payoff_later", "float64", "The opponent's mean utility over rounds 2..R, counted as `payoff_later` is (round 1 when R = 1): an empirical game's later-round payoff of the other side.", unit="utility"),
)  # fmt: skip
"""The ``replicates`` table: one row per cell x channels x arm x replicate (focal party)."""

TRAJECTORIES_SCHEMA: tuple[Column, ...] = (
    *(_ROUNDS[name] for name in ("cell", "channels", "arm", "round", "party")),
    Column("metric", "string", "A rounds-table column of `TRAJECTORY_METRICS`; `terms` is aggregated over agreed rounds only."),
    Column("n", "int64", "Observations (replicates; agreed replicates for `terms`)."),
    Column("sum", "float64", "Sum of the metric over the observations."),
    Column("sum_sq", "float64", "Sum of its squares."),
)  # fmt: skip
"""The ``trajectories`` table: per-round sums that pool across chunks by addition."""

MEDIATION_SCHEMA: tuple[Column, ...] = (
    _ROUNDS["cell"],
    Column("treatment", "string", "Treatment arm of the comparison: the arm whose state is transplanted.", origin=_KEY),
    Column("control", "string", "Control arm of the comparison: the arm whose later rounds are replayed.", origin=_KEY),
    Column("replicate", "int64", "Replicate id (the same random numbers as in the arms' own runs).", origin=_KEY),
    Column("piece", "string", "What is replayed from the control arm's state after round 1: `direct` (the treatment arm's policy and condition terms) or the piece of the treatment arm's state swapped into the control arm (one of `PIECES`)."),
    Column("payoff_later", "float64", "The focal party's mean utility over rounds 2..R of that replay (channels `all`).", unit="utility"),
)  # fmt: skip
"""The ``mediation`` table, produced by the simulation's state transplants."""

REPLICATES_KEYS: tuple[str, ...] = ("cell", "channels", "arm", "replicate")
TRAJECTORIES_KEYS: tuple[str, ...] = ("cell", "channels", "arm", "round", "party", "metric")
MEDIATION_KEYS: tuple[str, ...] = ("cell", "treatment", "control", "replicate", "piece")

_DTYPES = {"int64": "int64", "float64": "float64", "bool": "bool", "string": "object"}


def check_table(
    frame: pd.DataFrame, schema: Sequence[Column], what: str, keys: Sequence[str] = ()
) -> pd.DataFrame:
    """``frame`` with the declared columns in declared order and dtypes; raises
    ``ValueError`` naming the table when a column is missing, a numeric column holds NaN, or
    ``keys`` identify more than one row."""
    columns = [c.name for c in schema]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"the {what} table is missing column(s) {missing}")
    out = frame[columns]
    for column in schema:
        if column.dtype == "string":
            continue
        values = out[column.name]
        if values.isna().any():
            raise ValueError(f"the {what} table has NaN in column {column.name!r}")
        if str(values.dtype) != _DTYPES[column.dtype]:
            out = out.assign(**{column.name: values.astype(_DTYPES[column.dtype])})
    if keys and out.duplicated(list(keys)).any():
        raise ValueError(f"the {what} table has several rows per {', '.join(keys)}")
    return out.reset_index(drop=True)


def markdown_reference(schema: Sequence[Column]) -> str:
    """A table's columns as a Markdown table (for the documentation)."""
    units = {"utility": "utility [0, 1]", "domain": "the issue's unit", "": ""}
    lines = ["| column | dtype | unit | meaning |", "|---|---|---|---|"]
    lines += [f"| `{c.name}` | {c.dtype} | {units[c.unit]} | {c.meaning} |" for c in schema]
    return "\n".join(lines)


class CellTables(Protocol):
    """The small tables of a run, cell by cell: what the statistics read. A run folder
    serves them from disk one cell at a time, so the summary's memory does not grow with the
    number of cells or replicates; :class:`FrameCells` serves them from tables in memory."""

    def rounds_by_cell(self) -> dict[int, int]:
        """Cell -> its number of rounds (every cell, in order)."""
        ...

    def replicates(self, cell: int) -> pd.DataFrame:
        """The cell's rows of the ``replicates`` table."""
        ...

    def mediation(self, cell: int) -> pd.DataFrame | None:
        """The cell's rows of the ``mediation`` table (``None``: the run has none)."""
        ...

    @property
    def table(self) -> pd.DataFrame:
        """The whole ``replicates`` table (read in full: only a tournament needs it)."""
        ...


class FrameCells:
    """:class:`CellTables` over a ``replicates`` (and ``mediation``) table in memory."""

    def __init__(self, replicates: pd.DataFrame, mediation: pd.DataFrame | None = None) -> None:
        """The tables in memory, split by cell once."""
        if replicates.empty:
            raise ValueError("the replicates table is empty")
        self._blocks = {int(c): b for c, b in replicates.groupby("cell", sort=True)}
        self._mediation = (
            None
            if mediation is None
            else {int(c): b for c, b in mediation.groupby("cell", sort=True)}
        )
        self._table = replicates

    @property
    def table(self) -> pd.DataFrame:
        """The whole ``replicates`` table."""
        return self._table

    def rounds_by_cell(self) -> dict[int, int]:
        """Cell -> its number of rounds, from its rows."""
        return {c: int(np.asarray(b["rounds"])[0]) for c, b in self._blocks.items()}

    def replicates(self, cell: int) -> pd.DataFrame:
        """The cell's rows of the ``replicates`` table."""
        return self._blocks[cell]

    def mediation(self, cell: int) -> pd.DataFrame | None:
        """The cell's rows of the ``mediation`` table (``None`` without one; no rows when
        the cell has none)."""
        if self._mediation is None:
            return None
        return self._mediation.get(cell, pd.DataFrame(columns=[c.name for c in MEDIATION_SCHEMA]))
