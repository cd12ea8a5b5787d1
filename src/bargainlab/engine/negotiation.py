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

There is one Python loop over steps and none over replicates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._checks import as_batch, check_choice
from .parties import PartyBatch
from .rng import STREAM_BREAKDOWN, StreamRNG
from .terms import Condition, Issue, settle, utility
from .trace import Trace
from .views import CLOCKS, Carried, ConditionView, OfferHistory, OpponentView, SideView

REJECT, ACCEPT, EXIT = 0, 1, 2
"""Response codes returned by :meth:`Strategy.respond`."""

OUTCOME_AGREEMENT, OUTCOME_DEADLINE, OUTCOME_BREAKDOWN, OUTCOME_EXIT = 0, 1, 2, 3
OUTCOME_NAMES = ("agreement", "deadline", "breakdown", "exit")


@dataclass(frozen=True)
class Offer:
    """A batch of offers: primary position ``x`` and whether the condition is attached."""

    x: np.ndarray
    conditional: np.ndarray

    @classmethod
    def plain(cls, x: np.ndarray) -> Offer:
        x = np.asarray(x, dtype=float)
        return cls(x, np.zeros(x.shape, dtype=bool))


@dataclass(frozen=True)
class Game:
    """A batch of ``n`` stage games between party 0 and party 1.

    Parameters
    ----------
    issue:
        The primary issue.
    parties:
        ``(party0, party1)``: party 0 prefers high positions.
    horizon:
        Maximum number of offers in a round (the public deadline ``T``), at least 1: one
        number, or one per replicate (a batch that stacks sweep cells of different lengths).
    breakdown:
        Probability in [0, 1] that talks break down after a rejection (per replicate).
    first_mover:
        Which party (0 or 1) makes the first offer, per replicate.
    disagreement:
        ``"outside_options"``: no agreement gives both their outside options;
        ``"status_quo"``: it gives the ``status_quo`` terms (last agreed terms carry on).
    status_quo:
        Positions in [0, 1] used when ``disagreement == "status_quo"``.
    allow_exit:
        Whether a responder may take its outside option after rejecting.
    condition:
        An optional compensation condition that the holder may attach to its offers.
    clock:
        How the relative time the strategies see advances: ``"offers"`` (one tick per offer,
        reaching 1 at the last one) or ``"negmas"`` (NegMAS's rounds of two offers,
        ``t = (k + 1) / (N + 1)``); see :data:`bargainlab.engine.views.CLOCKS`.
    """

    issue: Issue
    parties: tuple[PartyBatch, PartyBatch]
    horizon: Any = 100
    breakdown: Any = 0.0
    first_mover: Any = 0
    disagreement: str = "outside_options"
    status_quo: Any = 0.5
    allow_exit: bool = True
    condition: Condition | None = None
    clock: str = "offers"

    def __post_init__(self) -> None:
        if not isinstance(self.issue, Issue):
            raise TypeError(f"issue must be an Issue, got {type(self.issue).__name__}")
        if len(self.parties) != 2 or not all(isinstance(p, PartyBatch) for p in self.parties):
            raise TypeError("parties must be a pair of PartyBatch")
        n = self.parties[0].n
        if self.parties[1].n != n:
            raise ValueError(
                f"both parties must have the same batch size, got {n} and {self.parties[1].n}"
            )
        object.__setattr__(
            self, "horizon", as_batch("horizon", self.horizon, n, low=1, integer=True)
        )
        object.__setattr__(
            self, "breakdown", as_batch("breakdown", self.breakdown, n, low=0, high=1)
        )
        fm = as_batch("first_mover", self.first_mover, n, low=0, high=1, integer=True)
        object.__setattr__(self, "first_mover", fm.astype(np.int8))
        check_choice("disagreement", self.disagreement, ("outside_options", "status_quo"))
        check_choice("clock", self.clock, CLOCKS)
        object.__setattr__(
            self, "status_quo", as_batch("status_quo", self.status_quo, n, low=0, high=1)
        )
        if not isinstance(self.allow_exit, bool):
            raise TypeError("allow_exit must be True or False")
        if self.condition is not None:
            if not isinstance(self.condition, Condition):
                raise TypeError("condition must be a Condition or None")
            if self.condition.value.shape[0] != n:
                raise ValueError(f"condition arrays must have one entry per replicate ({n})")

    @property
    def n(self) -> int:
        return self.parties[0].n

    def take(self, index: np.ndarray) -> Game:
        """The games of a subset of replicates (``index``: integer positions)."""
        return Game(
            self.issue,
            (self.parties[0].take(index), self.parties[1].take(index)),
            horizon=self.horizon[index],
            breakdown=self.breakdown[index],
            first_mover=self.first_mover[index],
            disagreement=self.disagreement,
            status_quo=self.status_quo[index],
            allow_exit=self.allow_exit,
            condition=None if self.condition is None else self.condition.take(index),
            clock=self.clock,
        )

    def with_condition(self, condition: Condition | None) -> Game:
        """A copy with another condition (same batch size)."""
        return dataclasses.replace(self, condition=condition)

    def with_party(self, side: int, party: PartyBatch) -> Game:
        """A copy in which party ``side`` is replaced (same batch size)."""
        parties = (party, self.parties[1]) if side == 0 else (self.parties[0], party)
        return dataclasses.replace(self, parties=parties)

    def disagreement_payoff(self, side: int) -> np.ndarray:
        """Undiscounted payoff of ``side`` when the deadline passes without agreement."""
        if self.disagreement == "outside_options":
            return self.parties[side].outside_option
        return utility(side, self.status_quo, self.parties[side].utility_curvature)

    def view(
        self,
        side: int,
        history: OfferHistory,
        *,
        round_index: int = 0,
        carried: Carried | None = None,
    ) -> SideView:
        """The :class:`SideView` of ``side`` in a round whose history is ``history``."""
        opp = 1 - side
        return SideView(
            side=side,
            issue=self.issue,
            own=self.parties[side],
            opponent=OpponentView(self.parties[opp], opp),
            horizon=self.horizon,
            breakdown=self.breakdown,
            first_mover=self.first_mover,
            allow_exit=self.allow_exit,
            disagreement=self.disagreement_payoff(side),
            opponent_disagreement=self.disagreement_payoff(opp),
            status_quo=self.status_quo,
            history=history.of(side),
            condition=None if self.condition is None else ConditionView(self.condition, side),
            round_index=round_index,
            carried=Carried() if carried is None else carried,
            clock=self.clock,
        )


