"""Repeated rounds between the same two parties, over a batch of relationships.

State carried from round to round, per party and replicate (all of it logged):

* the private type: reservation value (and the obliged party's cost of the condition), kept
  with probability ``rho`` and redrawn from the prior otherwise; public schedule shifts
  (costs rose in round 3) move it;
* the belief about the opponent's reservation value (:class:`~bargainlab.beliefs.grid.Belief`),
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

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..engine.rng import StreamRNG
from ..strategies.base import Strategy
from . import stages
from .reporters import RoundContext
from .setup import RelationshipSetup
from .state import RelationshipState
from .table import RoundsRecorder

Schedule = Sequence[tuple[Strategy, Strategy]]
"""One ``(strategy of party 0, strategy of party 1)`` pair per round."""


def play(
    setup: RelationshipSetup,
    strategies: tuple[Strategy, Strategy] | Schedule,
    rng: StreamRNG,
    replicate_ids: np.ndarray,
    *,
    traces: bool = False,
    start: tuple[int, RelationshipState] | None = None,
    snapshot: int | None = None,
) -> tuple[RoundsRecorder, list[pd.DataFrame]]:
    """Play every relationship of the batch for its own number of rounds.

    ``strategies`` is a pair ``(strategy0, strategy1)`` used in every round, or a list with
    one pair per round up to the longest relationship (an arm that switches to a common
    continuation strategy).

    ``start = (k, state)`` resumes the relationships from ``state`` (a copy is used) at round
    ``k`` (0-based): rounds before ``k`` are not played and their rows of the recorder stay
    zero. ``snapshot = k`` keeps a copy of the state after round ``k`` (0-based) in
    ``recorder.snapshot``. With the same random numbers, resuming from a snapshot plays the
    later rounds exactly as the uninterrupted run did, which is what transplanting one piece
    of one arm's state into another arm needs (:meth:`RelationshipState.transplant`).

    Returns the recorded rounds (see :class:`~bargainlab.relationships.table.RoundsRecorder`)
    and, when ``traces`` is set, one per-step trace DataFrame per round (its ``replicate``
    column holds the replicate ids of ``replicate_ids`` and its ``position`` column the
    replicates' positions in the batch).
    """
    n = rng.n
    schedule = _schedule(strategies, setup.max_rounds)
    first, state = (
        (0, RelationshipState.initial(setup, n)) if start is None else (start[0], start[1].copy())
    )
    recorder = RoundsRecorder(setup.rounds)
    trace_frames: list[pd.DataFrame] = []
    for r, pair in enumerate(schedule):
        if r < first:
            continue
        rnd = stages.draw_round(setup, state, rng, r)
        result = stages.negotiate_round(setup, state, rnd, strategies=pair, rng=rng)
        obs = stages.learn(setup, state, rnd, result, strategies=pair)
        feelings = stages.feel(setup, state, rnd, result, obs, strategies=pair, rng=rng)
        context = RoundContext(setup, state, rnd, result, obs, feelings, pair, rng)
        stages.record(context, recorder)
        stages.carry(setup, state, result, feelings.leaving)
        if snapshot == r:
            recorder.snapshot = state.copy()
        if traces:
            frame = result.trace_frame(setup.mechanics.issue)
            frame["round"] = r + 1
            frame["position"] = frame["replicate"].to_numpy()
            frame["replicate"] = replicate_ids[frame["position"].to_numpy()]
            trace_frames.append(frame)
    return recorder, trace_frames


def _schedule(
    strategies: tuple[Strategy, Strategy] | Schedule, rounds: int
) -> list[tuple[Strategy, Strategy]]:
    """One pair of strategies per round from a pair, or from a list with one pair per round."""
    if isinstance(strategies, list):
        schedule = list(strategies)
        if len(schedule) != rounds:
            raise ValueError(
                f"strategies: expected one pair per round ({rounds}), got {len(schedule)}"
            )
        return schedule
    if (
        isinstance(strategies, tuple)
        and len(strategies) == 2
        and isinstance(strategies[0], Strategy)
    ):
        return [strategies] * rounds
    raise TypeError("strategies must be a pair of strategies or a list with one pair per round")


__all__ = ["Schedule", "play"]
