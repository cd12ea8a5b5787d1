"""The report's sections that check the study: its pre-registered null cells, the power of its
headline rows and the direction checks against the human evidence."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..analysis.summary import Summary
from ..config.cells import SweepCells
from ..config.schema import StudySpec
from .answer import projected_need
from .text import (
    axes_header,
    axes_values,
    fmt,
    fmt_interval,
    markdown_table,
    named,
    value_text,
    with_power,
)

__all__ = ["calibration_section", "null_section", "power_section"]

_RESULT = {
    "exact zero": "pass: exact zero (wiring check)",
    "negligible": "pass: negligible (evidence)",
    "fail": "FAIL",
    "undetermined": "undetermined",
}
"""How a null row's check reads in the report."""


def _null_rows(summary: Summary) -> pd.DataFrame:
    """The ``nulls`` part with the interval of each tested row (of ``effects`` for a total,
    of ``channels`` for a channel)."""
    nulls = summary.nulls
    stats = ["mean_diff", "ci_low", "ci_high"]
    keys = ["cell", "treatment", "control"]
    effect = nulls["tested"] == "total"
    total = nulls[effect].merge(summary.effects[[*keys, "window", *stats]], on=[*keys, "window"])
    channels = summary.channels.rename(columns={"component": "tested"})
    channel = nulls[~effect].merge(channels[[*keys, "tested", *stats]], on=[*keys, "tested"])
    merged = pd.concat([total, channel]).set_index([*keys, "tested"])
    return named(merged.loc[nulls.set_index([*keys, "tested"]).index].reset_index())


def _not_checked(summary: Summary, study: StudySpec) -> list[str]:
    """A line for each null entry that no row of this run tests, and why."""
    lines = []
    for entry in study.null_cells:
        where = ", ".join(f"{k} = {value_text(v)}" for k, v in entry.where.items())
        matched = summary.nulls["reason"].str.contains(entry.reason, regex=False)
        if entry.channel is not None and summary.channels.empty:
            lines.append(
                f"- Not checked ({where}): it names the {entry.channel} channel, but the study "
                "does not switch channels off."
            )
        elif not matched.any():
            lines.append(f"- Not checked ({where}): no cell of this run matches it.")
    return lines


def null_section(summary: Summary, study: StudySpec, cells: SweepCells) -> list[str]:
    """The pre-registered null cells: every row they name with its check, and the entries no
    row of this run tests."""
    lines = ["## Pre-registered null cells", ""]
    if not study.null_cells:
        return [*lines, "The study pre-registers no null cell.", ""]
    lines += [
        "A null row passes as an *exact zero* when every paired difference is 0: the null holds "
        "by construction, so the row is a wiring check, not evidence. It passes as *negligible* "
        f"when its interval lies within ±{study.analysis.sesoi:g}: evidence that any effect is "
        "smaller than the study cares about. It fails when the verdict is helps or hurts, and "
        "is undetermined otherwise.",
        "",
    ]
    rows = _null_rows(summary)
    if not rows.empty:
        header = [
            *axes_header(cells),
            "comparison",
            "tested",
            "effect [interval]",
            "result",
            "reason",
        ]
        table = [
            [
                *axes_values(r, cells),
                r["comparison"],
                "total" if r["tested"] == "total" else f"{r['tested']} channel",
                fmt_interval(r),
                _RESULT.get(str(r["check"]), str(r["check"])),
                r["reason"],
            ]
            for r in rows.to_dict("records")
        ]
        counts = rows["check"].value_counts()
        lines += [*markdown_table(header, table), ""]
        lines.append(
            f"{len(rows)} null row(s): "
            + ", ".join(f"{int(n)} {k}" for k, n in counts.items())
            + "."
        )
    return [*lines, *_not_checked(summary, study), ""]


_POWER_INTRO = (
    "· sd / sesoi)², with sd the standard deviation of the row's paired differences; `mde` "
    "is the smallest effect decided at this run's size. The formula plans for an effect of "
    "0 or of the sesoi; an estimate between them can stay undetermined at a size it calls "
    "enough, so each undetermined row also has a projection: the replicates at which its "
    "interval, narrowing as 1/√n around the same estimate, would clear the nearest decision "
    "boundary (a projection from this run, not a power calculation)."
)


def power_section(summary: Summary, study: StudySpec, cells: SweepCells) -> list[str]:
    """The replicates the headline rows need, and the rows that stay undetermined."""
    rows = summary.headline(study)
    if rows.empty:
        return []
    spec = study.analysis
    n = int(rows["n"].max())
    lines = [
        "## Power",
        "",
        f"Replicates that decide a headline row at the sesoi ({spec.sesoi:g}) with "
        f"{spec.power:.0%} power at the adjusted level: n = ((z(1 − α/2m) + z({spec.power:g})) "
        + _POWER_INTRO,
        "",
    ]
    undecided = named(with_power(rows[rows["verdict"] == "undetermined"], summary))
    if undecided.empty:
        return [*lines, f"Every headline row is decided at {n} replicates.", ""]
    header = [*axes_header(cells), "comparison", "n", "sd of differences", "mde",
              "replicates for sesoi", "projected to decide"]  # fmt: skip
    projected = projected_need(undecided, study)
    table = [
        [
            *axes_values(r, cells),
            r["comparison"],
            int(r["n"]),
            fmt(r["sd_diff"]),
            fmt(r["mde"]),
            int(r["n_needed"]),
            _count(p),
        ]
        for r, p in zip(undecided.to_dict("records"), projected, strict=True)
    ]
    return [
        *lines,
        f"{len(undecided)} headline row(s) stay undetermined at {n} replicates:",
        "",
        *markdown_table(header, table),
        "",
    ]


def calibration_section(summary: Summary) -> list[str]:
    """The direction checks against the human evidence (signs only)."""
    rows = summary.calibration
    if rows.empty:
        return []
    sample = str(rows["sample"].iloc[0])
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
        measured = row["status"] in ("reproduced", "not reproduced") and int(row["n"]) > 0
        interval = f"[{fmt(row['ci_low'])}, {fmt(row['ci_high'])}]"
        estimate = f"{fmt(row['estimate'], signed=True)} {interval}" if measured else ""
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


def _count(value: float) -> str:
    """Projected replicates, or why there are none."""
    return f"{int(value)}" if np.isfinite(value) else "never (the estimate sits on a boundary)"