@dataclass(repr=False)
class NegotiationResult:
    """Summary of each negotiation in a batch (arrays of shape ``(n,)`` unless noted).

    ``x`` is the agreed headline position when ``agreed``; otherwise the status quo in
    ``status_quo`` mode and the last offer on the table in ``outside_options`` mode.
    ``realised_x`` is the position that applies after the condition decision.
    ``utility`` has shape ``(n, 2)``: each side's discounted payoff. It prints as a short
    summary of the batch; :meth:`summary` gives one row per negotiation.
    """

    agreed: np.ndarray
    outcome: np.ndarray
    steps: np.ndarray
    x: np.ndarray
    conditional: np.ndarray
    condition_met: np.ndarray
    realised_x: np.ndarray
    utility: np.ndarray
    exited_by: np.ndarray
    proposer: np.ndarray
    last_offer: np.ndarray
    last_offer_conditional: np.ndarray
    first_offer: np.ndarray
    offers_made: np.ndarray
    trace: Trace | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        return self.agreed.shape[0]

    def __repr__(self) -> str:
        n = self.n
        if n == 0:
            return "NegotiationResult: 0 negotiations"
        counts = np.bincount(self.outcome, minlength=len(OUTCOME_NAMES))
        outcomes = ", ".join(
            f"{name} {count:,}" for name, count in zip(OUTCOME_NAMES, counts, strict=False) if count
        )
        u0, u1 = self.utility.mean(axis=0)
        return (
            f"NegotiationResult: {n:,} negotiation{'s' if n != 1 else ''}\n"
            f"  agreement rate  {self.agreed.mean():.3f}\n"
            f"  mean steps      {self.steps.mean():.2f}\n"
            f"  mean utility    party 0: {u0:.4f}, party 1: {u1:.4f}\n"
            f"  outcomes        {outcomes}"
        )

    @property
    def instant(self) -> np.ndarray:
        """Agreement on the very first offer of the round."""
        return self.agreed & (self.steps == 1)

    def summary(self, issue: Issue | None = None) -> pd.DataFrame:
        """One row per negotiation: agreed, terms, step, utilities, outcome, who exited."""
        terms = issue.to_domain(self.x) if issue is not None else self.x
        return pd.DataFrame(
            {
                "agreed": self.agreed,
                "terms": terms,
                "conditional": self.conditional,
                "condition_met": self.condition_met,
                "steps": self.steps,
                "utility_0": self.utility[:, 0],
                "utility_1": self.utility[:, 1],
                "outcome": pd.Categorical.from_codes(self.outcome, OUTCOME_NAMES),
                "exited_by": self.exited_by,
            }
        )

    def trace_frame(self, issue: Issue | None = None) -> pd.DataFrame:
        """Per-step trace in long form (only steps that were played)."""
        if self.trace is None:
            raise ValueError("no trace was recorded: call negotiate(..., trace=True)")
        tr = self.trace
        steps, reps = np.nonzero(tr.played)
        x = tr.x[steps, reps]
        return pd.DataFrame(
            {
                "replicate": reps,
                "step": steps,
                "proposer": tr.proposer[steps, reps],
                "offer": issue.to_domain(x) if issue is not None else x,
                "conditional": tr.conditional[steps, reps],
                "response": pd.Categorical.from_codes(
                    tr.response[steps, reps], ("reject", "accept", "exit")
                ),
                "utility_0": tr.u0[steps, reps],
                "utility_1": tr.u1[steps, reps],
            }
        )


