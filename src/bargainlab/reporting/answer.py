"""The answer a report gives first, generated from the verdicts of the headline rows in the
study's own words (its party, arm and axis labels): a first paragraph of at most
:data:`FIRST_WORDS` words naming each comparison once with its verdict counts (comparisons
whose control never survives round 1 apart) and the channel in a few words; a second
paragraph with the channel's numbers and intervals (:mod:`bargainlab.reporting.channel`);
then the details. Also the report's *Conclusion* and the one-line finding of the results
index.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.maxt import interval_method
from ..analysis.power import projected_replicates
from ..analysis.summary import Summary
from ..analysis.verdicts import NO_PAIRS, VERDICTS
from ..config.cells import SweepCells
from ..config.schema import StudySpec
from .channel import (
    channel_paragraph,
    channel_words,
    essay_pair,
    main_cells,
    mechanism_lines,
    never_survives,
    verdict_counts,
)
from .game_report import game_finding
from .text import (
    cell_values,
    describe_cell,
    fmt_interval,
    fmt_level,
    headline_phrase,
    window_phrase,
    with_power,
)

__all__ = [
    "FIRST_WORDS",
    "VERDICTS",
    "answer_paragraph",
    "conclusion_section",
    "count_phrase",
    "counts_text",
    "finding",
    "first_paragraph",
    "study_rounds",
]


FIRST_WORDS = 80
"""The most words the answer's first paragraph may have."""


def study_rounds(study: StudySpec, axes: Sequence[str]) -> int | None:
    """R, when every cell has the same number of rounds."""
    return None if "rounds.count" in axes else study.rounds.count


def count_phrase(verdicts: pd.Series, focal: str) -> str:
    """``"4 help the supplier, none hurt it, 5 are negligible and none is undetermined"``."""
    n = {v: int((verdicts == v).sum()) for v in VERDICTS}

    def k(v: str) -> str:
        """``none`` for zero rows of verdict ``v``, else their count."""
        return "none" if n[v] == 0 else str(n[v])

    return (
        f"{k('helps')} help{'s' if n['helps'] == 1 else ''} the {focal}, "
        f"{k('hurts')} hurt{'s' if n['hurts'] == 1 else ''} it, "
        f"{k('negligible')} {'is' if n['negligible'] == 1 else 'are'} negligible and "
        f"{k('undetermined')} {'is' if n['undetermined'] <= 1 else 'are'} undetermined"
    )


def counts_text(verdicts: pd.Series) -> str:
    """``"9 help, 1 hurts, 6 negligible"`` (verdicts that occur, in :data:`VERDICTS` order)."""
    parts = []
    for verdict in VERDICTS:
        n = int((verdicts == verdict).sum())
        if n:
            word = verdict[:-1] if verdict in ("helps", "hurts") and n != 1 else verdict
            parts.append(f"{n} {word}")
    return ", ".join(parts)


def _where(row: dict[str, Any], cells: SweepCells, study: StudySpec) -> str:
    """``where ...``: the values of the axes that describe the row's cell."""
    return describe_cell(cell_values(cells, int(row["cell"])), study)


