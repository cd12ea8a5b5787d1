"""``[robustness]`` end to end: ``run`` runs the study again under the second seed into
``robustness/``, writes ``summary/robustness.csv`` from both runs' headline rows and a
*Robustness* section; the second run is the study under that seed (its decomposition left
out changes no headline row); a missing second run is redone by the same command; and
``reproduce`` checks the part like any other; a finished run is not done again."""

from __future__ import annotations

import shutil
import textwrap

import pandas as pd
import pytest

from bargainlab.analysis.summary import headline_rows
from bargainlab.cli.commands import main
from bargainlab.config.files import load_study
from bargainlab.experiments.pipeline import run_study
from bargainlab.experiments.robustness import second_seed_study
from studies import tiny_study_toml

HEADER = textwrap.dedent(
    """\
    name = "robust"
    replicates = 12
    seed = 3
    chunk = 6

    [rounds]
    count = 3

    [channels]
    decompose = true

    """
)
STUDY = tiny_study_toml(HEADER, sweep='"rounds.rho" = [0.0, 0.5]\n')
SECOND = "\n[robustness]\nseed = 4\n"

KEYS = ["cell", "treatment", "control", "window"]
VALUES = ["mean_diff", "ci_low", "ci_high", "verdict"]


def effects(folder) -> pd.DataFrame:
    return pd.read_csv(folder / "summary" / "effects.csv")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The study with a second seed, run; and the study run plainly under that seed."""
    tmp = tmp_path_factory.mktemp("robustness")
    (tmp / "study.toml").write_text(STUDY + SECOND, encoding="utf-8")
    (tmp / "plain.toml").write_text(STUDY.replace("seed = 3", "seed = 4"), encoding="utf-8")
    run_study(tmp / "study.toml", tmp / "run", executor="serial", progress=False)
    run_study(tmp / "plain.toml", tmp / "plain", executor="serial", progress=False)
    return tmp


def test_the_part_pairs_the_headline_rows_of_both_seeds(runs):
    study = load_study(runs / "study.toml").study
    rows = pd.read_csv(runs / "run" / "summary" / "robustness.csv")
    ours = headline_rows(effects(runs / "run"), study).reset_index(drop=True)
    twins = headline_rows(effects(runs / "run" / "robustness"), study).reset_index(drop=True)
    assert len(rows) == len(ours) == 2  # two cells, one comparison, the later window
    pd.testing.assert_frame_equal(rows[KEYS + VALUES], ours[KEYS + VALUES])
    second = rows[KEYS + [f"second_{c}" for c in VALUES]]
    pd.testing.assert_frame_equal(second.set_axis(KEYS + VALUES, axis=1), twins[KEYS + VALUES])
    assert (rows["seed"] == 3).all() and (rows["second_seed"] == 4).all()
    assert rows["flips"].tolist() == (rows["verdict"] != rows["second_verdict"]).tolist()
    assert not rows["mean_diff"].equals(rows["second_mean_diff"])  # other draws
    report = (runs / "run" / "report.md").read_text(encoding="utf-8")
    assert "## Robustness" in report and "second root seed, 4" in report


def test_the_second_run_is_the_study_under_the_second_seed(runs):
    """Its decomposition left out, its headline rows are those of the study run plainly
    under seed 4 (which decomposes), to the last bit."""
    study = load_study(runs / "plain.toml").study
    twins = headline_rows(effects(runs / "run" / "robustness"), study).reset_index(drop=True)
    plain = headline_rows(effects(runs / "plain"), study).reset_index(drop=True)
    pd.testing.assert_frame_equal(twins, plain)
    assert not (runs / "run" / "robustness" / "summary" / "channels.csv").exists()
    assert (runs / "plain" / "summary" / "channels.csv").exists()
    # the comparison reads its summary only: no figures or report are drawn for it
    second = runs / "run" / "robustness"
    assert not (second / "report.md").exists() and not list(second.glob("figures/*.png"))
    assert (runs / "plain" / "report.md").exists()


def test_a_missing_second_run_is_named_and_the_same_command_redoes_it(runs, tmp_path, capsys):
    out = tmp_path / "run"
    shutil.copytree(runs / "run", out)
    study = str(runs / "study.toml")
    expected = (out / "summary" / "robustness.csv").read_bytes()
    shutil.rmtree(out / "robustness")
    capsys.readouterr()
    assert main(["report", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "robustness: missing" in err, err
    assert main(["run", study, "--out", str(out), "--executor", "serial"]) == 0
    assert (out / "summary" / "robustness.csv").read_bytes() == expected


def test_a_finished_run_with_its_second_seed_is_not_done_again(runs, tmp_path, capsys):
    """The second run writes its summary only, and that is its finished state: the same
    command again has nothing to do (it used to redo both summaries, figures and report)."""
    out = tmp_path / "run"
    shutil.copytree(runs / "run", out)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    capsys.readouterr()
    assert main(["run", str(runs / "study.toml"), "--out", str(out), "--executor", "serial"]) == 0
    assert "nothing to do" in capsys.readouterr().err
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before


def test_validate_counts_the_second_run_as_run_does(runs, capsys):
    loaded = load_study(runs / "study.toml")
    second = load_study(second_seed_study(loaded))
    assert loaded.size is not None and second.size is not None
    both = loaded.size.relationship_rounds + second.size.relationship_rounds
    assert second.size.relationship_rounds < loaded.size.relationship_rounds  # no decomposition
    assert main(["validate", str(runs / "study.toml")]) == 0
    out = capsys.readouterr().out
    assert f"estimated size (with its second seed's run): 2 cell(s), {both:,} relat" in out


def test_reproduce_checks_the_part(tmp_path, workdir, capsys):
    (workdir / "experiments").mkdir()
    text = STUDY + SECOND + "\n[reproduce]\nreplicates = 6\n"
    (workdir / "experiments" / "robust.toml").write_text(text, encoding="utf-8")
    assert main(["reproduce", "robust", "--update", "--executor", "serial"]) == 0
    committed = workdir / "results" / "robust" / "summary" / "robustness.csv"
    assert committed.is_file()
    assert main(["reproduce", "robust", "--executor", "serial"]) == 0
    table = pd.read_csv(committed)
    table.loc[0, "second_verdict"] = "hurts"
    table.to_csv(committed, index=False)
    capsys.readouterr()
    assert main(["reproduce", "robust", "--executor", "serial"]) == 1
    out = capsys.readouterr().out
    assert "robustness" in out and "second_verdict" in out and "hurts" in out