@dataclass
class _Offers:
    """Per replicate, how the offers of a round went (before the payoffs are settled)."""

    outcome: np.ndarray
    steps: np.ndarray
    final_x: np.ndarray
    final_cond: np.ndarray
    exited_by: np.ndarray
    agreed_by: np.ndarray
    first_offer: np.ndarray
    history: OfferHistory
    trace: Trace | None

    @classmethod
    def unplayed(cls, game: Game, trace: bool) -> _Offers:
        """A round in which no replicate of ``game`` makes an offer."""
        n = game.n
        status_quo = np.asarray(game.status_quo, dtype=float)
        steps = _max_steps(_horizon(game)) if trace else 0
        return cls(
            outcome=np.full(n, OUTCOME_DEADLINE, dtype=np.int8),
            steps=np.zeros(n, dtype=np.int64),
            final_x=status_quo.copy(),
            final_cond=np.zeros(n, dtype=bool),
            exited_by=np.full(n, -1, dtype=np.int8),
            agreed_by=np.full(n, -1, dtype=np.int8),
            first_offer=status_quo.copy(),
            history=OfferHistory(n),
            trace=Trace.zeros(steps, n) if trace else None,
        )

    def put(self, rows: np.ndarray, sub: _Offers) -> None:
        """Write the offers of the replicates ``rows`` (played as a batch of their own)."""
        for name in ("outcome", "steps", "final_x", "final_cond", "exited_by", "agreed_by",
                     "first_offer"):  # fmt: skip
            getattr(self, name)[rows] = getattr(sub, name)
        for name in OfferHistory.__slots__:
            getattr(self.history, name)[:, rows] = getattr(sub.history, name)
        if self.trace is not None and sub.trace is not None:
            self.trace.put(rows, sub.trace)


def _horizon(game: Game) -> np.ndarray:
    """``(n,)``: the most offers each replicate of ``game`` can make in a round."""
    p0, p1 = game.parties
    return np.minimum(np.minimum(p0.deadline, p1.deadline), game.horizon)


def _max_steps(horizon: np.ndarray) -> int:
    return int(horizon.max()) if horizon.size else 0


