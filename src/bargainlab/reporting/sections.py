"""The detail sections of a report, each generated from the summary's rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..config.cells import SweepCells
from ..config.schema import StudySpec
from .answer import projected_need, study_rounds
from .legacy import headline_mask
from .text import (
    as_bool,
    fmt,
    fmt_interval,
    fmt_level,
    markdown_table,
    value_text,
    window_phrase,
)

__all__ = [
    "arms_section",
    "calibration_section",
    "decomposition_section",
    "effects_section",
    "method_section",
    "null_section",
    "power_section",
    "survival_section",
]

_WINDOWS = ("round1", "later", "whole", "survivors")


def _cells(cells: SweepCells) -> list[str]:
    """The header of the sweep axes' columns: their labels."""
    return [axis.label for axis in cells.axes]


def _values(row: dict, cells: SweepCells) -> list[str]:
    """The row's cell's value on every sweep axis, as text."""
    return [cells.text(int(row["cell"]), path) for path in cells.paths]


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
    for record in rows.to_dict("records"):
        key = (record["cell"], record["comparison"])
        firsts.setdefault(key, record)
        groups.setdefault(key, {})[record[column]] = record
    table = [
        [
            *_values(firsts[key], cells),
            firsts[key]["comparison"],
            *(fmt(by[v]) if v in by else "" for v in values),
        ]
        for key, by in groups.items()
    ]
    return markdown_table([*_cells(cells), "comparison", *values], table)


def _decided(row: dict) -> str:
    return f"{fmt_interval(row)} {row['verdict']}" if row["n"] else "no pairs"


def effects_section(summary: pd.DataFrame, study: StudySpec, cells: SweepCells) -> list[str]:
    """Every effect row: one line per cell and comparison, one column per window."""
    rows = summary[summary["section"] == "effect"]
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


def arms_section(summary: pd.DataFrame, study: StudySpec, cells: SweepCells) -> list[str]:
    rows = summary[headline_mask(summary, study)]
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
        *_cells(cells),
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
            *_values(r, cells),
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


def survival_section(summary: pd.DataFrame, study: StudySpec, cells: SweepCells) -> list[str]:
    rows = summary[summary["section"] == "survival"]
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
    header = [*_cells(cells), "comparison", "survived", "difference", "verdict"]
    table = [
        [
            *_values(r, cells),
            r["comparison"],
            f"{fmt(r['payoff_treatment'])} / {fmt(r['payoff_control'])}",
            fmt_interval(r),
            r["verdict"],
        ]
        for r in rows.to_dict("records")
    ]
    return [*lines, *markdown_table(header, table), ""]


def decomposition_section(
    summary: pd.DataFrame, study: StudySpec, cells: SweepCells, section: str
) -> list[str]:
    """Mediation by state transplant (``section="mediation"``) or the second view, switching
    channels off (``"channel"``); both descriptive, with unadjusted intervals."""
    rows = summary[summary["section"] == section]
    if section == "mediation":
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


def null_section(summary: pd.DataFrame, study: StudySpec, cells: SweepCells) -> list[str]:
    lines = ["## Pre-registered null cells", ""]
    if not study.null_cells:
        return [*lines, "The study pre-registers no null cell.", ""]
    null = summary[summary["null_cell"].map(as_bool)]
    lines += [
        "A null row passes as an *exact zero* when every paired difference is 0: the null holds "
        "by construction, so the row is a wiring check, not evidence. It passes as *negligible* "
        f"when its interval lies within ±{study.analysis.sesoi:g}: evidence that any effect is "
        "smaller than the study cares about. It fails when the verdict is helps or hurts, and "
        "is undetermined otherwise.",
        "",
    ]
    if not null.empty:
        header = [
            *_cells(cells),
            "comparison",
            "tested",
            "effect [interval]",
            "result",
            "reason",
        ]
        result = {
            "exact zero": "pass: exact zero (wiring check)",
            "negligible": "pass: negligible (evidence)",
            "fail": "FAIL",
            "undetermined": "undetermined",
        }
        table = [
            [
                *_values(r, cells),
                r["comparison"],
                "total" if r["section"] == "effect" else f"{r['component']} channel",
                fmt_interval(r),
                result.get(str(r["null_check"]), str(r["null_check"])),
                r["null_reason"],
            ]
            for r in null.to_dict("records")
        ]
        lines += [*markdown_table(header, table), ""]
        checks = null["null_check"].value_counts()
        lines.append(
            f"{len(null)} null row(s): "
            + ", ".join(f"{int(n)} {k}" for k, n in checks.items())
            + "."
        )
    has_channels = (summary["section"] == "channel").any()
    for entry in study.null_cells:
        where = ", ".join(f"{k} = {value_text(v)}" for k, v in entry.where.items())
        matched = null[null["null_reason"].astype(str).str.contains(entry.reason, regex=False)]
        if entry.channel is not None and not has_channels:
            lines.append(
                f"- Not checked ({where}): it names the {entry.channel} channel, but the study does not switch channels off."
            )
        elif matched.empty:
            lines.append(f"- Not checked ({where}): no cell of this run matches it.")
    return [*lines, ""]


