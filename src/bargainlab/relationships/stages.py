"""The stages of one round of a relationship, each a function over the typed state.

:func:`bargainlab.relationships.play.play` calls them in this order every round:

1. :func:`draw_round` -- this round's types (kept with probability ``rho``), strengths, the
   condition and the stage game;
2. :func:`negotiate_round` -- the stage game, with what each side carries into it;
3. :func:`learn` -- learners update their beliefs from what they observed (information
   channel), and the condition's holder learns about the obliged party's cost;
4. :func:`feel` -- the behavioural module (subjective-value channel): feelings, the stock,
   next round's levers and behavioural exits;
5. :func:`record` -- the round's rows of the rounds table, each column from its reporter
   (:mod:`bargainlab.relationships.reporters`) reading the round's
   :class:`~bargainlab.relationships.reporters.RoundContext`;
6. :func:`carry` -- precedent (precedent channel), the end of relationships, and the
   predictive beliefs for the next round.

A new channel is one flag in :class:`~bargainlab.relationships.channels.Channels` and the
stage that reads it. A stage reads a channel per relationship (``setup.channels[name]``, an
``(n,)`` boolean array: the variants of a decomposition play as one batch) and acts only
where it is on.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from ..beliefs.grid import row_dot
from ..beliefs.observations import RoundObservation, RoundTrace, observe
from ..beliefs.priors import PriorTable
from ..engine.context import OwnerContext
from ..engine.negotiation import (
    OUTCOME_AGREEMENT,
    OUTCOME_BREAKDOWN,
    OUTCOME_EXIT,
    Game,
    NegotiationResult,
    negotiate,
)
from ..engine.parties import PartyBatch
from ..engine.rng import (
    STREAM_ACCEPT_NOISE,
    STREAM_EXIT,
    STREAM_FIRST_MOVER,
    STREAM_TYPES,
    StreamRNG,
)
from ..engine.terms import Condition, settle, utility
from ..engine.views import Carried, Levers, Outlook
from ..strategies.base import Strategy
from . import behaviour as bh
from .reporters import RoundContext
from .setup import COIN, RelationshipSetup
from .state import RelationshipState, Round
from .table import RoundsRecorder

Pair = tuple[Strategy, Strategy]
"""The strategies of party 0 and party 1 in a round."""


def _persistent_draw(
    setup: RelationshipSetup,
    rng: StreamRNG,
    previous: np.ndarray | None,
    r: int,
    stream: int,
    prior: PriorTable,
) -> np.ndarray:
    """Grid indices of a type in round ``r``: kept with probability rho, else redrawn."""
    fresh = prior.draw(rng.uniform(r, 0, stream))
    if previous is None:
        return fresh
    keep = rng.uniform(r, 1, stream) < setup.rho
    return np.where(keep, previous, fresh)


def draw_round(setup: RelationshipSetup, state: RelationshipState, rng: StreamRNG, r: int) -> Round:
    """This round's types, strengths, condition and stage game (stage 1). Relationships
    whose last round has passed are no longer active."""
    n = rng.n
    mech = setup.mechanics
    state.active = state.active & (r < setup.rounds)
    shift = mech.shift(r)
    reservation = []
    for i in (0, 1):
        state.type_index[i] = _persistent_draw(
            setup, rng, state.type_index[i], r, STREAM_TYPES + 10 * i, setup.priors[i]
        )
        reservation.append(np.clip(mech.grid[state.type_index[i]] + shift[i], 0.0, 1.0))
    parties = tuple(
        PartyBatch.build(
            n,
            reservation_value=reservation[i],
            outside_option=setup.outside_option[r, :, i],
            delta=setup.delta[:, i],
            curvature=setup.curvature[:, i],
            deadline=setup.deadline[:, i],
            name=mech.names[i],
        )
        for i in (0, 1)
    )
    condition = None
    if mech.condition_holder is not None:
        assert setup.condition_cost_prior is not None
        state.cost_index = _persistent_draw(
            setup, rng, state.cost_index, r, STREAM_TYPES + 40, setup.condition_cost_prior
        )
        surplus = setup.channels["surplus"]
        value = np.where(surplus, setup.condition_value, 0.0)
        cost = np.where(surplus, mech.grid[state.cost_index], 0.0)
        condition = Condition(mech.condition_holder, value, cost, setup.condition_fallback)
    game = Game(
        mech.issue,
        (parties[0], parties[1]),
        horizon=setup.horizon,
        breakdown=setup.breakdown,
        first_mover=_first_movers(setup, rng, r),
        disagreement=mech.disagreement,
        status_quo=state.status_quo,
        allow_exit=mech.allow_exit,
        condition=condition,
    )
    for i in (0, 1):
        state.beliefs[i].offset = float(shift[1 - i])
    return Round(r, (reservation[0], reservation[1]), (parties[0], parties[1]), condition, game)


def _first_movers(setup: RelationshipSetup, rng: StreamRNG, r: int) -> np.ndarray:
    """``(n,)``: who makes the first offer of round ``r``, a fair coin where the setup says
    :data:`~bargainlab.relationships.setup.COIN`."""
    first = setup.first_mover
    coin = first == COIN
    if not coin.any():
        return first
    draws = (rng.uniform(r, 0, STREAM_FIRST_MOVER) < 0.5).astype(np.int8)
    return np.where(coin, draws, first)


def _cost_estimate(state: RelationshipState) -> np.ndarray | None:
    """The condition holder's estimate (posterior mean) of the obliged party's cost, if any."""
    return None if state.cost_belief is None else state.cost_belief.mean()


def models_of(setup: RelationshipSetup, side: int, strategies: Pair) -> tuple[Strategy, ...]:
    """The policies ``side`` thinks its opponent may follow: its declared reputation model, or
    the opponent's actual strategy of this round (a learner that knows how it is played)."""
    reputation = setup.mechanics.reputation[side]
    return reputation.models if reputation is not None else (strategies[1 - side],)


