"""The soak test: a small study killed (SIGKILL) 50 times at random moments, each time
resumed by the same command, ends with exactly the outputs of an uninterrupted run, and
leaves no process and no temporary file behind.

The moments are drawn from a seeded generator, uniformly over the time an uninterrupted run
takes, so the kills fall while the fork server starts, while tasks run and their parts are
written, while the tables are assembled, while the summary is computed and while the
figures are drawn by forked processes. A run is killed again and again until one finishes
(a chain); the chains alternate between the serial executor and two worker processes.

Runs are started by a launcher process that has imported bargainlab once and forks a fresh
process, in a session of its own, for each run, so that 50 kills do not cost 50 imports of
the numerical stack.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from running import ROOT, assert_session_ends, outputs, temp_files
from studies import tiny_study_toml

KILLS = 50
SEED = 20260521

STUDY = tiny_study_toml(
    textwrap.dedent(
        """\
        name = "soak"
        replicates = 8
        seed = 3
        chunk = 2

        [rounds]
        count = 3

        """
    ),
    sweep='"rounds.rho" = [0.0, 0.5]\n',
)

LAUNCHER = textwrap.dedent(
    """\
    import json, os, signal, sys, time
    import bargainlab.experiments.tasks
    from bargainlab.cli.commands import main

    # tasks of one chunk each (no stacking): several tasks, so a kill can fall between them
    bargainlab.experiments.tasks.TASK_RELATIONSHIPS = 1
    for line in sys.stdin:
        order = json.loads(line)
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            os.setsid()
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.dup2(null, 2)
            try:
                status = main(order["argv"])
            except BaseException:
                status = 99
            os._exit(status)
        killed = False
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if order["kill_after"] is not None and time.monotonic() - started >= order["kill_after"]:
                os.kill(pid, signal.SIGKILL)
                killed = True
                _, status = os.waitpid(pid, 0)
                break
            time.sleep(0.005)
        print(json.dumps({
            "pid": pid, "killed": killed, "status": os.waitstatus_to_exitcode(status),
            "seconds": time.monotonic() - started,
        }), flush=True)
    """
)


class Launcher:
    """The launcher process: ``run(argv, kill_after)`` runs the command line in a fresh
    forked process, killing it after ``kill_after`` seconds unless it has ended."""

    def __init__(self, cwd: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "MPLBACKEND": "Agg"}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, argv: list[str], kill_after: float | None = None) -> dict:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"argv": argv, "kill_after": kill_after}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "the launcher died"
        return json.loads(line)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


@pytest.mark.slow
def test_fifty_random_kills_each_resumed_give_the_uninterrupted_outputs(tmp_path):
    study = tmp_path / "soak.toml"
    study.write_text(STUDY, encoding="utf-8")
    launcher = Launcher(tmp_path)
    try:
        reference = launcher.run(["run", str(study), "--out", str(tmp_path / "reference")])
        assert reference["status"] == 0
        expected = outputs(tmp_path / "reference")
        # kill moments: uniform over an uninterrupted run, once the caches are warm
        warm = launcher.run(["run", str(study), "--out", str(tmp_path / "warm")])
        assert warm["status"] == 0 and outputs(tmp_path / "warm") == expected
        span = warm["seconds"]
        rng = np.random.default_rng(SEED)
        kills = chains = 0
        while kills < KILLS:
            executor = ["--executor", "serial"] if chains % 2 == 0 else ["--workers", "2"]
            out = tmp_path / f"chain-{chains}"
            argv = ["run", str(study), "--out", str(out), *executor]
            killed_here = 0
            while True:  # killed again and again until a run finishes
                result = launcher.run(argv, kill_after=float(rng.uniform(0.0, span)))
                assert_session_ends(result["pid"])  # its workers went with it
                if not result["killed"]:
                    break
                killed_here += 1
                assert killed_here < 200, "the run never gets far enough to finish"
            kills += killed_here
            assert result["status"] == 0, (chains, killed_here, result)
            assert temp_files(out) == [], chains
            assert outputs(out) == expected, f"chain {chains} differs after {killed_here} kill(s)"
            chains += 1
    finally:
        launcher.close()
    assert kills >= KILLS and chains >= 2
