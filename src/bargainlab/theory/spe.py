"""Backward induction of the engine's finite stage game over a batch.

:func:`spe_thresholds` solves the complete-information alternating-offers game that the
engine plays (finite horizon, per-party discounting, breakdown risk, outside options with the
option to exit, a discrete issue) for every replicate of a batch at once, with one Python
loop over steps. :class:`bargainlab.strategies.Equilibrium` plays these tables; in self-play
they reproduce :func:`~bargainlab.theory.rubinstein` (finite horizon),
:func:`~bargainlab.theory.outside_option` and :func:`~bargainlab.theory.breakdown`.

The game is :func:`bargainlab.engine.negotiation.negotiate`'s: at step s = 0..H−1 the proposer
(``first_mover`` at even s) offers x; agreement pays δ_i^s·u_i(x). After a rejection the
talks break down with probability p (both get w), else the responder may exit (both get w)
if ``allow_exit``, else play goes on; after the last rejection both get d. In step-s units,
with C_i(s) = δ_i·V_i(s+1) for s < H−1 and C_i(H−1) = d_i,

    exit_j(s) = allow_exit and w_j > C_j(s)
    R_j(s)    = p·w_j + (1 − p)·(w_j if exit_j(s) else C_j(s))   (responder j)
    Q_i(s)    = p·w_i + (1 − p)·(w_i if exit_j(s) else C_i(s))   (proposer i)

The proposer's best accepted offer x* gives j exactly R_j(s) (on a discrete issue, the
admissible level best for i that gives j at least R_j(s)). If u_i(x*) >= Q_i(s) it is offered
and accepted, V = (u_i(x*), u_j(x*)); otherwise i asks for its ideal position, j rejects, and
V = (Q_i, R_j). Ties go to agreement and to staying. This reproduces Rubinstein/Ståhl, the
outside-option principle and the breakdown model in their limits.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..support.validation import as_batch, check_scalar

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
    """The batch size of the arguments: the longest array among them (1 for scalars)."""
    sizes = []
    for v in values:
        items = v if isinstance(v, tuple | list) else (v,)
        sizes += [np.size(x) for x in items if not np.isscalar(x) and np.ndim(x) > 0]
    return max(sizes, default=1)


@dataclass(frozen=True)
class _Games:
    """The validated parameters of a batch of stage games, per replicate."""

    delta: np.ndarray
    """``(n, 2)`` discount factors."""
    outside: np.ndarray
    """``(n, 2)`` outside options."""
    disagreement: np.ndarray
    """``(n, 2)`` payoffs after the last rejection."""
    curvature: np.ndarray
    """``(n, 2)`` utility curvatures."""
    horizon: np.ndarray
    first_mover: np.ndarray
    breakdown: np.ndarray

    @classmethod
    def validated(cls, *values: Any) -> _Games:
        """The games of :func:`spe_thresholds`'s arguments ``delta, outside_option,
        disagreement, curvature, horizon, first_mover, breakdown`` (ValueError or TypeError
        naming the one at fault)."""
        n = _batch_size(*values)
        delta, outside, disagreement, curvature, horizon, first_mover, breakdown = values
        return cls(
            delta=_pair("delta", delta, n, low=0, high=1),
            outside=_pair("outside_option", outside, n, low=0, high=1),
            disagreement=_pair("disagreement", disagreement, n, low=0, high=1),
            curvature=_pair("curvature", curvature, n, low=0, low_open=True, high=100),
            horizon=as_batch("horizon", horizon, n, low=1, integer=True),
            first_mover=as_batch("first_mover", first_mover, n, low=0, high=1, integer=True),
            breakdown=as_batch("breakdown", breakdown, n, low=0, high=1),
        )

    def take(self, index: np.ndarray) -> _Games:
        """The games of the replicates ``index``, in that order."""
        return _Games(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @property
    def linear(self) -> bool:
        """Whether every utility is linear (u = share: the powers are skipped)."""
        return bool(np.all(self.curvature == 1.0))


@dataclass(frozen=True)
class _Step:
    """The solution at one step: the proposer's offer and whether it is accepted, the
    responder's threshold, rejection value and exit, and both players' values."""

    offer: np.ndarray
    agree: np.ndarray
    threshold: np.ndarray
    rejection: np.ndarray
    exit: np.ndarray
    values: tuple[np.ndarray, np.ndarray]
    """``(V_0, V_1)`` at the step, in step-s units."""


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
    """Subgame-perfect play of the engine's finite stage game, by backward induction (the
    recursion is in the module docstring), vectorised over the batch.

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
    games = _Games.validated(
        delta, outside_option, disagreement, curvature, horizon, first_mover, breakdown
    )
    n = games.horizon.shape[0]
    if not isinstance(allow_exit, bool):
        raise TypeError("allow_exit must be True or False")
    if levels is not None:
        levels = int(check_scalar("levels", levels, low=2, integer=True))
    # Group replicates by first mover: the proposer masks become two contiguous blocks, which
    # makes np.where several times faster than on an interleaved mask.
    order = np.argsort(games.first_mover, kind="stable")
    if np.array_equal(order, np.arange(n)):
        tables, value = _backward_induction(games, allow_exit, levels)
    else:
        tables, value = _backward_induction(games.take(order), allow_exit, levels)
        back = np.empty_like(order)
        back[order] = np.arange(n)
        tables = {name: table[:, back] for name, table in tables.items()}
        value = value[back]
    return SPETables(
        offer=tables["offer"].T,
        agree=tables["agree"].T,
        threshold=tables["threshold"].T,
        rejection_value=tables["rejection"].T,
        exit=tables["exit"].T,
        value=value,
        horizon=games.horizon,
    )