def _split(
    head: pd.DataFrame, summary: Summary, study: StudySpec, cells: SweepCells
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The headline rows of the main cells (not a labelled reference), those of comparisons
    whose control never survives round 1 (reported apart) and the names of those controls."""
    keep = main_cells(cells)
    apart_controls = never_survives(summary, study)
    mine = head[head["cell"].isin(keep)]
    apart = mine["control"].isin(apart_controls)
    return mine[~apart], mine[apart], apart_controls


def _listing(rows: pd.DataFrame, study: StudySpec) -> str:
    """``"face_saver vs capitulator 6/0/2/1; ..."``: each comparison once, with its counts."""
    parts = []
    for treatment, control in study.arms.pairs():
        own = rows[(rows["treatment"] == treatment) & (rows["control"] == control)]
        if not own.empty:
            parts.append(f"{treatment} vs {control} {verdict_counts(own['verdict'])}")
    return "; ".join(parts)


def first_paragraph(summary: Summary, study: StudySpec, cells: SweepCells) -> str:
    """The answer's first paragraph (at most :data:`FIRST_WORDS` words): each comparison once
    with its verdict counts, the comparisons whose control never survives apart, and the
    channel in a few words."""
    head = summary.headline(study)
    rounds = study_rounds(study, cells.paths)
    main, apart, controls = _split(head, summary, study, cells)
    where = headline_phrase(sorted(set(head["window"])), study.analysis.headline, rounds)
    text = (
        f"The {study.arms.party}'s payoff in {where}; cells where each comparison "
        f"helps/hurts/is negligible/undetermined: {_listing(main, study)}."
    )
    if not apart.empty:
        verb = "never survives" if len(controls) == 1 else "never survive"
        text += f" Apart, as {' and '.join(controls)} {verb} round 1: {_listing(apart, study)}."
    channel = channel_words(summary, study, cells) or (
        "The study does not split its effects into channels (no placebo, no mediation)."
    )
    return f"{text} {channel}"


def _opening(head: pd.DataFrame, study: StudySpec) -> str:
    """What the headline rows are and what negligible means."""
    return (
        f"The headline rows are the {study.arms.party}'s mean utility per round (a "
        f"relationship that has ended counts with the outside option), {len(head)} row(s) of "
        f"{len(study.arms.pairs())} comparison(s) in {head['cell'].nunique()} cell(s); "
        f"negligible means the whole interval lies within ±{study.analysis.sesoi:g} utility of 0."
    )


def _largest(head: pd.DataFrame, study: StudySpec, cells: SweepCells) -> list[str]:
    """The largest headline effect, where it is, its interval and verdict."""
    finite = head[np.isfinite(head["mean_diff"].astype(float))]
    if finite.empty:
        return []
    top = finite.loc[finite["mean_diff"].abs().idxmax()].to_dict()
    where = _where(top, cells, study)
    return [
        f"The largest effect is {top['treatment']} instead of {top['control']}"
        + (f" {where}" if where else "")
        + f": {fmt_interval(top)} ({top['verdict']})."
    ]


def _elsewhere(summary: Summary, head: pd.DataFrame, rounds: int | None) -> list[str]:
    """The verdicts of the other windows and of survival, counted."""
    effects = summary.effects
    others = effects[~effects.index.isin(head.index) & (effects["n"] > 0)]
    out = []
    if not others.empty:
        parts = [
            f"{window_phrase(window, rounds)}: {counts_text(block['verdict'])}"
            for window in ("round1", "later", "whole", "survivors")
            for block in [others[others["window"] == window]]
            if not block.empty
        ]
        out.append("In the other windows, " + "; ".join(parts) + ".")
    survival = summary.survival
    if not survival.empty:
        out.append(
            "Survival of round 1 (share of relationships still running in round 2, paired): "
            f"{counts_text(survival['verdict'])} of {len(survival)}."
        )
    return out


def _undecided(head: pd.DataFrame, summary: Summary, study: StudySpec) -> list[str]:
    """How many replicates would decide the undetermined headline rows."""
    undecided = with_power(head[head["verdict"] == "undetermined"], summary)
    if undecided.empty:
        return []
    planned = int(undecided["n_needed"].max())
    projected = projected_need(undecided, study)
    finite = projected[np.isfinite(projected)]
    stays = f", and {int(finite.max())} if their estimates stayed where they are"
    return [
        f"Deciding the undetermined row(s) would take about {planned} replicates per cell "
        f"for an effect of the sesoi with {study.analysis.power:.0%} power"
        + (stays if finite.size else "")
        + " (see *Power*)."
    ]


def answer_paragraph(summary: Summary, study: StudySpec, cells: SweepCells) -> list[str]:
    """The *Answer* (Markdown lines): :func:`first_paragraph`, the channel with its intervals
    (:func:`~bargainlab.reporting.channel.channel_paragraph`) and the details."""
    head = summary.headline(study)
    if head.empty:
        return ["The study compares no arms, so it makes no claim about an effect.", ""]
    rounds = study_rounds(study, cells.paths)
    m, level = int(head["m"].iloc[0]), float(head["ci_level"].iloc[0])
    details = [
        _opening(head, study),
        *_largest(head, study, cells),
        *_elsewhere(summary, head, rounds),
        *_undecided(head, summary, study),
        f"Intervals are family-wise: {fmt_level(level)} intervals, adjusted for {m} rows "
        f"({interval_method(m, level, study.analysis.alpha)}).",
    ]
    return [
        first_paragraph(summary, study, cells),
        "",
        *channel_paragraph(summary, study, cells),
        " ".join(details),
        "",
    ]


def conclusion_section(summary: Summary, study: StudySpec, cells: SweepCells) -> list[str]:
    """The report's *Conclusion*: the essay's comparison, its channel, where the essay's
    reason holds, what is reported apart and what the study cannot say."""
    head = summary.headline(study)
    if head.empty:
        return []
    main, _, controls = _split(head, summary, study, cells)
    treatment, control = essay_pair(study)
    own = main[(main["treatment"] == treatment) & (main["control"] == control)]
    body = []
    if not own.empty:
        body.append(
            f"{treatment} against {control}, in {len(own)} cells{_reference_note(cells)}: "
            f"{count_phrase(own['verdict'], study.arms.party)}."
        )
        body.append(channel_words(summary, study, cells))
    body += mechanism_lines(summary, study, cells, main_cells(cells))
    if controls:
        body.append(
            f"Comparisons against {' and '.join(controls)} are reported apart: that arm never "
            "survives round 1, so they compare a running relationship with an ended one."
        )
    body.append(
        f"What this cannot say: each arm is a fixed policy of the {study.arms.party} and no "
        "party best-responds over the whole relationship, so no verdict here is an "
        "equilibrium prediction, and each holds for the cells swept."
    )
    return ["## Conclusion", "", " ".join(b for b in body if b), ""]


def _reference_note(cells: SweepCells) -> str:
    """``", the labelled reference cells apart"`` when the study has any."""
    return ", the labelled reference cells apart" if len(main_cells(cells)) < len(cells) else ""


def finding(summary: Summary, study: StudySpec) -> str:
    """One sentence for the results index: the headline verdict counts and the largest
    effect; for a tournament, how often the treatment spreads."""
    parts = []
    head = summary.headline(study)
    controls = never_survives(summary, study)
    apart = head[head["control"].isin(controls)]
    head = head[~head["control"].isin(controls)]
    if not head.empty:
        counts = head["verdict"].value_counts()
        text = (
            f"{study.arms.party}'s payoff, {head['window'].iloc[0]} window: "
            + ", ".join(
                f"{v} {int(counts.get(v, 0))}"
                for v in VERDICTS
                if v != NO_PAIRS or counts.get(v, 0)
            )
            + f" of {len(head)} rows"
        )
        finite = head[np.isfinite(head["mean_diff"].astype(float))]
        if not finite.empty:
            top = finite.loc[finite["mean_diff"].abs().idxmax()]
            text += f"; largest {top['treatment']} vs {top['control']} {fmt_interval(top)}"
        parts.append(text + ".")
    if not apart.empty:
        parts.append(
            f"Apart ({' and '.join(controls)} never survives round 1): "
            + ", ".join(f"{v} {int((apart['verdict'] == v).sum())}" for v in VERDICTS)
            + f" of {len(apart)} rows."
        )
    spread = summary.tournament_mix["spreads"].dropna()
    if not spread.empty:
        yes = int(spread.astype(bool).sum())
        parts.append(
            f"Tournament: the treatment spreads from {yes} of {len(spread)} starting mixes."
        )
    parts.append(game_finding(summary))
    return " ".join(p for p in parts if p) or "No effects in the summary."


def projected_need(rows: pd.DataFrame, study: StudySpec) -> np.ndarray:
    """:func:`bargainlab.analysis.power.projected_replicates` of summary rows."""
    return projected_replicates(
        rows["n"].to_numpy(),
        rows["mean_diff"].to_numpy(),
        rows["ci_low"].to_numpy(),
        rows["ci_high"].to_numpy(),
        study.analysis.sesoi,
    )
