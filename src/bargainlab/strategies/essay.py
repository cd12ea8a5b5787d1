"""The strategies of the essay "The art of losing in negotiations" for the party that is bound to lose, and the modest winner.

The three "loser" strategies share one phase structure and differ only in what they do once
they predict a loss, so that paired arms are identical up to that decision:

* before the decision time ``decide_at`` (relative time in [0, 1]) or while the offer on the
  table reaches its aspiration ``A``, the party asks for ``A`` and accepts offers worth ``A``;
* a loss is predicted when ``t >= decide_at`` and the latest offer is worth less than ``A``.
  Then the **capitulator** offers its true bottom line and accepts anything above it; the
  **holdout** keeps asking for ``A``; the **face-saver** concedes to the opponent's latest
  demand but attaches the compensation condition ("these terms if you meet the condition,
  the fallback otherwise"), and compensates the opponent for its expected cost of meeting
  the condition: it offers the headline terms that give the opponent its demand *plus* the
  cost the face-saver expects (the mean of its belief about that private cost), so that the
  conditional offer is worth the demand to the opponent in expectation. It does so whenever
  that is affordable *counting the condition's value*, and otherwise holds at ``A``. Its
  concession is set by the opponent's demand, not by its own bottom line, so its path does
  not track its type.

A party's effective bottom line is ``max(reservation value, outside option)``: an outside
option is a floor (Binmore, Shaked & Sutton 1989), so when it binds every type behaves alike.

The aspiration ``A`` is the utility of the party's reference point (the last agreed terms)
when there is one, else ``aspiration``; never below the party's own reservation value. A
behavioural "retaliation" term (0 unless the subjective-value module is on) raises it.

The rules read only their own type, the public history and public facts, so a correct
Bayesian opponent evaluates them exactly (:mod:`bargainlab.strategies.inference`). The
capitulator, the holdout and the plain concession are monotone in their bottom line and are
evaluated by bisection. The face-saver that attaches the condition is not, by its nature: a
type low enough to afford the compensated conditional concession offers headline terms worth
less to it than what a lower type that has not yet predicted a loss asks for (it trades
headline for the condition), and where the compensated terms coincide with a higher type's
aspiration the two differ only in the condition's flag. Neither is a fault of the rule, which
does what the essay says, so the face-saver declares ``monotone_in_type = False`` and is
evaluated by replaying it on every candidate bottom line, as the modest winner is (it
hesitates only when it is winning by a margin).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ..engine.context import OwnerContext
from ..engine.negotiation import Offer
from ..engine.terms import utility
from ..engine.views import SideView
from ..support.validation import check_scalar
from .base import Classifier, Strategy
from .registry import register
from .tactics import Targets, TimeDependentBase, genius_target


def _floor(view: SideView) -> np.ndarray:
    """The party's bottom line: its reservation value or its outside option, the larger."""
    return np.maximum(view.own.reservation_value, view.own.outside_option)


@dataclass(frozen=True, slots=True)
class Aspiration:
    """A phased strategy's per-round state: its bottom line and its aspiration ``A`` (own
    utility), both fixed for the round."""

    floor: np.ndarray
    """The larger of its reservation value and its outside option."""
    asp: np.ndarray
    """What it asks for until it predicts a loss (never below its floor)."""


