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

from ..beliefs.priors import PriorTable, grid_points, prior_mass
from ..config.schema import ChannelsSpec, StudySpec
from ..engine.rng import StreamRNG
from ..engine.terms import Issue
from ..relationships.channels import CHANNELS, Channels
from ..relationships.play import play
from ..relationships.setup import RelationshipSetup, Reputation
from ..strategies import create


def channel_variants(channels: ChannelsSpec) -> dict[str, Channels]:
    """``{"all": channels}`` plus, when decomposing, one variant per enabled channel switched
    off (``"no_<channel>"``) and one with every channel off (``"none"``: what remains is the
    arms' difference within rounds and in the survival of the relationship)."""
    base = Channels(**{name: getattr(channels, name) for name in CHANNELS})
    variants = {"all": base}
    if channels.decompose:
        enabled = base.enabled()
        for name in enabled:
            variants[f"no_{name}"] = base.without(name)
        if enabled:
            variants["none"] = base.without(*enabled)
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
        first_mover: np.ndarray | str = (replicate_ids % 2).astype(np.int8)
    elif fm == "random":
        first_mover = "random"
    else:
        first_mover = np.full(n, names.index(fm), dtype=np.int8)
    sq = 0.5 if study.game.status_quo is None else float(issue.from_domain(study.game.status_quo))
    cond = study.condition
    horizon = study.game.horizon

    def each(value: float, dtype: type = float) -> np.ndarray:
        return np.full(n, value, dtype=dtype)

    def pair(values: Sequence[float], dtype: type = float) -> np.ndarray:
        return np.tile(np.asarray(values, dtype=dtype), (n, 1))

    return RelationshipSetup(
        issue=issue,
        names=names,
        disagreement=study.game.disagreement,
        allow_exit=study.game.allow_exit,
        end_on_disagreement=study.rounds.end_on_disagreement,
        grid=grid,
        tremble=study.rounds.tremble,
        channels=channels,
        behaviour=study.behaviour,
        condition_holder=None if cond is None else names.index(cond.holder),
        reservation_shift=shift,
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
        reputation=reputation_models(study, n),
    )


def reputation_models(study: StudySpec, n: int) -> tuple[Reputation | None, Reputation | None]:
    """Per side, the reputation model the study declares for it (``None`` elsewhere), for
    ``n`` replicates."""
    spec = study.reputation
    if spec is None:
        return (None, None)
    labels, policies, prior = spec.ordered()
    model = Reputation(
        labels=labels,
        models=tuple(create(p.name, **p.params) for p in policies),
        prior=np.tile(np.asarray(prior, dtype=float), (n, 1)),
    )
    side = study.party_names.index(spec.holder)
    return (model, None) if side == 0 else (None, model)


