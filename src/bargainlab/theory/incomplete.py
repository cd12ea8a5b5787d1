"""Closed-form and backward-induction references for bargaining under incomplete information.

* :func:`screening` -- the seller-offers skimming (Coasian durable-good) equilibrium with a
  uniform buyer (Sobel & Takahashi 1983; Fudenberg & Tirole 1991, §10.2);
* :func:`ratchet` -- the two-type, two-period ratchet effect without commitment
  (Freixas, Guesnerie & Tirole 1985; Fudenberg & Tirole 1991, §9.3);
* :func:`abreu_gul` -- the war of attrition between players who may be obstinate
  (Abreu & Gul 2000), and :func:`kreps_wilson`, :func:`kreps_wilson_fight_probability` --
  chain-store reputation (Kreps & Wilson 1982; Milgrom & Roberts 1982): in
  :mod:`bargainlab.theory.reputation`, importable from here.

Invalid arguments raise ``TypeError`` (wrong type) or ``ValueError`` (out of range, naming
the argument and the allowed range); no function returns NaN or infinity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..support.validation import check_scalar
from .reputation import AbreuGul, abreu_gul, kreps_wilson, kreps_wilson_fight_probability


# ---- screening: the Coasian durable-good monopoly -------------------------------------------
@dataclass(frozen=True)
class Screening:
    """The skimming equilibrium of :func:`screening` (buyer value uniform on [0, 1]).

    Attributes
    ----------
    cutoffs:
        ``periods − 1`` values κ_1 > κ_2 > ...: every buyer with value above κ_t has bought by
        the end of period t.
    prices:
        The ``periods`` equilibrium prices p_1 > p_2 > ... (equal to 1/2 when δ = 1).
    sales:
        The probability mass that buys in each period (κ_{t−1} − κ_t; κ_{T−1} − p_T last).
    revenue:
        The seller's expected revenue per buyer, Σ_t δ^(t−1)·p_t·sales_t.
    revenue_limit:
        The revenue of the stationary infinite-horizon equilibrium for the same δ,
        s/(2(1 + s)) with s = √(1 − δ), the limit of ``revenue`` as periods → ∞ when δ < 1.
    """

    cutoffs: tuple[float, ...]
    prices: tuple[float, ...]
    sales: tuple[float, ...]
    revenue: float
    revenue_limit: float


def screening(delta: float, periods: int) -> Screening:
    """The seller-offers skimming equilibrium of the durable-good monopoly (no commitment).

    A seller with zero cost offers one unit at a price in each of ``periods`` periods; the
    buyer's value v is uniform on [0, 1] and private; both discount by δ per period. Buying
    at t gives the buyer δ^(t−1)·(v − p_t). In equilibrium high types buy first (skimming):
    with buyers on [0, k] left, everything scales with k (Sobel & Takahashi 1983, "A
    multistage model of bargaining", RES 50(3); Fudenberg & Tirole 1991, *Game Theory*,
    §10.2). With n periods to go the seller's continuation value is a_n·k², its price b_n·k
    and the next cutoff c_n·k. Backward induction:

    * n = 1 (last period): the seller maximises p·(k − p): b_1 = 1/2, a_1 = 1/4.
    * n ≥ 2: if the buyers above x buy now, the cutoff buyer x is indifferent between now
      and the next price b_{n−1}·x: x − p = δ·(x − b_{n−1}·x), so p = γ_n·x with
      γ_n = 1 − δ·(1 − b_{n−1}). The seller maximises γ_n·x·(k − x) + δ·a_{n−1}·x², strictly
      concave in x, so

          c_n = γ_n / (2·(γ_n − δ·a_{n−1})),   b_n = γ_n·c_n,
          a_n = γ_n·c_n·(1 − c_n) + δ·a_{n−1}·c_n²   (= b_n/2 at the optimum).

    Since a_{n−1} = b_{n−1}/2, the denominator is 2(1 − δ) + δ·b_{n−1} > 0, and
    1/2 ≤ c_n < 1 for δ < 1. Forward from κ_0 = 1: p_t = b_{T−t+1}·κ_{t−1} and
    κ_t = c_{T−t+1}·κ_{t−1}; revenue = a_T = p_1/2. For two periods this is the closed form
    κ_1 = (2 − δ)/(4 − 3δ), p_1 = κ_1·(1 − δ/2), p_2 = κ_1/2 (δ = 0.9: 0.8462, 0.4654,
    0.4231, revenue 0.2327 < 1/4, the one-period monopoly revenue).

    For 0 < δ < 1 the revenue falls with every extra period (checked numerically, not
    proved here) and tends to the stationary infinite-horizon value s/(2(1 + s)),
    s = √(1 − δ) (the fixed point of the recursion: δ·b² + 2(1 − δ)·b − (1 − δ) = 0), which
    vanishes as δ → 1 (the Coase conjecture).
    δ = 0 gives the myopic price κ_{t−1}/2 every period and revenue 1/4.

    δ = 1 is allowed and is the continuous limit δ → 1 for a fixed horizon: every c_n is 1,
    so nobody buys before the last period (cutoffs all 1, prices all 1/2, revenue 1/4). At
    δ = 1 exactly, any price of at least 1/2 before the last period is an equilibrium price;
    the one reported is the limit.

    Parameters
    ----------
    delta:
        The common discount factor in [0, 1].
    periods:
        The number of periods T, an integer >= 1 (the work is O(T)).
    """
    d = check_scalar("delta", delta, low=0, high=1)
    n_periods = int(check_scalar("periods", periods, low=1, integer=True))
    a, b, c = _skimming_recursion(d, n_periods)
    cutoffs, prices, sales = _skimming_path(b, c)
    s = math.sqrt(1.0 - d)
    return Screening(
        cutoffs=cutoffs,
        prices=prices,
        sales=sales,
        revenue=a[-1],
        revenue_limit=s / (2.0 * (1.0 + s)),
    )


def _skimming_recursion(d: float, periods: int) -> tuple[list[float], list[float], list[float]]:
    """The coefficients ``(a, b, c)`` of :func:`screening`'s backward induction, indexed by
    n − 1 (n periods to go): the seller's value a_n·k², its price b_n·k, the cutoff c_n·k."""
    a, b, c = [0.25], [0.5], [0.5]
    for _ in range(1, periods):
        gamma = 1.0 - d * (1.0 - b[-1])
        cut = gamma / (2.0 * ((1.0 - d) + d * (b[-1] - a[-1])))  # γ − δa, no cancellation
        a.append(gamma * cut * (1.0 - cut) + d * a[-1] * cut * cut)
        b.append(gamma * cut)
        c.append(cut)
    return a, b, c


