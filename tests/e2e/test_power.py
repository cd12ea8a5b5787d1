"""``bargainlab power`` (a pilot in a temporary folder, a table of replicates needed) and the
analysis line of ``bargainlab validate`` (no simulation)."""

from __future__ import annotations

import textwrap

import pytest

from bargainlab.cli import commands
from bargainlab.cli.commands import main
from studies import tiny_study_toml

STUDY = tiny_study_toml(
    textwrap.dedent(
        """\
        name = "tiny"
        replicates = 40
        seed = 5
        chunk = 10

        [rounds]
        count = 3

        """
    ),
    sweep='"rounds.rho" = [0.0, 0.5]\n',
)


def test_validate_prints_the_family_without_simulating(study_file, workdir, capsys, monkeypatch):
    path = study_file(STUDY, folder=workdir)

    def no_simulation(*args, **kwargs):
        raise AssertionError("validate must not simulate")

    monkeypatch.setattr(commands, "run_study", no_simulation)
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    # 1 comparison x 2 cells x 4 windows (three rounds: every window exists)
    assert "headline family of 8 rows (1 comparison(s) x 2 cell(s), 8 cell-window(s))" in out
    assert "simultaneous at level 1 - 0.05" in out and "1 - 0.05/8" in out
    assert "at 40 replicates" in out and "sesoi 0.01" in out
    assert sorted(p.name for p in workdir.iterdir()) == ["study.toml"]


def test_power_runs_a_pilot_and_prints_the_replicates_needed(study_file, workdir, capsys):
    path = study_file(STUDY, folder=workdir)
    assert main(["power", str(path), "--pilot", "6", "--executor", "serial"]) == 0
    out = capsys.readouterr().out
    assert "family of 8 rows" in out and "pilot of 6 replicates" in out
    assert "boulware vs conceder" in out
    assert "n at sesoi" in out and "decided at 40" in out
    assert sorted(p.name for p in workdir.iterdir()) == ["study.toml"]  # the pilot is gone


@pytest.mark.parametrize("pilot", ["1", "x"])
def test_power_rejects_a_bad_pilot(study_file, workdir, capsys, pilot):
    path = study_file(STUDY, folder=workdir)
    assert main(["power", str(path), "--pilot", pilot]) == 2
    assert "--pilot" in capsys.readouterr().err
