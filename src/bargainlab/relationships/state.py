"""The state a batch of relationships carries from one round to the next."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..beliefs.grid import Belief
from ..beliefs.priors import PriorTable
from ..engine.negotiation import Game
from ..engine.parties import PartyBatch
from ..engine.terms import Condition
from ..engine.views import Levers
from .setup import RelationshipSetup, Reputation


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
        everyone = np.arange(self.active.shape[0])
        return RelationshipState(
            beliefs=(self.beliefs[0].take(everyone), self.beliefs[1].take(everyone)),
            cost_belief=None if self.cost_belief is None else self.cost_belief.take(everyone),
            reference_x=self.reference_x.copy(),
            status_quo=self.status_quo.copy(),
            active=self.active.copy(),
            stock=self.stock.copy(),
            levers=[_copy_levers(lever) for lever in self.levers],
            type_index=[None if t is None else t.copy() for t in self.type_index],
            cost_index=None if self.cost_index is None else self.cost_index.copy(),
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

    @classmethod
    def initial(cls, setup: RelationshipSetup, n: int) -> RelationshipState:
        """The state before round 1: prior beliefs, the initial status quo, all active."""
        beliefs = tuple(_belief_about(setup, 1 - i, setup.reputation[i], n) for i in (0, 1))
        cost_belief = None
        if setup.condition_holder is not None:
            # the holder's belief about the obliged party's cost; a cosmetic condition costs 0
            if setup.channels.surplus and setup.condition_cost_prior is not None:
                cost_prior: PriorTable | np.ndarray = setup.condition_cost_prior
            else:
                cost_prior = (setup.grid == 0).astype(float)
            cost_belief = Belief.from_prior(cost_prior, setup.grid, n)
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


def _belief_about(
    setup: RelationshipSetup, opponent: int, reputation: Reputation | None, n: int
) -> Belief:
    """A side's prior belief about ``opponent``: its reservation value's prior, times the
    side's prior over the opponent's behavioural types when it has a reputation model."""
    if reputation is None:
        return Belief.from_prior(setup.priors[opponent], setup.grid, n)
    return Belief.from_prior(
        setup.priors[opponent], setup.grid, n, type_prior=reputation.prior, labels=reputation.labels
    )


def _copy_levers(levers: Levers) -> Levers:
    def copy(value: np.ndarray | float) -> np.ndarray | float:
        return value.copy() if isinstance(value, np.ndarray) else value

    return Levers(copy(levers.retaliation), copy(levers.accept_shift))


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
