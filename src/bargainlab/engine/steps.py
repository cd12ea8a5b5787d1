"""The offers of one round, step by step, over a batch in which every replicate plays.

At step ``s`` the proposer (``first_mover`` at even steps, the other side at odd ones) makes
an offer, snapped to the issue's levels in its favour; only the condition's holder may
attach the condition. The responder accepts, rejects, or rejects and exits. After a
rejection the talks break down with probability ``breakdown``; the round ends at the first
agreement, exit or breakdown, or after the most offers a replicate can make. :func:`play_offers`
records how it went (:class:`RoundOffers`); the payoffs are settled by
:func:`bargainlab.engine.negotiation.negotiate`. One Python loop over steps, none over
replicates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, TypeVar

import numpy as np

from .game import Game
from .protocol import ACCEPT, EXIT, REJECT, Offer, Strategy
from .result import OUTCOME_AGREEMENT, OUTCOME_BREAKDOWN, OUTCOME_DEADLINE, OUTCOME_EXIT
from .rng import STREAM_BREAKDOWN, StreamRNG
from .terms import utility
from .trace import Trace
from .views import Carried, OfferHistory, SideView

S0 = TypeVar("S0")
S1 = TypeVar("S1")


@dataclass
class RoundOffers:
    """Per replicate (``(n,)`` arrays), how the offers of a round went, before the payoffs
    are settled."""

    outcome: np.ndarray
    """How the round ended (an ``OUTCOME_*`` code)."""
    steps: np.ndarray
    """The offers made."""
    final_x: np.ndarray
    """The agreed position; without agreement the status quo, or the last offer on the table
    in ``outside_options`` mode."""
    final_cond: np.ndarray
    """Whether the agreed offer carried the condition."""
    exited_by: np.ndarray
    """The side that exited (-1: none)."""
    agreed_by: np.ndarray
    """The side whose offer was accepted (-1: none)."""
    first_offer: np.ndarray
    """The round's first offer (the status quo if none was made)."""
    history: OfferHistory
    """The round's public history at its end."""
    trace: Trace | None
    """The per-step trace, when asked for."""

    @classmethod
    def unplayed(cls, game: Game, trace: bool) -> RoundOffers:
        """A round of ``game`` in which no replicate has made an offer yet."""
        n = game.n
        status_quo = np.asarray(game.status_quo, dtype=float)
        return cls(
            outcome=np.full(n, OUTCOME_DEADLINE, dtype=np.int8),
            steps=np.zeros(n, dtype=np.int64),
            final_x=status_quo.copy(),
            final_cond=np.zeros(n, dtype=bool),
            exited_by=np.full(n, -1, dtype=np.int8),
            agreed_by=np.full(n, -1, dtype=np.int8),
            first_offer=status_quo.copy(),
            history=OfferHistory(n),
            trace=Trace.zeros(max_steps(game), n) if trace else None,
        )

    def put(self, rows: np.ndarray, sub: RoundOffers) -> None:
        """Write the offers of the replicates ``rows`` (played as a batch of their own)."""
        for f in fields(self):
            mine = getattr(self, f.name)
            if isinstance(mine, np.ndarray):
                mine[rows] = getattr(sub, f.name)
        self.history.put(rows, sub.history)
        if self.trace is not None and sub.trace is not None:
            self.trace.put(rows, sub.trace)

    def settle(
        self,
        step: int,
        offer: Offer,
        answer: Answer,
        proposer: np.ndarray,
        active: np.ndarray,
        *,
        keep_last_offer: bool,
    ) -> np.ndarray:
        """Record how the offer of ``step`` was answered (``keep_last_offer``: a failed
        round's terms are its last offer); returns where the round ended."""
        accept = answer.accept
        self.outcome[accept] = OUTCOME_AGREEMENT
        self.agreed_by[accept] = proposer[accept]
        np.copyto(self.final_x, offer.x, where=accept)
        np.copyto(self.final_cond, offer.conditional, where=accept)
        if answer.broke is not None:
            self.outcome[answer.broke] = OUTCOME_BREAKDOWN
        if answer.exits is not None:
            self.outcome[answer.exits] = OUTCOME_EXIT
            self.exited_by[answer.exits] = (1 - proposer)[answer.exits]
        failed = answer.failed()
        if keep_last_offer:
            np.copyto(self.final_x, offer.x, where=failed)
        np.copyto(self.steps, step + 1, where=active)
        return failed | accept


