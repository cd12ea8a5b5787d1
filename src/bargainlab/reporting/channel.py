"""The channel in plain words: how much of a study's later-round effect comes from the
condition's surplus, from survival, from information (concealment) and from the policy
itself, each with its interval, and where the essay's reason holds.

Everything is read from the summary: the ``mechanism`` part (surplus, concealment,
persistence), the ``mediation`` part (direct, the state pieces, interaction), the ``effects``
part (the ``survivors`` window). The cells where the opponent knows the focal party's policy
(``reputation.model = "known_policy"``) are a labelled reference: they are left out of every
count and mean here and named apart.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..analysis.mechanism import mechanism_pairs
from ..analysis.summary import Summary
from ..config.cells import SweepCells
from ..config.schema import StudySpec
from .text import cell_values, describe_cell, fmt, fmt_interval

__all__ = [
    "COMPONENT_WORDS",
    "essay_pair",
    "main_cells",
    "never_survives",
    "spread_phrase",
    "verdict_counts",
]

COMPONENT_WORDS = {
    "direct": "the policy itself (played from the control's state after round 1)",
    "survival": "survival of round 1",
    "posterior": "information (the opponent's belief after round 1)",
    "reference_point": "the reference point round 1 left",
    "subjective_value": "subjective value",
    "interaction": "the policy and the state together",
}
"""Each mediation component in plain words, in the order the answer names them."""

REFERENCE_MODEL = "known_policy"
"""The value of ``reputation.model`` that marks a labelled reference cell."""


def main_cells(cells: SweepCells) -> list[int]:
    """The cells that are not a labelled reference (where the opponent doubts, or the study
    has no reputation model)."""
    if "reputation.model" not in cells.paths:
        return list(cells.cells)
    return [c for c in cells.cells if cells.value(c, "reputation.model") != REFERENCE_MODEL]


def essay_pair(study: StudySpec) -> tuple[str, str]:
    """The comparison the essay makes: the face-saver against the plain concession (the
    surplus comparison's treatment against the concealment comparison's control) when the
    study has a placebo, else the study's first comparison."""
    roles = mechanism_pairs(study)
    if "surplus" in roles and "concealment" in roles:
        pair = (roles["surplus"][0], roles["concealment"][1])
        if pair in study.arms.pairs():
            return pair
    return study.arms.pairs()[0]


def never_survives(summary: Summary, study: StudySpec) -> list[str]:
    """Control arms whose relationship never survives round 1 in any cell with later rounds
    (their comparisons are reported apart from the headline counts)."""
    survival = summary.survival
    if survival.empty:
        return []
    out = []
    for control, rows in survival.groupby("control", sort=False):
        if len(rows) and (rows["survived_control"].fillna(0.0) == 0.0).all():
            out.append(str(control))
    return [c for c in dict.fromkeys(c for _, c in study.arms.pairs()) if c in out]


def verdict_counts(verdicts: pd.Series) -> str:
    """``"3/0/4/2"``: rows that help, hurt, are negligible, are undetermined."""
    order = ("helps", "hurts", "negligible", "undetermined")
    return "/".join(str(int((verdicts == v).sum())) for v in order)


def _where(cell: int, cells: SweepCells, study: StudySpec, drop: str = "") -> str:
    """`` where ...`` for a cell, without the axis ``drop`` (empty without axes)."""
    values = {k: v for k, v in cell_values(cells, cell).items() if k != drop}
    text = describe_cell(values, study)
    return f" {text}" if text else ""


def spread_phrase(
    rows: pd.DataFrame,
    cells: SweepCells,
    study: StudySpec,
    *,
    verbs: tuple[str, str] = ("help", "hurt"),
    where: bool = True,
    drop: str = "",
) -> str:
    """``"mean +0.012 over 9 cells (3 help, 6 negligible), largest +0.031 [+0.010, +0.052]
    where ..."``; one row: ``"+0.031 [+0.010, +0.052] (helps)"``."""
    finite = rows[np.isfinite(rows["mean_diff"].astype(float))]
    if finite.empty:
        return "not estimated (no pairs)"
    top = finite.loc[finite["mean_diff"].abs().idxmax()].to_dict()
    if len(finite) == 1:
        return f"{fmt_interval(top)} ({top['verdict']})"
    words = dict(zip(("helps", "hurts"), verbs, strict=True))
    counts = ", ".join(
        f"{n} {words.get(v, v)}"
        for v in ("helps", "hurts", "negligible", "undetermined")
        for n in [int((finite["verdict"] == v).sum())]
        if n
    )
    place = _where(int(top["cell"]), cells, study, drop) if where else ""
    return (
        f"mean {fmt(finite['mean_diff'].mean(), signed=True)} over {len(finite)} cells "
        f"({counts}), largest {fmt_interval(top)}{place}"
    )


