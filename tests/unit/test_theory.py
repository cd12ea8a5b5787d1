"""Closed-form references against the published numbers (T1–T7, T12 of the documentation's
model page) and independent derivations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bargainlab import theory
from bargainlab.strategies.tactics import genius_target


def stahl_recursion(horizon: int, delta_p: float, delta_o: float) -> float:
    """x(T; δp, δo) = 1 − δo·x(T − 1; δo, δp), x(1) = 1, written out naively."""
    shares = {}
    for t in range(1, horizon + 1):
        # x(t) for the proposer of a t-offer game: parity decides whose delta is whose
        shares[t] = (
            1.0 if t == 1 else 1.0 - (delta_o if t % 2 == horizon % 2 else delta_p) * shares[t - 1]
        )
    return shares[horizon]


# ---- T1 Rubinstein ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("delta1", "delta2", "expected"),
    [(0.9, 0.9, 0.5263), (0.9, 0.8, 0.7143), (0.95, 0.8, 0.8333)],
)
def test_t1_rubinstein(delta1, delta2, expected):
    assert theory.rubinstein(delta1, delta2) == pytest.approx(expected, abs=5e-5)
    assert theory.rubinstein(delta1, delta2) == pytest.approx(
        (1 - delta2) / (1 - delta1 * delta2), rel=1e-14
    )


def test_common_delta_is_one_over_one_plus_delta():
    for d in (0.0, 0.3, 0.9, 0.999):
        assert theory.rubinstein(d, d) == pytest.approx(1 / (1 + d), rel=1e-13)


# ---- T2 limit to Nash -------------------------------------------------------------------------
@pytest.mark.parametrize(("step", "expected"), [(1.0, 0.6832), (0.1, 0.6683), (0.01, 0.6668)])
def test_t2_short_periods_approach_asymmetric_nash(step, expected):
    r1, r2 = 0.05, 0.10
    x = theory.rubinstein(math.exp(-r1 * step), math.exp(-r2 * step))
    assert x == pytest.approx(expected, abs=5e-5)


def test_t2_limit_is_nash_with_power_two_thirds():
    r1, r2 = 0.05, 0.10
    x = theory.rubinstein(math.exp(-r1 * 1e-6), math.exp(-r2 * 1e-6))
    u1, _ = theory.nash(0.0, 0.0, power=r2 / (r1 + r2))
    assert x == pytest.approx(2 / 3, abs=1e-6)
    assert u1 == pytest.approx(2 / 3, abs=1e-15)


# ---- T3 Ståhl ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("horizon", "expected"), [(1, 1.0), (2, 0.1), (3, 0.91), (4, 0.181), (10, 0.3428)]
)
def test_t3_stahl_common_delta(horizon, expected):
    assert theory.rubinstein(0.9, 0.9, horizon=horizon) == pytest.approx(expected, abs=5e-5)


def test_t3_stahl_asymmetric():
    assert theory.rubinstein(0.9, 0.8, horizon=3) == pytest.approx(0.92, abs=1e-14)


@pytest.mark.parametrize("delta", [0.0, 0.25, 0.5, 0.9, 0.99, 1.0])
@pytest.mark.parametrize("horizon", [1, 2, 3, 4, 5, 10, 11, 50, 51])
def test_stahl_closed_form_for_common_delta(delta, horizon):
    """Derived: with a common δ, x(T) = (1 − (−δ)^T)/(1 + δ)."""
    expected = (1 - (-delta) ** horizon) / (1 + delta)
    assert theory.rubinstein(delta, delta, horizon=horizon) == pytest.approx(expected, abs=1e-13)


@pytest.mark.parametrize(
    ("delta1", "delta2"),
    [(0.9, 0.8), (0.3, 0.95), (1.0, 0.5), (0.5, 1.0), (0.0, 0.7), (0.99, 0.999)],
)
@pytest.mark.parametrize("horizon", [1, 2, 3, 6, 7, 40, 41])
def test_finite_horizon_matches_the_recursion(delta1, delta2, horizon):
    expected = stahl_recursion(horizon, delta1, delta2)
    assert theory.rubinstein(delta1, delta2, horizon=horizon) == pytest.approx(expected, abs=1e-13)


@pytest.mark.parametrize(("delta1", "delta2"), [(0.9, 0.9), (0.9, 0.8), (0.5, 0.95)])
def test_finite_horizon_converges_to_the_infinite_game(delta1, delta2):
    infinite = theory.rubinstein(delta1, delta2)
    errors = [
        abs(theory.rubinstein(delta1, delta2, horizon=t) - infinite)
        for t in (10, 11, 50, 51, 500, 501)
    ]
    assert errors[-1] < 1e-12 and errors[-2] < 1e-12
    # the error shrinks by δ1·δ2 every two offers
    assert errors[2] < errors[0] and errors[3] < errors[1]


def test_very_long_horizon_is_fast_and_exact():
    assert theory.rubinstein(0.9, 0.8, horizon=10**12) == pytest.approx(
        theory.rubinstein(0.9, 0.8), abs=1e-15
    )
    assert (
        theory.rubinstein(1.0, 1.0, horizon=10**12) == 0.0
    )  # even T: the last proposer (2) takes all


def test_ultimatum_and_degenerate_discounts():
    assert theory.rubinstein(0.3, 0.7, horizon=1) == 1.0
    assert theory.rubinstein(0.0, 0.0) == 1.0
    assert theory.rubinstein(1.0, 0.5) == 1.0
    assert theory.rubinstein(0.5, 1.0) == 0.0
    assert theory.rubinstein(1.0, 1.0, horizon=7) == 1.0  # odd T, no impatience: last proposer wins
    assert theory.rubinstein(1.0, 1.0, horizon=8) == 0.0


def test_infinite_game_without_discounting_raises():
    with pytest.raises(ValueError, match=r"delta1 and delta2 must not both be 1"):
        theory.rubinstein(1.0, 1.0)


# ---- T4 outside option ------------------------------------------------------------------------
@pytest.mark.parametrize("w2", [0.0, 0.2, 0.47368, 0.9 * 0.1 / 0.19])
def test_t4_option_below_the_rubinstein_share_is_irrelevant(w2):
    assert 1 - theory.outside_option(0.9, 0.9, w2) == pytest.approx(0.9 * 0.1 / 0.19, rel=1e-14)
    assert 1 - theory.outside_option(0.9, 0.9, w2) == pytest.approx(0.4737, abs=5e-5)


@pytest.mark.parametrize("w2", [0.4737, 0.5, 0.8, 1.0])
def test_t4_binding_option_gives_exactly_w(w2):
    """0.4737 is just above the exact threshold 0.473684..., so it binds."""
    assert 1 - theory.outside_option(0.9, 0.9, w2) == pytest.approx(w2, abs=1e-15)


def test_t4_nash_with_threat_point_w_is_not_the_outside_option_principle():
    """An NBS with d = (0, w) gives the responder more than w: it must disagree with BSS."""
    w2 = 0.3
    _, u2_nash = theory.nash(0.0, w2)
    assert u2_nash == pytest.approx(0.65)
    assert 1 - theory.outside_option(0.9, 0.9, w2) != pytest.approx(u2_nash, abs=1e-3)


def test_outside_option_with_unequal_discounts():
    # responder's Rubinstein share is δ2(1 − δ1)/(1 − δ1δ2)
    share = 0.8 * (1 - 0.9) / (1 - 0.72)
    assert 1 - theory.outside_option(0.9, 0.8, 0.1) == pytest.approx(share, rel=1e-14)
    assert 1 - theory.outside_option(0.9, 0.8, 0.5) == pytest.approx(0.5, abs=1e-15)


# ---- T5 breakdown -----------------------------------------------------------------------------
def test_t5_breakdown():
    assert theory.breakdown(0.1, 0.2, 0.1) == pytest.approx(0.5684, abs=5e-5)
    assert theory.breakdown(0.1, 0.2, 0.1) == pytest.approx(1.08 / 1.9, rel=1e-14)


def test_t5_breakdown_tends_to_split_the_difference():
    assert theory.breakdown(0.0, 0.2, 0.1) == pytest.approx(0.55, abs=1e-15)
    assert theory.breakdown(1e-9, 0.2, 0.1) == pytest.approx(0.55, abs=1e-9)


def test_breakdown_edges():
    # p = 1: an ultimatum in which rejection gives the breakdown payoffs
    assert theory.breakdown(1.0, 0.2, 0.1) == pytest.approx(0.9, abs=1e-15)
    assert theory.breakdown(0.5, 0.0, 0.0) == pytest.approx(1 / 1.5)
    assert theory.breakdown(0.3, 0.6, 0.4) == pytest.approx((1 + 0.7 * 0.6 - 0.4) / 1.7)


def test_breakdown_requires_payoffs_within_the_pie():
    with pytest.raises(ValueError, match=r"b1 \+ b2 must be at most 1"):
        theory.breakdown(0.1, 0.6, 0.5)


# ---- T6 / T7 axiomatic solutions ----------------------------------------------------------------
@pytest.mark.parametrize(("power", "expected"), [(0.5, 0.55), (0.7, 0.69)])
def test_t6_nash_linear(power, expected):
    u1, u2 = theory.nash(0.2, 0.1, power=power)
    assert u1 == pytest.approx(expected, abs=1e-14)
    assert u1 + u2 == pytest.approx(1.0, abs=1e-15)


def test_t6_nash_with_square_root_utility_gives_one_third():
    """u1 = √x, u2 = 1 − x: the utility frontier is u2 = 1 − u1²; the share x = a/(1+a) = 1/3."""
    u1, u2 = theory.nash(0.0, 0.0, frontier=lambda u: 1.0 - u * u)
    assert u1**2 == pytest.approx(1 / 3, abs=1e-7)
    assert u2 == pytest.approx(2 / 3, abs=1e-7)


def test_nash_general_frontier_agrees_with_the_closed_form_on_a_line():
    for d1, d2, power in [(0.2, 0.1, 0.5), (0.2, 0.1, 0.7), (0.0, 0.5, 0.3), (0.4, 0.0, 0.9)]:
        closed = theory.nash(d1, d2, power)
        numeric = theory.nash(d1, d2, power, frontier=lambda u: 1.0 - u)
        assert numeric == pytest.approx(closed, abs=1e-7)


def test_t7_frontier_quadratic():
    nash = theory.nash(0.0, 0.0, frontier=lambda u: 1.0 - u * u)
    ks = theory.kalai_smorodinsky(0.0, 0.0, frontier=lambda u: 1.0 - u * u)
    assert nash == pytest.approx((0.5774, 0.6667), abs=5e-5)
    assert ks == pytest.approx((0.6180, 0.6180), abs=5e-5)
    assert ks[0] == pytest.approx((math.sqrt(5) - 1) / 2, abs=1e-12)


def test_kalai_smorodinsky_linear_splits_the_surplus():
    assert theory.kalai_smorodinsky(0.2, 0.1) == pytest.approx((0.55, 0.45), abs=1e-15)
    numeric = theory.kalai_smorodinsky(0.2, 0.1, frontier=lambda u: 1.0 - u)
    assert numeric == pytest.approx((0.55, 0.45), abs=1e-12)


def test_kalai_smorodinsky_with_a_disagreement_point_uses_the_restricted_ideal():
    """d = (0.3, 0.2) on u2 = 1 − u1²: a1 = √0.8, a2 = 1 − 0.09 = 0.91; the point lies on the
    ray from d to a."""
    f = lambda u: 1.0 - u * u  # noqa: E731
    u1, u2 = theory.kalai_smorodinsky(0.3, 0.2, frontier=f)
    a1, a2 = math.sqrt(0.8), 0.91
    assert u2 == pytest.approx(f(u1), abs=1e-15)
    assert (u1 - 0.3) * (a2 - 0.2) == pytest.approx((u2 - 0.2) * (a1 - 0.3), abs=1e-12)


def test_nash_power_at_the_ends():
    assert theory.nash(0.2, 0.1, power=1.0) == pytest.approx((0.9, 0.1))
    assert theory.nash(0.2, 0.1, power=0.0) == pytest.approx((0.2, 0.8))
    f = lambda u: 1.0 - u * u  # noqa: E731
    u1, u2 = theory.nash(0.2, 0.1, power=1.0, frontier=f)
    assert (u1, u2) == pytest.approx((math.sqrt(0.9), 0.1), abs=1e-12)
    assert theory.nash(0.2, 0.1, power=0.0, frontier=f) == pytest.approx((0.2, 0.96))


@pytest.mark.parametrize("solver", [theory.nash, theory.kalai_smorodinsky])
@pytest.mark.parametrize(("d1", "d2"), [(0.5, 0.5), (0.7, 0.4), (1.0, 0.0)])
def test_no_feasible_agreement_above_the_disagreement_point(solver, d1, d2):
    with pytest.raises(ValueError, match="no feasible agreement strictly above"):
        solver(d1, d2)
    with pytest.raises(ValueError, match="no feasible agreement strictly above"):
        solver(d1, d2, frontier=lambda u: 1.0 - u)


@pytest.mark.parametrize("solver", [theory.nash, theory.kalai_smorodinsky])
def test_bad_frontiers(solver):
    with pytest.raises(TypeError, match="frontier must be a callable"):
        solver(0.0, 0.0, frontier=0.5)
    with pytest.raises(ValueError, match="non-increasing"):
        solver(0.0, 0.0, frontier=lambda u: u)
    with pytest.raises(ValueError, match=r"into \[0, 1\]"):
        solver(0.0, 0.0, frontier=lambda u: float("nan"))
    with pytest.raises(ValueError, match=r"into \[0, 1\]"):
        solver(0.0, 0.0, frontier=lambda u: 2.0 - u)


# ---- T12 Genius tactic ----------------------------------------------------------------------
@pytest.mark.parametrize(("e", "expected"), [(0.2, 0.975), (1.0, 0.6), (2.0, 0.4343)])
def test_t12_genius_target(e, expected):
    got = genius_target(np.array([0.5]), e, 0.0, np.array([0.2]), 1.0)
    assert got[0] == pytest.approx(expected, abs=5e-5)


@pytest.mark.parametrize("e", [0.2, 0.25, 2.0, 4.0, 1.3])
def test_genius_target_of_a_batch_at_one_time_is_each_replicate_alone(e):
    """The power is computed once when every replicate is at the same time; each replicate
    must still get the bits it gets alone and in a batch at mixed times."""
    rng = np.random.default_rng(7)
    p_min = rng.uniform(0.0, 0.5, 257)
    for t in rng.uniform(0.0, 1.0, 50):
        batch = genius_target(np.full(257, t), e, 0.1, p_min, 1.0)
        mixed = genius_target(np.r_[t, rng.uniform(0.0, 1.0, 256)], e, 0.1, p_min, 1.0)
        alone = [
            genius_target(np.array([t, t + 1e-3]), e, 0.1, p_min[i : i + 2], 1.0)[0] for i in (0, 5)
        ]
        assert batch[0] == mixed[0] == alone[0]
        assert batch[5] == alone[1]


# ---- argument checking ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: theory.rubinstein(1.2, 0.9), r"delta1 must lie in \[0, 1\]"),
        (lambda: theory.rubinstein(0.9, -0.1), r"delta2 must lie in \[0, 1\]"),
        (lambda: theory.rubinstein(0.9, float("nan")), r"delta2 must be finite"),
        (lambda: theory.rubinstein(0.9, 0.9, horizon=0), r"horizon must lie in \[1, inf\]"),
        (lambda: theory.rubinstein(0.9, 0.9, horizon=-3), r"horizon must lie in \[1, inf\]"),
        (lambda: theory.outside_option(0.9, 1.5, 0.2), r"delta2 must lie in \[0, 1\]"),
        (lambda: theory.outside_option(0.9, 0.9, 1.2), r"w2 must lie in \[0, 1\]"),
        (lambda: theory.outside_option(1.0, 1.0, 0.2), r"delta1 and delta2"),
        (lambda: theory.breakdown(1.1, 0.2, 0.1), r"p must lie in \[0, 1\]"),
        (lambda: theory.breakdown(0.1, -0.2, 0.1), r"b1 must lie in \[0, 1\]"),
        (lambda: theory.breakdown(0.1, 0.2, 1.1), r"b2 must lie in \[0, 1\]"),
        (lambda: theory.nash(0.2, 0.1, power=1.5), r"power must lie in \[0, 1\]"),
        (lambda: theory.nash(-0.2, 0.1), r"d1 must lie in \[0, 1\]"),
        (lambda: theory.kalai_smorodinsky(0.2, 1.1), r"d2 must lie in \[0, 1\]"),
    ],
)
def test_out_of_range_arguments_raise_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: theory.rubinstein("0.9", 0.9), "delta1"),
        (lambda: theory.rubinstein(0.9, None), "delta2"),
        (lambda: theory.rubinstein(True, 0.9), "delta1"),
        (lambda: theory.rubinstein(0.9, 0.9, horizon=2.5), "horizon must be an integer"),
        (lambda: theory.rubinstein(0.9, 0.9, horizon="3"), "horizon"),
        (lambda: theory.outside_option(0.9, 0.9, [0.2, 0.3]), "w2"),
        (lambda: theory.breakdown(None, 0.2, 0.1), "p must be"),
        (lambda: theory.nash(0.2, 0.1, power="half"), "power"),
    ],
)
def test_wrong_types_raise_type_error(call, match):
    with pytest.raises(TypeError, match=match):
        call()


# ---- no NaN or infinity at the edges ----------------------------------------------------------
def test_edges_are_finite():
    values = []
    for d1 in (0.0, 0.5, 1.0):
        for d2 in (0.0, 0.5, 1.0):
            for horizon in (1, 2, 3, 100):
                values.append(theory.rubinstein(d1, d2, horizon=horizon))
            if not (d1 == 1.0 and d2 == 1.0):
                values.append(theory.rubinstein(d1, d2))
                for w2 in (0.0, 0.5, 1.0):
                    values.append(theory.outside_option(d1, d2, w2))
    for p in (0.0, 1.0):
        for b1, b2 in [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (0.5, 0.5)]:
            values.append(theory.breakdown(p, b1, b2))
    values += theory.nash(0.0, 0.0) + theory.nash(0.999, 0.0) + theory.kalai_smorodinsky(0.0, 0.999)
    arr = np.array(values)
    assert np.all(np.isfinite(arr)) and np.all(arr >= 0.0) and np.all(arr <= 1.0)


# ---- the batched backward induction -------------------------------------------------------------
def test_spe_thresholds_reproduce_stahl_over_a_batch():
    d0 = np.array([0.9, 0.9, 0.5, 0.0, 1.0, 0.95])
    d1 = np.array([0.9, 0.8, 0.95, 0.7, 0.4, 1.0])
    horizon = np.array([1, 4, 7, 3, 10, 25])
    fm = np.array([0, 1, 0, 1, 0, 1])
    tab = theory.spe_thresholds((d0, d1), (0.0, 0.0), (0.0, 0.0), horizon, first_mover=fm)
    assert tab.offer.shape == (6, 25)
    for i in range(6):
        delta = (d0[i], d1[i])
        first = fm[i]
        expected = theory.rubinstein(delta[first], delta[1 - first], horizon=int(horizon[i]))
        assert tab.value[i, first] == pytest.approx(expected, abs=1e-12)
        assert tab.value[i, 1 - first] == pytest.approx(1 - expected, abs=1e-12)
        assert tab.agree[i, 0]


def test_spe_thresholds_exit_when_the_option_beats_waiting():
    """Hand-worked: H = 3, party 1 proposes first, δ = 0.9, w = (0.6, 0). Backward:
    s = 2: 0 gets R = 0.6; s = 1: 1 gets 0.9·0.4 = 0.36, 0 proposes 0.64;
    s = 0: C_0 = 0.9·0.64 = 0.576 < 0.6, so 0 would exit and 1 offers exactly 0.6."""
    tab = theory.spe_thresholds((0.9, 0.9), (0.6, 0.0), (0.6, 0.0), 3, first_mover=1)
    assert tab.exit[0].tolist() == [True, False, False]
    assert tab.rejection_value[0] == pytest.approx([0.6, 0.36, 0.6])
    assert tab.offer[0] == pytest.approx([0.6, 0.64, 0.6])
    assert tab.value[0] == pytest.approx([0.6, 0.4])


def test_spe_thresholds_proposer_prefers_breakdown_when_options_exceed_the_pie():
    tab = theory.spe_thresholds((0.9, 0.9), (0.7, 0.6), (0.7, 0.6), 2, allow_exit=True)
    assert not tab.agree[0].any()
    assert tab.offer[0].tolist() == [1.0, 0.0]  # ideal offers
    assert tab.value[0] == pytest.approx([0.7, 0.6])


def test_spe_thresholds_validate_arguments():
    with pytest.raises(ValueError, match=r"delta\[1\] must lie in \[0, 1\]"):
        theory.spe_thresholds((0.9, 1.2), (0.0, 0.0), (0.0, 0.0), 3)
    with pytest.raises(ValueError, match=r"horizon must lie in \[1, inf\]"):
        theory.spe_thresholds((0.9, 0.9), (0.0, 0.0), (0.0, 0.0), 0)
    with pytest.raises(TypeError, match="outside_option must be a pair"):
        theory.spe_thresholds((0.9, 0.9), 0.0, (0.0, 0.0), 3)
    with pytest.raises(ValueError, match="breakdown"):
        theory.spe_thresholds((0.9, 0.9), (0.0, 0.0), (0.0, 0.0), 3, breakdown=2.0)
    with pytest.raises(TypeError, match="allow_exit"):
        theory.spe_thresholds((0.9, 0.9), (0.0, 0.0), (0.0, 0.0), 3, allow_exit=1)
