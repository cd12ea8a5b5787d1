"""The answer a report gives first: one paragraph generated from the verdicts of the headline
rows, in the study's own words (its party, arm and axis labels), and the one-line finding of
the results index.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.power import projected_replicates
from ..analysis.summary import Summary
from ..config.cells import SweepCells
from ..config.schema import StudySpec
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
    "VERDICTS",
    "answer_paragraph",
    "count_phrase",
    "counts_text",
    "finding",
    "study_rounds",
]

VERDICTS = ("helps", "hurts", "negligible", "undetermined")
"""The verdict classes, in the order the report counts them."""

MAX_CELLS = 3
"""Cells named per verdict and comparison in the answer; the rest are counted."""


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


def _verdict_clause(
    rows: list[dict[str, Any]], verdict: str, cells: SweepCells, study: StudySpec
) -> str:
    """``helps in 4 (where ...: +0.1 [...]; ...)``: how many rows have ``verdict``, naming the
    first cells of a decided verdict."""
    verb = {
        "helps": "helps",
        "hurts": "hurts",
        "negligible": "negligible",
        "undetermined": "undetermined",
    }[verdict]
    text = f"{verb} in {len(rows)}"
    named = [r for r in rows if _where(r, cells, study)][:MAX_CELLS]
    if named and verdict in ("helps", "hurts") and len(cells.axes):
        parts = [f"{_where(r, cells, study)}: {fmt_interval(r)}" for r in named]
        more = len(rows) - len(named)
        text += " (" + "; ".join(parts) + (f"; and {more} more" if more > 0 else "") + ")"
    return text


def _opening(head: pd.DataFrame, study: StudySpec, rounds: int | None) -> str:
    """What the headline rows are and how their verdicts count."""
    focal = study.arms.party
    where = headline_phrase(sorted(set(head["window"])), study.analysis.headline, rounds)
    return (
        f"On the {focal}'s payoff in {where} (mean utility per round; a relationship "
        f"that has ended counts with the outside option), the {len(head)} headline row(s) "
        f"({len(study.arms.pairs())} comparison(s) in {head['cell'].nunique()} cell(s)) read: "
        f"{count_phrase(head['verdict'], focal)}; negligible means the whole interval lies "
        f"within ±{study.analysis.sesoi:g} utility of 0."
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


def _by_comparison(head: pd.DataFrame, study: StudySpec, cells: SweepCells) -> list[str]:
    """Per comparison, how many cells each verdict has (naming the first decided ones)."""
    out = []
    for treatment, control in study.arms.pairs():
        own = head[(head["treatment"] == treatment) & (head["control"] == control)]
        records = own.to_dict("records")
        if not records:
            continue
        clauses = [
            _verdict_clause([r for r in records if r["verdict"] == v], v, cells, study)
            for v in VERDICTS
            if any(r["verdict"] == v for r in records)
        ]
        out.append(f"{treatment} vs {control}: {', '.join(clauses)}.")
    return out


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
    """The *Answer* paragraph (Markdown lines)."""
    head = summary.headline(study)
    if head.empty:
        return ["The study compares no arms, so it makes no claim about an effect.", ""]
    rounds = study_rounds(study, cells.paths)
    m, level = int(head["m"].iloc[0]), float(head["ci_level"].iloc[0])
    text = [
        _opening(head, study, rounds),
        *_largest(head, study, cells),
        *_by_comparison(head, study, cells),
        *_elsewhere(summary, head, rounds),
        *_undecided(head, summary, study),
        f"Intervals are family-wise: {fmt_level(level)} intervals, adjusted for {m} rows.",
    ]
    return [" ".join(text), ""]


def finding(summary: Summary, study: StudySpec) -> str:
    """One sentence for the results index: the headline verdict counts and the largest
    effect; for a tournament, how often the treatment spreads."""
    parts = []
    head = summary.headline(study)
    if not head.empty:
        counts = head["verdict"].value_counts()
        text = (
            f"{study.arms.party}'s payoff, {head['window'].iloc[0]} window: "
            + ", ".join(f"{v} {int(counts.get(v, 0))}" for v in VERDICTS)
            + f" of {len(head)} rows"
        )
        finite = head[np.isfinite(head["mean_diff"].astype(float))]
        if not finite.empty:
            top = finite.loc[finite["mean_diff"].abs().idxmax()]
            text += f"; largest {top['treatment']} vs {top['control']} {fmt_interval(top)}"
        parts.append(text + ".")
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
