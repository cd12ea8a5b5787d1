"""What a strategy may see: its own type, the public facts, the history, its own beliefs.

The engine hands each side a :class:`SideView` at the start of a round. It is frozen: a
strategy reads it and keeps its own scratch arrays in the state its ``start`` returns. Its
parts:

* the side's own :class:`~bargainlab.engine.parties.PartyBatch` (its private type included);
* the opponent through an :class:`OpponentView`, which refuses to return private attributes:
  a strategy that tries to read the opponent's reservation value (or its cost of a
  condition) raises :class:`InformationError` instead of silently cheating;
* the public facts of the round (horizon, breakdown risk, first mover, disagreement payoffs,
  status quo, the condition's public terms);
* the round's :class:`History` so far, a read-only value that the engine updates after every
  offer;
* what the side carries from earlier rounds (:class:`Carried`): its posterior about the
  opponent (any object with the :class:`Posterior` interface), the condition holder's
  posterior about the obliged party's cost, its reference point, and the behavioural
  :class:`Levers`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from .parties import PRIVATE_FIELDS, PartyBatch
from .terms import Condition, Issue, position, utility

CLOCKS = ("offers", "negmas")
"""How the relative time ``t`` a strategy sees advances (see :meth:`SideView.relative_time`):

* ``"offers"`` (the default): one tick per offer, ``t = step / (deadline - 1)``, reaching 1
  at the last offer a side can make;
