"""The planner that plans to the horizon: exact against every demand policy where the module
says it is exact, the one-round lookahead with one round left, and batch-independent."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from bargainlab.engine.views import Outlook
from bargainlab.strategies.horizon import choose_horizon_demand, horizon_values, lattice
from bargainlab.strategies.planning import (
    DemandProblem,
    acceptance_by_type,
    continuation,
    static_continuation,
)


def _histories(rounds: int, *, ends: bool) -> list[tuple[int, ...]]:
    """The histories of outcomes (1 accepted, 0 rejected) before each round at which the
    learner still demands: every one, or only acceptances when a rejection ends play."""
    out: list[tuple[int, ...]] = []
    for t in range(rounds):
        out += [(1,) * t] if ends else list(itertools.product((0, 1), repeat=t))
    return out


def every_policy(case: dict, rounds: int, *, ends: bool) -> tuple[np.ndarray, np.ndarray]:
    """Every demand policy (a demand for each history of outcomes; the first a candidate,
    later ones a candidate or a demand no type accepts, coded ``J``) and its exact expected
    total, the bottom line following its Markov chain (kept with probability rho, else
    redrawn within its type). Returns the policies ``(P, H)`` and their values ``(P,)``."""
    mass, within, tau = case["mass"], case["conditional"], case["thresholds"]
    values, own, d, w, rho = case["values"], case["own"], case["d"], case["w"], case["rho"]
    k_types, g_points = mass.shape
    j_count = values.size
    histories = _histories(rounds, ends=ends)
    index = {h: i for i, h in enumerate(histories)}
    options = [range(j_count)] + [range(j_count + 1)] * (len(histories) - 1)
    policies = np.array(list(itertools.product(*options)))
    paths = np.array(list(itertools.product(range(k_types), *[range(g_points)] * rounds)))
    k, g = paths[:, 0], paths[:, 1:]
    prob = mass[k, g[:, 0]]
    for t in range(1, rounds):
        prob = prob * (rho * (g[:, t] == g[:, t - 1]) + (1 - rho) * within[k, g[:, t]])
    reach = np.append(values, -np.inf)  # a demand coded J: no type accepts it
    pay = np.append(own, 0.0)
    total = np.zeros((len(policies), len(paths)))
    node = np.zeros_like(total, dtype=np.int64)
    alive = np.ones_like(total, dtype=bool)
    lookup = np.full((rounds + 1, 2 ** (rounds + 1)), -1)
    for h, i in index.items():
        lookup[len(h), int("".join(map(str, h)) or "0", 2)] = i
    code = np.zeros_like(node)
    for t in range(rounds):
        demand = np.take_along_axis(policies, node, axis=1)
        accepted = tau[k, g[:, t]][None, :] <= reach[demand] + 1e-12
        total += np.where(alive, np.where(accepted, pay[demand], d), 0.0)
        if ends:
            total += np.where(alive & ~accepted, (rounds - 1 - t) * w, 0.0)
            alive &= accepted
        code = 2 * code + accepted
        if t + 1 < rounds:
            node = np.where(alive, lookup[t + 1][code], 0)
    return policies, total @ prob


def _case(rng: np.random.Generator, k_types: int, g_points: int, rho: float) -> dict:
    """A small random planning problem: a belief over types and bottom lines, thresholds on or
    between the candidates, decreasing own utilities."""
    values = np.linspace(0.0, 1.0, g_points)
    return {
        "mass": rng.dirichlet(np.ones(k_types * g_points)).reshape(k_types, g_points),
        "conditional": rng.dirichlet(np.ones(g_points), size=k_types),
        "thresholds": rng.choice(np.linspace(0.0, 1.2, 13), size=(k_types, g_points)),
        "values": values,
        "own": np.sort(rng.uniform(0.2, 1.0, g_points))[::-1].copy(),
        "d": rng.uniform(0.0, 0.3),
        "w": rng.uniform(0.0, 0.3),
        "rho": rho,
    }


def _problem(cases: list[dict]) -> DemandProblem:
    """The cases as one batch."""
    return DemandProblem(
        mass=np.stack([c["mass"] for c in cases]),
        conditional=np.stack([c["conditional"] for c in cases]),
        thresholds=np.stack([c["thresholds"] for c in cases]),
        values=cases[0]["values"],
        own_utility=np.stack([c["own"] for c in cases]),
        disagreement=np.array([c["d"] for c in cases]),
        outside_option=np.array([c["w"] for c in cases]),
    )


@pytest.mark.parametrize("ends", [True, False])
@pytest.mark.parametrize(("rounds", "k_types", "g_points"), [(2, 1, 4), (3, 1, 3), (3, 2, 3)])
def test_with_rho_one_it_is_the_best_of_every_demand_policy(ends, rounds, k_types, g_points):
    """Known policies (one type) or two, rho = 1, coarse grids, 2-3 rounds: the value of every
    first demand is the best total of the policies that open with it, so the planner's value
    and first demand are those of the best policy."""
    rng = np.random.default_rng(100 * rounds + 10 * k_types + g_points + ends)
    cases = [_case(rng, k_types, g_points, 1.0) for _ in range(6)]
    got = horizon_values(_problem(cases), Outlook(rounds - 1, 1.0, ends, True))
    for i, case in enumerate(cases):
        policies, value = every_policy(case, rounds, ends=ends)
        best_by_first = [value[policies[:, 0] == j].max() for j in range(g_points)]
        np.testing.assert_allclose(got[i], best_by_first, atol=1e-12)
        assert value[policies[:, 0] == np.argmax(got[i])].max() == pytest.approx(value.max())


def _one_round_lookahead(problem: DemandProblem, rho: float, ends: bool) -> np.ndarray:
    """``(n, J)``: this round's expected utility plus the one-round lookahead's value of the
    next round, from the lookahead's public parts."""
    by_type = acceptance_by_type(problem.mass, problem.thresholds, problem.values)
    accept = by_type.sum(axis=1)
    now = accept * problem.own_utility + (1 - accept) * problem.disagreement[:, None]
    return now + continuation(
        by_type,
        accept,
        problem.mass.sum(axis=2),
        acceptance_by_type(problem.conditional, problem.thresholds, problem.values),
        own_utility=problem.own_utility,
        disagreement=problem.disagreement,
        outside_option=problem.outside_option,
        rho=np.full(problem.n, rho),
        ends_on_disagreement=ends,
    )


