"""CI installs the browser the report.html test needs only when it is missing (issue 20,
item 5): the guard of ``.ci/run`` runs apt-get (through sudo when not root) for Debian's
chromium and chromium-driver when either is missing, and leaves a machine that has both alone."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[2] / ".ci" / "run"


def _guard() -> str:
    """The browser guard of .ci/run: from its ``if`` to its ``fi``."""
    lines = SCRIPT.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("if ! command -v chromium"))
    end = next(i for i in range(start, len(lines)) if lines[i] == "fi")
    return "\n".join(["set -euo pipefail", *lines[start : end + 1]])


def _run(tmp_path: Path, present: tuple[str, ...]) -> list[str]:
    """Run the guard with only ``present`` (and the fake apt-get, sudo, env, id) on the
    PATH; the apt-get calls it made."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True)
    calls = tmp_path / "calls"
    fakes = {
        "apt-get": f'echo "apt-get $*" >> {calls}',
        "sudo": '"$@"',
        "env": 'while [ "${1#*=}" != "$1" ]; do shift; done; "$@"',
        "id": "echo 1000",
        **{name: "true" for name in present},
    }
    for name, body in fakes.items():
        (bin_dir / name).write_text(f"#!/bin/bash\n{body}\n")
        (bin_dir / name).chmod(0o755)
    bash = "/bin/bash"
    done = subprocess.run(
        [bash, "-c", _guard()], env={**os.environ, "PATH": str(bin_dir)}, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return calls.read_text().splitlines() if calls.exists() else []


@pytest.mark.skipif(not Path("/bin/bash").exists(), reason="needs bash")
def test_the_browser_is_installed_only_when_missing(tmp_path):
    assert _run(tmp_path / "both", ("chromium", "chromedriver")) == []
    calls = _run(tmp_path / "no-driver", ("chromium",))
    assert calls[0] == "apt-get update -qq"
    assert calls[1].startswith("apt-get install") and calls[1].endswith("chromium chromium-driver")
