"""Equilibrium self-play in the engine reproduces the closed forms of bargainlab.theory."""

from __future__ import annotations

import numpy as np
import pytest

from bargainlab import theory
from bargainlab.engine.negotiation import OUTCOME_AGREEMENT, OUTCOME_EXIT, Game, negotiate
from bargainlab.engine.parties import PartyBatch
from bargainlab.engine.rng import StreamRNG
from bargainlab.engine.terms import Issue
from bargainlab.strategies import Equilibrium, create

EQ = Equilibrium()


def make_game(
    delta,
    *,
    horizon: int,
    first_mover=0,
    outside=(0.0, 0.0),
    breakdown=0.0,
    allow_exit: bool = True,
    levels: int | None = None,
    curvature=(1.0, 1.0),
    disagreement: str = "outside_options",
    status_quo=0.5,
    n: int | None = None,
) -> Game:
    if n is None:
        n = max(np.size(v) for v in (*delta, *outside, first_mover, breakdown))
    parties = tuple(
        PartyBatch.build(
            n, delta=delta[i], outside_option=outside[i], curvature=curvature[i], deadline=horizon
        )
        for i in (0, 1)
    )
    return Game(
        Issue(levels=levels),
        parties,
        horizon=horizon,
        first_mover=first_mover,
        breakdown=breakdown,
        allow_exit=allow_exit,
        disagreement=disagreement,
        status_quo=status_quo,
    )


def first_share(result, first_mover) -> np.ndarray:
    """The first proposer's share (linear utilities): party 0 gets x, party 1 gets 1 − x."""
    return np.where(np.asarray(first_mover) == 0, result.x, 1.0 - result.x)


def assert_clean(result) -> None:
    for name in ("x", "realised_x", "utility", "first_offer", "last_offer"):
        assert np.all(np.isfinite(getattr(result, name))), name


DELTA_PAIRS = [
    (0.9, 0.9),
    (0.9, 0.8),
    (0.95, 0.8),
    (0.5, 0.95),
    (0.0, 0.7),
    (1.0, 0.6),
    (1.0, 1.0),
    (0.0, 0.0),
]


@pytest.mark.parametrize("horizon", [1, 2, 3, 4, 5, 10, 11, 30])
def test_selfplay_reproduces_rubinstein_with_a_horizon(horizon):
    d0 = np.array([p[0] for p in DELTA_PAIRS] * 2)
    d1 = np.array([p[1] for p in DELTA_PAIRS] * 2)
    fm = np.repeat([0, 1], len(DELTA_PAIRS))
    game = make_game((d0, d1), horizon=horizon, first_mover=fm)
    result = negotiate(game, (EQ, EQ))
    assert_clean(result)
    assert np.all(result.outcome == OUTCOME_AGREEMENT)
    assert np.all(result.steps == 1)  # immediate agreement
    delta = np.stack([d0, d1], axis=1)
    for i in range(len(fm)):
        first = fm[i]
        expected = theory.rubinstein(delta[i, first], delta[i, 1 - first], horizon=horizon)
        assert first_share(result, fm)[i] == pytest.approx(expected, abs=1e-9)
        # payoffs equal the shares: agreement at step 0, no discounting yet
        assert result.utility[i, first] == pytest.approx(expected, abs=1e-9)


def test_selfplay_long_horizon_approaches_the_infinite_game():
    game = make_game((np.array([0.9, 0.9, 0.95]), np.array([0.9, 0.8, 0.8])), horizon=400)
    result = negotiate(game, (EQ, EQ))
    expected = [0.5263157894736842, 0.7142857142857143, 0.8333333333333334]
    np.testing.assert_allclose(result.x, expected, atol=1e-9)


def test_selfplay_with_curvature_matches_backward_induction_by_hand():
    """H = 2, party 0 first, u0 = x^0.5, u1 = 1 − x, δ = 0.9: at the last step party 1 takes
    all, so party 1 needs 0.9 now and party 0 gets x = 0.1, utility √0.1."""
    game = make_game((0.9, 0.9), horizon=2, curvature=(0.5, 1.0))
    result = negotiate(game, (EQ, EQ))
    assert result.x[0] == pytest.approx(0.1, abs=1e-12)
    assert result.utility[0, 0] == pytest.approx(np.sqrt(0.1), abs=1e-12)


@pytest.mark.parametrize("w2", [0.0, 0.2, 0.4, 0.47, 0.4737, 0.5, 0.6, 0.9, 1.0])
def test_selfplay_reproduces_the_outside_option_principle(w2):
    """T4: δ = 0.9; the responder gets 0.4737 if w2 <= 0.4737, else exactly w2."""
    game = make_game((0.9, 0.9), horizon=400, outside=(0.0, w2), allow_exit=True)
    result = negotiate(game, (EQ, EQ))
    assert_clean(result)
    assert result.outcome[0] == OUTCOME_AGREEMENT and result.steps[0] == 1
    assert result.x[0] == pytest.approx(theory.outside_option(0.9, 0.9, w2), abs=1e-9)
    assert result.utility[0, 1] == pytest.approx(max(w2, 0.9 * 0.1 / 0.19), abs=1e-9)


def test_selfplay_outside_option_with_party_one_first():
    game = make_game((0.9, 0.8), horizon=400, first_mover=1, outside=(0.6, 0.0), allow_exit=True)
    result = negotiate(game, (EQ, EQ))
    # party 1 proposes first: its share is 1 − x
    assert 1.0 - result.x[0] == pytest.approx(theory.outside_option(0.8, 0.9, 0.6), abs=1e-9)


