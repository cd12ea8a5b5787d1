"""The notebook API: ``bargainlab.run_study`` and ``bargainlab.load_run`` give a Run."""

from __future__ import annotations

import base64
import io
import os
import re
import textwrap
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import bargainlab
from bargainlab.analysis.parts import EFFECTS
from bargainlab.analysis.summary import Summary
from bargainlab.config.schema import StudySpec
from bargainlab.experiments.run import Run
from studies import study_dict, tiny_study_toml

STUDY = tiny_study_toml(
    textwrap.dedent(
        """\
        name = "tiny"
        question = "Does a Boulware dealer beat a Conceder dealer?"
        replicates = 6
        seed = 5
        chunk = 3

        [rounds]
        count = 3

        """
    ),
    sweep='"parties.dealer.outside_option" = [0.0, 0.1]\n',
)


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[Run, Path]:
    """A finished run, started by study name from a folder with ``experiments/``; the run
    and its folder as an absolute path."""
    root = tmp_path_factory.mktemp("api")
    (root / "experiments").mkdir()
    (root / "experiments" / "tiny.toml").write_text(STUDY, encoding="utf-8")
    here = os.getcwd()
    os.chdir(root)
    try:
        run = bargainlab.run_study("tiny", executor="serial", progress=False)
    finally:
        os.chdir(here)
    return run, root / "runs" / "tiny"


def test_run_study_returns_the_finished_run(finished):
    run, folder = finished
    assert isinstance(run, Run)
    assert run.path == folder  # the default folder, absolute
    assert (run.path / "rounds.parquet").is_dir()  # a Parquet dataset
    assert isinstance(run.study, StudySpec) and run.study.name == "tiny"
    assert run.manifest["study"] == "tiny" and run.manifest["cells"] == 2


def test_tables_are_read_lazily_once(finished):
    run = bargainlab.load_run(finished[1])
    assert "rounds" not in vars(run) and "summary" not in vars(run)
    rounds = run.rounds
    assert rounds is run.rounds  # cached
    plain = pd.read_parquet(finished[1] / "rounds.parquet")  # pandas reads the dataset alone
    keys = ["cell", "channels", "arm", "replicate", "round", "party"]
    pd.testing.assert_frame_equal(rounds, plain.sort_values(keys).reset_index(drop=True))
    assert len(rounds) == 2 * 6 * 2 * 3 * 2  # cells x replicates x arms x rounds x parties
    summary = run.summary
    assert isinstance(summary, Summary) and summary.has("effects")
    assert list(summary.effects.columns) == EFFECTS.names  # typed, its declared columns
    assert str(summary.effects["cell"].dtype) == "int64"
    assert set(summary.effects["cell"]) == {0, 1}
    cells = run.cells
    assert list(cells.columns) == ["cell", "label", "parties.dealer.outside_option"]
    headline = run.headline()
    assert list(headline.columns) == [
        "cell",
        "label",
        "comparison",
        "window",
        "mean_diff",
        "ci_low",
        "ci_high",
        "verdict",
    ]
    assert len(headline) == 2  # one comparison in each of two cells
    assert run.traces is None


def test_figures_report_and_key_figure(finished):
    run = bargainlab.load_run(finished[1])
    assert run.figures and all(isinstance(p, Path) and p.is_file() for p in run.figures)
    assert run.key_figure == run.figures[0]
    assert run.figures[0].name == "forest.png"  # the headline effects come first
    assert run.report_path == finished[1] / "report.md" and run.report_path.is_file()


