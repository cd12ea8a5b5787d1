"""Words and numbers of the report and the figures, generated from a study's own labels.

Nothing here knows a particular study: axis labels come from ``study.analysis.labels`` (else
a readable form of the dotted path), party, arm and issue names from the study file, a sweep
cell's values from the typed cells (:class:`~bargainlab.config.cells.SweepCells`).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.summary import Summary
from ..config.cells import SweepCells, axis_label, value_text
from ..config.schema import StudySpec

__all__ = [
    "axes_header",
    "axes_values",
    "axis_label",
    "cell_values",
    "describe_cell",
    "fmt",
    "fmt_interval",
    "fmt_level",
    "fmt_p",
    "markdown_table",
    "named",
    "tick",
    "value_text",
    "window_phrase",
    "with_power",
    "wrap",
]

_UNBOUNDED = 1e3
"""An interval bound beyond this (in utility units) is printed as unbounded."""


def fmt(value: Any, *, signed: bool = False) -> str:
    """``0.031``, ``−0.031`` (``+0.031`` with ``signed``); tiny non-zero values in scientific
    notation so they never print as 0.000; ``n/a`` for a missing value; ``±∞`` beyond any
    utility range."""
    if value is None or pd.isna(value):
        return "n/a"
    x = float(value)
    if not np.isfinite(x) or abs(x) > _UNBOUNDED:
        return ("+∞" if signed else "∞") if x > 0 else "−∞"
    text = f"{x:+.3f}" if signed else f"{x:.3f}"
    if x != 0 and abs(x) < 0.0005:
        text = f"{x:+.1e}" if signed else f"{x:.1e}"
    if signed and x == 0:
        text = "0.000"
    return text.replace("-", "−")


def fmt_interval(row: dict[str, Any] | pd.Series, estimate: str = "mean_diff") -> str:
    """``+0.004 [+0.001, +0.007]``."""
    return (
        f"{fmt(row[estimate], signed=True)} "
        f"[{fmt(row['ci_low'], signed=True)}, {fmt(row['ci_high'], signed=True)}]"
    )


def fmt_level(level: float) -> str:
    """A confidence level as a percentage with the digits it needs: ``99.8611%``, ``95%``."""
    return f"{100 * float(level):.4f}".rstrip("0").rstrip(".") + "%"


def fmt_p(value: Any) -> str:
    """A p-value: ``<0.001``, ``0.042``; ``n/a`` when missing."""
    if value is None or pd.isna(value):
        return "n/a"
    x = float(value)
    return "<0.001" if x < 0.001 else f"{x:.3f}"


def tick(value: Any) -> str:
    """A short tick label: a number as ``0.5``, a mapping (a prior over types) as its entries
    without quotes and braces: ``obstinate 0.05, firm 0.2``."""
    if isinstance(value, dict):
        return ", ".join(f"{k} {tick(v)}" for k, v in value.items())
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    return f"{value:g}" if isinstance(value, int | float | np.number) else str(value)


def wrap(text: str, width: int) -> str:
    """``text`` on lines of at most ``width`` characters (a panel title that would overrun
    its panel)."""
    return textwrap.fill(text, width=width, break_long_words=False, break_on_hyphens=False)


def describe_cell(values: dict[str, Any], study: StudySpec | None = None) -> str:
    """``"where the dealer's kind is naive and rho is 0.8"`` (empty without axes)."""
    parts = []
    for path, value in values.items():
        label = axis_label(path, study)
        article = "the " if "'s " in label and not (study and path in study.analysis.labels) else ""
        parts.append(f"{article}{label} is {value_text(value)}")
    return ("where " + " and ".join(parts)) if parts else ""


def window_phrase(window: str, rounds: int | None = None) -> str:
    """``later`` -> "rounds 2–8" and so on (``R`` when the rounds differ between cells)."""
    last = str(rounds) if rounds else "R"
    return {
        "round1": "round 1",
        "later": f"rounds 2–{last}",
        "whole": f"rounds 1–{last} (the whole relationship)",
        "survivors": f"rounds 2–{last} of the pairs that survived round 1 in both arms",
    }[window]


def headline_phrase(windows: Iterable[str], headline: str, rounds: int | None = None) -> str:
    """The headline rows' windows in words: the study's headline window, and the ``round1``
    fallback of cells that play a single round (they have no later rounds) named as such."""
    have = set(windows)
    main = [w for w in sorted(have) if w == headline or w != "round1"]
    text = " / ".join(window_phrase(w, rounds) for w in main)
    if "round1" in have and headline != "round1":
        fallback = window_phrase("round1")
        return f"{text} ({fallback} in one-round cells)" if text else fallback
    return text


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    """A Markdown table: the header, its rule and one line per row."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def axes_header(cells: SweepCells) -> list[str]:
    """The header of a report table's sweep-axis columns: the axes' labels."""
    return [axis.label for axis in cells.axes]


def axes_values(row: dict[str, Any], cells: SweepCells) -> list[str]:
    """A row's cell's value on every sweep axis, as the report prints it."""
    return [cells.text(int(row["cell"]), path) for path in cells.paths]


def named(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` (with ``treatment`` and ``control``) with their ``comparison``,
    ``"<treatment> vs <control>"``."""
    return rows.assign(comparison=rows["treatment"] + " vs " + rows["control"])


def with_power(rows: pd.DataFrame, summary: Summary) -> pd.DataFrame:
    """Rows of ``summary.effects`` with their ``mde`` and ``n_needed`` (the power part's
    rows of family ``effect``), in the same order and index."""
    power = summary.power
    own = power[power["family"] == "effect"].drop(columns="family")
    keys = ["cell", "treatment", "control", "window"]
    merged = rows.merge(own, on=keys, how="left", validate="one_to_one")
    return merged.set_axis(rows.index)


def cell_values(cells: SweepCells, cell: int) -> dict[str, Any]:
    """The values of the axes that describe ``cell`` (those of its grid), as stored."""
    return {path: cells.value(cell, path) for path in cells.describing(cell)}