def power_section(summary: pd.DataFrame, study: StudySpec, cells: SweepCells) -> list[str]:
    rows = summary[headline_mask(summary, study)]
    if rows.empty:
        return []
    spec = study.analysis
    n = int(rows["n"].max())
    lines = [
        "## Power",
        "",
        f"Replicates that decide a headline row at the sesoi ({spec.sesoi:g}) with "
        f"{spec.power:.0%} power at the adjusted level: n = ((z(1 − α/2m) + z({spec.power:g})) "
        "· sd / sesoi)², with sd the standard deviation of the row's paired differences; `mde` "
        "is the smallest effect decided at this run's size. The formula plans for an effect of "
        "0 or of the sesoi; an estimate between them can stay undetermined at a size it calls "
        "enough, so each undetermined row also has a projection: the replicates at which its "
        "interval, narrowing as 1/√n around the same estimate, would clear the nearest decision "
        "boundary (a projection from this run, not a power calculation).",
        "",
    ]
    undecided = rows[rows["verdict"] == "undetermined"]
    if undecided.empty:
        return [*lines, f"Every headline row is decided at {n} replicates.", ""]
    header = [
        *_cells(cells),
        "comparison",
        "n",
        "sd of differences",
        "mde",
        "replicates for sesoi",
        "projected to decide",
    ]
    table = [
        [
            *_values(r, cells),
            r["comparison"],
            int(r["n"]),
            fmt(r["sd_diff"]),
            fmt(r["mde"]),
            int(r["n_needed"]),
            _count(p),
        ]
        for r, p in zip(undecided.to_dict("records"), projected_need(undecided, study), strict=True)
    ]
    lines += [
        f"{len(undecided)} headline row(s) stay undetermined at {n} replicates:",
        "",
        *markdown_table(header, table),
        "",
    ]
    return lines


def calibration_section(summary: pd.DataFrame) -> list[str]:
    rows = summary[summary["section"] == "calibration"]
    if rows.empty:
        return []
    sample = str(rows["sample"].iloc[0]) if "sample" in rows.columns else ""
    lines = [
        "## Calibration against the human evidence",
        "",
        "Signs only: magnitudes from the papers are not comparable (the sources are listed in "
        "the documentation, *The model*, *Human evidence*). These checks need per-round joins, "
        f"so they are measured on a bounded sample of the rounds: {sample}.",
        "",
    ]
    table = []
    for row in rows.to_dict("records"):
        measured = row["status"] in ("reproduced", "not reproduced") and int(row["n"] or 0) > 0
        estimate = (
            f"{fmt(row['mean_diff'], signed=True)} [{fmt(row['ci_low'])}, {fmt(row['ci_high'])}]"
            if measured
            else ""
        )
        table.append(
            [
                row["check"],
                row["source"],
                row["expected"],
                row["statistic"],
                estimate,
                row["status"],
            ]
        )
    header = ["direction", "source", "human sign", "measured here", "estimate [95% CI]", "status"]
    return [*lines, *markdown_table(header, table), ""]


def method_section(summary: pd.DataFrame, study: StudySpec) -> list[str]:
    spec = study.analysis
    effect = summary[summary["section"].isin(["effect", "survival", "mediation", "channel"])]
    resamples = int(effect["resamples"].max()) if "resamples" in effect and len(effect) else None
    return [
        "## Method",
        "",
        "Every row is one paired test of the mean difference over replicates that share their "
        "random numbers: a symmetric studentised bootstrap (bootstrap-t)"
        + (f" with {resamples} resamples" if resamples else "")
        + ", whose interval and p-value come from the same resamples, so the interval excludes 0 "
        "exactly when the adjusted p-value is below α. The headline family (comparisons × cells "
        "× outcome windows of the focal party's payoff) is adjusted by Bonferroni: intervals at "
        f"level 1 − {spec.alpha:g}/m, p_adjusted = min(1, m·p). The verdict is read off the "
        f"printed interval: negligible when it lies within ±{spec.sesoi:g} (equivalence), "
        "else helps above 0, hurts below 0, else undetermined. The documentation's "
        "*Statistics* page gives the details.",
        "",
    ]


def _count(value: float) -> str:
    return f"{int(value)}" if np.isfinite(value) else "never (the estimate sits on a boundary)"
