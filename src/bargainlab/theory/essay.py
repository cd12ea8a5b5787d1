"""The essay's game solved exactly: two supplier types, two rounds, a face-saving condition.

A supplier of type ``low`` or ``high`` (probability ``p_high``; ``b_low < b_high`` is the
largest rebate each type can pay, normalised units) meets a dealer for two rounds. In each
round the dealer demands a rebate r from a grid and the supplier answers ``accept``,
``condition`` (only when the condition is available) or ``reject``. Round payoffs
(dealer, supplier of type t), with ``v`` the condition's value to the supplier, ``c`` its
cost to the dealer and ``f`` the fallback rebate:

* accept: (r, b_t − r);
* condition: (r − c, b_t − r + v) when the dealer meets it, that is when r − c ≥ f;
  otherwise (f, b_t − f);
* reject: (0, 0), and the relationship ends (no round 2).

Totals are round 1 + δ·round 2. Round 2: each type gives the answer with the highest round-2
payoff; the dealer, believing the supplier is high with probability μ, demands

    r2(μ) = argmax_r [μ·D_high(r) + (1 − μ)·D_low(r)],

with D_t(r) its round-2 payoff from type t's answer to r. Round 1, for each demand r1, a
pair of answers (a_low, a_high) is an equilibrium when no type gains by answering
otherwise, the value of answer a to type t being

    V_t(a) = S1_t(r1, a) + δ·[a ≠ reject]·S2_t(r2(μ(a))),

where μ(a) is the posterior after a: the prior when both types or neither give a (the
latter: passive off-path beliefs), 1 when only high gives it and 0 when only low does
(Bayes' rule; at a prior of 0 or 1 its limit). The dealer's expected total of a pair is
Σ_t w_t·(D1_t(r1, a_t) + δ·[a_t ≠ reject]·D2_t(r2(μ(a_t)))), with w = (1 − p_high,
p_high); the dealer picks the equilibrium that pays it most at each r1, and the r1 whose
selected equilibrium pays it most. Demands with no pure equilibrium are skipped.

Ties: payoffs within 1e-9 count as equal (the condition is met when r − c ≥ f − 1e-9);
among tied answers the first in the order accept, condition, reject; among tied demands the
lowest; among tied equilibria of a demand the first in that order, low's answer first.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from ..support.validation import as_batch, check_scalar

Type = Literal["low", "high"]
Answer = Literal["accept", "condition", "reject"]

TYPES: tuple[Type, Type] = ("low", "high")
ANSWERS: tuple[Answer, Answer, Answer] = ("accept", "condition", "reject")
TOLERANCE = 1e-9


@dataclass(frozen=True)
class EssayGame:
    """The dealer-optimal pure equilibrium of :func:`essay_game`.

    Every mapping has the keys ``"low"`` and ``"high"``.

    Attributes
    ----------
    demand1:
        The dealer's round-1 demand r1.
    answers:
        Each type's round-1 answer: ``"accept"``, ``"condition"`` or ``"reject"``.
    posterior:
        The dealer's probability of ``high`` after that type's answer.
    demand2:
        The round-2 demand r2(μ) the type then faces; ``None`` after a reject.
    round1, round2:
        The type's payoff in each round (round 2 is 0 after a reject).
    total:
        round1 + δ·round2.
    dealer:
        The dealer's expected total over the types, weighted by the prior.
    """

    demand1: float
    answers: Mapping[Type, Answer]
    posterior: Mapping[Type, float]
    demand2: Mapping[Type, float | None]
    round1: Mapping[Type, float]
    round2: Mapping[Type, float]
    total: Mapping[Type, float]
    dealer: float


@dataclass(frozen=True)
class _Game:
    """The validated game as arrays: payoffs ``[type, answer, demand]`` on the sorted grid."""

    grid: np.ndarray
    answers: tuple[Answer, ...]
    dealer: np.ndarray
    supplier: np.ndarray
    prior: float
    delta: float


@dataclass(frozen=True)
class _Round2:
    """Round 2 under one belief: the demand's grid index and each type's payoffs."""

    demand: int
    dealer: np.ndarray
    supplier: np.ndarray


def _first_best(values: np.ndarray, axis: int) -> np.ndarray:
    """Index of the first entry within the tolerance of the maximum along ``axis``."""
    best = values.max(axis=axis, keepdims=True)
    return np.argmax(values >= best - TOLERANCE, axis=axis)


def _setup(b: tuple[float, float], grid: np.ndarray, terms: dict[str, Any]) -> _Game:
    """Tabulate round payoffs D[t, a, k] and S[t, a, k] for every type, answer and demand."""
    value, cost, fallback = terms["value"], terms["cost"], terms["fallback"]
    answers: tuple[Answer, ...] = ANSWERS if terms["condition"] else ("accept", "reject")
    met = grid - cost >= fallback - TOLERANCE
    rows = {
        "accept": (grid, -grid),
        "condition": (np.where(met, grid - cost, fallback), np.where(met, value - grid, -fallback)),
        "reject": (np.zeros_like(grid), None),
    }
    dealer = np.stack([np.stack([rows[a][0] for a in answers])] * 2)
    supplier = np.zeros_like(dealer)
    for t, bt in enumerate(b):
        for i, a in enumerate(answers):
            gain = rows[a][1]
            supplier[t, i] = 0.0 if gain is None else bt + gain
    return _Game(grid, answers, dealer, supplier, terms["p_high"], terms["delta"])


def _round2(game: _Game, mu: float) -> _Round2:
    """Round 2 at belief μ: each type's best answer to every demand, then the dealer's demand."""
    k = np.arange(game.grid.size)
    chosen = _first_best(game.supplier, axis=1)  # [type, demand]
    dealer = game.dealer[[[0], [1]], chosen, k]
    supplier = game.supplier[[[0], [1]], chosen, k]
    demand = int(_first_best((1.0 - mu) * dealer[0] + mu * dealer[1], axis=0))
    return _Round2(demand, dealer[:, demand], supplier[:, demand])


def _posterior(prior: float, pair: tuple[int, int], answer: int) -> float:
    """μ(a): the prior if both types or neither give ``answer``, else the type that does."""
    low, high = pair[0] == answer, pair[1] == answer
    if low == high:
        return prior
    return 1.0 if high else 0.0


def _continuations(game: _Game, pairs: np.ndarray) -> tuple[np.ndarray, dict[float, _Round2]]:
    """Round-2 payoffs C[pair, side, type, answer] (side 0 dealer, 1 supplier) after each answer.

    The belief after an answer follows the candidate pair (:func:`_posterior`); nothing
    follows a reject.
    """
    beliefs = {mu: _round2(game, mu) for mu in {0.0, game.prior, 1.0}}
    cont = np.zeros((len(pairs), 2, 2, len(game.answers)))
    for p, pair in enumerate(pairs):
        for a, answer in enumerate(game.answers):
            if answer != "reject":
                stage = beliefs[_posterior(game.prior, (pair[0], pair[1]), a)]
                cont[p, :, :, a] = stage.dealer, stage.supplier
    return cont, beliefs


def _round1(game: _Game) -> tuple[int, tuple[int, int], dict[float, _Round2]]:
    """The dealer's round-1 demand (grid index) and the selected pair of answers.

    For every demand k and pair p at once: V[k, p, t, a] = S1[t, a, k] + δ·C[p, 1, t, a];
    the pair is an equilibrium when each type's own answer is within the tolerance of its
    best value; the dealer's total is Σ_t w_t·(D1[t, a_t, k] + δ·C[p, 0, t, a_t]).
    """
    pairs = np.array(list(itertools.product(range(len(game.answers)), repeat=2)))
    cont, beliefs = _continuations(game, pairs)
    values = game.supplier.transpose(2, 0, 1)[:, None] + game.delta * cont[None, :, 1]
    types = np.arange(2)
    own = values[:, np.arange(len(pairs))[:, None], types, pairs]  # [demand, pair, type]
    stable = np.all(own >= values.max(axis=-1) - TOLERANCE, axis=-1)
    weights = np.array([1.0 - game.prior, game.prior])
    dealer1 = game.dealer[types, pairs].transpose(2, 0, 1)  # [demand, pair, type]
    dealer2 = cont[np.arange(len(pairs))[:, None], 0, types, pairs]  # [pair, type]
    totals = np.where(stable, (dealer1 + game.delta * dealer2) @ weights, -np.inf)
    has = stable.any(axis=1)
    if not has.any():
        raise ValueError(
            "no demand on the grid has a pure equilibrium of round 1; "
            "change grid, value, cost or fallback"
        )
    chosen = _first_best(totals, axis=1)
    best = np.where(has, totals[np.arange(totals.shape[0]), chosen], -np.inf)
    k1 = int(_first_best(best, axis=0))
    low, high = pairs[chosen[k1]]
    return k1, (int(low), int(high)), beliefs


def _result(
    game: _Game, k1: int, pair: tuple[int, int], beliefs: dict[float, _Round2]
) -> EssayGame:
    """Assemble :class:`EssayGame` from the selected demand and pair."""
    out: dict[str, dict[Type, Any]] = {
        key: {} for key in ("answers", "posterior", "demand2", "round1", "round2", "total")
    }
    weights, dealer = (1.0 - game.prior, game.prior), 0.0
    for t, name in enumerate(TYPES):
        a = pair[t]
        mu = _posterior(game.prior, pair, a)
        stage = None if game.answers[a] == "reject" else beliefs[mu]
        r1 = float(game.supplier[t, a, k1])
        r2 = 0.0 if stage is None else float(stage.supplier[t])
        out["answers"][name] = game.answers[a]
        out["posterior"][name] = mu
        out["demand2"][name] = None if stage is None else float(game.grid[stage.demand])
        out["round1"][name], out["round2"][name] = r1, r2
        out["total"][name] = r1 + game.delta * r2
        d2 = 0.0 if stage is None else float(stage.dealer[t])
        dealer += weights[t] * (float(game.dealer[t, a, k1]) + game.delta * d2)
    view = {key: MappingProxyType(value) for key, value in out.items()}
    return EssayGame(
        demand1=float(game.grid[k1]),
        answers=view["answers"],
        posterior=view["posterior"],
        demand2=view["demand2"],
        round1=view["round1"],
        round2=view["round2"],
        total=view["total"],
        dealer=dealer,
    )


def essay_game(
    *,
    b_low: float,
    b_high: float,
    p_high: float,
    grid: ArrayLike,
    value: float,
    cost: float,
    fallback: float,
    delta: float,
    condition: bool = True,
) -> EssayGame:
    """Solve the essay's two-type, two-round game exactly (conventions in the module text).

    Parameters
    ----------
    b_low, b_high:
        The largest rebate each type can pay; finite, ``b_low < b_high``.
    p_high:
        The prior probability of the high type, in [0, 1].
    grid:
        The demands the dealer may make: a non-empty 1-d sequence of finite numbers (sorted
        and deduplicated here).
    value, cost, fallback:
        The condition's value to the supplier, its cost to the dealer, and the rebate paid
        when the dealer does not meet it (finite numbers).
    delta:
        The weight of round 2, in [0, 1].
    condition:
        Whether the supplier may answer ``"condition"``.

    Raises
    ------
    ValueError
        For an argument out of range (naming it and the allowed values), or when no demand
        on the grid has a pure equilibrium of round 1.
    """
    lo, hi = check_scalar("b_low", b_low), check_scalar("b_high", b_high)
    if not lo < hi:
        raise ValueError(f"b_low must be below b_high; got b_low = {lo}, b_high = {hi}")
    if not isinstance(condition, bool | np.bool_):
        raise TypeError(f"condition must be True or False, got {condition!r}")
    demands = as_batch("grid", grid, None)
    if demands.ndim != 1 or demands.size == 0:
        raise ValueError("grid must be a non-empty 1-d sequence of finite numbers")
    terms: dict[str, Any] = {
        "p_high": check_scalar("p_high", p_high, low=0, high=1),
        "delta": check_scalar("delta", delta, low=0, high=1),
        "value": check_scalar("value", value),
        "cost": check_scalar("cost", cost),
        "fallback": check_scalar("fallback", fallback),
        "condition": bool(condition),
    }
    game = _setup((lo, hi), np.unique(demands), terms)
    return _result(game, *_round1(game))
