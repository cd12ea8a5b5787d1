"""From a validated study cell to the rounds table: every arm, every channel variant.

This is the one entry point the experiment layer calls for a chunk of replicates. Arms of a
comparison share each replicate's key, hence every type draw and shock (common random
numbers); channel variants share them too, so effects can be decomposed pair by pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..beliefs.priors import PriorTable, grid_points, prior_mass
from ..config.schema import ChannelsSpec, StrategySpec, StudySpec
from ..engine.rng import StreamRNG
from ..engine.terms import Issue
from ..relationships.channels import CHANNELS, ChannelMask, Channels
from ..relationships.play import play
from ..relationships.setup import COIN, Mechanics, RelationshipSetup, Reputation
from ..relationships.state import PIECES, RelationshipState
from ..relationships.table import RoundsRecorder
from ..strategies import Strategy, create


def channel_variants(channels: ChannelsSpec) -> dict[str, Channels]:
    """``{"all": channels}`` plus, when decomposing, one variant per channel the study switches
    off (``"no_<channel>"``, :meth:`ChannelsSpec.switched_off`) and, with ``decompose =
    true``, one with every channel off (``"none"``: what remains is the arms' difference
    within rounds and in the survival of the relationship)."""
    base = Channels(**{name: getattr(channels, name) for name in CHANNELS})
    variants = {"all": base}
    for name in channels.switched_off():
        variants[f"no_{name}"] = base.without(name)
    if channels.all_off():
        variants["none"] = base.without(*base.enabled())
    return variants


def build_setup(
    study: StudySpec, replicate_ids: np.ndarray, channels: Channels
) -> RelationshipSetup:
    """Translate a study cell into a :class:`RelationshipSetup` for ``replicate_ids`` (every
    per-replicate array filled with the cell's values)."""
    n = replicate_ids.shape[0]
    names = study.party_names
    spec_parties = [study.parties[nm] for nm in names]
    iss = study.issue
    issue = Issue(
        name=iss.name,
        low=iss.low,
        high=iss.high,
        unit=iss.unit,
        party0_prefers="high",
        levels=iss.levels,
    )
    grid = grid_points(study.rounds.grid)
    count = study.rounds.count
    outside = np.zeros((count, 2))
    shift = np.zeros((count, 2))
    for i, p in enumerate(spec_parties):
        outside[:, i] = p.outside_option
        for entry in sorted(p.schedule, key=lambda e: e.round):
            if entry.round > count:
                continue
            if entry.outside_option is not None:
                outside[entry.round - 1 :, i] = entry.outside_option
            if entry.reservation_shift is not None:
                shift[entry.round - 1 :, i] = entry.reservation_shift
    fm = study.game.first_mover
    if fm == "alternate":
        first_mover = (replicate_ids % 2).astype(np.int8)
    elif fm == "random":
        first_mover = np.full(n, COIN, dtype=np.int8)
    else:
        first_mover = np.full(n, names.index(fm), dtype=np.int8)
    sq = 0.5 if study.game.status_quo is None else float(issue.from_domain(study.game.status_quo))
    cond = study.condition
    horizon = study.game.horizon

    def each(value: float, dtype: type = float) -> np.ndarray:
        return np.full(n, value, dtype=dtype)

    def pair(values: Sequence[float], dtype: type = float) -> np.ndarray:
        return np.tile(np.asarray(values, dtype=dtype), (n, 1))

    models, type_priors = reputation_models(study, n)
    mechanics = Mechanics(
        issue=issue,
        names=names,
        disagreement=study.game.disagreement,
        allow_exit=study.game.allow_exit,
        end_on_disagreement=study.rounds.end_on_disagreement,
        grid=grid,
        tremble=study.rounds.tremble,
        behaviour=study.behaviour,
        condition_holder=None if cond is None else names.index(cond.holder),
        reservation_shift=shift,
        reputation=models,
    )
    return RelationshipSetup(
        mechanics=mechanics,
        channels=ChannelMask.of(channels, n),
        rounds=each(count, np.int64),
        horizon=each(horizon, np.int64),
        breakdown=each(study.game.breakdown),
        first_mover=first_mover,
        status_quo=each(sq),
        rho=each(study.rounds.rho),
        priors=(
            PriorTable.single(prior_mass(spec_parties[0].reservation_value, grid), n),
            PriorTable.single(prior_mass(spec_parties[1].reservation_value, grid), n),
        ),
        outside_option=np.repeat(outside[:, None, :], n, axis=1),
        delta=pair([p.delta for p in spec_parties]),
        curvature=pair([p.curvature for p in spec_parties]),
        deadline=pair([min(p.deadline or horizon, horizon) for p in spec_parties], np.int64),
        condition_value=each(0.0 if cond is None else cond.value),
        condition_cost_prior=None
        if cond is None
        else PriorTable.single(prior_mass(cond.cost, grid), n),
        condition_fallback=each(0.0 if cond is None else float(issue.from_domain(cond.fallback))),
        reputation_prior=type_priors,
    )


def reputation_models(
    study: StudySpec, n: int
) -> tuple[
    tuple[Reputation | None, Reputation | None], tuple[np.ndarray | None, np.ndarray | None]
]:
    """Per side, the reputation model the study declares for it (``None`` elsewhere), and its
    prior over the model's types for ``n`` replicates (``(n, K)``)."""
    spec = study.reputation
    if spec is None:
        return (None, None), (None, None)
    labels, policies, prior = spec.ordered()
    model = Reputation(labels=labels, models=tuple(create(p.name, **p.params) for p in policies))
    rows = np.tile(np.asarray(prior, dtype=float), (n, 1))
    side = study.party_names.index(spec.holder)
    return ((model, None), (rows, None)) if side == 0 else ((None, model), (None, rows))


@dataclass(frozen=True)
class CellChunk:
    """A chunk of replicates of one sweep cell, ready to simulate."""

    cell: int
    study: StudySpec
    """The cell's study (no sweep left to expand)."""
    keys: np.ndarray
    """``uint64`` ``(n, 2)``: each replicate's key, from its own SeedSequence."""
    replicate_ids: np.ndarray


@dataclass
class ChunkTables:
    """What one chunk's simulation produces: its rounds table, its traces (when asked for)
    and its mediation table (when the study decomposes, ``None`` otherwise)."""

    rounds: pd.DataFrame
    traces: pd.DataFrame | None = None
    mediation: pd.DataFrame | None = None


def simulate(
    study: StudySpec, keys: np.ndarray, replicate_ids: np.ndarray, *, traces: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Run every arm and channel variant of one study cell on a chunk of replicates.

    Parameters
    ----------
    study:
        A validated cell (no sweep left to expand).
    keys:
        ``uint64`` array ``(n, 2)``: each replicate's key, from its own SeedSequence.
    replicate_ids:
        ``(n,)`` replicate numbers (used for labels and the alternating first mover).
    traces:
        Also return per-step traces.

    Returns
    -------
    The rounds table (columns ``channels``, ``arm``, ``replicate``, ``round``, ``party``, ...,
    see :data:`bargainlab.relationships.table.ROUNDS_SCHEMA`; its rows by channel variant, arm,
    round, replicate and party, variants and arms in the study's order) and the traces table
    or ``None``.
    """
    chunk = CellChunk(0, study, np.asarray(keys), np.asarray(replicate_ids, dtype=np.int64))
    out = simulate_cells([chunk], traces=traces, mediation=False)[0]
    order = {
        "channels": list(channel_variants(study.channels)),
        "arm": list(study.arms.strategies),
    }
    return _in_order(out.rounds, order), out.traces


def _in_order(frame: pd.DataFrame, order: dict[str, list[str]]) -> pd.DataFrame:
    """``frame`` with its rows stably sorted by the position of each named column's value in
    the given list."""
    codes = [
        frame[name].map({v: i for i, v in enumerate(values)}) for name, values in order.items()
    ]
    rows = np.lexsort([c.to_numpy() for c in reversed(codes)])
    return frame.take(rows).reset_index(drop=True)


def simulate_cells(
    chunks: Sequence[CellChunk], *, traces: bool = False, mediation: bool = True
) -> list[ChunkTables]:
    """Run several cells' chunks, stacking those whose mechanics are the same into one batch.

    Each arm plays once for all the chunks of a stack and every channel variant: the
    variants are per-replicate switches (:class:`~bargainlab.relationships.channels.ChannelMask`),
    and the mediation replays of a comparison play as one batch too. A chunk's rounds table
    has its rows grouped by arm (:func:`simulate` orders them; a run's parts are sorted by the
    table's keys).

    Cells of a sweep that differ only in numbers (persistence, priors, outside options, the
    number of rounds, the condition's value, ...) share their strategies' structure and play
    as one batch whose parameters vary per replicate, so a sweep of many small cells runs at
    the engine's throughput. Every replicate keeps its own key, and every stage is elementwise
    in the replicate, so each chunk's tables are exactly those it would give alone. Returns one
    :class:`ChunkTables` per chunk, in the order given; with ``mediation`` and a study that
    decomposes (``channels.decompose``), each has its mediation table (see
    :func:`mediation_pieces`).
    """
    out: list[ChunkTables | None] = [None] * len(chunks)
    for group in stacks(chunks):
        results = _simulate_stack([chunks[i] for i in group], traces, mediation)
        for index, result in zip(group, results, strict=True):
            out[index] = result
    return [r for r in out if r is not None]


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


def design_signature(study: StudySpec) -> tuple:
    """What, besides the relationship's mechanics, must be equal for cells to stack: the
    arms' strategies, the fixed strategies, the design and the channel variants."""
    arms = tuple((label, create(s.name, **s.params)) for label, s in study.arms.strategies.items())
    fixed = tuple(
        (party, create(s.name, **s.params)) for party, s in sorted(study.strategies.items())
    )
    cont = study.arms.continuation
    continuation = None if cont is None else create(cont.name, **cont.params)
    return (
        study.arms.party,
        arms,
        fixed,
        study.arms.treatment_rounds,
        continuation,
        tuple(channel_variants(study.channels)),
        mediation_pieces(study),
    )


def stacks(chunks: Sequence[CellChunk | StudySpec]) -> list[list[int]]:
    """Groups of chunks (or of cells' studies) that can play as one batch (greedy, in order):
    the same :func:`design_signature` and the same mechanics
    (:meth:`RelationshipSetup.shares_mechanics`)."""
    groups: list[list[int]] = []
    signatures: list[tuple] = []
    setups: list[RelationshipSetup] = []
    probe_id = np.zeros(1, dtype=np.int64)
    for index, chunk in enumerate(chunks):
        study = chunk.study if isinstance(chunk, CellChunk) else chunk
        design = design_signature(study)
        setup = build_setup(study, probe_id, study.channels)
        for group, signature, probe in zip(groups, signatures, setups, strict=True):
            if signature == design and probe.shares_mechanics(setup):
                group.append(index)
                break
        else:
            groups.append([index])
            signatures.append(design)
            setups.append(setup)
    return groups


def _arm_schedule(
    study: StudySpec, arm_spec: StrategySpec, rounds: int
) -> tuple[list[tuple[Strategy, Strategy]], list[tuple[str, str]]]:
    """The pair of strategies of each round for one arm, and their names (for the table)."""
    names = study.party_names
    focal = study.arms.party
    specs = {focal: arm_spec, **dict(study.strategies.items())}
    strategies = tuple(create(specs[nm].name, **specs[nm].params) for nm in names)
    pair = (strategies[0], strategies[1])
    label = (specs[names[0]].name, specs[names[1]].name)
    schedule, labels = [pair] * rounds, [label] * rounds
    k, cont = study.arms.treatment_rounds, study.arms.continuation
    if k != "all" and cont is not None and k < rounds:
        f = names.index(focal)
        later, later_label = list(pair), list(label)
        later[f] = create(cont.name, **cont.params)
        later_label[f] = cont.name
        schedule = [pair] * k + [(later[0], later[1])] * (rounds - k)
        labels = [label] * k + [(later_label[0], later_label[1])] * (rounds - k)
    return schedule, labels


def _simulate_stack(
    chunks: Sequence[CellChunk], traces: bool, mediation: bool
) -> list[ChunkTables]:
    """Every arm of the chunks of one stack, each arm one batch: the stack's relationships
    once per channel variant (variant ``v`` at rows ``v * N ..`` of ``N`` per variant), each
    replicate with its own key in every variant (common random numbers)."""
    first = chunks[0].study
    ids = np.concatenate([c.replicate_ids for c in chunks]).astype(np.int64)
    keys = np.concatenate([c.keys for c in chunks])
    bounds = np.cumsum([0, *(c.replicate_ids.shape[0] for c in chunks)])
    parts = [slice(bounds[c], bounds[c + 1]) for c in range(len(chunks))]
    size = ids.shape[0]
    names = first.party_names
    pieces = mediation_pieces(first) if mediation else ()
    variants = channel_variants(first.channels)  # "all" first
    everyone = np.arange(size)  # the rows of the "all" variant
    setup = RelationshipSetup.stack(
        [build_setup(c.study, c.replicate_ids, channels) for channels in variants.values() for c in chunks]
    )  # fmt: skip
    count = len(variants)
    rng = StreamRNG(np.tile(keys, (count, 1)))
    batch_ids = np.tile(ids, count)
    variant_of = np.repeat(np.asarray(list(variants), dtype=object), size)
    # per chunk, its rows in every variant
    rows_of = [np.concatenate([np.arange(part.start, part.stop) + v * size for v in range(count)])
               for part in parts]  # fmt: skip
    frames: list[list[pd.DataFrame]] = [[] for _ in chunks]
    trace_frames: list[list[pd.DataFrame]] = [[] for _ in chunks]
    snapshots: dict[str, tuple[Any, list, np.ndarray]] = {}
    for arm, arm_spec in first.arms.strategies.items():
        schedule, labels = _arm_schedule(first, arm_spec, setup.max_rounds)
        keep = 0 if pieces else None
        recorder, tframes = play(setup, schedule, rng, batch_ids, traces=traces, snapshot=keep)
        if keep is not None:
            own = _later_payoff(recorder, names.index(first.arms.party))[:size]
            snapshots[arm] = (recorder.snapshot.take(everyone), schedule, own)
        for c, rows in enumerate(rows_of):
            leading = {"channels": variant_of[rows], "arm": arm}
            frames[c].append(recorder.take(rows).to_frame(names, labels, batch_ids[rows], leading))
        for v, variant in enumerate(variants):
            for tf in tframes:
                position = tf["position"].to_numpy() - v * size
                for c, part in enumerate(parts):
                    mine = (position >= part.start) & (position < part.stop)
                    piece = tf[mine].drop(columns="position").reset_index(drop=True)
                    piece.insert(0, "arm", arm)
                    piece.insert(0, "channels", variant)
                    trace_frames[c].append(piece)
    mediated: list[pd.DataFrame] = []
    if snapshots:
        mediated = _transplants(first, setup.take(everyone), snapshots, pieces, keys, ids, parts)
    return [
        ChunkTables(
            rounds=pd.concat(frames[c], ignore_index=True),
            traces=pd.concat(trace_frames[c], ignore_index=True)
            if traces and trace_frames[c]
            else None,
            mediation=mediated[c] if pieces else None,
        )
        for c in range(len(chunks))
    ]


def _transplants(
    study: StudySpec,
    setup: RelationshipSetup,
    snapshots: dict[str, tuple[Any, list, np.ndarray]],
    pieces: Sequence[str],
    keys: np.ndarray,
    ids: np.ndarray,
    parts: Sequence[slice],
) -> list[pd.DataFrame]:
    """Per chunk, the mediation rows: for each comparison and piece, the control arm's rounds
    2..R replayed (its strategies, the same random numbers) from its state after round 1 with
    that piece taken from the treatment arm's state; the focal party's later-round payoff.

    Only the relationships whose state the transplant changes are replayed (all pieces of a
    comparison in one batch): elsewhere the transplanted state is the control arm's own, and
    resuming from it replays the control arm's later rounds exactly, so their payoff is the
    control arm's own."""
    names = study.party_names
    focal = names.index(study.arms.party)
    blocks: list[tuple[str, str, str, np.ndarray]] = []  # (treatment, control, piece, payoff)
    for treatment, control in study.arms.pairs():
        donor = snapshots[treatment][0]
        state, schedule, own = snapshots[control]
        later = [own.copy() for _ in pieces]
        moved = [
            (k, np.flatnonzero(state.moved(donor, piece, focal))) for k, piece in enumerate(pieces)
        ]
        moved = [(k, where) for k, where in moved if where.size]
        if moved:
            batch = RelationshipSetup.stack([setup.take(where) for _, where in moved])
            start = RelationshipState.stack(
                [state.transplant(donor, pieces[k], focal).take(where) for k, where in moved]
            )
            chosen = np.concatenate([where for _, where in moved])
            recorder, _ = play(
                batch,
                schedule[: batch.max_rounds],
                StreamRNG(keys[chosen]),
                ids[chosen],
                start=(1, start),
            )
            replayed = _later_payoff(recorder, focal)
            at = 0
            for k, where in moved:
                later[k][where] = replayed[at : at + where.size]
                at += where.size
        blocks += [(treatment, control, piece, later[k]) for k, piece in enumerate(pieces)]
    labels = {
        name: np.array([block[j] for block in blocks], dtype=object)
        for j, name in enumerate(("treatment", "control", "piece"))
    }
    out = []
    for part in parts:
        size = part.stop - part.start
        columns = {name: np.repeat(values, size) for name, values in labels.items()}
        out.append(
            pd.DataFrame(
                {
                    "treatment": columns["treatment"],
                    "control": columns["control"],
                    "replicate": np.tile(ids[part], len(blocks)),
                    "piece": columns["piece"],
                    "payoff_later": np.concatenate([block[3][part] for block in blocks]),
                }
            )
        )
    return out


def _later_payoff(recorder: RoundsRecorder, side: int) -> np.ndarray:
    """Per replicate, ``side``'s mean utility over rounds 2..R of its own relationship (the
    replicates table's ``payoff_later``)."""
    utility = recorder["utility"][:, :, side]  # (max rounds, n)
    rounds = np.asarray(recorder.rounds)
    index = np.arange(utility.shape[0])[:, None]
    inside = (index >= 1) & (index < rounds[None, :])
    return np.where(inside, utility, 0.0).sum(axis=0) / np.maximum(rounds - 1, 1)
