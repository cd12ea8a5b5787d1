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


__all__ = ["RelationshipState", "Round"]
