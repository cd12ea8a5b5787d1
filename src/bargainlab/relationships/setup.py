"""What is fixed about a batch of relationships before the first round.

A batch may stack relationships of several sweep cells. What defines the mechanics (the
issue, the rules of the game, the belief grid, the reputation models' policies) is one
:class:`Mechanics` that the whole batch shares; every number a sweep can vary (persistence,
priors, outside options, the number of rounds, the condition's value, ...) is an array with
one entry per replicate, and so are the channel switches (the variants of a decomposition
play as one batch). Stacked replicates give exactly the numbers they would give alone: every
stage is elementwise in the replicate.

Each field of :class:`RelationshipSetup` is declared once, with metadata saying how it follows
the replicates (:mod:`bargainlab.relationships.batch`), so :meth:`RelationshipSetup.take` and
:meth:`RelationshipSetup.stack` need no list of fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Final

import numpy as np

from ..beliefs.priors import PriorTable
from ..engine.game import Disagreement
from ..engine.terms import Issue
from ..strategies.base import Strategy
from .batch import per_replicate, shared, stack_fields, take_fields
from .behaviour import BehaviourSpec
from .channels import ChannelMask

COIN: Final = -1
"""A replicate's ``first_mover`` for a fair coin per round (instead of party 0 or 1)."""


@dataclass(frozen=True)
class Reputation:
    """A learner's model of its opponent: the behavioural types (policies) it may follow.

    The prior over the types is per replicate (:attr:`RelationshipSetup.reputation_prior`).
    """

    labels: tuple[str, ...]
    models: tuple[Strategy, ...]

    def index_of(self, strategy: Strategy) -> int | None:
        """The type whose policy is ``strategy`` (equal parameters), if any."""
        for k, model in enumerate(self.models):
            if model == strategy:
                return k
        return None


@dataclass(frozen=True, eq=False)
class Mechanics:
    """The rules every relationship of a batch shares. Two batches stack iff their mechanics
    are equal (:meth:`__eq__`: field by field, arrays by value)."""

    issue: Issue
    names: tuple[str, str]
    """The parties' names (party 0 prefers high positions on the issue)."""
    disagreement: Disagreement
    allow_exit: bool
    end_on_disagreement: bool
    grid: np.ndarray
    """``(G,)`` the belief grid of reservation values (and of the condition's cost)."""
    tremble: float
    behaviour: BehaviourSpec
    condition_holder: int | None
    reservation_shift: np.ndarray
    """``(R, 2)`` public shifts of each party's reservation value from round to round (costs
    rose in round 3), the last row holding for every later round (:meth:`shift`); stored
    without repeats of its last row, so that equal schedules compare equal whatever
    relationship length they were written for. Shared, so that a learner's grid of candidates
    is the same for the whole batch."""
    reputation: tuple[Reputation | None, Reputation | None] = (None, None)
    """Per side: the behavioural types it thinks its opponent may be (its reputation model);
    ``None``: a learner on that side knows the opponent's strategy of each round."""

    def __post_init__(self) -> None:
        """Store the reservation shifts without repeats of their last row."""
        shift = np.asarray(self.reservation_shift, dtype=float)
        if shift.ndim != 2 or shift.shape[0] < 1 or shift.shape[1] != 2:
            raise ValueError(f"reservation_shift must have shape (R, 2); got {shift.shape}")
        rounds = shift.shape[0]
        while rounds > 1 and np.array_equal(shift[rounds - 1], shift[rounds - 2]):
            rounds -= 1
        object.__setattr__(self, "reservation_shift", shift[:rounds])

    def __eq__(self, other: object) -> bool:
        """Whether ``other`` has the same mechanics (arrays compared by value)."""
        if not isinstance(other, Mechanics):
            return NotImplemented
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            same = np.array_equal(mine, theirs) if isinstance(mine, np.ndarray) else mine == theirs
            if not same:
                return False
        return True

    __hash__ = None  # type: ignore[assignment]  # equal by value, and holds arrays

    def shift(self, round_index: int) -> np.ndarray:
        """``(2,)``: the public shift of each party's reservation value in a round."""
        return self.reservation_shift[min(round_index, self.reservation_shift.shape[0] - 1)]