@dataclass(frozen=True)
class Answer:
    """How the responders answered the offer of one step (``(n,)`` masks over the replicates
    still playing; ``None``: nowhere, so that a step without a breakdown or an exit costs
    nothing more)."""

    accept: np.ndarray
    """The offer was accepted."""
    broke: np.ndarray | None
    """The talks broke down after a rejection (``None`` without breakdown risk)."""
    exits: np.ndarray | None
    """The responder rejected and took its outside option (``None`` if no one did)."""
    last: np.ndarray
    """The rejected offer was the last one the round allows."""

    def failed(self) -> np.ndarray:
        """Where the round ended without agreement at this step."""
        failed = self.last
        if self.broke is not None:
            failed = failed | self.broke
        if self.exits is not None:
            failed = failed | self.exits
        return failed

    def codes(self) -> np.ndarray:
        """The response codes as the trace records them (``REJECT`` where not playing)."""
        codes = np.where(self.accept, ACCEPT, REJECT)
        if self.exits is not None:
            codes = np.where(self.exits, EXIT, codes)
        return codes


@dataclass(frozen=True)
class RoundRules:
    """What is fixed about the steps of one round of ``game``."""

    game: Game
    horizon: np.ndarray
    """``(n,)``: the most offers each replicate can make."""
    rng: StreamRNG | None
    """The breakdown draws (``None`` where no replicate risks a breakdown)."""
    round_index: int
    keep_last_offer: bool
    """Whether a failed round's terms are its last offer (``outside_options`` mode)."""

    @classmethod
    def of(cls, game: Game, rng: StreamRNG | None, round_index: int) -> RoundRules:
        """The rules of a round of ``game`` (``rng`` is dropped if nothing can break down)."""
        risky = rng is not None and bool(np.any(game.breakdown > 0))
        keep = game.disagreement == "outside_options"
        return cls(game, game.max_offers(), rng if risky else None, round_index, keep)

    def answer(self, step: int, response: np.ndarray, active: np.ndarray) -> Answer:
        """How the replicates still playing (``active``) end or go on after ``response``."""
        game = self.game
        accept = active & (response == ACCEPT)
        reject = active & ~accept
        broke = None
        if self.rng is not None:
            draws = self.rng.uniform(self.round_index, step, STREAM_BREAKDOWN)
            broke = reject & (draws < game.breakdown)
            reject = reject & ~broke
        exits = None
        if game.allow_exit:
            leaving = reject & (response == EXIT)
            if leaving.any():
                exits = leaving
                reject = reject & ~leaving
        last = reject & (step + 1 >= self.horizon)
        return Answer(accept, broke, exits, last)


def max_steps(game: Game) -> int:
    """The most offers any replicate of ``game`` can make in a round (0 for an empty batch)."""
    horizon = game.max_offers()
    return int(horizon.max()) if horizon.size else 0


