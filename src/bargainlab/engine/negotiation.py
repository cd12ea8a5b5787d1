"""The stage game over a batch: alternating offers with a deadline, discounting, breakdown
risk and outside options.

At step ``s = 0, 1, ...`` the proposer (``first_mover`` at even steps, the other side at odd
ones) makes an offer; the responder accepts, rejects, or rejects and exits to its outside
option. After a rejection the talks break down with probability ``breakdown``. The round ends
at the first agreement, exit or breakdown, or after ``min(deadline_0, deadline_1, horizon)``
offers. Payoffs at step ``s`` are discounted by ``delta_i ** s``:

* agreement on ``x``: ``delta_i ** s * u_i(x)`` (after the obliged party's decision on a
  condition, see :func:`bargainlab.engine.terms.settle`);
* exit or breakdown after the rejection at step ``s``: ``delta_i ** s * w_i`` (outside options);
* deadline: ``delta_i ** s * d_i`` with ``d`` the outside options or the status quo terms.

There is one Python loop over steps (:mod:`bargainlab.engine.steps`) and none over
replicates. The game (:class:`Game`), the offers and response codes a strategy returns
(:mod:`bargainlab.engine.protocol`) and the result (:class:`NegotiationResult`) have modules
of their own and are importable from here.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np

from .game import Game
from .protocol import ACCEPT, EXIT, REJECT, Offer, Strategy
from .result import (
    OUTCOME_AGREEMENT,
    OUTCOME_BREAKDOWN,
    OUTCOME_DEADLINE,
    OUTCOME_EXIT,
    OUTCOME_NAMES,
    NegotiationResult,
)
from .rng import StreamRNG
from .steps import RoundOffers, play_offers
from .terms import settle
from .views import Carried

S0 = TypeVar("S0")
S1 = TypeVar("S1")


def negotiate(
    game: Game,
    strategies: tuple[Strategy[S0], Strategy[S1]],
    *,
    rng: StreamRNG | None = None,
    round_index: int = 0,
    trace: bool = False,
    carried: tuple[Carried, Carried] | None = None,
    active: np.ndarray | None = None,
) -> NegotiationResult:
    """Play one round of alternating offers on every replicate of ``game``.

    Parameters
    ----------
    game:
        The batch of stage games.
    strategies:
        ``(strategy0, strategy1)``: objects with vectorised ``start``, ``propose`` and
        ``respond`` (the :class:`~bargainlab.engine.protocol.Strategy` protocol; see
        :class:`bargainlab.strategies.Strategy`).
    rng:
        Per-replicate counter-based random numbers; required when ``breakdown > 0`` anywhere.
    round_index:
        The round number, used as a counter for random draws.
    trace:
        Record per-step offers and responses (a :class:`~bargainlab.engine.trace.Trace` of
        ``(horizon, n)`` arrays).
    carried:
        What each side brings from earlier rounds (beliefs, reference point, behavioural
        levers); relationships pass it, a one-shot game leaves it out.
    active:
        Optional mask of replicates to play. The others make no offers: ``steps == 0``, no
        agreement, the status quo as terms and first offer, and zeros in the trace. Only the
        active replicates are shown to the strategies (a relationship that an earlier round
        ended costs nothing), and each gets the numbers it would get in a batch of its own.
    """
    rows = _playing(game, strategies, rng, active)
    both = carried or (Carried(), Carried())
    if rows.size == game.n:
        played = play_offers(
            game, strategies, rng=rng, round_index=round_index, trace=trace, carried=both
        )
    else:
        played = RoundOffers.unplayed(game, trace)
        if rows.size:
            sub = play_offers(
                game.take(rows),
                strategies,
                rng=None if rng is None else rng.take(rows),
                round_index=round_index,
                trace=trace,
                carried=(both[0].take(rows), both[1].take(rows)),
            )
            played.put(rows, sub)
    return _result(game, played)


def _playing(
    game: Game,
    strategies: tuple[Strategy[S0], Strategy[S1]],
    rng: StreamRNG | None,
    active: np.ndarray | None,
) -> np.ndarray:
    """The integer positions of the replicates to play (checks the arguments of
    :func:`negotiate`, naming the one at fault)."""
    n = game.n
    if len(strategies) != 2:
        raise ValueError("strategies must be a pair (strategy for party 0, strategy for party 1)")
    if rng is None and np.any(game.breakdown > 0):
        raise ValueError("rng is required when breakdown > 0")
    if rng is not None and rng.n != n:
        raise ValueError(f"rng has {rng.n} replicate keys, the game has {n} replicates")
    mask = np.ones(n, dtype=bool) if active is None else np.asarray(active, dtype=bool)
    if mask.shape != (n,):
        raise ValueError(f"active must have one entry per replicate ({n}); got {mask.shape}")
    return np.flatnonzero(mask)


def _result(game: Game, played: RoundOffers) -> NegotiationResult:
    """The payoffs of the round's offers, discounted to the step at which the round ended."""
    p0, p1 = game.parties
    curv = (p0.utility_curvature, p1.utility_curvature)
    outcome, history = played.outcome, played.history
    end_step = np.maximum(played.steps - 1, 0)
    disc = np.stack([p0.delta**end_step, p1.delta**end_step], axis=1)
    agreed = outcome == OUTCOME_AGREEMENT
    u0, u1, met, realised = settle(played.final_x, played.final_cond & agreed, curv, game.condition)
    no_deal_out = (outcome == OUTCOME_BREAKDOWN) | (outcome == OUTCOME_EXIT)
    d0, d1 = game.disagreement_payoff(0), game.disagreement_payoff(1)
    base0 = np.where(agreed, u0, np.where(no_deal_out, p0.outside_option, d0))
    base1 = np.where(agreed, u1, np.where(no_deal_out, p1.outside_option, d1))
    util = np.stack([base0, base1], axis=1) * disc
    if game.disagreement == "status_quo":
        realised = np.where(agreed, realised, game.status_quo)
    return NegotiationResult(
        agreed=agreed,
        outcome=outcome,
        steps=played.steps,
        x=played.final_x,
        conditional=played.final_cond & agreed,
        condition_met=met & agreed,
        realised_x=realised,
        utility=np.clip(util, 0.0, 1.0),
        exited_by=played.exited_by,
        proposer=played.agreed_by,
        last_offer=history.last.T.copy(),
        last_offer_conditional=history.conditional.T.copy(),
        first_offer=played.first_offer,
        offers_made=history.count.T.copy(),
        trace=played.trace,
    )


__all__ = [
    "ACCEPT",
    "EXIT",
    "OUTCOME_AGREEMENT",
    "OUTCOME_BREAKDOWN",
    "OUTCOME_DEADLINE",
    "OUTCOME_EXIT",
    "OUTCOME_NAMES",
    "REJECT",
    "Game",
    "NegotiationResult",
    "Offer",
    "negotiate",
]
