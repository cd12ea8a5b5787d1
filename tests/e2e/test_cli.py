"""The command line: every bad input is one clear message, exit status 2, nothing written."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import bargainlab.cli.commands
from bargainlab.cli.commands import main
from bargainlab.experiments.pipeline import run_summary_only
from bargainlab.strategies import available
from studies import tiny_study_toml

STUDY = tiny_study_toml(
    textwrap.dedent(
        """\
        name = "tiny"
        replicates = 4
        seed = 5
        chunk = 2

        """
    ),
    sweep='"rounds.rho" = [0.0, 0.5]\n',
)


def listing(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


def fails_cleanly(capsys, folder: Path, argv: list[str], *needles: str) -> str:
    """Run the CLI; check exit 2, the message, no traceback and nothing written."""
    before = listing(folder)
    status = main(argv)
    captured = capsys.readouterr()
    assert status == 2, captured.err
    assert "Traceback" not in captured.err + captured.out
    for needle in needles:
        assert needle in captured.err, (needle, captured.err)
    assert listing(folder) == before, "something was written"
    return captured.err


# ---- bad input (issue 4, item 8) ---------------------------------------------------------------


def test_wrong_type(study_file, workdir, capsys):
    path = study_file(STUDY.replace("replicates = 4", 'replicates = "four"'), folder=workdir)
    fails_cleanly(
        capsys,
        workdir,
        ["run", str(path)],
        str(path),
        "replicates",
        "'four'",
        "an integer in [2, 10000000]",
    )


def test_unknown_strategy(study_file, workdir, capsys):
    path = study_file(
        STUDY.replace('name = "time_dependent"\n\n[arms]', 'name = "oracle"\n\n[arms]'),
        folder=workdir,
    )
    err = fails_cleanly(
        capsys, workdir, ["run", str(path)], str(path), "strategies.supplier.name", "'oracle'"
    )
    assert all(name in err for name in available())


def test_unknown_key(study_file, workdir, capsys):
    path = study_file(STUDY.replace("seed = 5", "seed = 5\nseeds = 6"), folder=workdir)
    fails_cleanly(
        capsys,
        workdir,
        ["run", str(path)],
        str(path),
        "seeds",
        "unknown key",
        "replicates, seed, chunk",
    )


def test_value_out_of_range(study_file, workdir, capsys):
    path = study_file(
        STUDY.replace('prefers = "low"', 'prefers = "low"\ndelta = 1.5'), folder=workdir
    )
    fails_cleanly(
        capsys, workdir, ["run", str(path)], str(path), "parties.dealer.delta", "1.5", "[0.0, 1.0]"
    )


def test_sweep_value_out_of_range(study_file, workdir, capsys):
    path = study_file(STUDY.replace("[0.0, 0.5]", "[0.0, 2.0]"), folder=workdir)
    fails_cleanly(
        capsys, workdir, ["run", str(path)], str(path), "rounds.rho", "2.0", "sweep cell 1"
    )


def test_unknown_sweep_axis(study_file, workdir, capsys):
    path = study_file(STUDY.replace('"rounds.rho"', '"rounds.rhoo"'), folder=workdir)
    fails_cleanly(
        capsys, workdir, ["run", str(path)], str(path), 'sweep."rounds.rhoo"', "count, rho"
    )


def test_not_toml(study_file, workdir, capsys):
    path = study_file("this is not = = toml\n", folder=workdir)
    fails_cleanly(capsys, workdir, ["run", str(path)], str(path), "not valid TOML", "line 1")


def test_not_utf8(workdir, capsys):
    path = workdir / "study.toml"
    path.write_bytes(b'name = "\xe9tude"\n')
    fails_cleanly(capsys, workdir, ["run", str(path)], str(path), "not UTF-8")


def test_empty_file(study_file, workdir, capsys):
    path = study_file("", folder=workdir)
    fails_cleanly(capsys, workdir, ["run", str(path)], str(path), "empty")


def test_missing_path(workdir, capsys):
    fails_cleanly(
        capsys, workdir, ["run", "nowhere/study.toml"], "nowhere/study.toml", "no such file"
    )


def test_unknown_study_name(workdir, capsys):
    fails_cleanly(capsys, workdir, ["run", "no_such_study"], "no_such_study", "known studies")


def test_directory(workdir, capsys):
    (workdir / "folder").mkdir()
    fails_cleanly(capsys, workdir, ["run", "folder"], "folder", "is a directory")


@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_named_pipe_is_refused_at_once(workdir, capsys, command):
    # nobody writes to it: reading it blocked for ever (a watchdog turns a block into a failure)
    os.mkfifo(workdir / "study.toml")

    def blocked(signum, frame):
        raise AssertionError("the command waited on the pipe instead of refusing it")

    previous = signal.signal(signal.SIGALRM, blocked)
    signal.alarm(30)
    try:
        fails_cleanly(
            capsys,
            workdir,
            [command, "study.toml"],
            "study.toml",
            "is a named pipe, not a regular file",
        )
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize(
    ("flags", "needles"),
    [
        (["--replicates", "9" * 5000], ["--replicates", ">= 2", "'999999999"]),
        (["--memory-budget", "9" * 5000], ["--memory-budget", "512M"]),
        (["--time-budget", "soon"], ["--time-budget", "12h"]),
    ],
)
def test_huge_or_bad_flag_values_are_one_short_line(study_file, workdir, capsys, flags, needles):
    path = study_file(STUDY, folder=workdir)
    err = fails_cleanly(capsys, workdir, ["run", str(path), *flags], *needles)
    assert max(len(line) for line in err.splitlines()) < 200


def test_out_is_a_file(study_file, workdir, capsys):
    path = study_file(STUDY, folder=workdir)
    (workdir / "taken").write_text("x")
    fails_cleanly(
        capsys, workdir, ["run", str(path), "--out", "taken"], "taken", "--out", "not a folder"
    )


def test_out_under_a_file(study_file, workdir, capsys):
    path = study_file(STUDY, folder=workdir)
    (workdir / "taken").write_text("x")
    fails_cleanly(
        capsys,
        workdir,
        ["run", str(path), "--out", "taken/run"],
        "taken/run",
        "--out",
        "not a folder",
    )


def test_out_not_writable(study_file, workdir, capsys):
    path = study_file(STUDY, folder=workdir)
    locked = workdir / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        probe = locked / "probe"
        try:
            probe.write_text("x")  # root ignores permissions: use a read-only file system instead
        except OSError:
            target = locked / "run"
        else:
            probe.unlink()
            target = Path("/proc/bargainlab-run")
            if not Path("/proc").is_dir():
                pytest.skip("no folder that even root cannot write to")
        fails_cleanly(
            capsys,
            workdir,
            ["run", str(path), "--out", str(target)],
            str(target),
            "--out",
            "cannot write",
        )
    finally:
        locked.chmod(0o700)


@pytest.mark.parametrize(
    ("flags", "needles"),
    [
        (["--workers", "0"], ["--workers", "positive integer", "'0'"]),
        (["--workers", "many"], ["--workers", "positive integer"]),
        (["--replicates", "-3"], ["--replicates", ">= 2", "'-3'"]),
        (["--executor", "threads"], ["--executor", "serial", "processes", "dask"]),
        (["--executor", "dask", "--scheduler", ""], ["--scheduler", "address"]),
        (["--scheduler", "tcp://127.0.0.1:8786"], ["--scheduler", "--executor dask"]),
    ],
)
def test_bad_flags(study_file, workdir, capsys, flags, needles):
    path = study_file(STUDY, folder=workdir)
    fails_cleanly(capsys, workdir, ["run", str(path), *flags], *needles)


def test_replicates_below_schema_minimum(study_file, workdir, capsys):
    path = study_file(STUDY, folder=workdir)
    fails_cleanly(capsys, workdir, ["run", str(path), "--replicates", "1"], "--replicates", ">= 2")


def test_validate_reports_bad_config(study_file, workdir, capsys):
    path = study_file(STUDY.replace('prefers = "low"', 'prefers = "sideways"'), folder=workdir)
    fails_cleanly(
        capsys,
        workdir,
        ["validate", str(path)],
        str(path),
        "parties.dealer.prefers",
        "'high' or 'low'",
    )


def test_console_script_prints_no_traceback(study_file, workdir):
    path = study_file(STUDY.replace("seed = 5", "seed = -5"), folder=workdir)
    done = subprocess.run(
        [sys.executable, "-m", "bargainlab", "run", str(path)],
        capture_output=True,
        text=True,
        cwd=workdir,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"bargainlab: error: {path}: seed: ")
    assert "Traceback" not in done.stderr
    assert not (workdir / "runs").exists()


def test_output_piped_into_a_reader_that_stops_ends_quietly(study_file, workdir):
    """`bargainlab validate study.toml | head -0`: the reader is gone before anything is
    written; the command ends with status 141 (128 + SIGPIPE) and says nothing."""
    path = study_file(STUDY, folder=workdir)
    with subprocess.Popen(
        [sys.executable, "-m", "bargainlab", "validate", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=workdir,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # long before the interpreter has started and written its line
        err = proc.stderr.read().decode()
        status = proc.wait(timeout=120)
    assert (status, err) == (141, "")


# ---- commands ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command", [[], ["run"], ["validate"], ["plot"], ["report"], ["reproduce"], ["bench"]]
)
def test_help_on_every_command(capsys, command):
    assert main([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: bargainlab")


def test_validate_ok(study_file, workdir, capsys):
    path = study_file(STUDY, folder=workdir)
    assert main(["validate", str(path)]) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert "ok" in out and "2 sweep cell(s)" in out and "1 task(s)" in out  # stacked
    assert "estimated size:" in out and "16 relationship-rounds" in out and "disk" in out
    assert captured.err == ""
    assert listing(workdir) == {path}


def test_validate_and_run_print_warnings(study_file, workdir, capsys):
    condition = (
        '\n[condition]\nholder = "dealer"\nvalue = 0.1\n'
        "cost = { low = 0.0, high = 0.1 }\nfallback = 0.7\n"
    )
    path = study_file(STUDY.replace("\n[sweep]", condition + "\n[sweep]"), folder=workdir)
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert err.startswith(f"bargainlab: warning: {path}: condition.fallback: the fallback 0.7")
    assert "in 2 of 2 sweep cells" in err


def test_condition_that_can_never_be_met_is_refused(study_file, workdir, capsys):
    condition = (
        '\n[condition]\nholder = "dealer"\nvalue = 0.1\n'
        "cost = { low = 0.0, high = 0.1 }\nfallback = 1.0\n"
    )
    path = study_file(STUDY.replace("\n[sweep]", condition + "\n[sweep]"), folder=workdir)
    fails_cleanly(
        capsys, workdir, ["validate", str(path)], "condition.fallback", "can never be met"
    )


def test_study_names_and_reproduce_outside_a_checkout(workdir, capsys):
    # no experiments/ here: names resolve to the studies shipped with bargainlab
    assert main(["validate", "rebate_renewal"]) == 0
    assert "study 'rebate_renewal'" in capsys.readouterr().out
    fails_cleanly(capsys, workdir, ["reproduce", "--update"], "--update", "checkout")
    fails_cleanly(
        capsys, workdir, ["reproduce", "nope"], "nope.toml", "no such study", "rebate_renewal"
    )


def test_run_plot_report(study_file, workdir, capsys):
    path = study_file(STUDY, folder=workdir)
    assert main(["run", str(path), "--executor", "serial"]) == 0
    out = capsys.readouterr().out
    run_dir = Path("runs") / "tiny"
    assert f"run folder: {run_dir}" in out
    assert "key figure:" in out and f"report:     {run_dir / 'report.md'}" in out
    assert (workdir / run_dir / "rounds.parquet").is_dir()  # a Parquet dataset
    effects = pd.read_csv(workdir / run_dir / "summary" / "effects.csv")
    assert len(effects) > 0

    (workdir / run_dir / "report.md").unlink()
    assert main(["report", str(run_dir)]) == 0
    assert (workdir / run_dir / "report.md").is_file()
    assert main(["plot", str(run_dir)]) == 0
    manifest = json.loads((workdir / run_dir / "manifest.json").read_text())
    assert all((workdir / run_dir / f).is_file() for f in manifest["figures"])


def test_a_study_without_any_agreement_runs_and_says_so(study_file, workdir, capsys):
    """A one-step stage game where no arm ever agrees: the figures and the report are still
    written (the terms figure says there was no agreement) instead of a crash after the run."""
    path = study_file(folder=workdir, game__horizon=1, rounds={"count": 2})
    assert main(["run", str(path), "--executor", "serial"]) == 0
    run_dir = workdir / "runs" / "tiny"
    rounds = pd.read_parquet(run_dir / "rounds.parquet")
    assert not rounds["agreed"].any()
    assert (run_dir / "figures" / "terms.png").is_file()
    assert (run_dir / "report.md").is_file()


def test_plot_of_unfinished_run(workdir, capsys):
    fails_cleanly(capsys, workdir, ["plot", "runs/none"], "runs/none", "no such run folder")
    run_dir = workdir / "half"
    run_dir.mkdir()
    (run_dir / "manifest.json").write_text("{}")
    (run_dir / "config.toml").write_text(STUDY)
    fails_cleanly(
        capsys, workdir, ["report", str(run_dir)], str(run_dir), "has not finished", "resume"
    )


def test_bare_name_and_no_command_run_the_default_study(study_file, workdir, monkeypatch, capsys):
    calls = []

    def fake_run_study(path, out, **kwargs):
        calls.append((Path(path), out, kwargs))
        raise KeyboardInterrupt  # stop before any work

    monkeypatch.setattr(bargainlab.cli.commands, "run_study", fake_run_study)
    (workdir / "experiments").mkdir()
    study_file(
        STUDY.replace('"tiny"', '"rebate_renewal"'),
        name="rebate_renewal.toml",
        folder=workdir / "experiments",
    )
    assert main([]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert main(["run", "rebate_renewal", "--workers", "3"]) == 130
    assert calls[0][0] == Path("experiments/rebate_renewal.toml")
    assert calls[0][1] is None and calls[0][2]["executor"] == "processes"
    assert calls[1][2]["workers"] == 3


def test_bench_forwards_its_flags(monkeypatch):
    seen = []
    monkeypatch.setattr(bargainlab.cli.commands, "bench_main", lambda argv: seen.append(argv) or 0)
    assert main(["bench", "--replicates", "1000", "--json"]) == 0
    assert main(["bench"]) == 0
    assert seen == [["--replicates", "1000", "--json"], []]


# ---- reproduce ----------------------------------------------------------------------------------


def test_reproduce_update_then_check_then_drift(study_file, workdir, capsys):
    (workdir / "experiments").mkdir()
    study_file(
        STUDY + "\n[reproduce]\ntolerance = 1e-9\nreplicates = 2\n",
        name="tiny.toml",
        folder=workdir / "experiments",
    )

    assert main(["reproduce", "--executor", "serial"]) == 1  # nothing committed yet
    assert "summary/" in capsys.readouterr().out

    results = workdir / "results" / "tiny"
    results.mkdir(parents=True)
    (results / "summary.csv").write_text("an older layout\n")
    assert main(["reproduce", "tiny", "--update", "--executor", "serial"]) == 0
    committed = results / "summary"
    assert {p.name for p in committed.iterdir()} >= {"effects.csv", "power.csv"}
    assert (results / "report.md").is_file() and not (results / "summary.csv").exists()
    assert (results / "figures" / "forest.png").is_file()  # drawn for the copy
    # the cells the summary names, but none of the run's own tables
    assert [p.name for p in results.glob("*.parquet")] == ["cells.parquet"]

    assert main(["reproduce", "tiny", "--executor", "serial"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^tiny: ok in \d+\.\d s ", out, re.M), out
    assert re.search(r"^total: 1 study in \d+\.\d s$", out, re.M), out
    assert "kept" not in out

    table = pd.read_csv(committed / "effects.csv")
    table.loc[0, "ci_low"] += 0.01
    table.to_csv(committed / "effects.csv", index=False)
    (committed / "power.csv").unlink()
    assert main(["reproduce", "tiny", "--executor", "serial"]) == 1
    out = capsys.readouterr().out
    assert "Drift beyond tolerance" in out and "ci_low" in out and "0.01" in out
    assert "effects" in out and "power" in out and "(part)" in out
    kept = re.search(r"^tiny: the drifted run is kept in (.+)$", out, re.M)
    assert kept, out
    kept_run = Path(kept.group(1))
    assert pd.read_csv(kept_run / "summary" / "effects.csv").shape == table.shape
    # the kept run is drawn for a look (a run that reproduces is compared by its summary only)
    assert (kept_run / "report.md").is_file() and (kept_run / "report.html").is_file()
    assert (kept_run / "figures" / "forest.png").is_file()
    assert (
        json.loads((kept_run / "manifest.json").read_text())["figures"][0] == "figures/forest.png"
    )
    assert main(["report", str(kept_run), "--quiet"]) == 0  # a finished, consistent run
    assert not (kept_run / ".lock").exists()
    shutil.rmtree(kept_run.parent)


def test_a_summary_only_run_is_finished_and_drawn_later(study_file, workdir, capsys):
    path = study_file(STUDY, name="tiny.toml")
    run = run_summary_only(path, workdir / "tiny", replicates=2, executor="serial")
    assert (run.path / "summary" / "effects.csv").is_file()
    assert not (run.path / "figures").exists() and not (run.path / "report.md").exists()
    assert run.manifest["outputs"] == "summary"
    assert main(["run", str(path), "--out", str(run.path), "--replicates", "2"]) == 0
    assert "finished run of this study: nothing to do" in capsys.readouterr().err
    assert main(["report", str(run.path), "--quiet"]) == 0
    assert main(["plot", str(run.path)]) == 0
    assert (run.path / "report.md").is_file() and (run.path / "figures" / "forest.png").is_file()


def test_reproduce_unknown_study(study_file, workdir, capsys):
    (workdir / "experiments").mkdir()
    study_file(STUDY, name="tiny.toml", folder=workdir / "experiments")
    fails_cleanly(
        capsys,
        workdir,
        ["reproduce", "tinny"],
        "tinny.toml",
        "no such study tinny.toml (did you mean 'tiny'?)",
    )


@pytest.mark.parametrize("name", ["../../x", "../experiments/tiny", "/tmp/x", "."])
def test_reproduce_takes_study_names_not_paths(study_file, workdir, capsys, name):
    # a study outside experiments/ that the name reaches when joined into a path first
    checkout = workdir / "a" / "b"
    (checkout / "experiments").mkdir(parents=True)
    study_file(STUDY, name="tiny.toml", folder=checkout / "experiments")
    study_file(STUDY, name="x.toml", folder=workdir / "a")
    bargainlab.cli.commands.os.chdir(checkout)
    fails_cleanly(capsys, workdir, ["reproduce", name], "no such study", "studies: tiny")


def _summary() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kind": ["effect", "effect", "channel"],
            "cell": [0, 1, 0],
            "comparison": ["a vs b", "a vs b", "a vs b"],
            "n": [8, 8, 8],
            "mean_diff": [0.1, -0.2, float("nan")],
            "verdict": ["helps", "hurts", "no effect"],
        }
    )


def test_compare_summaries():
    from bargainlab.experiments.reproduction import compare_summaries

    old = _summary()
    assert compare_summaries(old.copy(), old, 0.0).empty  # NaN equals NaN

    new = old.copy()
    new.loc[1, "mean_diff"] = -0.2 + 1e-7
    assert compare_summaries(new, old, 1e-6).empty
    drift = compare_summaries(new, old, 1e-8, "s")
    assert drift[["study", "row", "column"]].values.tolist() == [
        ["s", "kind=effect, cell=1", "mean_diff"]
    ]
    keyed = compare_summaries(new, old, 1e-8, "s", keys=["cell", "kind"], part="p")
    assert keyed[["part", "row", "column"]].values.tolist() == [
        ["p", "cell=1, kind=effect", "mean_diff"]
    ]

    new = old.copy()
    new.loc[0, "verdict"] = "no effect"
    drift = compare_summaries(new, old, 0.1)
    assert drift[["row", "column", "committed", "new"]].values.tolist() == [
        ["kind=effect, cell=0", "verdict", "helps", "no effect"]
    ]

    drift = compare_summaries(old.iloc[:2], old, 0.1)
    assert drift[["row", "column", "committed", "new"]].values.tolist() == [
        ["kind=channel, cell=0", "(row)", "present", "absent"]
    ]

    drift = compare_summaries(old.drop(columns="verdict"), old, 0.1)
    assert drift[["column", "committed", "new"]].values.tolist() == [["(columns)", "verdict", "-"]]
