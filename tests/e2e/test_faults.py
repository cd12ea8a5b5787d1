"""Faults a hostile user or a bad day brings: concurrent runs, damaged files, full disks,
symbolic links, foreign repositories, resource bombs. One test per case of the report."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

import bargainlab.experiments.tasks
from bargainlab.cli.commands import main
from bargainlab.experiments.pipeline import run_study
from bargainlab.experiments.storage import NonFiniteOutputError, check_finite
from bargainlab.experiments.translate import ChunkTables, simulate, simulate_cells
from bargainlab.support.files import SymlinkError, WriteError, atomic_path
from studies import tiny_study_toml

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"

STUDY = tiny_study_toml(
    textwrap.dedent(
        """\
        name = "tiny"
        replicates = 6
        seed = 5
        chunk = 2

        [rounds]
        count = 2

        """
    ),
    sweep='"rounds.rho" = [0.0, 0.5]\n',
)


def run(path: Path, out: Path, **kwargs) -> Path:
    return run_study(path, out, executor="serial", progress=False, **kwargs).path


@pytest.fixture(autouse=True)
def one_chunk_per_task(monkeypatch):
    """Tasks of one chunk each (no stacking), so that a run in this process has six tasks."""
    monkeypatch.setattr(bargainlab.experiments.tasks, "TASK_RELATIONSHIPS", 1)


def sort(rounds: pd.DataFrame) -> pd.DataFrame:
    keys = ["cell", "channels", "arm", "replicate", "round", "party"]
    return rounds.sort_values(keys).reset_index(drop=True)


def journaled(out: Path) -> int:
    """Tasks whose parts the parent journaled (its rounds part is journaled last)."""
    journal = out / "parts" / "SHA256SUMS"
    return journal.read_text().count(".rounds.parquet") if journal.is_file() else 0


def temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.startswith(".tmp-")]


def snapshot(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file() and p.name != ".lock"}


def interrupted(path: Path, out: Path, after: int) -> None:
    """Run serially and crash after ``after`` tasks (their parts stay)."""
    calls = []

    def failing(*args, **kwargs):
        if len(calls) == after:
            raise RuntimeError("crash")
        calls.append(1)
        return simulate(*args, **kwargs)

    with pytest.raises(RuntimeError, match="crash"):
        run(path, out, simulate=failing)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("reference")
    path = tmp / "study.toml"
    path.write_text(STUDY, encoding="utf-8")
    return path, run(path, tmp / "run")


def env_with_src() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(SRC), "MPLBACKEND": "Agg"}


# ---- 5. two runs into the same --out ----------------------------------------------------------


def hold_lock(folder: Path) -> subprocess.Popen:
    """Another process holding the folder's lock (as a running bargainlab would)."""
    folder.mkdir(parents=True, exist_ok=True)
    code = (
        "import fcntl, os, sys, time\n"
        f"fd = os.open({str(folder / '.lock')!r}, os.O_RDWR | os.O_CREAT)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "os.write(fd, b'4242 otherhost\\n')\n"
        "print('locked', flush=True)\n"
        "time.sleep(120)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_locked_run_folder_is_refused_and_untouched(study_file, tmp_path, capsys):
    path = study_file(STUDY, folder=tmp_path)
    out = tmp_path / "run"
    interrupted(path, out, after=2)
    (out / "parts" / ".tmp-task-00002.rounds.parquet.x").write_bytes(b"in flight")
    before = snapshot(out)
    holder = hold_lock(out)
    try:
        status = main(["run", str(path), "--out", str(out), "--executor", "serial"])
        err = capsys.readouterr().err
        assert status == 2, err
        assert "process 4242 on otherhost is writing this run folder" in err
        assert "Traceback" not in err
        assert snapshot(out) == before  # the other writer's temporary file is still there
        for command in (["plot", str(out)], ["report", str(out)]):
            assert main(command) == 2
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    assert main(["run", str(path), "--out", str(out), "--executor", "serial"]) == 0


def test_two_real_runs_into_one_folder(study_file, tmp_path, reference):
    # long enough that the second run starts while the first one writes
    text = STUDY.replace("replicates = 6", "replicates = 4000").replace("chunk = 2", "chunk = 500")
    path = study_file(text, folder=tmp_path)
    out = tmp_path / "run"
    command = [sys.executable, "-m", "bargainlab", "run", str(path), "--out", str(out)]
    first = subprocess.Popen(
        [*command, "--executor", "serial"],
        env=env_with_src(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not (out / "parts").is_dir():
            assert first.poll() is None, first.stderr.read()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        second = subprocess.run(command, env=env_with_src(), capture_output=True, text=True)
        assert second.returncode == 2, second.stderr
        assert "is writing this run folder" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert temp_files(out) == []
    assert (out / "rounds.parquet").is_dir() and (out / "report.md").is_file()


# ---- 6. corruption ----------------------------------------------------------------------------


def damage(kind: str, part: Path) -> None:
    data = part.read_bytes()
    if kind == "truncated":
        part.write_bytes(data[: len(data) // 2])
    elif kind == "empty":
        part.write_bytes(b"")
    elif kind == "garbled":
        middle = len(data) // 2
        part.write_bytes(
            data[:middle]
            + bytes(b ^ 0xFF for b in data[middle : middle + 64])
            + data[middle + 64 :]
        )
    elif kind == "half_rows":
        table = pd.read_parquet(part)
        table.iloc[: len(table) // 2].to_parquet(part, index=False)
    elif kind == "altered":
        table = pd.read_parquet(part)
        table["utility"] = table["utility"] + 0.25
        table.to_parquet(part, index=False)
    else:
        raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["truncated", "empty", "garbled", "half_rows", "altered"])
def test_damaged_part_is_recomputed_on_resume(study_file, tmp_path, reference, kind):
    path, fresh = reference
    out = tmp_path / "run"
    interrupted(path, out, after=4)
    victim = sorted((out / "parts").glob("task-*.rounds.parquet"))[1]
    damage(kind, victim)
    notes: list[str] = []
    run(path, out, log=notes.append)
    assert any("1 damaged task(s)" in n for n in notes), notes
    pd.testing.assert_frame_equal(
        sort(pd.read_parquet(out / "rounds.parquet")),
        sort(pd.read_parquet(fresh / "rounds.parquet")),
    )


@pytest.mark.parametrize("kind", ["truncated", "garbled", "altered"])
def test_report_and_plot_refuse_a_damaged_table(study_file, tmp_path, reference, capsys, kind):
    path, _ = reference
    out = run(path, tmp_path / "run")
    victim = sorted((out / "rounds.parquet").iterdir())[0]
    damage(kind, victim)
    before = snapshot(out)
    for command in ("report", "plot"):
        assert main([command, str(out)]) == 2
        err = capsys.readouterr().err
        assert f"{victim}: does not match the checksum" in err, err
        assert "Traceback" not in err
    assert snapshot(out) == before
    # the same run command recomputes it
    assert main(["run", str(path), "--out", str(out), "--executor", "serial"]) == 0
    assert main(["report", str(out)]) == 0


def test_plot_refuses_an_altered_summary(tmp_path, reference, capsys):
    path, _ = reference
    out = run(path, tmp_path / "run")
    effects = out / "summary" / "effects.csv"
    effects.write_text(effects.read_text().replace("0.", "1.", 1))
    assert main(["plot", str(out)]) == 2
    assert "effects.csv: does not match the checksum" in capsys.readouterr().err
    assert main(["report", str(out)]) == 0  # rebuilds it
    assert main(["plot", str(out)]) == 0


@pytest.mark.parametrize("garbage", [b"{not json", b"[1, 2]", b"\xff\xfe", b""])
def test_a_garbage_manifest_is_refused_with_the_way_out(
    study_file, tmp_path, reference, garbage, capsys
):
    path, _ = reference
    out = run(path, tmp_path / "run")
    (out / "manifest.json").write_bytes(garbage)
    for command in (
        ["plot", str(out)],
        ["report", str(out)],
        ["run", str(path), "--out", str(out)],
    ):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert f"{out / 'manifest.json'}: unreadable manifest" in err, err
        assert "delete the folder (or choose another --out) and run the study again" in err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_symlinked_table_is_named_a_link_and_the_run_recomputes_it(
    study_file, tmp_path, reference, capsys
):
    path, fresh = reference
    out = run(path, tmp_path / "run")
    elsewhere = tmp_path / "elsewhere.parquet"
    (out / "rounds.parquet").rename(elsewhere)
    (out / "rounds.parquet").symlink_to(elsewhere, target_is_directory=True)
    for command in ("report", "plot"):
        assert main([command, str(out)]) == 2
        err = capsys.readouterr().err
        assert f"{out / 'rounds.parquet'}: is a symbolic link" in err, err
        assert "has no checksum" not in err
    assert main(["run", str(path), "--out", str(out), "--executor", "serial"]) == 0
    assert not (out / "rounds.parquet").is_symlink()
    assert sorted(p.name for p in elsewhere.iterdir())  # what the link pointed to is untouched
    pd.testing.assert_frame_equal(
        sort(pd.read_parquet(out / "rounds.parquet")),
        sort(pd.read_parquet(fresh / "rounds.parquet")),
    )


def test_replaced_config_is_refused(tmp_path, reference, capsys):
    path, _ = reference
    out = run(path, tmp_path / "run")
    (out / "config.toml").write_text(STUDY.replace("seed = 5", "seed = 6"))
    assert main(["report", str(out)]) == 2
    assert "is not the config this run was made with" in capsys.readouterr().err


# ---- 7. a full disk ---------------------------------------------------------------------------


def test_full_disk_is_one_message_and_the_run_resumes(
    study_file, tmp_path, reference, monkeypatch, capsys
):
    path, fresh = reference
    out = tmp_path / "run"
    real = bargainlab.experiments.tasks.write_bytes_atomic
    writes = []

    def full_after_seven(target, data):
        # a task writes three parts (rounds, replicates, trajectories): two tasks fit
        if len(writes) >= 7:
            with atomic_path(target) as tmp:
                tmp.write_bytes(data[:16])  # half a file, then the disk is full
                raise OSError(errno.ENOSPC, "No space left on device", str(tmp))
        writes.append(target)
        return real(target, data)

    monkeypatch.setattr(bargainlab.experiments.tasks, "write_bytes_atomic", full_after_seven)
    status = main(["run", str(path), "--out", str(out), "--executor", "serial"])
    err = capsys.readouterr().err
    assert status == 2
    assert "cannot write: No space left on device" in err and "resumes" in err
    assert str(writes[-1].parent / "task-00002-") in err  # the final name, not the temporary
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert temp_files(out) == []
    assert journaled(out) == 2
    monkeypatch.setattr(bargainlab.experiments.tasks, "write_bytes_atomic", real)
    assert main(["run", str(path), "--out", str(out), "--executor", "serial"]) == 0
    pd.testing.assert_frame_equal(
        sort(pd.read_parquet(out / "rounds.parquet")),
        sort(pd.read_parquet(fresh / "rounds.parquet")),
    )


def test_atomic_write_error_names_the_target(tmp_path):
    target = tmp_path / "missing" / "file.txt"
    with pytest.raises(WriteError) as info, atomic_path(target):
        pass
    assert info.value.path == target and "cannot write" in str(info.value)


# ---- 8. foreign repositories and symbolic links -----------------------------------------------


def test_commit_is_bargainlabs_own_and_no_foreign_hook_runs(study_file, tmp_path):
    repo = tmp_path / "foreign"
    repo.mkdir()
    marker = tmp_path / "hook-ran"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    git = ["git", "-c", "user.name=x", "-c", "user.email=x@x"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "config", "core.fsmonitor", str(hook)], cwd=repo, check=True)
    (repo / "study.toml").write_text(STUDY.replace("replicates = 6", "replicates = 2"))
    subprocess.run([*git, "add", "study.toml"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "x"], cwd=repo, check=True)
    marker.unlink(missing_ok=True)  # committing itself may run the monitor
    foreign = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True
    ).stdout.strip()
    done = subprocess.run(
        [sys.executable, "-m", "bargainlab", "run", "study.toml", "--executor", "serial"],
        cwd=repo,
        env=env_with_src(),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert not marker.exists(), "a hook of the foreign repository ran"
    manifest = json.loads((repo / "runs" / "tiny" / "manifest.json").read_text())
    assert manifest["git_commit"] != foreign
    own = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    assert manifest["git_commit"] == own and manifest["git_commit_source"] == "checkout"


def test_plot_does_not_follow_a_symlinked_figures_folder(tmp_path, reference, capsys):
    path, _ = reference
    out = run(path, tmp_path / "run")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    import shutil

    shutil.rmtree(out / "figures")
    (out / "figures").symlink_to(elsewhere, target_is_directory=True)
    assert main(["plot", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{out / 'figures'}: cannot write: it is a symbolic link" in err
    assert list(elsewhere.iterdir()) == []
    assert temp_files(out) == []


def test_parts_folder_symlink_is_refused(study_file, tmp_path, reference):
    path, _ = reference
    out = tmp_path / "run"
    interrupted(path, out, after=1)
    elsewhere = tmp_path / "elsewhere"
    (out / "parts").rename(elsewhere)
    (out / "parts").symlink_to(elsewhere, target_is_directory=True)
    before = sorted(p.name for p in elsewhere.iterdir())
    with pytest.raises(SymlinkError):
        run(path, out)
    assert sorted(p.name for p in elsewhere.iterdir()) == before


# ---- 2. every numeric output is finite --------------------------------------------------------


def test_a_non_finite_value_is_a_bug_with_a_clear_message(
    study_file, tmp_path, monkeypatch, capsys
):
    path = study_file(STUDY, folder=tmp_path)
    out = tmp_path / "run"

    def broken(chunks, **kwargs):
        tables = simulate_cells(chunks, **kwargs)
        rounds = tables[0].rounds
        rounds.loc[3, "terms"] = float("nan")
        rounds.loc[4, "reference_point"] = float("inf")
        return [
            ChunkTables(rounds, t.traces, t.mediation) if i == 0 else t
            for i, t in enumerate(tables)
        ]

    monkeypatch.setattr(bargainlab.experiments.tasks, "simulate_cells", broken)
    status = main(["run", str(path), "--out", str(out), "--executor", "serial"])
    err = capsys.readouterr().err
    assert status == 1
    assert "NaN or infinite values in terms (1 of" in err and "reference_point (1 of" in err
    assert "bug" in err and "Traceback" not in err
    assert not list((out / "parts").glob("task-*"))
    with pytest.raises(NonFiniteOutputError):
        check_finite(pd.DataFrame({"x": [1.0, float("nan")]}), "table")


# ---- 4. resource bombs ------------------------------------------------------------------------


def test_run_refuses_a_study_too_large_for_the_machine(study_file, workdir, capsys):
    path = study_file(
        STUDY.replace("replicates = 6", "replicates = 10000000").replace(
            "chunk = 2", "chunk = 10000000"
        ),
        folder=workdir,
    )
    before = set(workdir.rglob("*"))
    assert main(["run", str(path), "--executor", "serial"]) == 2
    err = capsys.readouterr().err
    assert "the run needs an estimated" in err and "--memory-budget" in err
    assert "Traceback" not in err
    assert set(workdir.rglob("*")) == before
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert (
        "estimated size:" in out and "80,000,000 relationship-rounds" in out
    )  # 2 cells x 2 arms x 2 rounds


def test_budget_flags(study_file, workdir, capsys):
    path = study_file(STUDY, folder=workdir)
    assert main(["run", str(path), "--memory-budget", "1M"]) == 2
    assert "more than the budget (--memory-budget) 1.0 MB" in capsys.readouterr().err
    assert main(["run", str(path), "--disk-budget", "100"]) == 2  # 100 bytes
    assert "--disk-budget" in capsys.readouterr().err
    assert main(["run", str(path), "--memory-budget", "lots"]) == 2
    assert "512M" in capsys.readouterr().err
    assert not (workdir / "runs").exists()
    assert main(["run", str(path), "--executor", "serial", "--memory-budget", "64G"]) == 0


# ---- 1. labels that become file names --------------------------------------------------------


def test_arm_labels_with_slashes_make_safe_figure_names(study_file, tmp_path):
    text = (
        tiny_study_toml(
            'name = "labels"\nreplicates = 2\nseed = 1\nchunk = 2\n\n',
            sweep='"rounds.rho" = [0.0, 0.5]\n"parties.dealer.outside_option" = [0.0, 0.1]\n',
        )
        .replace("[arms.strategies.boulware]", '[arms.strategies."a/b"]')
        .replace("[arms.strategies.conceder]", '[arms.strategies."../../escape"]')
    )
    text = text.replace(
        '[arms.strategies."../../escape"]',
        '[arms.strategies."c d"]\nname = "linear"\n\n[arms.strategies."../../escape"]',
    )
    path = study_file(text, folder=tmp_path)
    out = tmp_path / "run"
    run(path, out)
    figures = sorted(p.name for p in (out / "figures").iterdir())
    assert "heatmap.png" in figures
    assert any(f.startswith("heatmap_a_b_vs_escape-") and f.endswith(".png") for f in figures)
    assert not (tmp_path / "escape.png").exists()
    assert {p.parent for p in out.rglob("*.png")} == {out / "figures"}
