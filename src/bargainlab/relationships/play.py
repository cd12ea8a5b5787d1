"""Repeated rounds between the same two parties, over a batch of relationships.

State carried from round to round, per party and replicate (all of it logged):

* the private type: reservation value (and the obliged party's cost of the condition), kept
  with probability ``rho`` and redrawn from the prior otherwise; public schedule shifts
  (costs rose in round 3) move it;
* the belief about the opponent's reservation value (:class:`~bargainlab.beliefs.Belief`),
  updated by learners after each round and carried forward as ``rho * posterior + (1 - rho)
  * prior``; and the condition holder's belief about the obliged party's private cost,
  updated from whether an agreed condition was met (``view.condition_belief``);
* the reference point: the last agreed terms (precedent), which also serve as the status quo
  in ``status_quo`` mode;
* the subjective-value stock of the behavioural module.

A relationship ends when a party exits to its outside option, when a round ends without
agreement and ``end_on_disagreement`` is set, or by a behavioural exit. After the end both
parties receive their outside options in every later round.

Channels switch mechanisms off: ``information`` (no belief updates), ``surplus`` (the
condition becomes cosmetic: value = cost = 0), ``precedent`` (reference point and status quo
stay at their initial values), ``subjective_value`` (the behavioural module).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit

from ..beliefs.grid import Belief
from ..beliefs.likelihood import OwnerContext
from ..beliefs.observations import observe
from ..beliefs.priors import draw_from
from ..engine.negotiation import OUTCOME_AGREEMENT, OUTCOME_EXIT, Game, negotiate
from ..engine.parties import PartyBatch
from ..engine.rng import (
    STREAM_ACCEPT_NOISE,
    STREAM_EXIT,
    STREAM_FIRST_MOVER,
    STREAM_TYPES,
    StreamRNG,
)
from ..engine.terms import Condition, Issue, utility
from . import behaviour as bh
from .behaviour import BehaviourSpec
from .channels import Channels


@dataclass(frozen=True)
class RelationshipSetup:
    """Everything fixed about a batch of relationships (arrays indexed by round and party).

    ``priors`` are pmfs on the type grid; ``outside_option`` and ``reservation_shift`` have
    shape ``(rounds, 2)``; ``first_mover`` is an ``(n,)`` array or ``"random"``.
    """

    issue: Issue
    names: tuple[str, str]
    rounds: int
    horizon: int
    breakdown: float
    first_mover: np.ndarray | str
    disagreement: str
    status_quo: float
    allow_exit: bool
    rho: float
    end_on_disagreement: bool
    grid: np.ndarray
    tremble: float
    priors: tuple[np.ndarray, np.ndarray]
    outside_option: np.ndarray
    reservation_shift: np.ndarray
    delta: tuple[float, float]
    curvature: tuple[float, float]
    deadline: tuple[int, int]
    channels: Channels
    behaviour: BehaviourSpec
    condition_holder: int | None = None
    condition_value: float = 0.0
    condition_cost_prior: np.ndarray | None = None
    condition_fallback: float = 0.0


COLUMNS = {
    "round": "Round number, 1-based.",
    "party": "The party's name.",
    "strategy": "The party's strategy (registered name).",
    "agreed": "Whether the round ended in agreement.",
    "terms": "Primary issue in domain units: the agreed headline terms; without agreement the status quo (status_quo mode) or the last offer on the table.",
    "condition_offered": "Whether this party attached the compensation condition to any offer in the round.",
    "condition_met": "Whether an agreed condition was met by the obliged party.",
    "utility": "This party's payoff in the round, normalised to [0, 1] and discounted within the round; the outside option after the relationship has ended.",
    "steps": "Offers made in the round (0 once the relationship has ended).",
    "exited": "Whether this party left the relationship in this round (took its outside option, or a behavioural exit).",
    "active": "Whether the relationship was still running in this round.",
    "reservation_value": "This party's true reservation value in the round (utility units).",
    "belief_mean": "Mean of this party's belief about the opponent's reservation value after the round's update (utility units).",
    "belief_sd": "Standard deviation of that belief.",
    "reference_point": "This party's reference point at the start of the round: the last agreed terms, in domain units.",
    "subjective_value": "This round's subjective value (0 when the behavioural module is off).",
    "condition_belief_mean": "Mean of the condition holder's belief about the obliged party's private cost of meeting the condition, after the round's update (utility units); 0 for the obliged party and in studies without a condition.",
    "condition_belief_sd": "Standard deviation of that belief (0 where the mean is 0 by convention).",
    "first_offer": "This party's first offer of the round in domain units (its reference point if it made none).",
    "instant": "Whether the opponent accepted this party's very first offer of the round at once.",
}
"""The rounds table: one row per replicate x round x party (plus the keys added upstream)."""


def _types(setup: RelationshipSetup, rng: StreamRNG, prev: np.ndarray | None, r: int, stream: int, prior: np.ndarray) -> np.ndarray:
    fresh = draw_from(prior, rng.uniform(r, 0, stream))
    if prev is None or setup.rho == 0.0:
        return fresh
    keep = rng.uniform(r, 1, stream) < setup.rho
    return np.where(keep, prev, fresh)


def play(
    setup: RelationshipSetup,
    strategies: tuple | list[tuple],
    rng: StreamRNG,
    replicate_ids: np.ndarray,
    *,
    traces: bool = False,
) -> tuple[dict[str, np.ndarray], list[pd.DataFrame]]:
    """Play ``setup.rounds`` rounds on every replicate.

    ``strategies`` is a pair ``(strategy0, strategy1)`` used in every round, or a list with
    one pair per round (an arm that switches to a common continuation strategy).

    Returns per-column arrays of shape ``(rounds, n, 2)`` (party axis last) and, when
    ``traces`` is set, one per-step trace DataFrame per round.
    """
    n = rng.n
    R = setup.rounds
    ch, beh = setup.channels, setup.behaviour
    sv_on = ch.subjective_value
    shape = (R, n, 2)
    rec = {
        "agreed": np.zeros(shape, dtype=bool),
        "terms": np.zeros(shape),
        "condition_offered": np.zeros(shape, dtype=bool),
        "condition_met": np.zeros(shape, dtype=bool),
        "utility": np.zeros(shape),
        "steps": np.zeros(shape, dtype=np.int64),
        "exited": np.zeros(shape, dtype=bool),
        "active": np.zeros(shape, dtype=bool),
        "reservation_value": np.zeros(shape),
        "belief_mean": np.zeros(shape),
        "belief_sd": np.zeros(shape),
        "reference_point": np.zeros(shape),
        "subjective_value": np.zeros(shape),
        "condition_belief_mean": np.zeros(shape),
        "condition_belief_sd": np.zeros(shape),
        "first_offer": np.zeros(shape),
        "instant": np.zeros(shape, dtype=bool),
    }
    beliefs = [Belief.from_prior(setup.priors[1 - i], setup.grid, n) for i in (0, 1)]
    holder = setup.condition_holder
    cost_belief = None
    if holder is not None:
        # the holder's belief about the obliged party's cost; a cosmetic condition costs 0
        cost_prior = setup.condition_cost_prior if ch.surplus else (setup.grid == 0).astype(float)
        cost_belief = Belief.from_prior(cost_prior, setup.grid, n)
    memory: list[dict[str, np.ndarray]] = [{}, {}]
    stock = np.zeros((n, 2))
    initial_x = np.full(n, setup.status_quo)
    ref_x = initial_x.copy()
    status_quo = initial_x.copy()
    active = np.ones(n, dtype=bool)
    base_idx: list[np.ndarray | None] = [None, None]
    cost_idx: np.ndarray | None = None
    trace_frames: list[pd.DataFrame] = []
    schedule = list(strategies) if isinstance(strategies, list) else [strategies] * R
    if len(schedule) != R:
        raise ValueError(f"strategies: expected one pair per round ({R}), got {len(schedule)}")

    for r in range(R):
        strategies = schedule[r]
        # ---- types and strengths of this round ------------------------------------------
        res = []
        for i in (0, 1):
            base_idx[i] = _types(setup, rng, base_idx[i], r, STREAM_TYPES + 10 * i, setup.priors[i])
            res.append(np.clip(setup.grid[base_idx[i]] + setup.reservation_shift[r, i], 0.0, 1.0))
        parties = tuple(
            PartyBatch.build(
                n,
                reservation_value=res[i],
                outside_option=setup.outside_option[r, i],
                delta=setup.delta[i],
                curvature=setup.curvature[i],
                deadline=setup.deadline[i],
                name=setup.names[i],
            )
            for i in (0, 1)
        )
        condition = None
        if setup.condition_holder is not None:
            cost_idx = _types(setup, rng, cost_idx, r, STREAM_TYPES + 40, setup.condition_cost_prior)
            if ch.surplus:
                value = np.full(n, setup.condition_value)
                cost = setup.grid[cost_idx]
            else:
                value = cost = np.zeros(n)
            condition = Condition(setup.condition_holder, value, cost, np.full(n, setup.condition_fallback))
        if isinstance(setup.first_mover, str):
            first = (rng.uniform(r, 0, STREAM_FIRST_MOVER) < 0.5).astype(np.int8)
        else:
            first = setup.first_mover
        game = Game(
            setup.issue,
            parties,
            horizon=setup.horizon,
            breakdown=setup.breakdown,
            first_mover=first,
            disagreement=setup.disagreement,
            status_quo=status_quo,
            allow_exit=setup.allow_exit,
            condition=condition,
        )
        for i in (0, 1):
            beliefs[i].offset = float(setup.reservation_shift[r, 1 - i])
        views = tuple(
            game.view(
                i,
                round_index=r,
                belief=beliefs[i],
                memory=memory[i],
                reference_point=ref_x,
                condition_belief=cost_belief if i == holder else None,
            )
            for i in (0, 1)
        )
        result = negotiate(game, strategies, rng=rng, round_index=r, trace=True, views=views, active=active)

        # ---- learning ------------------------------------------------------------------
        obs = [observe(result, i, setup.horizon) for i in (0, 1)]
        if ch.information:
            for i in (0, 1):
                if getattr(strategies[i], "learns", False):
                    o = 1 - i
                    ctx = OwnerContext(
                        side=o,
                        curvature=parties[o].curvature,
                        horizon=setup.horizon,
                        reference_x=ref_x,
                        condition_value=condition.value if condition is not None and condition.holder == o else None,
                        outside_option=parties[o].outside_option,
                    )
                    strategies[i].update_belief(beliefs[i], obs[i], strategies[o], ctx, setup.tremble, active)

        # The holder learns about the obliged party's cost from whether it met an agreed
        # condition: it meets iff u_ob(x) - cost >= u_ob(fallback) (a public rule), so the
        # likelihood is a step at that threshold, smoothed over half a grid step.
        conditional_deal = result.agreed & result.conditional & active
        if ch.information and cost_belief is not None and conditional_deal.any():
            ob = 1 - holder
            slack = utility(ob, result.x, parties[ob].curvature) - utility(ob, condition.fallback, parties[ob].curvature)
            width = 0.5 * (setup.grid[1] - setup.grid[0])
            at_most = expit((slack[:, None] - setup.grid[None, :]) / width)
            met = result.condition_met[:, None]
            cost_belief.update(np.where(met, at_most, 1.0 - at_most), setup.tremble, conditional_deal)

        # ---- outcomes ------------------------------------------------------------------
        agreed = result.agreed & active
        tr = result.trace
        for i in (0, 1):
            offered = (tr["conditional"] & tr["played"] & (tr["proposer"] == i)).any(axis=0)
            w = parties[i].outside_option
            rec["agreed"][r, :, i] = agreed
            rec["terms"][r, :, i] = np.where(active, setup.issue.to_domain(result.x), setup.issue.to_domain(status_quo))
            rec["condition_offered"][r, :, i] = offered & active
            rec["condition_met"][r, :, i] = result.condition_met & agreed
            rec["utility"][r, :, i] = np.where(active, result.utility[:, i], w)
            rec["steps"][r, :, i] = np.where(active, result.steps, 0)
            rec["exited"][r, :, i] = active & (result.exited_by == i)
            rec["active"][r, :, i] = active
            rec["reservation_value"][r, :, i] = res[i]
            rec["belief_mean"][r, :, i] = beliefs[i].mean()
            rec["belief_sd"][r, :, i] = beliefs[i].sd()
            if i == holder:
                rec["condition_belief_mean"][r, :, i] = cost_belief.mean()
                rec["condition_belief_sd"][r, :, i] = cost_belief.sd()
            rec["reference_point"][r, :, i] = setup.issue.to_domain(ref_x)
            own = tr["played"] & (tr["proposer"] == i)
            made = own.any(axis=0)
            first_idx = np.argmax(own, axis=0)
            first_x = np.where(made, tr["x"][first_idx, np.arange(n)], ref_x)
            rec["first_offer"][r, :, i] = setup.issue.to_domain(first_x)
            rec["instant"][r, :, i] = obs[i].instant_mine & active

        # ---- behavioural module ----------------------------------------------------------
        leaving = np.zeros((n, 2), dtype=bool)
        if sv_on:
            display = [
                bh.displayed_satisfaction(
                    bool(getattr(strategies[i], "displays_satisfaction", True)), agreed, result.utility[:, i], res[i]
                )
                for i in (0, 1)
            ]
            for i in (0, 1):
                u_ref = utility(i, ref_x, parties[i].curvature)
                feel = bh.RoundFeelings(
                    utility=result.utility[:, i],
                    reference_utility=u_ref,
                    instant=obs[i].instant_mine.astype(float),
                    opponent_display=display[1 - i],
                    plain_concession=(agreed & ~result.conditional & (result.utility[:, i] < u_ref - 1e-12)).astype(float),
                )
                sv = np.where(active, bh.subjective_value(feel, beh), 0.0)
                stock[:, i] = np.where(active, beh.decay * stock[:, i] + sv, stock[:, i])
                rec["subjective_value"][r, :, i] = sv
                lev = bh.levers(stock[:, i], beh, rng.normal(r, i, STREAM_ACCEPT_NOISE))
                memory[i]["retaliation"] = lev["retaliation"]
                memory[i]["accept_shift"] = lev["accept_shift"]
                leaving[:, i] = active & (rng.uniform(r, i, STREAM_EXIT) < lev["exit_probability"])
            for i in (0, 1):
                rec["exited"][r, :, i] |= leaving[:, i] & ~rec["exited"][r, :, 1 - i]

        # ---- carried state ---------------------------------------------------------------
        if ch.precedent:
            ref_x = np.where(agreed, result.x, ref_x)
            status_quo = np.where(agreed, result.realised_x, status_quo)
        ended = (result.outcome == OUTCOME_EXIT) | leaving.any(axis=1)
        if setup.end_on_disagreement:
            ended |= result.outcome != OUTCOME_AGREEMENT
        active = active & ~ended
        for i in (0, 1):
            beliefs[i].persist(setup.rho)
        if cost_belief is not None:
            cost_belief.persist(setup.rho)
        if traces:
            frame = result.trace_frame(setup.issue)
            frame["round"] = r + 1
            frame["replicate"] = replicate_ids[frame["replicate"].to_numpy()]
            trace_frames.append(frame)
    return rec, trace_frames


def to_frame(
    rec: dict[str, np.ndarray],
    names: tuple[str, str],
    strategies: tuple[str, str] | list[tuple[str, str]],
    replicate_ids: np.ndarray,
) -> pd.DataFrame:
    """The tidy rounds table (one row per replicate x round x party), sorted by round."""
    R, n, _ = rec["utility"].shape
    labels = list(strategies) if isinstance(strategies, list) else [strategies] * R
    rounds = np.repeat(np.arange(1, R + 1), n * 2)
    reps = np.tile(np.repeat(replicate_ids, 2), R)
    party_idx = np.tile(np.array([0, 1]), R * n)
    frame = pd.DataFrame(
        {
            "replicate": reps.astype(np.int64),
            "round": rounds.astype(np.int64),
            "party": np.asarray(names, dtype=object)[party_idx],
            "strategy": np.asarray(labels, dtype=object)[rounds - 1, party_idx],
        }
    )
    for col in COLUMNS:
        if col in ("round", "party", "strategy"):
            continue
        frame[col] = rec[col].reshape(R * n * 2)
    return frame
