"""``run_study`` works from ``python -`` (a script on standard input), ``python -c`` and a
notebook-like session, on every executor (issue 20, item 9): a main module that has no file
is not re-run by the workers (it was, from ``<stdin>``, and every worker died:
BrokenProcessPool after minutes). Each case runs in a fresh process with a strategy defined
in its main module."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from test_user_strategies import SRC, STRATEGY, STUDY

from bargainlab.experiments import mainmodule

pytestmark = pytest.mark.slow

RUNS = textwrap.dedent(
    """
    import pandas as pd
    import bargainlab

    runs = {
        executor: bargainlab.run_study(
            "study.toml", executor, executor=executor, workers=2, progress=False
        )
        for executor in ("serial", "processes", "dask")
    }
    for run in runs.values():
        pd.testing.assert_frame_equal(runs["serial"].rounds, run.rounds)
    assert "split_difference" in set(runs["serial"].rounds["strategy"])
    print("OK")
    """
)

NOTEBOOK = textwrap.dedent(
    """
    import __main__
    # a kernel runs each cell's code in the main module's namespace, compiled from text
    for number, cell in enumerate(CELLS):
        exec(compile(cell, f"<ipython-input-{number}>", "exec"), __main__.__dict__)
    """
)


def _python(args: list[str], cwd: Path, stdin: str | None = None) -> str:
    env = {**os.environ, "PYTHONPATH": SRC, "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, input=stdin, capture_output=True,
        text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr[-4000:]
    assert "BrokenProcessPool" not in done.stderr
    return done.stdout


@pytest.mark.parametrize("how", ["stdin", "-c", "notebook"])
def test_run_study_from_a_main_module_without_a_file_on_every_executor(tmp_path, how):
    (tmp_path / "study.toml").write_text(STUDY % "split_difference")
    code = STRATEGY + RUNS
    if how == "stdin":
        out = _python(["-"], tmp_path, stdin=code)
    elif how == "-c":
        out = _python(["-c", code], tmp_path)
    else:
        cells = repr([STRATEGY, RUNS])
        out = _python(["-c", f"CELLS = {cells}\n" + NOTEBOOK], tmp_path)
    assert out.splitlines()[-1] == "OK"


def test_only_a_main_module_without_a_file_is_hidden_and_it_comes_back(monkeypatch, tmp_path):
    import __main__

    monkeypatch.setattr(__main__, "__file__", "<stdin>", raising=False)
    with mainmodule.workers_skip_main():
        assert not hasattr(__main__, "__file__")
    assert __main__.__file__ == "<stdin>"
    script = tmp_path / "script.py"
    script.write_text("")
    monkeypatch.setattr(__main__, "__file__", str(script))
    assert mainmodule.unimportable_main() is None
    with mainmodule.workers_skip_main():
        assert __main__.__file__ == str(script)
