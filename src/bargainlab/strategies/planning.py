"""How a learner chooses its demand from a joint belief: expected utility with a one-round
lookahead.

The planning model is at the level of a round. The learner considers demands that leave the
opponent a utility ``v_j`` (the points of its belief grid). An opponent of behavioural type
``k`` with bottom line ``theta`` agrees within the round iff ``v_j`` reaches its agreement
threshold ``tau_k(theta)`` (:meth:`Strategy.agreement_threshold`: its floor for most
policies, its aspiration for a holdout, its floor less the condition's value plus the
compensation for a face-saver), so under the posterior ``m`` the demand is accepted with
probability

    P(j) = sum_k P_k(j),   P_k(j) = sum_g m[k, g] 1{tau_k(theta_g) <= v_j},

and this round is worth ``EU(j) = P(j) U_j + (1 - P(j)) d`` with ``U_j`` the learner's own
utility of the demand and ``d`` its disagreement payoff.

Lookahead (``lookahead = 1``): the learner also values the rounds to come and what this
round's outcome will teach it. If the demand is accepted it learns ``tau <= v_j`` (the posterior is truncated there); if
it is rejected it learns ``tau > v_j``, or the relationship ends (``ends_on_disagreement``)
and it gets its outside option ``w`` in every later round. Between rounds the reservation
value is kept with probability ``rho`` and redrawn within the type otherwise (the type
persists), and next round the learner will again choose its best demand. A demand is worth

    V(j) = EU(j) + R (P(j) W_acc(j) + (1 - P(j)) W_rej(j)),

with ``W_acc(j)`` (``W_rej(j)``) the best next-round expected utility after an acceptance
(rejection) of ``j`` and ``R`` the number of rounds left after this one: the rounds after the
next are valued like the next (later learning is not anticipated), which is what "one round
of lookahead" means here. Without learning (the information channel off, or an anchored learner)
the outcome teaches nothing and next round's belief is this one, persisted; a rejection may
still end the relationship. With ``lookahead = 0``, or in the last round, ``V = EU``. The learner demands ``argmax_j V(j)``. The lookahead term is computed for
:data:`LOOKAHEAD_CANDIDATES` evenly spaced demands (this round's and next round's) and
interpolated linearly in between, which keeps its cost at ``26 x 26`` per replicate.

This is a model of the round, not of its step-by-step dynamics: within the round the learner
concedes from its demand along its own curve, and the opponent's policy plays as it plays.
The posterior it plans with is exact (for a correct Bayesian); the acceptance model is an
approximation, and the choice of ``tau_k`` per policy is documented on each policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..engine.views import Outlook

Lookahead = Literal[0, 1]
"""Rounds of lookahead of the expected-utility planning: 0 (myopic) or 1."""


def _bins(thresholds: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For every threshold, the first candidate that reaches it (``J`` if none): utilities
    closer than 1e-12 count as equal. ``values`` must be non-decreasing."""
    flat = np.searchsorted(values, np.ravel(thresholds) - 1e-12, side="left")
    return flat.reshape(thresholds.shape)


def _cumulative(weights: np.ndarray, bins: np.ndarray, count: int, *, by_type: bool) -> np.ndarray:
    """``sum_g weights 1{bins <= j}`` for ``j < count``: per type, ``(n, K, count)``, or summed
    over the types, ``(n, count)``. One ``bincount`` over every replicate and type at once."""
    n, k, _ = bins.shape
    cells = n * k if by_type else n
    owner = np.arange(cells, dtype=np.int64) * (count + 1)
    index = (owner.reshape(n, k if by_type else 1, 1) + bins).ravel()
    sums = np.bincount(
        index, weights=np.ravel(np.broadcast_to(weights, bins.shape)), minlength=cells * (count + 1)
    )
    cumulative = np.cumsum(sums.reshape(cells, count + 1)[:, :count], axis=1)
    return cumulative.reshape(n, k, count) if by_type else cumulative


