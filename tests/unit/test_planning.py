"""The learner's planning model: acceptance probabilities, the one-round lookahead, merging
alike types, and the reputation it plans with."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bargainlab.engine.views import Outlook
from bargainlab.strategies.planning import (
    DemandProblem,
    acceptance_by_type,
    choose_demand,
    continuation,
)


@given(
    n=st.integers(1, 5),
    k=st.integers(1, 4),
    g=st.integers(2, 12),
    seed=st.integers(0, 2**32 - 1),
)
def test_acceptance_by_type_is_the_brute_force_sum(n, k, g, seed):
    gen = np.random.default_rng(seed)
    mass = gen.dirichlet(np.ones(k * g), size=n).reshape(n, k, g)
    thresholds = np.sort(gen.choice(np.linspace(0, 1, 7), size=(n, k, g)), axis=2)
    values = np.linspace(0, 1, 9)
    got = acceptance_by_type(mass, thresholds, values)
    brute = (
        mass[:, :, :, None] * (thresholds[:, :, :, None] <= values[None, None, None, :] + 1e-12)
    ).sum(axis=2)
    np.testing.assert_allclose(got, brute, atol=1e-12)
    # thresholds need not be sorted
    order = gen.permutation(g)
    np.testing.assert_allclose(
        acceptance_by_type(mass[:, :, order], thresholds[:, :, order], values), brute, atol=1e-12
    )


def _problem(n=4, g=21, seed=0):
    gen = np.random.default_rng(seed)
    theta = np.linspace(0, 1, g)
    prior = np.full((n, 1, g), 1 / g)  # each replicate's prior within its one type
    mass = prior.copy()
    mass = mass * gen.uniform(0.5, 1.5, mass.shape)
    mass /= mass.sum(axis=(1, 2), keepdims=True)
    return DemandProblem(
        mass=mass,
        conditional=prior,
        thresholds=np.broadcast_to(theta, mass.shape),
        values=theta,
        own_utility=1.0 - theta[None, :].repeat(n, 0),  # linear, opposed utilities
        disagreement=np.full(n, 0.2),
        outside_option=np.full(n, 0.2),
    )


def test_myopic_demand_maximises_expected_utility_by_hand():
    """With a flat prior on 5 points and fallback 0.3: EU = 0.44, 0.48, 0.42, 0.26, 0 -> the
    demand worth 0.75 to the learner."""
    theta = np.linspace(0, 1, 5)
    mass = np.full((1, 1, 5), 0.2)
    problem = DemandProblem(
        mass=mass,
        conditional=mass,
        thresholds=np.broadcast_to(theta, mass.shape),
        values=theta,
        own_utility=(1 - theta)[None, :],
        disagreement=np.array([0.3]),
        outside_option=np.array([0.3]),
    )
    got = choose_demand(problem, Outlook(0, 1.0, True, True), lookahead=1)
    assert got == pytest.approx([0.75])


def test_lookahead_matters_only_when_there_is_a_future():
    problem = _problem()
    last = choose_demand(problem, Outlook(0, 0.8, True, True), lookahead=1)
    myopic = choose_demand(problem, Outlook(5, 0.8, True, True), lookahead=0)
    np.testing.assert_array_equal(last, myopic)
    ahead = choose_demand(problem, Outlook(5, 0.8, True, True), lookahead=1)
    # valuing the relationship's future makes the learner ask for less somewhere
    assert (ahead <= myopic + 1e-12).all() and (ahead < myopic - 1e-12).any()


def test_with_rho_zero_and_one_type_learning_changes_nothing():
    """What one round teaches is forgotten by the next: the demand with and without learning
    is bitwise the same (the information channel's null holds exactly)."""
    problem = _problem()
    on = choose_demand(problem, Outlook(3, 0.0, True, True), lookahead=1)
    off = choose_demand(problem, Outlook(3, 0.0, True, False), lookahead=1)
    np.testing.assert_array_equal(on, off)


def test_types_with_identical_thresholds_are_merged_exactly():
    """Splitting one type into two with the same thresholds and prior changes no demand."""
    problem = _problem(n=6, seed=3)
    outlook = Outlook(4, 0.6, True, True)
    one = choose_demand(problem, outlook, lookahead=1)
    split = dataclasses.replace(
        problem,
        mass=np.concatenate([problem.mass * 0.3, problem.mass * 0.7], axis=1),
        conditional=np.concatenate([problem.conditional] * 2, axis=1),
        thresholds=np.concatenate([problem.thresholds] * 2, axis=1),
    )
    two = choose_demand(split, outlook, lookahead=1)
    np.testing.assert_allclose(one, two, atol=1e-12)


def test_an_obstinate_reputation_makes_the_learner_accommodate():
    """Two types: an obstinate one that agrees only if left 0.6, and one that agrees at its
    bottom line (uniform on [0, 0.5]). The more the learner believes in obstinacy, the more
    it leaves the opponent: the reputation is priced in."""
    g = 51
    theta = np.linspace(0, 1, g)
    bottom = np.where(theta <= 0.5, 1.0, 0.0)
    bottom /= bottom.sum()
    own = (1 - theta)[None, :]
    thresholds = np.stack([np.full(g, 0.6), theta])[None]
    demands = []
    for z in (0.05, 0.3, 0.6):
        mass = np.stack([z * bottom, (1 - z) * bottom])[None]
        conditional = np.stack([bottom, bottom])[None]
        problem = DemandProblem(
            mass=mass,
            conditional=conditional,
            thresholds=thresholds,
            values=theta,
            own_utility=own,
            disagreement=np.array([0.1]),
            outside_option=np.array([0.1]),
        )
        demands.append(choose_demand(problem, Outlook(3, 1.0, True, True), lookahead=1)[0])
    assert demands[0] > demands[1] >= demands[2]
    assert demands[2] == pytest.approx(0.4)


@pytest.mark.parametrize("ends", [False, True])
@pytest.mark.parametrize("rho", [0.0, 0.4, 1.0])
def test_continuation_is_bayes_rule_written_out(ends, rho):
    """The lookahead's closed form against the posterior computed cell by cell: truncate the
    joint belief at the demand, persist it (keep the bottom line with probability rho, else
    redraw it within the type), and take the best next demand."""
    rng = np.random.default_rng(7)
    n, k, g, j = 3, 3, 6, 5
    mass = rng.dirichlet(np.ones(k * g), size=n).reshape(n, k, g)
    within = rng.dirichlet(np.ones(g), size=(n, k))  # the prior within each type
    tau = rng.uniform(size=(n, k, g))
    values = np.linspace(0.0, 1.0, j)
    own = np.sort(rng.uniform(size=(n, j)))[:, ::-1].copy()
    d, w = rng.uniform(0, 0.3, size=n), rng.uniform(0, 0.3, size=n)
    ok = tau[:, :, :, None] <= values  # (n, k, g, j)
    by_type = np.einsum("nkg,nkgj->nkj", mass, ok)
    accept = by_type.sum(axis=1)
    prior_cdf = np.einsum("nkg,nkgj->nkj", within, ok)
    got = continuation(
        by_type,
        accept,
        mass.sum(axis=2),
        prior_cdf,
        own_utility=own,
        disagreement=d,
        outside_option=w,
        rho=np.full(n, rho),
        ends_on_disagreement=ends,
    )

    def best_next(post):  # post (k, g), a probability
        types = post.sum(axis=1)
        nxt = rho * post + (1 - rho) * types[:, None] * within[i]
        p = np.einsum("kg,kgj->j", nxt, ok[i])
        return max(d[i], np.max(p * own[i] + (1 - p) * d[i]))

    for i in range(n):
        for a in range(j):
            acc = mass[i] * ok[i, :, :, a]
            rej = mass[i] - acc
            p = acc.sum()
            w_acc = best_next(acc / p) if p > 0 else 0.0
            w_rej = w[i] if ends else (best_next(rej / (1 - p)) if p < 1 else 0.0)
            np.testing.assert_allclose(got[i, a], p * w_acc + (1 - p) * w_rej, atol=1e-12)


def test_a_replicates_demand_depends_on_its_own_inputs_only():
    """Bitwise the same alone, in a batch, and whatever the chunk of the lookahead; with
    learners and non-learners, several types and rounds left in the same batch."""
    n, g = 7, 21
    gen = np.random.default_rng(11)
    theta = np.linspace(0, 1, g)
    mass = gen.dirichlet(np.ones(2 * g), size=n).reshape(n, 2, g)
    within = gen.dirichlet(np.ones(g), size=(n, 2))
    problem = DemandProblem(
        mass=mass,
        conditional=within,
        thresholds=np.stack([np.broadcast_to(theta, (n, g)), np.full((n, g), 0.6)], axis=1),
        values=theta,
        own_utility=1.0 - theta[None, :].repeat(n, 0),
        disagreement=gen.uniform(0, 0.3, n),
        outside_option=gen.uniform(0, 0.3, n),
    )
    outlook = Outlook(
        rounds_left=np.array([0, 3, 3, 1, 2, 5, 3]),
        rho=gen.uniform(0, 1, n),
        ends_on_disagreement=False,
        learning=np.array([True, True, False, True, False, True, True]),
    )
    batch = choose_demand(problem, outlook, lookahead=1)
    chunked = choose_demand(problem, outlook, lookahead=1, chunk=2)
    np.testing.assert_array_equal(batch, chunked)
    for i in range(n):
        rows = np.array([i])
        alone = DemandProblem(
            **{
                f.name: getattr(problem, f.name)
                if f.name == "values"
                else getattr(problem, f.name)[rows]
                for f in dataclasses.fields(problem)
            }
        )
        one = choose_demand(alone, outlook.take(rows), lookahead=1)
        np.testing.assert_array_equal(one, batch[rows])
