"""Faults that cross processes end cleanly: a full disk in a worker or a forked figure
writer, a killed parent, a killed resource tracker, a scheduler address that is not one.

Each case runs the real command line in a process of its own (a session of its own, so
that every process the run starts can be found), and checks what the user sees: exit status
2 and one line naming the file and the cause, no traceback, no temporary file, no process
left, and the same command resuming to the outputs of an uninterrupted run. A full disk is
a real one: the file-size limit (``RLIMIT_FSIZE``) of the command's process, which its
workers inherit, makes every write beyond it fail with ``EFBIG``.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import psutil
import pytest

from bargainlab.experiments.cluster import local_cluster
from running import (
    assert_session_ends,
    bargainlab,
    environment,
    outputs,
    session,
    start,
    temp_files,
)
from studies import tiny_study_toml

STUDY = tiny_study_toml(
    textwrap.dedent(
        """\
        name = "faults"
        replicates = 2500
        seed = 11
        chunk = 500

        [rounds]
        count = 2

        """
    ),
    sweep='"rounds.rho" = [0.0, 0.5]\n',
)
"""Two cells of 2,500 replicates: two tasks of about 400 kB of parts each (the executors
run them on two workers), a manifest and config of a few kB, figures of about 50 kB."""

SMALL = STUDY.replace("replicates = 2500", "replicates = 12").replace("chunk = 500", "chunk = 6")
"""The same study small enough that its parts fit under a 30 kB limit and its figures do not."""


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err and "Exception ignored" not in err
    return lines[0]


@pytest.fixture(scope="module")
def studies(tmp_path_factory) -> dict[str, tuple[Path, dict[str, bytes]]]:
    """The two studies and the outputs of their uninterrupted runs."""
    tmp = tmp_path_factory.mktemp("reference")
    made = {}
    for name, text in (("large", STUDY), ("small", SMALL)):
        path = tmp / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        # by the command, as the runs they are compared with (an installed package and
        # this checkout's source record different provenance in the manifest)
        done = bargainlab(
            "run", str(path), "--out", str(tmp / name), "--executor", "serial", cwd=tmp
        )
        assert done.returncode == 0, done.stderr
        made[name] = (path, outputs(tmp / name))
    return made


# ---- a full disk --------------------------------------------------------------------------------


@pytest.mark.parametrize("executor", ["serial", "processes", "dask"])
def test_a_full_disk_in_the_workers_is_one_line_and_the_run_resumes(studies, tmp_path, executor):
    path, reference = studies["large"]
    out = tmp_path / "run"
    args = ("run", str(path), "--out", str(out), "--executor", executor, "--workers", "2")
    if executor == "serial":
        args = args[:-2]
    done = bargainlab(*args, cwd=tmp_path, fsize=100_000)
    assert done.returncode == 2, done.stderr
    line = one_line(done.stderr)
    assert f"{out / 'parts'}/task-0000" in line and ": cannot write: File too large;" in line
    assert "resumes" in line
    assert temp_files(out) == []
    again = bargainlab(*args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert outputs(out) == reference


@pytest.mark.parametrize("command_name", ["run", "plot"])
def test_a_full_disk_while_figures_are_written_ends_and_resumes(studies, tmp_path, command_name):
    path, reference = studies["small"]
    out = tmp_path / "run"
    run_args = ("run", str(path), "--out", str(out), "--executor", "serial")
    if command_name == "plot":
        assert bargainlab(*run_args, cwd=tmp_path).returncode == 0
        args: tuple[str, ...] = ("plot", str(out))
    else:
        args = run_args
    # the parts and tables fit under 30 kB, the figures (about 50 kB each) do not; they are
    # drawn by forked processes, which used to hang the command for ever
    done = bargainlab(*args, cwd=tmp_path, fsize=30_000)
    assert done.returncode == 2, done.stderr
    line = one_line(done.stderr)
    assert ".png: cannot write: File too large;" in line, line
    assert f"{out / 'figures'}/" in line, line  # the figure's own path, not a staging folder's
    assert temp_files(out) == []
    again = bargainlab(*args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    if command_name == "run":
        assert outputs(out) == reference
    else:
        assert bargainlab("plot", str(out), cwd=tmp_path).returncode == 0
        assert {k: v for k, v in outputs(out).items() if k.startswith("figures/")} == {
            k: v for k, v in reference.items() if k.startswith("figures/")
        }


# ---- a killed parent ----------------------------------------------------------------------------


def wait_for(condition, proc: subprocess.Popen, what: str, timeout: float = 300) -> None:
    """Poll ``condition()`` until it holds, failing if ``proc`` ends first."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, f"ended before {what}: {proc.stderr.read()}"
        assert time.monotonic() < deadline, f"no {what}"
        time.sleep(0.05)


def kill_and_wait(proc: subprocess.Popen) -> None:
    proc.kill()
    proc.wait()
    proc.stderr.close()
    assert_session_ends(proc.pid)


