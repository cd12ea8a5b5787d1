"""Exact likelihoods of a whole round under a policy: what a correct Bayesian computes.

The question is, for every candidate bottom line ``theta_g`` of the opponent (the *owner*)
and one hypothesis about its policy: had the owner followed this policy with bottom line
``theta_g``, would it have made every offer and every response that the round's public record
(:class:`~bargainlab.beliefs.observations.RoundTrace`) shows? The library's policies are
deterministic given the owner's type and the public history, so the exact likelihood of the
round is 1 where the answer is yes at every step and 0 elsewhere: the product over every
offer and response of the round, not a summary of it. Two exact ways to evaluate it:

* :func:`replay_likelihood` plays the policy itself, step by step, for every candidate at
  once on an expanded batch of ``n x G`` replicates (its history is the observed one). It is
  exact for any deterministic policy that reads only its own type, the public history and
  public facts, at a cost proportional to ``G`` per step.
* :func:`bisection_likelihood` does the same in ``O(log G)`` evaluations per step for
  policies that declare :attr:`~bargainlab.strategies.Strategy.monotone_in_type`: at every
  step, given the public history, their offer is non-decreasing (in their own utility) and
  their acceptance non-increasing in their bottom line, and their decisions do not depend on
  their own earlier choices in the round. Then the candidates consistent with a step form
  an interval of the grid, and so does the intersection over the round; bisection finds its
  ends. A property test checks it against the replay for every such policy.

What a learner cannot know is set to what it would assume: the owner's own deadline is the
public horizon, its behavioural levers are zero, and an obliged owner's cost of the
condition is the one in the context (see :class:`~bargainlab.engine.context.OwnerContext`).
With the behavioural module on, the owner's decisions also depend on its private
subjective value, so the likelihood is then exact only up to those levers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from ..beliefs.observations import RoundTrace
from ..engine.context import OwnerContext
from ..engine.negotiation import ACCEPT, Offer
from ..engine.parties import PartyBatch
from ..engine.views import OfferHistory, SideView

_TOL = 1e-12
"""Two offers (positions) closer than this are the same offer."""

MISMATCH = -2
"""Code of a decision that differs from the observed one whatever the bottom line."""


class Policy(Protocol):
    """The part of the strategy protocol the inference uses (any per-round state)."""

    @property
    def monotone_in_type(self) -> bool:
        """Whether the bisection applies (see the module docstring)."""
        ...

    def start(self, view: SideView) -> Any:
        """The per-round state."""
        ...

    def propose(self, view: SideView, state: Any, step: int) -> Offer | np.ndarray:
        """An offer for every replicate."""
        ...

    def respond(self, view: SideView, state: Any, step: int, offer: Offer) -> np.ndarray:
        """A response for every replicate."""
        ...


def _history(trace: RoundTrace, rows: np.ndarray, upto: int) -> OfferHistory:
    """The public history of replicates ``rows`` before step ``upto``."""
    history = OfferHistory(rows.shape[0])
    for s in range(upto):
        history.record(
            trace.x[s, rows],
            trace.conditional[s, rows],
            trace.proposer[s, rows] == 0,
            trace.played[s, rows],
        )
    return history


def _as_offer(value: Offer | np.ndarray) -> Offer:
    """What ``propose`` returned, as an :class:`Offer`."""
    return value if isinstance(value, Offer) else Offer.plain(np.asarray(value, dtype=float))


def _codes(
    side: int,
    view: SideView,
    policy: Policy,
    state: Any,
    step: int,
    proposes: np.ndarray,
    x_obs: np.ndarray,
    cond_obs: np.ndarray,
    response_obs: np.ndarray,
    *,
    stateful: bool = True,
) -> np.ndarray:
    """Per entry: 0 if the policy does what was observed at ``step``; -1 if it would have
    asked for less / accepted (the true bottom line is higher); +1 if it would have asked for
    more / rejected (lower); :data:`MISMATCH` if it differs in a way no bottom line explains.

    ``proposes`` marks the entries where the owner made the offer (else it responded to
    ``x_obs``). A ``stateful`` policy is asked both to propose and to respond at every step,
    as the engine does; a policy without state within the round only for what was observed
    (when every entry has the same role, the other call is skipped)."""
    if not stateful and proposes.all():
        return _offer_codes(side, view, policy, state, step, x_obs, cond_obs)
    if not stateful and not proposes.any():
        return _response_codes(view, policy, state, step, x_obs, cond_obs, response_obs)
    offer_code = _offer_codes(side, view, policy, state, step, x_obs, cond_obs)
    response_code = _response_codes(view, policy, state, step, x_obs, cond_obs, response_obs)
    return np.where(proposes, offer_code, response_code).astype(np.int8)


def _offer_codes(
    side: int,
    view: SideView,
    policy: Policy,
    state: Any,
    step: int,
    x_obs: np.ndarray,
    cond_obs: np.ndarray,
) -> np.ndarray:
    """The codes of :func:`_codes` where the owner made the offer."""
    sign = 1.0 if side == 0 else -1.0  # the owner's utility increases with sign * x
    offer = _as_offer(policy.propose(view, state, step))
    x_pred = view.issue.snap(offer.x, np.full(offer.x.shape, side))
    cond_pred = np.asarray(offer.conditional, dtype=bool)
    gap = sign * (x_pred - x_obs)
    return np.where(
        np.abs(gap) <= _TOL, np.where(cond_pred == cond_obs, 0, MISMATCH), np.where(gap < 0, -1, 1)
    ).astype(np.int8)


def _response_codes(
    view: SideView,
    policy: Policy,
    state: Any,
    step: int,
    x_obs: np.ndarray,
    cond_obs: np.ndarray,
    response_obs: np.ndarray,
) -> np.ndarray:
    """The codes of :func:`_codes` where the owner responded."""
    response = np.asarray(policy.respond(view, state, step, Offer(x_obs, cond_obs)), dtype=np.int8)
    accepted_obs = response_obs == ACCEPT
    accepted_pred = response == ACCEPT
    return np.where(
        response == response_obs,
        0,
        np.where(
            accepted_pred & ~accepted_obs, -1, np.where(~accepted_pred & accepted_obs, 1, MISMATCH)
        ),
    ).astype(np.int8)


def replay_likelihood(
    policy: Policy, trace: RoundTrace, context: OwnerContext, theta: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """``(len(rows), G)``: 1 where candidate ``theta[g]`` reproduces every decision the owner
    made in replicate ``rows[i]``, else 0; the policy is played on ``len(rows) * G``
    hypothetical replicates."""
    m, grid = rows.shape[0], theta.shape[0]
    expanded = np.repeat(rows, grid)
    candidates = np.tile(theta, m)
    history = OfferHistory(expanded.shape[0])
    view = context.probe(candidates, expanded, history)
    state = policy.start(view)
    side = context.side
    consistent = np.ones(expanded.shape[0], dtype=bool)
    for s in range(trace.steps):
        played = trace.played[s, expanded]
        if not played.any():
            break
        proposer_is0 = trace.proposer[s, expanded] == 0
        history.set_proposer(proposer_is0)
        codes = _codes(
            side, view, policy, state, s,
            trace.proposer[s, expanded] == side, trace.x[s, expanded],
            trace.conditional[s, expanded], trace.response[s, expanded],
        )  # fmt: skip
        consistent &= ~played | (codes == 0)
        history.record(trace.x[s, expanded], trace.conditional[s, expanded], proposer_is0, played)
    return consistent.reshape(m, grid).astype(float)


def bisection_likelihood(
    policy: Policy, trace: RoundTrace, context: OwnerContext, theta: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """The same as :func:`replay_likelihood` for a policy that is ``monotone_in_type``, in
    ``O(log G)`` evaluations per step (``theta`` must be non-decreasing).

    Per replicate it keeps the interval ``[lo, hi]`` of grid candidates consistent so far.
    At each step it evaluates the policy at both ends at once: when both match the observed
    decision the whole interval does (the codes are monotone), when the lowest is already too
    high or the highest too low none does, and only otherwise does it bisect for the new ends
    (the two searches run side by side, one evaluation per halving).
    """
    m, grid = rows.shape[0], theta.shape[0]
    lo = np.zeros(m, dtype=np.int64)
    hi = np.full(m, grid - 1, dtype=np.int64)
    # The probe batch holds the entries still in play, twice (low and high candidates); it is
    # rebuilt on the survivors when fewer than half of its entries are still in play.
    batch = np.arange(m)
    coder = _Coder(policy, context, theta, rows[batch], _history(trace, rows[batch], 0))
    for s in range(trace.steps):
        played = trace.played[s, rows]
        live = played & (lo <= hi)
        if not live.any():
            if not played.any():
                break
            coder.record(trace, s)
            continue
        if 2 * np.count_nonzero(live[batch]) < batch.size:
            batch = np.flatnonzero(live)
            coder = _Coder(policy, context, theta, rows[batch], _history(trace, rows[batch], s))
        coder.observe(trace, s)
        lo[batch], hi[batch] = _narrow(coder, live[batch], lo[batch], hi[batch])
        coder.record(trace, s)
    index = np.arange(grid)[None, :]
    return ((index >= lo[:, None]) & (index <= hi[:, None])).astype(float)


def _narrow(
    coder: _Coder, live: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The consistent intervals after one step (entries not ``live`` keep theirs; an empty
    interval is ``(1, 0)``)."""
    at_lo, at_hi = coder.pair(lo, hi)
    keep = (at_lo == 0) & (at_hi == 0)
    none = (at_lo > 0) | (at_hi < 0) | (at_lo == MISMATCH) | (at_hi == MISMATCH)
    first = np.where(live & none, 1, lo)
    last = np.where(live & none, 0, hi)
    search = live & ~keep & ~none
    if search.any():
        entries = np.flatnonzero(search)
        # bisect on the entries that need it only (a smaller probe batch)
        part = coder if 2 * entries.size > search.size else coder.subset(entries)
        lo_s, hi_s = lo[entries], hi[entries]
        if part is coder:
            lo_s, hi_s = np.where(search, lo, 0), np.where(search, hi, 0)
        left = np.stack([lo_s, lo_s])
        right = np.stack([hi_s, hi_s]) + 1
        open_ = left < right
        while open_.any():
            mid = np.where(open_, (left + right) // 2, left)
            mid_first, mid_after = np.minimum(mid, np.stack([hi_s, hi_s]))
            c_first, c_after = part.pair(mid_first, mid_after)
            # first: the first candidate whose code is >= 0; after: the first whose code is > 0
            holds = np.stack([c_first >= 0, c_after > 0])
            right = np.where(open_ & holds, mid, right)
            left = np.where(open_ & ~holds, mid + 1, left)
            open_ = open_ & (left < right)
        f, g = left[0], left[1] - 1
        # the matching candidates form [f, g]; check one, since a MISMATCH (no bottom line
        # explains the step) is neither below nor above
        probe = np.clip(f, lo_s, hi_s)
        check, _ = part.pair(probe, probe)
        ok = (f <= g) & (check == 0)
        new_first, new_last = np.where(ok, f, 1), np.where(ok, g, 0)
        if part is coder:
            first = np.where(search, new_first, first)
            last = np.where(search, new_last, last)
        else:
            first[entries], last[entries] = new_first, new_last
    return first, last


class _Coder:
    """Evaluates the policy's decision at one step for two candidate grid indices per entry:
    its probe view, built once, stacks the entries twice, and its history follows the
    round's record step by step."""

    def __init__(
        self,
        policy: Policy,
        context: OwnerContext,
        theta: np.ndarray,
        rows: np.ndarray,
        history: OfferHistory,
    ) -> None:
        """A coder for the replicates ``rows``, whose public history so far is ``history``."""
        self.policy, self.theta, self.side, self.context = policy, theta, context.side, context
        self.single = rows
        self.rows = np.concatenate([rows, rows])
        self.history = OfferHistory.stacked(history, history)
        self.view = context.probe(np.full(self.rows.shape[0], theta[0]), self.rows, self.history)
        self.step = 0
        self.observed: tuple[np.ndarray, ...] = ()
        self.trace: RoundTrace | None = None

    def subset(self, entries: np.ndarray) -> _Coder:
        """A coder for some of the entries, at the same step."""
        part = _Coder(
            self.policy, self.context, self.theta, self.single[entries], self.history.take(entries)
        )
        assert self.trace is not None
        part.observe(self.trace, self.step)
        return part

    def observe(self, trace: RoundTrace, step: int) -> None:
        """Set the step to evaluate (its proposer and the decisions observed at it)."""
        rows = self.rows
        self.step = step
        self.trace = trace
        self.history.set_proposer(trace.proposer[step, rows] == 0)
        self.observed = (
            trace.proposer[step, rows] == self.side,
            trace.x[step, rows],
            trace.conditional[step, rows],
            trace.response[step, rows],
        )

    def record(self, trace: RoundTrace, step: int) -> None:
        """Add the step's offer to the history."""
        rows = self.rows
        self.history.record(
            trace.x[step, rows],
            trace.conditional[step, rows],
            trace.proposer[step, rows] == 0,
            trace.played[step, rows],
        )

    def pair(self, first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The codes of candidates ``first`` (in the first copy) and ``second`` (the second)."""
        index = np.concatenate([first, second])
        view = self.view.with_own(_with_reservation(self.view.own, self.theta[index]))
        codes = _codes(
            self.side, view, self.policy, self.policy.start(view), self.step, *self.observed
        )
        half = first.shape[0]
        return codes[:half], codes[half:]


def _with_reservation(party: PartyBatch, reservation: np.ndarray) -> PartyBatch:
    """The same party with other reservation values (not validated again: a hot path)."""
    out = dataclasses.replace(party, reservation_value=np.asarray(reservation, dtype=float))
    if "linear" in party.__dict__:  # same curvature: keep the checked flag
        out.__dict__["linear"] = party.__dict__["linear"]
    return out


def path_likelihoods(
    policies: Sequence[Policy],
    trace: RoundTrace,
    context: OwnerContext,
    theta: np.ndarray,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """``(n, K, G)``: the exact likelihood of the round under each policy and candidate
    bottom line, for the replicates ``rows`` (a boolean mask; the others get 1)."""
    n = trace.n
    out = np.ones((n, len(policies), theta.shape[0]))
    index = np.flatnonzero(np.ones(n, dtype=bool) if rows is None else rows)
    if index.size == 0:
        return out
    for k, policy in enumerate(policies):
        out[index, k, :] = exact_likelihood(policy, trace, context, theta, index)
    return out


def exact_likelihood(
    policy: Policy, trace: RoundTrace, context: OwnerContext, theta: np.ndarray, index: np.ndarray
) -> np.ndarray:
    """``(len(index), G)``: the exact likelihood of the round in replicates ``index`` (integer
    positions), by bisection for a policy that is ``monotone_in_type``, else by replay."""
    method = (
        bisection_likelihood if getattr(policy, "monotone_in_type", False) else replay_likelihood
    )
    return method(policy, trace, context, theta, index)


__all__ = [
    "MISMATCH",
    "Policy",
    "bisection_likelihood",
    "exact_likelihood",
    "path_likelihoods",
    "replay_likelihood",
]