def _mediation_phrase(
    summary: Summary, pair: tuple[str, str], keep: list[int], cells: SweepCells, study: StudySpec
) -> list[str]:
    """The mediation components of the essay's comparison, each with its spread."""
    med = summary.mediation
    if med.empty:
        return []
    own = med[(med["treatment"] == pair[0]) & (med["control"] == pair[1]) & med["cell"].isin(keep)]
    if own.empty:
        return []
    total = own[own["component"] == "total"]
    parts = []
    for component, words in COMPONENT_WORDS.items():
        rows = own[own["component"] == component]
        if not rows.empty and np.isfinite(rows["mean_diff"].astype(float)).any():
            parts.append(f"{words}: {spread_phrase(rows, cells, study, where=False)}")
    return [
        f"Of the later-round effect of {pair[0]} over {pair[1]} "
        f"({spread_phrase(total, cells, study)}), replays from the same state after round 1 "
        "(mediation: descriptive, unadjusted 95% intervals) attribute to "
        + "; to ".join(parts)
        + "."
    ]


def _survivors_phrase(
    summary: Summary, pair: tuple[str, str], keep: list[int], cells: SweepCells, study: StudySpec
) -> list[str]:
    """The effect among the pairs that survived round 1 in both arms, beside the survival
    difference: how much of the headline is survival."""
    eff = summary.effects
    own = eff[(eff["treatment"] == pair[0]) & (eff["control"] == pair[1]) & eff["cell"].isin(keep)]
    surv = own[own["window"] == "survivors"]
    rows = summary.survival
    diff = rows[
        (rows["treatment"] == pair[0]) & (rows["control"] == pair[1]) & rows["cell"].isin(keep)
    ]
    if surv.empty or diff.empty:
        return []
    return [
        f"Among the relationships that survived round 1 in both arms, {pair[0]} vs {pair[1]} "
        f"is {spread_phrase(surv, cells, study)}; the share surviving round 1 differs by "
        f"{spread_phrase(diff, cells, study)}."
    ]


def mechanism_lines(
    summary: Summary, study: StudySpec, cells: SweepCells, keep: list[int]
) -> list[str]:
    """Surplus, concealment, where the essay's reason holds, and persistence, in words."""
    mech = summary.mechanism
    if mech.empty:
        return []
    head = mech[mech["window"] == study.analysis.headline]
    out = []
    roles = mechanism_pairs(study)
    for component, words in (
        ("surplus", "the condition's surplus"),
        ("concealment", "concealment (attaching a condition worth nothing)"),
    ):
        rows = head[(head["component"] == component) & head["cell"].isin(keep)]
        if not rows.empty:
            t, c = roles[component]
            out.append(f"What {words} adds ({t} vs {c}): {spread_phrase(rows, cells, study)}.")
    out += _reason_lines(head, keep, cells, study)
    out += _persistence_lines(head, study, cells, keep)
    return out


def _reason_lines(
    head: pd.DataFrame, keep: list[int], cells: SweepCells, study: StudySpec
) -> list[str]:
    """Where the essay's reason (the condition hides the bottom line) holds: the cells where
    concealment helps, and the reference cells."""
    rows = head[head["component"] == "concealment"]
    main = rows[rows["cell"].isin(keep)]
    if main.empty:
        return []
    helps = main[main["verdict"] == "helps"]
    if helps.empty:
        text = (
            f"The advice's reason (a condition hides the bottom line) holds in none of the "
            f"{len(main)} cells: concealment never helps there."
        )
    else:
        named = "; ".join(
            f"{_where(int(r['cell']), cells, study).strip() or 'the study'}: {fmt_interval(r)}"
            for r in helps.head(3).to_dict("records")
        )
        text = (
            f"The advice's reason (a condition hides the bottom line) holds in {len(helps)} of "
            f"{len(main)} cells ({named}) and not in the others."
        )
    reference = rows[~rows["cell"].isin(keep)]
    if not reference.empty:
        text += (
            " Where the dealer knows the policy (the labelled reference), concealment is "
            + "; ".join(fmt_interval(r) for r in reference.to_dict("records"))
            + "."
        )
    return [text]


