"""The reputation figure's panels (see :func:`bargainlab.reporting.figures.figures`): the
holder's posterior on the other party's true policy by round and arm, and at round 0 each
arm's prior, read from the study's declared types."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..analysis.derive import trajectory_stats
from ..config.schema import StudySpec
from ..strategies import describe
from . import plots
from .panels import in_arm_order

__all__ = ["arm_priors", "reputation_headline", "reputation_panel", "reputation_sides"]


def reputation_sides(study: StudySpec) -> tuple[str, str]:
    """The party holding the reputation belief and the party it is about."""
    assert study.reputation is not None
    holder = study.reputation.holder
    return holder, next(p for p in study.parties if p != holder)


def reputation_headline(study: StudySpec) -> str:
    """The title of the reputation figure."""
    holder, other = reputation_sides(study)
    return (
        f"{holder}'s posterior probability of the {other}'s true policy after each round "
        "(mean, 95% CI); hollow diamonds at round 0: its prior"
    )


def arm_priors(study: StudySpec, values: dict[str, Any]) -> dict[str, float]:
    """Per arm, the prior probability the reputation holder puts on the policy the other
    party plays in that arm (0 for a policy that is not a declared type), in the cell whose
    sweep values are ``values`` (``reputation.prior`` may be swept)."""
    assert study.reputation is not None
    prior: Any = values.get("reputation.prior", study.reputation.prior)
    _, other = reputation_sides(study)
    # a type is the policy the other party plays when the two are equal as strategies (the
    # rule by which the rounds table records the posterior on the true policy)
    types = {t: describe(s.name, s.params) for t, s in study.reputation.types.items()}
    out = {}
    for arm, spec in study.arms.strategies.items():
        plays = spec if other == study.arms.party else study.strategies[other]
        policy = describe(plays.name, plays.params)
        label = next((t for t, model in types.items() if model == policy), None)
        out[arm] = float(prior[label]) if label is not None else 0.0
    return out


def reputation_panel(
    ax: Any,
    sub: pd.DataFrame,
    study: StudySpec,
    values: dict[str, Any],
    colors: dict[str, str],
    title: str,
) -> None:
    """One panel: the holder's posterior on the other party's true policy by round and arm,
    and at round 0 each arm's prior (where every posterior starts)."""
    holder, other = reputation_sides(study)
    arms = list(study.arms.strategies)
    # arms often sit on the same value (a policy revealed after one round): each is drawn
    # slightly beside the round, so that none hides another
    dodge = {arm: 0.08 * (i - (len(arms) - 1) / 2) for i, arm in enumerate(arms)}
    traj = trajectory_stats(sub, holder, "belief_type_mass")
    traj = traj.assign(round=traj["round"] + traj["arm"].map(dodge).fillna(0.0))
    plots.trajectories(
        in_arm_order(traj, arms),
        "belief_type_mass",
        ax=ax,
        title=title or None,
        ylabel=f"{holder}'s posterior on the {other}'s true policy",
        colors=colors,
    )
    for arm, p in arm_priors(study, values).items():
        ax.plot(
            [dodge[arm]], [p], marker="D", linestyle="none", markerfacecolor="none",
            color=colors[arm],
        )  # fmt: skip
    ax.plot(
        [], [], marker="D", linestyle="none", markerfacecolor="none", color="black",
        label="prior (round 0)",
    )  # fmt: skip
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlim(left=-0.3)