def _offers(
    game: Game,
    strategies: Sequence[Any],
    rng: StreamRNG | None,
    round_index: int,
    trace: bool,
    carried: tuple[Carried, Carried],
) -> _Offers:
    """The offers of one round, every replicate of ``game`` playing."""
    n = game.n
    history = OfferHistory(n)
    views = tuple(
        game.view(i, history, round_index=round_index, carried=carried[i]) for i in (0, 1)
    )
    states = [strategies[i].start(views[i]) for i in (0, 1)]
    p0, p1 = game.parties
    curv = (p0.utility_curvature, p1.utility_curvature)
    horizon = _horizon(game)
    max_steps = _max_steps(horizon)
    holder = -1 if game.condition is None else game.condition.holder
    active = np.ones(n, dtype=bool)
    outcome = np.full(n, OUTCOME_DEADLINE, dtype=np.int8)
    steps = np.zeros(n, dtype=np.int64)
    final_x = np.asarray(game.status_quo, dtype=float).copy()
    final_cond = np.zeros(n, dtype=bool)
    exited_by = np.full(n, -1, dtype=np.int8)
    agreed_by = np.full(n, -1, dtype=np.int8)
    first_offer = np.asarray(game.status_quo, dtype=float).copy()
    tr = Trace.zeros(max_steps, n) if trace else None
    v0, v1 = views
    use_breakdown = rng is not None and bool(np.any(game.breakdown > 0))
    keep_last_offer = game.disagreement == "outside_options"
    fm_even = game.first_mover == 0  # party 0 proposes at even steps where it moves first
    side_when_0 = np.where(fm_even, 0, 1).astype(np.int8)
    for s in range(max_steps):
        if not active.any():
            break
        prop_is0 = fm_even if s % 2 == 0 else ~fm_even
        prop_side = side_when_0 if s % 2 == 0 else 1 - side_when_0
        history.set_proposer(prop_is0)
        o0 = _as_offer(strategies[0].propose(v0, states[0], s), n, type(strategies[0]).__name__)
        o1 = _as_offer(strategies[1].propose(v1, states[1], s), n, type(strategies[1]).__name__)
        x = game.issue.snap(np.where(prop_is0, o0.x, o1.x), prop_side)
        # only the holder may attach the condition
        if holder < 0:
            cond = np.zeros(n, dtype=bool)
        else:
            cond = np.where(
                prop_is0, o0.conditional & (holder == 0), o1.conditional & (holder == 1)
            )
        if s == 0:
            first_offer = x.copy()
        offer = Offer(x, cond)
        r0 = np.asarray(strategies[0].respond(v0, states[0], s, offer), dtype=np.int8)
        r1 = np.asarray(strategies[1].respond(v1, states[1], s, offer), dtype=np.int8)
        resp = np.where(prop_is0, r1, r0)

        accept = active & (resp == ACCEPT)
        reject = active & ~accept
        if use_breakdown:
            assert rng is not None  # use_breakdown is only set with an rng
            broke = reject & (rng.uniform(round_index, s, STREAM_BREAKDOWN) < game.breakdown)
            open_ = reject & ~broke
        else:
            broke = None
            open_ = reject
        exits = open_ & (resp == EXIT) if game.allow_exit else None
        if exits is not None and exits.any():
            open_ = open_ & ~exits
            outcome[exits] = OUTCOME_EXIT
            exited_by[exits] = (1 - prop_side)[exits]
        last = open_ & (s + 1 >= horizon)

        if tr is not None:
            tr.played[s] = active
            tr.proposer[s] = prop_side
            tr.x[s] = x
            tr.conditional[s] = cond
            resp_code = np.where(accept, ACCEPT, REJECT)
            if exits is not None:
                resp_code = np.where(exits, EXIT, resp_code)
            tr.response[s] = resp_code
            tr.u0[s] = utility(0, x, curv[0])
            tr.u1[s] = utility(1, x, curv[1])

        outcome[accept] = OUTCOME_AGREEMENT
        agreed_by[accept] = prop_side[accept]
        np.copyto(final_x, x, where=accept)
        np.copyto(final_cond, cond, where=accept)
        failed = last
        if broke is not None:
            outcome[broke] = OUTCOME_BREAKDOWN
            failed = failed | broke
        if exits is not None:
            failed = failed | exits
        if keep_last_offer:
            np.copyto(final_x, x, where=failed)
        ended = failed | accept
        np.copyto(steps, s + 1, where=active)

        history.record(x, cond, prop_is0, active)
        active &= ~ended
    return _Offers(
        outcome, steps, final_x, final_cond, exited_by, agreed_by, first_offer, history, tr
    )


