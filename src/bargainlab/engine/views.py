"""What a strategy may see: its own type, the public facts, the history, its own beliefs.

The engine hands each side a :class:`SideView`. The opponent appears only through an
:class:`OpponentView`, which refuses to return private attributes: a strategy that tries to
read the opponent's reservation value (or its cost of a condition) raises
:class:`InformationError` instead of silently cheating.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .parties import PRIVATE_FIELDS, PartyBatch
from .terms import Condition, Issue, position, utility


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
        return utility(self.side, x, self.curvature)

    def position(self, u: np.ndarray) -> np.ndarray:
        """The position that gives the opponent utility ``u``."""
        return position(self.side, u, self.curvature)


@dataclass
class SideView:
    """Everything side ``side`` may observe during one round, over the batch.

    The round-level facts are fixed at the start of the round; the ``opp_*``/``own_*``
    history arrays are updated by the engine after every offer.
    """

    side: int
    issue: Issue
    own: PartyBatch
    opponent: OpponentView
    horizon: int
    """The public round length (maximum number of offers)."""
    breakdown: np.ndarray
    first_mover: np.ndarray
    allow_exit: bool
    disagreement: np.ndarray
    """This side's payoff (utility) if the round ends without agreement at the deadline."""
    opponent_disagreement: np.ndarray
    """The opponent's payoff at the deadline without agreement (public: outside options or
    the status quo terms)."""
    status_quo: np.ndarray
    condition: ConditionView | None = None
    round_index: int = 0
    belief: Any = None
    """This side's posterior over the opponent's reservation value (relationships only)."""
    condition_belief: Any = None
    """The condition holder's posterior over the obliged party's cost (relationships only)."""
    memory: dict[str, np.ndarray] = field(default_factory=dict)
    """Per-strategy state carried from round to round (relationships only)."""
    reference_point: np.ndarray | None = None
    """Position of the last agreed terms (precedent), or ``None`` in a one-shot game."""
    # within-round history, maintained by the engine
    opp_last: np.ndarray = field(default=None)  # type: ignore[assignment]
    opp_prev: np.ndarray = field(default=None)  # type: ignore[assignment]
    opp_last_conditional: np.ndarray = field(default=None)  # type: ignore[assignment]
    opp_offers: np.ndarray = field(default=None)  # type: ignore[assignment]
    own_last: np.ndarray = field(default=None)  # type: ignore[assignment]
    own_last_conditional: np.ndarray = field(default=None)  # type: ignore[assignment]
    own_offers: np.ndarray = field(default=None)  # type: ignore[assignment]
    proposing: np.ndarray = field(default=None)  # type: ignore[assignment]
    """Where this side makes the offer at the current step (it responds elsewhere)."""

    def __post_init__(self) -> None:
        n = self.own.n
        ideal = 1.0 if self.side == 0 else 0.0
        if self.opp_last is None:
            self.opp_last = np.full(n, 1.0 - ideal)
            self.opp_prev = np.full(n, 1.0 - ideal)
            self.opp_last_conditional = np.zeros(n, dtype=bool)
            self.opp_offers = np.zeros(n, dtype=np.int64)
            self.own_last = np.full(n, ideal)
            self.own_last_conditional = np.zeros(n, dtype=bool)
            self.own_offers = np.zeros(n, dtype=np.int64)

    @property
    def n(self) -> int:
        return self.own.n

    # ---- utilities -------------------------------------------------------------------
    def utility(self, x: np.ndarray) -> np.ndarray:
        """Own utility of the primary position ``x`` (no condition)."""
        return utility(self.side, x, self.own.curvature)

    def position(self, u: np.ndarray) -> np.ndarray:
        """The position that gives this side utility ``u``."""
        return position(self.side, u, self.own.curvature)

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

        Returns an array broadcastable to ``(n,)``: shape ``(1,)`` when every replicate has
        the same deadline (the common case, and much cheaper), else one entry per replicate.
        Never 0-d: NumPy's 0-d ``power`` can differ from its array loop by an ulp, which
        would make a replicate's result depend on the rest of its batch.
        """
        inv = self.__dict__.get("_inv_span")
        if inv is None:
            d = np.minimum(self.own.deadline, self.horizon)
            inv = 1.0 / np.maximum(d - 1, 1)
            if inv.size and inv.min() == inv.max() and np.ndim(step) == 0:
                inv = inv[:1].copy()
            self.__dict__["_inv_span"] = inv
        return np.minimum(np.asarray(step, dtype=float) * inv, 1.0)
