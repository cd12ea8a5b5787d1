"""Keep large temporary arrays in the process's heap instead of mapping fresh pages each time.

A batch's joint beliefs and planning tables are arrays of tens of megabytes that every round
allocates and frees. glibc serves allocations above its mmap threshold (at most 32 MB) with
fresh memory maps, so each one costs page faults on first touch: measured on the relationship
benchmark, a third of the run was spent in the kernel. :func:`reuse_large_allocations`
raises the threshold so that freed blocks are reused. It is called where simulation tasks
run (in a worker, or in the parent with the serial executor) and by the benchmarks, never on
import, and does nothing where glibc's ``mallopt`` is not available.

The price is memory: freed blocks stay in the process, and a heap that grows in the middle
cannot shrink. That suits a worker (the same arrays every round), not the parent's
post-processing, which reads one cell after another: :func:`return_freed_memory` hands the
free heap back to the system once the simulation is over and sets the thresholds glibc's own
sliding thresholds would reach (32 MB), so that memory freed later is returned while the
statistics' arrays of a few megabytes are still reused rather than mapped afresh.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from typing import Any

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_LIMIT = 1 << 30
"""Allocations up to 1 GiB come from the heap; up to that much freed memory is kept."""

_POST_MMAP_THRESHOLD = 32 << 20
_POST_TRIM_THRESHOLD = 64 << 20
"""Thresholds for post-processing: the values glibc's own sliding thresholds reach at most
(a 32 MB mmap threshold, trimming beyond twice that). Setting a threshold switches the sliding
off, so glibc's initial 128 kB would map fresh pages for every array of the statistics: that
doubled the bootstrap's time."""

_done = False


def reuse_large_allocations() -> bool:
    """Ask glibc to serve allocations up to 1 GiB from the heap and to keep freed memory for
    reuse. Returns whether the setting took effect (``False`` on other C libraries)."""
    global _done
    if _done:
        return True
    mallopt = _mallopt()
    if mallopt is None:
        return False
    ok = bool(mallopt(_M_MMAP_THRESHOLD, _LIMIT)) and bool(mallopt(_M_TRIM_THRESHOLD, _LIMIT))
    _done = ok
    return ok


def return_freed_memory() -> bool:
    """Undo :func:`reuse_large_allocations` (32 MB thresholds, the most glibc's sliding
    thresholds reach) and return the heap's free memory to the system (``malloc_trim``).
    Returns whether it took effect."""
    global _done
    libc = _libc()
    mallopt = _mallopt()
    if libc is None or mallopt is None:
        return False
    mallopt(_M_MMAP_THRESHOLD, _POST_MMAP_THRESHOLD)
    mallopt(_M_TRIM_THRESHOLD, _POST_TRIM_THRESHOLD)
    trim = getattr(libc, "malloc_trim", None)
    if trim is not None:
        trim.argtypes = [ctypes.c_size_t]
        trim.restype = ctypes.c_int
        trim(0)
    _done = False
    return True


def _mallopt() -> Any:
    """glibc's ``mallopt(int, int)``, typed (``None`` on other C libraries)."""
    libc = _libc()
    if libc is None:
        return None
    mallopt = libc.mallopt
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return mallopt


def _libc() -> ctypes.CDLL | None:
    """The C library, if it is glibc (it has ``mallopt``); ``None`` otherwise."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt  # noqa: B018 (glibc only)
    except (OSError, AttributeError):
        return None
    return libc


__all__ = ["return_freed_memory", "reuse_large_allocations"]