def owner_context(
    setup: RelationshipSetup, state: RelationshipState, rnd: Round, owner: int
) -> OwnerContext:
    """The public side of ``owner`` in this round, as its opponent may use it."""
    holder = setup.mechanics.condition_holder
    carried = Carried(
        reference_point=state.reference_x,
        condition_cost=_cost_estimate(state) if owner == holder else None,
    )
    assumed_cost: np.ndarray | float = 0.0
    if setup.condition_cost_prior is not None and setup.channels.anywhere("surplus"):
        mean_cost = row_dot(setup.condition_cost_prior.rows(), setup.mechanics.grid)
        assumed_cost = np.where(setup.channels["surplus"], mean_cost, 0.0)
    return OwnerContext.public(
        rnd.game, owner, carried, round_index=rnd.index, assumed_cost=assumed_cost
    )


def negotiate_round(
    setup: RelationshipSetup,
    state: RelationshipState,
    rnd: Round,
    *,
    strategies: Pair,
    rng: StreamRNG,
) -> NegotiationResult:
    """The stage game on the active relationships, each side with what it carries (stage 2)."""
    holder = setup.mechanics.condition_holder
    outlook = Outlook(
        rounds_left=np.maximum(setup.rounds - rnd.index - 1, 0),
        rho=setup.rho,
        ends_on_disagreement=setup.mechanics.end_on_disagreement,
        learning=setup.channels["information"],
    )
    carried = tuple(
        Carried(
            belief=state.beliefs[i],
            condition_belief=state.cost_belief if i == holder else None,
            condition_cost=_cost_estimate(state) if i == holder else None,
            reference_point=state.reference_x,
            levers=state.levers[i],
            opponent_models=models_of(setup, i, strategies),
            opponent_context=owner_context(setup, state, rnd, 1 - i),
            outlook=outlook,
        )
        for i in (0, 1)
    )
    return negotiate(
        rnd.game, strategies, rng=rng, round_index=rnd.index, trace=True,
        carried=(carried[0], carried[1]), active=state.active,
    )  # fmt: skip


def learn(
    setup: RelationshipSetup,
    state: RelationshipState,
    rnd: Round,
    result: NegotiationResult,
    *,
    strategies: Pair,
) -> tuple[RoundObservation, RoundObservation]:
    """Belief updates from the round (stage 3; only with the information channel on).

    Learners update their belief about the opponent with the likelihood their kind believes
    in, from the round's whole public record. The holder learns about the obliged party's cost
    from whether it met an agreed condition: it meets iff ``u_ob(x) - cost >= u_ob(fallback)``
    (a public rule), so the likelihood is a step at that threshold, smoothed over half a grid
    step. Returns what each side observed (the later stages use it).
    """
    obs = (observe(result, 0), observe(result, 1))
    learning = state.active & setup.channels["information"]
    if not learning.any():
        return obs
    condition = rnd.condition
    mech = setup.mechanics
    trace = RoundTrace.from_result(result)
    for i in (0, 1):
        if getattr(strategies[i], "learns", False):
            context = owner_context(setup, state, rnd, 1 - i)
            strategies[i].update_belief(  # type: ignore[attr-defined]
                state.beliefs[i], trace, obs[i], context, models_of(setup, i, strategies),
                mech.tremble, learning,
            )  # fmt: skip
    conditional_deal = result.agreed & result.conditional & learning
    if state.cost_belief is not None and condition is not None and conditional_deal.any():
        ob = condition.obliged
        curvature = rnd.parties[ob].curvature
        slack = utility(ob, result.x, curvature) - utility(ob, condition.fallback, curvature)
        width = 0.5 * (mech.grid[1] - mech.grid[0])
        at_most = expit((slack[:, None] - mech.grid[None, :]) / width)
        met = result.condition_met[:, None]
        state.cost_belief.update(
            np.where(met, at_most, 1.0 - at_most), mech.tremble, conditional_deal
        )
    return obs


