"""One writer per run folder: an advisory lock on ``<run folder>/.lock``.

A run, ``plot`` and ``report`` hold the lock of their run folder while they write it. The
lock is an operating-system lock on an open file (``flock`` on POSIX, ``msvcrt.locking`` on
Windows): the system releases it when the process ends, however it ends, so a killed run
never leaves a stale lock behind. A second process that finds the folder locked does not
wait and does not touch anything: it stops with a :class:`ConfigError` (exit status 2)
naming the process that holds the lock. The ``.lock`` file holds the process id and host
of the writer, and the writer removes it when it lets go, so a finished run folder has none
(a killed writer's stays behind, unlocked, and the next writer takes it over). Since a file
can be removed while another process has it open, a writer that has taken the lock checks
that ``.lock`` is still the file it locked, and starts again if not.

Within one process the lock is re-entrant, so a function that takes it may call another
that takes it too.
"""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
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
    fd = _take(folder, path, field)
    try:
        _held[key] = (fd, 1)
        try:
            yield
        finally:
            del _held[key]
            # removed while still held, so no one else can have locked it; a folder that
            # cannot lose it (read-only, removed meanwhile) keeps or needs no lock file
            with suppress(OSError):
                path.unlink()
    finally:
        os.close(fd)  # releases the lock


def _take(folder: Path, path: Path, field: str | None) -> int:
    """Open ``path``, lock it and write the holder's line; the open file descriptor.

    A lock taken on a file that its previous holder has meanwhile removed locks nothing
    another process can see: then the file is opened again (the new one is a fresh file).
    """
    while True:
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
                    f"{_holder(fd)} is writing this run folder (it holds {path.name}); wait "
                    "until it has finished and start the command again, or choose another "
                    "folder",
                )
            if _same_file(fd, path):
                os.ftruncate(fd, 0)
                os.lseek(fd, 0, os.SEEK_SET)
                os.write(fd, f"{os.getpid()} {socket.gethostname()}\n".encode())
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)


def _same_file(fd: int, path: Path) -> bool:
    """Whether ``path`` still names the open file ``fd``."""
    try:
        named = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (mine.st_dev, mine.st_ino)


__all__ = ["LOCK_NAME", "run_lock"]
