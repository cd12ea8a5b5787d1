"""What is fixed about a batch of relationships before the first round.

A batch may stack relationships of several sweep cells: every number that a sweep can vary
(persistence, priors, outside options, the number of rounds, the condition's value, ...) is
an array with one entry per replicate, and so are the channel switches (the variants of a
decomposition play as one batch); what defines the mechanics (the issue, the strategies, the
reputation model's policies) is shared. Stacked replicates
give exactly the numbers they would give alone: every stage is elementwise in the replicate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from ..beliefs.priors import PriorTable
from ..engine.game import Disagreement
from ..engine.terms import Issue
from ..strategies.base import Strategy
from .behaviour import BehaviourSpec
from .channels import ChannelMask


@dataclass(frozen=True)
class Reputation:
    """A learner's model of its opponent: the policies the opponent may follow, with a prior."""

    labels: tuple[str, ...]
    models: tuple[Strategy, ...]
    prior: np.ndarray
    """``(n, K)`` per replicate, the prior probabilities of the types (each row sums to 1)."""

    def index_of(self, strategy: Strategy) -> int | None:
        """The type whose policy is ``strategy`` (equal parameters), if any."""
        for k, model in enumerate(self.models):
            if model == strategy:
                return k
        return None

    def shares_structure(self, other: Reputation) -> bool:
        return self.labels == other.labels and self.models == other.models


