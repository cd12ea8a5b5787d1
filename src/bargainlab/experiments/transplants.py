"""Mediation by replay from the control arm's state after round 1: the control arm's later
rounds with one piece of the treatment arm's state swapped in, and the treatment arm's
policy played from the control arm's state (the ``direct`` component).

:func:`mediation_pieces` says which components a study's mediation replays;
:func:`transplant_rows` replays them for a stack's chunks and gives their rows of the
``mediation`` table (:data:`bargainlab.analysis.tables.MEDIATION_SCHEMA`).

With ``T`` and ``C`` the treatment's and the control's later-round payoff, per replicate:

* a state piece ``p`` (:data:`~bargainlab.relationships.state.PIECES`) replays the control
  arm's policy, under the control arm's condition terms, from the control's state with ``p``
  taken from the treatment's state: ``X_p``, and ``X_p - C`` is what that piece carries;
* ``direct`` replays the treatment arm (its policy and its condition terms) from the
  control's state: ``X_direct``, and ``X_direct - C`` is what the policy does from the same
  starting point (with standing policies, the treatment's policy playing rounds 2..R). When
  the two arms' condition terms differ (a placebo arm), the parts of the state that belong to
  the terms -- the obliged party's cost draw and the holder's belief about it -- are the
  treatment's (:meth:`~bargainlab.relationships.state.RelationshipState.with_condition_of`);
* what is left, ``T - C - (X_direct - C) - sum_p (X_p - C)``, is the interaction: what the
  policy and the pieces do together and no one of them alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.tables import DIRECT
from ..config.schema import StudySpec
from ..engine.rng import StreamRNG
from ..relationships.play import play
from ..relationships.setup import RelationshipSetup
from ..relationships.state import PIECES, RelationshipState
from ..relationships.table import RoundsRecorder

__all__ = ["Snapshot", "later_payoff", "mediation_pieces", "transplant_rows"]


def mediation_pieces(study: StudySpec) -> tuple[str, ...]:
    """The components the study's mediation replays: none unless it decomposes and has later
    rounds and a comparison; else ``direct``, ``survival`` and the state pieces whose channel
    is on (``posterior``: information, ``reference_point``: precedent, ``subjective_value``:
    subjective value). A piece whose channel is off does not differ between the arms' states,
    so its contribution would be 0 by construction."""
    if not study.channels.decompose or study.rounds.count < 2 or not study.arms.pairs():
        return ()
    needs = {
        "posterior": study.channels.information,
        "reference_point": study.channels.precedent,
        "survival": True,
        "subjective_value": study.channels.subjective_value,
    }
    return (DIRECT, *(p for p in PIECES if needs[p]))


def later_payoff(recorder: RoundsRecorder, side: int) -> np.ndarray:
    """Per replicate, ``side``'s mean utility over rounds 2..R of its own relationship (the
    replicates table's ``payoff_later``)."""
    utility = recorder["utility"][:, :, side]  # (max rounds, n)
    rounds = np.asarray(recorder.rounds)
    index = np.arange(utility.shape[0])[:, None]
    inside = (index >= 1) & (index < rounds[None, :])
    return np.where(inside, utility, 0.0).sum(axis=0) / np.maximum(rounds - 1, 1)


@dataclass(frozen=True)
class Snapshot:
    """One arm's relationships after round 1: their state, the arm's schedule of strategy
    pairs, the focal party's later-round payoff in the arm's own play and the setup the arm
    played (its condition terms)."""

    state: Any
    """The :class:`~bargainlab.relationships.state.RelationshipState` after round 1."""
    schedule: list
    payoff: np.ndarray
    setup: RelationshipSetup


@dataclass(frozen=True)
class _Replay:
    """Relationships to replay from round 2 as one batch: their rows, starting states, setup
    and schedule."""

    rows: np.ndarray
    start: RelationshipState
    setup: RelationshipSetup
    schedule: list


