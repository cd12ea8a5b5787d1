"""What ``bargainlab run`` and ``bargainlab report`` print once a run's outputs are written.

By default: the bottom line (per comparison, the verdicts of its headline cells), the
headline table (comparison, cell, window, estimate, interval, verdict), then the paths of the
run folder, the key figure and the reports. ``--quiet`` prints the paths alone (one
``name: path`` line each, for a script that wants to know where things are); ``--json``
prints one JSON object instead (its fields are
:data:`bargainlab.reporting.terminal.JSON_FIELDS`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..experiments.run import Run
from ..reporting.terminal import bottom_line, headline_table, run_json

__all__ = ["show_outcome", "shown"]


def shown(path: Path) -> Path:
    """``path`` relative to the current folder when it is inside it, else as is."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _paths(run: Run) -> list[str]:
    """The ``name: path`` lines: run folder, key figure, report and its HTML page."""
    lines = [
        f"run folder: {shown(run.path)}",
        f"key figure: {shown(run.key_figure) if run.key_figure else '(none)'}",
        f"report:     {shown(run.report_path)}",
    ]
    if run.report_html_path.is_file():
        lines.append(f"html page:  {shown(run.report_html_path)}")
    return lines


def show_outcome(run: Run, args: argparse.Namespace) -> None:
    """Print the outcome of ``run`` as ``args`` asks (``--json``, ``--quiet`` or in full)."""
    focal = run.study.arms.party
    head = run.headline(detail=True)
    if getattr(args, "json", False):
        html = run.report_html_path
        about = {
            "study": run.study.name,
            "question": run.study.question.strip(),
            "run_folder": str(run.path),
            "report": str(run.report_path),
            "report_html": str(html) if html.is_file() else None,
        }
        figures = [str(p) for p in run.figures]
        print(json.dumps(run_json(head, focal, about=about, figures=figures), indent=2))
        return
    if not getattr(args, "quiet", False):
        print(bottom_line(head, focal))
        table = headline_table(head)
        if table:
            print()
            print("\n".join(table))
        print()
    print("\n".join(_paths(run)))
