"""The rounds table: its one declaration, and the recorder that fills it.

A study's main output has one row per sweep cell x channels variant x arm x replicate x
round x party. :data:`ROUNDS_SCHEMA` declares every column once: its name, dtype, unit and
meaning, which layer adds it, and, for a column the relationship records, its reporter (how
it is computed from a round, :mod:`bargainlab.relationships.reporters`). Everything else is
derived from it: the arrays the relationship records and the record stage's one loop that
fills them (:class:`RoundsRecorder`), the check that a simulation's table is
complete, the metrics the analysis accepts, the axis labels of the figures, and the
column reference in the README and the documentation (a test checks the README's table
against this declaration).

A row names its sweep cell by ``cell`` alone: what the cell is (its value on every sweep axis)
is in the run's cells table (:class:`bargainlab.config.cells.SweepCells`, ``cells.parquet``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from . import reporters as rep
from .reporters import Reporter, RoundContext

Origin = Literal["experiment", "relationship"]


@dataclass(frozen=True)
class Column:
    """One column of the rounds table."""

    name: str
    dtype: Literal["int64", "float64", "bool", "string"]
    meaning: str
    unit: str = ""
    """``utility`` (normalised to [0, 1]), ``domain`` (the issue's own unit), or empty."""
    label: str = ""
    """A short axis label for figures (defaults to the name)."""
    origin: Origin = "relationship"
    """``experiment``: added by the run around the relationship's own columns."""
    reporter: Reporter | None = field(default=None, repr=False, compare=False)
    """How a relationship computes the column in each round (rounds table only): a function
    from the round's :class:`~bargainlab.relationships.reporters.RoundContext` and a party to
    the party's ``(n,)`` values; ``None`` for a column the table adds around them."""

    @property
    def numeric(self) -> bool:
        """Whether the column can be averaged (numbers and booleans)."""
        return self.dtype != "string"

    @property
    def axis_label(self) -> str:
        """The column's axis label in figures (its name without a label)."""
        return self.label or self.name


ROUNDS_SCHEMA: tuple[Column, ...] = (
    Column("cell", "int64", "Sweep cell index (added by the run): what the cell is, its label and its value on every sweep axis, is the run's `cells.parquet`.", origin="experiment"),
    Column("channels", "string", "Channel variant: `all`, `no_<channel>` or `none`.", origin="experiment"),
    Column("arm", "string", "Treatment arm label of the focal party.", origin="experiment"),
    Column("replicate", "int64", "Replicate id; the same id shares every random draw across arms and channel variants.", origin="experiment"),
    Column("round", "int64", "Round number, 1-based."),
    Column("party", "string", "The party's name."),
    Column("strategy", "string", "The party's strategy (registered name)."),
    Column("agreed", "bool", "Whether the round ended in agreement.", label="agreement rate", reporter=rep.agreed),
    Column("terms", "float64", "Primary issue in domain units: the agreed headline terms; without agreement the status quo (status_quo mode) or the last offer on the table.", unit="domain", label="agreed terms", reporter=rep.terms),
    Column("condition_offered", "bool", "Whether this party attached the compensation condition to any offer in the round.", label="share of rounds with a conditional offer", reporter=rep.condition_offered),
    Column("condition_met", "bool", "Whether an agreed condition was met by the obliged party.", label="share of conditions met", reporter=rep.condition_met),
    Column("utility", "float64", "This party's payoff in the round, normalised to [0, 1] and discounted within the round; the outside option after the relationship has ended.", unit="utility", label="utility (normalised, 0-1)", reporter=rep.utility),
    Column("steps", "int64", "Offers made in the round (0 once the relationship has ended).", label="offers in the round", reporter=rep.steps),
    Column("exited", "bool", "Whether this party left the relationship in this round (took its outside option, or a behavioural exit).", label="exit rate", reporter=rep.exited),
    Column("active", "bool", "Whether the relationship was still running in this round.", label="share of relationships still active", reporter=rep.active),
    Column("reservation_value", "float64", "This party's true reservation value in the round (utility units).", unit="utility", label="reservation value", reporter=rep.reservation_value),
    Column("belief_mean", "float64", "Mean of this party's belief about the opponent's reservation value after the round's update (utility units).", unit="utility", label="posterior mean of the opponent's reservation value", reporter=rep.belief_mean),
    Column("belief_sd", "float64", "Standard deviation of that belief.", unit="utility", label="posterior sd of the opponent's reservation value", reporter=rep.belief_sd),
    Column("belief_pit", "float64", "The posterior CDF of this party's belief at the opponent's true reservation value, randomised within the grid atom at it (uniform on [0, 1] for a calibrated posterior). An analysis quantity: no party ever sees it.", label="probability integral transform of the truth", reporter=rep.belief_pit),
    Column("belief_type_mass", "float64", "Posterior probability this party puts on the policy its opponent actually follows (1 without a reputation model; 0 when that policy is not among the declared types).", label="posterior probability of the opponent's true policy", reporter=rep.belief_type_mass),
    Column("reference_point", "float64", "This party's reference point at the start of the round: the last agreed terms, in domain units.", unit="domain", label="reference point", reporter=rep.reference_point),
    Column("subjective_value", "float64", "This round's subjective value (0 when the behavioural module is off).", label="subjective value", reporter=rep.subjective_value),
    Column("condition_belief_mean", "float64", "Mean of the condition holder's belief about the obliged party's private cost of meeting the condition, after the round's update (utility units); 0 for the obliged party and in studies without a condition.", unit="utility", label="posterior mean of the condition's cost", reporter=rep.condition_belief_mean),
    Column("condition_belief_sd", "float64", "Standard deviation of that belief (0 where the mean is 0 by convention).", unit="utility", label="posterior sd of the condition's cost", reporter=rep.condition_belief_sd),
    Column("first_offer", "float64", "This party's first offer of the round in domain units (its reference point if it made none).", unit="domain", label="first offer", reporter=rep.first_offer),
    Column("instant", "bool", "Whether the opponent accepted this party's very first offer of the round at once.", label="share of first offers accepted at once", reporter=rep.instant),
)  # fmt: skip
"""Every declared column of the rounds table, in table order."""

COLUMNS: dict[str, Column] = {c.name: c for c in ROUNDS_SCHEMA}
"""The declared columns by name."""

KEYS: tuple[str, ...] = ("cell", "channels", "arm", "replicate", "round", "party")
"""The columns that identify a row; the table is sorted by them."""

REPORTED: tuple[Column, ...] = tuple(c for c in ROUNDS_SCHEMA if c.reporter is not None)
"""The columns the relationship records every round, each from its reporter."""

RECORDED: tuple[str, ...] = tuple(c.name for c in REPORTED)
"""The names of the per-party quantities the relationship records every round."""

METRICS: tuple[str, ...] = tuple(c.name for c in ROUNDS_SCHEMA if c.name in RECORDED and c.numeric)
"""Columns the analysis may average or compare."""


def relationship_columns() -> tuple[str, ...]:
    """The columns a relationship's table has (everything but those the run adds)."""
    return tuple(c.name for c in ROUNDS_SCHEMA if c.origin == "relationship")


class RoundsRecorder:
    """Arrays of shape ``(R, n, 2)`` (party axis last; ``R`` the longest relationship), one per
    recorded column, with the dtype the schema declares. The record stage fills round ``r``
    from the columns' reporters (:meth:`record`); ``recorder[column]`` reads a column. A
    relationship's rows after its own last round (``rounds``, one per replicate) are not part
    of the table."""

    __slots__ = ("arrays", "rounds", "snapshot")

    def __init__(self, rounds: np.ndarray) -> None:
        """Zeroed ``(R, n, 2)`` arrays for relationships of ``rounds`` rounds."""
        self.rounds = np.asarray(rounds, dtype=np.int64)
        self.snapshot: Any = None
        """A copy of the relationships' state after a given round, when ``play`` was asked
        for one."""
        shape = (int(self.rounds.max()), self.rounds.shape[0], 2)
        self.arrays: dict[str, np.ndarray] = {
            name: np.zeros(shape, dtype=np.dtype(COLUMNS[name].dtype)) for name in RECORDED
        }

    def __getitem__(self, name: str) -> np.ndarray:
        """The ``(R, n, 2)`` array of the recorded column ``name``."""
        return self.arrays[name]

    def record(self, context: RoundContext) -> None:
        """Fill the round of ``context`` from every recorded column's reporter, party by
        party."""
        r = context.index
        for column in REPORTED:
            assert column.reporter is not None
            array = self.arrays[column.name]
            for party in (0, 1):
                array[r, :, party] = column.reporter(context, party)

    def take(self, rows: slice | np.ndarray) -> RoundsRecorder:
        """The recorded rounds of some replicates (views for a slice, copies for an index
        array)."""
        part = RoundsRecorder.__new__(RoundsRecorder)
        part.snapshot = None
        part.rounds = self.rounds[rows]
        part.arrays = {name: array[:, rows, :] for name, array in self.arrays.items()}
        return part

    def to_frame(
        self,
        names: tuple[str, str],
        strategies: list[tuple[str, str]],
        replicate_ids: np.ndarray,
        leading: dict[str, Any] | None = None,
    ) -> pd.DataFrame:
        """The tidy table (``replicate``, ``round``, ``party``, ``strategy`` and every recorded
        column), one row per replicate x round x party, sorted by round; ``leading`` adds
        columns in front (e.g. the arm), each one value or one per replicate (an ``(n,)``
        array)."""
        first = self.arrays[RECORDED[0]]
        rounds, n, _ = first.shape
        round_no = np.repeat(np.arange(1, rounds + 1), n * 2)
        reps = np.tile(np.repeat(replicate_ids, 2), rounds)
        party_idx = np.tile(np.array([0, 1]), rounds * n)
        # rows of rounds a relationship does not have (a batch stacks lengths) are dropped
        keep = round_no <= np.tile(np.repeat(self.rounds, 2), rounds)
        size = int(np.count_nonzero(keep))
        columns: dict[str, Any] = {}
        for name, value in (leading or {}).items():
            if isinstance(value, np.ndarray):
                if value.shape != (n,):
                    raise ValueError(
                        f"leading column {name!r}: expected one value per replicate ({n})"
                    )
                columns[name] = np.tile(np.repeat(value.astype(object), 2), rounds)[keep]
            else:
                columns[name] = np.full(size, value, dtype=object)
        columns.update(
            {
                "replicate": reps[keep].astype(np.int64),
                "round": round_no[keep].astype(np.int64),
                "party": np.asarray(names, dtype=object)[party_idx[keep]],
                "strategy": np.asarray(strategies, dtype=object)[
                    round_no[keep] - 1, party_idx[keep]
                ],
            }
        )
        for name in RECORDED:
            columns[name] = self.arrays[name].reshape(rounds * n * 2)[keep]
        return pd.DataFrame(columns)


def markdown_reference() -> str:
    """The column reference as a Markdown table (used by the README and the docs)."""
    lines = ["| column | meaning |", "|---|---|"]
    lines += [f"| `{c.name}` | {c.meaning} |" for c in ROUNDS_SCHEMA]
    return "\n".join(lines)


__all__ = [
    "COLUMNS",
    "KEYS",
    "METRICS",
    "RECORDED",
    "REPORTED",
    "ROUNDS_SCHEMA",
    "Column",
    "RoundsRecorder",
    "markdown_reference",
    "relationship_columns",
]