def acceptance_by_type(mass: np.ndarray, thresholds: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``(n, K, J)``: ``P_k(j) = sum_g mass[:, k, g] 1{thresholds[:, k, g] <= values[j]}``.

    ``values`` must be non-decreasing. Each threshold is mapped to the first candidate that
    reaches it (utilities closer than 1e-12 count as equal), the posterior mass is summed by
    that candidate with one ``bincount`` over all replicates and types at once, and the sums
    are accumulated along the candidates: no loop over replicates, and no assumption on the
    order of the thresholds.
    """
    return _cumulative(mass, _bins(thresholds, values), values.shape[0], by_type=True)


@dataclass(frozen=True)
class DemandProblem:
    """A learner's choice of demand, per replicate: what it believes and what each candidate
    demand is worth.

    ``mass`` ``(n, K, G)`` is the posterior, ``conditional`` ``(n, K, G)`` each replicate's
    prior over the reservation value within each type (what it is redrawn from),
    ``thresholds`` ``(n, K, G)`` the agreement thresholds, ``values`` ``(J,)`` the opponent's
    utility of each candidate demand (non-decreasing) and ``own_utility`` ``(n, J)`` the
    learner's; ``disagreement`` and ``outside_option`` are ``(n,)``.
    """

    mass: np.ndarray
    conditional: np.ndarray
    thresholds: np.ndarray
    values: np.ndarray
    own_utility: np.ndarray
    disagreement: np.ndarray
    outside_option: np.ndarray

    @property
    def n(self) -> int:
        """The number of replicates."""
        return self.mass.shape[0]

    @property
    def candidates(self) -> int:
        """The number of candidate demands ``J``."""
        return self.values.shape[0]


def choose_demand(
    problem: DemandProblem, outlook: Outlook, *, lookahead: Lookahead, chunk: int = 1024
) -> np.ndarray:
    """The learner's own utility of its best demand (see the module docstring).

    The outlook's ``rounds_left``, ``rho`` and ``learning`` may be one per replicate; with
    ``lookahead = 0``, or in the last round, the demand maximises this round's expected
    utility. Every replicate's demand depends on its own inputs only (``chunk`` bounds the
    memory of the lookahead, never its result).
    """
    n = problem.n
    bins = _bins(problem.thresholds, problem.values)
    by_type = _cumulative(problem.mass, bins, problem.candidates, by_type=True)  # P_k(j)
    accept = by_type.sum(axis=1)  # P(j)
    own_utility = problem.own_utility
    value = accept * own_utility + (1.0 - accept) * problem.disagreement[:, None]
    rounds_left = np.broadcast_to(np.asarray(outlook.rounds_left), (n,))
    ahead = np.flatnonzero(rounds_left > 0) if lookahead else np.empty(0, dtype=np.int64)
    if ahead.size:
        future = _future(problem, outlook, _Round(ahead, bins, by_type, accept), chunk)
        value[ahead] += rounds_left[ahead][:, None] * future
    best = np.argmax(value, axis=1)
    return own_utility[np.arange(n), best]


@dataclass(frozen=True)
class _Round:
    """This round's acceptance model, and the replicates that look ahead."""

    ahead: np.ndarray
    """The replicates with rounds after this one (integer positions)."""
    bins: np.ndarray
    """For every threshold, the first candidate that reaches it."""
    by_type: np.ndarray
    """``(n, K, J)``: ``P_k(j)``."""
    accept: np.ndarray
    """``(n, J)``: ``P(j)``."""


