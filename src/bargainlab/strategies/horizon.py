"""Planning to the horizon: backward induction over the rounds left, on the belief grid.

The model is the round-level model of :mod:`bargainlab.strategies.planning`, solved over every
round left instead of one. The learner holds a belief ``B`` over (behavioural type ``k``,
bottom line ``theta_g``); a demand leaving the opponent utility ``v_j`` is accepted within
the round iff ``v_j`` reaches the type's agreement threshold ``tau_k(theta_g)`` (the
thresholds of this round, held for every later round); an acceptance pays the learner
``U_j``, a rejection its disagreement payoff ``d`` and then either ends the relationship (its
outside option ``w`` in every later round) or not; between rounds the bottom line is kept
with probability ``rho`` and redrawn from the prior within its type ``Q_k`` (the type
persists). The learner values the sum of its payoffs over this round and the ``R`` rounds
left (undiscounted, as the one-round lookahead does), observes only whether each demand was
accepted, and chooses its demand again in every later round from what the outcomes taught
it: a policy from histories of outcomes to demands. It plays the first demand of the best
policy and plans again next round from its actual posterior.

**The states.** Map each (type, bottom line) to its *bin*, the first candidate demand whose
``v_j`` reaches its threshold (``C`` when none does). An acceptance of ``j`` says the bin is
at most ``j``, a rejection that it is above, so what the outcomes of any history say is an
interval ``I = [a, b]`` of bins: the states are the intervals, ``(C + 1)(C + 2) / 2`` of
them, or the ``C + 1`` intervals ``[0, b]`` when a rejection ends the relationship (then only
acceptances continue it). In a state of depth ``s`` (rounds after this one) the learner's
predictive belief is taken to be

    B_{I,s} = rho^s B|I + (1 - rho^s) sum_k pi_k(B|I) Q_k,

``B|I`` the current belief restricted to the bins of ``I`` and ``pi_k`` its type
probabilities, and a demand ``j`` is accepted with that belief's probability ``P_{I,s}(j)``.
Backward induction, with ``V_0 = 0`` and ``r`` rounds to go at depth ``s = R + 1 - r``:

    V_r(I) = max( max_j P (U_j + V_{r-1}(I & [0, j])) + (1 - P) (d + V_{r-1}(I & (j, C])),
                  d + V_{r-1}(I) ),

where the second option is a demand no type accepts, and after a rejection that ends the
relationship ``V_{r-1}`` is ``(r - 1) w``. This round's demand ``j`` (any candidate) is worth
``P(j) U_j + (1 - P(j)) d`` plus ``P(j) V_R([0, j]) + (1 - P(j)) V_R((j, C])``.

**Where it is exact.** With ``rho = 1`` the belief after any history is the current belief
restricted to the pairs whose bin lies in the history's interval, so ``B_{I,s} = B|I`` is
Bayes' rule and the backward induction is the optimum over every demand policy, for any
number of types (acceptance depends on the pair only through its bin). It is exact too with
one round left (``B_{I,1}`` is the one-round lookahead's next belief: the two planners then
value every demand alike) and when the learner learns nothing from the round (the
information channel off, an update rule that does not learn, ``rho = 0`` with one type): the
belief is then the current one persisted, ``rho^s B + (1 - rho^s) sum_k pi_k(B) Q_k``.

**Where it approximates.** With ``rho < 1`` and a learner that learns, the exact belief
after several outcomes is a mixture over the rounds at which the bottom line may have been
redrawn, each part restricted by the outcomes since then: a state that grows with the
history. ``B_{I,s}`` reads every outcome as evidence about *this* round's bottom line,
persisted ``s`` rounds, and the type probabilities from the same interval; an outcome that
this reading makes impossible (``B`` puts no mass on its interval, though a redrawn bottom
line may give it) teaches nothing (the state stays). The posterior the learner plans from
is still its exact one; only the anticipation of later learning is approximate.

**Candidates and cost.** Later rounds' demands are :data:`LOOKAHEAD_CANDIDATES` evenly spaced
candidates (every candidate on a grid of at most that many points), and this round's
continuation is computed at those and interpolated linearly in between, as the one-round
lookahead does; on a larger grid the plan is the optimum over policies whose later demands
are among those candidates. Per replicate and decision the induction costs
``R x S x C`` operations (``S`` states): with ``C = 26`` about ``R x 9,800`` when play
continues after a rejection and ``R x 700`` when it ends. It runs on every replicate at once
(in chunks that bound its memory, never its result), grouped by rounds left.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..engine.views import Outlook
from .planning import (
    LOOKAHEAD_CANDIDATES,
    DemandProblem,
    acceptance_by_type,
    coarse_candidates,
    interpolate_candidates,
)

HORIZON_CHUNK = 16
"""Replicates planned at once: bounds the memory of the induction (about 1.2 MB per array of
a chunk when play continues after a rejection, which keeps the arrays in the processor's
cache), never its result."""


@dataclass(frozen=True)
class Lattice:
    """The states of the planning model over ``C`` candidate demands: intervals ``[lo, hi]``
    of bins, and where each outcome of each demand leads."""

    lo: np.ndarray
    """``(S,)`` the first bin of each state."""
    hi: np.ndarray
    """``(S,)`` its last bin."""
    accepted: np.ndarray
    """``(S, C)`` the state after an acceptance of each demand (the state itself where that
    interval is empty)."""
    rejected: np.ndarray
    """``(S, C)`` the state after a rejection (the state itself where that is empty)."""
    root: int
    """The state of every bin, ``[0, C]``."""


def _intervals(top: int, *, learns: bool, ends: bool) -> list[tuple[int, int]]:
    """The intervals of bins ``0..top`` that a history can lead to."""
    if not learns:
        return [(0, top)]
    if ends:
        return [(0, b) for b in range(top + 1)]
    return [(a, b) for a in range(top + 1) for b in range(a, top + 1)]


@lru_cache(maxsize=16)
def lattice(candidates: int, *, learns: bool, ends: bool) -> Lattice:
    """The states over ``candidates`` demands: every interval; the intervals ``[0, b]`` when a
    rejection ends the relationship; only ``[0, C]`` when the learner learns nothing."""
    pairs = _intervals(candidates, learns=learns, ends=ends)
    index = {pair: i for i, pair in enumerate(pairs)}
    accepted = np.empty((len(pairs), candidates), dtype=np.int64)
    rejected = np.empty_like(accepted)
    for i, (a, b) in enumerate(pairs):
        for j in range(candidates):
            accepted[i, j] = index.get((a, min(j, b)), i) if j >= a else i
            rejected[i, j] = index.get((max(a, j + 1), b), i) if j < b else i
    lo = np.array([a for a, _ in pairs], dtype=np.int64)
    hi = np.array([b for _, b in pairs], dtype=np.int64)
    for array in (lo, hi, accepted, rejected):
        array.setflags(write=False)
    return Lattice(lo, hi, accepted, rejected, index[(0, candidates)])


@dataclass(frozen=True)
class _Beliefs:
    """What the induction needs of a chunk's beliefs, per demand and state ``(m, C, S)``
    (states last: the maximum over the demands then runs over whole rows of states)."""

    kept: np.ndarray
    """``B(I & [0, j]) / B(I)``: the acceptance of the current bottom line restricted to I."""
    redrawn: np.ndarray
    """``sum_k pi_k(B|I) Q_k([0, j])``: the acceptance of a bottom line redrawn within the
    types of ``B|I``."""
    accepted: np.ndarray
    """Where the value after an acceptance is read, as flat indices into the chunk's ``(m, S)``
    values: the interval an acceptance leads to, or the state itself where ``B`` puts no mass
    on that interval."""
    rejected: np.ndarray
    """The same after a rejection."""


def _beliefs(
    problem: DemandProblem, rows: np.ndarray, coarse: np.ndarray, lat: Lattice
) -> _Beliefs:
    """The belief summaries of the replicates ``rows`` on the lattice's states."""
    values = problem.values[coarse]
    thresholds = problem.thresholds[rows]
    # mass of each type whose bin is below each index: 0, then at most each demand, then all
    # (a threshold no candidate reaches falls in the last bin)
    below = acceptance_by_type(problem.mass[rows], thresholds, np.append(values, np.inf))
    by_type = np.concatenate([np.zeros((*below.shape[:2], 1)), below], axis=2)
    cum = by_type.sum(axis=1)  # (m, C + 2)
    demands = np.arange(values.size)[:, None]
    top = np.minimum(demands, lat.hi[None, :]) + 1  # (C, S)
    within = cum[:, lat.hi + 1] - cum[:, lat.lo]  # B(I), (m, S)
    inter = np.where(
        demands >= lat.lo[None, :], cum[:, top] - cum[:, lat.lo][:, None, :], 0.0
    )  # B(I & [0, j]), (m, C, S)
    safe = np.where(within > 0, within, 1.0)
    types = (by_type[:, :, lat.hi + 1] - by_type[:, :, lat.lo]) / safe[:, None, :]  # (m, K, S)
    redraw = acceptance_by_type(problem.conditional[rows], thresholds, values)  # Q_k([0, j])
    size = lat.lo.size
    offset = (np.arange(rows.size) * size)[:, None, None]
    here = np.arange(size)[None, None, :]
    return _Beliefs(
        kept=inter / safe[:, None, :],
        redrawn=np.einsum("mkj,mks->mjs", redraw, types, optimize=False),
        accepted=offset + np.where(inter > 0, lat.accepted.T[None], here),
        rejected=offset + np.where(within[:, None, :] - inter > 0, lat.rejected.T[None], here),
    )


