"""References for bargaining and reputation: players who may be committed types.

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

from ..support.validation import check_scalar


def _pair(name: str, value: Any, **bounds: Any) -> tuple[float, float]:
    """Validate a pair ``(x1, x2)``; the entries are checked as ``name1`` and ``name2``."""
    if not isinstance(value, list | tuple | np.ndarray):
        raise TypeError(f"{name} must be a pair ({name}1, {name}2), got {type(value).__name__}")
    if np.shape(value) != (2,):
        raise ValueError(f"{name} must be a pair ({name}1, {name}2), got shape {np.shape(value)}")
    return check_scalar(f"{name}1", value[0], **bounds), check_scalar(
        f"{name}2", value[1], **bounds
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
    lam = _hazards(a, rates)
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


def _hazards(a: tuple[float, float], rates: tuple[float, float]) -> tuple[float, float]:
    """The rational types' concession rates λ_i = r_j·(1 − α_i)/(α1 + α2 − 1) of
    :func:`abreu_gul` (ValueError for compatible demands, or hazards that overflow)."""
    excess = (a[0] - 1.0) + a[1]
    if excess <= 0.0:
        raise ValueError(f"alpha1 + alpha2 must exceed 1 (incompatible demands); got {1 + excess}")
    lam = (rates[1] * (1.0 - a[0]) / excess, rates[0] * (1.0 - a[1]) / excess)
    if not all(math.isfinite(x) for x in lam):
        raise ValueError("alpha1 + alpha2 − 1 is too small for these rates r: the hazards overflow")
    return lam


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


__all__ = ["AbreuGul", "abreu_gul", "kreps_wilson", "kreps_wilson_fight_probability"]