def _future(problem: DemandProblem, outlook: Outlook, now: _Round, chunk: int) -> np.ndarray:
    """``(len(now.ahead), J)``: the value of the next round after each demand, for the
    replicates that look ahead: with what the round teaches where the learner will learn,
    with this round's belief persisted elsewhere."""
    n, ahead = problem.n, now.ahead
    rho = np.broadcast_to(np.asarray(outlook.rho, dtype=float), (n,))
    will_learn = np.broadcast_to(np.asarray(outlook.learning, dtype=bool), (n,))
    types = problem.mass[ahead].sum(axis=2)  # (m, K)
    prior_cdf = _cumulative(
        problem.conditional[ahead], now.bins[ahead], problem.candidates, by_type=True
    )  # Q_k(j)
    # With rho = 0 and a single type, what a round teaches is forgotten by the next: the
    # learning and non-learning continuations are the same, so they are computed alike.
    learns = will_learn[ahead] & ~((rho[ahead] == 0.0) & (problem.mass.shape[1] == 1))
    future = np.empty((ahead.size, problem.candidates))
    fixed = np.flatnonzero(~learns)
    if fixed.size:
        rows = ahead[fixed]
        future[fixed] = static_continuation(
            now.accept[rows],
            types[fixed],
            prior_cdf[fixed],
            own_utility=problem.own_utility[rows],
            disagreement=problem.disagreement[rows],
            outside_option=problem.outside_option[rows],
            rho=rho[rows],
            ends_on_disagreement=outlook.ends_on_disagreement,
        )
    learning = np.flatnonzero(learns)
    if learning.size:
        future[learning] = _learning_future(
            problem, now, learning, types[learning], prior_cdf[learning], rho, outlook, chunk
        )
    return future


def _learning_future(
    problem: DemandProblem,
    now: _Round,
    learning: np.ndarray,
    types: np.ndarray,
    prior_cdf: np.ndarray,
    rho: np.ndarray,
    outlook: Outlook,
    chunk: int,
) -> np.ndarray:
    """The continuation of the replicates ``now.ahead[learning]``, which learn from the
    round: computed at :data:`LOOKAHEAD_CANDIDATES` demands, ``chunk`` replicates at a time,
    and interpolated in between."""
    candidates = problem.candidates
    coarse = coarse_candidates(candidates)
    rows = now.ahead[learning]
    # a type below TYPE_FLOOR in a replicate contributes nothing there
    present = types > TYPE_FLOOR
    by_type_c = now.by_type[rows][:, :, coarse] * present[:, :, None]
    prior_c = prior_cdf[:, :, coarse]
    part = np.empty((learning.size, coarse.size))
    for lo in range(0, learning.size, chunk):
        sl = slice(lo, lo + chunk)
        chunk_rows = rows[sl]
        part[sl] = continuation(
            by_type_c[sl],
            now.accept[chunk_rows][:, coarse],
            types[sl],
            prior_c[sl],
            own_utility=problem.own_utility[chunk_rows][:, coarse],
            disagreement=problem.disagreement[chunk_rows],
            outside_option=problem.outside_option[chunk_rows],
            rho=rho[chunk_rows],
            ends_on_disagreement=outlook.ends_on_disagreement,
        )
    return interpolate_candidates(part, coarse, candidates)


LOOKAHEAD_CANDIDATES = 26
"""How many candidate demands the lookahead values (evenly spaced over the candidates); the
value of the others is interpolated linearly between them."""

TYPE_FLOOR = 1e-12
"""A type below this posterior probability in a replicate is left out of its lookahead."""


def coarse_candidates(candidates: int) -> np.ndarray:
    """The indices of the candidates the lookahead values (evenly spaced)."""
    return np.unique(
        np.linspace(0, candidates - 1, min(LOOKAHEAD_CANDIDATES, candidates))
        .round()
        .astype(np.int64)
    )


def interpolate_candidates(values: np.ndarray, at: np.ndarray, candidates: int) -> np.ndarray:
    """``(n, candidates)``: ``values`` (given at the candidate indices ``at``) interpolated
    linearly in the index."""
    if at.size == candidates:
        return values
    upper = np.clip(np.searchsorted(at, np.arange(candidates)), 1, at.size - 1)
    lower = upper - 1
    weight = (np.arange(candidates) - at[lower]) / (at[upper] - at[lower])
    return values[:, lower] * (1.0 - weight) + values[:, upper] * weight


