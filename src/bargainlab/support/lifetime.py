"""Worker processes that end with their parent, stop cleanly, and report errors whole.

The process pools bargainlab starts (the simulation's workers, the forked post-processing)
follow three rules:

* **They die with their parent.** :func:`worker_setup`, run first in every worker, makes
  the worker end when the process that started the run ends, even by ``kill -9``: through
  ``PR_SET_PDEATHSIG`` when the worker is that process's own child (a fork, on Linux), and
  otherwise (a worker started by the fork server, whose parent is the fork server) through a
  watchdog thread that waits on the run's process (a ``pidfd`` where the system has one,
  else a poll every half second). Once the workers are gone, the standard library's fork
  server and resource tracker end by themselves: they live only while someone holds the
  pipes the workers inherited.
* **They stop cleanly.** A worker asked to stop (``SIGTERM``, from :func:`stop_workers` or
  the watchdog) unwinds its task, so that a file it was writing atomically is removed
  rather than left as a temporary file, and exits; one that does not within
  :data:`GRACE` seconds is killed. Ctrl-C is the parent's to handle: workers ignore it.
* **Their errors cross back whole.** :class:`Guarded` wraps the function a pool applies:
  an exception that would not survive pickling (and so would break the pool, or be taken
  for a dead worker) reaches the parent as a :class:`RuntimeError` naming its type and
  message; every exception class of bargainlab pickles with its fields.

:func:`quiet_resource_tracker` works around a flaw of the standard library's resource
tracker: when it is killed, the next process to need it starts a new one, which knows
nothing of the semaphores registered with the old one and prints a ``KeyError`` traceback
for each that is later released.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import select
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterable
from multiprocessing import resource_tracker
from typing import Any

__all__ = [
    "GRACE",
    "Guarded",
    "portable",
    "quiet_resource_tracker",
    "stop_workers",
    "worker_setup",
]

GRACE = 5.0
"""Seconds a worker asked to stop has to finish unwinding before it is killed."""

_PR_SET_PDEATHSIG = 1
"""``prctl`` option: the signal this process gets when its parent thread ends (Linux)."""

_stopping = False
"""Set in a worker once it has been asked to stop: it starts no further task."""


# ---------------------------------------------------------------------------------------------
# In the worker
# ---------------------------------------------------------------------------------------------


def worker_setup(parent: int) -> None:
    """A pool's initializer: ignore Ctrl-C, stop cleanly on ``SIGTERM`` and end when the
    process ``parent`` (the one that started the run) ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop)
    quiet_resource_tracker()
    die_with(parent)


def _stop(signum: int, frame: Any) -> None:
    """``SIGTERM`` in a worker: start no further task, unwind the current one (its atomic
    writes remove their temporary files) and exit; ``SIGALRM`` ends the process if the
    unwinding has not ended it within :data:`GRACE` seconds."""
    global _stopping
    _stopping = True
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(int(GRACE))
    raise SystemExit(128 + signum)


def die_with(parent: int) -> None:
    """End this process (``SIGTERM``, see :func:`_stop`) when the process ``parent`` ends;
    at once if it already has."""
    if os.getppid() == parent and _parent_death_signal(signal.SIGTERM):
        if os.getppid() != parent:  # it ended before the request took effect
            os.kill(os.getpid(), signal.SIGTERM)
        return
    watcher = threading.Thread(
        target=_watch, args=(parent,), name="bargainlab-parent-watch", daemon=True
    )
    watcher.start()


