"""The summary's parts as the one sparse table the reporting code still reads (a bridge while
the reporting moves to :class:`~bargainlab.analysis.summary.Summary`'s attributes)."""

from __future__ import annotations

import pandas as pd

from ..analysis.summary import Summary
from ..analysis.summary import headline_mask as effects_headline
from ..config.cells import SweepCells
from ..config.schema import StudySpec
from ..relationships.channels import CHANNELS

__all__ = ["headline_mask", "union_table"]


def headline_mask(summary: pd.DataFrame, study: StudySpec) -> pd.Series:
    """The effect rows of each cell's headline window, in the union table."""
    effect = summary["section"] == "effect"
    mask = pd.Series(False, index=summary.index)
    mask[effect] = effects_headline(summary[effect], study)
    return mask


def _tested(summary: Summary, study: StudySpec) -> list[pd.DataFrame]:
    """The tested parts as rows of the union (with mde, n_needed and the null columns)."""
    power = summary.power
    effects = summary.effects.assign(section="effect", component="total", family="effect")
    effects = effects.merge(
        power[power["family"] == "effect"].drop(columns="family"),
        on=["cell", "treatment", "control", "window"],
        how="left",
    )
    survival = summary.survival.rename(
        columns={"survived_treatment": "payoff_treatment", "survived_control": "payoff_control"}
    ).assign(section="survival", window="round1", component="survival", family="survival")
    survival = survival.merge(
        power[power["family"] == "survival"].drop(columns=["family", "window"]),
        on=["cell", "treatment", "control"],
        how="left",
    )
    descriptive = [
        summary.mediation.assign(section="mediation", window="later"),
        summary.channels.assign(section="channel"),
    ]
    descriptive = [
        d.assign(family="descriptive", m=1, p_adjusted=d["p_value"]) for d in descriptive
    ]
    rows = [effects, survival, *descriptive]
    nulls = summary.nulls
    out = []
    for frame in rows:
        frame = frame.assign(channels="all", party=study.arms.party)
        frame["comparison"] = frame["treatment"] + " vs " + frame["control"]
        if frame["section"].iloc[0:1].isin(["survival", "mediation"]).any() or frame.empty:
            frame = frame.assign(null_cell=False, null_reason="", null_check="")
            out.append(frame)
            continue
        channel = frame["section"] == "channel"
        tested = frame["component"].where(channel, "total")
        tested = tested.where(~channel | frame["component"].isin(CHANNELS), "(not tested)")
        key = pd.DataFrame(
            {
                "cell": frame["cell"],
                "treatment": frame["treatment"],
                "control": frame["control"],
                "tested": tested,
                "window": frame["window"],
            }
        )
        matched = key.merge(
            nulls, on=["cell", "treatment", "control", "tested", "window"], how="left"
        )
        frame["null_cell"] = matched["check"].notna().to_numpy()
        frame["null_reason"] = matched["reason"].fillna("").to_numpy()
        frame["null_check"] = matched["check"].fillna("").to_numpy()
        out.append(frame)
    return out


def _tournament(summary: Summary, study: StudySpec, cells: SweepCells) -> list[pd.DataFrame]:
    """The tournament parts as rows of the union."""
    if not summary.has("tournament_payoff"):
        return []
    payoff = cells.attach(summary.tournament_payoff.rename(columns={"mean": "value"}))
    payoff = payoff.assign(section="tournament_payoff", channels="all")
    mix = summary.tournament_mix.rename(columns={"share_final": "value"})
    mix = mix.assign(section="tournament_mix", channels="all")
    treatment = next(iter(study.arms.strategies))
    fix = summary.tournament_fixation.rename(
        columns={
            "invader": "treatment",
            "resident": "control",
            "against": "start",
            "population_size": "n",
            "probability": "value",
        }
    )
    fix = fix.assign(section="tournament_fixation", channels="all", party=study.arms.party)
    fix["comparison"] = treatment + " vs " + fix["control"]
    return [payoff, mix, fix]


def union_table(summary: Summary, study: StudySpec, cells: SweepCells) -> pd.DataFrame:
    """The parts in one table with a ``section`` column and the sweep axes after ``cell``."""
    frames = [f for f in _tested(summary, study) if not f.empty]
    frames = [cells.attach(f) for f in frames] + _tournament(summary, study, cells)
    if summary.has("calibration"):
        frames.append(
            summary.calibration.rename(columns={"estimate": "mean_diff"}).assign(
                section="calibration"
            )
        )
    table = pd.concat([f for f in frames if not f.empty], ignore_index=True)
    front = ["section", "cell", *cells.paths]
    return table[[*front, *(c for c in table.columns if c not in front)]]
