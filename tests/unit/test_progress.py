"""Progress is shown in whole units (issue 20, item 10): ``3/3 phase`` and ``50/50
relationship``, where a scaled count read ``0.00/3.00`` and ``50.0/50.0``."""

from __future__ import annotations

import io
import re
import sys

from bargainlab.experiments.progress import phase_bar, progress_bar


def test_a_bar_counts_whole_units(monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    with progress_bar(50, initial=20, enabled=True, desc="study", unit="relationship") as bar:
        bar.update(30)
    shown = err.getvalue()
    assert "20/50" in shown and "50/50" in shown
    assert not re.search(r"\d\.\d+/\d", shown), shown


def test_the_phase_bar_counts_whole_phases(monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    with phase_bar(("summarize", "figures", "report"), enabled=True) as phase:
        for name in ("summarize", "figures", "report"):
            phase(name)
    shown = err.getvalue()
    assert "0/3" in shown and "3/3" in shown
    assert not re.search(r"\d\.\d+/\d", shown), shown