* ``"negmas"``: NegMAS's clock. Two consecutive offers form one NegMAS round (the first
  mover's offer, then the other side's response and counter-offer), and in round
  ``k = 0..N-1`` both sides see ``t = (k + 1) / (N + 1)``, which never reaches 1, with
  ``N = ceil(deadline / 2)`` rounds: NegMAS's ``n_steps = N`` is ``horizon = 2N - 1``
  offers (the last proposal of NegMAS's last round is never answered). A responder's next
  offer falls in the same round as its response, so accepting an offer worth at least the
  own *next* target (GENIUS's AC_next) is NegMAS's acceptance at the *current* time.
"""


class InformationError(AttributeError):
    """Raised when a strategy asks for information its side may not observe."""


class ConditionView:
    """One side's view of the compensation condition.

    The condition's value to its holder and the fallback terms are public (they are written
    in the contract); the obliged party's cost of meeting it is private to that party.
    ``own`` is the side's own number: the holder's value, or the obliged party's cost.
    """

    __slots__ = ("_cost", "fallback", "own", "role", "value")

    def __init__(self, condition: Condition, side: int) -> None:
        self.role = "holder" if condition.holder == side else "obliged"
        self.value = condition.value
        self.fallback = condition.fallback
        self._cost = condition.cost if self.role == "obliged" else None
        self.own = condition.value if self.role == "holder" else condition.cost

    @property
    def cost(self) -> np.ndarray:
        if self._cost is None:
            raise InformationError(
                "the obliged party's cost of meeting the condition is private to it"
            )
        return self._cost


class OpponentView:
    """Read-only public facts about the opponent: outside option, patience, curvature."""

    __slots__ = ("_party", "_side")

    def __init__(self, party: PartyBatch, side: int) -> None:
        object.__setattr__(self, "_party", party)
        object.__setattr__(self, "_side", side)

    def __getattr__(self, name: str) -> Any:
        if name in PRIVATE_FIELDS or name in {"deadline", "cost", "type"}:
            raise InformationError(
                f"the opponent's {name!r} is private: a strategy may read only "
                "outside_option, delta and curvature of its opponent"
            )
        if name in {"outside_option", "delta", "curvature"}:
            return getattr(object.__getattribute__(self, "_party"), name)
        raise AttributeError(name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise InformationError("the opponent view is read-only")

    @property
    def side(self) -> int:
        return object.__getattribute__(self, "_side")

    def utility(self, x: np.ndarray) -> np.ndarray:
        """The opponent's (public) utility of position ``x``."""
        return utility(self.side, x, object.__getattribute__(self, "_party").utility_curvature)

    def position(self, u: np.ndarray) -> np.ndarray:
        """The position that gives the opponent utility ``u``."""
        return position(self.side, u, object.__getattribute__(self, "_party").utility_curvature)


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
        def pick(value: Any) -> Any:
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


def _read_only(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view


class OfferHistory:
    """The public history of one round, owned by the engine and updated after every offer.

    Per party ``p`` (arrays of shape ``(2, n)``): ``last[p]``, its latest offer (its ideal
    position before it has made one); ``prev[p]``, the offer before that; ``conditional[p]``,
    whether its latest offer carried the condition; ``count[p]``, how many offers it has made;
    ``proposing[p]``, where it makes the offer at the current step.
    """

    __slots__ = ("conditional", "count", "last", "prev", "proposing")

    def __init__(self, n: int) -> None:
        ideal = np.array([1.0, 0.0])[:, None]  # party 0 prefers high positions
        self.last = np.repeat(ideal, n, axis=1)
        self.prev = self.last.copy()
        self.conditional = np.zeros((2, n), dtype=bool)
        self.count = np.zeros((2, n), dtype=np.int64)
        self.proposing = np.zeros((2, n), dtype=bool)

    def record(
        self, x: np.ndarray, conditional: np.ndarray, proposer_is0: np.ndarray, active: np.ndarray
    ) -> None:
        """Both sides observe the offer ``x`` just made (where ``active``)."""
        made = np.stack([proposer_is0, ~proposer_is0]) & active
        first = made & (self.count == 0)
        np.copyto(self.prev, self.last, where=made & ~first)
        np.copyto(self.prev, x, where=first)
        np.copyto(self.last, x, where=made)
        np.copyto(self.conditional, conditional, where=made)
        self.count += made

    @classmethod
    def stacked(cls, first: OfferHistory, second: OfferHistory) -> OfferHistory:
        """A copy of two histories one after the other (``first`` then ``second``)."""
        both = cls(0)
        for name in cls.__slots__:
            setattr(
                both, name, np.concatenate([getattr(first, name), getattr(second, name)], axis=1)
            )
        return both

    def take(self, rows: np.ndarray) -> OfferHistory:
        """A copy of the history of a subset of replicates (integer positions)."""
        copy = OfferHistory(rows.shape[0])
        for name in self.__slots__:
            setattr(copy, name, getattr(self, name)[:, rows].copy())
        return copy

    def set_proposer(self, proposer_is0: np.ndarray) -> None:
        self.proposing[0] = proposer_is0
        self.proposing[1] = ~proposer_is0

    def of(self, side: int) -> History:
        """The read-only history as ``side`` sees it."""
        opp = 1 - side
        return History(
            own_last=_read_only(self.last[side]),
            own_last_conditional=_read_only(self.conditional[side]),
            own_offers=_read_only(self.count[side]),
            opp_last=_read_only(self.last[opp]),
            opp_prev=_read_only(self.prev[opp]),
            opp_last_conditional=_read_only(self.conditional[opp]),
            opp_offers=_read_only(self.count[opp]),
            proposing=_read_only(self.proposing[side]),
        )


@dataclass(frozen=True)
class History:
    """One side's read-only view of the round so far (arrays of shape ``(n,)`` that the
    engine updates in place after every offer)."""

    own_last: np.ndarray
    """The side's latest offer (its ideal position before it made one)."""
    own_last_conditional: np.ndarray
    own_offers: np.ndarray
    """How many offers the side has made this round."""
    opp_last: np.ndarray
    """The opponent's latest offer (the opponent's ideal position before it made one)."""
    opp_prev: np.ndarray
    """The opponent's offer before its latest (equal to it after one offer)."""
    opp_last_conditional: np.ndarray
    opp_offers: np.ndarray
    proposing: np.ndarray
    """Where this side makes the offer at the current step (it responds elsewhere)."""

    @classmethod
    def fresh(cls, side: int, n: int) -> History:
        """The history before the first offer of a round."""
        return OfferHistory(n).of(side)


@dataclass(frozen=True)
class SideView:
    """Everything side ``side`` may observe during one round, over the batch."""

    side: int
    issue: Issue
    own: PartyBatch
    opponent: OpponentView
    horizon: np.ndarray
    """The public round length (maximum number of offers), ``(n,)``."""
    breakdown: np.ndarray
    first_mover: np.ndarray
    allow_exit: bool
    disagreement: np.ndarray
    """This side's payoff (utility) if the round ends without agreement at the deadline."""
    opponent_disagreement: np.ndarray
    """The opponent's payoff at the deadline without agreement (public: outside options or
    the status quo terms)."""
    status_quo: np.ndarray
    history: History
    condition: ConditionView | None = None
    round_index: int = 0
    carried: Carried = field(default_factory=Carried)
    clock: str = "offers"
    """How relative time advances: ``"offers"`` or ``"negmas"`` (see :data:`CLOCKS`)."""
    _inv_span: np.ndarray = field(init=False, repr=False, compare=False)
    _rounds_span: np.ndarray | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        deadline = np.minimum(self.own.deadline, self.horizon)
        object.__setattr__(self, "_inv_span", 1.0 / np.maximum(deadline - 1, 1))
        # NegMAS's clock: N = ceil(deadline / 2) rounds, t = (round + 1) / (N + 1)
        span = None
        if self.clock == "negmas":
            span = ((deadline + 1) // 2 + 1).astype(float)
        elif self.clock != "offers":
            raise ValueError(
                f"clock must be one of {', '.join(map(repr, CLOCKS))}; got {self.clock!r}"
            )
        object.__setattr__(self, "_rounds_span", span)

    @property
    def n(self) -> int:
        return self.own.n

    def with_own(self, own: PartyBatch) -> SideView:
        """The same view for a party with other private values (same deadline), without
        re-validating: used to probe hypothetical types of the same replicates."""
        view = copy.copy(self)
        object.__setattr__(view, "own", own)
        return view

    # ---- what the side carries from earlier rounds ----------------------------------------
    @property
    def belief(self) -> Posterior | None:
        return self.carried.belief

    @property
    def condition_belief(self) -> Posterior | None:
        return self.carried.condition_belief

    @property
    def reference_point(self) -> np.ndarray | None:
        return self.carried.reference_point

    @property
    def levers(self) -> Levers:
        return self.carried.levers

    # ---- utilities -------------------------------------------------------------------
    def utility(self, x: np.ndarray) -> np.ndarray:
        """Own utility of the primary position ``x`` (no condition)."""
        return utility(self.side, x, self.own.utility_curvature)

    def position(self, u: np.ndarray) -> np.ndarray:
        """The position that gives this side utility ``u``."""
        return position(self.side, u, self.own.utility_curvature)

    @property
    def condition_role(self) -> str | None:
        """``"holder"``, ``"obliged"`` or ``None`` when the game has no condition."""
        return None if self.condition is None else self.condition.role

    def offer_value(self, x: np.ndarray, conditional: np.ndarray) -> np.ndarray:
        """Own utility of an offer as a responder, after its own best decision on the condition.

        An obliged responder meets the condition iff that pays, so a conditional offer is
        worth ``max(u(x) - cost, u(fallback))`` to it. A holder receiving a conditional offer
        (which the engine does not produce) is valued as unconditional.
        """
        base = self.utility(x)
        if self.condition is None or self.condition_role != "obliged":
            return base
        met = base - self.condition.own
        fb = self.utility(self.condition.fallback)
        return np.where(conditional, np.maximum(met, fb), base)

    def relative_time(self, step: int | np.ndarray) -> np.ndarray:
        """Own relative time ``t = step / max(deadline - 1, 1)``, capped at 1 (with a deadline of
        1 the only step has ``t = 0`` and the next one ``t = 1``).

        Always one entry per replicate, never a shared (1,) or 0-d array: NumPy's ``power``
        can differ by an ulp between a 0-d or broadcast operand and its array loop, which would
        make a replicate's result depend on the rest of its batch (and on which sweep cells a
        batch stacks).

        Under ``clock="negmas"`` it is NegMAS's ``t = (k + 1) / (N + 1)`` of the round
        ``k = step // 2`` the offer at ``step`` belongs to (see :data:`CLOCKS`).
        """
        if self._rounds_span is not None:
            rounds = np.asarray(step, dtype=np.int64) // 2 + 1
            return np.minimum(rounds / self._rounds_span, 1.0)
        return np.minimum(np.asarray(step, dtype=float) * self._inv_span, 1.0)
