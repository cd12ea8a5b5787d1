"""From a validated study cell to a :class:`~bargainlab.relationships.setup.RelationshipSetup`:
every per-replicate array filled with the cell's values (:func:`build_setup`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..beliefs.priors import PriorTable, grid_points, prior_mass
from ..config.schema import Prior, StudySpec
from ..engine.terms import Issue
from ..relationships.channels import ChannelMask, Channels
from ..relationships.setup import COIN, Mechanics, RelationshipSetup, Reputation
from ..strategies import create

__all__ = ["build_setup", "condition_terms", "reputation_models"]


def _issue(study: StudySpec) -> Issue:
    """The study's primary issue (party 0 prefers high terms)."""
    iss = study.issue
    return Issue(
        name=iss.name, low=iss.low, high=iss.high, unit=iss.unit, party0_prefers="high",
        levels=iss.levels,
    )  # fmt: skip


def _schedules(study: StudySpec) -> tuple[np.ndarray, np.ndarray]:
    """Per round and side, the outside option and the reservation-value shift, from each
    party's outside option and its ``schedule`` entries (a change holds from its round on)."""
    count = study.rounds.count
    outside, shift = np.zeros((count, 2)), np.zeros((count, 2))
    for i, name in enumerate(study.party_names):
        party = study.parties[name]
        outside[:, i] = party.outside_option
        for entry in sorted(party.schedule, key=lambda e: e.round):
            if entry.round > count:
                continue
            if entry.outside_option is not None:
                outside[entry.round - 1 :, i] = entry.outside_option
            if entry.reservation_shift is not None:
                shift[entry.round - 1 :, i] = entry.reservation_shift
    return outside, shift


def _first_mover(study: StudySpec, replicate_ids: np.ndarray) -> np.ndarray:
    """Who opens each replicate's negotiations: alternating by replicate id, a coin
    (:data:`~bargainlab.relationships.setup.COIN`), or one party."""
    fm = study.game.first_mover
    if fm == "alternate":
        return (replicate_ids % 2).astype(np.int8)
    if fm == "random":
        return np.full(replicate_ids.shape[0], COIN, dtype=np.int8)
    return np.full(replicate_ids.shape[0], study.party_names.index(fm), dtype=np.int8)


def _each(n: int, value: float, dtype: type = float) -> np.ndarray:
    """``value`` for each of ``n`` replicates."""
    return np.full(n, value, dtype=dtype)


def _pair(n: int, values: Sequence[float], dtype: type = float) -> np.ndarray:
    """The two sides' ``values`` for each of ``n`` replicates, ``(n, 2)``."""
    return np.tile(np.asarray(values, dtype=dtype), (n, 1))


def condition_terms(study: StudySpec, arm: str | None = None) -> tuple[float, Prior] | None:
    """The condition's value and cost prior in the relationships of ``arm`` (the arm's
    ``condition`` override, key by key, else the study's ``[condition]``); ``None`` without a
    condition."""
    cond = study.condition
    if cond is None:
        return None
    override = None if arm is None else study.arms.strategies[arm].condition
    if override is None:
        return cond.value, cond.cost
    value = cond.value if override.value is None else override.value
    return value, cond.cost if override.cost is None else override.cost


def build_setup(
    study: StudySpec, replicate_ids: np.ndarray, channels: Channels, arm: str | None = None
) -> RelationshipSetup:
    """Translate a study cell into a :class:`RelationshipSetup` for ``replicate_ids`` (every
    per-replicate array filled with the cell's values), with the condition's terms of
    ``arm`` (:func:`condition_terms`; only the condition's value and cost can differ between
    the arms of a cell, so the arms' setups share their mechanics and every other array)."""
    n = replicate_ids.shape[0]
    names = study.party_names
    sides = [study.parties[nm] for nm in names]
    issue = _issue(study)
    grid = grid_points(study.rounds.grid)
    outside, shift = _schedules(study)
    sq = 0.5 if study.game.status_quo is None else float(issue.from_domain(study.game.status_quo))
    cond, horizon = study.condition, study.game.horizon
    terms = condition_terms(study, arm)
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
        rounds=_each(n, study.rounds.count, np.int64),
        horizon=_each(n, horizon, np.int64),
        breakdown=_each(n, study.game.breakdown),
        first_mover=_first_mover(study, replicate_ids),
        status_quo=_each(n, sq),
        rho=_each(n, study.rounds.rho),
        priors=(
            PriorTable.single(prior_mass(sides[0].reservation_value, grid), n),
            PriorTable.single(prior_mass(sides[1].reservation_value, grid), n),
        ),
        outside_option=np.repeat(outside[:, None, :], n, axis=1),
        delta=_pair(n, [p.delta for p in sides]),
        curvature=_pair(n, [p.curvature for p in sides]),
        deadline=_pair(n, [min(p.deadline or horizon, horizon) for p in sides], np.int64),
        condition_value=_each(n, 0.0 if terms is None else terms[0]),
        condition_cost_prior=None
        if terms is None
        else PriorTable.single(prior_mass(terms[1], grid), n),
        condition_fallback=_each(
            n, 0.0 if cond is None else float(issue.from_domain(cond.fallback))
        ),
        reputation_prior=type_priors,
    )


def reputation_models(
    study: StudySpec, n: int
) -> tuple[
    tuple[Reputation | None, Reputation | None], tuple[np.ndarray | None, np.ndarray | None]
]:
    """Per side, the reputation model the study declares for it (``None`` elsewhere, and in a
    cell whose ``reputation.model`` is ``"known_policy"``: the holder knows the policy), and
    its prior over the model's types for ``n`` replicates (``(n, K)``)."""
    spec = study.reputation
    if spec is None or spec.model == "known_policy":
        return (None, None), (None, None)
    labels, policies, prior = spec.ordered()
    model = Reputation(labels=labels, models=tuple(create(p.name, **p.params) for p in policies))
    rows = np.tile(np.asarray(prior, dtype=float), (n, 1))
    side = study.party_names.index(spec.holder)
    return ((model, None), (rows, None)) if side == 0 else ((None, model), (None, rows))