@pytest.mark.parametrize("ends", [True, False])
@pytest.mark.parametrize("rho", [0.0, 0.35, 0.8, 1.0])
def test_with_one_round_left_it_is_the_one_round_lookahead(ends, rho):
    rng = np.random.default_rng(int(10 * rho) + ends)
    problem = _problem([_case(rng, 3, 9, rho) for _ in range(8)])
    got = horizon_values(problem, Outlook(1, rho, ends, True))
    np.testing.assert_allclose(got, _one_round_lookahead(problem, rho, ends), atol=1e-12)


@pytest.mark.parametrize("ends", [True, False])
def test_a_learner_that_learns_nothing_plans_with_its_belief_persisted(ends):
    """Without learning the belief of the round ``s`` rounds ahead is
    ``rho^s B + (1 - rho^s) sum_k pi_k Q_k`` whatever happened, and the best demand of each
    round is the myopic one under it, the rounds linked only by a rejection that ends play."""
    rng = np.random.default_rng(5)
    rho, rounds = 0.6, 4
    problem = _problem([_case(rng, 2, 7, rho) for _ in range(5)])
    got = horizon_values(problem, Outlook(rounds, rho, ends, False))
    types = problem.mass.sum(axis=2)
    prior = np.einsum(
        "nk,nkj->nj",
        types,
        acceptance_by_type(problem.conditional, problem.thresholds, problem.values),
    )
    current = acceptance_by_type(problem.mass, problem.thresholds, problem.values).sum(axis=1)
    u, d, w = problem.own_utility, problem.disagreement[:, None], problem.outside_option[:, None]
    later = np.zeros((problem.n, 1))  # the value of the rounds after round s
    for s in range(rounds, 0, -1):
        accept = rho**s * current + (1 - rho**s) * prior
        after = (rounds - s) * w if ends else later
        best = np.max(accept * (u + later) + (1 - accept) * (d + after), axis=1, keepdims=True)
        later = np.maximum(best, d + after)
    after = rounds * w if ends else later
    expected = current * (u + later) + (1 - current) * (d + after)
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_with_rho_zero_and_one_type_learning_changes_nothing():
    """What a round teaches is forgotten by the next: the demand with and without learning is
    bitwise the same (the information channel's null holds exactly)."""
    rng = np.random.default_rng(9)
    problem = _problem([_case(rng, 1, 41, 0.0) for _ in range(6)])
    for ends in (True, False):
        on = horizon_values(problem, Outlook(5, 0.0, ends, True))
        off = horizon_values(problem, Outlook(5, 0.0, ends, False))
        np.testing.assert_array_equal(on, off)


