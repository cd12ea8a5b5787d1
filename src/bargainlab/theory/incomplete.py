"""Closed-form and backward-induction references for bargaining under incomplete information.

* :func:`screening` -- the seller-offers skimming (Coasian durable-good) equilibrium with a
  uniform buyer (Sobel & Takahashi 1983; Fudenberg & Tirole 1991, §10.2);
* :func:`ratchet` -- the two-type, two-period ratchet effect without commitment
  (Freixas, Guesnerie & Tirole 1985; Fudenberg & Tirole 1991, §9.3);
* :func:`abreu_gul` -- the war of attrition between players who may be obstinate
  (Abreu & Gul 2000);
* :func:`kreps_wilson`, :func:`kreps_wilson_fight_probability` -- chain-store reputation
  (Kreps & Wilson 1982; Milgrom & Roberts 1982).

Invalid arguments raise ``TypeError`` (wrong type) or ``ValueError`` (out of range, naming
the argument and the allowed range); no function returns NaN or infinity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._checks import check_scalar


def _pair(name: str, value: Any, **bounds: Any) -> tuple[float, float]:
    """Validate a pair ``(x1, x2)``; the entries are checked as ``name1`` and ``name2``."""
    if not isinstance(value, list | tuple | np.ndarray):
        raise TypeError(f"{name} must be a pair ({name}1, {name}2), got {type(value).__name__}")
    if np.shape(value) != (2,):
        raise ValueError(f"{name} must be a pair ({name}1, {name}2), got shape {np.shape(value)}")
    return check_scalar(f"{name}1", value[0], **bounds), check_scalar(
        f"{name}2", value[1], **bounds
    )


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
    a, b, c = [0.25], [0.5], [0.5]  # index n − 1: n periods to go
    for _ in range(1, n_periods):
        gamma = 1.0 - d * (1.0 - b[-1])
        cut = gamma / (2.0 * ((1.0 - d) + d * (b[-1] - a[-1])))  # γ − δa, no cancellation
        a.append(gamma * cut * (1.0 - cut) + d * a[-1] * cut * cut)
        b.append(gamma * cut)
        c.append(cut)
    kappa = 1.0
    cutoffs: list[float] = []
    prices: list[float] = []
    sales: list[float] = []
    for t in range(1, n_periods + 1):
        n = n_periods - t + 1
        prices.append(b[n - 1] * kappa)
        nxt = c[n - 1] * kappa if n > 1 else prices[-1]
        sales.append(kappa - nxt)
        if n > 1:
            cutoffs.append(nxt)
        kappa = nxt
    s = math.sqrt(1.0 - d)
    return Screening(
        cutoffs=tuple(cutoffs),
        prices=tuple(prices),
        sales=tuple(sales),
        revenue=a[-1],
        revenue_limit=s / (2.0 * (1.0 + s)),
    )


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
    vh = check_scalar("v_high", v_high, low=0, low_open=True)
    vl = check_scalar("v_low", v_low, low=0)
    if vl >= vh:
        raise ValueError(f"v_low must be below v_high; got v_low = {vl}, v_high = {vh}")
    p = check_scalar("p_high", p_high, low=0, high=1, low_open=True, high_open=True)
    d = check_scalar("delta", delta, low=0, high=1)
    static = max(p * vh, vl)
    rent = d * (vh - vl)
    price = min(vh, vl + (1.0 - d) * (vh - vl))  # = v_high − rent, kept inside [v_low, v_high]
    separating = p * (price + d * vh) + (1.0 - p) * d * vl
    pooling = vl + d * static
    rho = max(0.0, (p * vh - vl) / (p * (vh - vl)))
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


# ---- Abreu–Gul: obstinate types -------------------------------------------------------------
@dataclass(frozen=True)
class AbreuGul:
    """The war-of-attrition equilibrium of :func:`abreu_gul`; pairs are (player 1, player 2).

    Attributes
    ----------
    hazards:
        The rational types' concession rates λ_i.
    times:
        T_i = −ln(z_i)/λ_i, when i would be known to be obstinate if it did not concede at 0.
    weak:
        0 or 1: the player with the larger T_i, who concedes at t = 0 with positive
        probability (0 on a tie, when nobody does).
    concede_at_zero:
        Each player's probability of conceding at t = 0 as the opponent sees it (obstinate
        types included); 0 for the strong player.
    payoffs:
        The rational types' expected discounted payoffs.
    end_time:
        T0 = min(T1, T2), when both are known to be obstinate.
    """

    hazards: tuple[float, float]
    times: tuple[float, float]
    weak: int
    concede_at_zero: tuple[float, float]
    payoffs: tuple[float, float]
    end_time: float


def abreu_gul(
    alpha: tuple[float, float], r: tuple[float, float], z: tuple[float, float]
) -> AbreuGul:
    """Bargaining with obstinate types in continuous time (Abreu & Gul 2000).

    Abreu & Gul (2000), "Bargaining and reputation", Econometrica 68(1): player i demands
    α_i of a unit pie, α1 + α2 > 1, and with probability z_i is obstinate (never accepts less).
    The rational types play a war of attrition; conceding gives i the share 1 − α_j, the
    opponent's concession gives α_i. Rational i concedes at the constant hazard

        λ_i = r_j·(1 − α_i)/(α1 + α2 − 1),

    which makes rational j indifferent about when to concede. Without a concession at 0, i
    would be known to be obstinate at T_i = −ln(z_i)/λ_i; both must reach that certainty at
    the same time T0 = min(T1, T2), so the weak player w (the larger T_i) concedes at t = 0
    with probability 1 − c, c = z_w·exp(λ_w·T0) (its rational type with probability
    (1 − c)/(1 − z_w)). Let s be the strong player. The rational weak type is indifferent
    with conceding at once and gets 1 − α_s; the rational strong type is indifferent with
    conceding just after 0 and gets (1 − c)·α_s + c·(1 − α_w) >= 1 − α_w.

    On a tie T1 = T2 nobody concedes at 0 (c = 1) and each rational type gets 1 − α_j; the
    formulas are continuous there, and ``weak`` is 0 by convention. As z_i → 0 with z_j
    fixed, i becomes weak and c → 0: a player whose flexibility is known concedes at once.
    Example (α = (.6, .6), r = (.1, .1), z = (.05, .10)): λ = (0.2, 0.2),
    T = (14.98, 11.51), player 1 weak, concedes at 0 with probability 0.50; payoffs
    (0.40, 0.50).

    Parameters
    ----------
    alpha:
        The demands (α1, α2), each in (0, 1), with α1 + α2 > 1.
    r:
        The discount rates (r1, r2), each > 0.
    z:
        The prior probabilities (z1, z2) of obstinacy, each in (0, 1).
    """
    a = _pair("alpha", alpha, low=0, high=1, low_open=True, high_open=True)
    rates = _pair("r", r, low=0, low_open=True)
    zs = _pair("z", z, low=0, high=1, low_open=True, high_open=True)
    excess = (a[0] - 1.0) + a[1]
    if excess <= 0.0:
        raise ValueError(f"alpha1 + alpha2 must exceed 1 (incompatible demands); got {1 + excess}")
    lam = (rates[1] * (1.0 - a[0]) / excess, rates[0] * (1.0 - a[1]) / excess)
    if not all(math.isfinite(x) for x in lam):
        raise ValueError("alpha1 + alpha2 − 1 is too small for these rates r: the hazards overflow")
    times = (-math.log(zs[0]) / lam[0], -math.log(zs[1]) / lam[1])
    w = 1 if times[1] > times[0] else 0
    s = 1 - w
    end = times[s]
    c = math.exp(-lam[w] * (times[w] - end))  # z_w·exp(λ_w·T0), in (0, 1]
    pay = [0.0, 0.0]
    pay[w] = 1.0 - a[s]
    pay[s] = (1.0 - c) * a[s] + c * (1.0 - a[w])
    at_zero = [0.0, 0.0]
    at_zero[w] = 1.0 - c
    return AbreuGul(
        hazards=lam,
        times=times,
        weak=w,
        concede_at_zero=(at_zero[0], at_zero[1]),
        payoffs=(pay[0], pay[1]),
        end_time=end,
    )


# ---- Kreps–Wilson: the chain store ----------------------------------------------------------
def kreps_wilson(beta_bar: float, p: float) -> float:
    """How many rounds before the end deterrence fails in the chain-store game: ln p / ln β̄.

    Kreps & Wilson (1982), "Reputation and imperfect information", JET 27(2); Milgrom &
    Roberts (1982), "Predation, reputation, and entry deterrence", JET 27(2). An incumbent
    is tough (always fights) with prior p; an entrant stays out iff it expects to be fought
    with probability at least β̄ (with Kreps–Wilson's payoffs, β̄ = b). With m rounds left and
    reputation p_m, the weak incumbent fights for sure if p_m >= β̄^(m−1) and otherwise mixes
    so that a fight lifts its reputation to β̄^(m−1) (see
    :func:`kreps_wilson_fight_probability`); the entrant is then fought with probability
    min(1, p_m/β̄^(m−1)) and enters iff p_m < β̄^m. On the equilibrium path the reputation
    stays at p until the first entry, so entry is deterred in every round with m >= ln p/ln β̄
    rounds to go and deterrence fails only in about the last ln p / ln β̄ rounds (exactly
    the rounds m < ln p/ln β̄). Example: β̄ = 0.5, p = 0.1 gives 3.32.

    Parameters
    ----------
    beta_bar:
        The entrant's critical fight probability β̄, in (0, 1).
    p:
        The prior probability that the incumbent is tough, in (0, 1] (p = 1 gives 0).
    """
    b = check_scalar("beta_bar", beta_bar, low=0, high=1, low_open=True, high_open=True)
    prob = check_scalar("p", p, low=0, high=1, low_open=True)
    return math.log(prob) / math.log(b) + 0.0  # + 0.0: p = 1 gives 0.0, not −0.0


def kreps_wilson_fight_probability(beta_bar: float, p: float, m: int) -> float:
    """The weak incumbent's probability of fighting entry with m rounds left.

    σ = [p/(1 − p)]·(1 − β̄^(m−1))/β̄^(m−1) if p < β̄^(m−1), else 1 (Kreps & Wilson 1982;
    Milgrom & Roberts 1982; see :func:`kreps_wilson`): by Bayes' rule a fight then lifts the
    reputation to p/(p + (1 − p)·σ) = β̄^(m−1), the least that keeps the next entrant
    indifferent or out. In the last round (m = 1) the weak incumbent never fights.

    Parameters
    ----------
    beta_bar:
        The entrant's critical fight probability β̄, in (0, 1).
    p:
        The incumbent's current reputation (probability of being tough), in (0, 1].
    m:
        The number of rounds left including this one, an integer >= 1.
    """
    b = check_scalar("beta_bar", beta_bar, low=0, high=1, low_open=True, high_open=True)
    prob = check_scalar("p", p, low=0, high=1, low_open=True)
    rounds = int(check_scalar("m", m, low=1, integer=True))
    threshold = b ** (rounds - 1)
    if prob >= threshold:
        return 1.0
    return min(1.0, prob / (1.0 - prob) * (1.0 - threshold) / threshold)