def round_values(rnd: Round, result: NegotiationResult) -> np.ndarray:
    """``(n, 2)``: each party's payoff of the round *undiscounted* (what the behavioural
    module compares with the reference terms): the agreed terms after the obliged party's
    decision on the condition (with its value or cost when met), else the outside option
    after a breakdown or an exit, else the disagreement payoff at the deadline."""
    game = rnd.game
    curvature = (rnd.parties[0].utility_curvature, rnd.parties[1].utility_curvature)
    u0, u1, _, _ = settle(result.x, result.conditional, curvature, rnd.condition)
    walked = (result.outcome == OUTCOME_BREAKDOWN) | (result.outcome == OUTCOME_EXIT)
    out = []
    for i, agreed_value in enumerate((u0, u1)):
        no_deal = np.where(walked, rnd.parties[i].outside_option, game.disagreement_payoff(i))
        out.append(np.where(result.agreed, agreed_value, no_deal))
    return np.stack(out, axis=1)


def _displays(
    strategies: Pair, rnd: Round, agreed: np.ndarray, values: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Each party's displayed satisfaction with a deal worth ``values`` to it (0 for a
    strategy that hides it, and without agreement)."""
    shown = [
        bh.displayed_satisfaction(
            bool(getattr(strategies[i], "displays_satisfaction", True)),
            agreed,
            values[i],
            rnd.reservation[i],
        )
        for i in (0, 1)
    ]
    return shown[0], shown[1]


def feel(
    setup: RelationshipSetup,
    state: RelationshipState,
    rnd: Round,
    result: NegotiationResult,
    obs: tuple[RoundObservation, RoundObservation],
    *,
    strategies: Pair,
    rng: StreamRNG,
) -> bh.Feelings:
    """The behavioural module (stage 4; only with the subjective-value channel on).

    Updates each party's subjective-value stock and next round's :class:`Levers`, and
    returns each party's subjective value of the round and who leaves (behavioural exits).
    """
    r = rnd.index
    feelings = bh.Feelings.none(result.n)
    on = setup.channels["subjective_value"]
    if not on.any():
        return feelings
    active = state.active & on
    beh = setup.mechanics.behaviour
    agreed = result.agreed & active
    value = round_values(rnd, result)
    curvature = [rnd.parties[i].utility_curvature for i in (0, 1)]
    at_reference = [utility(i, state.reference_x, curvature[i]) for i in (0, 1)]
    display = _displays(strategies, rnd, agreed, (value[:, 0], value[:, 1]))
    display_ref = _displays(strategies, rnd, agreed, (at_reference[0], at_reference[1]))
    for i in (0, 1):
        headline = utility(i, result.x, curvature[i])
        round_feelings = bh.RoundFeelings(
            utility=value[:, i],
            reference_utility=at_reference[i],
            instant=obs[i].instant_mine.astype(float),
            opponent_display=display[1 - i],
            plain_concession=(
                agreed & ~result.conditional & (headline < at_reference[i] - 1e-12)
            ).astype(float),
            reference_display=display_ref[1 - i],
        )
        sv = np.where(active, bh.subjective_value(round_feelings, beh), 0.0)
        state.stock[:, i] = np.where(active, beh.decay * state.stock[:, i] + sv, state.stock[:, i])
        feelings.subjective_value[:, i] = sv
        lever = bh.levers(state.stock[:, i], beh, rng.normal(r, i, STREAM_ACCEPT_NOISE))
        state.levers[i] = Levers(
            retaliation=np.where(on, lever["retaliation"], 0.0),
            accept_shift=np.where(on, lever["accept_shift"], 0.0),
        )
        leaving = rng.uniform(r, i, STREAM_EXIT) < lever["exit_probability"]
        feelings.leaving[:, i] = active & leaving
    return feelings


def record(context: RoundContext, recorder: RoundsRecorder) -> None:
    """The round's entries of the rounds table (stage 5): every recorded column's reporter
    (:data:`~bargainlab.relationships.table.ROUNDS_SCHEMA`), for each party."""
    recorder.record(context)


def carry(
    setup: RelationshipSetup,
    state: RelationshipState,
    result: NegotiationResult,
    leaving: np.ndarray,
) -> None:
    """State for the next round (stage 6): precedent, who is still active, predictive beliefs."""
    agreed = result.agreed & state.active
    if setup.channels.anywhere("precedent"):
        sets = agreed & setup.channels["precedent"]
        state.reference_x = np.where(sets, result.x, state.reference_x)
        state.status_quo = np.where(sets, result.realised_x, state.status_quo)
    ended = (result.outcome == OUTCOME_EXIT) | leaving.any(axis=1)
    if setup.mechanics.end_on_disagreement:
        ended |= result.outcome != OUTCOME_AGREEMENT
    state.active = state.active & ~ended
    for belief in state.beliefs:
        belief.persist(setup.rho)
    if state.cost_belief is not None:
        state.cost_belief.persist(setup.rho)


__all__ = [
    "carry",
    "draw_round",
    "feel",
    "learn",
    "models_of",
    "negotiate_round",
    "owner_context",
    "record",
    "round_values",
]
