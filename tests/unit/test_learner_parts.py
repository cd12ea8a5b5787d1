"""The learner is composed of an update rule and a planner; the study files' kinds are
presets of those parts, and other compositions behave as their parts do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pytest

from bargainlab.beliefs.grid import Belief
from bargainlab.beliefs.observations import RoundTrace, observe
from bargainlab.beliefs.priors import grid_points
from bargainlab.engine.context import OwnerContext
from bargainlab.engine.negotiation import Game, negotiate
from bargainlab.engine.parties import PartyBatch
from bargainlab.engine.terms import Issue
from bargainlab.engine.views import Carried, OfferHistory, Outlook
from bargainlab.strategies import Learner, create
from bargainlab.strategies.learner import KINDS, LearnerParts, preset
from bargainlab.strategies.planners import Anchored, BackwardInduction, ExpectedUtility
from bargainlab.strategies.testing import Scripted
from bargainlab.strategies.updates import ExactBayes, NoUpdate


def _view(n=3, *, rounds_left=3, learning=True, rho=0.7, belief=None):
    """Party 0's view at the start of a round, with a belief over party 1's bottom line (flat
    on 21 points unless given) and a relationship ahead."""
    parties = (
        PartyBatch.build(n, reservation_value=0.2, outside_option=0.1, deadline=8),
        PartyBatch.build(n, deadline=8),
    )
    game = Game(Issue(levels=41), parties, horizon=8)
    if belief is None:
        belief = Belief.from_prior(np.full(21, 1 / 21), grid_points(21), n)
    carried = Carried(
        belief=belief,
        reference_point=np.full(n, 0.55),
        outlook=Outlook(rounds_left, rho, False, learning),
    )
    return game.view(0, OfferHistory(n), carried=carried)


def _round():
    """A round of two replicates, a scripted party 0 against a linear tactic, as party 0
    saw it."""
    parties = (
        PartyBatch.build(2, deadline=6),
        PartyBatch.build(2, reservation_value=[0.3, 0.6], deadline=6),
    )
    game = Game(Issue(), parties, horizon=6)
    pair = (Scripted(offers=(0.8, 0, 0.7, 0, 0.6, 0)), create("linear"))
    result = negotiate(game, pair, trace=True)
    context = OwnerContext.public(game, 1, Carried(reference_point=np.full(2, 0.5)))
    return RoundTrace.from_result(result), observe(result, 0), context


@dataclass(frozen=True)
class AnchoredBayesian(Learner):
    """Learns like the Bayesian, demands like the anchored learner (not registered)."""

    name: ClassVar[str] = "anchored_bayesian"

    @classmethod
    def compose(cls, params: dict[str, Any]) -> LearnerParts:
        return LearnerParts(ExactBayes(), Anchored(params["step"]))


@pytest.mark.parametrize("kind", KINDS)
def test_a_kind_is_a_preset_of_parts_read_without_building_a_learner(kind):
    params = {**Learner().params(), "kind": kind, "step": 0.1, "noise": 0.2, "lookahead": 0}
    parts = preset(params)
    assert parts == create("learner", **params).parts
    assert parts.update.learns is (kind != "anchored")
    if kind != "anchored":
        assert parts.planner == ExpectedUtility(parts.planner.acceptance, 0, Anchored(0.1))


def test_an_unknown_kind_is_refused_like_the_learner_refuses_it():
    with pytest.raises(ValueError, match="kind") as direct:
        create("learner", kind="oracle")
    with pytest.raises(ValueError, match="kind") as parts:
        preset({**Learner().params(), "kind": "oracle"})
    assert str(parts.value) == str(direct.value)


def test_parts_compose_beyond_the_presets():
    """A learner composed of the Bayesian's update and the anchored planner demands what the
    anchored learner demands and updates its belief as the Bayesian does."""
    view = _view()
    composed = AnchoredBayesian()
    np.testing.assert_array_equal(
        composed.demand(view), create("learner", kind="anchored").demand(view)
    )
    assert not np.array_equal(composed.demand(view), create("learner").demand(view))

    trace, obs, context = _round()
    beliefs = [Belief.from_prior(np.full(21, 1 / 21), grid_points(21), 2) for _ in range(2)]
    rows = np.array([True, True])
    models = (create("linear"),)
    composed.update_belief(beliefs[0], trace, obs, context, models, 0.01, rows)
    create("learner").update_belief(beliefs[1], trace, obs, context, models, 0.01, rows)
    np.testing.assert_array_equal(beliefs[0].mass, beliefs[1].mass)
    assert not np.allclose(beliefs[0].marginal(), 1 / 21)


def test_a_planner_anticipates_learning_only_when_its_update_rule_learns():
    """With the information channel on, an expected-utility planner paired with an update
    that does not learn plans as it would with the channel off."""
    planner = ExpectedUtility("bottom_line", 1, Anchored())
    on, off = _view(learning=True), _view(learning=False)
    without = planner.demand(on, learns=NoUpdate.learns)
    np.testing.assert_array_equal(without, planner.demand(off, learns=True))
    assert not np.array_equal(without, planner.demand(on, learns=True))


def test_without_a_belief_the_expected_utility_planner_demands_as_anchored():
    view = _view()
    bare = Game(Issue(levels=41), (view.own, PartyBatch.build(view.n, deadline=8)), horizon=8).view(
        0, OfferHistory(view.n), carried=Carried(reference_point=np.full(view.n, 0.55))
    )
    planner = ExpectedUtility("policies", 1, Anchored(0.07))
    np.testing.assert_array_equal(
        planner.demand(bare, learns=True), Anchored(0.07).demand(bare, learns=True)
    )


def test_every_part_says_in_one_line_what_it_does():
    for kind in KINDS:
        line = preset({**Learner().params(), "kind": kind}).describe()
        assert line and "\n" not in line


@pytest.mark.parametrize(("g", "rho", "rounds_left"), [(21, 0.3, 3), (101, 0.6, 10), (21, 0.0, 3)])
def test_a_type_split_in_two_alike_types_changes_no_planned_demand(g, rho, rounds_left):
    """Two types with the same acceptance and the same prior over the bottom line are one type
    told twice: the expected-utility planner demands what it demands with one. Between rounds
    a bottom line is redrawn from the prior *within* its type, whatever that type's prior
    probability (the joint prior would scale the redraw by it, and change the first two
    cases' demands)."""
    n = 4
    prior = np.exp(-(((grid_points(g) - 0.4) / 0.15) ** 2))
    prior /= prior.sum()
    beliefs = [
        Belief.from_prior(prior, grid_points(g), n),
        Belief.from_prior(prior, grid_points(g), n, type_prior=np.array([0.1, 0.9])),
    ]
    planner = ExpectedUtility("bottom_line", 1, Anchored())
    demands = [
        planner.demand(_view(n, rounds_left=rounds_left, rho=rho, belief=b), learns=True)
        for b in beliefs
    ]
    np.testing.assert_allclose(demands[1], demands[0], atol=1e-12)


def test_a_learner_plans_to_the_horizon_with_its_planner_part():
    """``lookahead = "horizon"`` composes the backward-induction planner; with one round left
    it demands what the one-round lookahead demands, and with none the myopic demand."""
    horizon = create("learner", lookahead="horizon")
    assert horizon.parts.planner == BackwardInduction("policies", Anchored(0.05))
    assert "backward induction" in horizon.parts.describe()
    for rounds_left, lookahead in ((1, 1), (0, 0)):
        view = _view(rounds_left=rounds_left)
        np.testing.assert_array_equal(
            horizon.demand(view), create("learner", lookahead=lookahead).demand(view)
        )


@pytest.mark.parametrize("lookahead", [2, "forever", True])
def test_a_lookahead_other_than_0_1_or_horizon_is_refused(lookahead):
    with pytest.raises(ValueError, match=r'lookahead must be 0 or 1 .* or "horizon"'):
        create("learner", lookahead=lookahead)
