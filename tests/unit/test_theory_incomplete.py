"""Incomplete-information references: published numbers and independent numerical checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy import integrate, optimize

from bargainlab import theory

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
open_unit = st.floats(1e-6, 1 - 1e-6, allow_nan=False)


# ---- screening ------------------------------------------------------------------------------
def test_screening_two_periods_reference():
    res = theory.screening(0.9, 2)
    assert res.cutoffs[0] == pytest.approx(0.8462, abs=5e-5)
    assert res.prices == pytest.approx((0.4654, 0.4231), abs=5e-5)
    assert res.revenue == pytest.approx(0.2327, abs=5e-5)
    assert res.revenue < 0.25


@pytest.mark.parametrize("delta", [0.0, 0.2, 0.5, 0.9, 0.99])
def test_screening_two_periods_closed_form(delta):
    kappa = (2 - delta) / (4 - 3 * delta)
    p1, p2 = kappa * (1 - delta / 2), kappa / 2
    res = theory.screening(delta, 2)
    assert res.cutoffs == pytest.approx((kappa,), rel=1e-12)
    assert res.prices == pytest.approx((p1, p2), rel=1e-12)
    assert res.revenue == pytest.approx(p1 * (1 - kappa) + delta * p2 * (kappa - p2), rel=1e-12)


@pytest.mark.parametrize("delta", [0.0, 0.5, 0.9, 1.0])
def test_screening_one_period_is_static_monopoly(delta):
    res = theory.screening(delta, 1)
    assert res.cutoffs == ()
    assert res.prices == (0.5,)
    assert res.sales == (0.5,)
    assert res.revenue == 0.25


def test_screening_delta_one_is_the_limit():
    res = theory.screening(1.0, 5)
    assert res.cutoffs == (1.0,) * 4
    assert res.prices == (0.5,) * 5
    assert res.revenue == 0.25
    near = theory.screening(1 - 1e-9, 5)
    assert near.cutoffs == pytest.approx(res.cutoffs, abs=1e-7)
    assert near.prices == pytest.approx(res.prices, abs=1e-7)
    assert near.revenue == pytest.approx(0.25, abs=1e-7)


def test_screening_myopic_seller():
    res = theory.screening(0.0, 4)
    assert res.cutoffs == pytest.approx((1 / 2, 1 / 4, 1 / 8), rel=1e-15)
    assert res.prices == pytest.approx((1 / 2, 1 / 4, 1 / 8, 1 / 16), rel=1e-15)


def _seller(delta: float, n: int, k: float) -> tuple[float, float, float]:
    """(value, price, cutoff) with n periods to go and buyers on [0, k], by nested search.

    No linearity and no first-order condition: SciPy's bounded Brent search over the price
    (last period) or the cutoff x, the price that makes buyer x indifferent between buying
    now and at the next period's price P_{n−1}(x) being x − δ·(x − P_{n−1}(x)).
    """
    opts = {"xatol": 1e-12}
    if n == 1:
        res = optimize.minimize_scalar(
            lambda p: -p * (k - p), bounds=(0.0, k), method="bounded", options=opts
        )
        return -res.fun, res.x, res.x

    def total(x: float) -> tuple[float, float]:
        value, price, _ = _seller(delta, n - 1, x)
        now = x - delta * (x - price)
        return now * (k - x) + delta * value, now

    res = optimize.minimize_scalar(
        lambda x: -total(x)[0], bounds=(0.0, k), method="bounded", options=opts
    )
    return -res.fun, total(res.x)[1], res.x


def test_screening_three_periods_nested_search():
    delta = 0.9
    res = theory.screening(delta, 3)
    value, p1, k1 = _seller(delta, 3, 1.0)
    _, p2, k2 = _seller(delta, 2, k1)
    _, p3, _ = _seller(delta, 1, k2)
    assert value == pytest.approx(res.revenue, abs=1e-12)
    assert (p1, p2, p3) == pytest.approx(res.prices, abs=1e-7)
    assert (k1, k2) == pytest.approx(res.cutoffs, abs=1e-7)


def test_screening_three_periods_scipy_first_period():
    """Period 1 of three, given the two-period closed form as the continuation."""
    delta = 0.9
    kappa = (2 - delta) / (4 - 3 * delta)
    q1, q2 = kappa * (1 - delta / 2), kappa / 2  # next price and the one after, per unit of k
    cont = q1 * (1 - kappa) + delta * q2 * (kappa - q2)  # two-period revenue per unit of k²

    def cutoff(p1: float) -> float:  # the buyer indifferent between p1 now and q1·x next
        return optimize.brentq(lambda x: (x - p1) - delta * (x - q1 * x), 0.0, 10.0, xtol=1e-14)

    def neg_revenue(p1: float) -> float:
        x = min(cutoff(p1), 1.0)
        return -(p1 * (1 - x) + delta * cont * x * x)

    opt = optimize.minimize_scalar(
        neg_revenue, bounds=(0.0, 1.0), method="bounded", options={"xatol": 1e-12}
    )
    res = theory.screening(delta, 3)
    assert opt.x == pytest.approx(res.prices[0], abs=1e-6)
    assert cutoff(opt.x) == pytest.approx(res.cutoffs[0], abs=1e-6)
    assert -opt.fun == pytest.approx(res.revenue, abs=1e-10)


@pytest.mark.parametrize(("delta", "periods"), [(0.5, 3), (0.9, 3), (0.9, 6), (0.3, 5)])
def test_screening_buyers_stop_optimally(delta, periods):
    """Every type buys in the period the cutoffs assign it, given the price path."""
    res = theory.screening(delta, periods)
    prices = np.array(res.prices)
    bounds = (1.0, *res.cutoffs, res.prices[-1], 0.0)
    v = np.linspace(0.0, 1.0, 20001)
    surplus = delta ** np.arange(periods)[None, :] * (v[:, None] - prices[None, :])
    surplus = np.concatenate([surplus, np.zeros((v.size, 1))], axis=1)  # last column: never
    chosen = np.argmax(surplus, axis=1)
    for t in range(periods + 1):
        inside = (v < bounds[t] - 1e-9) & (v > bounds[t + 1] + 1e-9)
        assert np.all(chosen[inside] == t)


@pytest.mark.parametrize("delta", [0.3, 0.6, 0.9])
def test_screening_revenue_falls_to_the_stationary_limit(delta):
    s = math.sqrt(1 - delta)
    revenues = np.array([theory.screening(delta, t).revenue for t in range(1, 40)])
    steps = np.diff(revenues)
    assert np.all(steps <= 0)
    limit = s / (2 * (1 + s))  # fixed point of the recursion: δb² + 2(1 − δ)b − (1 − δ) = 0
    assert np.all((steps < 0) | (revenues[1:] - limit < 1e-15))  # strict until converged
    assert np.all(revenues > limit - 1e-15)
    b = 2 * limit
    assert delta * b * b + 2 * (1 - delta) * b - (1 - delta) == pytest.approx(0.0, abs=1e-15)
    res = theory.screening(delta, 1000)
    assert res.revenue_limit == pytest.approx(limit, rel=1e-14)
    assert res.revenue == pytest.approx(res.revenue_limit, abs=1e-10)


@SETTINGS
@given(
    delta=st.one_of(st.sampled_from([0.0, 1e-9, 1 - 1e-9]), open_unit), periods=st.integers(1, 30)
)
def test_screening_properties(delta, periods):
    res = theory.screening(delta, periods)
    prices, cutoffs, sales = map(np.array, (res.prices, res.cutoffs, res.sales))
    assert len(prices) == periods and len(cutoffs) == periods - 1
    assert np.all(np.isfinite(prices)) and math.isfinite(res.revenue)
    assert np.all(np.diff(prices) < 0)
    assert np.all(np.diff(cutoffs) < 0)
    assert np.all((cutoffs > 0) & (cutoffs < 1))
    assert np.all(sales >= 0) and sales.sum() + prices[-1] == pytest.approx(1.0, abs=1e-12)
    assert 0 < res.revenue <= 0.25 + 1e-15
    discounted = sum(delta**t * p * q for t, (p, q) in enumerate(zip(prices, sales, strict=True)))
    assert res.revenue == pytest.approx(discounted, rel=1e-12, abs=1e-300)
    assert res.revenue == pytest.approx(prices[0] / 2, rel=1e-12)
    if periods > 1 and delta > 1e-6:
        assert res.revenue <= theory.screening(delta, periods - 1).revenue + 1e-15  # rounding


@pytest.mark.parametrize(
    ("kwargs", "name", "error"),
    [
        ({"delta": -0.1, "periods": 2}, "delta", ValueError),
        ({"delta": 1.5, "periods": 2}, "delta", ValueError),
        ({"delta": 0.9, "periods": 0}, "periods", ValueError),
        ({"delta": 0.9, "periods": 2.5}, "periods", TypeError),
        ({"delta": float("nan"), "periods": 2}, "delta", ValueError),
    ],
)
def test_screening_rejects_bad_arguments(kwargs, name, error):
    with pytest.raises(error, match=name):
        theory.screening(**kwargs)


# ---- ratchet --------------------------------------------------------------------------------
def test_ratchet_reference():
    res = theory.ratchet(1.0, 0.5, 0.6, 0.9)
    assert res.separating_price == pytest.approx(0.55, abs=1e-12)
    assert res.rent == pytest.approx(0.45, abs=1e-12)
    assert res.revenue_commitment == pytest.approx(1.14, abs=1e-12)
    assert res.revenue_separating == pytest.approx(1.05, abs=1e-12)
    assert res.revenue_pooling == pytest.approx(1.04, abs=1e-12)
    assert res.revenue_pooling > 0.5 * 1.9  # pooling at v_low in both periods: 0.95
    assert res.revenue_semi_separating == pytest.approx(0.74, abs=1e-12)
    assert res.semi_separating_buy_probability == pytest.approx(1 / 3, abs=1e-12)
    assert res.revenue_no_commitment == pytest.approx(1.05, abs=1e-12)


def test_ratchet_semi_separating_is_an_equilibrium():
    vh, vl, p, d = 1.0, 0.5, 0.6, 0.9
    rho = theory.ratchet(vh, vl, p, d).semi_separating_buy_probability
    posterior = p * (1 - rho) / (p * (1 - rho) + 1 - p)  # high, given no purchase
    assert posterior * vh == pytest.approx(vl, abs=1e-12)  # seller indifferent in period 2
    # at P1 = v_high the seller keeps v_high for the non-buyers: high type indifferent (0 = 0)
    revenue = p * rho * vh + d * (p * rho * vh + p * (1 - rho) * vh)
    assert revenue == pytest.approx(0.74, abs=1e-12)


def _ratchet_brute_force(vh, vl, p, d, h=1e-3):
    """Best revenue over first-period prices above v_low, equilibria found on a (P1, ρ) grid."""
    best = -np.inf
    rhos = np.linspace(0.0, 1.0, round(1 / h) + 1)
    sep = vh - d * (vh - vl)
    for p1 in np.unique(np.concatenate([np.linspace(vl + h, vh, 400), [sep, vh]])):
        non_buyers = p * (1 - rhos) + (1 - p)
        gap = p * (1 - rhos) * vh - non_buyers * vl  # charge v_high vs v_low to non-buyers
        eps = p * (vh - vl) * h
        mu_lo = np.where(gap > eps, 0.0, np.where(gap < -eps, 1.0, 0.0))  # P(v_low offered)
        mu_hi = np.where(gap > eps, 0.0, np.where(gap < -eps, 1.0, 1.0))
        buy = vh - p1  # then revealed and charged v_high
        wait_lo, wait_hi = d * mu_lo * (vh - vl), d * mu_hi * (vh - vl)
        ok = np.where(
            rhos == 1.0,
            buy >= wait_lo - 1e-12,
            np.where(
                rhos == 0.0,
                buy <= wait_hi + 1e-12,
                (buy >= wait_lo - 1e-12) & (buy <= wait_hi + 1e-12),
            ),
        )
        period2 = p * rhos * vh + np.maximum(gap, 0.0) + non_buyers * vl
        revenue = p * rhos * p1 + d * period2
        if np.any(ok):
            best = max(best, float(revenue[ok].max()))
    return best


@pytest.mark.parametrize(
    "params",
    [(1.0, 0.5, 0.6, 0.9), (1.0, 0.5, 0.3, 0.9), (2.0, 0.0, 0.4, 0.5), (1.0, 0.2, 0.8, 0.7)],
)
def test_ratchet_brute_force_above_v_low(params):
    res = theory.ratchet(*params)
    brute = _ratchet_brute_force(*params)
    assert brute == pytest.approx(
        max(res.revenue_separating, res.revenue_semi_separating), abs=5e-3
    )


@SETTINGS
@given(vh=st.floats(0.01, 10), frac=st.floats(0, 0.999), p=open_unit, d=st.floats(0, 1))
@example(vh=9.0, frac=1e-16, p=0.75, d=0.0)  # the ratio rounded to 1.0000000000000002
def test_ratchet_properties(vh, frac, p, d):
    vl = frac * vh
    res = theory.ratchet(vh, vl, p, d)
    assert vl <= res.separating_price <= vh
    assert res.rent == pytest.approx(d * (vh - vl), rel=1e-9, abs=1e-12)
    assert 0 <= res.semi_separating_buy_probability <= 1
    tol = 1e-12 * vh
    assert res.revenue_no_commitment <= res.revenue_commitment + tol
    assert res.revenue_no_commitment == max(
        res.revenue_separating, res.revenue_pooling, res.revenue_semi_separating
    )
    if p * vh <= vl:  # the static optimum serves everyone: pooling loses nothing
        assert res.revenue_pooling == pytest.approx(res.revenue_commitment, rel=1e-12)


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((1.0, 1.0, 0.5, 0.9), "v_low"),
        ((1.0, 1.5, 0.5, 0.9), "v_low"),
        ((1.0, -0.1, 0.5, 0.9), "v_low"),
        ((0.0, 0.0, 0.5, 0.9), "v_high"),
        ((1.0, 0.5, 0.0, 0.9), "p_high"),
        ((1.0, 0.5, 1.0, 0.9), "p_high"),
        ((1.0, 0.5, 0.5, 1.1), "delta"),
    ],
)
def test_ratchet_rejects_bad_arguments(args, name):
    with pytest.raises(ValueError, match=name):
        theory.ratchet(*args)


# ---- Abreu–Gul ------------------------------------------------------------------------------
def test_abreu_gul_reference():
    res = theory.abreu_gul((0.6, 0.6), (0.1, 0.1), (0.05, 0.10))
    assert res.hazards == pytest.approx((0.2, 0.2), abs=1e-12)
    assert res.times == pytest.approx((14.98, 11.51), abs=5e-3)
    assert res.weak == 0
    assert res.concede_at_zero == pytest.approx((0.50, 0.0), abs=5e-3)
    assert res.payoffs == pytest.approx((0.40, 0.50), abs=5e-3)
    assert res.end_time == pytest.approx(11.51, abs=5e-3)


def _payoff_of_conceding_at(res, alpha, r, i, t):
    """Rational i's payoff from conceding at t, integrating over j's concession distribution."""
    j = 1 - i
    atom = res.concede_at_zero[j]
    lam = res.hazards[j]
    c = 1.0 - atom
    before, _ = integrate.quad(
        lambda s: alpha[i] * math.exp(-r[i] * s) * c * lam * math.exp(-lam * s),
        0.0,
        t,
        epsabs=1e-13,
        epsrel=1e-12,
    )
    return atom * alpha[i] + before + c * math.exp(-lam * t) * (1 - alpha[j]) * math.exp(-r[i] * t)


@pytest.mark.parametrize(
    ("alpha", "r", "z"),
    [
        ((0.6, 0.6), (0.1, 0.1), (0.05, 0.10)),
        ((0.7, 0.55), (0.05, 0.2), (0.3, 0.02)),
        ((0.9, 0.8), (1.0, 0.5), (0.2, 0.2)),
    ],
)
def test_abreu_gul_indifference_and_common_end(alpha, r, z):
    res = theory.abreu_gul(alpha, r, z)
    w, s = res.weak, 1 - res.weak
    assert res.concede_at_zero[w] == pytest.approx(
        1 - z[w] * math.exp(res.hazards[w] * res.end_time)
    )
    # both are known to be obstinate at T0: survival equals the obstinate mass
    for i in (0, 1):
        survive = (1 - res.concede_at_zero[i]) * math.exp(-res.hazards[i] * res.end_time)
        assert survive == pytest.approx(z[i], rel=1e-10)
    for i in (w, s):
        for t in np.linspace(1e-9, res.end_time, 7):
            assert _payoff_of_conceding_at(res, alpha, r, i, t) == pytest.approx(
                res.payoffs[i], abs=1e-9
            )
    assert res.payoffs[w] == pytest.approx(1 - alpha[s], abs=1e-15)


def test_abreu_gul_tie_and_known_flexibility():
    tie = theory.abreu_gul((0.7, 0.6), (0.1, 0.1), (0.1, 0.1))
    # equal z is no tie here (λ1 = 0.1, λ2 = 0.4/3): choose z2 so that T2 = T1
    lam = tie.hazards
    z2 = math.exp(-lam[1] * (-math.log(0.1) / lam[0]))
    tie = theory.abreu_gul((0.7, 0.6), (0.1, 0.1), (0.1, z2))
    assert tie.concede_at_zero == pytest.approx((0.0, 0.0), abs=1e-12)
    assert tie.payoffs == pytest.approx((0.4, 0.3), abs=1e-12)
    known = theory.abreu_gul((0.7, 0.6), (0.1, 0.1), (1e-12, 0.1))
    assert known.weak == 0
    assert known.concede_at_zero[0] == pytest.approx(1.0, abs=1e-6)
    assert known.payoffs == pytest.approx((0.4, 0.6), abs=1e-6)


pairs = st.tuples(open_unit, open_unit)


@SETTINGS
@given(alpha=pairs, r=st.tuples(st.floats(1e-3, 10), st.floats(1e-3, 10)), z=pairs)
def test_abreu_gul_properties(alpha, r, z):
    if alpha[0] + alpha[1] <= 1 + 1e-6:
        alpha = (1 - alpha[0] / 2, 1 - alpha[1] / 2)
    res = theory.abreu_gul(alpha, r, z)
    w, s = res.weak, 1 - res.weak
    assert all(0 <= u <= 1 for u in res.payoffs)
    assert res.payoffs[w] == pytest.approx(1 - alpha[s])
    assert res.payoffs[s] >= 1 - alpha[w] - 1e-15
    assert res.concede_at_zero[s] == 0.0 and 0 <= res.concede_at_zero[w] < 1
    assert res.times[w] >= res.times[s] == res.end_time
    swapped = theory.abreu_gul(alpha[::-1], r[::-1], z[::-1])
    assert swapped.payoffs == pytest.approx(res.payoffs[::-1], rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(
    ("args", "name", "error"),
    [
        (((0.5, 0.5), (0.1, 0.1), (0.1, 0.1)), "alpha", ValueError),
        (((0.4, 0.3), (0.1, 0.1), (0.1, 0.1)), "alpha", ValueError),
        (((1.0, 0.6), (0.1, 0.1), (0.1, 0.1)), "alpha1", ValueError),
        (((0.6, 0.6), (0.0, 0.1), (0.1, 0.1)), "r1", ValueError),
        (((0.6, 0.6), (0.1, 0.1), (0.1, 0.0)), "z2", ValueError),
        (((0.6, 0.6), (0.1, 0.1), (1.0, 0.5)), "z1", ValueError),
        (((0.6, 0.6, 0.6), (0.1, 0.1), (0.1, 0.1)), "alpha", ValueError),
        ((0.6, (0.1, 0.1), (0.1, 0.1)), "alpha", TypeError),
    ],
)
def test_abreu_gul_rejects_bad_arguments(args, name, error):
    with pytest.raises(error, match=name):
        theory.abreu_gul(*args)


# ---- Kreps–Wilson ---------------------------------------------------------------------------
def test_kreps_wilson_reference():
    assert theory.kreps_wilson(0.5, 0.1) == pytest.approx(3.32, abs=5e-3)
    assert theory.kreps_wilson(0.5, 1.0) == 0.0


@SETTINGS
@given(beta=st.floats(0.01, 0.99), p=st.floats(1e-4, 1.0), m=st.integers(1, 60))
def test_kreps_wilson_posterior_after_a_fight(beta, p, m):
    sigma = theory.kreps_wilson_fight_probability(beta, p, m)
    assert 0 <= sigma <= 1
    posterior = p / (p + (1 - p) * sigma)
    if p < beta ** (m - 1):
        assert posterior == pytest.approx(beta ** (m - 1), rel=1e-9)
    else:
        assert sigma == 1.0 and posterior == pytest.approx(p)


@pytest.mark.parametrize(("beta", "p"), [(0.5, 0.1), (0.8, 0.05), (0.3, 0.2), (0.9, 0.01)])
def test_kreps_wilson_entry_rounds(beta, p):
    """The entrant enters iff fought with probability below β̄; count those rounds."""
    horizon = 200
    fought = [
        p + (1 - p) * theory.kreps_wilson_fight_probability(beta, p, m)
        for m in range(1, horizon + 1)
    ]
    entries = sum(f < beta for f in fought)
    rounds = theory.kreps_wilson(beta, p)
    assert entries == math.floor(rounds)  # the rounds m < ln p / ln β̄
    assert theory.kreps_wilson_fight_probability(beta, p, 1) == 0.0


@pytest.mark.parametrize(
    ("args", "name", "error"),
    [
        ((0.0, 0.1), "beta_bar", ValueError),
        ((1.0, 0.1), "beta_bar", ValueError),
        ((0.5, 0.0), "p", ValueError),
        ((0.5, 1.2), "p", ValueError),
    ],
)
def test_kreps_wilson_rejects_bad_arguments(args, name, error):
    with pytest.raises(error, match=name):
        theory.kreps_wilson(*args)
    with pytest.raises(error, match=name):
        theory.kreps_wilson_fight_probability(*args, 3)


@pytest.mark.parametrize(("m", "error"), [(0, ValueError), (1.5, TypeError)])
def test_kreps_wilson_fight_probability_rejects_bad_rounds(m, error):
    with pytest.raises(error, match="m"):
        theory.kreps_wilson_fight_probability(0.5, 0.1, m)
