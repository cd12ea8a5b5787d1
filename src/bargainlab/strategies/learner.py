"""The posterior-driven learner: the essay's strong dealer.

Its belief is joint over the opponent's behavioural type (the policies it thinks the
opponent may follow, with a prior: its *reputation* model) and the opponent's reservation
value (:class:`~bargainlab.beliefs.grid.Belief`). A learner is composed of two parts, as
NegMAS composes a negotiator from components (``make_boa``):

* an **update rule** (:mod:`bargainlab.strategies.updates`): how it updates its belief
  after each round;
* a **planner** (:mod:`bargainlab.strategies.planners`): how it chooses the opening demand
  of each round.

Within the round it concedes from that demand toward its own floor along a time-dependent
curve ``floor + (D - floor) * (1 - t ** (1 / e))``, with ``floor`` the larger of its
reservation value and its outside option, accepts offers worth its next target (AC_next),
and at its last turn takes its outside option rather than less. Any ratchet therefore comes
from the belief, never from a rule about who conceded.

Study files choose the parts by ``kind``, a preset (:data:`PRESETS`):

* ``"bayesian"`` -- a correct Bayesian: after each round it updates with the exact
  likelihood of the whole round (every offer and every response) under each policy it
  considers (:class:`~bargainlab.strategies.updates.ExactBayes`; exact for every rule of the
  library but the learner itself), and plans with each policy's agreement threshold;
* ``"naive"`` -- truncation (Baarslag et al. 2016): "it offered or accepted x, so its bottom
  line is at most u(x); it rejected y, so above u(y)", whatever the opponent's policy, read at
  the headline terms, with smooth steps of width ``noise``; it plans as if the opponent
  accepted anything above its bottom line;
* ``"expected_terms"`` -- the same truncation, but a conditional concession is read at its
  expected realised terms (the reading the essay assumes): as the condition's terms plus its
  value to the opponent when the learner, which knows its own cost, would meet it, and as the
  fallback terms when it would not;
* ``"anchored"`` -- a non-learner: demand = own utility of the reference point + ``step``.

The learning kinds plan with ``lookahead``: 0 (myopic) or 1 round ahead with the
expected-utility planner, or ``"horizon"``, every round left by backward induction on the
belief (:class:`~bargainlab.strategies.planners.BackwardInduction`); without a belief (a
one-shot game) they demand as the anchored learner does. A subclass composes other parts by
overriding :meth:`Learner.compose`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar, Literal, get_args

import numpy as np

from ..beliefs.grid import Belief
from ..beliefs.likelihood import soft_at_most
from ..beliefs.observations import RoundObservation, RoundTrace
from ..engine.context import OwnerContext
from ..engine.negotiation import EXIT, Offer
from ..engine.terms import utility
from ..engine.views import SideView
from ..support.validation import check_choice, check_scalar
from .base import Strategy
from .planners import (
    Anchored,
    Planner,
    PlanningHorizon,
    demand_candidates,
    optimal_demand,
    planner_for,
)
from .planning import TYPE_FLOOR
from .registry import register
from .updates import ExactBayes, NoUpdate, Truncation, UpdateRule

LearnerKind = Literal["bayesian", "naive", "expected_terms", "anchored"]
"""The presets of a learner's parts that study files name (``params = { kind = ... }``)."""

KINDS: tuple[LearnerKind, ...] = get_args(LearnerKind)
"""Every preset, in the order the documentation lists them."""


@dataclass(frozen=True)
class LearnerParts:
    """What a learner is made of: its belief-update rule and its planner."""

    update: UpdateRule
    """How it updates its belief after a round."""
    planner: Planner
    """How it chooses the opening demand of a round."""

    def describe(self) -> str:
        """One line: how the learner learns and plans."""
        return f"{self.update.describe()}; {self.planner.describe()}"


