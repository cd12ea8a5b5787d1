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
from typing import Any, Literal, get_args

import numpy as np

from .carried import Carried, Levers, OpponentModel, Outlook, Posterior
from .history import History, OfferHistory
from .parties import PRIVATE_FIELDS, PartyBatch
from .terms import Condition, Issue, position, utility

Clock = Literal["offers", "negmas"]
"""How the relative time a strategy sees advances (see :data:`CLOCKS`)."""
CLOCKS: tuple[Clock, ...] = get_args(Clock)
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


Role = Literal["holder", "obliged"]
"""A side's role in the compensation condition: it holds it, or it is obliged to meet it."""


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
        """The view of ``condition`` from ``side``."""
        self.role: Role = "holder" if condition.holder == side else "obliged"
        self.value = condition.value
        self.fallback = condition.fallback
        self._cost = condition.cost if self.role == "obliged" else None
        self.own = condition.value if self.role == "holder" else condition.cost

    @property
    def cost(self) -> np.ndarray:
        """The obliged party's cost (only the obliged party may read it)."""
        if self._cost is None:
            raise InformationError(
                "the obliged party's cost of meeting the condition is private to it"
            )
        return self._cost


class OpponentView:
    """Read-only public facts about the opponent: outside option, patience, curvature."""

    __slots__ = ("_party", "_side")

    def __init__(self, party: PartyBatch, side: int) -> None:
        """The public view of ``party``, which plays ``side``."""
        object.__setattr__(self, "_party", party)
        object.__setattr__(self, "_side", side)

    def __getattr__(self, name: str) -> Any:
        """The opponent's public attributes; InformationError for a private one."""
        if name in PRIVATE_FIELDS or name in {"deadline", "cost", "type"}:
            raise InformationError(
                f"the opponent's {name!r} is private: a strategy may read only "
                "outside_option, delta and curvature of its opponent"
            )
        if name in {"outside_option", "delta", "curvature"}:
            return getattr(object.__getattribute__(self, "_party"), name)
        raise AttributeError(name)

    def __setattr__(self, name: str, value: Any) -> None:
        """Refuse every write: the view is read-only."""
        raise InformationError("the opponent view is read-only")

    @property
    def side(self) -> int:
        """The opponent's side (0 or 1)."""
        return object.__getattribute__(self, "_side")

    def utility(self, x: np.ndarray) -> np.ndarray:
        """The opponent's (public) utility of position ``x``."""
        return utility(self.side, x, object.__getattribute__(self, "_party").utility_curvature)

    def position(self, u: np.ndarray) -> np.ndarray:
        """The position that gives the opponent utility ``u``."""
        return position(self.side, u, object.__getattribute__(self, "_party").utility_curvature)


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
    clock: Clock = "offers"
    """How relative time advances: ``"offers"`` or ``"negmas"`` (see :data:`CLOCKS`)."""
    _inv_span: np.ndarray = field(init=False, repr=False, compare=False)
    _below_one: int = field(init=False, repr=False, compare=False)
    _rounds_span: np.ndarray | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Precompute the relative clock's span from the side's deadline."""
        deadline = np.minimum(self.own.deadline, self.horizon)
        offers = np.maximum(deadline - 1, 1)
        object.__setattr__(self, "_inv_span", 1.0 / offers)
        # before the smallest span, step * (1 / span) < 1 everywhere (short of 1 by 1 / span,
        # rounding moves it by an ulp at most), so the cap at 1 can be skipped
        object.__setattr__(self, "_below_one", int(offers.min()) if offers.size else 0)
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
        """The number of replicates."""
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
        """The side's posterior about its opponent (``None`` in a one-shot game)."""
        return self.carried.belief

    @property
    def condition_belief(self) -> Posterior | None:
        """The condition holder's posterior about the obliged party's cost."""
        return self.carried.condition_belief

    @property
    def reference_point(self) -> np.ndarray | None:
        """The position of the last agreed terms (``None`` in a one-shot game)."""
        return self.carried.reference_point

    @property
    def levers(self) -> Levers:
        """The side's behavioural levers this round."""
        return self.carried.levers

    # ---- utilities -------------------------------------------------------------------
    def utility(self, x: np.ndarray) -> np.ndarray:
        """Own utility of the primary position ``x`` (no condition)."""
        return utility(self.side, x, self.own.utility_curvature)

    def position(self, u: np.ndarray) -> np.ndarray:
        """The position that gives this side utility ``u``."""
        return position(self.side, u, self.own.utility_curvature)

    @property
    def condition_role(self) -> Role | None:
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
        t = np.asarray(step, dtype=float) * self._inv_span
        if isinstance(step, int) and 0 <= step < self._below_one:
            return t
        return np.minimum(t, 1.0, out=t)


__all__ = [
    "CLOCKS",
    "Carried",
    "Clock",
    "ConditionView",
    "History",
    "InformationError",
    "Levers",
    "OfferHistory",
    "OpponentModel",
    "OpponentView",
    "Outlook",
    "Posterior",
    "Role",
    "SideView",
]
