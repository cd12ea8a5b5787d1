"""The run folder: manifest, resolved config, atomic writes, resumption."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import tomllib
from pathlib import Path

import pandas as pd
import pytest

import bargainlab.experiments.pipeline
import bargainlab.experiments.tasks
from bargainlab.cli.commands import main
from bargainlab.config.files import ConfigError, load_study
from bargainlab.experiments.checksums import sha256_file
from bargainlab.experiments.pipeline import run_study
from bargainlab.experiments.runstore import (
    atomic_path,
    config_hash,
    resolved_config_text,
    toml_dumps,
    write_text_atomic,
)
from bargainlab.experiments.translate import simulate
from studies import tiny_study_toml

STUDY = tiny_study_toml(
    textwrap.dedent(
        """\
        # a comment that config.toml keeps
        name = "tiny"
        replicates = 6
        seed = 5
        chunk = 2

        [rounds]
        count = 2
        rho = 0.5

        """
    ),
    supplier_params="{ e = 0.5 }",
    sweep='"rounds.rho" = [0.0, 0.5]\n',
)


def run(path: Path, out: Path, **kwargs) -> Path:
    return run_study(path, out, executor="serial", progress=False, **kwargs).path


@pytest.fixture
def tables_only(monkeypatch):
    """For tests about the tables: skip the summary, figures and report of each run."""
    monkeypatch.setattr(bargainlab.experiments.pipeline, "regenerate_outputs", lambda *a, **k: [])


def temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.startswith(".tmp-")]


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("finished")
    path = tmp / "study.toml"
    path.write_text(STUDY, encoding="utf-8")
    return path, run(path, tmp / "run")


# ---- contents --------------------------------------------------------------------------------


def test_run_folder_layout(finished):
    _, out = finished
    names = {p.name for p in out.iterdir()}
    assert {
        "config.toml",
        "manifest.json",
        "cells.parquet",
        "rounds.parquet",
        "replicates.parquet",
        "trajectories.parquet",
        "summary",
        "report.md",
        "figures",
    } <= names
    assert (out / "rounds.parquet").is_dir()  # a Parquet dataset, one file per task
    assert "parts" not in names  # intermediate parts are removed once the tables exist
    assert "traces.parquet" not in names
    assert temp_files(out) == []


def test_output_files_are_readable_by_others(finished):
    _, out = finished
    umask = os.umask(0o022)
    os.umask(umask)
    files = [p for p in out.rglob("*") if p.is_file() and p.name != ".lock"]
    assert len(files) > 8
    expected = 0o666 & ~umask
    assert {oct(p.stat().st_mode & 0o777) for p in files} == {oct(expected)}


def test_manifest_contents(finished):
    path, out = finished
    manifest = json.loads((out / "manifest.json").read_text())
    study = load_study(path).study
    assert manifest["config_hash"] == config_hash(study)
    assert len(manifest["config_hash"]) == 64
    assert manifest["root_seed"] == 5
    assert manifest["replicates"] == 6
    assert manifest["cells"] == 2 and manifest["tasks"] == 1  # the two cells stack
    assert manifest["axes"] == ["rounds.rho"]
    assert set(manifest["versions"]) == {
        "python",
        "numpy",
        "pandas",
        "scipy",
        "pyarrow",
        "bargainlab",
    }
    assert manifest["versions"]["pandas"] == pd.__version__
    commit = manifest["git_commit"]
    assert commit is None or (len(commit) == 40 and int(commit, 16) >= 0)
    assert manifest["completed"] is not None
    assert manifest["git_commit_source"] in ("checkout", "build", None)
    # every table and output has its checksum
    tables = ["trajectories.parquet"]
    for folder in ("rounds.parquet", "replicates.parquet"):
        dataset = sorted(f"{folder}/{p.name}" for p in (out / folder).iterdir())
        recorded = [k for k in manifest["checksums"] if k.startswith(f"{folder}/")]
        assert dataset and recorded == dataset
        tables += dataset
    parts = [f"summary/{p.name}" for p in sorted((out / "summary").iterdir())]
    assert parts and [k for k in manifest["checksums"] if k.startswith("summary/")] == parts
    for name in [
        "config.toml",
        "cells.parquet",
        *tables,
        *parts,
        "report.md",
        *manifest["figures"],
    ]:
        assert manifest["checksums"][name] == sha256_file(out / name), name
    assert set(manifest["memory"]) == {"parent", "tasks"}
    assert all(isinstance(v, int) and v > 2**20 for v in manifest["memory"].values())
    assert set(manifest["timings"]) >= {"simulate", "assemble", "summarize", "figures", "report"}
    assert all(isinstance(v, float) and v >= 0 for v in manifest["timings"].values())
    text = json.dumps(manifest)
    assert "executor" not in text and "workers" not in text


def test_rounds_table_is_sorted_and_labelled(finished):
    _, out = finished
    rounds = pd.read_parquet(out / "rounds.parquet")  # one task: sorted in full
    keys = ["cell", "channels", "arm", "replicate", "round", "party"]
    assert list(rounds.columns[:2]) == ["cell", "channels"]  # the cell alone: no axis column
    assert rounds.equals(rounds.sort_values(keys).reset_index(drop=True))
    assert not rounds.duplicated(keys).any()
    assert sorted(rounds["replicate"].unique()) == list(range(6))
    assert sorted(rounds["cell"].unique()) == [0, 1]


def test_cells_table_holds_each_cells_typed_values_and_label(finished):
    _, out = finished
    cells = pd.read_parquet(out / "cells.parquet")
    assert list(cells.columns) == ["cell", "label", "rounds.rho"]
    assert cells["cell"].tolist() == [0, 1] and str(cells["cell"].dtype) == "int64"
    assert (
        cells["rounds.rho"].tolist() == [0.0, 0.5] and str(cells["rounds.rho"].dtype) == "float64"
    )
    assert cells["label"].tolist() == ["rho 0", "rho 0.5"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["checksums"]["cells.parquet"] == sha256_file(out / "cells.parquet")
    # a table joins its axes in on `cell`
    replicates = pd.read_parquet(out / "replicates.parquet").merge(cells, on="cell")
    assert set(replicates.groupby("cell")["rounds.rho"].first()) == {0.0, 0.5}


def test_config_toml_is_the_file(finished):
    path, out = finished
    assert (out / "config.toml").read_bytes() == path.read_bytes()


def test_config_toml_records_replicates_override(study_file, tables_only, tmp_path):
    path = study_file(STUDY, folder=tmp_path)
    out = run(path, tmp_path / "run", replicates=4)
    text = (out / "config.toml").read_text()
    assert "# a comment that config.toml keeps" in text
    raw = tomllib.loads(text)
    assert raw["replicates"] == 4
    assert raw == {**tomllib.loads(STUDY), "replicates": 4}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["replicates"] == 4
    assert config_hash(load_study(out / "config.toml").study) == manifest["config_hash"]


def test_config_without_replicates_line_gets_one(study_file, tmp_path):
    text = STUDY.replace("replicates = 6\n", "")
    study = load_study(study_file(text, folder=tmp_path), replicates=3).study
    resolved = resolved_config_text(study, text.encode())
    assert tomllib.loads(resolved.decode()) == {**tomllib.loads(text), "replicates": 3}


def test_spec_given_in_python_is_written_as_toml(study_file, tables_only, tmp_path):
    spec = load_study(study_file(STUDY, folder=tmp_path)).study
    out = run_study(spec, tmp_path / "run", executor="serial", progress=False).path
    reloaded = load_study(out / "config.toml").study
    assert reloaded == spec
    assert config_hash(reloaded) == config_hash(spec)


def test_toml_dumps_round_trips():
    data = {
        "name": "x",
        "n": 3,
        "f": 0.1,
        "flag": True,
        "list": [1, 2.5, "a"],
        "none": None,
        "t": {"a": 1, "sub": {"b": 'q"uote\n'}},
        "rows": [{"where": {"rounds.rho": 0}, "reason": "r"}],
        "sweep": {"rounds.rho": [0, 0.5]},
    }
    expected = {k: v for k, v in data.items() if k != "none"}
    assert tomllib.loads(toml_dumps(data)) == expected


# ---- atomic writes ---------------------------------------------------------------------------


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "summary.csv"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash mid-write")
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_replaces_whole_file(tmp_path):
    target = tmp_path / "report.md"
    write_text_atomic(target, "old")
    write_text_atomic(target, "new")
    assert target.read_text() == "new"
    assert temp_files(tmp_path) == []


# ---- existing folders ------------------------------------------------------------------------


def test_different_config_in_existing_run_folder_is_exit_2(
    study_file, tables_only, tmp_path, capsys
):
    path = study_file(STUDY, folder=tmp_path)
    out = run(path, tmp_path / "run")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    other = study_file(STUDY.replace("seed = 5", "seed = 6"), name="other.toml", folder=tmp_path)
    status = main(["run", str(other), "--out", str(out), "--executor", "serial"])
    err = capsys.readouterr().err
    assert status == 2
    assert str(out) in err and "--out" in err and "different config" in err and "new --out" in err
    assert "Traceback" not in err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_non_run_folder_is_refused(study_file, tables_only, tmp_path):
    out = tmp_path / "notes"
    out.mkdir()
    (out / "todo.txt").write_text("x")
    with pytest.raises(ConfigError, match="not a bargainlab run"):
        run(study_file(STUDY, folder=tmp_path), out)
    assert sorted(p.name for p in out.iterdir()) == ["todo.txt"]


@pytest.fixture
def one_chunk_per_task(monkeypatch):
    """Tasks of one chunk each (no stacking), so that a run has several tasks."""
    monkeypatch.setattr(bargainlab.experiments.tasks, "TASK_RELATIONSHIPS", 1)


def interrupted(path: Path, out: Path, after: int) -> None:
    """Run the study serially and stop it (as a crash would) after ``after`` tasks of one
    chunk each."""
    calls = []

    def failing(*args, **kwargs):
        if len(calls) == after:
            raise RuntimeError("crash after some tasks")
        calls.append(1)
        return simulate(*args, **kwargs)

    with pytest.raises(RuntimeError, match="crash after some tasks"):
        run(path, out, simulate=failing)


def test_rerun_skips_existing_parts_and_cleans_temp_files(
    study_file, tables_only, one_chunk_per_task, tmp_path
):
    path = study_file(STUDY, folder=tmp_path)
    reference = pd.read_parquet(run(path, tmp_path / "fresh") / "rounds.parquet")
    out = tmp_path / "run"
    interrupted(path, out, after=4)
    assert not (out / "rounds.parquet").exists()
    (out / "parts" / ".tmp-task-00005.rounds.parquet.abc").write_bytes(b"half")
    kept = {p: p.stat().st_mtime_ns for p in (out / "parts").glob("task-*.rounds.parquet")}
    assert len(kept) == 4
    real = []
    run(path, out, simulate=lambda *a, **k: real.append(1) or simulate(*a, **k))
    assert len(real) == 2  # only the missing tasks ran
    assert temp_files(out) == []
    assert not (out / "parts").exists()
    pd.testing.assert_frame_equal(sort(pd.read_parquet(out / "rounds.parquet")), sort(reference))


def sort(rounds: pd.DataFrame) -> pd.DataFrame:
    keys = ["cell", "channels", "arm", "replicate", "round", "party"]
    return rounds.sort_values(keys).reset_index(drop=True)


def test_finished_run_started_again_does_not_simulate_again(study_file, tables_only, tmp_path):
    path = study_file(STUDY, folder=tmp_path)
    out = run(path, tmp_path / "run")
    before = {p: p.stat().st_mtime_ns for p in (out / "rounds.parquet").iterdir()}
    run(path, out, simulate=lambda *a, **k: pytest.fail("simulated again"))
    assert {p: p.stat().st_mtime_ns for p in (out / "rounds.parquet").iterdir()} == before


def test_a_finished_run_started_again_changes_nothing(study_file, tmp_path):
    path = study_file(STUDY, folder=tmp_path)
    out = run(path, tmp_path / "run")
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    notes = []
    run_study(path, out, executor="serial", progress=False, log=notes.append)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before
    assert any("nothing to do" in n and "bargainlab report" in n for n in notes)


def test_traces_are_stored_when_asked(study_file, tmp_path):
    path = study_file("traces = true\n" + STUDY, folder=tmp_path)
    out = run(path, tmp_path / "run")
    traces = pd.read_parquet(out / "traces.parquet")
    assert len(traces) > 0
    assert {"cell", "channels", "arm", "replicate", "round"} <= set(traces.columns)
    assert "rounds.rho" not in traces.columns
    manifest = json.loads((out / "manifest.json").read_text())
    files = sorted((out / "traces.parquet").iterdir())
    assert files
    for f in files:
        assert manifest["checksums"][f"traces.parquet/{f.name}"] == sha256_file(f)


# ---- a real run killed half-way ---------------------------------------------------------------

# 2 cells x 8,192 replicates in chunks of 2,048: four tasks of 4,096 relationships
KILLABLE = STUDY.replace("replicates = 6", "replicates = 8192").replace("chunk = 2", "chunk = 2048")


@pytest.mark.slow
def test_killed_run_resumes_to_the_same_tables(study_file, tables_only, tmp_path):
    path = study_file(KILLABLE, folder=tmp_path)
    out = tmp_path / "run"
    command = [
        sys.executable,
        "-m",
        "bargainlab",
        "run",
        str(path),
        "--out",
        str(out),
        "--workers",
        "2",
    ]
    proc = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        journal = out / "parts" / "SHA256SUMS"
        while not (journal.is_file() and ".rounds.parquet" in journal.read_text()):
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "no part was written"
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the run and its worker processes
        proc.wait()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert not (out / "rounds.parquet").exists()
    done_before = journal.read_text().count(".rounds.parquet")
    assert 1 <= done_before < 4  # killed half-way

    resumed = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming" in resumed.stderr
    assert temp_files(out) == []

    fresh = run(path, tmp_path / "fresh")
    for table in ("rounds.parquet", "replicates.parquet", "trajectories.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(out / table), pd.read_parquet(fresh / table))