PRESETS: Mapping[LearnerKind, Callable[[float, float, PlanningHorizon], LearnerParts]] = {
    "bayesian": lambda step, noise, lookahead: LearnerParts(
        ExactBayes(), planner_for("policies", lookahead, step)
    ),
    "naive": lambda step, noise, lookahead: LearnerParts(
        Truncation("headline", noise), planner_for("bottom_line", lookahead, step)
    ),
    "expected_terms": lambda step, noise, lookahead: LearnerParts(
        Truncation("expected", noise), planner_for("bottom_line", lookahead, step)
    ),
    "anchored": lambda step, noise, lookahead: LearnerParts(NoUpdate(), Anchored(step)),
}
"""A ``kind`` -> its parts, from the learner's ``step``, ``noise`` and ``lookahead``."""


def preset(params: Mapping[str, Any]) -> LearnerParts:
    """The parts of a learner with these parameters (``kind``, ``step``, ``noise`` and
    ``lookahead``, defaults filled in), without building the learner."""
    check_choice("kind", params["kind"], KINDS)
    return PRESETS[params["kind"]](params["step"], params["noise"], params["lookahead"])


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
        ``"bayesian"``, ``"naive"``, ``"expected_terms"`` or ``"anchored"``: the preset of
        its update rule and planner (see :mod:`bargainlab.strategies.learner`).
    e:
        Within-round concession exponent > 0 (below 1: Boulware).
    step:
        Anchored learner's increment over its reference utility, in [0, 1] (also the
        others' demand without a belief).
    noise:
        Width in (0, 1] of the smoothed steps of the truncation learners' likelihood.
    lookahead:
        How far it plans its demand: 0 (myopic) or 1 round ahead (default; see
        :mod:`bargainlab.strategies.planning`), or ``"horizon"``, every round left by
        backward induction (see :mod:`bargainlab.strategies.horizon`).
    """

    name: ClassVar[str] = "learner"
    learns: ClassVar[bool] = True
    exact_likelihood: ClassVar[bool] = False
    kind: LearnerKind = "bayesian"
    e: float = 0.5
    step: float = 0.05
    noise: float = 0.03
    lookahead: PlanningHorizon = 1

    def __post_init__(self) -> None:
        """Check the parameters: the preset's name, the ranges, the lookahead."""
        check_choice("kind", self.kind, KINDS)
        check_scalar("e", self.e, low=0, low_open=True, high=100)
        check_scalar("step", self.step, low=0, high=1)
        check_scalar("noise", self.noise, low=0, low_open=True, high=1)
        if isinstance(self.lookahead, bool) or self.lookahead not in get_args(PlanningHorizon):
            raise ValueError(
                f'lookahead must be 0 or 1 (rounds ahead) or "horizon"; got {self.lookahead!r}'
            )

    @classmethod
    def compose(cls, params: Mapping[str, Any]) -> LearnerParts:
        """The parts of a learner of this class with these parameters (defaults filled in):
        the ``kind``'s preset. A subclass that composes other parts overrides it."""
        return preset(params)

    @classmethod
    def describe_learning(cls, params: Mapping[str, Any]) -> str:
        """One line: its update rule and its planner (:meth:`compose`)."""
        return cls.compose(params).describe()

    @cached_property
    def parts(self) -> LearnerParts:
        """This learner's update rule and planner (:meth:`compose` of its parameters)."""
        return type(self).compose(self.params())

    @staticmethod
    def floor(view: SideView) -> np.ndarray:
        """Its bottom line: never less than its reservation value or its outside option."""
        return np.maximum(view.own.reservation_value, view.own.outside_option)

    def demand(self, view: SideView) -> np.ndarray:
        """Own utility of the opening demand of the round: the planner's, raised by the
        behavioural retaliation term, never below the floor."""
        parts = self.parts
        d = parts.planner.demand(view, learns=parts.update.learns)
        d = d + view.levers.retaliation
        return np.clip(np.maximum(d, self.floor(view)), 0.0, 1.0)

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
        models: tuple[Strategy[Any], ...],
        tremble: float,
        rows: np.ndarray,
    ) -> None:
        """Update the belief on ``rows`` with this learner's update rule (the relationship
        calls it between rounds)."""
        self.parts.update.update(belief, trace, obs, context, models, tremble, rows)


__all__ = [
    "EXIT",
    "KINDS",
    "PRESETS",
    "TYPE_FLOOR",
    "Demand",
    "Learner",
    "LearnerKind",
    "LearnerParts",
    "demand_candidates",
    "optimal_demand",
    "preset",
]
