"""How a command ends when it is stopped from outside: terminated (``SIGTERM``, as ``kill``
or a job scheduler sends) or left without a reader for its output (``bargainlab ... | head``).

A terminated command unwinds as an interrupted one does (Ctrl-C): the executor stops its
workers, the local Dask cluster shuts down, every write stays atomic; it says so in one line
and exits with ``128 + SIGTERM``. A command whose reader went away ends quietly with
``128 + SIGPIPE``, as a shell reports a command a closed pipe stopped.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["STDOUT_CLOSED", "TERMINATED", "Terminated", "stdout_closed", "terminate_as_interrupt"]

TERMINATED = 128 + signal.SIGTERM
"""The exit status of a command ended by ``SIGTERM`` (143)."""

STDOUT_CLOSED = 128 + signal.SIGPIPE
"""The exit status when the reader of the output went away (141)."""


class Terminated(KeyboardInterrupt):
    """``SIGTERM`` in the command: a :class:`KeyboardInterrupt`, so that it unwinds by the
    paths an interrupt takes (workers stopped, nothing half-written)."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    """The ``SIGTERM`` handler of a running command."""
    raise Terminated


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """While the block runs, ``SIGTERM`` raises :class:`Terminated` in the main thread; the
    previous handler is put back after it (a caller such as a test keeps its own). Outside
    the main thread, where no handler can be set, nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def stdout_closed() -> bool:
    """Whether standard output is a pipe whose reader has gone (the pipe reports an error
    condition when polled); if so, it is pointed at the null device, so that the
    interpreter's last flush does not report the pipe again."""
    try:
        fd = sys.stdout.fileno()
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        closed = any(event & select.POLLERR for _, event in poller.poll(0))
    except (OSError, ValueError, AttributeError):  # no file descriptor, or no poll()
        return False
    if closed:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, fd)
        os.close(null)
    return closed
