"""The notebook API: ``bargainlab.run_study`` and ``bargainlab.load_run`` give a Run."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

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


def test_repr_and_html_show_the_study_its_size_and_where_the_files_are(finished):
    run = bargainlab.load_run(finished[1])
    text = repr(run)
    assert text.startswith("<Run 'tiny' at ")
    assert "2 cell(s) x 6 replicates x 2 arm(s), 3 round(s)" in text
    assert "finished" in text and "figure(s)" in text and "\n" not in text
    page = run._repr_html_()
    assert "Does a Boulware dealer beat a Conceder dealer?" in page
    assert "<table" in page and "boulware vs conceder" in page
    assert str(run.report_path) in page and str(run.key_figure) in page


def test_plots_draw_on_a_given_axes_and_return_its_figure(finished):
    run = bargainlab.load_run(finished[1])
    fig = run.plot_trajectories()
    assert isinstance(fig, Figure)
    axes = fig.axes[0]
    assert {line.get_label() for line in axes.get_lines()} == {"boulware", "conceder"}
    assert "dealer's utility" in axes.get_title()

    host = Figure()
    left, right = host.subplots(1, 2)
    assert run.plot_trajectories("terms", party="supplier", cell=1, ax=left) is host
    assert "supplier's terms" in left.get_title() and "cell 1" in left.get_title()
    assert len(left.get_lines()) == 2
    assert run.plot_effects(ax=right) is host
    labels = [t.get_text() for t in right.get_yticklabels()]
    assert labels == [
        "boulware vs conceder, dealer's outside option 0",
        "boulware vs conceder, dealer's outside option 0.1",
    ]
    assert list(right.get_yticks()) == [1, 0]  # the first row of the summary on top
    assert len(right.lines) > 0 and "paired effects" in right.get_title()
    with pytest.raises(ValueError, match="no cell 7"):
        run.plot_trajectories(cell=7)


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
