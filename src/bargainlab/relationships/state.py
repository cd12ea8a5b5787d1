"""The state a batch of relationships carries from one round to the next."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..beliefs.grid import Belief
from ..beliefs.priors import PriorTable
from ..engine.negotiation import Game
from ..engine.parties import PartyBatch
from ..engine.terms import Condition
from ..engine.views import Levers
from .setup import RelationshipSetup


@dataclass
class RelationshipState:
    """Per replicate (arrays of shape ``(n,)`` unless noted), everything that links rounds.

    Every field is logged in the rounds table or derived from logged columns; stages read
    and write it, and nothing else carries information between rounds.
    """

    beliefs: tuple[Belief, Belief]
    """Each party's belief about its opponent's reservation value (party ``i`` holds
    ``beliefs[i]``)."""
    cost_belief: Belief | None
    """The condition holder's belief about the obliged party's cost (``None``: no condition)."""
    reference_x: np.ndarray
    """Position of the last agreed terms (precedent)."""
    status_quo: np.ndarray
    """Position that applies without agreement in ``status_quo`` mode."""
    active: np.ndarray
    """Whether the relationship is still running."""
    stock: np.ndarray
    """``(n, 2)``: each party's subjective-value stock (behavioural module)."""
    levers: list[Levers] = field(default_factory=lambda: [Levers(), Levers()])
    """Each party's behavioural levers for the next round."""
    type_index: list[np.ndarray | None] = field(default_factory=lambda: [None, None])
    """Each party's reservation value as an index into the type grid (before public shifts)."""
    cost_index: np.ndarray | None = None
    """The obliged party's cost of the condition as an index into the grid."""

    def copy(self) -> RelationshipState:
        """A deep copy (every array and belief copied)."""
        return self.take(np.arange(self.active.shape[0]))

    def take(self, rows: np.ndarray) -> RelationshipState:
        """The state of a subset of the relationships (a deep copy)."""
        return RelationshipState(
            beliefs=(self.beliefs[0].take(rows), self.beliefs[1].take(rows)),
            cost_belief=None if self.cost_belief is None else self.cost_belief.take(rows),
            reference_x=self.reference_x[rows],
            status_quo=self.status_quo[rows],
            active=self.active[rows],
            stock=self.stock[rows],
            levers=[_take_levers(lever, rows) for lever in self.levers],
            type_index=[None if t is None else t[rows] for t in self.type_index],
            cost_index=None if self.cost_index is None else self.cost_index[rows],
        )

    @classmethod
    def stack(cls, states: Sequence[RelationshipState]) -> RelationshipState:
        """The relationships of several states after the same round, one batch after the
        other (copies)."""

        def joined(arrays: Sequence[np.ndarray | None]) -> np.ndarray | None:
            if any(a is None for a in arrays):
                if not all(a is None for a in arrays):
                    raise ValueError("only states after the same round stack")
                return None
            return np.concatenate(arrays)  # type: ignore[arg-type]

        def levers(side: int) -> Levers:
            sizes = [s.active.shape[0] for s in states]
            return Levers(
                *(
                    np.concatenate(
                        [
                            np.broadcast_to(getattr(s.levers[side], name), (size,))
                            for s, size in zip(states, sizes, strict=True)
                        ]
                    )
                    for name in ("retaliation", "accept_shift")
                )
            )

        costs = [s.cost_belief for s in states]
        return cls(
            beliefs=(
                Belief.stack([s.beliefs[0] for s in states]),
                Belief.stack([s.beliefs[1] for s in states]),
            ),
            cost_belief=None
            if any(c is None for c in costs)
            else Belief.stack([c for c in costs if c is not None]),
            reference_x=np.concatenate([s.reference_x for s in states]),
            status_quo=np.concatenate([s.status_quo for s in states]),
            active=np.concatenate([s.active for s in states]),
            stock=np.concatenate([s.stock for s in states]),
            levers=[levers(0), levers(1)],
            type_index=[joined([s.type_index[i] for s in states]) for i in (0, 1)],
            cost_index=joined([s.cost_index for s in states]),
        )

    def transplant(self, donor: RelationshipState, piece: str, owner: int) -> RelationshipState:
        """A copy of this state with one piece taken from ``donor`` (the same replicates in
        another arm, after the same rounds and with the same random numbers).

        ``owner`` is the focal party (whose arm differs). The pieces (:data:`PIECES`):
        ``posterior``, the opponent's belief about the focal party; ``reference_point``, the
        last agreed terms and the status quo; ``survival``, whether the relationship is still
        running; ``subjective_value``, both parties' subjective-value stocks and levers. The
        private types are the same in every arm (the same draws) and are not transplanted.
        """
        if piece not in PIECES:
            raise ValueError(f"piece must be one of {', '.join(PIECES)}; got {piece!r}")
        other = donor.copy()
        state = self.copy()
        if piece == "posterior":
            beliefs = list(state.beliefs)
            beliefs[1 - owner] = other.beliefs[1 - owner]
            state.beliefs = (beliefs[0], beliefs[1])
        elif piece == "reference_point":
            state.reference_x, state.status_quo = other.reference_x, other.status_quo
        elif piece == "survival":
            state.active = other.active
        else:
            state.stock, state.levers = other.stock, other.levers
        return state

    def moved(self, donor: RelationshipState, piece: str, owner: int) -> np.ndarray:
        """``(n,)``: the relationships whose state :meth:`transplant` of ``piece`` from
        ``donor`` changes (elsewhere the transplanted state is this one, bit for bit)."""
        if piece not in PIECES:
            raise ValueError(f"piece must be one of {', '.join(PIECES)}; got {piece!r}")
        if piece == "posterior":
            mine, theirs = self.beliefs[1 - owner], donor.beliefs[1 - owner]
            return _rows_differ(mine.mass, theirs.mass) | _rows_differ(mine.prior, theirs.prior)
        if piece == "reference_point":
            return (self.reference_x != donor.reference_x) | (self.status_quo != donor.status_quo)
        if piece == "survival":
            return self.active != donor.active
        n = self.active.shape[0]
        out = _rows_differ(self.stock, donor.stock)
        for mine_levers, their_levers in zip(self.levers, donor.levers, strict=True):
            for name in ("retaliation", "accept_shift"):
                out |= np.broadcast_to(getattr(mine_levers, name), (n,)) != np.broadcast_to(
                    getattr(their_levers, name), (n,)
                )
        return out

    @classmethod
    def initial(cls, setup: RelationshipSetup, n: int) -> RelationshipState:
        """The state before round 1: prior beliefs, the initial status quo, all active."""
        grid = setup.mechanics.grid
        beliefs = tuple(_belief_about(setup, i, n) for i in (0, 1))
        cost_belief = None
        if setup.mechanics.condition_holder is not None:
            # the holder's belief about the obliged party's cost; a cosmetic condition (the
            # surplus channel off) costs 0
            nothing = PriorTable.single((grid == 0).astype(float), n)
            surplus = setup.channels["surplus"]
            if setup.condition_cost_prior is None or not surplus.any():
                cost_prior = nothing
            elif surplus.all():
                cost_prior = setup.condition_cost_prior
            else:
                cost_prior = PriorTable.where(surplus, setup.condition_cost_prior, nothing)
            cost_belief = Belief.from_prior(cost_prior, grid, n)
        start = np.asarray(setup.status_quo, dtype=float)
        return cls(
            beliefs=(beliefs[0], beliefs[1]),
            cost_belief=cost_belief,
            reference_x=start.copy(),
            status_quo=start.copy(),
            active=np.ones(n, dtype=bool),
            stock=np.zeros((n, 2)),
        )


