"""Every figure of a report has a one-sentence caption under it (issue 20, item 2)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import re

from test_summarize import make_rounds, make_study, report, summarize

from bargainlab.config.cells import SweepCells
from bargainlab.reporting.captions import caption


def test_every_figure_in_the_report_has_a_one_sentence_caption(tmp_path):
    rounds = make_rounds({0: 0.05, 1: 0.0, 2: -0.05, 3: 0.02})
    spec = make_study()
    text = report(tmp_path, summarize(rounds, spec), spec)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    images = [i for i, ln in enumerate(lines) if ln.startswith("![")]
    assert len(images) >= 4
    for i in images:
        stem = re.match(r"!\[([^\]]+)\]", lines[i]).group(1)
        under = lines[i + 1]
        assert under.startswith("*") and under.endswith(".*"), (stem, under)
        sentence = under.strip("*")
        assert sentence.count(". ") == 0 and len(sentence.split()) <= 45, sentence
        assert sentence == caption(stem, spec, SweepCells.of_study(spec))


def test_a_heatmap_caption_names_its_comparison_and_axes():
    spec = make_study()
    cells = SweepCells.of_study(spec)
    text = caption("heatmap_face_saver_vs_capitulator", spec, cells)
    assert "face_saver instead of capitulator" in text
    assert all(axis.label in text for axis in cells.axes)
