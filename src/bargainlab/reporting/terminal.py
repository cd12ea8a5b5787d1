"""What a run prints in the terminal: one bottom line and the headline table, or one JSON
object for scripts.

The headline rows are the summary's effects in each cell's headline window with every channel
on (``Run.headline()``): one per cell and comparison. The bottom line counts, per comparison,
the verdicts of its headline cells; the table gives each row's comparison, its cell (the cells
table's short label), window, estimate, adjusted interval and verdict.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ..analysis.verdicts import VERDICTS
from .text import fmt, fmt_level

MAX_ROWS = 40
"""Rows of the headline table printed in the terminal (``--json`` has them all)."""

__all__ = ["JSON_FIELDS", "MAX_ROWS", "bottom_line", "headline_table", "run_json", "verdict_counts"]

JSON_FIELDS = {
    "study": "the study's name",
    "question": "the study's question",
    "run_folder": "the run folder (absolute)",
    "report": "report.md (absolute)",
    "report_html": "report.html (absolute), or null when it was not written",
    "key_figure": "the key figure's PNG (absolute), or null without figures",
    "figures": "every figure's PNG (absolute), key figure first",
    "bottom_line": "the bottom line as printed",
    "verdict_counts": "per comparison ('<treatment> vs <control>'), the number of headline "
    "cells of each verdict (helps, hurts, negligible, undetermined, no pairs)",
    "headline": "one object per headline row: comparison, treatment, control, cell, label, "
    "window, n, estimate, ci_low, ci_high, ci_level and verdict (null for a blank number)",
}
"""The fields of ``--json``'s object and what each holds (the documented contract)."""


def verdict_counts(head: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Per comparison (in the rows' order), how many headline rows have each verdict."""
    out: dict[str, dict[str, int]] = {}
    for comparison, rows in head.groupby("comparison", sort=False):
        counts = rows["verdict"].value_counts()
        out[str(comparison)] = {v: int(counts.get(v, 0)) for v in VERDICTS}
    return out


def bottom_line(head: pd.DataFrame, focal: str) -> str:
    """``Bottom line (supplier's payoff, headline window): face_saver vs capitulator helps in
    4 of 8 cells, undetermined in 4; ...`` (a study without comparisons says so)."""
    if head.empty:
        return "Bottom line: the study compares no arms, so it decides no effect."
    parts = []
    for comparison, counts in verdict_counts(head).items():
        total = sum(counts.values())
        said = [(v, n) for v, n in counts.items() if n]
        first, n = said[0]
        text = f"{comparison} {_verb(first)} in {n} of {total} cell{'s' if total != 1 else ''}"
        text += "".join(f", {_verb(v)} in {k}" for v, k in said[1:])
        parts.append(text)
    windows = "/".join(dict.fromkeys(head["window"]))
    return f"Bottom line ({focal}'s payoff, {windows} window): " + "; ".join(parts) + "."


def _verb(verdict: str) -> str:
    """How a verdict reads after a comparison: ``helps``, ``is negligible``, ``has no pairs``."""
    return {"negligible": "is negligible", "undetermined": "is undetermined"}.get(
        verdict, "has no pairs" if verdict == "no pairs" else verdict
    )


def _interval(row: Mapping[str, Any]) -> str:
    """``[+0.001, +0.007]``, or empty without pairs."""
    if pd.isna(row["ci_low"]) or pd.isna(row["ci_high"]):
        return ""
    return f"[{fmt(row['ci_low'], signed=True)}, {fmt(row['ci_high'], signed=True)}]"


def headline_table(head: pd.DataFrame, max_rows: int = MAX_ROWS) -> list[str]:
    """The headline rows as an aligned text table, by comparison (in the rows' order) and
    then cell: comparison, cell, window, estimate, interval, verdict; a line on the
    intervals' level; beyond ``max_rows`` rows, a line saying how many more and where."""
    if head.empty:
        return []
    order = {c: i for i, c in enumerate(dict.fromkeys(head["comparison"]))}
    head = head.sort_values("comparison", key=lambda c: c.map(order), kind="stable")
    more = len(head) - max_rows
    head = head.head(max_rows)
    header = ["comparison", "cell", "window", "estimate", "interval", "verdict"]
    rows = [
        [
            str(r["comparison"]),
            str(r["label"]),
            str(r["window"]),
            "" if pd.isna(r["mean_diff"]) else fmt(r["mean_diff"], signed=True),
            _interval(r),
            str(r["verdict"]),
        ]
        for r in head.to_dict("records")
    ]
    widths = [max(len(x) for x in column) for column in zip(header, *rows, strict=True)]
    lines = ["  ".join(x.ljust(w) for x, w in zip(line, widths, strict=True)).rstrip()
             for line in (header, *rows)]  # fmt: skip
    lines.insert(1, "  ".join("-" * w for w in widths))
    if more > 0:
        lines.append(f"... and {more} more row(s): summary/effects.csv, or --json")
    level = head["ci_level"].dropna()
    if not level.empty:
        lines.append(
            f"(estimate: mean paired difference of utility per round, treatment − control; "
            f"{fmt_level(float(level.iloc[0]))} family-wise intervals)"
        )
    return lines


def _number(value: Any) -> float | None:
    """A JSON number: ``None`` for a missing or non-finite value."""
    if value is None or pd.isna(value):
        return None
    x = float(value)
    return x if math.isfinite(x) else None


def run_json(
    head: pd.DataFrame, focal: str, *, about: Mapping[str, Any], figures: Sequence[str]
) -> dict[str, Any]:
    """The ``--json`` object (fields :data:`JSON_FIELDS`): ``about`` gives the study, the
    question and the paths, ``figures`` the figure paths."""
    rows = [
        {
            "comparison": r["comparison"],
            "treatment": r["treatment"],
            "control": r["control"],
            "cell": int(r["cell"]),
            "label": r["label"],
            "window": r["window"],
            "n": int(r["n"]),
            "estimate": _number(r["mean_diff"]),
            "ci_low": _number(r["ci_low"]),
            "ci_high": _number(r["ci_high"]),
            "ci_level": _number(r["ci_level"]),
            "verdict": r["verdict"],
        }
        for r in head.to_dict("records")
    ]
    out = {key: about.get(key) for key in JSON_FIELDS}
    out.update(
        figures=list(figures),
        key_figure=figures[0] if figures else None,
        bottom_line=bottom_line(head, focal),
        verdict_counts=verdict_counts(head),
        headline=rows,
    )
    return out