def _parent_death_signal(signum: int) -> bool:
    """Ask Linux to send ``signum`` to this process when its parent ends; whether it could."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    """A watchdog thread: wait until ``parent`` ends, then stop this process."""
    try:
        fd = os.pidfd_open(parent)  # readable once the process has ended
    except ProcessLookupError:
        fd = None  # already gone
    except (AttributeError, OSError):  # no pidfd here: poll
        while _alive(parent):
            time.sleep(0.5)
        fd = None
    if fd is not None:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        while not poller.poll():
            pass
        os.close(fd)
    os.kill(os.getpid(), signal.SIGTERM)


def _alive(pid: int) -> bool:
    """Whether a process ``pid`` exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Guarded:
    """``fn`` as a pool applies it: it starts nothing once the worker has been asked to
    stop, ends the worker once a task interrupted by that request has unwound (rather than
    hand the pool an exception and wait for more work), and an exception it raises is made
    :func:`portable` before it leaves the worker."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        """Wrap ``fn`` (it must be picklable by reference for a pool that pickles it)."""
        self.fn = fn

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)``; an exception as :func:`portable` makes it."""
        if _stopping:
            raise SystemExit(128 + signal.SIGTERM)
        try:
            return self.fn(*args, **kwargs)
        except BaseException as exc:
            if _stopping:  # asked to stop while it ran (:func:`_stop`): it has unwound, leave
                os._exit(128 + signal.SIGTERM)
            if not isinstance(exc, Exception):
                raise
            failure = portable(exc)
        # raised here, outside the handler, so that a replacement does not carry the original
        # as its context: where Dask is imported, tblib pickles an exception's context too
        raise failure


def portable(exc: BaseException) -> BaseException:
    """``exc`` when it survives a pickle round trip as its own type with its own message
    (its cause and context too, where they are pickled with it: Dask installs tblib's
    pickling of exceptions), else a :class:`RuntimeError` naming its type and message (so
    that a pool does not break on it, and the parent still says what went wrong)."""
    try:
        back = pickle.loads(pickle.dumps(exc))
        if type(back) is type(exc) and str(back) == str(exc):
            return exc
    except Exception:
        pass
    return RuntimeError(f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}")


# ---------------------------------------------------------------------------------------------
# In the parent
# ---------------------------------------------------------------------------------------------


def stop_workers(processes: Iterable[Any], grace: float = GRACE) -> None:
    """Stop worker processes (``multiprocessing`` process objects) at once: ``SIGTERM`` to
    each (it unwinds its task, see :func:`worker_setup`), then ``SIGKILL`` to any still
    alive after ``grace`` seconds; returns once they have all ended."""
    processes = [p for p in processes if p.is_alive()]
    for p in processes:
        p.terminate()
    deadline = time.monotonic() + grace
    for p in processes:
        p.join(max(0.0, deadline - time.monotonic()))
        if p.is_alive():
            p.kill()
            p.join(grace)


_quiet = False
_register = resource_tracker.register
_unregister = resource_tracker.unregister
_registered: dict[tuple[Any, str], int | None] = {}
"""Resources registered with the tracker -> the process id of the tracker told of them."""
_lock = threading.Lock()


def quiet_resource_tracker() -> None:
    """Release resources only with the resource tracker that registered them.

    The standard library's tracker is a process of its own; if it is killed, the next
    registration or release starts a new one, which was never told of the resources
    registered before and prints a ``KeyError`` traceback for each of them when it is
    released (the semaphores of a process pool or a Dask nanny). From this call on, a
    release whose tracker has been replaced is not sent to the new one: the resource itself
    is released all the same (a semaphore is unlinked before the tracker is told). The
    tracker's warning that it is restarted is not shown either: nothing leaks.
    Idempotent; affects this process only.
    """
    global _quiet
    with _lock:
        if _quiet:
            return
        _quiet = True
        warnings.filterwarnings(
            "ignore", message="resource_tracker: process died unexpectedly", category=UserWarning
        )
        resource_tracker.register = _register_tracked
        resource_tracker.unregister = _unregister_tracked


def _tracker_pid() -> int | None:
    """The process id of this process's resource tracker, after starting it if needed."""
    resource_tracker.ensure_running()
    return getattr(resource_tracker._resource_tracker, "_pid", None)


def _register_tracked(name: Any, rtype: str) -> None:
    """:func:`multiprocessing.resource_tracker.register`, remembering which tracker it told."""
    _register(name, rtype)
    with _lock:
        _registered[(name, rtype)] = _tracker_pid()


def _unregister_tracked(name: Any, rtype: str) -> None:
    """:func:`multiprocessing.resource_tracker.unregister`, unless the tracker that was told
    of the resource has been replaced since (the new one would not know it)."""
    with _lock:
        told = _registered.pop((name, rtype), None)
    if told is not None and told != _tracker_pid():
        return
    _unregister(name, rtype)