@dataclass(frozen=True)
class CellChunk:
    """A chunk of replicates of one sweep cell, ready to simulate."""

    cell: int
    study: StudySpec
    """The cell's study (no sweep left to expand)."""
    keys: np.ndarray
    """``uint64`` ``(n, 2)``: each replicate's key, from its own SeedSequence."""
    replicate_ids: np.ndarray


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
    see :data:`bargainlab.relationships.table.ROUNDS_SCHEMA`) and the traces table or ``None``.
    """
    chunk = CellChunk(0, study, np.asarray(keys), np.asarray(replicate_ids, dtype=np.int64))
    return simulate_cells([chunk], traces=traces)[0]


def simulate_cells(
    chunks: Sequence[CellChunk], *, traces: bool = False
) -> list[tuple[pd.DataFrame, pd.DataFrame | None]]:
    """Run several cells' chunks, stacking those whose mechanics are the same into one batch.

    Cells of a sweep that differ only in numbers (persistence, priors, outside options, the
    number of rounds, the condition's value, ...) share their strategies' structure and play
    as one batch whose parameters vary per replicate, so a sweep of many small cells runs at
    the engine's throughput. Every replicate keeps its own key, and every stage is elementwise
    in the replicate, so each chunk's tables are exactly those it would give alone. Returns one
    ``(rounds, traces)`` per chunk, in the order given.
    """
    out: list[tuple[pd.DataFrame, pd.DataFrame | None] | None] = [None] * len(chunks)
    for group in _stacks(chunks):
        for index, result in zip(
            group, _simulate_stack([chunks[i] for i in group], traces), strict=True
        ):
            out[index] = result
    return [r for r in out if r is not None]


def _design(study: StudySpec) -> tuple:
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
    )


def _stacks(chunks: Sequence[CellChunk]) -> list[list[int]]:
    """Groups of chunks that can play as one batch (greedy, in order)."""
    groups: list[list[int]] = []
    signatures: list[tuple] = []
    setups: list[RelationshipSetup] = []
    for index, chunk in enumerate(chunks):
        design = _design(chunk.study)
        setup = build_setup(chunk.study, chunk.replicate_ids[:1], chunk.study.channels)
        for group, signature, probe in zip(groups, signatures, setups, strict=True):
            if signature == design and probe.shares_mechanics(setup):
                group.append(index)
                break
        else:
            groups.append([index])
            signatures.append(design)
            setups.append(setup)
    return groups


def _simulate_stack(
    chunks: Sequence[CellChunk], traces: bool
) -> list[tuple[pd.DataFrame, pd.DataFrame | None]]:
    first = chunks[0].study
    ids = np.concatenate([c.replicate_ids for c in chunks]).astype(np.int64)
    rng = StreamRNG(np.concatenate([c.keys for c in chunks]))
    bounds = np.cumsum([0, *(c.replicate_ids.shape[0] for c in chunks)])
    names = first.party_names
    focal = first.arms.party
    frames: list[list[pd.DataFrame]] = [[] for _ in chunks]
    trace_frames: list[list[pd.DataFrame]] = [[] for _ in chunks]
    for variant, channels in channel_variants(first.channels).items():
        setup = RelationshipSetup.stack(
            [build_setup(c.study, c.replicate_ids, channels) for c in chunks]
        )
        for arm, arm_spec in first.arms.strategies.items():
            specs = {focal: arm_spec, **dict(first.strategies.items())}
            strategies = tuple(create(specs[nm].name, **specs[nm].params) for nm in names)
            rounds = setup.max_rounds
            schedule = [strategies] * rounds
            labels = [tuple(specs[nm].name for nm in names)] * rounds
            k, cont = first.arms.treatment_rounds, first.arms.continuation
            if k != "all" and cont is not None and k < rounds:
                f = names.index(focal)
                later = list(strategies)
                later[f] = create(cont.name, **cont.params)
                later_labels = list(labels[0])
                later_labels[f] = cont.name
                schedule = [strategies] * k + [tuple(later)] * (rounds - k)
                labels = [labels[0]] * k + [tuple(later_labels)] * (rounds - k)
            recorder, tframes = play(setup, schedule, rng, ids, traces=traces)
            for c in range(len(chunks)):
                part = slice(bounds[c], bounds[c + 1])
                frame = recorder.take(part).to_frame(names, labels, ids[part])
                frame.insert(0, "arm", arm)
                frame.insert(0, "channels", variant)
                frames[c].append(frame)
                for tf in tframes:
                    mine = (tf["position"] >= bounds[c]) & (tf["position"] < bounds[c + 1])
                    piece = tf[mine].drop(columns="position").reset_index(drop=True)
                    piece.insert(0, "arm", arm)
                    piece.insert(0, "channels", variant)
                    trace_frames[c].append(piece)
    return [
        (
            pd.concat(frames[c], ignore_index=True),
            pd.concat(trace_frames[c], ignore_index=True) if traces and trace_frames[c] else None,
        )
        for c in range(len(chunks))
    ]
