"""Build hook: record the commit bargainlab is built from in the package.

Everything else about the build is in pyproject.toml. When a wheel is built from a git
checkout of bargainlab (``pip install .`` from its root), this writes
``bargainlab/_build_info.json`` = ``{"commit": ..., "dirty": ...}`` into the built package, so
an installed bargainlab records its own commit in every run's manifest without running git
at run time. git runs only on the checkout being built (its top level must be the folder of
this file); from an archive without history the commit is ``null``.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def _git(*args: str) -> str | None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CEILING_DIRECTORIES=str(HERE.parent), GIT_OPTIONAL_LOCKS="0")
    try:
        out = subprocess.run(
            ["git", "-c", "core.fsmonitor=false", *args],
            cwd=HERE,
            env=env,
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def build_info() -> dict[str, object]:
    top = _git("rev-parse", "--show-toplevel")
    if top is None or Path(top).resolve() != HERE:
        return {"commit": None, "dirty": None}
    status = _git("status", "--porcelain", "--untracked-files=no")
    return {"commit": _git("rev-parse", "HEAD"), "dirty": None if status is None else bool(status)}


class BuildPyWithCommit(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the commit from its checkout at run time
        target = Path(self.build_lib) / "bargainlab" / "_build_info.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(build_info()) + "\n", encoding="utf-8")


setup(cmdclass={"build_py": BuildPyWithCommit})
