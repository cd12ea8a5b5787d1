"""Closed-form references for the complete-information stage game.

Every function returns the prediction of one published model, so that the engine and the
equilibrium strategy can be checked against theory (the documentation's model page lists
the reference numbers, T1–T7). The
pie has size 1; "share" is a position on the primary issue, "utility" is in [0, 1].

* :func:`rubinstein` -- alternating offers with discounting, infinite or finite horizon
  (Rubinstein 1982; Ståhl 1972 for the finite game);
* :func:`outside_option` -- the outside-option principle (Binmore, Shaked & Sutton 1989);
* :func:`breakdown` -- risk of breakdown, no discounting (Binmore, Rubinstein & Wolinsky 1986);
* :func:`nash` -- the (asymmetric) Nash bargaining solution (Nash 1950; Kalai 1977);
* :func:`kalai_smorodinsky` -- the Kalai–Smorodinsky solution (Kalai & Smorodinsky 1975);

Invalid arguments raise ``TypeError`` (wrong type) or ``ValueError`` (out of range, naming
the argument and the allowed range); no function returns NaN or infinity.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy import optimize

from ..support.validation import check_scalar

Frontier = Callable[[float], float]
"""A Pareto frontier ``u2 = f(u1)`` on ``u1`` in [0, 1]: continuous, non-increasing, into [0, 1]."""

_TOL = 1e-12


# ---- alternating offers ---------------------------------------------------------------------
def _finite_share(horizon: int, delta_p: float, delta_o: float) -> float:
    """Ståhl's finite game, x(T; δp, δo) = 1 − δo·x(T−1; δo, δp), x(1) = 1, in O(1).

    Two steps of the recursion give the affine map x(T) = (1 − δo) + a·x(T − 2) with
    a = δp·δo, from x(1) = 1 or x(2) = 1 − δo; m iterations from x0 give
    a^m·x0 + (1 − δo)·(1 − a^m)/(1 − a). ``1 − a`` is formed as (1 − δp) + δp·(1 − δo) and
    the powers through log1p/expm1, so discount factors close to 1 lose no precision.
    """
    b = 1.0 - delta_o
    m, x0 = ((horizon - 1) // 2, 1.0) if horizon % 2 == 1 else ((horizon - 2) // 2, b)
    one_minus_a = (1.0 - delta_p) + delta_p * (1.0 - delta_o)
    if m == 0 or one_minus_a == 0.0:  # a == 1 means δp = δo = 1: b = 0, the map is the identity
        return x0
    if one_minus_a == 1.0:  # a == 0: one iteration already lands on b
        return b
    log_a = math.log1p(-one_minus_a)
    a_m = math.exp(m * log_a)
    geometric = -math.expm1(m * log_a) / one_minus_a  # 1 + a + ... + a^(m-1)
    return min(max(a_m * x0 + b * geometric, 0.0), 1.0)


def rubinstein(delta1: float, delta2: float, horizon: int | None = None) -> float:
    """The first proposer's share in the subgame-perfect equilibrium of alternating offers.

    Infinite horizon (Rubinstein 1982, "Perfect equilibrium in a bargaining model",
    Econometrica 50(1)): the unique SPE gives the first proposer

        x1* = (1 − δ2) / (1 − δ1·δ2),

    which is 1/(1 + δ) for a common δ. With ``horizon = T`` offers (Ståhl 1972; the
    responder gets nothing after the last rejection) the share solves

        x(T; δp, δo) = 1 − δo·x(T − 1; δo, δp),   x(1) = 1,

    so ``horizon=1`` is the ultimatum game, and with a common δ, x(T) = (1 − (−δ)^T)/(1 + δ).

    Edge cases: δ1 = 1 > δ2 gives 1, δ2 = 1 > δ1 gives 0, δ = 0 gives the proposer everything.
    With δ1 = δ2 = 1 and an infinite horizon every division is an SPE, and the limit of
    x1* as (δ1, δ2) → (1, 1) depends on the path (with δi = exp(−ri·Δ) it is r2/(r1 + r2),
    Binmore–Rubinstein–Wolinsky 1986), so that case raises ValueError: pass a finite
    horizon or discount factors below 1.

    Parameters
    ----------
    delta1, delta2:
        Per-offer discount factors in [0, 1] of the first proposer and the first responder.
    horizon:
        ``None`` for the infinite game, else the number of offers (a positive integer).
    """
    d1 = check_scalar("delta1", delta1, low=0, high=1)
    d2 = check_scalar("delta2", delta2, low=0, high=1)
    if horizon is not None:
        t = check_scalar("horizon", horizon, low=1, integer=True)
        return _finite_share(int(t), d1, d2)
    if d1 == 1.0 and d2 == 1.0:
        raise ValueError(
            "delta1 and delta2 must not both be 1 with an infinite horizon (horizon=None): "
            "every division is then an equilibrium and the limit depends on the path; "
            "pass horizon=T or discount factors in [0, 1)"
        )
    # 1 − δ1·δ2 written as a sum of non-negative terms: no cancellation near δ = 1
    return (1.0 - d2) / ((1.0 - d1) + d1 * (1.0 - d2))


def outside_option(delta1: float, delta2: float, w2: float) -> float:
    """The first proposer's share when the responder may quit after rejecting.

    Outside-option principle (Binmore, Shaked & Sutton 1989, "An outside option
    experiment", QJE 104(4); Osborne & Rubinstein 1990, §3.12): player 2 may take ``w2``
    after rejecting player 1's offer. The option is a floor, not a threat point: 2 gets

        max(w2, δ2·(1 − δ1)/(1 − δ1·δ2)),

    its Rubinstein share as a responder if the option does not bind and exactly ``w2`` if it
    does, so the first proposer's share is 1 − that. (A Nash solution with threat point
    d = (0, w2) would give 2 more than w2 and is *not* this model.) ``w2 <= 1`` is enforced,
    so the share is never negative. δ1 = δ2 = 1 raises ValueError as in :func:`rubinstein`.

    Parameters
    ----------
    delta1, delta2:
        Discount factors in [0, 1] of the first proposer (1) and the responder (2).
    w2:
        The responder's outside option, a utility in [0, 1].
    """
    check_scalar("delta1", delta1, low=0, high=1)
    check_scalar("delta2", delta2, low=0, high=1)
    w = check_scalar("w2", w2, low=0, high=1)
    responder = 1.0 - rubinstein(delta1, delta2)
    return 1.0 - max(w, responder)


def breakdown(p: float, b1: float, b2: float) -> float:
    """The first proposer's share under risk of breakdown, without discounting.

    Binmore, Rubinstein & Wolinsky (1986), "The Nash bargaining solution in economic
    modelling", RAND J. Econ. 17(2): after each rejection the talks break down with
    probability ``p`` and the players get the breakdown payoffs (b1, b2). The stationary SPE
    gives the first proposer

        x1* = (1 + (1 − p)·b1 − b2) / (2 − p),

    which tends to b1 + (1 − b1 − b2)/2 (the Nash solution with d = b) as p → 0 and is
    1 − b2 (an ultimatum with the option b2) at p = 1.

    Parameters
    ----------
    p:
        Breakdown probability in [0, 1].
    b1, b2:
        Breakdown payoffs in [0, 1] of the first proposer and the responder, b1 + b2 <= 1.
    """
    prob = check_scalar("p", p, low=0, high=1)
    v1 = check_scalar("b1", b1, low=0, high=1)
    v2 = check_scalar("b2", b2, low=0, high=1)
    if v1 + v2 > 1.0 + _TOL:
        raise ValueError(
            f"b1 + b2 must be at most 1 (breakdown payoffs share the pie); got {v1 + v2}"
        )
    return min(max((1.0 + (1.0 - prob) * v1 - v2) / (2.0 - prob), 0.0), 1.0)


# ---- axiomatic solutions --------------------------------------------------------------------
def _check_disagreement(d1: float, d2: float) -> tuple[float, float]:
    """The validated disagreement point ``(d1, d2)`` (each in [0, 1])."""
    return check_scalar("d1", d1, low=0, high=1), check_scalar("d2", d2, low=0, high=1)


def _check_frontier(frontier: Frontier) -> Frontier:
    """Validate a user frontier on a grid: finite, into [0, 1], non-increasing."""
    if not callable(frontier):
        raise TypeError(f"frontier must be a callable u2 = f(u1), got {type(frontier).__name__}")
    grid = np.linspace(0.0, 1.0, 201)
    try:
        vals = np.array([float(frontier(float(u))) for u in grid])
    except (TypeError, ValueError) as err:
        raise TypeError(f"frontier must map a float u1 in [0, 1] to a float u2: {err}") from err
    if not np.all(np.isfinite(vals)) or np.any(vals < -_TOL) or np.any(vals > 1 + _TOL):
        raise ValueError("frontier must map [0, 1] into [0, 1] (finite utilities)")
    if np.any(np.diff(vals) > 1e-9):
        raise ValueError("frontier must be non-increasing in u1 (a Pareto frontier)")
    return frontier


def _max_u1(frontier: Frontier, d1: float, d2: float) -> float:
    """The ideal u1: the largest u1 whose frontier value is still at least d2."""
    if frontier(1.0) >= d2:
        return 1.0
    return float(
        optimize.brentq(
            lambda u: frontier(u) - d2, d1, 1.0, xtol=1e-15, rtol=4 * np.finfo(float).eps
        )
    )


def _feasible(frontier: Frontier | None, d1: float, d2: float) -> None:
    """Raise unless some agreement on the frontier lies strictly above ``(d1, d2)``."""
    above = (1.0 - d1 - d2) if frontier is None else (frontier(d1) - d2)
    if d1 >= 1.0 or above <= _TOL:
        raise ValueError(
            f"the disagreement point (d1, d2) = ({d1}, {d2}) has no feasible agreement strictly "
            "above it; need d1 < 1 and f(d1) > d2 (d1 + d2 < 1 on the default frontier u1 + u2 = 1)"
        )


def nash(
    d1: float, d2: float, power: float = 0.5, frontier: Frontier | None = None
) -> tuple[float, float]:
    """The (asymmetric) Nash bargaining solution ``(u1, u2)``.

    Maximises (u1 − d1)^β·(u2 − d2)^(1 − β) over the Pareto frontier u2 = f(u1) (Nash
    1950, "The bargaining problem", Econometrica 18(2); asymmetric form Kalai 1977). On the
    default frontier u1 + u2 = 1 the solution is u1 = d1 + β·(1 − d1 − d2). With u1 = x^a and
    u2 = 1 − x (frontier 1 − u1^(2) for a = 1/2), the share is x = a/(1 + a).

    Parameters
    ----------
    d1, d2:
        The disagreement point in [0, 1]^2; some frontier point must lie strictly above it.
    power:
        Bargaining power β of player 1 in [0, 1].
    frontier:
        ``u2 = f(u1)`` on [0, 1], continuous and non-increasing into [0, 1]; ``None`` for
        the line u1 + u2 = 1. Solved with SciPy's bounded Brent method (``xatol=1e-12``).
    """
    d1, d2 = _check_disagreement(d1, d2)
    beta = check_scalar("power", power, low=0, high=1)
    if frontier is None:
        _feasible(None, d1, d2)
        u1 = d1 + beta * (1.0 - d1 - d2)
        return u1, 1.0 - u1
    f = _check_frontier(frontier)
    _feasible(f, d1, d2)
    a1 = _max_u1(f, d1, d2)
    if beta == 0.0:
        return d1, float(f(d1))
    if beta == 1.0:
        return a1, float(f(a1))

    def neg_log_product(u: float) -> float:
        """Minus the log of the weighted Nash product at ``u1``."""
        g1, g2 = u - d1, f(u) - d2
        if g1 <= 0.0 or g2 <= 0.0:
            return math.inf
        return -(beta * math.log(g1) + (1.0 - beta) * math.log(g2))

    res = optimize.minimize_scalar(
        neg_log_product, bounds=(d1, a1), method="bounded", options={"xatol": 1e-12}
    )
    u1 = float(res.x)
    return u1, float(f(u1))


def kalai_smorodinsky(
    d1: float, d2: float, frontier: Frontier | None = None
) -> tuple[float, float]:
    """The Kalai–Smorodinsky solution ``(u1, u2)``.

    Kalai & Smorodinsky (1975), "Other solutions to Nash's bargaining problem", Econometrica
    43(3): the Pareto point on the line from d to the ideal point a,

        (u1 − d1)/(u2 − d2) = (a1 − d1)/(a2 − d2),

    with a1 = max{u1 : f(u1) >= d2} and a2 = f(d1) (the most each can get given the other
    gets its disagreement payoff). On the default frontier u1 + u2 = 1 it splits the surplus
    equally: u1 = d1 + (1 − d1 − d2)/2. Solved with SciPy's ``brentq`` for other frontiers.

    Parameters
    ----------
    d1, d2:
        The disagreement point in [0, 1]^2; some frontier point must lie strictly above it.
    frontier:
        ``u2 = f(u1)`` on [0, 1], continuous and non-increasing into [0, 1]; ``None`` for
        the line u1 + u2 = 1.
    """
    d1, d2 = _check_disagreement(d1, d2)
    if frontier is None:
        _feasible(None, d1, d2)
        u1 = d1 + 0.5 * (1.0 - d1 - d2)
        return u1, 1.0 - u1
    f = _check_frontier(frontier)
    _feasible(f, d1, d2)
    a1, a2 = _max_u1(f, d1, d2), float(f(d1))
    # g < 0 at u1 = d1 and g >= 0 at u1 = a1 (f non-increasing), so brentq brackets the root
    g = lambda u: (u - d1) * (a2 - d2) - (f(u) - d2) * (a1 - d1)  # noqa: E731
    if g(a1) <= 0.0:
        u1 = a1
    else:
        u1 = float(optimize.brentq(g, d1, a1, xtol=1e-15, rtol=4 * np.finfo(float).eps))
    return u1, float(f(u1))
