"""Backward induction of the engine's finite stage game over a batch.

:func:`spe_thresholds` solves the complete-information alternating-offers game that the
engine plays (finite horizon, per-party discounting, breakdown risk, outside options with the
option to exit, a discrete issue) for every replicate of a batch at once, with one Python
loop over steps. :class:`bargainlab.strategies.Equilibrium` plays these tables; in self-play
they reproduce :func:`~bargainlab.theory.rubinstein` (finite horizon),
:func:`~bargainlab.theory.outside_option` and :func:`~bargainlab.theory.breakdown`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._checks import as_batch, check_scalar

_TOL = 1e-12


# ---- the engine's stage game by backward induction --------------------------------------------
@dataclass(frozen=True)
class SPETables:
    """Backward-induction tables of the finite stage game over a batch.

    Arrays have shape ``(n, H)`` with ``H`` the largest horizon in the batch; column ``s``
    describes step ``s`` (columns at or beyond a replicate's own horizon are padding).
    Values are in *step-s units*: the payoff actually received at step ``s`` is ``δ_i^s``
    times the tabulated value.

    Attributes
    ----------
    offer:
        The position the step-``s`` proposer offers in equilibrium.
    agree:
        Whether that offer is accepted (``False``: the proposer prefers the rejection
        outcome and asks for its ideal position).
    threshold:
        The least utility the step-``s`` responder accepts: its rejection value
        ``R_j(s)``, lowered to the utility of the equilibrium offer where the issue's levels
        (or rounding) make that offer worth marginally less.
    rejection_value:
        ``R_j(s) = p·w_j + (1 − p)·max(w_j if exit else −∞, C_j(s))``.
    exit:
        Whether the step-``s`` responder exits after rejecting (``w_j > C_j(s)``).
    value:
        Shape ``(n, 2)``: each party's equilibrium value at step 0 (the predicted payoffs).
    horizon:
        Shape ``(n,)``: each replicate's horizon.
    """

    offer: np.ndarray
    agree: np.ndarray
    threshold: np.ndarray
    rejection_value: np.ndarray
    exit: np.ndarray
    value: np.ndarray
    horizon: np.ndarray


def _pair(name: str, value: object, n: int, **limits: Any) -> np.ndarray:
    """Validate a per-party pair ``(party0, party1)`` into an ``(n, 2)`` array."""
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise TypeError(f"{name} must be a pair (party 0, party 1) of numbers or arrays")
    return np.stack([as_batch(f"{name}[{i}]", value[i], n, **limits) for i in (0, 1)], axis=1)


def _batch_size(*values: object) -> int:
    sizes = []
    for v in values:
        items = v if isinstance(v, tuple | list) else (v,)
        sizes += [np.size(x) for x in items if not np.isscalar(x) and np.ndim(x) > 0]
    return max(sizes, default=1)


def spe_thresholds(
    delta: tuple[ArrayLike, ArrayLike],
    outside_option: tuple[ArrayLike, ArrayLike],
    disagreement: tuple[ArrayLike, ArrayLike],
    horizon: ArrayLike,
    *,
    first_mover: ArrayLike = 0,
    breakdown: ArrayLike = 0.0,
    allow_exit: bool = True,
    curvature: tuple[ArrayLike, ArrayLike] = (1.0, 1.0),
    levels: int | None = None,
) -> SPETables:
    """Subgame-perfect play of the engine's finite stage game, by backward induction.

    The game is :func:`bargainlab.engine.negotiation.negotiate`'s: at step s = 0..H−1 the proposer
    (``first_mover`` at even s) offers x; agreement pays δ_i^s·u_i(x). After a rejection the
    talks break down with probability p (both get w), else the responder may exit (both get
    w) if ``allow_exit``, else play goes on; after the last rejection both get d. In step-s
    units, with C_i(s) = δ_i·V_i(s+1) for s < H−1 and C_i(H−1) = d_i,

        exit_j(s) = allow_exit and w_j > C_j(s)
        R_j(s)    = p·w_j + (1 − p)·(w_j if exit_j(s) else C_j(s))   (responder j)
        Q_i(s)    = p·w_i + (1 − p)·(w_i if exit_j(s) else C_i(s))   (proposer i)

    The proposer's best accepted offer x* gives j exactly R_j(s) (on a discrete issue, the
    admissible level best for i that gives j at least R_j(s)). If u_i(x*) >= Q_i(s) it is
    offered and accepted, V = (u_i(x*), u_j(x*)); otherwise i asks for its ideal position,
    j rejects, and V = (Q_i, R_j). Ties go to agreement and to staying. This reproduces
    Rubinstein/Ståhl, the outside-option principle and the breakdown model (see the
    functions above) in their limits. One Python loop over steps, vectorised over the batch.

    Parameters
    ----------
    delta, outside_option, disagreement, curvature:
        Pairs ``(party0, party1)`` of scalars or ``(n,)`` arrays: discount factors in
        [0, 1], outside options w in [0, 1], payoffs d in [0, 1] after the last rejection,
        and utility curvatures a in (0, 100] (u_0 = x^a0, u_1 = (1 − x)^a1).
    horizon:
        Number of offers H >= 1 (scalar or per replicate).
    first_mover:
        Party 0 or 1 that proposes at step 0.
    breakdown:
        Breakdown probability p in [0, 1] after each rejection.
    allow_exit:
        Whether a responder may take its outside option after rejecting.
    levels:
        Number of admissible positions (>= 2) or ``None`` for a continuous issue.
    """
    n = _batch_size(delta, outside_option, disagreement, curvature, horizon, first_mover, breakdown)
    dl = _pair("delta", delta, n, low=0, high=1)
    w = _pair("outside_option", outside_option, n, low=0, high=1)
    d = _pair("disagreement", disagreement, n, low=0, high=1)
    a = _pair("curvature", curvature, n, low=0, low_open=True, high=100)
    hz = as_batch("horizon", horizon, n, low=1, integer=True)
    fm = as_batch("first_mover", first_mover, n, low=0, high=1, integer=True)
    p = as_batch("breakdown", breakdown, n, low=0, high=1)
    if not isinstance(allow_exit, bool):
        raise TypeError("allow_exit must be True or False")
    if levels is not None:
        levels = int(check_scalar("levels", levels, low=2, integer=True))

    # Group replicates by first mover: the proposer masks below become two contiguous blocks,
    # which makes np.where several times faster than on an interleaved mask.
    order: np.ndarray | None  # None: the batch is already grouped
    order = np.argsort(fm, kind="stable")
    if np.array_equal(order, np.arange(n)):
        order = None
    else:
        dl, w, d, a, hz, fm, p = (arr[order] for arr in (dl, w, d, a, hz, fm, p))

    big_h = int(hz.max())
    # step-major storage, returned transposed: column s of an (n, H) table is contiguous
    offer = np.empty((big_h, n))
    agree = np.empty((big_h, n), dtype=bool)
    threshold = np.empty((big_h, n))
    rejection = np.empty((big_h, n))
    leaves = np.empty((big_h, n), dtype=bool)
    # per-party columns; "i" is the step's proposer, "j" its responder
    (d0, d1), (w0, w1), (a0, a1), (dl0, dl1) = (d.T, w.T, a.T, dl.T)
    linear = bool(np.all(a == 1.0))  # u = share: skip the powers (same numbers as terms.utility)
    v0, v1 = d0.copy(), d1.copy()  # V(s + 1); only read where s < H - 1
    even_is_0 = fm == 0
    for s in range(big_h - 1, -1, -1):
        last = s >= hz - 1
        c0 = np.where(last, d0, dl0 * v0)  # C_i(s)
        c1 = np.where(last, d1, dl1 * v1)
        prop0 = even_is_0 if s % 2 == 0 else ~even_is_0
        c_i, c_j = np.where(prop0, c0, c1), np.where(prop0, c1, c0)
        w_i, w_j = np.where(prop0, w0, w1), np.where(prop0, w1, w0)
        out = allow_exit & (w_j > c_j)
        r_j = np.minimum(p * w_j + (1.0 - p) * np.where(out, w_j, c_j), 1.0)
        q_i = p * w_i + (1.0 - p) * np.where(out, w_i, c_i)
        # x*: the position giving j exactly R_j (terms.position): j's share is R_j^(1/a_j)
        if linear:
            share_j = r_j
        else:
            a_i, a_j = np.where(prop0, a0, a1), np.where(prop0, a1, a0)
            share_j = r_j ** (1.0 / a_j)
        x_star = np.where(prop0, 1.0 - share_j, share_j)
        if levels is not None:
            # the best admissible level for the proposer that still gives j at least R_j
            k = levels - 1
            x_star = np.where(
                prop0, np.floor(x_star * k + 1e-9) / k, np.ceil(x_star * k - 1e-9) / k
            )
            x_star = np.clip(x_star, 0.0, 1.0)
        # utilities of x* (terms.utility): party 0's share is x, party 1's is 1 - x
        share_i = np.where(prop0, x_star, 1.0 - x_star)
        share_j = np.where(prop0, 1.0 - x_star, x_star)
        u_i, u_j = (share_i, share_j) if linear else (share_i**a_i, share_j**a_j)
        ok = u_i >= q_i - _TOL
        v_i = np.where(ok, u_i, q_i)
        v_j = np.where(ok, u_j, r_j)
        offer[s] = np.where(ok, x_star, np.where(prop0, 1.0, 0.0))
        agree[s] = ok
        threshold[s] = np.where(ok, np.minimum(r_j, u_j), r_j)
        rejection[s] = r_j
        leaves[s] = out
        v0, v1 = np.where(prop0, v_i, v_j), np.where(prop0, v_j, v_i)
    value = np.stack([v0, v1], axis=1)
    if order is not None:
        back = np.empty_like(order)
        back[order] = np.arange(n)
        offer, agree, threshold, rejection, leaves = (
            t[:, back] for t in (offer, agree, threshold, rejection, leaves)
        )
        value, hz = value[back], hz[back]
    return SPETables(
        offer=offer.T,
        agree=agree.T,
        threshold=threshold.T,
        rejection_value=rejection.T,
        exit=leaves.T,
        value=value,
        horizon=hz,
    )


__all__ = ["SPETables", "spe_thresholds"]