def _play_later(replay: _Replay, focal: int, streams: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """The focal party's later-round payoff of a replay (the same random numbers as the arms'
    own runs: ``streams`` holds each replicate's key and id)."""
    keys, ids = streams
    rng = StreamRNG(keys[replay.rows])
    schedule = replay.schedule[: replay.setup.max_rounds]
    recorder, _ = play(replay.setup, schedule, rng, ids[replay.rows], start=(1, replay.start))
    return later_payoff(recorder, focal)


def _replayed(
    treatment: Snapshot,
    control: Snapshot,
    pieces: Sequence[str],
    focal: int,
    streams: tuple[np.ndarray, np.ndarray],
    terms_differ: bool,
) -> list[np.ndarray]:
    """Per component of ``pieces``, the later-round payoff of its replay (module docstring).

    Only the relationships a replay can change are replayed: for a state piece, those whose
    state the transplant changes (elsewhere the transplanted state is the control's own, and
    resuming from it replays the control's later rounds exactly), all pieces in one batch;
    for ``direct``, every relationship still active after round 1 in the control (an ended
    one gets its outside options whatever the policy)."""
    later = [control.payoff.copy() for _ in pieces]
    donor = treatment.state
    moved = [
        (k, np.flatnonzero(control.state.moved(donor, p, focal)))
        for k, p in enumerate(pieces)
        if p != DIRECT
    ]
    moved = [(k, where) for k, where in moved if where.size]
    if moved:
        start = [control.state.transplant(donor, pieces[k], focal).take(w) for k, w in moved]
        replay = _Replay(
            np.concatenate([where for _, where in moved]),
            RelationshipState.stack(start),
            RelationshipSetup.stack([control.setup.take(where) for _, where in moved]),
            control.schedule,
        )
        replayed, at = _play_later(replay, focal, streams), 0
        for k, where in moved:
            later[k][where] = replayed[at : at + where.size]
            at += where.size
    if DIRECT in pieces:
        active = np.flatnonzero(control.state.active)
        if active.size:
            state = control.state.with_condition_of(donor) if terms_differ else control.state
            replay = _Replay(
                active, state.take(active), treatment.setup.take(active), treatment.schedule
            )
            later[pieces.index(DIRECT)][active] = _play_later(replay, focal, streams)
    return later


def transplant_rows(
    study: StudySpec,
    snapshots: dict[str, Snapshot],
    pieces: Sequence[str],
    streams: tuple[np.ndarray, np.ndarray],
    parts: Sequence[slice],
) -> list[pd.DataFrame]:
    """Per chunk (``parts`` of the stack's rows), the mediation rows: for each comparison and
    component, the focal party's later-round payoff of its replay (module docstring; the same
    random numbers: ``streams`` holds each replicate's key and id)."""
    focal = study.party_names.index(study.arms.party)
    arms = study.arms.strategies
    blocks: list[tuple[str, str, str, np.ndarray]] = []  # (treatment, control, piece, payoff)
    for treatment, control in study.arms.pairs():
        differ = arms[treatment].condition != arms[control].condition
        later = _replayed(snapshots[treatment], snapshots[control], pieces, focal, streams, differ)
        blocks += [(treatment, control, piece, later[k]) for k, piece in enumerate(pieces)]
    ids = streams[1]
    labels = {
        name: np.array([block[j] for block in blocks], dtype=object)
        for j, name in enumerate(("treatment", "control", "piece"))
    }
    out = []
    for part in parts:
        size = part.stop - part.start
        columns = {name: np.repeat(values, size) for name, values in labels.items()}
        table = {
            "treatment": columns["treatment"],
            "control": columns["control"],
            "replicate": np.tile(ids[part], len(blocks)),
            "piece": columns["piece"],
            "payoff_later": np.concatenate([block[3][part] for block in blocks]),
        }
        out.append(pd.DataFrame(table))
    return out
