"""The posterior-driven learner: the essay's strong dealer.

Its belief is joint over the opponent's behavioural type (the policies it thinks the
opponent may follow, with a prior: its *reputation* model) and the opponent's reservation
value (:class:`~bargainlab.beliefs.grid.Belief`). At the start of each round it chooses its demand
by expected utility under that belief with a one-round lookahead
(:mod:`bargainlab.strategies.planning`). Within the round it concedes from that demand toward
its own floor along a time-dependent curve ``floor + (D - floor) * (1 - t ** (1 / e))``, with
``floor`` the larger of its reservation value and its outside option, accepts offers worth
its next target (AC_next), and at its last turn takes its outside option rather than less.
Any ratchet therefore comes from the belief, never from a rule about who conceded.

Sophistication (``kind``):

* ``"bayesian"`` -- a correct Bayesian: after each round it updates with the exact
  likelihood of the whole round (every offer and every response) under each policy it
  considers (:meth:`Strategy.likelihood`; exact for every rule of the library but the
  learner itself), and plans with each policy's agreement threshold;
* ``"naive"`` -- truncation (Baarslag et al. 2016): "it offered or accepted x, so its bottom
  line is at most u(x); it rejected y, so above u(y)", whatever the opponent's policy, read at
  the headline terms, with smooth steps of width ``noise``; it plans as if the opponent
  accepted anything above its bottom line;
* ``"expected_terms"`` -- the same truncation, but a conditional concession is read at its
  expected realised terms (the reading the essay assumes): as the condition's terms plus its
  value to the opponent when the learner, which knows its own cost, would meet it, and as the
  fallback terms when it would not;
* ``"anchored"`` -- a non-learner: demand = own utility of the reference point + ``step``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .._checks import check_choice, check_scalar
from ..beliefs.grid import Belief
from ..beliefs.likelihood import soft_at_most, truncation_likelihood
from ..beliefs.observations import RoundObservation, RoundTrace
from ..engine.context import OwnerContext
from ..engine.negotiation import EXIT, Offer
from ..engine.terms import position, utility
from ..engine.views import OpponentModel, Outlook, SideView
from .base import Strategy
from .planning import TYPE_FLOOR, DemandProblem, Lookahead, choose_demand
from .registry import register

KINDS = ("bayesian", "naive", "expected_terms", "anchored")


def demand_candidates(view: SideView, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The candidate demands: the opponent's utility of each (the belief grid) and the
    learner's own utility of each, ``(G,)`` and ``(n, G)``."""
    x = position(1 - view.side, theta[None, :], view.opponent.curvature[:, None])
    own = utility(view.side, x, view.own.curvature[:, None])
    return theta, np.broadcast_to(own, (view.n, theta.shape[0]))


def _groups(models: tuple[OpponentModel, ...]) -> list[list[int]]:
    """Models whose agreement thresholds follow the same rule (their
    ``agreement_rule`` is equal), which the planning model cannot tell apart."""
    groups: dict[object, list[int]] = {}
    for k, model in enumerate(models):
        rule = getattr(model, "agreement_rule", None)
        key = rule() if callable(rule) else ("model", k)
        groups.setdefault(key, []).append(k)
    return list(groups.values())


def optimal_demand(belief: Belief, view: SideView) -> np.ndarray:
    """Own utility of the myopic expected-utility-maximising demand when the opponent accepts
    anything worth its bottom line (the naive learner's planning model)."""
    theta = belief.theta
    values, own = demand_candidates(view, theta)
    thresholds = np.broadcast_to(theta, belief.mass.shape)
    outlook = Outlook(0, 1.0, True, False)
    w = view.own.outside_option
    problem = DemandProblem(
        mass=belief.mass,
        conditional=belief.conditional_prior(),
        thresholds=thresholds,
        values=values,
        own_utility=own,
        disagreement=view.disagreement,
        outside_option=w,
    )
    return choose_demand(problem, outlook, lookahead=0)


@dataclass(frozen=True, slots=True)
class Demand:
    """The learner's per-round state: the own utility of its opening demand."""

    demand: np.ndarray