@dataclass(frozen=True)
class _Payoffs:
    """A chunk's payoffs: own utility of each later demand ``(m, C)``, the disagreement
    payoff and the outside option ``(m,)``."""

    own: np.ndarray
    disagreement: np.ndarray
    outside: np.ndarray


def _induction(
    beliefs: _Beliefs, pay: _Payoffs, rho: np.ndarray, rounds: int, *, ends: bool
) -> np.ndarray:
    """``(m, S)``: the value ``V_R`` of each state at depth 1, by backward induction. A demand
    is worth ``Y + P (X - Y)``, ``X`` what follows an acceptance (``U_j`` plus the value of the
    state it leads to) and ``Y`` what follows a rejection."""
    m, _, size = beliefs.kept.shape
    value = np.zeros((m, size))
    d = pay.disagreement[:, None, None]
    own = pay.own[:, :, None]
    persists = bool(np.all(rho == 1.0))
    shift = beliefs.kept - beliefs.redrawn
    for r in range(1, rounds + 1):
        if persists:
            accept = beliefs.kept
        else:
            accept = (rho ** (rounds + 1 - r))[:, None, None] * shift
            accept += beliefs.redrawn
        later = np.take(value, beliefs.accepted)
        later += own
        if ends:
            rejected = d + (r - 1) * pay.outside[:, None, None]
            stay = rejected[:, 0]
        else:
            rejected = np.take(value, beliefs.rejected)
            rejected += d
            stay = value + pay.disagreement[:, None]
        later -= rejected
        later *= accept
        later += rejected
        value = np.maximum(later.max(axis=1), stay)
    return value


