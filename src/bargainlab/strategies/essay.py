"""The strategies of the essay "The art of losing in negotiations" for the party that is bound to lose, and the modest winner.

The three "loser" strategies share one phase structure and differ only in what they do once
they predict a loss, so that paired arms are identical up to that decision:

* before the decision time ``decide_at`` (relative time in [0, 1]) or while the offer on the
  table reaches its aspiration ``A``, the party asks for ``A`` and accepts offers worth ``A``;
* a loss is predicted when ``t >= decide_at`` and the latest offer is worth less than ``A``.
  Then the **capitulator** offers its true bottom line and accepts anything above it; the
  **holdout** keeps asking for ``A``; the **face-saver** matches the opponent's latest demand
  but attaches the compensation condition ("these terms if you meet the condition, the
  fallback otherwise") whenever that is affordable *counting the condition's value*, and
  otherwise holds at ``A``. The face-saver's concession is set by the opponent's demand, not
  by its own bottom line, so its path does not track its type.

A party's effective bottom line is ``max(reservation value, outside option)``: an outside
option is a floor (Binmore, Shaked & Sutton 1989), so when it binds every type behaves alike.

The aspiration ``A`` is the utility of the party's reference point (the last agreed terms)
when there is one, else ``aspiration``; never below the party's own reservation value. A
behavioural "retaliation" term (0 unless the subjective-value module is on) raises it.

Every rule is written once as vectorised functions of a candidate type ``theta`` so that the
very same code makes the decisions (``theta`` = own reservation value) and gives a correct
Bayesian opponent its likelihood (``theta`` = every grid point).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .._checks import check_scalar
from ..beliefs.likelihood import OwnerContext, rule_likelihood, soft_at_most
from ..engine.negotiation import Offer
from ..engine.terms import position, utility
from ..engine.views import SideView
from .base import State, Strategy
from .registry import register
from .tactics import TimeDependent, genius_target


def _aspiration(
    base: float,
    reference_x: np.ndarray | None,
    side: int,
    curvature: np.ndarray,
    use_reference: bool,
) -> np.ndarray:
    n = curvature.shape[0]
    if use_reference and reference_x is not None:
        return utility(side, reference_x, curvature)
    return np.full(n, base)


@dataclass(frozen=True)
class _Phased(Strategy):
    aspiration: float = 1.0
    """Own utility asked for when there is no reference point (or ``use_reference`` is off)."""
    use_reference: bool = True
    """Aspire to the last agreed terms (precedent) when there are any."""
    decide_at: float = 0.5
    """Relative time from which a loss can be predicted."""

    def __post_init__(self) -> None:
        check_scalar("aspiration", self.aspiration, low=0, high=1)
        check_scalar("decide_at", self.decide_at, low=0, high=1)
        if not isinstance(self.use_reference, bool):
            raise TypeError("use_reference must be true or false")

    # ---- the rule, vectorised over candidate types -------------------------------------
    def aspiration_of(self, theta: np.ndarray, base: np.ndarray) -> np.ndarray:
        return np.clip(np.maximum(base, theta), 0.0, 1.0)

    def threshold(self, theta, t, value, asp, side, curvature, cond_value, last=False):
        """Least own utility accepted at relative time ``t`` when offered ``value``.

        ``last`` marks the party's last response of the round (no later turn to propose).
        """
        loss = (t >= self.decide_at) & (value < asp)
        return np.where(loss, self.threshold_after_loss(theta, asp, last), asp)

    def threshold_after_loss(self, theta, asp, last):
        return asp

    def offer(self, theta, t, faced_x, faced_any, asp, side, curvature, cond_value):
        """``(x, conditional)``: the offer made at time ``t`` after rejecting ``faced_x``."""
        faced_u = utility(side, faced_x, curvature)
        loss = (t >= self.decide_at) & faced_any & (faced_u < asp)
        x_loss, c_loss = self.offer_after_loss(
            theta, faced_x, faced_u, asp, side, curvature, cond_value
        )
        x_hold = position(side, asp, curvature)
        return np.where(loss, x_loss, x_hold), np.where(loss, c_loss, False)

    def offer_after_loss(self, theta, faced_x, faced_u, asp, side, curvature, cond_value):
        return position(side, asp, curvature), np.zeros(
            np.broadcast(theta, faced_x).shape, dtype=bool
        )

    # ---- engine interface --------------------------------------------------------------
    def _base_aspiration(self, view: SideView) -> np.ndarray:
        base = _aspiration(
            self.aspiration, view.reference_point, view.side, view.own.curvature, self.use_reference
        )
        return np.clip(base + view.levers.retaliation, 0.0, 1.0)

    def start(self, view: SideView) -> dict[str, Any]:
        theta = np.maximum(view.own.reservation_value, view.own.outside_option)
        asp = self.aspiration_of(theta, self._base_aspiration(view))
        cond_value = view.condition.value if view.condition_role == "holder" else np.zeros(view.n)
        return {"asp": asp, "cond_value": cond_value, "floor": theta}

    def propose(self, view: SideView, state: dict, step: int) -> Offer:
        t = view.relative_time(step)
        x, cond = self.offer(
            state["floor"],
            t,
            view.history.opp_last,
            view.history.opp_offers > 0,
            state["asp"],
            view.side,
            view.own.curvature,
            state["cond_value"],
        )
        return Offer(np.asarray(x, dtype=float), np.asarray(cond, dtype=bool))

    def respond(self, view: SideView, state: dict, step: int, offer: Offer) -> np.ndarray:
        value = view.offer_value(offer.x, offer.conditional)
        thr = self.threshold(
            state["floor"],
            view.relative_time(step),
            value,
            state["asp"],
            view.side,
            view.own.curvature,
            state["cond_value"],
            last=view.relative_time(step + 1) >= 1.0,
        )
        return self.accept_if(view, offer, thr)

    def likelihood(self, obs, theta, ctx: OwnerContext, noise: float) -> np.ndarray:
        base = _aspiration(
            self.aspiration, ctx.reference_x, ctx.side, ctx.curvature, self.use_reference
        )[:, None]
        cond_value = (
            ctx.condition_value if ctx.condition_value is not None else np.zeros_like(ctx.curvature)
        )[:, None]
        curv = ctx.curvature[:, None]

        def offer_rule(th, t, faced_x, faced_any, _ctx):
            th = np.maximum(th, floor)
            asp = self.aspiration_of(th, base)
            return self.offer(th, t, faced_x, faced_any, asp, ctx.side, curv, cond_value)

        step = max(ctx.horizon - 1, 1)
        floor = (
            np.zeros((curv.shape[0], 1))
            if ctx.outside_option is None
            else ctx.outside_option[:, None]
        )

        def threshold_rule(th, t, value, _ctx):
            th = np.maximum(th, floor)
            asp = self.aspiration_of(th, base)
            last = t + 1.0 / step >= 1.0 - 1e-12
            return np.maximum(
                self.threshold(th, t, value, asp, ctx.side, curv, cond_value, last), th
            )

        return rule_likelihood(
            obs, theta, ctx, noise, offer_rule=offer_rule, threshold_rule=threshold_rule
        )


@register
@dataclass(frozen=True)
class Capitulator(_Phased):
    """When it predicts a loss, concedes straight to its true bottom line: it accepts any offer
    worth its reservation value and otherwise offers exactly that reservation value.

    Parameters: ``aspiration`` (utility asked for without a reference point, default 1),
    ``use_reference`` (aspire to the last agreed terms, default true), ``decide_at``
    (relative time of the decision, default 0.5).
    """

    name: ClassVar[str] = "capitulator"

    def threshold_after_loss(self, theta, asp, last):
        return theta

    def offer_after_loss(self, theta, faced_x, faced_u, asp, side, curvature, cond_value):
        x = position(side, np.broadcast_to(theta, np.broadcast(theta, faced_x).shape), curvature)
        return x, np.zeros(x.shape, dtype=bool)


@register
@dataclass(frozen=True)
class Holdout(_Phased):
    """Never concedes beyond its aspiration; risks breakdown and the opponent's exit.

    Parameters as for :class:`Capitulator`.
    """

    name: ClassVar[str] = "holdout"


@register
@dataclass(frozen=True)
class FaceSaver(_Phased):
    """When it predicts a loss, concedes to the opponent's demand with a compensation condition.

    It attaches the condition whenever ``u(demand) + value >= its bottom line`` (the
    concession is affordable once the condition's value counts), and otherwise holds at its
    aspiration; it does not accept plain offers below its aspiration. With ``condition =
    false`` it makes the same concessions without the condition (the control for a worthless
    condition). With ``last_resort`` (default true) it accepts, at its very last response of a
    round, a plain offer worth its bottom line rather than let the round fail: the essay's
    loser concedes, it does not walk away. Parameters as for :class:`Capitulator`, plus
    ``condition`` and ``last_resort``.
    """

    name: ClassVar[str] = "face_saver"
    condition: bool = True
    """Attach the compensation condition to its concessions (false: the same concessions
    without it, the control for a worthless condition)."""
    last_resort: bool = True
    """At its very last response of a round, accept a plain offer worth its bottom line
    rather than let the round fail."""

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("condition", "last_resort"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be true or false")

    def threshold_after_loss(self, theta, asp, last):
        if not self.last_resort:
            return asp
        return np.where(last, theta, asp)

    def offer_after_loss(self, theta, faced_x, faced_u, asp, side, curvature, cond_value):
        value = cond_value if self.condition else 0.0
        affordable = faced_u + value >= theta - 1e-12
        x = np.where(affordable, faced_x, position(side, asp, curvature))
        return x, affordable & self.condition


@register
@dataclass(frozen=True)
class ModestWinner(TimeDependent):
    """A time-dependent tactic that, when winning, accepts reluctantly instead of at once.

    When an offer clears its acceptance rule and is worth at least ``margin`` above its
    reservation value, the first time in a round it rejects and makes a small counter-offer
    worth ``bump`` more than the offer on the table; it accepts the next acceptable offer. It
    never displays its satisfaction. With ``modest = false`` it is the plain tactic that
    accepts at once and shows its satisfaction (the control arm).

    Parameters: ``e``, ``k``, ``p_max``, ``p_min`` (see :class:`TimeDependent`), ``margin``
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
        super().__post_init__()
        check_scalar("margin", self.margin, low=0, high=1)
        check_scalar("bump", self.bump, low=0, high=1)
        if not isinstance(self.modest, bool):
            raise TypeError("modest must be true or false")

    @property
    def displays_satisfaction(self) -> bool:  # type: ignore[override]
        return not self.modest

    def start(self, view: SideView) -> State:
        return {
            **super().start(view),
            "countered": np.zeros(view.n, dtype=bool),
            "counter_u": np.zeros(view.n),
        }

    def propose(self, view: SideView, state: dict, step: int) -> Offer:
        base = view.position(self.target(view, state, step))
        pending = state.pop("counter_now", None)
        if pending is not None:
            base = np.where(pending, view.position(state["counter_u"]), base)
        return Offer.plain(base)

    def respond(self, view: SideView, state: dict, step: int, offer: Offer) -> np.ndarray:
        decision = self.accept_if(view, offer, self.target(view, state, step + 1))
        if not self.modest:
            return decision
        value = view.offer_value(offer.x, offer.conditional)
        winning = value >= view.own.reservation_value + self.margin
        last = view.relative_time(step + 1) >= 1.0
        hesitate = (decision == 1) & winning & ~state["countered"] & ~last & ~view.history.proposing
        state["countered"] = state["countered"] | hesitate
        state["counter_u"] = np.where(
            hesitate, np.clip(value + self.bump, 0.0, 1.0), state["counter_u"]
        )
        state["counter_now"] = hesitate
        return np.where(hesitate, 0, decision).astype(np.int8)

    def likelihood(self, obs, theta, ctx: OwnerContext, noise: float) -> np.ndarray:
        """Without modesty: the time-dependent rule's exact likelihood. With it, an
        approximation: offers and acceptances bound the bottom line, and rejections are left
        out, because a hesitation rejects an offer the plain rule would accept (the last
        offer may be a counter-offer, so the tactic's offer rule does not apply either)."""
        if not self.modest:
            return super().likelihood(obs, theta, ctx, noise)
        th = theta[None, :]
        n = obs.agreed.shape[0]
        lik = np.ones((n, theta.shape[0]))
        lik *= np.where(
            obs.opp_made_offer[:, None], soft_at_most(ctx.u(obs.opp_best_x), th, noise), 1.0
        )
        acc = obs.opp_last_response == 1
        lik *= np.where(acc[:, None], soft_at_most(ctx.u(obs.own_last_x), th, noise), 1.0)
        return lik


__all__ = ["Capitulator", "FaceSaver", "Holdout", "ModestWinner", "genius_target"]