def play_offers(
    game: Game,
    strategies: tuple[Strategy[S0], Strategy[S1]],
    *,
    rng: StreamRNG | None,
    round_index: int,
    trace: bool,
    carried: tuple[Carried, Carried],
) -> RoundOffers:
    """The offers of one round, every replicate of ``game`` playing (see the module)."""
    offers = RoundOffers.unplayed(game, trace)
    views = (
        game.view(0, offers.history, round_index=round_index, carried=carried[0]),
        game.view(1, offers.history, round_index=round_index, carried=carried[1]),
    )
    states = (strategies[0].start(views[0]), strategies[1].start(views[1]))
    rules = RoundRules.of(game, rng, round_index)
    fm_even = game.first_mover == 0  # party 0 proposes at even steps where it moves first
    side_when_even = np.where(fm_even, 0, 1).astype(np.int8)
    turns = tuple(  # who proposes at even and at odd steps, and how it rounds its offers
        (is0, side, game.issue.rounder(side))
        for is0, side in ((fm_even, side_when_even), (~fm_even, 1 - side_when_even))
    )
    active = np.ones(game.n, dtype=bool)
    for s in range(max_steps(game)):
        if not active.any():
            break
        proposer_is0, proposer, snap = turns[s % 2]
        offers.history.set_proposer(proposer_is0)
        offer = _proposal(game, strategies, (views, states), s, proposer_is0, snap)
        if s == 0:
            offers.first_offer = offer.x.copy()
        r0 = np.asarray(strategies[0].respond(views[0], states[0], s, offer), dtype=np.int8)
        r1 = np.asarray(strategies[1].respond(views[1], states[1], s, offer), dtype=np.int8)
        answer = rules.answer(s, np.where(proposer_is0, r1, r0), active)
        if offers.trace is not None:
            _record(offers.trace, s, game, active, proposer, offer, answer)
        ended = offers.settle(
            s, offer, answer, proposer, active, keep_last_offer=rules.keep_last_offer
        )
        offers.history.record(offer.x, offer.conditional, proposer_is0, active)
        active &= ~ended
    return offers


def _proposal(
    game: Game,
    strategies: tuple[Strategy[S0], Strategy[S1]],
    seen: tuple[tuple[SideView, SideView], tuple[S0, S1]],
    step: int,
    proposer_is0: np.ndarray,
    snap: Callable[[np.ndarray], np.ndarray],
) -> Offer:
    """The offer made at ``step``: each replicate's proposer's, snapped in its favour
    (``snap``: the issue's rounder for this turn's proposers); the condition only where the
    proposer holds it. ``seen``: both sides' views and states."""
    n = game.n
    views, states = seen
    o0 = _as_offer(strategies[0].propose(views[0], states[0], step), n, strategies[0])
    o1 = _as_offer(strategies[1].propose(views[1], states[1], step), n, strategies[1])
    x = snap(np.where(proposer_is0, o0.x, o1.x))
    holder = -1 if game.condition is None else game.condition.holder
    if holder < 0:
        return Offer(x, np.zeros(n, dtype=bool))
    cond = np.where(proposer_is0, o0.conditional & (holder == 0), o1.conditional & (holder == 1))
    return Offer(x, cond)


def _as_offer(value: Offer | np.ndarray, n: int, strategy: Any) -> Offer:
    """A strategy's proposal as an :class:`Offer` of ``n`` positions (raises naming the
    strategy's class otherwise)."""
    off = value if isinstance(value, Offer) else Offer.plain(value)
    if off.x.shape != (n,):
        who = type(strategy).__name__
        raise ValueError(f"{who}.propose returned shape {off.x.shape}, expected ({n},)")
    return off


def _record(
    trace: Trace,
    step: int,
    game: Game,
    active: np.ndarray,
    proposer: np.ndarray,
    offer: Offer,
    answer: Answer,
) -> None:
    """Write the offer of ``step`` and its answer into the trace."""
    trace.played[step] = active
    trace.proposer[step] = proposer
    trace.x[step] = offer.x
    trace.conditional[step] = offer.conditional
    trace.response[step] = answer.codes()
    p0, p1 = game.parties
    trace.u0[step] = utility(0, offer.x, p0.utility_curvature)
    trace.u1[step] = utility(1, offer.x, p1.utility_curvature)


__all__ = ["Answer", "RoundOffers", "RoundRules", "max_steps", "play_offers"]
