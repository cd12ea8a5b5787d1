"""The skimming equilibrium played on the engine reproduces theory.screening.

Tolerances. With N replicates the revenue's Monte Carlo standard error is the sample SD over
√N (reported by the play), a sales share's is √(s(1 − s)/N); we allow 4 of them. The grid
error: the seller's posterior upper end after a rejection is the largest grid value below
the cutoff, so it is low by less than one grid step h, and after t rejections by less than
t·h (each period's cutoff is c < 1 times the last upper end, then snapped again). Prices are
b ≤ 1 times those upper ends, so the price of period t + 1 is low by less than t·h, and a
buyer buys in another period than the closed form only if its value lies within t·h of a
cutoff.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from bargainlab import theory
from bargainlab.equilibrium import play_screening
from bargainlab.equilibrium.screening import (
    SkimmingBuyer,
    closed_form_purchases,
    skimming_coefficients,
)

DELTA, PERIODS, N, GRID = 0.9, 3, 8_000, 401


@pytest.fixture(scope="module")
def played():
    return play_screening(DELTA, PERIODS, replicates=N, seed=11, grid=GRID)


def test_revenue_and_sales_match_the_closed_form(played):
    ref = theory.screening(DELTA, PERIODS)
    h = played.grid_step
    assert played.revenue == pytest.approx(ref.revenue, abs=4 * played.revenue_se + PERIODS * h)
    for t, (s, s_ref) in enumerate(zip(played.sales, ref.sales, strict=True)):
        se = math.sqrt(s_ref * (1 - s_ref) / N)
        assert s == pytest.approx(s_ref, abs=4 * se + 2 * (t + 1) * h)


def test_prices_and_posterior_upper_ends_within_the_grid_error(played):
    ref = theory.screening(DELTA, PERIODS)
    h = played.grid_step
    assert played.prices[0] == pytest.approx(ref.prices[0], abs=1e-12)  # the prior's upper end: 1
    for t in range(1, PERIODS):
        assert ref.prices[t] - t * h <= played.prices[t] <= ref.prices[t] + 1e-12
    for t, (upper, cutoff) in enumerate(zip(played.posterior_upper, ref.cutoffs, strict=True)):
        assert cutoff - (t + 1) * h <= upper < cutoff  # never above: the cutoff type buys


def test_same_buyers_as_the_closed_form_up_to_the_grid(played):
    """On the same draws the closed form's outcome has no Monte Carlo error left: the play
    differs from it only where the grid moves a price or a cutoff."""
    h = played.grid_step
    expected, ref_paid = closed_form_purchases(played.values, DELTA, PERIODS)
    moved = expected != played.purchase_period
    band = sum(t * h for t in range(1, PERIODS + 1))  # the values within t·h of cutoff t
    assert moved.mean() <= 2 * band
    same = ~moved
    assert np.all(np.abs(played.paid[same] - ref_paid[same]) <= PERIODS * h)
    ref_revenue = DELTA ** np.maximum(expected, 0) * ref_paid
    assert played.revenue == pytest.approx(ref_revenue.mean(), abs=PERIODS * h + moved.mean())


def test_posterior_after_a_first_rejection_is_uniform_below_the_cutoff(played):
    kappa = theory.screening(DELTA, PERIODS).cutoffs[0]
    v, mass, h = played.grid_values, played.posteriors[0], played.grid_step
    assert mass.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(mass[v >= kappa] == 0.0)  # the cutoff and above would have bought
    inside = mass[v < kappa]
    assert inside.size == pytest.approx(kappa / h, abs=1.0)
    assert np.ptp(inside) <= 1e-12 * inside.max()  # flat: a uniform prior, a flat likelihood


def test_buyers_stop_optimally_against_the_posted_prices(played):
    """Against the price path actually posted, each buyer's purchase period maximises its
    discounted surplus δ^t·(v − p_t) (or it never buys), except within the grid band."""
    prices = np.array(played.prices)
    v = played.values[:, None]
    surplus = DELTA ** np.arange(PERIODS)[None, :] * (v - prices[None, :])
    surplus = np.concatenate([surplus, np.zeros((v.shape[0], 1))], axis=1)
    best = np.argmax(surplus, axis=1)
    best = np.where(best == PERIODS, -1, best)
    achieved = surplus[np.arange(v.shape[0]), np.where(played.purchase_period < 0, PERIODS,
                                                       played.purchase_period)]  # fmt: skip
    loss = surplus.max(axis=1) - achieved
    assert np.mean(best != played.purchase_period) <= 2 * PERIODS * played.grid_step
    assert loss.max() <= PERIODS * played.grid_step  # a buyer that errs loses at most that


def test_a_wrong_discount_factor_is_detected(played):
    """The tolerances are tight enough to tell δ = 0.9 from δ = 0.8."""
    wrong = theory.screening(0.8, PERIODS)
    h = played.grid_step
    gaps = [abs(s - w) - 4 * math.sqrt(w * (1 - w) / N) - 2 * (t + 1) * h
            for t, (s, w) in enumerate(zip(played.sales, wrong.sales, strict=True))]  # fmt: skip
    assert max(gaps) > 0.02


def test_no_other_first_price_does_better_by_play():
    """A one-shot deviation in the first price (followed by the equilibrium rules) loses
    revenue on the same buyers. The loss of ±0.1 is about ½·|R''|·0.1² ≈ 0.01 for T = 2
    (R'' = −2/γ + δ/(2γ²) ≈ −2.15), against a Monte Carlo error of the paired difference of
    about 0.001 (only buyers within 0.1/γ of the cutoff change period)."""
    ref = theory.screening(DELTA, 2)
    base = play_screening(DELTA, 2, replicates=6_000, seed=5, grid=201)
    assert base.prices[0] == pytest.approx(ref.prices[0], abs=1e-12)
    for shift in (-0.1, 0.1):
        other = play_screening(
            DELTA, 2, replicates=6_000, seed=5, grid=201, first_price=ref.prices[0] + shift
        )
        assert np.array_equal(other.values, base.values)  # the same buyers
        assert base.revenue - other.revenue > 0.005


def test_closed_form_purchases_by_hand():
    ref = theory.screening(0.9, 2)  # κ1 = 0.8462, p1 = 0.4654, p2 = 0.4231
    values = np.array([0.9, ref.cutoffs[0], 0.6, ref.prices[1], 0.1])
    period, paid = closed_form_purchases(values, 0.9, 2)
    assert list(period) == [0, 0, 1, 1, -1]
    assert list(paid) == [ref.prices[0], ref.prices[0], ref.prices[1], ref.prices[1], 0.0]


def test_coefficients_and_the_buyers_cutoff_rule():
    b, gamma = skimming_coefficients(DELTA, 4)
    for n in range(1, 5):
        res = theory.screening(DELTA, n)
        assert b[n - 1] == pytest.approx(res.prices[0], rel=1e-14)
        if n > 1:  # the cutoff a price b_n induces is c_n
            assert b[n - 1] / gamma[n - 1] == pytest.approx(res.cutoffs[0], rel=1e-12)
    buyer = SkimmingBuyer(DELTA, 4)
    assert buyer.cutoff(np.array([b[3]]), 0)[0] == pytest.approx(
        theory.screening(DELTA, 4).cutoffs[0]
    )
    assert buyer.cutoff(np.array([0.3]), 3)[0] == pytest.approx(0.3)  # last period: v >= p


def test_one_period_and_myopic_limits():
    one = play_screening(0.9, 1, replicates=2_000, seed=1, grid=51)
    assert one.prices == (0.5,) and one.posterior_upper == ()
    assert one.sales[0] == pytest.approx(0.5, abs=4 * math.sqrt(0.25 / 2_000))
    myopic = play_screening(0.0, 2, replicates=2_000, seed=1, grid=51)
    assert myopic.revenue == pytest.approx(np.mean(np.where(myopic.values >= 0.5, 0.5, 0.0)))


def test_seeded_and_reproducible():
    a = play_screening(0.5, 2, replicates=500, seed=3, grid=51)
    b = play_screening(0.5, 2, replicates=500, seed=3, grid=51)
    c = play_screening(0.5, 2, replicates=500, seed=4, grid=51)
    assert a.revenue == b.revenue and np.array_equal(a.values, b.values)
    assert not np.array_equal(a.values, c.values)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"delta": 1.2}, "delta"),
        ({"periods": 0}, "periods"),
        ({"replicates": 0}, "replicates"),
        ({"grid": 2}, "grid"),
        ({"first_price": 1.5}, "first_price"),
    ],
)
def test_rejects_bad_arguments(kwargs, name):
    args = {"delta": 0.9, "periods": 2, "replicates": 10, "grid": 11} | kwargs
    with pytest.raises(ValueError, match=name):
        play_screening(**args)