@dataclass(frozen=True)
class _Phased(Strategy[Aspiration]):
    """The phase structure the three loser strategies share (module docstring)."""

    aspiration: float = 1.0
    """Own utility asked for when there is no reference point (or ``use_reference`` is off)."""
    use_reference: bool = True
    """Aspire to the last agreed terms (precedent) when there are any."""
    decide_at: float = 0.5
    """Relative time from which a loss can be predicted."""

    monotone_in_type: ClassVar[bool] = True

    def __post_init__(self) -> None:
        """Check the parameters' ranges and types."""
        check_scalar("aspiration", self.aspiration, low=0, high=1)
        check_scalar("decide_at", self.decide_at, low=0, high=1)
        if not isinstance(self.use_reference, bool):
            raise TypeError("use_reference must be true or false")

    def base_aspiration(
        self, reference_x: np.ndarray | None, side: int, curvature: np.ndarray
    ) -> np.ndarray:
        """Own utility of the last agreed terms, or ``aspiration`` without them."""
        if self.use_reference and reference_x is not None:
            return utility(side, reference_x, curvature)
        return np.full(curvature.shape[0], self.aspiration)

    # ---- engine interface --------------------------------------------------------------
    def start(self, view: SideView) -> Aspiration:
        """The round's floor and aspiration (raised by the behavioural retaliation term)."""
        base = self.base_aspiration(view.reference_point, view.side, view.own.curvature)
        base = np.clip(base + view.levers.retaliation, 0.0, 1.0)
        floor = _floor(view)
        return Aspiration(floor, np.clip(np.maximum(base, floor), 0.0, 1.0))

    def propose(self, view: SideView, state: Aspiration, step: int) -> Offer:
        """Ask for the aspiration, or concede (:meth:`concede`) once a loss is predicted."""
        history = view.history
        faced_x = history.opp_last
        faced_u = view.utility(faced_x)
        t = view.relative_time(step)
        loss = (t >= self.decide_at) & (history.opp_offers > 0) & (faced_u < state.asp)
        x_loss, cond_loss = self.concede(view, state, faced_x, faced_u)
        x = np.where(loss, x_loss, view.position(state.asp))
        return Offer(np.asarray(x, dtype=float), np.asarray(loss & cond_loss, dtype=bool))

    def respond(self, view: SideView, state: Aspiration, step: int, offer: Offer) -> np.ndarray:
        """Accept offers worth the aspiration; once a loss is predicted, offers worth
        :meth:`threshold_after_loss`."""
        value = view.offer_value(offer.x, offer.conditional)
        loss = (view.relative_time(step) >= self.decide_at) & (value < state.asp)
        last = view.relative_time(step + 1) >= 1.0
        threshold = np.where(loss, self.threshold_after_loss(state, last), state.asp)
        return self.accept_if(view, offer, threshold)

    # ---- what the variants change --------------------------------------------------------
    def concede(
        self, view: SideView, state: Aspiration, faced_x: np.ndarray, faced_u: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(x, conditional)`` offered once a loss is predicted (default: hold at ``A``)."""
        return view.position(state.asp), np.zeros(view.n, dtype=bool)

    def threshold_after_loss(self, state: Aspiration, last: np.ndarray) -> np.ndarray:
        """The least own utility accepted once a loss is predicted (default: ``A``)."""
        return state.asp

    def agreement_threshold(self, theta: np.ndarray, context: OwnerContext) -> np.ndarray:
        """Once a loss is predicted the capitulator agrees to anything above its floor."""
        return np.maximum(theta[None, :], context.outside_option[:, None])


@register
@dataclass(frozen=True)
class Capitulator(_Phased):
    """When it predicts a loss, concedes straight to its true bottom line: it accepts any offer
    worth its floor and otherwise offers exactly that floor.

    Parameters: ``aspiration`` (utility asked for without a reference point, default 1),
    ``use_reference`` (aspire to the last agreed terms, default true), ``decide_at``
    (relative time of the decision, default 0.5).
    """

    name: ClassVar[str] = "capitulator"

    def threshold_after_loss(self, state: Aspiration, last: np.ndarray) -> np.ndarray:
        """Anything worth its floor."""
        return state.floor

    def concede(
        self, view: SideView, state: Aspiration, faced_x: np.ndarray, faced_u: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Offer exactly its floor, without the condition."""
        return view.position(state.floor), np.zeros(view.n, dtype=bool)


@register
@dataclass(frozen=True)
class Holdout(_Phased):
    """Never concedes beyond its aspiration; risks breakdown and the opponent's exit. With
    ``use_reference = false`` and an ``aspiration`` below 1 it is an obstinate commitment type
    (it never goes below a fixed demand), as in Abreu & Gul (2000).

    Parameters as for :class:`Capitulator`.
    """

    name: ClassVar[str] = "holdout"

    def agreement_threshold(self, theta: np.ndarray, context: OwnerContext) -> np.ndarray:
        """It agrees only to its aspiration: the larger of its base aspiration and its floor."""
        base = self.base_aspiration(context.reference_x, context.side, context.curvature)
        floor = np.maximum(theta[None, :], context.outside_option[:, None])
        return np.maximum(base[:, None], floor)

    def agreement_rule(self) -> tuple[str, bool, float]:
        """Holdouts with the same aspiration rule agree at the same thresholds."""
        return ("holdout", self.use_reference, self.aspiration)


@register
@dataclass(frozen=True)
class FaceSaver(_Phased):
    """When it predicts a loss, concedes to the opponent's demand with a compensation condition.

    It offers the headline terms worth the opponent's demand plus the cost the face-saver
    expects the opponent to bear in meeting the condition (the mean of its belief about that
    private cost; nothing outside a relationship), with the condition attached, whenever that
    is affordable (``u(offer) + value >= its floor``), and otherwise holds at its aspiration;
    it does not accept plain offers below its aspiration. With ``condition = false`` it makes
    the plain concession instead (the opponent's demand, no condition, no compensation: the
    control for the condition). With ``last_resort`` (default true) it accepts, at its very
    last response of a round, a plain offer worth its floor rather than let the round fail:
    the essay's loser concedes, it does not walk away. Parameters as for
    :class:`Capitulator`, plus ``condition`` and ``last_resort``.
    """

    name: ClassVar[str] = "face_saver"
    condition: bool = True
    """Attach the compensation condition to its concessions (false: the same concessions
    without it, the control for a worthless condition)."""
    last_resort: bool = True
    """At its very last response of a round, accept a plain offer worth its bottom line
    rather than let the round fail."""

    def __post_init__(self) -> None:
        """Check the parameters, ``condition`` and ``last_resort`` among them."""
        super().__post_init__()
        for name in ("condition", "last_resort"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be true or false")

    @classmethod
    def classify(cls, params: Mapping[str, Any]) -> Classifier:
        """It attaches the condition unless ``condition`` is false, and then it is not
        monotone in its bottom line: a type low enough to afford the compensated conditional
        concession offers headline terms worth less to it than the aspiration a higher type
        holds at, or the same terms with the condition where the higher type offers them
        plain (module docstring). Without the condition it is monotone, like every phased
        strategy."""
        attaches = params["condition"]
        return Classifier(monotone_in_type=not attaches, attaches_condition=attaches)

    @property
    def attaches_condition(self) -> bool:  # type: ignore[override]
        """Whether it may attach the condition (see :meth:`classify`)."""
        return self.classifier.attaches_condition

    @property
    def monotone_in_type(self) -> bool:  # type: ignore[override]
        """Whether it is monotone in its bottom line (see :meth:`classify`)."""
        return self.classifier.monotone_in_type

    def threshold_after_loss(self, state: Aspiration, last: np.ndarray) -> np.ndarray:
        """Its aspiration, except at its very last response with ``last_resort``: its floor."""
        if not self.last_resort:
            return state.asp
        return np.where(last, state.floor, state.asp)

    def _attaches(self, holder: bool) -> bool:
        """Whether it attaches the condition (only its holder can)."""
        return self.condition and holder

    def concede(
        self, view: SideView, state: Aspiration, faced_x: np.ndarray, faced_u: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The opponent's demand plus the expected cost, with the condition, when affordable
        counting the condition's value; else hold at the aspiration."""
        attach = self._attaches(view.condition_role == "holder")
        x, own_u = faced_x, faced_u
        value: float | np.ndarray = 0.0
        if attach:
            assert view.condition is not None
            value = view.condition.value
            expected_cost = view.carried.condition_cost
            if expected_cost is not None:
                demand = view.opponent.utility(faced_x)
                compensated = view.opponent.position(np.clip(demand + expected_cost, 0.0, 1.0))
                # nothing to compensate: the demand itself, not its round trip through utility
                x = np.where(expected_cost > 0, compensated, faced_x)
                own_u = view.utility(x)
        affordable = own_u + value >= state.floor - 1e-12
        x = np.where(affordable, x, view.position(state.asp))
        return x, affordable & attach

    def agreement_threshold(self, theta: np.ndarray, context: OwnerContext) -> np.ndarray:
        """It agrees to a demand worth ``floor - value + expected cost`` to it when it
        attaches the condition (it keeps the value and pays the compensation), else to one
        worth its floor."""
        floor = np.maximum(theta[None, :], context.outside_option[:, None])
        value = context.condition_value
        if not self.condition or value is None:
            return floor
        estimate = context.carried.condition_cost
        expected_cost = 0.0 if estimate is None else estimate[:, None]
        return np.clip(floor - value[:, None] + expected_cost, 0.0, 1.0)

    def agreement_rule(self) -> Hashable:
        """A face-saver that attaches the condition has its own thresholds; one that does not
        agrees at its floor."""
        return ("face_saver",) if self.condition else ("floor", None)


@dataclass(slots=True)
class Hesitation:
    """The modest winner's per-round state: its targets and its reluctant counter-offer."""

    targets: Targets = field(default_factory=Targets)
    """The time-dependent targets by step."""
    countered: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    """Whether it has already hesitated this round."""
    counter_u: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Own utility of its counter-offer."""
    counter_now: np.ndarray | None = None
    """Where its next proposal is the counter-offer (set by a hesitation, used once)."""


@register
@dataclass(frozen=True)
class ModestWinner(TimeDependentBase[Hesitation]):
    """A time-dependent tactic that, when winning, accepts reluctantly instead of at once.

    When an offer clears its acceptance rule and is worth at least ``margin`` above its
    reservation value, the first time in a round it rejects and makes a small counter-offer
    worth ``bump`` more than the offer on the table; it accepts the next acceptable offer. It
    never displays its satisfaction. With ``modest = false`` it is the plain tactic that
    accepts at once and shows its satisfaction (the control arm).

    Parameters: ``e``, ``k``, ``p_max``, ``p_min`` (see :class:`TimeDependentBase`), ``margin``
    (default 0.05), ``bump`` (default 0.02), ``modest`` (default true).
    """

    name: ClassVar[str] = "modest_winner"
    margin: float = 0.05
    """Least gain over its reservation value (utility) at which it counts as winning."""
    bump: float = 0.02
    """How much more (utility) its reluctant counter-offer asks than the offer on the table."""
    modest: bool = True
    """Accept reluctantly and hide its satisfaction (false: accept at once and show it)."""

    def __post_init__(self) -> None:
        """Check the tactic's parameters and ``margin``, ``bump`` and ``modest``."""
        super().__post_init__()
        check_scalar("margin", self.margin, low=0, high=1)
        check_scalar("bump", self.bump, low=0, high=1)
        if not isinstance(self.modest, bool):
            raise TypeError("modest must be true or false")

    @classmethod
    def classify(cls, params: Mapping[str, Any]) -> Classifier:
        """A modest winner hides its satisfaction, and it is not monotone in its bottom line
        (it hesitates only when winning by a margin); without ``modest`` it is the plain
        tactic."""
        modest = params["modest"]
        return Classifier(monotone_in_type=not modest, displays_satisfaction=not modest)

    @property
    def displays_satisfaction(self) -> bool:  # type: ignore[override]
        """Whether it shows its satisfaction (see :meth:`classify`)."""
        return self.classifier.displays_satisfaction

    @property
    def monotone_in_type(self) -> bool:  # type: ignore[override]
        """Whether it is monotone in its bottom line (see :meth:`classify`)."""
        return self.classifier.monotone_in_type

    def start(self, view: SideView) -> Hesitation:
        """No target computed and no hesitation yet."""
        return Hesitation(Targets(), np.zeros(view.n, dtype=bool), np.zeros(view.n))

    def propose(self, view: SideView, state: Hesitation, step: int) -> Offer:
        """Its target, or its counter-offer right after a hesitation."""
        base = view.position(self.target(view, state.targets, step))
        pending, state.counter_now = state.counter_now, None
        if pending is not None:
            base = np.where(pending, view.position(state.counter_u), base)
        return Offer.plain(base)

    def respond(self, view: SideView, state: Hesitation, step: int, offer: Offer) -> np.ndarray:
        """AC_next, except that the first acceptable offer worth ``margin`` above its
        reservation value is rejected (modest only)."""
        decision = self.accept_if(view, offer, self.target(view, state.targets, step + 1))
        if not self.modest:
            return decision
        value = view.offer_value(offer.x, offer.conditional)
        winning = value >= view.own.reservation_value + self.margin
        last = view.relative_time(step + 1) >= 1.0
        hesitate = (decision == 1) & winning & ~state.countered & ~last & ~view.history.proposing
        state.countered = state.countered | hesitate
        state.counter_u = np.where(hesitate, np.clip(value + self.bump, 0.0, 1.0), state.counter_u)
        state.counter_now = hesitate
        return np.where(hesitate, 0, decision).astype(np.int8)


__all__ = ["Capitulator", "FaceSaver", "Holdout", "ModestWinner", "genius_target"]