def _skimming_path(
    b: list[float], c: list[float]
) -> tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]:
    """Forward from κ_0 = 1: the cutoffs, prices and sales of :func:`screening`, period by
    period (p_t = b_(T−t+1)·κ_(t−1), κ_t = c_(T−t+1)·κ_(t−1))."""
    periods = len(b)
    kappa = 1.0
    cutoffs: list[float] = []
    prices: list[float] = []
    sales: list[float] = []
    for t in range(1, periods + 1):
        n = periods - t + 1
        prices.append(b[n - 1] * kappa)
        nxt = c[n - 1] * kappa if n > 1 else prices[-1]
        sales.append(kappa - nxt)
        if n > 1:
            cutoffs.append(nxt)
        kappa = nxt
    return tuple(cutoffs), tuple(prices), tuple(sales)


# ---- the ratchet effect ---------------------------------------------------------------------
@dataclass(frozen=True)
class Ratchet:
    """Revenues of the two-period ratchet game of :func:`ratchet` (values per buyer).

    Attributes
    ----------
    separating_price:
        v_high − δ·(v_high − v_low): the highest first-period price the high type accepts
        when buying reveals it and gets it charged v_high in period 2.
    rent:
        The high type's information rent in the separating equilibrium, δ·(v_high − v_low).
    revenue_commitment:
        (1 + δ)·max(p_high·v_high, v_low): the static optimum in both periods.
    revenue_separating:
        p_high·(separating_price + δ·v_high) + (1 − p_high)·δ·v_low.
    revenue_pooling:
        v_low + δ·max(p_high·v_high, v_low): everyone buys at v_low, the prior price follows.
    revenue_semi_separating:
        The best revenue from a first-period price above the separating price, reached at
        v_high with the high type buying with probability ``semi_separating_buy_probability``.
    semi_separating_buy_probability:
        ρ* = max(0, (p_high·v_high − v_low)/(p_high·(v_high − v_low))).
    revenue_no_commitment:
        The seller's best perfect Bayesian equilibrium revenue: the largest of the three.
    """

    separating_price: float
    rent: float
    revenue_commitment: float
    revenue_separating: float
    revenue_pooling: float
    revenue_semi_separating: float
    semi_separating_buy_probability: float
    revenue_no_commitment: float


