"""The posterior-driven learner: the strong dealer of the essay's renewal case.

At the start of each round the learner sets its demand from its belief about the opponent's
reservation value: among offers that leave the opponent exactly a candidate type
``theta_g``, it picks the one that maximises expected utility

    EU_g = P(theta <= theta_g) * u_own(x_g) + (1 - P(theta <= theta_g)) * d,

with ``d`` its disagreement payoff (the opponent accepts iff the offer reaches its bottom
line). Within the round it concedes from that demand toward its own floor along a
time-dependent curve ``floor + (D - floor) * (1 - t ** (1 / e))``, with ``floor`` the larger
of its reservation value and its outside option, accepts offers worth its next target
(AC_next), and at its last turn takes its outside option rather than less. Any ratchet therefore comes from the belief, never from a rule
about who conceded.

Sophistication (``kind``):

* ``"bayesian"`` -- correct Bayesian: updates with the opponent strategy's own likelihood
  (:meth:`Strategy.likelihood`), i.e. it knows how the opponent plays. The likelihood uses
  the opponent's last offer and last response of the round, which pin the type for the
  deterministic rules in the library; for strategies without an explicit rule it falls back
  to the truncation model (see :meth:`Strategy.likelihood`);
* ``"naive"`` -- truncation: "it offered/accepted x, so its bottom line is at most u(x);
  it rejected y, so above u(y)", whatever the opponent's strategy;
* ``"anchored"`` -- a non-learner: demand = own utility of the reference point + ``step``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .._checks import check_choice, check_scalar
from ..beliefs.grid import Belief
from ..beliefs.likelihood import OwnerContext, truncation_likelihood
from ..beliefs.observations import RoundObservation
from ..engine.negotiation import EXIT, Offer
from ..engine.terms import position, utility
from ..engine.views import SideView
from .base import Strategy
from .registry import register

KINDS = ("bayesian", "naive", "anchored")


def optimal_demand(belief: Belief, view: SideView) -> np.ndarray:
    """Own utility of the expected-utility-maximising demand under ``belief``."""
    types = belief.types[None, :]
    x = position(1 - view.side, types, view.opponent.curvature[:, None])
    own_u = np.broadcast_to(
        utility(view.side, x, view.own.curvature[:, None]), (view.n, types.shape[1])
    )
    p_accept = belief.cdf()
    fallback = view.disagreement[:, None]
    eu = p_accept * own_u + (1.0 - p_accept) * fallback
    best = np.argmax(eu, axis=1)
    return own_u[np.arange(view.n), best]


@register
@dataclass(frozen=True)
class Learner(Strategy):
    """Posterior-driven learner.

    Parameters
    ----------
    kind:
        ``"bayesian"``, ``"naive"`` or ``"anchored"``.
    e:
        Within-round concession exponent > 0 (below 1: Boulware).
    step:
        Anchored learner's increment over its reference utility, in [0, 1].
    noise:
        Width in (0, 1] of the smoothed steps in its likelihood model.
    """

    name: ClassVar[str] = "learner"
    learns: ClassVar[bool] = True
    kind: str = "bayesian"
    e: float = 0.5
    step: float = 0.05
    noise: float = 0.03

    def __post_init__(self) -> None:
        check_choice("kind", self.kind, KINDS)
        check_scalar("e", self.e, low=0, low_open=True, high=100)
        check_scalar("step", self.step, low=0, high=1)
        check_scalar("noise", self.noise, low=0, low_open=True, high=1)

    @staticmethod
    def floor(view: SideView) -> np.ndarray:
        """Its bottom line: never less than its reservation value or its outside option."""
        return np.maximum(view.own.reservation_value, view.own.outside_option)

    def demand(self, view: SideView) -> np.ndarray:
        floor = self.floor(view)
        if self.kind == "anchored" or view.belief is None:
            ref = view.reference_point if view.reference_point is not None else view.status_quo
            d = view.utility(ref) + self.step
        else:
            d = optimal_demand(view.belief, view)
        d = d + view.levers.retaliation
        return np.clip(np.maximum(d, floor), 0.0, 1.0)

    def start(self, view: SideView) -> dict[str, Any]:
        return {"demand": self.demand(view)}

    def target(self, view: SideView, state: dict, step: int) -> np.ndarray:
        floor = self.floor(view)
        t = view.relative_time(step)
        return floor + (state["demand"] - floor) * (1.0 - t ** (1.0 / self.e))

    def propose(self, view: SideView, state: dict, step: int) -> Offer:
        return Offer.plain(view.position(self.target(view, state, step)))

    def respond(self, view: SideView, state: dict, step: int, offer: Offer) -> np.ndarray:
        decision = self.accept_if(view, offer, self.target(view, state, step + 1))
        last_turn = view.relative_time(step + 1) >= 1.0
        value = view.offer_value(offer.x, offer.conditional)
        leave = last_turn & (view.own.outside_option > value)
        return self.exit_if(view, decision, leave)

    def update_belief(
        self,
        belief: Belief,
        obs: RoundObservation,
        opponent: Strategy,
        ctx: OwnerContext,
        tremble: float,
        rows: np.ndarray,
    ) -> None:
        """Bayes' rule on ``rows`` with the likelihood this learner's ``kind`` believes in."""
        if self.kind == "anchored":
            return
        theta = belief.types
        if self.kind == "bayesian":
            lik = opponent.likelihood(obs, theta, ctx, self.noise)
        else:
            lik = truncation_likelihood(obs, theta, ctx, self.noise, rejections=True)
        belief.update(lik, tremble, rows)


__all__ = ["EXIT", "KINDS", "Learner", "optimal_demand"]
