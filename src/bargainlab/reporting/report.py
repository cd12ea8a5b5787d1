"""The Markdown text of a run's ``report.md``, generated from its summary.

The report answers first: the study's question, a one-paragraph answer generated from the
verdicts of the headline rows (:mod:`bargainlab.reporting.answer`) and one key figure, the
forest plot of the headline effects. Then what changed since the study's previous results
(its ``[[changes]]``, prose from the study file). Details follow: the design, every outcome window,
survival, the per-arm descriptors, mediation by state transplant, the second view by switching
channels off, the null cells, power, the headline under a second seed, the tournament, the
empirical game (with the essay's two-round game at the study's parameters beside it), the
calibration checks and the method.
Nothing is typed by hand: the design is read from the study, every number from the summary,
every sentence is a template filled from the study's own labels and the numbers (the
changes and the question are the study file's own prose, without numbers of results).
"""

from __future__ import annotations

from pathlib import Path

from ..analysis.summary import Summary
from ..config.cells import SweepCells
from ..config.schema import StudySpec
from .answer import answer_paragraph, conclusion_section
from .captions import figure_lines
from .design import design_section, reputation_section
from .figures import figure_plan
from .game_report import game_answer, game_section
from .robustness import robustness_section
from .sections import (
    arms_section,
    decomposition_section,
    effects_section,
    method_section,
    survival_section,
)
from .text import describe_cell, fmt
from .tournament_report import tournament_section
from .verification import calibration_section, null_section, power_section

__all__ = ["changes_section", "describe_cell", "fmt", "replicates_note", "report"]


def replicates_note(summary: Summary) -> tuple[int, str]:
    """The smallest number of replicates per cell and whether all cells are equal, from the
    effect rows of the round-1 window (every replicate has a round 1)."""
    rows = summary.effects[summary.effects["window"] == "round1"]
    if rows.empty:
        rows = summary.tournament_payoff
    if rows.empty:
        return 0, "all cells equal"
    counts = rows.groupby("cell")["n"].max()
    low, high = int(counts.min()), int(counts.max())
    return low, "all cells equal" if low == high else f"{low} to {high}"


def _profile_note(study: StudySpec, replicates: int, full: int) -> str:
    """A note when the report was generated at fewer replicates than the full study, or at its CI profile."""
    profile = study.reproduce.replicates
    if replicates < full:
        return (
            f"CI profile: this report was generated at {replicates} replicates; the full study "
            f"uses {full}."
        )
    if profile is not None and profile == replicates:
        return (
            f"CI profile: this report was generated at {replicates} replicates, the study's "
            "`reproduce.replicates` profile (the size `bargainlab reproduce` checks); the full "
            f"size is `replicates` in experiments/{study.name}.toml."
        )
    return ""


def changes_section(study: StudySpec) -> list[str]:
    """ "What changed" since the previous committed results: the study's ``[[changes]]``, each
    with its reason (nothing when it declares none)."""
    if not study.changes:
        return []
    lines = [
        "## What changed",
        "",
        "Since this study's previous committed results (the study file's `[[changes]]`):",
        "",
    ]
    lines += [f"- **{c.what.strip()}** {c.why.strip()}" for c in study.changes]
    return [*lines, ""]


def _details(summary: Summary, study: StudySpec, cells: SweepCells, design: list[str]) -> list[str]:
    """The sections after the answer and the changes: design, effects, survival,
    decompositions, null cells, power, tournament and calibration."""
    lines = [*design, *reputation_section(study, cells.paths)]
    lines += effects_section(summary, study, cells)
    lines += arms_section(summary, study, cells)
    lines += survival_section(summary, study, cells)
    if not summary.effects.empty:
        lines += decomposition_section(summary, study, cells, "mediation")
    lines += decomposition_section(summary, study, cells, "channels")
    if not summary.effects.empty:
        lines += null_section(summary, study, cells)
        lines += power_section(summary, study, cells)
        lines += robustness_section(summary, study, cells)
    if not summary.tournament_mix.empty:
        lines += tournament_section(summary, study, cells)
    lines += game_section(summary, study, cells)
    return [*lines, *calibration_section(summary)]


def report(
    run_dir: Path,
    summary: Summary,
    study: StudySpec,
    cells: SweepCells,
    *,
    full_replicates: int | None = None,
    traces: bool | None = None,
) -> str:
    """The Markdown text of ``report.md`` (see the module docstring).

    ``summary`` is :func:`~bargainlab.analysis.summary.summarize`'s (it may be read back from
    ``summary/``), ``cells`` the study's typed sweep cells. ``full_replicates`` is the
    study's full size when the run used a smaller profile (default: ``study.replicates``).
    ``traces``: whether the run drew the trace figure (default: whether
    ``run_dir/figures/trace.png`` exists).
    """
    replicates, sizes = replicates_note(summary)
    full = full_replicates if full_replicates is not None else study.replicates
    if traces is None:
        traces = (Path(run_dir) / "figures" / "trace.png").is_file()
    stems = figure_plan(summary, study, cells, traces=traces)
    if summary.tournament_mix.empty:
        stems = [s for s in stems if not s.startswith("tournament")]
    lines = [
        f"# {study.name}",
        "",
        "_Generated by bargainlab from this run's tables and summary/; do not edit by hand._",
        "",
        "## Question",
        "",
        study.question or "(The study states no question.)",
        "",
        "## Answer",
        "",
        *answer_paragraph(summary, study, cells),
        *game_answer(summary, study, cells),
        *(figure_lines(stems[0], study, cells) if stems else []),
        *changes_section(study),
    ]
    note = _profile_note(study, replicates, full)
    lines += _details(
        summary, study, cells, design_section(study, cells.paths, replicates, sizes, note)
    )
    lines += conclusion_section(summary, study, cells)
    if len(stems) > 1:
        lines += ["## Figures", ""]
        for stem in stems[1:]:
            lines += figure_lines(stem, study, cells)
    lines += method_section(summary, study)
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.rstrip() + "\n"
