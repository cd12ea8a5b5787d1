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
        beliefs = [Belief.stack([s.beliefs[i] for s in states]) for i in (0, 1)]
        return cls(
            beliefs=(beliefs[0], beliefs[1]),
            cost_belief=_stacked_cost_beliefs(states),
            reference_x=_concatenated(states, "reference_x"),
            status_quo=_concatenated(states, "status_quo"),
            active=_concatenated(states, "active"),
            stock=_concatenated(states, "stock"),
            levers=[_stacked_levers(states, 0), _stacked_levers(states, 1)],
            type_index=[_joined([s.type_index[i] for s in states]) for i in (0, 1)],
            cost_index=_joined([s.cost_index for s in states]),
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

    def with_condition_of(self, donor: RelationshipState) -> RelationshipState:
        """A copy of this state with the parts that belong to the condition's terms taken
        from ``donor`` (the same replicates in an arm whose condition has other terms): the
        obliged party's cost draw and the holder's belief about that cost. Under other terms
        the cost is drawn from another prior, so this state's draw and belief are about a
        condition the donor's arm does not have."""
        state, other = self.copy(), donor.copy()
        state.cost_index, state.cost_belief = other.cost_index, other.cost_belief
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


def _concatenated(states: Sequence[RelationshipState], name: str) -> np.ndarray:
    """The per-replicate array ``name`` of several states, one after the other."""
    return np.concatenate([getattr(state, name) for state in states])


def _stacked_cost_beliefs(states: Sequence[RelationshipState]) -> Belief | None:
    """The holder's cost beliefs of several states, one after the other (``None`` without a
    condition)."""
    beliefs = [state.cost_belief for state in states]
    present = [belief for belief in beliefs if belief is not None]
    return Belief.stack(present) if len(present) == len(beliefs) else None


def _joined(arrays: Sequence[np.ndarray | None]) -> np.ndarray | None:
    """Per-replicate arrays of states after the same round, one after the other (``None``
    if the round has not drawn them yet)."""
    present = [a for a in arrays if a is not None]
    if not present:
        return None
    if len(present) != len(arrays):
        raise ValueError("only states after the same round stack")
    return np.concatenate(present)


def _stacked_levers(states: Sequence[RelationshipState], side: int) -> Levers:
    """One side's levers of several states, one after the other (a lever that is one number
    for a whole state is repeated for each of its relationships)."""

    def joined(name: str) -> np.ndarray:
        """The lever ``name`` of every state, one entry per relationship."""
        return np.concatenate(
            [np.broadcast_to(getattr(s.levers[side], name), s.active.shape) for s in states]
        )

    return Levers(joined("retaliation"), joined("accept_shift"))


def _take_levers(levers: Levers, rows: np.ndarray) -> Levers:
    """The levers of the relationships ``rows`` (a lever that is one number stays one)."""

    def take(value: np.ndarray | float) -> np.ndarray | float:
        """A per-relationship lever of ``rows``; one number stays."""
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
