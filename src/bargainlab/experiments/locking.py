"""One writer per run folder: an advisory lock on ``<run folder>/.lock``.

A run, ``plot`` and ``report`` hold the lock of their run folder while they write it. The
lock is an operating-system lock on an open file (``flock`` on POSIX, ``msvcrt.locking`` on
Windows): the system releases it when the process ends, however it ends, so a killed run
never leaves a stale lock behind. A second process that finds the folder locked does not
wait and does not touch anything: it stops with a :class:`ConfigError` (exit status 2)
naming the process that holds the lock. The ``.lock`` file itself stays in the folder; it
only holds the process id and host of the last writer.

Within one process the lock is re-entrant, so a function that takes it may call another
that takes it too.
"""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..config.errors import ConfigError
from ..support.files import SymlinkError, WriteError

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt

LOCK_NAME = ".lock"

_held: dict[str, tuple[int, int]] = {}
"""Locks this process holds: resolved folder -> (file descriptor, depth)."""


def _try_lock(fd: int) -> bool:
    """Take the lock on the open file ``fd`` without waiting; ``False`` when another process
    holds it (any other error is raised)."""
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:  # pragma: no cover - Windows
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK, errno.EDEADLK):
            return False
        raise
    return True


def _holder(fd: int) -> str:
    """Who holds the lock, from the lock file's ``<pid> <host>`` line, for the message."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 200).decode("utf-8", "replace").split()
    except OSError:
        text = []
    return f"process {text[0]} on {text[1]}" if len(text) >= 2 else "another process"


@contextmanager
def run_lock(folder: str | Path, field: str | None = "--out") -> Iterator[None]:
    """Hold the lock of the run folder ``folder`` (created if needed) for the ``with`` block.

    Raises :class:`ConfigError` (naming ``field``) when another process holds it, and
    :class:`~bargainlab.support.files.SymlinkError` when ``.lock`` is a symbolic link.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError(folder, exc) from None
    key = str(folder.resolve())
    if key in _held:
        fd, depth = _held[key]
        _held[key] = (fd, depth + 1)
        try:
            yield
        finally:
            fd, depth = _held[key]
            _held[key] = (fd, depth - 1)
        return
    path = folder / LOCK_NAME
    if path.is_symlink():
        raise SymlinkError(path)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o666)
    except OSError as exc:
        raise WriteError(path, exc) from None
    try:
        if not _try_lock(fd):
            raise ConfigError(
                folder,
                field,
                f"{_holder(fd)} is writing this run folder (it holds {path.name}); wait until "
                "it has finished and start the command again, or choose another folder",
            )
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, f"{os.getpid()} {socket.gethostname()}\n".encode())
        _held[key] = (fd, 1)
        try:
            yield
        finally:
            del _held[key]
    finally:
        os.close(fd)  # releases the lock


__all__ = ["LOCK_NAME", "run_lock"]
