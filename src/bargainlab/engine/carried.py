"""What a side carries into a round from the earlier rounds of a relationship.

:class:`Carried` holds the side's posterior about its opponent (any object with the
:class:`Posterior` interface), the condition holder's posterior about the obliged party's
cost, its reference point, the behavioural :class:`Levers`, the policies it thinks its
opponent may follow (:class:`OpponentModel`) and its :class:`Outlook` on the rest of the
relationship. A strategy reads it from its :class:`~bargainlab.engine.views.SideView`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np


class Posterior(Protocol):
    """What a strategy may use of a belief about its opponent: per replicate, a probability
    mass over (behavioural type, reservation value) pairs (implemented by
    :class:`bargainlab.beliefs.grid.Belief`)."""

    @property
    def theta(self) -> np.ndarray:
        """``(G,)`` candidate reservation values (utility units)."""
        ...

    @property
    def mass(self) -> np.ndarray:
        """``(n, K, G)`` posterior probabilities of (type, reservation value)."""
        ...

    @property
    def prior(self) -> np.ndarray:
        """``(n, K, G)`` each replicate's joint prior over (type, reservation value)."""
        ...

    def conditional_prior(self) -> np.ndarray:
        """``(n, K, G)`` each replicate's prior over the reservation value within each type
        (what a reservation value is redrawn from between rounds)."""
        ...

    def marginal(self) -> np.ndarray:
        """``(n, G)`` posterior over the reservation value."""
        ...

    def type_probabilities(self) -> np.ndarray:
        """``(n, K)`` posterior over the behavioural types."""
        ...

    def mean(self) -> np.ndarray:
        """``(n,)`` posterior mean of the reservation value."""
        ...

    def cdf(self) -> np.ndarray:
        """``(n, G)`` posterior probability that the reservation value is at most each
        candidate."""
        ...

    def take(self, rows: np.ndarray) -> Posterior:
        """The posteriors of a subset of replicates."""
        ...


class OpponentModel(Protocol):
    """A hypothesis about the opponent's policy (a strategy), as a learner's planning uses it."""

    def agreement_threshold(self, theta: np.ndarray, context: Any) -> np.ndarray:
        """``(n, G)``: the least utility (to the opponent) at which the policy with bottom
        line ``theta[g]`` agrees within a round (``context`` is an
        :class:`~bargainlab.engine.context.OwnerContext`)."""
        ...

    def agreement_rule(self) -> Any:
        """A hashable key: models with equal keys have the same agreement thresholds."""
        ...


@dataclass(frozen=True)
class Levers:
    """Behavioural adjustments a strategy applies to its own decisions (all zero unless the
    behavioural module is on; see :mod:`bargainlab.relationships.behaviour`).

    Each is a number or an ``(n,)`` array in utility units.
    """

    retaliation: np.ndarray | float = 0.0
    """Raise of the side's demand or aspiration this round (a harder stance)."""
    accept_shift: np.ndarray | float = 0.0
    """Shift of the side's acceptance threshold this round (acceptance noise)."""


@dataclass(frozen=True)
class Outlook:
    """What a side knows about the rest of a relationship (its public rules)."""

    rounds_left: int | np.ndarray = 0
    """Rounds after the current one (0 in a one-shot game); one number, or one per replicate."""
    rho: float | np.ndarray = 1.0
    """Probability that a reservation value is kept from one round to the next (one number,
    or one per replicate)."""
    ends_on_disagreement: bool = True
    """Whether a round without agreement ends the relationship."""
    learning: bool | np.ndarray = False
    """Whether the side's belief will be updated from this round (the information channel;
    one flag, or one per replicate)."""

    def take(self, rows: np.ndarray) -> Outlook:
        """The outlook of a subset of replicates (a per-replicate entry is indexed)."""

        def pick(value: Any) -> Any:
            """``value`` of the replicates ``rows`` if it is per replicate."""
            return value[rows] if isinstance(value, np.ndarray) else value

        return Outlook(
            pick(self.rounds_left), pick(self.rho), self.ends_on_disagreement, pick(self.learning)
        )


@dataclass(frozen=True)
class Carried:
    """What a side brings into a round from the earlier rounds of a relationship."""

    belief: Posterior | None = None
    """Posterior over the opponent's reservation value (``None`` in a one-shot game)."""
    condition_belief: Posterior | None = None
    """The condition holder's posterior over the obliged party's private cost."""
    condition_cost: np.ndarray | None = None
    """The holder's estimate (posterior mean) of that cost, ``(n,)``; ``None`` without one."""
    reference_point: np.ndarray | None = None
    """Position of the last agreed terms (precedent), ``None`` in a one-shot game."""
    levers: Levers = field(default_factory=Levers)
    opponent_models: tuple[OpponentModel, ...] = ()
    """The policies the side thinks its opponent may follow (the behavioural types of its
    belief, in the belief's order); empty for a side that does not learn."""
    opponent_context: Any = None
    """The opponent's public side of the round (an
    :class:`~bargainlab.engine.context.OwnerContext`), for planning; ``None`` outside a
    relationship."""
    outlook: Outlook = field(default_factory=Outlook)

    def take(self, rows: np.ndarray) -> Carried:
        """What the replicates ``rows`` carry (integer positions; repeats allowed)."""

        def pick(value: np.ndarray | float) -> np.ndarray | float:
            """A per-replicate lever of the replicates ``rows``; one number stays."""
            return value[rows] if isinstance(value, np.ndarray) and value.ndim == 1 else value

        return Carried(
            belief=None if self.belief is None else self.belief.take(rows),
            condition_belief=None
            if self.condition_belief is None
            else self.condition_belief.take(rows),
            condition_cost=None if self.condition_cost is None else self.condition_cost[rows],
            reference_point=None if self.reference_point is None else self.reference_point[rows],
            levers=Levers(pick(self.levers.retaliation), pick(self.levers.accept_shift)),
            opponent_models=self.opponent_models,
            opponent_context=None
            if self.opponent_context is None
            else self.opponent_context.take(rows),
            outlook=self.outlook.take(rows),
        )


__all__ = ["Carried", "Levers", "OpponentModel", "Outlook", "Posterior"]
