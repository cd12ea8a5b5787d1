"""Running the command line in processes of their own, and checking what a run leaves:
its processes (by session), its temporary files, and its outputs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]

DEADLINE = 30.0
"""Seconds within which every process of a killed run must have ended."""

MANIFEST_RUN_KEYS = {"started", "completed", "timings", "memory"}
"""What the manifest of a resumed run may hold differently: when and how fast it ran."""


def command(*args: str, fsize: int | None = None) -> list[str]:
    """``bargainlab ARGS`` in a fresh interpreter, its file size limited to ``fsize``
    bytes (``RLIMIT_FSIZE``, inherited by its workers: a write beyond it fails with
    ``EFBIG``, as on a full disk)."""
    code = "import resource, runpy, sys\n"
    if fsize is not None:
        code += f"resource.setrlimit(resource.RLIMIT_FSIZE, ({fsize}, {fsize}))\n"
    code += "sys.argv = ['bargainlab', *sys.argv[1:]]\n"
    code += "runpy.run_module('bargainlab', run_name='__main__')\n"
    return [sys.executable, "-c", code, *args]


def environment() -> dict[str, str]:
    """The environment of a command: this checkout's package, no display."""
    return {**os.environ, "PYTHONPATH": str(ROOT / "src"), "MPLBACKEND": "Agg"}


def bargainlab(*args: str, cwd: Path, fsize: int | None = None) -> subprocess.CompletedProcess:
    """Run the command to its end in a session of its own (a hang fails the test), and
    check that it left no process."""
    proc = subprocess.Popen(
        command(*args, fsize=fsize),
        cwd=cwd,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert_session_ends(proc.pid)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def start(*args: str, cwd: Path) -> subprocess.Popen:
    """Start the command in a session of its own; its stderr is piped."""
    return subprocess.Popen(
        command(*args),
        cwd=cwd,
        env=environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def session(sid: int) -> list[psutil.Process]:
    """The live processes of session ``sid`` (zombies excluded: they have ended)."""
    found = []
    for p in psutil.process_iter(["status"]):
        try:
            if os.getsid(p.pid) == sid and p.info["status"] != psutil.STATUS_ZOMBIE:
                found.append(p)
        except (ProcessLookupError, PermissionError, psutil.Error):
            continue
    return found


def assert_session_ends(sid: int) -> None:
    """Poll until no process of session ``sid`` is alive; fail after :data:`DEADLINE`."""
    deadline = time.monotonic() + DEADLINE
    while (alive := session(sid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive, [" ".join(p.cmdline())[:120] for p in alive if p.is_running()]


def temp_files(folder: Path) -> list[Path]:
    """The temporary files and folders an interrupted write would leave."""
    return [p for p in folder.rglob("*") if p.name.startswith(".tmp-")]


def outputs(folder: Path) -> dict[str, bytes]:
    """Every file the run wrote, the manifest without its dates, timings and memory."""
    files = {
        str(p.relative_to(folder)): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and p.name not in (".lock", "manifest.json")
    }
    manifest = json.loads((folder / "manifest.json").read_text())
    kept = {k: v for k, v in manifest.items() if k not in MANIFEST_RUN_KEYS}
    files["manifest.json"] = json.dumps(kept, sort_keys=True).encode()
    return files