PIECES = ("posterior", "reference_point", "survival", "subjective_value")
"""The pieces of the state one arm's relationship can take from another's (see
:meth:`RelationshipState.transplant`)."""


def _belief_about(setup: RelationshipSetup, side: int, n: int) -> Belief:
    """``side``'s prior belief about its opponent: the opponent's reservation value's prior,
    times the side's prior over the opponent's behavioural types when it has a reputation
    model."""
    prior, grid = setup.priors[1 - side], setup.mechanics.grid
    reputation = setup.mechanics.reputation[side]
    if reputation is None:
        return Belief.from_prior(prior, grid, n)
    type_prior = setup.reputation_prior[side]
    return Belief.from_prior(prior, grid, n, type_prior=type_prior, labels=reputation.labels)


def _rows_differ(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(n,)``: the rows (first axis) in which two arrays of the same shape differ."""
    return (a != b).reshape(a.shape[0], -1).any(axis=1)


def _take_levers(levers: Levers, rows: np.ndarray) -> Levers:
    def take(value: np.ndarray | float) -> np.ndarray | float:
        return value[rows] if isinstance(value, np.ndarray) else value

    return Levers(take(levers.retaliation), take(levers.accept_shift))


@dataclass(frozen=True)
class Round:
    """What is fixed within one round: the parties' types and strengths, the condition and
    the stage game."""

    index: int
    """0-based round number."""
    reservation: tuple[np.ndarray, np.ndarray]
    parties: tuple[PartyBatch, PartyBatch]
    condition: Condition | None
    game: Game


__all__ = ["PIECES", "RelationshipState", "Round"]
