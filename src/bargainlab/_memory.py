"""Keep large temporary arrays in the process's heap instead of mapping fresh pages each time.

A batch's joint beliefs and planning tables are arrays of tens of megabytes that every round
allocates and frees. glibc serves allocations above its mmap threshold (at most 32 MB) with
fresh memory maps, so each one costs page faults on first touch: measured on the relationship
benchmark, a third of the run was spent in the kernel. :func:`reuse_large_allocations`
raises the threshold so that freed blocks are reused. It is called by the command line and
the worker processes (never on import), and does nothing where glibc's ``mallopt`` is not
available.
"""

from __future__ import annotations

import ctypes
import ctypes.util

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_LIMIT = 1 << 30
"""Allocations up to 1 GiB come from the heap; up to that much freed memory is kept."""

_done = False


def reuse_large_allocations() -> bool:
    """Ask glibc to serve allocations up to 1 GiB from the heap and to keep freed memory for
    reuse. Returns whether the setting took effect (``False`` on other C libraries)."""
    global _done
    if _done:
        return True
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    ok = bool(mallopt(_M_MMAP_THRESHOLD, _LIMIT)) and bool(mallopt(_M_TRIM_THRESHOLD, _LIMIT))
    _done = ok
    return ok


__all__ = ["reuse_large_allocations"]