@dataclass(frozen=True)
class RelationshipSetup:
    """Everything fixed about a batch of ``n`` relationships.

    Party 0 prefers high positions on the issue. Arrays have a leading replicate axis but
    ``outside_option``, ``(R, n, 2)`` with ``R`` the longest relationship of the batch;
    ``first_mover`` is an ``(n,)`` array of party indices or ``"random"`` (a fair coin per
    replicate and round).
    """

    # ---- the mechanics: shared by every replicate of the batch ------------------------------
    issue: Issue
    names: tuple[str, str]
    disagreement: Disagreement
    allow_exit: bool
    end_on_disagreement: bool
    grid: np.ndarray
    tremble: float
    behaviour: BehaviourSpec
    condition_holder: int | None
    reservation_shift: np.ndarray
    """``(R, 2)`` public shifts of each party's reservation value from round to round (costs
    rose in round 3); shared, so that a learner's grid of candidates is the same for the
    whole batch."""
    # ---- one entry per replicate ----------------------------------------------------------
    rounds: np.ndarray
    """``(n,)`` the number of rounds of each relationship."""
    channels: ChannelMask
    """Which channels are on, per relationship."""
    horizon: np.ndarray
    """``(n,)`` offers per round (the public deadline)."""
    breakdown: np.ndarray
    first_mover: np.ndarray | str
    status_quo: np.ndarray
    """``(n,)`` initial status quo (and reference point) as a position in [0, 1]."""
    rho: np.ndarray
    """``(n,)`` type persistence: a reservation value is kept with probability rho, else
    redrawn."""
    priors: tuple[PriorTable, PriorTable]
    """Each party's prior over its reservation value, one per replicate."""
    outside_option: np.ndarray
    """``(R, n, 2)`` each party's outside option in each round."""
    delta: np.ndarray
    """``(n, 2)``."""
    curvature: np.ndarray
    """``(n, 2)``."""
    deadline: np.ndarray
    """``(n, 2)`` each party's own deadline (at most the horizon)."""
    condition_value: np.ndarray
    """``(n,)`` the condition's value to its holder (zeros without a condition)."""
    condition_cost_prior: PriorTable | None
    condition_fallback: np.ndarray
    """``(n,)`` the position that applies when an agreed condition is not met."""
    reputation: tuple[Reputation | None, Reputation | None] = (None, None)
    """Per side: the behavioural types it thinks its opponent may be (its reputation model);
    ``None``: a learner on that side knows the opponent's strategy of each round."""

    @property
    def n(self) -> int:
        return self.rounds.shape[0]

    @property
    def max_rounds(self) -> int:
        return int(self.rounds.max())

    def shares_mechanics(self, other: RelationshipSetup) -> bool:
        """Whether ``other`` can be stacked with this setup into one batch."""
        same = (
            self.issue == other.issue
            and self.names == other.names
            and self.disagreement == other.disagreement
            and self.allow_exit == other.allow_exit
            and self.end_on_disagreement == other.end_on_disagreement
            and np.array_equal(self.grid, other.grid)
            and self.tremble == other.tremble
            and self.behaviour == other.behaviour
            and self.condition_holder == other.condition_holder
            and isinstance(self.first_mover, str) == isinstance(other.first_mover, str)
            and np.array_equal(
                _padded(self.reservation_shift, 1000), _padded(other.reservation_shift, 1000)
            )
        )
        for mine, theirs in zip(self.reputation, other.reputation, strict=True):
            same = same and (mine is None) == (theirs is None)
            if mine is not None and theirs is not None:
                same = same and mine.shares_structure(theirs)
        return same

    def take(self, rows: np.ndarray) -> RelationshipSetup:
        """The setup of a subset of the relationships (integer positions), its per-round
        schedules cut to the longest of them."""
        longest = int(self.rounds[rows].max()) if len(rows) else 1
        values: dict[str, Any] = {}
        for f in fields(self):
            name, value = f.name, getattr(self, f.name)
            if name in _SHARED:
                values[name] = value
            elif name == "reservation_shift":
                values[name] = _padded(value, longest)
            elif name == "outside_option":
                values[name] = value[:longest, rows]
            elif name == "priors":
                values[name] = (value[0].take(rows), value[1].take(rows))
            elif name in ("condition_cost_prior", "channels"):
                values[name] = None if value is None else value.take(rows)
            elif name == "first_mover":
                values[name] = value if isinstance(value, str) else value[rows]
            elif name == "reputation":
                values[name] = tuple(
                    None if r is None else Reputation(r.labels, r.models, r.prior[rows])
                    for r in value
                )
            else:
                values[name] = value[rows]
        return RelationshipSetup(**values)

    @classmethod
    def stack(cls, setups: Sequence[RelationshipSetup]) -> RelationshipSetup:
        """One batch of the replicates of ``setups`` (which must share their mechanics), one
        setup after the other."""
        first = setups[0]
        if len(setups) == 1:
            return first
        for other in setups[1:]:
            if not first.shares_mechanics(other):
                raise ValueError("only setups with the same mechanics can be stacked")
        longest = max(s.max_rounds for s in setups)

        def per_round(name: str) -> np.ndarray:
            # pad each setup's (R, n, 2) schedule with its last round, up to the longest
            parts = []
            for s in setups:
                table = getattr(s, name)
                pad = np.repeat(table[-1:], longest - table.shape[0], axis=0)
                parts.append(np.concatenate([table, pad], axis=0))
            return np.concatenate(parts, axis=1)

        values = {}
        for f in fields(cls):
            name = f.name
            if name in _SHARED:
                values[name] = getattr(first, name)
            elif name == "reservation_shift":
                values[name] = _padded(first.reservation_shift, longest)
            elif name == "outside_option":
                values[name] = per_round(name)
            elif name == "priors":
                values[name] = tuple(
                    PriorTable.stack([s.priors[i] for s in setups]) for i in (0, 1)
                )
            elif name == "condition_cost_prior":
                tables = [s.condition_cost_prior for s in setups]
                values[name] = None if tables[0] is None else PriorTable.stack(tables)  # type: ignore[arg-type]
            elif name == "first_mover":
                values[name] = (
                    "random"
                    if isinstance(first.first_mover, str)
                    else np.concatenate([s.first_mover for s in setups])
                )
            elif name == "channels":
                values[name] = ChannelMask.stack([s.channels for s in setups])
            elif name == "reputation":
                values[name] = tuple(
                    _stacked_reputation([s.reputation[i] for s in setups])
                    for i in range(len(first.reputation))
                )
            else:
                values[name] = np.concatenate([getattr(s, name) for s in setups])
        return cls(**values)


_SHARED = (
    "issue",
    "names",
    "disagreement",
    "allow_exit",
    "end_on_disagreement",
    "grid",
    "tremble",
    "behaviour",
    "condition_holder",
)
"""The fields every relationship of a batch shares (the mechanics)."""


def _stacked_reputation(models: Sequence[Reputation | None]) -> Reputation | None:
    """One side's reputation models of stacked setups as one model (``None`` without one)."""
    first = models[0]
    if first is None:
        return None
    priors = []
    for model in models:
        assert model is not None  # shares_mechanics: a side has a model in every setup or none
        priors.append(model.prior)
    return Reputation(first.labels, first.models, np.concatenate(priors))


def _padded(schedule: np.ndarray, rounds: int) -> np.ndarray:
    """A per-round schedule extended to ``rounds`` rounds with its last round."""
    if schedule.shape[0] >= rounds:
        return schedule[:rounds]
    return np.concatenate([schedule, np.repeat(schedule[-1:], rounds - schedule.shape[0], axis=0)])


__all__ = ["RelationshipSetup", "Reputation"]
