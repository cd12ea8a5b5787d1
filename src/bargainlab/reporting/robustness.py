"""The report's *Robustness* section: the headline under a second root seed, generated from
the summary's ``robustness`` part (:mod:`bargainlab.analysis.robustness`)."""

from __future__ import annotations

from typing import Any

from ..analysis.summary import Summary
from ..config.cells import SweepCells
from ..config.schema import StudySpec
from .answer import study_rounds
from .text import axes_header, axes_values, fmt, markdown_table, named, window_phrase

__all__ = ["robustness_section"]


def robustness_section(summary: Summary, study: StudySpec, cells: SweepCells) -> list[str]:
    """*Robustness*: how many headline verdicts hold under the second seed, and every one that
    flips, named with both estimates; nothing when the study has no ``[robustness]``."""
    if study.robustness is None or not summary.has("robustness"):
        return []
    rows = named(summary.robustness)
    first, second = study.seed, study.robustness.seed
    flips = rows[rows["flips"]]
    rounds = study_rounds(study, cells.paths)
    lines = [
        "## Robustness",
        "",
        f"The whole study was run again under a second root seed, {second} (this run's is "
        f"{first}), with the same cells, arms and replicates: only the random draws differ. "
        "Its run folder is `robustness/`; `summary/robustness.csv` pairs every headline row "
        "with its twin.",
        "",
    ]
    held = len(rows) - len(flips)
    if flips.empty:
        return [*lines, f"No headline verdict flips: all {len(rows)} hold under both seeds.", ""]
    lines += [
        f"**{len(flips)} of {len(rows)} headline verdict(s) flip** under seed {second} "
        f"({held} hold); a verdict that flips is not settled by this study at its size:",
        "",
    ]
    header = [*axes_header(cells), "comparison", "window", f"seed {first}", f"seed {second}"]
    table = [
        [
            *axes_values(r, cells),
            r["comparison"],
            window_phrase(str(r["window"]), rounds),
            _verdict(r, ""),
            _verdict(r, "second_"),
        ]
        for r in flips.to_dict("records")
    ]
    return [*lines, *markdown_table(header, table), ""]


def _verdict(row: dict[str, Any], prefix: str) -> str:
    """``**helps** +0.016 [+0.001, +0.032]``: a seed's verdict, estimate and interval."""
    estimate = fmt(row[f"{prefix}mean_diff"], signed=True)
    low, high = (fmt(row[f"{prefix}ci_{end}"], signed=True) for end in ("low", "high"))
    return f"**{row[f'{prefix}verdict']}** {estimate} [{low}, {high}]"
