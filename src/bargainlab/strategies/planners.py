"""How a learner chooses the opening demand of a round: the planning parts of a learner.

A :class:`~bargainlab.strategies.learner.Learner` is composed of an update rule
(:mod:`bargainlab.strategies.updates`) and a planner (this module). A planner returns the
own utility of the round's opening demand; the learner then adds the behavioural
retaliation term and keeps the demand at or above its floor. The planners, each a small
frozen dataclass with the :class:`Planner` interface:

* :class:`ExpectedUtility` -- the demand that maximises expected utility under the belief,
  myopically or with a one-round lookahead (:func:`~bargainlab.strategies.planning.choose_demand`),
  with the opponent's acceptance modelled by each modelled policy's agreement threshold or
  by its bottom line alone (:data:`Acceptance`); without a belief (a one-shot game) it falls
  back on its anchored planner;
* :class:`BackwardInduction` -- the same round-level model solved over every round left:
  the first demand of the best policy from histories of outcomes to demands
  (:mod:`bargainlab.strategies.horizon`), with the same acceptance models and fallback;
* :class:`Anchored` -- a reference point plus a step: the own utility of the last agreed
  terms (the status quo before any) plus ``step``.

:func:`planner_for` maps a learner's ``lookahead`` (:data:`PlanningHorizon`) to its planner
through :data:`PLANNERS`: a new planner is one more entry there, and the learner does not
change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

from ..beliefs.grid import Belief
from ..engine.terms import position, utility
from ..engine.views import Outlook, Posterior, SideView
from .horizon import choose_horizon_demand
from .planning import DemandProblem, Lookahead, choose_demand

PlanningHorizon = Literal[0, 1, "horizon"]
"""How far a learner plans: 0 (myopic) or 1 round ahead with the expected-utility planner, or
``"horizon"``, every round left by backward induction."""

Acceptance = Literal["policies", "bottom_line"]
"""How a planner models the opponent's acceptance of a demand: ``"policies"``, at each
modelled policy's agreement threshold (its bottom line when the learner models no policy);
``"bottom_line"``, as if the opponent accepted anything worth its bottom line."""


class Planner(Protocol):
    """The planning part of a learner."""

    def demand(self, view: SideView, *, learns: bool) -> np.ndarray:
        """Own utility of the round's opening demand, before the behavioural retaliation
        term and the floor; ``learns`` says whether the learner's update rule will learn
        from the round (what its lookahead may anticipate)."""
        ...

    def describe(self) -> str:
        """One line: how the planner chooses the demand."""
        ...


def demand_candidates(view: SideView, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The candidate demands: the opponent's utility of each (the belief grid) and the
    learner's own utility of each, ``(G,)`` and ``(n, G)``."""
    x = position(1 - view.side, theta[None, :], view.opponent.curvature[:, None])
    own = utility(view.side, x, view.own.curvature[:, None])
    return theta, np.broadcast_to(own, (view.n, theta.shape[0]))


def optimal_demand(belief: Belief, view: SideView) -> np.ndarray:
    """Own utility of the myopic expected-utility-maximising demand when the opponent accepts
    anything worth its bottom line (the truncation learners' planning model, in the last
    round)."""
    theta = belief.theta
    values, own = demand_candidates(view, theta)
    problem = DemandProblem(
        mass=belief.mass,
        conditional=belief.conditional_prior(),
        thresholds=np.broadcast_to(theta, belief.mass.shape),
        values=values,
        own_utility=own,
        disagreement=view.disagreement,
        outside_option=view.own.outside_option,
    )
    return choose_demand(problem, Outlook(0, 1.0, True, False), lookahead=0)


def _policy_thresholds(view: SideView, belief: Posterior) -> np.ndarray:
    """``(n, K, G)``: each modelled policy's agreement threshold (the bottom line when the
    learner models no policy or has no context)."""
    carried = view.carried
    models, context = carried.opponent_models, carried.opponent_context
    if not models or context is None:
        return _bottom_lines(view, belief)
    return np.stack([m.agreement_threshold(belief.theta, context) for m in models], axis=1)


def _bottom_lines(view: SideView, belief: Posterior) -> np.ndarray:
    """``(n, K, G)``: the opponent agrees to anything worth its bottom line."""
    return np.broadcast_to(belief.theta, belief.mass.shape)


_THRESHOLDS: Mapping[Acceptance, Callable[[SideView, Posterior], np.ndarray]] = {
    "policies": _policy_thresholds,
    "bottom_line": _bottom_lines,
}


@dataclass(frozen=True)
class Anchored:
    """A reference point plus a step: the own utility of the last agreed terms (the status
    quo before any) plus ``step``."""

    step: float = 0.05
    """The increment over the reference utility, in [0, 1]."""

    def demand(self, view: SideView, *, learns: bool) -> np.ndarray:
        """Own utility of the reference point plus ``step``."""
        ref = view.reference_point if view.reference_point is not None else view.status_quo
        return view.utility(ref) + self.step

    def describe(self) -> str:
        """One line: how the planner chooses the demand."""
        return f"demands its reference point plus {self.step:g}"


