"""From a validated study cell to the rounds table: every arm, every channel variant.

This is the one entry point the experiment layer calls for a chunk of replicates. Arms of a
comparison share each replicate's key, hence every type draw and shock (common random
numbers); channel variants share them too, so effects can be decomposed pair by pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config.schema import ChannelsSpec, StrategySpec, StudySpec
from ..engine.rng import StreamRNG
from ..relationships.channels import CHANNELS, Channels
from ..relationships.play import play
from ..relationships.setup import RelationshipSetup
from ..strategies import Strategy, create
from .setups import build_setup
from .transplants import Snapshot, later_payoff, mediation_pieces, transplant_rows

__all__ = [
    "CellChunk",
    "ChunkTables",
    "arm_schedule",
    "build_setup",
    "channel_variants",
    "design_signature",
    "simulate",
    "simulate_cells",
    "stacks",
]


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


def design_signature(study: StudySpec) -> tuple:
    """What, besides the relationship's mechanics, must be equal for cells to stack: the
    arms' strategies (and their condition terms), the fixed strategies, the design and the
    channel variants."""
    arms = tuple(
        (label, create(s.name, **s.params), s.condition)
        for label, s in study.arms.strategies.items()
    )
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


def arm_schedule(
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


@dataclass(frozen=True)
class _Stack:
    """The batch of one stack: its chunks' relationships once per channel variant (variant
    ``v`` at rows ``v * N ..`` of ``N`` per variant), each replicate with its own key in
    every variant (common random numbers)."""

    study: StudySpec
    """The first chunk's study (the stack's design is the same in every chunk)."""
    ids: np.ndarray
    keys: np.ndarray
    parts: list[slice]
    """Each chunk's rows among the ``N`` of one variant."""
    variants: list[str]
    """The channel variants, ``all`` first."""
    setup: RelationshipSetup
    arm_setups: dict[str, RelationshipSetup]
    """The setups of the arms that change the condition's terms (``[arms.strategies.<arm>]``
    ``condition``); the other arms play :attr:`setup`."""

    @classmethod
    def of(cls, chunks: Sequence[CellChunk]) -> _Stack:
        """The stack of ``chunks``, every channel variant's setup stacked (and each arm's that
        changes the condition's terms)."""
        first = chunks[0].study
        bounds = np.cumsum([0, *(c.replicate_ids.shape[0] for c in chunks)])
        variants = channel_variants(first.channels)

        def stacked(arm: str | None) -> RelationshipSetup:
            """Every chunk's setup in every channel variant, with ``arm``'s terms."""
            return RelationshipSetup.stack(
                [
                    build_setup(c.study, c.replicate_ids, v, arm)
                    for v in variants.values()
                    for c in chunks
                ]
            )

        overrides = [a for a, spec in first.arms.strategies.items() if spec.condition is not None]
        return cls(
            study=first,
            ids=np.concatenate([c.replicate_ids for c in chunks]).astype(np.int64),
            keys=np.concatenate([c.keys for c in chunks]),
            parts=[slice(bounds[c], bounds[c + 1]) for c in range(len(chunks))],
            variants=list(variants),
            setup=stacked(None),
            arm_setups={arm: stacked(arm) for arm in overrides},
        )

    def setup_of(self, arm: str) -> RelationshipSetup:
        """The setup arm ``arm`` plays."""
        return self.arm_setups.get(arm, self.setup)

    @property
    def size(self) -> int:
        """``N``: the relationships of one variant."""
        return self.ids.shape[0]

    def rows(self, chunk: int) -> np.ndarray:
        """A chunk's rows of the batch, in every variant."""
        part = self.parts[chunk]
        here = np.arange(part.start, part.stop)
        return np.concatenate([here + v * self.size for v in range(len(self.variants))])


def _chunk_traces(stack: _Stack, arm: str, tframes: list[pd.DataFrame]) -> list[list[pd.DataFrame]]:
    """Per chunk, its traces of one arm (labelled with their variant and arm)."""
    out: list[list[pd.DataFrame]] = [[] for _ in stack.parts]
    for v, variant in enumerate(stack.variants):
        for tf in tframes:
            position = tf["position"].to_numpy() - v * stack.size
            for c, part in enumerate(stack.parts):
                mine = (position >= part.start) & (position < part.stop)
                piece = tf[mine].drop(columns="position").reset_index(drop=True)
                piece.insert(0, "arm", arm)
                piece.insert(0, "channels", variant)
                out[c].append(piece)
    return out


def _simulate_stack(
    chunks: Sequence[CellChunk], traces: bool, mediation: bool
) -> list[ChunkTables]:
    """Every arm of the chunks of one stack, each arm one batch (see :class:`_Stack`); with
    ``mediation``, each arm's state after round 1 is kept for the transplants."""
    stack = _Stack.of(chunks)
    study, names, count = stack.study, stack.study.party_names, len(stack.variants)
    pieces = mediation_pieces(study) if mediation else ()
    rng = StreamRNG(np.tile(stack.keys, (count, 1)))
    batch_ids = np.tile(stack.ids, count)
    variant_of = np.repeat(np.asarray(stack.variants, dtype=object), stack.size)
    everyone = np.arange(stack.size)  # the rows of the "all" variant
    frames: list[list[pd.DataFrame]] = [[] for _ in chunks]
    trace_frames: list[list[pd.DataFrame]] = [[] for _ in chunks]
    snapshots: dict[str, Snapshot] = {}
    for arm, arm_spec in study.arms.strategies.items():
        schedule, labels = arm_schedule(study, arm_spec, stack.setup.max_rounds)
        keep = 0 if pieces else None
        setup = stack.setup_of(arm)
        recorder, tframes = play(setup, schedule, rng, batch_ids, traces=traces, snapshot=keep)
        if keep is not None:
            own = later_payoff(recorder, names.index(study.arms.party))[: stack.size]
            state = recorder.snapshot.take(everyone)
            snapshots[arm] = Snapshot(state, schedule, own, setup.take(everyone))
        for c in range(len(chunks)):
            rows = stack.rows(c)
            leading = {"channels": variant_of[rows], "arm": arm}
            frames[c].append(recorder.take(rows).to_frame(names, labels, batch_ids[rows], leading))
        for c, own_traces in enumerate(_chunk_traces(stack, arm, tframes)):
            trace_frames[c] += own_traces
    mediated: list[pd.DataFrame] = []
    if snapshots:
        streams = (stack.keys, stack.ids)
        mediated = transplant_rows(study, snapshots, pieces, streams, stack.parts)
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
