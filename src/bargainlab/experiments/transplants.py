"""Mediation by state transplant: the control arm's later rounds replayed from its state
after round 1 with one piece of the treatment arm's state swapped in.

:func:`mediation_pieces` says which pieces a study's mediation replays;
:func:`transplant_rows` replays them for a stack's chunks and gives their rows of the
``mediation`` table (:data:`bargainlab.analysis.tables.MEDIATION_SCHEMA`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..config.schema import StudySpec
from ..engine.rng import StreamRNG
from ..relationships.play import play
from ..relationships.setup import RelationshipSetup
from ..relationships.state import PIECES, RelationshipState
from ..relationships.table import RoundsRecorder

__all__ = ["Snapshot", "later_payoff", "mediation_pieces", "transplant_rows"]


def mediation_pieces(study: StudySpec) -> tuple[str, ...]:
    """The pieces of state whose transplant the study's mediation replays: none unless it
    decomposes and has later rounds and a comparison; else ``survival`` and the pieces whose
    channel is on (``posterior``: information, ``reference_point``: precedent,
    ``subjective_value``: subjective value). A piece whose channel is off does not differ
    between the arms' states, so its contribution would be 0 by construction."""
    if not study.channels.decompose or study.rounds.count < 2 or not study.arms.pairs():
        return ()
    needs = {
        "posterior": study.channels.information,
        "reference_point": study.channels.precedent,
        "survival": True,
        "subjective_value": study.channels.subjective_value,
    }
    return tuple(p for p in PIECES if needs[p])


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
    pairs and the focal party's later-round payoff in the arm's own play."""

    state: Any
    """The :class:`~bargainlab.relationships.state.RelationshipState` after round 1."""
    schedule: list
    payoff: np.ndarray


def _replayed(
    setup: RelationshipSetup,
    donor: Any,
    control: Snapshot,
    pieces: Sequence[str],
    focal: int,
    streams: tuple[np.ndarray, np.ndarray],
) -> list[np.ndarray]:
    """Per piece, the control arm's later-round payoff with that piece of ``donor``
    transplanted. Only the relationships whose state the transplant changes are replayed
    (all pieces in one batch): elsewhere the transplanted state is the control arm's own, and
    resuming from it replays the control arm's later rounds exactly."""
    keys, ids = streams
    later = [control.payoff.copy() for _ in pieces]
    moved = [
        (k, np.flatnonzero(control.state.moved(donor, p, focal))) for k, p in enumerate(pieces)
    ]
    moved = [(k, where) for k, where in moved if where.size]
    if not moved:
        return later
    batch = RelationshipSetup.stack([setup.take(where) for _, where in moved])
    start = RelationshipState.stack(
        [control.state.transplant(donor, pieces[k], focal).take(where) for k, where in moved]
    )
    chosen = np.concatenate([where for _, where in moved])
    schedule = control.schedule[: batch.max_rounds]
    recorder, _ = play(batch, schedule, StreamRNG(keys[chosen]), ids[chosen], start=(1, start))
    replayed = later_payoff(recorder, focal)
    at = 0
    for k, where in moved:
        later[k][where] = replayed[at : at + where.size]
        at += where.size
    return later


def transplant_rows(
    study: StudySpec,
    setup: RelationshipSetup,
    snapshots: dict[str, Snapshot],
    pieces: Sequence[str],
    streams: tuple[np.ndarray, np.ndarray],
    parts: Sequence[slice],
) -> list[pd.DataFrame]:
    """Per chunk (``parts`` of the stack's rows), the mediation rows: for each comparison and
    piece, the control arm's rounds 2..R replayed (its strategies, the same random numbers:
    ``streams`` holds each replicate's key and id) from its state after round 1 with that
    piece taken from the treatment arm's state; the focal party's later-round payoff."""
    focal = study.party_names.index(study.arms.party)
    blocks: list[tuple[str, str, str, np.ndarray]] = []  # (treatment, control, piece, payoff)
    for treatment, control in study.arms.pairs():
        donor = snapshots[treatment].state
        later = _replayed(setup, donor, snapshots[control], pieces, focal, streams)
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