@register
@dataclass(frozen=True)
class Learner(Strategy[Demand]):
    """Posterior-driven learner.

    Parameters
    ----------
    kind:
        ``"bayesian"``, ``"naive"``, ``"expected_terms"`` or ``"anchored"``.
    e:
        Within-round concession exponent > 0 (below 1: Boulware).
    step:
        Anchored learner's increment over its reference utility, in [0, 1].
    noise:
        Width in (0, 1] of the smoothed steps of the truncation learners' likelihood.
    lookahead:
        Rounds of lookahead when choosing a demand: 0 (myopic) or 1 (default; see
        :mod:`bargainlab.strategies.planning`).
    """

    name: ClassVar[str] = "learner"
    learns: ClassVar[bool] = True
    exact_likelihood: ClassVar[bool] = False
    kind: str = "bayesian"
    e: float = 0.5
    step: float = 0.05
    noise: float = 0.03
    lookahead: Lookahead = 1

    def __post_init__(self) -> None:
        check_choice("kind", self.kind, KINDS)
        check_scalar("e", self.e, low=0, low_open=True, high=100)
        check_scalar("step", self.step, low=0, high=1)
        check_scalar("noise", self.noise, low=0, low_open=True, high=1)
        if isinstance(self.lookahead, bool) or self.lookahead not in (0, 1):
            raise ValueError(f"lookahead must be 0 or 1; got {self.lookahead!r}")

    @staticmethod
    def floor(view: SideView) -> np.ndarray:
        """Its bottom line: never less than its reservation value or its outside option."""
        return np.maximum(view.own.reservation_value, view.own.outside_option)

    def demand(self, view: SideView) -> np.ndarray:
        """Own utility of the opening demand of the round."""
        floor = self.floor(view)
        belief = view.belief
        if self.kind == "anchored" or belief is None:
            ref = view.reference_point if view.reference_point is not None else view.status_quo
            d = view.utility(ref) + self.step
        else:
            theta = belief.theta
            values, own = demand_candidates(view, theta)
            carried = view.carried
            models, context = carried.opponent_models, carried.opponent_context
            if self.kind == "bayesian" and models and context is not None:
                thresholds = np.stack(
                    [m.agreement_threshold(theta, context) for m in models], axis=1
                )
            else:
                thresholds = np.broadcast_to(theta, belief.mass.shape)
            outlook = carried.outlook
            learning = outlook.learning & (self.kind != "anchored")
            plan = Outlook(outlook.rounds_left, outlook.rho, outlook.ends_on_disagreement, learning)
            problem = DemandProblem(
                mass=belief.mass,
                conditional=belief.prior,
                thresholds=thresholds,
                values=values,
                own_utility=own,
                disagreement=view.disagreement,
                outside_option=view.own.outside_option,
            )
            d = choose_demand(problem, plan, lookahead=self.lookahead)
        d = d + view.levers.retaliation
        return np.clip(np.maximum(d, floor), 0.0, 1.0)

    def start(self, view: SideView) -> Demand:
        """The round's opening demand (:meth:`demand`)."""
        return Demand(self.demand(view))

    def target(self, view: SideView, state: Demand, step: int) -> np.ndarray:
        """Own target utility at ``step``: from the demand toward the floor."""
        floor = self.floor(view)
        t = view.relative_time(step)
        return floor + (state.demand - floor) * (1.0 - t ** (1.0 / self.e))

    def propose(self, view: SideView, state: Demand, step: int) -> Offer:
        """The position worth the current target."""
        return Offer.plain(view.position(self.target(view, state, step)))

    def respond(self, view: SideView, state: Demand, step: int, offer: Offer) -> np.ndarray:
        """AC_next; at its last turn, exit rather than take less than its outside option."""
        decision = self.accept_if(view, offer, self.target(view, state, step + 1))
        last_turn = view.relative_time(step + 1) >= 1.0
        value = view.offer_value(offer.x, offer.conditional)
        leave = last_turn & (view.own.outside_option > value)
        return self.exit_if(view, decision, leave)

    def likelihood(
        self,
        trace: RoundTrace,
        context: OwnerContext,
        theta: np.ndarray,
        rows: np.ndarray | None = None,
    ) -> np.ndarray:
        """Approximate: the learner's decisions depend on its own belief, which a model of it
        does not track, so as an opponent model it is read by truncation: every offer it made,
        and every offer it accepted, bounds its bottom line from above (smooth steps of width
        ``noise``)."""
        side = context.side
        made = trace.played & (trace.proposer == side)
        accepted = trace.played & (trace.proposer != side) & (trace.response == 1)
        u = utility(side, trace.x, context.curvature[None, :])
        bound = np.min(np.where(made | accepted, u, np.inf), axis=0)
        any_ = np.isfinite(bound)
        lik = np.where(
            any_[:, None],
            soft_at_most(np.where(any_, bound, 1.0)[:, None], theta[None, :], self.noise),
            1.0,
        )
        return lik if rows is None else np.where(rows[:, None], lik, 1.0)

    def update_belief(
        self,
        belief: Belief,
        trace: RoundTrace,
        obs: RoundObservation,
        context: OwnerContext,
        models: tuple[Strategy, ...],
        tremble: float,
        rows: np.ndarray,
    ) -> None:
        """Bayes' rule on ``rows`` with the likelihood this learner's ``kind`` believes in:
        the exact likelihood of the round under each model for the Bayesian, truncation for
        the naive kinds, nothing for the anchored learner."""
        if self.kind == "anchored":
            return
        theta = belief.theta
        if self.kind == "bayesian":
            # Types whose posterior probability is below TYPE_FLOOR are not evaluated (they
            # count as inconsistent): the error this makes in any posterior probability is
            # below TYPE_FLOOR over the prior mass of the consistent candidates.
            present = belief.type_probabilities() > TYPE_FLOOR
            lik = np.zeros(belief.mass.shape)
            for k, model in enumerate(models):
                where = rows & present[:, k]
                if where.any():
                    lik[:, k, :] = np.where(
                        where[:, None], model.likelihood(trace, context, theta, where), 0.0
                    )
        else:
            lik = truncation_likelihood(
                obs,
                theta,
                context,
                self.noise,
                rejections=True,
                expected_terms=self.kind == "expected_terms",
            )
        belief.update(lik, tremble, rows)


__all__ = ["EXIT", "KINDS", "TYPE_FLOOR", "Learner", "demand_candidates", "optimal_demand"]