def _continuation(
    problem: DemandProblem,
    rows: np.ndarray,
    rounds: int,
    lat: Lattice,
    rho: np.ndarray,
    *,
    ends: bool,
) -> np.ndarray:
    """``(m, C)``: the value of the rounds left after each coarse demand of this round."""
    coarse = coarse_candidates(problem.candidates)
    beliefs = _beliefs(problem, rows, coarse, lat)
    pay = _Payoffs(
        problem.own_utility[rows][:, coarse],
        problem.disagreement[rows],
        problem.outside_option[rows],
    )
    value = _induction(beliefs, pay, rho, rounds, ends=ends)
    accept = beliefs.kept[:, :, lat.root]  # this round's belief: B itself
    after_acceptance = np.take(value, beliefs.accepted[:, :, lat.root])
    if ends:
        after_rejection = rounds * pay.outside[:, None]
    else:
        after_rejection = np.take(value, beliefs.rejected[:, :, lat.root])
    return accept * after_acceptance + (1.0 - accept) * after_rejection


def horizon_values(
    problem: DemandProblem, outlook: Outlook, *, chunk: int = HORIZON_CHUNK
) -> np.ndarray:
    """``(n, J)``: what each candidate demand of this round is worth to the learner, this
    round's expected utility plus the value of the rounds left when it plans every later
    demand by backward induction (see the module docstring).

    The outlook's ``rounds_left``, ``rho`` and ``learning`` may be one per replicate. Every
    replicate's values depend on its own inputs only (``chunk`` bounds the memory, never the
    result).
    """
    n, count = problem.n, problem.candidates
    accept = acceptance_by_type(problem.mass, problem.thresholds, problem.values).sum(axis=1)
    value = accept * problem.own_utility + (1.0 - accept) * problem.disagreement[:, None]
    rounds = np.broadcast_to(np.asarray(outlook.rounds_left), (n,))
    rho = np.broadcast_to(np.asarray(outlook.rho, dtype=float), (n,))
    # with rho = 0 and one type what a round teaches is forgotten by the next
    learns = np.broadcast_to(np.asarray(outlook.learning, dtype=bool), (n,)) & ~(
        (rho == 0.0) & (problem.mass.shape[1] == 1)
    )
    coarse = coarse_candidates(count)
    for left, learn in sorted(set(zip(rounds.tolist(), learns.tolist(), strict=True))):
        if left <= 0:
            continue
        rows = np.flatnonzero((rounds == left) & (learns == learn))
        lat = lattice(coarse.size, learns=learn, ends=outlook.ends_on_disagreement)
        future = np.empty((rows.size, coarse.size))
        for lo in range(0, rows.size, chunk):
            part = rows[lo : lo + chunk]
            future[lo : lo + chunk] = _continuation(
                problem, part, left, lat, rho[part], ends=outlook.ends_on_disagreement
            )
        value[rows] += interpolate_candidates(future, coarse, count)
    return value


def choose_horizon_demand(
    problem: DemandProblem, outlook: Outlook, *, chunk: int = HORIZON_CHUNK
) -> np.ndarray:
    """The learner's own utility of the demand worth most over the rounds left
    (:func:`horizon_values`)."""
    best = np.argmax(horizon_values(problem, outlook, chunk=chunk), axis=1)
    return problem.own_utility[np.arange(problem.n), best]


__all__ = [
    "HORIZON_CHUNK",
    "LOOKAHEAD_CANDIDATES",
    "Lattice",
    "choose_horizon_demand",
    "horizon_values",
    "lattice",
]
