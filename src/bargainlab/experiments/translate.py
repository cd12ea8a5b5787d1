"""From a validated study cell to the rounds table: every arm, every channel variant.

This is the one entry point the experiment layer calls for a chunk of replicates. Arms of a
comparison share each replicate's key, hence every type draw and shock (common random
numbers); channel variants share them too, so effects can be decomposed pair by pair.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..beliefs.priors import grid_points, prior_mass
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
    """Translate a study cell into the arrays of a :class:`RelationshipSetup`."""
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
    R = study.rounds.count
    outside = np.zeros((R, 2))
    shift = np.zeros((R, 2))
    for i, p in enumerate(spec_parties):
        outside[:, i] = p.outside_option
        for entry in sorted(p.schedule, key=lambda e: e.round):
            if entry.round > R:
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
        first_mover = np.full(replicate_ids.shape[0], names.index(fm), dtype=np.int8)
    sq = 0.5 if study.game.status_quo is None else float(issue.from_domain(study.game.status_quo))
    cond = study.condition
    return RelationshipSetup(
        issue=issue,
        names=names,
        rounds=R,
        horizon=study.game.horizon,
        breakdown=study.game.breakdown,
        first_mover=first_mover,
        disagreement=study.game.disagreement,
        status_quo=sq,
        allow_exit=study.game.allow_exit,
        rho=study.rounds.rho,
        end_on_disagreement=study.rounds.end_on_disagreement,
        grid=grid,
        tremble=study.rounds.tremble,
        priors=(
            prior_mass(spec_parties[0].reservation_value, grid),
            prior_mass(spec_parties[1].reservation_value, grid),
        ),
        outside_option=outside,
        reservation_shift=shift,
        delta=(spec_parties[0].delta, spec_parties[1].delta),
        curvature=(spec_parties[0].curvature, spec_parties[1].curvature),
        deadline=tuple(p.deadline or study.game.horizon for p in spec_parties),
        channels=channels,
        behaviour=study.behaviour,
        condition_holder=None if cond is None else names.index(cond.holder),
        condition_value=0.0 if cond is None else cond.value,
        condition_cost_prior=None if cond is None else prior_mass(cond.cost, grid),
        condition_fallback=0.0 if cond is None else float(issue.from_domain(cond.fallback)),
        reputation=reputation_models(study),
    )


def reputation_models(study: StudySpec) -> tuple[Reputation | None, Reputation | None]:
    """Per side, the reputation model the study declares for it (``None`` elsewhere)."""
    spec = study.reputation
    if spec is None:
        return (None, None)
    labels, policies, prior = spec.ordered()
    model = Reputation(
        labels=labels,
        models=tuple(create(p.name, **p.params) for p in policies),
        prior=np.asarray(prior, dtype=float),
    )
    side = study.party_names.index(spec.holder)
    return (model, None) if side == 0 else (None, model)


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
    replicate_ids = np.asarray(replicate_ids, dtype=np.int64)
    rng = StreamRNG(keys)
    names = study.party_names
    focal = study.arms.party
    frames, trace_frames = [], []
    for variant, channels in channel_variants(study.channels).items():
        setup = build_setup(study, replicate_ids, channels)
        for arm, arm_spec in study.arms.strategies.items():
            specs = {focal: arm_spec, **dict(study.strategies.items())}
            strategies = tuple(create(specs[nm].name, **specs[nm].params) for nm in names)
            schedule = [strategies] * setup.rounds
            labels = [tuple(specs[nm].name for nm in names)] * setup.rounds
            k, cont = study.arms.treatment_rounds, study.arms.continuation
            if k != "all" and cont is not None and k < setup.rounds:
                f = names.index(focal)
                later = list(strategies)
                later[f] = create(cont.name, **cont.params)
                later_labels = list(labels[0])
                later_labels[f] = cont.name
                schedule = [strategies] * k + [tuple(later)] * (setup.rounds - k)
                labels = [labels[0]] * k + [tuple(later_labels)] * (setup.rounds - k)
            recorder, tframes = play(setup, schedule, rng, replicate_ids, traces=traces)
            frame = recorder.to_frame(names, labels, replicate_ids)
            frame.insert(0, "arm", arm)
            frame.insert(0, "channels", variant)
            frames.append(frame)
            for tf in tframes:
                tf.insert(0, "arm", arm)
                tf.insert(0, "channels", variant)
                trace_frames.append(tf)
    rounds = pd.concat(frames, ignore_index=True)
    trace_table = pd.concat(trace_frames, ignore_index=True) if traces and trace_frames else None
    return rounds, trace_table