def test_repr_and_html_show_the_study_its_size_and_where_the_files_are(finished, monkeypatch):
    run = bargainlab.load_run(finished[1])
    text = repr(run)
    assert text.startswith("<Run 'tiny' at ")
    assert "2 cell(s) x 6 replicates x 2 arm(s), 3 round(s)" in text
    assert "finished" in text and "figure(s)" in text and "\n" not in text
    page = run._repr_html_()
    assert "Does a Boulware dealer beat a Conceder dealer?" in page
    assert "<table" in page and "boulware vs conceder" in page
    # the key figure inline, as saved
    (data,) = re.findall(r'<img src="data:image/png;base64,([^"]+)"', page)
    assert base64.b64decode(data) == run.key_figure.read_bytes()
    # links to the files: file URIs from elsewhere, relative from the run's parent folder
    links = re.findall(r'<a href="([^"]+)"', page)
    assert run.report_path.as_uri() in links and run.path.as_uri() in links
    assert {p.as_uri() for p in run.figures} <= set(links)
    monkeypatch.chdir(run.path.parent)
    links = re.findall(r'<a href="([^"]+)"', run._repr_html_())
    assert "tiny/report.md" in links and "tiny/figures/forest.png" in links
    assert all((run.path.parent / link).exists() for link in links)


def pixels(fig: Figure, dpi: int = 150) -> np.ndarray:
    """``fig`` drawn as a PNG is at the run's resolution, decoded."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    buffer.seek(0)
    return mpimg.imread(buffer)


def test_plots_are_the_saved_figures(finished):
    # the same drawing code as the files the run wrote: the same pixels
    run = bargainlab.load_run(finished[1])
    folder = run.path / "figures"
    effects = run.plot_effects()
    assert np.array_equal(pixels(effects), mpimg.imread(folder / "forest.png"))
    sesoi = run.study.analysis.sesoi
    bands = [p for ax in effects.axes for p in ax.patches]  # the ±sesoi band in each panel
    assert len(bands) == len(effects.axes) == 1
    assert np.allclose([bands[0].get_x(), bands[0].get_x() + bands[0].get_width()], [-sesoi, sesoi])
    for metric, stem in [("utility", "trajectories"), ("terms", "terms"), ("beliefs", "beliefs")]:
        saved = mpimg.imread(folder / f"{stem}.png")
        assert np.array_equal(pixels(run.plot_trajectories(metric)), saved), metric


def test_plots_draw_on_a_given_axes_and_return_its_figure(finished):
    run = bargainlab.load_run(finished[1])
    host = Figure(figsize=(14, 5), layout="constrained")
    left, right = host.subplots(1, 2)
    # one panel of a saved figure: its title, the arms' lines, its legend
    assert run.plot_trajectories("utility", cell=1, ax=left) is host
    assert left.get_title() == "dealer's outside option = 0.1"
    assert {line.get_label() for line in left.get_lines()} >= {"boulware", "conceder"}
    assert left.get_legend() is not None
    # another metric or party: from the rounds table
    assert run.plot_trajectories("terms", party="supplier", cell=1, ax=left) is host
    assert "supplier's terms" in left.get_title() and "cell 1" in left.get_title()
    # the key figure in the slot of `right`, whole
    assert run.plot_effects(ax=right) is host
    assert right not in host.axes and len(host.subfigs) == 1
    panels = host.subfigs[0].axes
    alone = run.plot_effects()
    assert [a.get_title() for a in panels] == [a.get_title() for a in alone.axes]
    labels = [[t.get_text() for t in a.get_yticklabels()] for a in (panels[0], alone.axes[0])]
    assert labels[0] == labels[1] and len(labels[0]) == 2
    with pytest.raises(ValueError, match="no cell 7"):
        run.plot_trajectories(cell=7)
    with pytest.raises(ValueError, match="metric must be one of"):
        run.plot_trajectories("reputation")


def test_run_study_takes_a_dict_and_the_cli_prints_the_run(tmp_path, capsys):
    from bargainlab.cli import main

    run = bargainlab.run_study(
        study_dict(), tmp_path / "from_dict", executor="serial", progress=False
    )
    assert run.study.name == "tiny" and run.path == tmp_path / "from_dict"
    path = tmp_path / "study.toml"
    path.write_text(STUDY.replace("[sweep]", "[nosweep]").split("[nosweep]")[0])
    assert main(["run", str(path), "--executor", "serial", "--out", str(tmp_path / "cli")]) == 0
    out = capsys.readouterr().out
    assert f"run folder: {tmp_path / 'cli'}" in out
    assert f"key figure: {tmp_path / 'cli' / 'figures' / 'forest.png'}" in out
    assert f"report:     {tmp_path / 'cli' / 'report.md'}" in out
