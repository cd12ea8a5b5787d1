"""What one side may use to reason about its opponent: the opponent's public facts in a round.

A learner evaluates hypotheses about its opponent (the *owner* of the type being learned):
"had the opponent followed policy ``k`` with bottom line ``theta``, would it have done what I
saw?". :class:`OwnerContext` holds the round's game with the owner's private facts masked (its
reservation value, its own deadline, and its cost of a condition when it is the obliged
party), so a hypothesis can be played out without reading anything the learner could not
know. :meth:`OwnerContext.probe` builds the owner's :class:`~bargainlab.engine.views.SideView`
for candidate bottom lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .game import Game
from .parties import PartyBatch
from .terms import Condition, utility
from .views import Carried, OfferHistory, SideView


@dataclass(frozen=True)
class OwnerContext:
    """The owner's public side of one round (arrays have one entry per replicate)."""

    game: Game
    """The round's game; the owner's reservation value is 0 and its deadline the horizon (the
    learner does not know them), and an obliged owner's cost of the condition is
    ``assumed_cost``."""
    side: int
    """The owner's side (0 or 1)."""
    carried: Carried
    """What the owner carries into the round that the learner can reconstruct from the public
    history: its reference point and, as the condition's holder, its estimate of the obliged
    party's cost (its belief about that cost is updated from public events only). The owner's
    own beliefs and its behavioural levers are private (``None`` and zero)."""
    round_index: int = 0

    @classmethod
    def public(
        cls,
        game: Game,
        side: int,
        carried: Carried,
        *,
        round_index: int = 0,
        assumed_cost: np.ndarray | float = 0.0,
    ) -> OwnerContext:
        """The context of ``game`` as seen from the side opposite ``side``: masks the owner's
        private facts. ``assumed_cost`` replaces an obliged owner's private cost of the
        condition (hypotheses about it are not part of the learner's state)."""
        owner = game.parties[side]
        masked = PartyBatch(
            reservation_value=np.zeros(owner.n),
            outside_option=owner.outside_option,
            delta=owner.delta,
            curvature=owner.curvature,
            deadline=np.asarray(game.horizon, dtype=np.int64).copy(),
        )
        masked_game = game.with_party(side, masked)
        condition = game.condition
        if condition is not None and condition.obliged == side:
            cost = np.broadcast_to(np.asarray(assumed_cost, dtype=float), (owner.n,)).copy()
            masked_game = masked_game.with_condition(
                Condition(condition.holder, condition.value, cost, condition.fallback)
            )
        holds = condition is not None and condition.holder == side
        public_carried = Carried(
            reference_point=carried.reference_point,
            condition_cost=carried.condition_cost if holds else None,
        )
        return cls(masked_game, side, public_carried, round_index)

    @property
    def n(self) -> int:
        """The number of replicates."""
        return self.game.n

    @property
    def owner(self) -> PartyBatch:
        """The owner's public facts (outside option, discount factor, curvature)."""
        return self.game.parties[self.side]

    @property
    def curvature(self) -> np.ndarray:
        """The owner's utility curvature (public)."""
        return self.owner.curvature

    @property
    def outside_option(self) -> np.ndarray:
        """The owner's outside option (public)."""
        return self.owner.outside_option

    @property
    def horizon(self) -> np.ndarray:
        """The round's public deadline (offers per round)."""
        return self.game.horizon

    @property
    def reference_x(self) -> np.ndarray | None:
        """The position of the last agreed terms, if the relationship has one."""
        return self.carried.reference_point

    @property
    def condition_value(self) -> np.ndarray | None:
        """The condition's value to the owner when the owner holds it, else ``None``."""
        condition = self.game.condition
        if condition is None or condition.holder != self.side:
            return None
        return condition.value

    def u(self, x: np.ndarray) -> np.ndarray:
        """The owner's utility of positions ``x`` (shape ``(n,)`` or ``(n, m)``)."""
        x = np.asarray(x)
        if self.owner.linear:
            return utility(self.side, x, 1.0)
        curvature = self.curvature if x.ndim == 1 else self.curvature[:, None]
        return utility(self.side, x, curvature)

    def take(self, rows: np.ndarray) -> OwnerContext:
        """The context of a subset of replicates (integer positions)."""
        return OwnerContext(
            self.game.take(rows), self.side, self.carried.take(rows), self.round_index
        )

    def probe(self, theta: np.ndarray, rows: np.ndarray, history: OfferHistory) -> SideView:
        """The owner's view in replicates ``rows`` had its reservation value been ``theta``
        (one candidate per entry of ``rows``; a replicate may appear several times), with the
        round's public ``history`` (an :class:`OfferHistory` over the same entries)."""
        game = self.game.take(rows)
        owner = game.parties[self.side].with_(reservation_value=theta)
        return game.with_party(self.side, owner).view(
            self.side, history, round_index=self.round_index, carried=self.carried.take(rows)
        )


__all__ = ["OwnerContext"]
