"""Writing files safely: atomically, readable by others, never through a symbolic link, and
with one clear error when the operating system refuses.

* :func:`atomic_path` yields a temporary file next to the target and moves it into place
  with :func:`os.replace` once it is complete and synced, so nothing ever appears
  half-written under its final name. The temporary file is created with mode ``0o666``
  filtered by the process's umask, like any file a program creates (``0644`` under the
  usual ``022``), not ``0600`` as :func:`tempfile.mkstemp` would make it.
* :func:`safe_folder` creates folders below a root and refuses to go through a symbolic
  link that sits inside it, so a link planted in a run folder cannot redirect a write.
* An :class:`OSError` while writing (a full disk, a read-only file system, ...) becomes a
  :class:`WriteError` naming the final path and the cause; the temporary file is removed.
"""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TMP_PREFIX = ".tmp-"
"""Prefix of every temporary file or folder; an interrupted write leaves only such names."""


class WriteError(OSError):
    """Writing ``path`` failed because of the operating system (``cause``)."""

    def __init__(self, path: str | Path, cause: OSError, hint: str = "") -> None:
        """``hint`` says what to do; by default, that the same command resumes."""
        super().__init__(cause.errno, cause.strerror or str(cause), str(path))
        self.path = Path(path)
        self.cause = cause
        self.hint = hint or (
            "nothing was left half-written; once the cause is fixed, the same command "
            "resumes where it stopped"
        )

    def __str__(self) -> str:
        """``path: cannot write: cause; hint``."""
        return f"{self.path}: cannot write: {self.strerror}; {self.hint}"

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by the constructor's arguments, so that the error a worker process raises
        reaches the parent whole (:class:`OSError` would pickle its three ``args``, which
        this constructor does not take). The cause travels as a plain :class:`OSError`
        with its number, message and file name, which any process can rebuild."""
        cause = self.cause
        if cause.errno is None:
            plain = OSError(str(cause))
        elif cause.filename is None:
            plain = OSError(cause.errno, cause.strerror)
        else:
            plain = OSError(cause.errno, cause.strerror, cause.filename)
        return (type(self), (self.path, plain, self.hint))


class SymlinkError(WriteError):
    """A folder on the way to a file to write is a symbolic link inside the root."""

    def __init__(self, path: str | Path) -> None:
        """The link at ``path``, with the hint to remove it."""
        super().__init__(
            path,
            OSError(errno.ELOOP, "it is a symbolic link"),
            "bargainlab never writes through symbolic links inside a run folder; "
            "remove the link (the folder is recreated) and start the command again",
        )

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by the one argument this constructor takes (see :meth:`WriteError.__reduce__`)."""
        return (type(self), (self.path,))


def create_temp(folder: str | Path, name: str) -> Path:
    """Create an empty temporary file ``.tmp-<name>.<random>`` in ``folder`` (mode ``0o666``
    minus the umask, never following a link) and return its path."""
    folder = Path(folder)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        path = folder / f"{TMP_PREFIX}{name}.{secrets.token_hex(6)}"
        try:
            fd = os.open(path, flags, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return path
    raise FileExistsError(errno.EEXIST, "no unused temporary name", str(folder))


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path in ``path``'s folder; on success move it to ``path``.

    The temporary name starts with ``.tmp-`` so an interrupted write is recognisable (a run
    folder removes such files when it is opened again). Nothing ever appears half-written
    under ``path``. An :class:`OSError` becomes a :class:`WriteError` naming ``path``.
    """
    path = Path(path)
    try:
        tmp = create_temp(path.parent, path.name)
    except OSError as exc:
        raise WriteError(path, exc) from None
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, WriteError):
            raise WriteError(path, exc) from None
        raise


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically (see :func:`atomic_path`)."""
    write_bytes_atomic(path, text.encode("utf-8"))


def safe_folder(root: str | Path, *parts: str) -> Path:
    """The folder ``root/parts...``, created as needed, none of whose parts below ``root`` is
    a symbolic link (:class:`SymlinkError` otherwise; ``root`` itself may be one, as the user
    chose it)."""
    folder = Path(root)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError(folder, exc) from None
    for part in parts:
        folder = folder / part
        if folder.is_symlink():
            raise SymlinkError(folder)
        try:
            folder.mkdir(exist_ok=True)
        except FileExistsError:
            raise WriteError(folder, OSError(errno.ENOTDIR, "exists and is not a folder")) from None
        except OSError as exc:
            raise WriteError(folder, exc) from None
    return folder


def check_inside(root: str | Path, path: str | Path) -> Path:
    """``path`` if it lies inside ``root`` with no symbolic link between them, else raise
    :class:`SymlinkError` (for a link) or :class:`ValueError` (for a path outside)."""
    root, path = Path(root), Path(path)
    relative = path.relative_to(root)  # ValueError when outside
    if ".." in relative.parts:
        raise ValueError(f"{path} leaves {root}")
    node = root
    for part in relative.parts[:-1]:
        node = node / part
        if node.is_symlink():
            raise SymlinkError(node)
    return path


__all__ = [
    "TMP_PREFIX",
    "SymlinkError",
    "WriteError",
    "atomic_path",
    "check_inside",
    "create_temp",
    "safe_folder",
    "write_bytes_atomic",
    "write_text_atomic",
]
