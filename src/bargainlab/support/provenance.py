"""Where the running bargainlab comes from: its source tree, and the commit it was built from.

A run records the commit of bargainlab itself, never that of the folder it is started in:

1. When the package is imported from a checkout (``<root>/src/bargainlab``, with
   ``<root>/pyproject.toml`` naming bargainlab and ``<root>/.git``), ``git`` runs in
   ``<root>`` (and only there: the user's environment cannot point it elsewhere, it does not
   search parent folders, and no file-system monitor hook runs) for the commit and whether
   tracked files changed.
2. Otherwise the commit recorded when the package was built (``bargainlab/_build_info.json``,
   written by the build from the source tree it was built from).
3. Otherwise none (``None``): e.g. a package built from an archive without git history.

No external program ever runs with the user's current folder as its repository.
"""

from __future__ import annotations

import json
import os
import subprocess
from importlib import resources
from pathlib import Path
from typing import Any

BUILD_INFO = "_build_info.json"
"""File the build writes into the package: ``{"commit": sha or null, "dirty": bool or null}``."""


def source_root() -> Path | None:
    """The checkout this package is imported from (``<root>/src/bargainlab``), or ``None``."""
    package = Path(__file__).resolve().parent.parent  # bargainlab/support/provenance.py
    root = package.parent.parent
    if package.parent.name != "src":
        return None
    try:
        text = (root / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return None
    return root if 'name = "bargainlab"' in text else None


def build_info() -> dict[str, Any] | None:
    """The commit recorded when the installed package was built, if it was."""
    try:
        text = (resources.files("bargainlab") / BUILD_INFO).read_text(encoding="utf-8")
        info = json.loads(text)
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None


def git_in(root: Path, *args: str) -> str | None:
    """Run ``git`` on the repository at ``root`` only; its output, or ``None`` on failure."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CEILING_DIRECTORIES=str(root.parent), GIT_OPTIONAL_LOCKS="0")
    command = ["git", "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", *args]
    try:
        out = subprocess.run(
            command, cwd=root, env=env, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def package_commit() -> dict[str, Any]:
    """``{"commit": sha or None, "dirty": bool or None, "source": how it was found}`` of
    bargainlab itself (see the module docstring); ``source`` is ``"checkout"``, ``"build"``
    or ``None``."""
    root = source_root()
    if root is not None and (root / ".git").exists():
        top = git_in(root, "rev-parse", "--show-toplevel")
        if top is not None and Path(top).resolve() == root:
            commit = git_in(root, "rev-parse", "HEAD")
            status = git_in(root, "status", "--porcelain", "--untracked-files=no")
            if commit:
                dirty = None if status is None else bool(status)
                return {"commit": commit, "dirty": dirty, "source": "checkout"}
    info = build_info()
    if info and info.get("commit"):
        return {"commit": info["commit"], "dirty": info.get("dirty"), "source": "build"}
    return {"commit": None, "dirty": None, "source": None}


__all__ = ["BUILD_INFO", "build_info", "git_in", "package_commit", "source_root"]
