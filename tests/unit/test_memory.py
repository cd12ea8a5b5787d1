"""The heap policy: large temporaries reused while simulating, freed memory returned after."""

from __future__ import annotations

import ctypes
import ctypes.util

import pytest

from bargainlab.support import memory


def _is_glibc() -> bool:
    """Whether the C library has glibc's ``mallopt`` (the policy applies only there)."""
    name = ctypes.util.find_library("c")
    try:
        return name is not None and hasattr(ctypes.CDLL(name), "mallopt")
    except OSError:
        return False


@pytest.mark.skipif(ctypes.util.find_library("c") is None, reason="no C library to configure")
def test_the_heap_policy_can_be_set_and_undone_repeatedly():
    glibc = _is_glibc()
    try:
        assert memory.reuse_large_allocations() is glibc
        assert memory.reuse_large_allocations() is glibc  # idempotent
        assert memory.return_freed_memory() is glibc
        assert memory.return_freed_memory() is glibc  # undoing twice is harmless
        assert memory.reuse_large_allocations() is glibc  # the next simulation sets it again
    finally:
        memory.return_freed_memory()
