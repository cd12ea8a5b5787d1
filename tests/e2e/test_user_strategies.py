"""A user's own strategy works with every executor: from a notebook-like session, from a
script through the command line, and from an installed plugin.

Each case runs in a fresh Python process, as a user would: the strategy exists only in that
process (or in the installed plugin), never in the test's own registry.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd

SRC = str(Path(__file__).resolve().parents[2] / "src")

STRATEGY = '''
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from bargainlab import Offer, Strategy, register


@register
@dataclass(frozen=True)
class SplitDifference(Strategy):
    """Opens at its ideal, moves towards the midpoint; accepts anything worth `floor`."""

    name: ClassVar[str] = "split_difference"
    floor: float = 0.45

    def propose(self, view, state, step):
        t = view.relative_time(step)
        return Offer.plain(view.position(np.broadcast_to(1.0 - 0.5 * t, (view.n,))))

    def respond(self, view, state, step, offer):
        return self.accept_if(view, offer, np.full(view.n, self.floor))
'''

STUDY = """\
name = "split"
replicates = 6
seed = 11
chunk = 2

[game]
horizon = 8

[rounds]
count = 2

[parties.supplier]
prefers = "high"
reservation_value = { low = 0.1, high = 0.4 }

[parties.dealer]
prefers = "low"
reservation_value = 0.2

[strategies.supplier]
name = "%s"
params = { floor = 0.4 }

[arms]
party = "dealer"
[arms.strategies.boulware]
name = "boulware"
[arms.strategies.conceder]
name = "conceder"
"""


def _python(args: list[str], cwd: Path, extra_path: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (SRC, extra_path) if p)}
    env["MPLBACKEND"] = "Agg"
    done = subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_a_notebook_strategy_runs_on_every_executor(tmp_path):
    """``python -c``: like a notebook, the main module has no file the workers could re-run,
    so the class must travel with the tasks."""
    (tmp_path / "study.toml").write_text(STUDY % "split_difference")
    code = STRATEGY + textwrap.dedent(
        """
        import threading

        import pandas as pd
        from distributed import LocalCluster

        import bargainlab
        from bargainlab.config.files import ConfigError, load_study
        from bargainlab.experiments.executors import ProcessExecutor, SerialExecutor
        from bargainlab.experiments.tasks import make_tasks, plan_tasks, task_function
        from bargainlab.experiments.shipping import cells_strategy_fields, pack

        serial = bargainlab.run_study("study.toml", "serial", executor="serial", progress=False)
        forkserver = bargainlab.run_study(
            "study.toml", "forkserver", executor="processes", workers=2, progress=False
        )
        pd.testing.assert_frame_equal(serial.rounds, forkserver.rounds)

        # the spawn start method, task by task
        loaded = load_study("study.toml")
        payload = pack(cells_strategy_fields(loaded.cells))
        plan = plan_tasks(loaded.cells, replicates=6, chunk=2)
        tasks = list(make_tasks(loaded.cells, plan, root_seed=11, strategies=payload))
        with SerialExecutor() as pool:
            here = {r.index: r.checksums for r in pool.imap_unordered(task_function(), tasks)}
        with ProcessExecutor(2, start_method="spawn") as pool:
            spawned = {r.index: r.checksums
                       for r in pool.imap_unordered(task_function(), tasks)}
        assert here == spawned and len(here) == len(plan)

        with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, host="127.0.0.1",
                          dashboard_address=None) as cluster:
            dask = bargainlab.run_study("study.toml", "dask", executor="dask",
                                        scheduler=cluster.scheduler_address, progress=False)
        pd.testing.assert_frame_equal(serial.rounds, dask.rounds)
        assert "split_difference" in set(serial.rounds["strategy"])

        # a class that cannot travel is refused before anything is written
        LOCK = threading.Lock()

        @register
        @dataclass(frozen=True)
        class Locked(SplitDifference):
            name: ClassVar[str] = "locked"

            def start(self, view):
                with LOCK:
                    return {}

        text = open("study.toml").read().replace('"split_difference"', '"locked"')
        open("locked.toml", "w").write(text)
        try:
            bargainlab.run_study("locked.toml", "locked", executor="processes", progress=False)
        except ConfigError as exc:
            print("refused:", exc)
        import os
        assert not os.path.exists("locked")
        print("OK")
        """
    )
    done = _python(["-c", code], tmp_path)
    assert done.stdout.splitlines()[-1] == "OK"
    assert "refused: locked.toml: strategies.supplier.name: strategy 'locked'" in done.stdout
    assert "cannot be sent to the workers" in done.stdout


def test_a_script_strategy_runs_through_the_command_line_with_processes(tmp_path):
    (tmp_path / "study.toml").write_text(STUDY % "split_difference")
    script = STRATEGY + textwrap.dedent(
        """
        import sys

        from bargainlab.cli import main

        if __name__ == "__main__":
            for executor in ("serial", "processes"):
                status = main(["run", "study.toml", "--executor", executor, "--out", executor])
                if status:
                    sys.exit(status)
        """
    )
    (tmp_path / "run_mine.py").write_text(script)
    done = _python(["run_mine.py"], tmp_path)
    assert "run folder: processes" in done.stdout
    serial = pd.read_parquet(tmp_path / "serial" / "rounds.parquet")
    processes = pd.read_parquet(tmp_path / "processes" / "rounds.parquet")
    pd.testing.assert_frame_equal(serial, processes)
    assert "split_difference" in set(serial["strategy"])


def test_a_plugin_strategy_runs_by_name_from_the_command_line(tmp_path):
    site = tmp_path / "site"
    info = site / "split_plugin-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: split-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[bargainlab.strategies]\nsplit_difference = split_plugin:SplitDifference\n"
    )
    (site / "split_plugin.py").write_text(STRATEGY.replace("@register\n", ""))
    (tmp_path / "study.toml").write_text(STUDY % "split_difference")
    validated = _python(["-m", "bargainlab", "validate", "study.toml"], tmp_path, str(site))
    assert "ok: study 'split'" in validated.stdout
    for executor in ("serial", "processes"):
        _python(
            ["-m", "bargainlab", "run", "study.toml", "--executor", executor, "--out", executor],
            tmp_path,
            str(site),
        )
    serial = pd.read_parquet(tmp_path / "serial" / "rounds.parquet")
    processes = pd.read_parquet(tmp_path / "processes" / "rounds.parquet")
    pd.testing.assert_frame_equal(serial, processes)
    assert "split_difference" in set(serial["strategy"])
    # without the plugin installed the name is unknown, and nothing is written
    env = {**os.environ, "PYTHONPATH": SRC}
    missing = subprocess.run(
        [sys.executable, "-m", "bargainlab", "run", "study.toml", "--out", "none"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert missing.returncode == 2
    assert "unknown strategy 'split_difference'" in missing.stderr
    assert not (tmp_path / "none").exists()
