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
* :class:`Anchored` -- a reference point plus a step: the own utility of the last agreed
  terms (the status quo before any) plus ``step``.

:func:`planner_for` maps a learner's ``lookahead`` to its planner. A planner that plans to
the horizon is a new planner part with the same interface, and one more entry there: the
learner does not change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

from ..beliefs.grid import Belief
from ..engine.terms import position, utility
from ..engine.views import Outlook, Posterior, SideView
from .planning import DemandProblem, Lookahead, choose_demand

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
        values, own = demand_candidates(view, belief.theta)
        outlook = view.carried.outlook
        plan = Outlook(
            outlook.rounds_left,
            outlook.rho,
            outlook.ends_on_disagreement,
            outlook.learning & learns,
        )
        problem = DemandProblem(
            mass=belief.mass,
            conditional=belief.conditional_prior(),
            thresholds=_THRESHOLDS[self.acceptance](view, belief),
            values=values,
            own_utility=own,
            disagreement=view.disagreement,
            outside_option=view.own.outside_option,
        )
        return choose_demand(problem, plan, lookahead=self.lookahead)

    def describe(self) -> str:
        """One line: how the planner chooses the demand."""
        accepts = (
            "each modelled policy's agreement threshold"
            if self.acceptance == "policies"
            else "the opponent's bottom line"
        )
        horizon = "with a one-round lookahead" if self.lookahead else "myopically"
        return f"maximises expected utility {horizon}, acceptance at {accepts}"


def _expected_utility(lookahead: Lookahead) -> Callable[[Acceptance, float], Planner]:
    """The factory of the expected-utility planner with this lookahead."""

    def make(acceptance: Acceptance, step: float) -> Planner:
        """The planner with this acceptance model and anchored fallback."""
        return ExpectedUtility(acceptance, lookahead, Anchored(step))

    return make


PLANNERS: Mapping[Lookahead, Callable[[Acceptance, float], Planner]] = {
    0: _expected_utility(0),
    1: _expected_utility(1),
}
"""A learner's ``lookahead`` -> the factory of its planner (from the acceptance model and the
anchored fallback's step)."""


def planner_for(acceptance: Acceptance, lookahead: Lookahead, step: float) -> Planner:
    """The planner of a learner with this ``lookahead`` (see :data:`PLANNERS`)."""
    return PLANNERS[lookahead](acceptance, step)


__all__ = [
    "PLANNERS",
    "Acceptance",
    "Anchored",
    "ExpectedUtility",
    "Planner",
    "demand_candidates",
    "optimal_demand",
    "planner_for",
]