def _backward_induction(
    games: _Games, allow_exit: bool, levels: int | None
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The step-major ``(H, n)`` tables of a batch (by :class:`_Step` field) and the
    ``(n, 2)`` values at step 0: one Python loop over the steps from the last one back."""
    big_h, n = int(games.horizon.max()), games.horizon.shape[0]
    # step-major storage, returned transposed: column s of an (n, H) table is contiguous
    tables = {
        name: np.empty((big_h, n), dtype=bool if name in ("agree", "exit") else float)
        for name in ("offer", "agree", "threshold", "rejection", "exit")
    }
    d0, d1 = games.disagreement.T
    dl0, dl1 = games.delta.T
    values = (d0.copy(), d1.copy())  # V(s + 1); only read where s < H - 1
    even_is_0 = games.first_mover == 0
    linear = games.linear
    for s in range(big_h - 1, -1, -1):
        last = s >= games.horizon - 1
        waiting = (np.where(last, d0, dl0 * values[0]), np.where(last, d1, dl1 * values[1]))
        prop0 = even_is_0 if s % 2 == 0 else ~even_is_0
        step = _solve_step(games, prop0, waiting, (allow_exit, linear), levels)
        for name, table in tables.items():
            table[s] = getattr(step, name)
        values = step.values
    return tables, np.stack(values, axis=1)


def _solve_step(
    games: _Games,
    prop0: np.ndarray,
    waiting: tuple[np.ndarray, np.ndarray],
    rules: tuple[bool, bool],
    levels: int | None,
) -> _Step:
    """One step of the recursion: ``prop0`` says where party 0 proposes, ``waiting`` is
    each party's C(s) (its value of going on after a rejection, in step-s units), ``rules``
    whether a responder may exit and whether every utility is linear."""
    allow_exit, linear = rules
    (w0, w1), (a0, a1), p = games.outside.T, games.curvature.T, games.breakdown
    c_i, c_j = np.where(prop0, waiting[0], waiting[1]), np.where(prop0, waiting[1], waiting[0])
    w_i, w_j = np.where(prop0, w0, w1), np.where(prop0, w1, w0)
    out = allow_exit & (w_j > c_j)
    r_j = np.minimum(p * w_j + (1.0 - p) * np.where(out, w_j, c_j), 1.0)
    q_i = p * w_i + (1.0 - p) * np.where(out, w_i, c_i)
    a_i, a_j = (None, None) if linear else (np.where(prop0, a0, a1), np.where(prop0, a1, a0))
    # x*: the position giving j exactly R_j (terms.position): j's share is R_j^(1/a_j)
    share_j = r_j if a_j is None else r_j ** (1.0 / a_j)
    x_star = _admissible(np.where(prop0, 1.0 - share_j, share_j), prop0, levels)
    # utilities of x* (terms.utility): party 0's share is x, party 1's is 1 - x
    share_i = np.where(prop0, x_star, 1.0 - x_star)
    share_j = np.where(prop0, 1.0 - x_star, x_star)
    u_i, u_j = (share_i, share_j) if a_i is None else (share_i**a_i, share_j**a_j)
    ok = u_i >= q_i - _TOL
    v_i, v_j = np.where(ok, u_i, q_i), np.where(ok, u_j, r_j)
    return _Step(
        offer=np.where(ok, x_star, np.where(prop0, 1.0, 0.0)),
        agree=ok,
        threshold=np.where(ok, np.minimum(r_j, u_j), r_j),
        rejection=r_j,
        exit=out,
        values=(np.where(prop0, v_i, v_j), np.where(prop0, v_j, v_i)),
    )


def _admissible(x_star: np.ndarray, prop0: np.ndarray, levels: int | None) -> np.ndarray:
    """On a discrete issue, the best admissible level for the proposer that still gives the
    responder at least what ``x_star`` gives it; ``x_star`` itself on a continuous one."""
    if levels is None:
        return x_star
    k = levels - 1
    x_star = np.where(prop0, np.floor(x_star * k + 1e-9) / k, np.ceil(x_star * k - 1e-9) / k)
    return np.clip(x_star, 0.0, 1.0)


__all__ = ["SPETables", "spe_thresholds"]