def _persistence_lines(
    head: pd.DataFrame, study: StudySpec, cells: SweepCells, keep: list[int]
) -> list[str]:
    """How the essay's comparison changes from persistence 0 to the highest persistence."""
    pair = essay_pair(study)
    rows = head[
        (head["component"] == "persistence")
        & (head["treatment"] == pair[0])
        & (head["control"] == pair[1])
        & head["cell"].isin(keep)
    ]
    if rows.empty:
        return []
    top = cells.value(int(rows["cell"].iloc[0]), "rounds.rho")
    text = (
        f"A reputation effect must grow with type persistence: {pair[0]} vs {pair[1]} at "
        f"persistence {top:g} minus at 0 is "
        f"{spread_phrase(rows, cells, study, verbs=('grow', 'shrink'), drop='rounds.rho')}."
    )
    return [text + _growing(head, pair, keep)]


def _growing(head: pd.DataFrame, pair: tuple[str, str], keep: list[int]) -> str:
    """`` Effects that grow with persistence: a vs b in 5 of 9 cells.``: the other
    comparisons whose persistence rows say *helps* somewhere (empty when none does)."""
    rows = head[(head["component"] == "persistence") & head["cell"].isin(keep)]
    parts = []
    for (t, c), own in rows.groupby(["treatment", "control"], sort=False):
        grows = int((own["verdict"] == "helps").sum())
        if (t, c) != pair and grows:
            parts.append(f"{t} vs {c} in {grows} of {len(own)} cells")
    if not parts:
        return " No other comparison's effect grows with persistence in any cell."
    return " Other effects that grow with persistence: " + "; ".join(parts) + "."


def channel_paragraph(summary: Summary, study: StudySpec, cells: SweepCells) -> list[str]:
    """The answer's second paragraph: the channel of the essay's comparison, with intervals
    (empty when the study compares no arms)."""
    if not study.arms.pairs() or summary.effects.empty:
        return []
    keep = main_cells(cells)
    pair = essay_pair(study)
    text = [
        *_mediation_phrase(summary, pair, keep, cells, study),
        *_survivors_phrase(summary, pair, keep, cells, study),
        *mechanism_lines(summary, study, cells, keep),
    ]
    return [" ".join(text), ""] if text else []


def channel_words(summary: Summary, study: StudySpec, cells: SweepCells) -> str:
    """The channel of the essay's comparison in a few words, for the answer's first
    paragraph: the larger of surplus and concealment (mean over the cells) when the study has
    a placebo, else the largest mediation component."""
    keep = main_cells(cells)
    mech = summary.mechanism
    if not mech.empty:
        head = mech[(mech["window"] == study.analysis.headline) & mech["cell"].isin(keep)]
        means = {
            c: head[head["component"] == c]["mean_diff"].mean() for c in ("surplus", "concealment")
        }
        if all(np.isfinite(v) for v in means.values()):
            big, small = sorted(means, key=lambda c: -abs(means[c]))
            name = {"surplus": "the condition's surplus", "concealment": "concealment"}
            return (
                f"Channel: mostly {name[big]} (mean {fmt(means[big], signed=True)}), "
                f"not {name[small]} ({fmt(means[small], signed=True)})."
            )
    return _mediation_words(summary, essay_pair(study), keep)


def _mediation_words(summary: Summary, pair: tuple[str, str], keep: list[int]) -> str:
    """``"Channel: mostly the policy itself (mean +0.012 of +0.016)."``"""
    med = summary.mediation
    if med.empty:
        return ""
    own = med[(med["treatment"] == pair[0]) & (med["control"] == pair[1]) & med["cell"].isin(keep)]
    means: dict[str, Any] = {
        c: own[own["component"] == c]["mean_diff"].mean() for c in COMPONENT_WORDS
    }
    means = {c: v for c, v in means.items() if np.isfinite(v)}
    total = own[own["component"] == "total"]["mean_diff"].mean()
    if not means or not np.isfinite(total):
        return ""
    big = max(means, key=lambda c: abs(means[c]))
    short = COMPONENT_WORDS[big].split(" (")[0]
    return (
        f"Channel ({pair[0]} vs {pair[1]}): mostly {short} "
        f"({fmt(means[big], signed=True)} of the mean effect {fmt(total, signed=True)})."
    )
