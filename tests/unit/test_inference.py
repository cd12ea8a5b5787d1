"""Exact whole-round likelihoods: the bisection equals the replay, the truth is never ruled
out, and a correct Bayesian's posterior is calibrated."""

from __future__ import annotations

import numpy as np
import pytest

from bargainlab.beliefs.observations import RoundTrace
from bargainlab.beliefs.priors import grid_points
from bargainlab.engine.context import OwnerContext
from bargainlab.engine.negotiation import Game, negotiate
from bargainlab.engine.parties import PartyBatch
from bargainlab.engine.rng import StreamRNG
from bargainlab.engine.terms import Condition, Issue
from bargainlab.engine.views import Carried
from bargainlab.strategies import create
from bargainlab.strategies.inference import bisection_likelihood, replay_likelihood

GRID = grid_points(41)

MONOTONE = [
    ("linear", {}),
    ("boulware", {}),
    ("conceder", {}),
    ("hardliner", {}),
    ("time_dependent", {"e": 0.7, "k": 0.1, "p_max": 0.9}),
    ("capitulator", {}),
    ("holdout", {}),
    ("holdout", {"use_reference": False, "aspiration": 0.7}),
    ("face_saver", {"condition": False}),
    ("face_saver", {"condition": False, "last_resort": False, "decide_at": 0.3}),
    ("modest_winner", {"modest": False}),
    ("equilibrium", {}),
]
STATEFUL = [
    ("tit_for_tat", {}),
    ("modest_winner", {}),
    ("modest_winner", {"margin": 0.0}),
    ("face_saver", {}),
    ("face_saver", {"last_resort": False, "decide_at": 0.3}),
]
"""Policies that are not monotone in their bottom line: a learner replays them."""


def rounds_against(owner_name, owner_params, *, n=120, seed=0, levels=None, condition=True):
    """Play the owner policy (party 1, the holder of a condition) with reservation values on
    the grid against a conceding party 0, on a varied batch; return the trace, the owner's
    public context and the grid index of each true reservation value."""
    gen = np.random.default_rng(seed)
    index = gen.integers(0, GRID.size, n)
    outside = np.where(gen.random(n) < 0.3, gen.uniform(0, 0.5, n), 0.0)
    parties = (
        PartyBatch.build(n, reservation_value=gen.uniform(0, 0.4, n), deadline=12),
        PartyBatch.build(n, reservation_value=GRID[index], outside_option=outside, deadline=12),
    )
    cond = None
    if condition:
        cond = Condition(1, np.full(n, 0.15), gen.uniform(0, 0.1, n), np.zeros(n))
    game = Game(
        Issue(levels=levels), parties, horizon=12, first_mover=np.arange(n) % 2,
        condition=cond, allow_exit=False,
    )  # fmt: skip
    reference = gen.uniform(0, 1, n)
    cost_estimate = np.full(n, 0.05)
    carried = (
        Carried(reference_point=reference),
        Carried(reference_point=reference, condition_cost=cost_estimate),
    )
    owner = create(owner_name, **owner_params)
    opponent = create("conceder", p_max=0.95)
    result = negotiate(
        game, (opponent, owner), trace=True, carried=carried, rng=StreamRNG.from_seed(seed, n)
    )
    context = OwnerContext.public(game, 1, carried[1])
    return RoundTrace.from_result(result), context, index


@pytest.mark.parametrize(("name", "params"), MONOTONE)
@pytest.mark.parametrize("levels", [None, 21])
def test_bisection_equals_replay_and_keeps_the_truth(name, params, levels):
    trace, context, truth = rounds_against(name, params, levels=levels)
    policy = create(name, **params)
    rows = np.arange(trace.n)
    fast = bisection_likelihood(policy, trace, context, GRID, rows)
    slow = replay_likelihood(policy, trace, context, GRID, rows)
    np.testing.assert_array_equal(fast, slow)
    assert (fast[rows, truth] == 1.0).all(), "the true bottom line was ruled out"
    # the round is informative somewhere, except against a hardliner (it asks for everything
    # and accepts nothing less, whatever its bottom line)
    assert (fast == 0).any() != (name == "hardliner")


@pytest.mark.parametrize(("name", "params"), STATEFUL)
def test_replay_keeps_the_truth_for_stateful_rules(name, params):
    trace, context, truth = rounds_against(name, params)
    policy = create(name, **params)
    assert not policy.monotone_in_type
    rows = np.arange(trace.n)
    lik = replay_likelihood(policy, trace, context, GRID, rows)
    np.testing.assert_array_equal(policy.likelihood(trace, context, GRID), lik)
    assert (lik[rows, truth] == 1.0).all()
    assert set(np.unique(lik)) <= {0.0, 1.0}


def test_another_policy_is_told_apart():
    """A capitulator's rounds are inconsistent with a holdout in some replicates (and vice
    versa): the likelihood identifies policies, which is what a reputation is made of."""
    trace, context, _ = rounds_against("capitulator", {}, n=200, seed=3)
    rows = np.arange(trace.n)
    wrong = bisection_likelihood(create("holdout"), trace, context, GRID, rows)
    assert (wrong.sum(axis=1) == 0).any()


def test_the_learner_says_its_likelihood_is_approximate():
    assert create("learner").exact_likelihood is False
    assert create("face_saver").exact_likelihood is True
    assert create("modest_winner").monotone_in_type is False
    assert create("modest_winner", modest=False).monotone_in_type is True


def test_posterior_after_a_revealing_round_is_the_restricted_prior():
    """A capitulator that loses offers its floor exactly: against a correct Bayesian with a
    uniform prior the posterior is the prior restricted to the consistent candidates."""
    from bargainlab.beliefs.grid import Belief

    trace, context, truth = rounds_against("capitulator", {}, n=60, seed=5, condition=False)
    lik = create("capitulator").likelihood(trace, context, GRID)
    belief = Belief.from_prior(np.full(GRID.size, 1 / GRID.size), GRID, 60)
    belief.update(lik, 1e-12)
    expected = lik / lik.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(belief.marginal(), expected, atol=1e-10)
    np.testing.assert_allclose(belief.marginal()[np.arange(60), truth] > 0, True)
