"""What each side observed in a round: the whole public record, and a few summaries of it.

:class:`RoundTrace` is the round's public record step by step (every offer, whether it
carried the condition, and the response to it); exact Bayesian learners evaluate their
hypotheses against all of it. :class:`RoundObservation` summarises it for one side (its
opponent's best offer, the responses to its own offers, ...), which is all that
the naive learners and the behavioural module read. Both are computed from the engine's
per-step trace without a loop over replicates; steps are 0-based and ``-1`` means "never
happened".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine.negotiation import ACCEPT, NegotiationResult


@dataclass(frozen=True)
class RoundTrace:
    """The public record of one round, step by step (arrays of shape ``(S, n)``, ``S`` the
    longest round in the batch; a step that was not played has ``played`` False)."""

    played: np.ndarray
    proposer: np.ndarray
    """The side (0 or 1) that made the offer at each step."""
    x: np.ndarray
    """The offer (a position, as snapped to the issue's levels)."""
    conditional: np.ndarray
    """Whether the offer carried the compensation condition."""
    response: np.ndarray
    """The responder's answer: REJECT, ACCEPT or EXIT."""

    @classmethod
    def from_result(cls, result: NegotiationResult) -> RoundTrace:
        """The public record of a round played with ``negotiate(..., trace=True)``."""
        if result.trace is None:
            raise ValueError("a round trace needs negotiate(..., trace=True)")
        tr = result.trace
        return cls(tr.played, tr.proposer, tr.x, tr.conditional, tr.response)

    @property
    def steps(self) -> int:
        """The number of steps recorded (the longest round of the batch)."""
        return self.played.shape[0]

    @property
    def n(self) -> int:
        """The number of replicates."""
        return self.played.shape[1]

    def take(self, rows: np.ndarray) -> RoundTrace:
        """The record of a subset of replicates (integer positions)."""
        return RoundTrace(
            self.played[:, rows], self.proposer[:, rows], self.x[:, rows],
            self.conditional[:, rows], self.response[:, rows],
        )  # fmt: skip


@dataclass(frozen=True)
class RoundObservation:
    """One side's observation of its opponent in one round (arrays of shape ``(n,)``): what
    the naive learners' truncation likelihood and the behavioural module read."""

    opp_made_offer: np.ndarray
    """Whether the opponent made an offer."""
    opp_best_x: np.ndarray
    """The opponent's offer most generous to the observer."""
    opp_best_conditional: np.ndarray
    """Whether that offer carried the condition."""
    own_last_x: np.ndarray
    """The observer's last offer (its ideal position if it made none)."""
    opp_last_response: np.ndarray
    """The opponent's response to the observer's last offer (REJECT, ACCEPT, EXIT; -1 none)."""
    rejected_any: np.ndarray
    """Whether the opponent rejected any of the observer's offers."""
    own_rejected_best_x: np.ndarray
    """The observer's offer most generous to the opponent that the opponent rejected."""
    agreed: np.ndarray
    """Whether the round ended in agreement."""
    instant_mine: np.ndarray
    """The opponent accepted the observer's very first offer at once."""


def _last_index(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the last True along axis 0 (and whether any), for a ``(T, n)`` mask."""
    t = mask.shape[0]
    any_ = np.asarray(mask.any(axis=0))  # (n,); the stubs type any(axis=...) scalar-or-array
    last = t - 1 - np.argmax(mask[::-1], axis=0)
    return np.where(any_, last, -1), any_


def _pick(arr: np.ndarray, idx: np.ndarray, default: float | bool) -> np.ndarray:
    """``arr[idx[i], i]`` per replicate ``i`` of a ``(T, n)`` array, ``default`` where
    ``idx`` is -1."""
    n = arr.shape[1]
    safe = np.clip(idx, 0, arr.shape[0] - 1)
    return np.where(idx >= 0, arr[safe, np.arange(n)], default)


def observe(result: NegotiationResult, side: int) -> RoundObservation:
    """Summarise what ``side`` saw of its opponent, from a result recorded with a trace."""
    if result.trace is None:
        raise ValueError("observations need a trace: call negotiate(..., trace=True)")
    tr = result.trace
    played, proposer, x, cond, resp = tr.played, tr.proposer, tr.x, tr.conditional, tr.response
    opp_mask = played & (proposer == 1 - side)
    own_mask = played & (proposer == side)
    own_last, own_any = _last_index(own_mask)
    opp_any = np.asarray(opp_mask.any(axis=0))

    # "generous to the observer": high x for side 0, low x for side 1
    sign = 1.0 if side == 0 else -1.0
    score = np.where(opp_mask, sign * x, -np.inf)
    best_idx = np.where(opp_any, np.argmax(score, axis=0), -1)
    worst_own = np.where(own_mask & (resp != ACCEPT), -sign * x, -np.inf)
    rej_any = np.asarray(np.isfinite(worst_own).any(axis=0))
    rej_idx = np.where(rej_any, np.argmax(worst_own, axis=0), -1)

    ideal = 1.0 if side == 0 else 0.0
    mine = result.agreed & (result.proposer == side)
    return RoundObservation(
        opp_made_offer=opp_any,
        opp_best_x=_pick(x, best_idx, 1.0 - ideal),
        opp_best_conditional=_pick(cond, best_idx, False).astype(bool),
        own_last_x=_pick(x, own_last, ideal),
        opp_last_response=np.where(own_any, _pick(resp, own_last, -1), -1).astype(np.int8),
        rejected_any=rej_any,
        own_rejected_best_x=_pick(x, rej_idx, ideal),
        agreed=result.agreed,
        instant_mine=mine & (result.steps == 1),
    )