def _as_offer(value: Any, n: int, who: str) -> Offer:
    if isinstance(value, Offer):
        off = value
    else:
        off = Offer.plain(value)
    if off.x.shape != (n,):
        raise ValueError(f"{who}.propose returned shape {off.x.shape}, expected ({n},)")
    return off


def negotiate(
    game: Game,
    strategies: Sequence[Any],
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
        ``(strategy0, strategy1)``: policy objects with vectorised ``start``, ``propose`` and
        ``respond`` (see :class:`bargainlab.strategies.Strategy`).
    rng:
        Per-replicate counter-based random numbers; required when ``breakdown > 0`` anywhere.
    round_index:
        The round number, used as a counter for random draws.
    trace:
        Record per-step offers and responses (arrays of shape ``(horizon, n)``).
    carried:
        What each side brings from earlier rounds (beliefs, reference point, behavioural
        levers); relationships pass it, a one-shot game leaves it out.
    active:
        Optional mask of replicates to play. The others make no offers: ``steps == 0``, no
        agreement, the status quo as terms and first offer, and zeros in the trace. Only the
        active replicates are shown to the strategies (a relationship that an earlier round
        ended costs nothing), and each gets the numbers it would get in a batch of its own.
    """
    n = game.n
    if len(strategies) != 2:
        raise ValueError("strategies must be a pair (strategy for party 0, strategy for party 1)")
    if rng is None and np.any(game.breakdown > 0):
        raise ValueError("rng is required when breakdown > 0")
    if rng is not None and rng.n != n:
        raise ValueError(f"rng has {rng.n} replicate keys, the game has {n} replicates")
    carried = carried or (Carried(), Carried())
    p0, p1 = game.parties
    curv = (p0.utility_curvature, p1.utility_curvature)
    active = np.ones(n, dtype=bool) if active is None else np.asarray(active, dtype=bool)
    if active.shape != (n,):
        raise ValueError(f"active must have one entry per replicate ({n}); got {active.shape}")
    rows = np.flatnonzero(active)
    if rows.size == n:
        played = _offers(game, strategies, rng, round_index, trace, carried)
    else:
        played = _Offers.unplayed(game, trace)
        if rows.size:
            sub = _offers(
                game.take(rows),
                strategies,
                None if rng is None else rng.take(rows),
                round_index,
                trace,
                (carried[0].take(rows), carried[1].take(rows)),
            )
            played.put(rows, sub)
    outcome, steps, final_x = played.outcome, played.steps, played.final_x
    final_cond, exited_by, history = played.final_cond, played.exited_by, played.history
    tr, first_offer, agreed_by = played.trace, played.first_offer, played.agreed_by

    # payoffs are discounted to the step at which the round ended
    end_step = np.maximum(steps - 1, 0)
    disc = np.stack([p0.delta**end_step, p1.delta**end_step], axis=1)
    agreed = outcome == OUTCOME_AGREEMENT
    u0, u1, met, realised = settle(final_x, final_cond & agreed, curv, game.condition)
    w0, w1 = p0.outside_option, p1.outside_option
    d0, d1 = game.disagreement_payoff(0), game.disagreement_payoff(1)
    no_deal_out = (outcome == OUTCOME_BREAKDOWN) | (outcome == OUTCOME_EXIT)
    base0 = np.where(agreed, u0, np.where(no_deal_out, w0, d0))
    base1 = np.where(agreed, u1, np.where(no_deal_out, w1, d1))
    util = np.stack([base0, base1], axis=1) * disc
    if game.disagreement == "status_quo":
        realised = np.where(agreed, realised, game.status_quo)
    return NegotiationResult(
        agreed=agreed,
        outcome=outcome,
        steps=steps,
        x=final_x,
        conditional=final_cond & agreed,
        condition_met=met & agreed,
        realised_x=realised,
        utility=np.clip(util, 0.0, 1.0),
        exited_by=exited_by,
        proposer=agreed_by,
        last_offer=history.last.T.copy(),
        last_offer_conditional=history.conditional.T.copy(),
        first_offer=first_offer,
        offers_made=history.count.T.copy(),
        trace=tr,
    )