def static_continuation(
    accept: np.ndarray,
    types: np.ndarray,
    prior_cdf: np.ndarray,
    *,
    own_utility: np.ndarray,
    disagreement: np.ndarray,
    outside_option: np.ndarray,
    rho: np.ndarray,
    ends_on_disagreement: bool,
) -> np.ndarray:
    """``(n, J)``: the continuation when this round teaches nothing: next round's belief is
    this one, persisted (``P_next(j') = sum_k rho P_k(j') + (1 - rho) M_k Q_k(j')``), whatever
    the outcome; a rejection still ends the relationship when the rules say so."""
    keep = rho[:, None]
    nxt = keep * accept + (1.0 - keep) * np.einsum("nk,nkj->nj", types, prior_cdf)
    gain = own_utility - disagreement[:, None]
    best = disagreement + np.maximum(np.max(nxt * gain, axis=1), 0.0)
    after_rejection = outside_option if ends_on_disagreement else best
    return accept * best[:, None] + (1.0 - accept) * after_rejection[:, None]


def continuation(
    by_type: np.ndarray,
    accept: np.ndarray,
    types: np.ndarray,
    prior_cdf: np.ndarray,
    *,
    own_utility: np.ndarray,
    disagreement: np.ndarray,
    outside_option: np.ndarray,
    rho: np.ndarray,
    ends_on_disagreement: bool,
) -> np.ndarray:
    """``(m, J)``: ``P(j) W_acc(j) + (1 - P(j)) W_rej(j)`` for a chunk of replicates, with
    this round's and next round's demands among the same ``J`` candidates."""
    rho = rho[:, None, None]
    gain = (own_utility - disagreement[:, None])[:, None, :]  # U_j' - d
    d = disagreement[:, None]
    # after an acceptance of j: P'(j, j') = [rho P(min(j, j')) + (1 - rho) S(j, j')] / P(j),
    # with S(j, j') = sum_k P_k(j) Q_k(j'); P is non-decreasing in the candidate, so
    # P(min(j, j')) = min(P(j), P(j'))
    num_acc = np.matmul(by_type.transpose(0, 2, 1), prior_cdf)  # S
    num_acc *= 1.0 - rho
    num_acc += rho * np.minimum(accept[:, :, None], accept[:, None, :])
    # the learner can always demand what nobody accepts and get d: the max is at least 0
    gained = num_acc * gain
    w_acc = d + np.maximum(gained.max(axis=2), 0.0) / np.maximum(accept, 1e-300)
    if ends_on_disagreement:
        w_rej = np.broadcast_to(outside_option[:, None], accept.shape)
    else:
        # after a rejection of j: P'(j, j') = [rho (P(j') - P(min(j, j')))
        #                                      + (1 - rho) sum_k (M_k - P_k(j)) Q_k(j')] / (1 - P(j)),
        # whose numerator is c(j') - num_acc(j, j') with c(j') = rho P(j') + (1 - rho) sum_k M_k Q_k(j')
        c = rho[:, :, 0] * accept + (1.0 - rho[:, :, 0]) * np.einsum("nk,nkj->nj", types, prior_cdf)
        gained = np.subtract(c[:, None, :] * gain, gained, out=gained)
        w_rej = d + np.maximum(gained.max(axis=2), 0.0) / np.maximum(1.0 - accept, 1e-300)
    return accept * w_acc + (1.0 - accept) * w_rej


__all__ = [
    "LOOKAHEAD_CANDIDATES",
    "TYPE_FLOOR",
    "DemandProblem",
    "Lookahead",
    "acceptance_by_type",
    "choose_demand",
    "coarse_candidates",
    "continuation",
    "interpolate_candidates",
    "static_continuation",
]