def test_a_replicates_plan_depends_on_its_own_inputs_only():
    """Bitwise the same alone, in a batch, and whatever the chunk; with several types,
    replicates that learn and do not, and different rounds left and rho in one batch, on a
    grid larger than the planned candidates (so the continuation is interpolated)."""
    rng = np.random.default_rng(21)
    n = 7
    cases = [_case(rng, 2, 51, 0.0) for _ in range(n)]
    problem = _problem(cases)
    outlook = Outlook(
        rounds_left=np.array([0, 3, 3, 1, 2, 5, 3]),
        rho=rng.uniform(0, 1, n),
        ends_on_disagreement=False,
        learning=np.array([True, True, False, True, False, True, True]),
    )
    batch = choose_horizon_demand(problem, outlook)
    np.testing.assert_array_equal(batch, choose_horizon_demand(problem, outlook, chunk=2))
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
        np.testing.assert_array_equal(choose_horizon_demand(alone, outlook.take(rows)), batch[rows])


def test_the_states_are_the_intervals_of_bins():
    assert len(lattice(26, learns=True, ends=False).lo) == 27 * 28 // 2
    assert len(lattice(26, learns=True, ends=True).lo) == 27
    assert len(lattice(26, learns=False, ends=False).lo) == 1
    lat = lattice(3, learns=True, ends=False)
    pairs = list(zip(lat.lo.tolist(), lat.hi.tolist(), strict=True))
    state = pairs.index((1, 3))
    # demand 2 splits [1, 3] into [1, 2] (accepted) and [3, 3] (rejected)
    assert pairs[lat.accepted[state, 2]] == (1, 2)
    assert pairs[lat.rejected[state, 2]] == (3, 3)
    # demand 0 is rejected by every bin of [1, 3]: the state stays
    assert lat.accepted[state, 0] == state and lat.rejected[state, 0] == state


def test_planning_further_ahead_never_lowers_what_the_plan_is_worth():
    """The value of the best plan with more rounds left is at least the value with fewer plus
    what a round is surely worth (the learner can ask for what no type accepts)."""
    rng = np.random.default_rng(3)
    problem = _problem([_case(rng, 2, 9, 1.0) for _ in range(6)])
    for ends in (True, False):
        values = [
            horizon_values(problem, Outlook(r, 1.0, ends, True)).max(axis=1) for r in range(4)
        ]
        floor = (
            np.minimum(problem.disagreement, problem.outside_option)
            if ends
            else problem.disagreement
        )
        for shorter, longer in itertools.pairwise(values):
            assert np.all(longer >= shorter + floor - 1e-12)


def test_static_continuation_matches_the_first_round_without_learning():
    """The one-round lookahead's static continuation is the horizon planner's without
    learning and with one round left."""
    rng = np.random.default_rng(4)
    problem = _problem([_case(rng, 2, 9, 0.5) for _ in range(4)])
    by_type = acceptance_by_type(problem.mass, problem.thresholds, problem.values)
    accept = by_type.sum(axis=1)
    now = accept * problem.own_utility + (1 - accept) * problem.disagreement[:, None]
    for ends in (True, False):
        expected = now + static_continuation(
            accept,
            problem.mass.sum(axis=2),
            acceptance_by_type(problem.conditional, problem.thresholds, problem.values),
            own_utility=problem.own_utility,
            disagreement=problem.disagreement,
            outside_option=problem.outside_option,
            rho=np.full(problem.n, 0.5),
            ends_on_disagreement=ends,
        )
        got = horizon_values(problem, Outlook(1, 0.5, ends, False))
        np.testing.assert_allclose(got, expected, atol=1e-12)