@pytest.mark.parametrize("executor", ["processes", "dask"])
def test_workers_die_with_their_killed_parent(studies, tmp_path, executor):
    path, _ = studies["large"]
    out = tmp_path / "run"
    proc = start(
        "run", str(path), "--out", str(out), "--executor", executor, "--workers", "2", cwd=tmp_path
    )
    try:
        # the run is simulating: its workers are up and the parts folder exists
        wait_for(lambda: len(session(proc.pid)) >= 4 and (out / "parts").is_dir(), proc, "workers")
    finally:
        kill_and_wait(proc)  # kill -9 of the parent only: its workers must follow it
    done = bargainlab(
        "run", str(path), "--out", str(out), "--executor", executor, "--workers", "2", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("executor", ["processes", "dask"])
def test_a_terminated_run_says_so_in_one_line_and_resumes(studies, tmp_path, executor):
    """``kill`` (SIGTERM) of the command while it simulates: it unwinds as Ctrl-C does (the
    workers stopped, the local cluster shut down, no resource left for the tracker to
    report), says so in one line, exits 143, and the same command finishes the run."""
    path, reference = studies["large"]
    out = tmp_path / "run"
    args = ("run", str(path), "--out", str(out), "--executor", executor, "--workers", "2")
    proc = start(*args, cwd=tmp_path)
    try:
        wait_for(lambda: len(session(proc.pid)) >= 4 and (out / "parts").is_dir(), proc, "workers")
        proc.terminate()
        status = proc.wait(timeout=60)
        err = proc.stderr.read()
    finally:
        if proc.poll() is None:
            kill_and_wait(proc)
    assert status == 143, err
    assert one_line(err) == (
        "bargainlab: error: terminated; start the same command again to resume where it stopped"
    )
    assert "leaked" not in err
    assert_session_ends(proc.pid)
    assert temp_files(out) == []
    done = bargainlab(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert outputs(out) == reference


def test_forked_figure_writers_die_with_their_killed_parent(studies, tmp_path):
    path, _ = studies["small"]
    out = tmp_path / "run"
    assert bargainlab("run", str(path), "--out", str(out), cwd=tmp_path).returncode == 0
    proc = start("plot", str(out), cwd=tmp_path)
    try:
        wait_for(lambda: len(psutil.Process(proc.pid).children()) >= 2, proc, "figure writers")
    finally:
        kill_and_wait(proc)
    assert bargainlab("plot", str(out), cwd=tmp_path).returncode == 0
    assert temp_files(out) == []  # plot removes what the killed one left


def test_a_killed_resource_tracker_prints_no_tracebacks(studies, tmp_path):
    path, reference = studies["large"]
    out = tmp_path / "run"
    proc = start(
        "run", str(path), "--out", str(out), "--executor", "dask", "--workers", "2", cwd=tmp_path
    )

    def tracker() -> list[psutil.Process]:
        found = []
        for p in session(proc.pid):
            try:  # a process of the run may end between the listing and the reading
                if "multiprocessing.resource_tracker import main" in " ".join(p.cmdline()):
                    found.append(p)
            except psutil.NoSuchProcess:
                continue
        return found

    try:
        wait_for(lambda: bool(tracker()) and (out / "parts").is_dir(), proc, "the resource tracker")
        for p in tracker():
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        _, err = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            kill_and_wait(proc)
    assert proc.returncode == 0, err
    assert "KeyError" not in err and "Traceback" not in err, err
    assert_session_ends(proc.pid)
    assert outputs(out) == reference


# ---- a scheduler address that is not one --------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("not a url", "'not a url' is not a scheduler address (missing port number"),
        ("tcp://127.0.0.1:1", "cannot reach a Dask scheduler at 'tcp://127.0.0.1:1'"),
        ("tcp://127.0.0.1:99999", "is not a scheduler address (host '127.0.0.1', port 99999)"),
    ],
)
def test_a_bad_scheduler_is_one_line_at_once(studies, tmp_path, address, expected):
    path, _ = studies["small"]
    done = bargainlab(
        "run", str(path), "--out", str(tmp_path / "run"), "--executor", "dask",
        "--scheduler", address, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    line = one_line(done.stderr)  # no 'Exception ignored in: Client.__del__', no TimeoutError
    assert line.startswith("bargainlab: error: --scheduler: ") and expected in line, line
    assert not (tmp_path / "run").exists()


def test_a_local_cluster_warns_of_no_taken_dashboard_port():
    """Dask's scheduler serves HTTP on port 8787 by default and warns on stderr when it is
    taken (by another cluster): a local cluster's scheduler takes a free port instead."""
    with socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            taken.bind(("0.0.0.0", 8787))
            taken.listen()
        except OSError:
            pass  # taken already: the same case
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cluster, client = local_cluster(1)
            client.close()
            cluster.close()
    assert [str(w.message) for w in caught if "8787" in str(w.message)] == []


# ---- nothing imported from the current folder ---------------------------------------------------


@pytest.mark.parametrize("strategy", ["nope", "planted"])
def test_python_m_imports_nothing_planted_in_the_current_folder(tmp_path, strategy):
    # an installed distribution's metadata and its module, planted where the command runs
    info = tmp_path / "planted-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: planted\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[bargainlab.strategies]\nplanted = planted_mod:Planted\nnope = planted_mod:Planted\n"
    )
    marker = tmp_path / "imported"
    (tmp_path / "planted_mod.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    text = tiny_study_toml('name = "t"\nreplicates = 4\nseed = 1\n\n')
    (tmp_path / "study.toml").write_text(
        text.replace('name = "time_dependent"\n', f'name = "{strategy}"\n', 1)
    )
    done = subprocess.run(
        [sys.executable, "-m", "bargainlab", "validate", "study.toml"],
        cwd=tmp_path,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert f"unknown strategy {strategy!r}" in line
    assert not marker.exists(), "a module of the current folder was imported"