def ratchet(v_high: float, v_low: float, p_high: float, delta: float) -> Ratchet:
    """The two-type, two-period ratchet effect: a seller who cannot commit to future prices.

    A seller makes a take-it-or-leave-it price offer for a non-durable good in each of two
    periods (the buyer buys or not each period); the buyer's value is v_high with probability
    p_high, else v_low; period 2 is discounted by δ (Freixas, Guesnerie & Tirole 1985,
    "Planning under incomplete information and the ratchet effect", RES 52(2); Laffont &
    Tirole 1988; Fudenberg & Tirole 1991, *Game Theory*, §9.3). The low type gets zero
    surplus in period 2 whatever the seller learns, so it buys in period 1 iff P_1 <= v_low.
    Seller-preferred continuation equilibria by first-period price P_1:

    * P_1 <= v_low: everyone buys, nothing is learned; best at P_1 = v_low (pooling). The high
      type does not refuse, since refusing reveals it.
    * v_low < P_1 <= v_high − δ·(v_high − v_low): the high type buys, is revealed and charged
      v_high; best at the separating price, the high type keeping the rent δ·(v_high − v_low).
    * Above the separating price: if p_high·v_high > v_low the high type buys with the unique
      probability ρ* = (p_high·v_high − v_low)/(p_high·(v_high − v_low)) that leaves the
      non-buyers' posterior at v_low/v_high, where the seller is indifferent between v_high
      and v_low and mixes so that the high type is indifferent. Revenue
      p_high·ρ*·P_1 + δ·(p_high·ρ*·v_high + (1 − p_high·ρ*)·v_low) grows with P_1, so the best
      is at P_1 = v_high: p_high·ρ*·(1 + δ)·v_high + δ·(1 − p_high·ρ*)·v_low. Otherwise nobody
      buys above the separating price (ρ* = 0): δ·v_low, which the same formula gives.

    A first-period price above v_high sells nothing and earns at most this. So the best
    equilibrium revenue is the largest of pooling, separating and semi-separating, and never
    exceeds the commitment revenue. Example (v_high = 1, v_low = 0.5, p_high = 0.6,
    δ = 0.9): separating price 0.55, rent 0.45; revenues 1.14 (commitment), 1.05
    (separating, the best without commitment), 1.04 (pooling; 0.95 pooling in both
    periods), 0.74 (semi-separating, ρ* = 1/3).

    Parameters
    ----------
    v_high, v_low:
        The two values, 0 <= v_low < v_high.
    p_high:
        The prior probability of v_high, in (0, 1).
    delta:
        The discount factor of period 2, in [0, 1].
    """
    vh, vl, p, d = _ratchet_inputs(v_high, v_low, p_high, delta)
    static = max(p * vh, vl)
    rent = d * (vh - vl)
    price = min(vh, vl + (1.0 - d) * (vh - vl))  # = v_high − rent, kept inside [v_low, v_high]
    separating = p * (price + d * vh) + (1.0 - p) * d * vl
    pooling = vl + d * static
    # a probability: in [0, 1] also when rounding puts the ratio a hair above 1 (v_low ~ 0)
    rho = min(1.0, max(0.0, (p * vh - vl) / (p * (vh - vl))))
    sold = p * rho
    semi = sold * (1.0 + d) * vh + d * (1.0 - sold) * vl
    return Ratchet(
        separating_price=price,
        rent=rent,
        revenue_commitment=(1.0 + d) * static,
        revenue_separating=separating,
        revenue_pooling=pooling,
        revenue_semi_separating=semi,
        semi_separating_buy_probability=rho,
        revenue_no_commitment=max(separating, pooling, semi),
    )


def _ratchet_inputs(
    v_high: float, v_low: float, p_high: float, delta: float
) -> tuple[float, float, float, float]:
    """The validated arguments of :func:`ratchet` (ValueError naming the one at fault)."""
    vh = check_scalar("v_high", v_high, low=0, low_open=True)
    vl = check_scalar("v_low", v_low, low=0)
    if vl >= vh:
        raise ValueError(f"v_low must be below v_high; got v_low = {vl}, v_high = {vh}")
    p = check_scalar("p_high", p_high, low=0, high=1, low_open=True, high_open=True)
    return vh, vl, p, check_scalar("delta", delta, low=0, high=1)


__all__ = [
    "AbreuGul",
    "Ratchet",
    "Screening",
    "abreu_gul",
    "kreps_wilson",
    "kreps_wilson_fight_probability",
    "ratchet",
    "screening",
]