@pytest.mark.parametrize("p", [0.05, 0.1, 0.3, 0.5, 0.9, 1.0])
@pytest.mark.parametrize("first_mover", [0, 1])
def test_selfplay_reproduces_breakdown_risk(p, first_mover):
    """T5 with a long horizon: the finite game misses the stationary share by at most
    (1 − p)^H (each step the remaining weight on the deadline shrinks by 1 − p)."""
    horizon = 300
    b = (0.2, 0.1)
    game = make_game(
        (1.0, 1.0),
        horizon=horizon,
        first_mover=first_mover,
        outside=b,
        breakdown=p,
        allow_exit=False,
    )
    rng = StreamRNG.from_seed(20240601, game.n)
    result = negotiate(game, (EQ, EQ), rng=rng)
    assert_clean(result)
    assert result.outcome[0] == OUTCOME_AGREEMENT and result.steps[0] == 1
    expected = theory.breakdown(p, b[first_mover], b[1 - first_mover])
    tol = max(1e-9, 2 * (1 - p) ** horizon)
    assert first_share(result, first_mover)[0] == pytest.approx(expected, abs=tol)


def test_t5_number_in_the_engine():
    game = make_game((1.0, 1.0), horizon=300, outside=(0.2, 0.1), breakdown=0.1, allow_exit=False)
    result = negotiate(game, (EQ, EQ), rng=StreamRNG.from_seed(7, 1))
    assert result.x[0] == pytest.approx(0.5684, abs=5e-5)


def test_short_horizon_breakdown_error_is_bounded_by_the_residual_weight():
    horizon, p = 20, 0.1
    game = make_game((1.0, 1.0), horizon=horizon, outside=(0.2, 0.1), breakdown=p, allow_exit=False)
    result = negotiate(game, (EQ, EQ), rng=StreamRNG.from_seed(7, 1))
    err = abs(result.x[0] - theory.breakdown(p, 0.2, 0.1))
    assert err <= (1 - p) ** horizon
    assert err > 1e-6  # the finite horizon does matter here


def test_selfplay_is_vectorised_over_a_mixed_batch():
    """Different games in one batch give the same answers as alone."""
    d0 = np.array([0.9, 0.5, 1.0, 0.8])
    d1 = np.array([0.8, 0.95, 0.6, 0.8])
    fm = np.array([0, 1, 1, 0])
    batch = negotiate(make_game((d0, d1), horizon=7, first_mover=fm), (EQ, EQ))
    for i in range(4):
        alone = negotiate(make_game((d0[i], d1[i]), horizon=7, first_mover=fm[i], n=1), (EQ, EQ))
        assert batch.x[i] == alone.x[0]


def test_selfplay_status_quo_disagreement():
    """Status quo 0.7, one offer (ultimatum), δ = 1: the responder (party 1) gets 1 − 0.7 = 0.3
    on rejection, so the proposer offers exactly x = 0.7."""
    game = make_game((1.0, 1.0), horizon=1, disagreement="status_quo", status_quo=0.7)
    result = negotiate(game, (EQ, EQ))
    assert result.x[0] == pytest.approx(0.7, abs=1e-12)
    assert result.outcome[0] == OUTCOME_AGREEMENT


def brute_force_discrete_spe(delta, horizon, first_mover, levels):
    """Backward induction by enumeration over the admissible levels (linear utilities, w = d = 0,
    no breakdown): the proposer takes the level best for itself among those the responder
    weakly prefers to waiting."""
    grid = [k / (levels - 1) for k in range(levels)]
    value = [0.0, 0.0]  # value after the last rejection
    for s in range(horizon - 1, -1, -1):
        prop = (first_mover + s) % 2
        resp = 1 - prop
        reject = [0.0, 0.0] if s == horizon - 1 else [delta[0] * value[0], delta[1] * value[1]]
        u = lambda x, side: x if side == 0 else 1.0 - x  # noqa: E731
        ok = [x for x in grid if u(x, resp) >= reject[resp] - 1e-12]
        best = max(ok, key=lambda x: u(x, prop))
        value = [u(best, 0), u(best, 1)]
        offer = best
    return offer


@pytest.mark.parametrize("levels", [2, 3, 11, 101])
def test_selfplay_on_a_discrete_issue_is_the_discrete_spe(levels):
    d0 = np.array([0.9, 0.9, 0.5, 0.7])
    d1 = np.array([0.9, 0.8, 0.95, 0.3])
    fm = np.array([0, 1, 0, 1])
    result = negotiate(make_game((d0, d1), horizon=12, levels=levels, first_mover=fm), (EQ, EQ))
    assert np.all(result.outcome == OUTCOME_AGREEMENT) and np.all(result.steps == 1)
    for i in range(4):
        expected = brute_force_discrete_spe((d0[i], d1[i]), 12, fm[i], levels)
        assert result.x[i] == pytest.approx(expected, abs=1e-12)


def test_responder_exits_when_its_option_beats_waiting():
    """Scripted check of the exit rule against a proposer that asks for everything."""
    hard = create("hardliner")
    game = make_game((0.9, 0.9), horizon=3, first_mover=1, outside=(0.6, 0.0), allow_exit=True)
    result = negotiate(game, (EQ, hard))
    assert result.outcome[0] == OUTCOME_EXIT and result.exited_by[0] == 0
    assert result.utility[0, 0] == pytest.approx(0.6)


def test_no_nan_at_the_edges():
    edges = [0.0, 1.0]
    for d0 in edges:
        for d1 in edges:
            for p in (0.0, 1.0):
                for horizon in (1, 2, 5):
                    game = make_game((d0, d1), horizon=horizon, outside=(0.3, 0.4), breakdown=p)
                    result = negotiate(game, (EQ, EQ), rng=StreamRNG.from_seed(0, 1))
                    assert_clean(result)
                    assert np.all((result.utility >= 0) & (result.utility <= 1))