def _problem(view: SideView, belief: Posterior, acceptance: Acceptance) -> DemandProblem:
    """The demand problem of a view with a belief: the candidates, the posterior, the prior
    within each type (what a bottom line is redrawn from), the modelled thresholds."""
    values, own = demand_candidates(view, belief.theta)
    return DemandProblem(
        mass=belief.mass,
        conditional=belief.conditional_prior(),
        thresholds=_THRESHOLDS[acceptance](view, belief),
        values=values,
        own_utility=own,
        disagreement=view.disagreement,
        outside_option=view.own.outside_option,
    )


def _plan_outlook(view: SideView, *, learns: bool) -> Outlook:
    """The view's outlook, learning only where the information channel allows it and the
    update rule learns."""
    outlook = view.carried.outlook
    return Outlook(
        outlook.rounds_left,
        outlook.rho,
        outlook.ends_on_disagreement,
        outlook.learning & learns,
    )


def _describe_acceptance(acceptance: Acceptance) -> str:
    """How the acceptance model reads, in a planner's one line."""
    if acceptance == "policies":
        return "each modelled policy's agreement threshold"
    return "the opponent's bottom line"


@dataclass(frozen=True)
class ExpectedUtility:
    """The demand that maximises expected utility under the belief (see
    :mod:`bargainlab.strategies.planning`)."""

    acceptance: Acceptance = "policies"
    """How the opponent's acceptance is modelled (see :data:`Acceptance`)."""
    lookahead: Lookahead = 1
    """Rounds of lookahead: 0 (myopic) or 1."""
    fallback: Anchored = field(default_factory=Anchored)
    """The planner used without a belief (a one-shot game)."""

    def demand(self, view: SideView, *, learns: bool) -> np.ndarray:
        """The expected-utility-maximising demand, with the learning the outlook allows and
        the update rule makes."""
        belief = view.belief
        if belief is None:
            return self.fallback.demand(view, learns=learns)
        problem = _problem(view, belief, self.acceptance)
        return choose_demand(problem, _plan_outlook(view, learns=learns), lookahead=self.lookahead)

    def describe(self) -> str:
        """One line: how the planner chooses the demand."""
        horizon = "with a one-round lookahead" if self.lookahead else "myopically"
        accepts = _describe_acceptance(self.acceptance)
        return f"maximises expected utility {horizon}, acceptance at {accepts}"


@dataclass(frozen=True)
class BackwardInduction:
    """The first demand of the best plan over every round left, by backward induction on the
    belief grid (see :mod:`bargainlab.strategies.horizon`)."""

    acceptance: Acceptance = "policies"
    """How the opponent's acceptance is modelled (see :data:`Acceptance`)."""
    fallback: Anchored = field(default_factory=Anchored)
    """The planner used without a belief (a one-shot game)."""

    def demand(self, view: SideView, *, learns: bool) -> np.ndarray:
        """The demand worth most over the rounds left, anticipating what each outcome will
        teach where the outlook allows learning and the update rule learns."""
        belief = view.belief
        if belief is None:
            return self.fallback.demand(view, learns=learns)
        problem = _problem(view, belief, self.acceptance)
        return choose_horizon_demand(problem, _plan_outlook(view, learns=learns))

    def describe(self) -> str:
        """One line: how the planner chooses the demand."""
        accepts = _describe_acceptance(self.acceptance)
        return (
            "plans every round left by backward induction on its belief, anticipating what "
            f"each outcome teaches, acceptance at {accepts}"
        )


def _expected_utility(lookahead: Lookahead) -> Callable[[Acceptance, float], Planner]:
    """The factory of the expected-utility planner with this lookahead."""

    def make(acceptance: Acceptance, step: float) -> Planner:
        """The planner with this acceptance model and anchored fallback."""
        return ExpectedUtility(acceptance, lookahead, Anchored(step))

    return make


def _backward_induction(acceptance: Acceptance, step: float) -> Planner:
    """The planner to the horizon with this acceptance model and anchored fallback."""
    return BackwardInduction(acceptance, Anchored(step))


PLANNERS: Mapping[PlanningHorizon, Callable[[Acceptance, float], Planner]] = {
    0: _expected_utility(0),
    1: _expected_utility(1),
    "horizon": _backward_induction,
}
"""A learner's ``lookahead`` -> the factory of its planner (from the acceptance model and the
anchored fallback's step)."""


def planner_for(acceptance: Acceptance, lookahead: PlanningHorizon, step: float) -> Planner:
    """The planner of a learner with this ``lookahead`` (see :data:`PLANNERS`)."""
    return PLANNERS[lookahead](acceptance, step)


__all__ = [
    "PLANNERS",
    "Acceptance",
    "Anchored",
    "BackwardInduction",
    "ExpectedUtility",
    "Planner",
    "PlanningHorizon",
    "demand_candidates",
    "optimal_demand",
    "planner_for",
]
