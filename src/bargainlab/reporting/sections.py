"""The detail sections of a report, each generated from the summary's rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import pandas as pd

from ..analysis.maxt import interval_method
from ..analysis.summary import Summary
from ..config.cells import SweepCells
from ..config.schema import StudySpec
from .answer import study_rounds
from .text import (
    axes_header,
    axes_values,
    fmt,
    fmt_interval,
    fmt_level,
    markdown_table,
    named,
    window_phrase,
)

__all__ = [
    "arms_section",
    "decomposition_section",
    "effects_section",
    "method_section",
    "survival_section",
]

_WINDOWS = ("round1", "later", "whole", "survivors")


def _by_comparison(
    rows: pd.DataFrame,
    cells: SweepCells,
    study: StudySpec,
    column: str,
    values: Sequence[str],
    fmt: Callable[[dict[str, Any]], str],
) -> list[str]:
    """A Markdown table with one line per cell and comparison (in order of first appearance)
    and one column per value of ``column``, each entry the row formatted by ``fmt``."""
    groups: dict[tuple[Any, Any], dict[str, dict[str, Any]]] = {}
    firsts: dict[tuple[Any, Any], dict[str, Any]] = {}
    for record in named(rows).to_dict("records"):
        key = (record["cell"], record["comparison"])
        firsts.setdefault(key, record)
        groups.setdefault(key, {})[record[column]] = record
    table = [
        [
            *axes_values(firsts[key], cells),
            firsts[key]["comparison"],
            *(fmt(by[v]) if v in by else "" for v in values),
        ]
        for key, by in groups.items()
    ]
    return markdown_table([*axes_header(cells), "comparison", *values], table)


def _decided(row: dict) -> str:
    """An entry of the effects table: the interval and verdict (``no pairs`` without any)."""
    return f"{fmt_interval(row)} {row['verdict']}" if row["n"] else "no pairs"


def effects_section(summary: Summary, study: StudySpec, cells: SweepCells) -> list[str]:
    """Every effect row: one line per cell and comparison, one column per window."""
    rows = summary.effects
    if rows.empty:
        return []
    rounds = study_rounds(study, cells.paths)
    m = int(rows["m"].iloc[0])
    level = float(rows["ci_level"].iloc[0])
    windows = [w for w in _WINDOWS if w in set(rows["window"])]
    lines = [
        "## Effects by outcome window",
        "",
        f"Paired effect on the {study.arms.party}'s mean utility per round, treatment − control, "
        f"with its {fmt_level(level)} interval (family-wise {1 - study.analysis.alpha:.0%} over the {m} "
        f"rows of this table) and verdict. Windows: "
        + "; ".join(f"`{w}` = {window_phrase(w, rounds)}" for w in windows)
        + ". The headline window is "
        + f"`{study.analysis.headline}`.",
        "",
    ]
    return [*lines, *_by_comparison(rows, cells, study, "window", windows, _decided), ""]


def arms_section(summary: Summary, study: StudySpec, cells: SweepCells) -> list[str]:
    """The per-arm descriptors of the headline rows (treatment / control)."""
    rows = named(summary.headline(study))
    if rows.empty:
        return []
    lines = [
        "Per arm in the headline window (treatment / control): mean payoff, share of rounds "
        "2–R that ended in agreement, share of relationships still running in round R, mean "
        f"agreed {study.issue.name} over rounds 2–R, and the opponent's belief error about the "
        f"{study.arms.party}'s reservation value in round R.",
        "",
    ]
    header = [
        *axes_header(cells),
        "comparison",
        "n",
        "payoff",
        "agreement",
        "survival",
        f"agreed {study.issue.name}",
        "belief error",
    ]
    table = [
        [
            *axes_values(r, cells),
            r["comparison"],
            int(r["n"]),
            *(
                f"{fmt(r[f'{k}_treatment'])} / {fmt(r[f'{k}_control'])}"
                for k in ("payoff", "agreement", "survival", "terms", "belief_error")
            ),
        ]
        for r in rows.to_dict("records")
    ]
    return [*lines, *markdown_table(header, table), ""]


def survival_section(summary: Summary, study: StudySpec, cells: SweepCells) -> list[str]:
    """Survival of round 1 per cell and comparison, with its paired difference."""
    rows = named(summary.survival)
    if rows.empty:
        return []
    level = float(rows["ci_level"].iloc[0])
    lines = [
        "## Survival of round 1",
        "",
        "Share of relationships still running in round 2 (treatment / control) and the paired "
        f"difference, with its {fmt_level(level)} interval (its own family of {int(rows['m'].iloc[0])} "
        "rows). The `survivors` window compares payoffs only where both arms survived.",
        "",
    ]
    header = [*axes_header(cells), "comparison", "survived", "difference", "verdict"]
    table = [
        [
            *axes_values(r, cells),
            r["comparison"],
            f"{fmt(r['survived_treatment'])} / {fmt(r['survived_control'])}",
            fmt_interval(r),
            r["verdict"],
        ]
        for r in rows.to_dict("records")
    ]
    return [*lines, *markdown_table(header, table), ""]


def decomposition_section(
    summary: Summary, study: StudySpec, cells: SweepCells, part: Literal["mediation", "channels"]
) -> list[str]:
    """Mediation by state transplant (``part="mediation"``) or the second view, switching
    channels off (``"channels"``); both descriptive, with unadjusted intervals."""
    rows = summary.part(part)
    if part == "mediation":
        title = "## How the later-round effect is carried: state transplants"
        if rows.empty:
            return [
                title,
                "",
                "This run has no state transplants (no mediation table), so the later-round "
                "effect is not split by the state that carries it.",
                "",
            ]
        intro = (
            "Each piece of the treatment arm's state after round 1 is transplanted, alone, into "
            "the control arm, whose later rounds are then replayed with the same random numbers: "
            "the contribution of a piece is the control's later-round payoff with it minus "
            "without it, per replicate; `interaction` is what the pieces do not add up to "
            "(`total` − the contributions)."
        )
    else:
        if rows.empty:
            return []
        title = "## Second view: switching channels off"
        intro = (
            "Each channel is switched off for the whole relationship, which changes more than "
            "what round 1 leaves behind: the contribution of a channel is the effect minus the "
            "effect with that channel off; `all_off` is the effect with every channel off and "
            "`interaction` what the parts do not add up to."
        )
    lines = [
        title,
        "",
        intro + " Descriptive rows: 95% intervals, not adjusted for multiplicity, outside the "
        "headline family.",
        "",
    ]
    components = list(dict.fromkeys(rows["component"]))
    return [*lines, *_by_comparison(rows, cells, study, "component", components, fmt_interval), ""]


def method_section(summary: Summary, study: StudySpec) -> list[str]:
    """How every row is tested and decided."""
    spec = study.analysis
    tested = [
        summary.part(p)["resamples"] for p in ("effects", "survival", "mediation", "channels")
    ]
    counts = pd.concat(tested, ignore_index=True)
    resamples = int(counts.max()) if len(counts) else None
    return [
        "## Method",
        "",
        "Every row is one paired test of the mean difference over replicates that share their "
        "random numbers: a symmetric studentised bootstrap (bootstrap-t)"
        + (f" with {resamples} resamples" if resamples else "")
        + ", whose interval and p-value come from the same resamples, so the interval excludes 0 "
        "exactly when the adjusted p-value is below α. The headline family (comparisons × cells "
        "× outcome windows of the focal party's payoff) and the survival family are adjusted "
        + _adjustment(summary, spec.alpha)
        + " The verdict is read off the "
        f"printed interval: negligible when it lies within ±{spec.sesoi:g} (equivalence), "
        "else helps above 0, hurts below 0, else undetermined. The documentation's "
        "*Statistics* page gives the details.",
        "",
    ]


def _adjustment(summary: Summary, alpha: float) -> str:
    """The sentence naming the method that made the decided families' intervals."""
    rows = summary.effects
    method = (
        interval_method(int(rows["m"].iloc[0]), float(rows["ci_level"].iloc[0]), alpha)
        if len(rows)
        else "max-T"
    )
    if method == "Bonferroni":
        return f"by Bonferroni: intervals at level 1 − {alpha:g}/m, p_adjusted = min(1, m·p)."
    return (
        "by balanced max-T (Westfall and Young; Romano and Wolf; Beran): one set of resamples "
        "shared by the family's rows, each cell's replicates resampled on their own; each "
        "row's |t*| is divided by its own far quantile, and the family's "
        f"critical value is the 1 − {alpha:g} quantile of the largest of these over its rows, "
        f"so the intervals hold together at level 1 − {alpha:g}; p_adjusted is the share of "
        "resamples whose largest reaches the row's."
    )
