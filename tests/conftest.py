"""Shared fixtures, markers and settings of the test suite.

The suite is organised by kind: ``unit/`` (one concept at a time), ``property/`` (invariants
with hypothesis), ``scripted/`` (every strategy against a scripted opponent), ``golden/``
(committed results and shipped studies) and ``e2e/`` (the command line, run folders and
executors, end to end). Everything under ``e2e/`` and ``property/`` (hypothesis draws many
examples) is marked ``slow``, as is any test marked so by hand (those that start processes
or play a long relationship): ``pytest -m "not slow"`` is the quick loop, CI runs everything.

The tests run in one process per core (pytest-xdist, ``-n logical --dist loadscope`` in
pyproject's ``addopts``; ``-n0`` runs them in this process), each with one BLAS thread, as
the forked workers of a run have: a thread pool in every test process would oversubscribe
the cores. A module's tests run in one process, in order, so that a module-scoped fixture
(a study run) is made once.
"""

from __future__ import annotations

import os

if os.environ.get("PYTEST_XDIST_WORKER"):  # before NumPy loads (and for the commands run)
    for _threads in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_threads, "1")

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from threadpoolctl import threadpool_limits

from bargainlab.experiments.runstore import toml_dumps
from studies import study_dict

if os.environ.get("PYTEST_XDIST_WORKER"):  # in case NumPy loaded before the variables were set
    threadpool_limits(limits=1, user_api="blas")

os.environ.setdefault("MPLBACKEND", "Agg")

settings.register_profile("default", deadline=None, max_examples=40)
settings.register_profile("ci", deadline=None, max_examples=150)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        parents = Path(str(item.fspath)).parents
        if HERE / "e2e" in parents or HERE / "property" in parents:
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty current folder (a run's default ``--out`` is ``runs/<study>`` under it)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def study_file(tmp_path: Path) -> Callable[..., Path]:
    """Write a study file and return its path.

    ``study_file(**overrides)`` writes :data:`studies.TACTICS_STUDY` with the overrides (see
    :func:`studies.overridden`); ``study_file(text=...)`` writes the given TOML text instead.
    ``folder`` (default: the test's temporary folder) and ``name`` (default ``study.toml``)
    say where.
    """

    def write(
        text: str | None = None,
        *,
        folder: Path | None = None,
        name: str = "study.toml",
        **overrides: Any,
    ) -> Path:
        path = (folder or tmp_path) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if text is None:
            text = toml_dumps(study_dict(**overrides))
        elif overrides:
            raise TypeError("give either text or overrides, not both")
        path.write_text(text, encoding="utf-8")
        return path

    return write
