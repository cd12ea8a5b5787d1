"""The heap policy: large temporaries reused while simulating, freed memory returned after."""

from __future__ import annotations

import ctypes.util

import pytest

from bargainlab import _memory


@pytest.mark.skipif(ctypes.util.find_library("c") is None, reason="no C library to configure")
def test_the_heap_policy_can_be_set_and_undone_repeatedly():
    try:
        glibc = _memory._libc() is not None
        assert _memory.reuse_large_allocations() is glibc
        assert _memory.reuse_large_allocations() is glibc  # idempotent
        assert _memory.return_freed_memory() is glibc
        assert not _memory._done  # the next simulation sets it again
        assert _memory.reuse_large_allocations() is glibc
    finally:
        _memory.return_freed_memory()