@dataclass(frozen=True, eq=False)
class RelationshipSetup:
    """Everything fixed about a batch of ``n`` relationships: the shared :class:`Mechanics`
    and the per-replicate values.

    Arrays have a leading replicate axis but ``outside_option``, ``(R, n, 2)`` with ``R`` the
    longest relationship of the batch.
    """

    mechanics: Mechanics = field(metadata=shared())
    rounds: np.ndarray = field(metadata=per_replicate())
    """``(n,)`` the number of rounds of each relationship."""
    channels: ChannelMask = field(metadata=per_replicate())
    """Which channels are on, per relationship."""
    horizon: np.ndarray = field(metadata=per_replicate())
    """``(n,)`` offers per round (the public deadline)."""
    breakdown: np.ndarray = field(metadata=per_replicate())
    first_mover: np.ndarray = field(metadata=per_replicate())
    """``(n,)`` ``int8``: the party that makes the first offer of every round, or :data:`COIN`
    (a fair coin per round)."""
    status_quo: np.ndarray = field(metadata=per_replicate())
    """``(n,)`` initial status quo (and reference point) as a position in [0, 1]."""
    rho: np.ndarray = field(metadata=per_replicate())
    """``(n,)`` type persistence: a reservation value is kept with probability rho, else
    redrawn."""
    priors: tuple[PriorTable, PriorTable] = field(metadata=per_replicate())
    """Each party's prior over its reservation value, one per replicate."""
    outside_option: np.ndarray = field(metadata=per_replicate(axis=1, per_round=True))
    """``(R, n, 2)`` each party's outside option in each round."""
    delta: np.ndarray = field(metadata=per_replicate())
    """``(n, 2)``."""
    curvature: np.ndarray = field(metadata=per_replicate())
    """``(n, 2)``."""
    deadline: np.ndarray = field(metadata=per_replicate())
    """``(n, 2)`` each party's own deadline (at most the horizon)."""
    condition_value: np.ndarray = field(metadata=per_replicate())
    """``(n,)`` the condition's value to its holder (zeros without a condition)."""
    condition_cost_prior: PriorTable | None = field(metadata=per_replicate())
    condition_fallback: np.ndarray = field(metadata=per_replicate())
    """``(n,)`` the position that applies when an agreed condition is not met."""
    reputation_prior: tuple[np.ndarray | None, np.ndarray | None] = field(
        default=(None, None), metadata=per_replicate()
    )
    """Per side with a reputation model, ``(n, K)``: the prior probabilities of its types
    (each row sums to 1); ``None`` for a side without one."""

    def __post_init__(self) -> None:
        """Check that each side has a prior over its reputation model's types, and only then."""
        for side, (model, prior) in enumerate(
            zip(self.mechanics.reputation, self.reputation_prior, strict=True)
        ):
            expected = None if model is None else (self.n, len(model.labels))
            if (None if prior is None else prior.shape) != expected:
                raise ValueError(
                    f"reputation_prior[{side}] must be {'None' if expected is None else expected}"
                    " (one row per replicate over the side's reputation model's types)"
                )

    @property
    def n(self) -> int:
        """The number of relationships."""
        return self.rounds.shape[0]

    @property
    def max_rounds(self) -> int:
        """The longest relationship's number of rounds."""
        return int(self.rounds.max())

    def shares_mechanics(self, other: RelationshipSetup) -> bool:
        """Whether ``other`` can be stacked with this setup into one batch."""
        return self.mechanics == other.mechanics

    def take(self, rows: np.ndarray) -> RelationshipSetup:
        """The setup of a subset of the relationships (integer positions), its per-round
        schedules cut to the longest of them."""
        longest = int(self.rounds[rows].max()) if len(rows) else 1
        return RelationshipSetup(**take_fields(self, rows, longest))

    @classmethod
    def stack(cls, setups: Sequence[RelationshipSetup]) -> RelationshipSetup:
        """One batch of the replicates of ``setups`` (which must share their mechanics), one
        setup after the other."""
        if len(setups) == 1:
            return setups[0]
        return cls(**stack_fields(setups, max(s.max_rounds for s in setups)))


__all__ = ["COIN", "Mechanics", "RelationshipSetup", "Reputation"]
