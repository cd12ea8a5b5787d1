"""Post-processing maps over forked processes: the results of a serial map, in its order."""

from __future__ import annotations

import errno
import multiprocessing
import os
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from bargainlab.support.files import WriteError, atomic_path
from bargainlab.support.forking import fork_map


def _square_and_pid(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


@pytest.mark.slow  # starts processes
def test_fork_map_returns_the_serial_results_in_item_order():
    items = list(range(20))
    order = sorted(items, key=lambda k: -k)  # handed out longest-first, returned in order
    results = fork_map(_square_and_pid, items, workers=2, order=order, chunksize=3)
    assert [r for r, _ in results] == [x * x for x in items]


@pytest.mark.slow  # starts processes
def test_fork_map_uses_other_processes_where_it_can_fork():
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    pids = {pid for _, pid in fork_map(_square_and_pid, list(range(8)), workers=2)}
    assert os.getpid() not in pids


def test_one_item_or_one_worker_runs_in_this_process():
    assert fork_map(_square_and_pid, [3], workers=4) == [(9, os.getpid())]
    assert {pid for _, pid in fork_map(_square_and_pid, [1, 2], workers=1)} == {os.getpid()}


@pytest.mark.slow  # starts processes
def test_a_failing_item_raises_in_the_caller():
    def boom(x: int) -> int:
        if x == 3:
            raise ValueError("item 3 failed")
        return x

    with pytest.raises(ValueError, match="item 3 failed"):
        fork_map(boom, list(range(6)), workers=2)


def test_order_must_be_a_permutation():
    with pytest.raises(ValueError, match="permutation"):
        fork_map(_square_and_pid, [1, 2, 3], workers=2, order=[0, 0, 1])


@pytest.mark.slow  # starts processes
def test_a_map_inside_a_map_runs_serially():
    def inner(x: int) -> list[int]:
        return [pid for _, pid in fork_map(_square_and_pid, [x, x + 1], workers=2)]

    for pids in fork_map(inner, [0, 10], workers=2):
        assert len(set(pids)) == 1  # both items in the same (forked) process


# ---- faults: a failure, an unpicklable error or a dead process ends the map at once ---------


class _Unpicklable(Exception):
    """An exception whose constructor the pickle round trip cannot call."""

    def __init__(self, code: int, detail: str) -> None:
        super().__init__(f"code {code}: {detail}")


def _raise_unpicklable(x: int) -> int:
    if x == 2:
        raise _Unpicklable(7, "cannot cross")
    return x


@pytest.mark.slow  # starts processes
@pytest.mark.parametrize("dask", [False, True], ids=["plain", "dask imported"])
def test_an_exception_that_cannot_be_pickled_is_named_not_hung_on(dask):
    if dask:  # Dask installs tblib's pickling of exceptions: their context is pickled too
        import distributed  # noqa: F401
    # it used to break the pool's result thread, and the map waited for ever
    with pytest.raises(RuntimeError, match=r"_Unpicklable: code 7: cannot cross") as info:
        fork_map(_raise_unpicklable, list(range(4)), workers=2)
    assert info.value.__context__ is None or not isinstance(info.value.__context__, _Unpicklable)


def _write_error(x: int) -> int:
    if x == 1:
        with atomic_path(Path(os.environ["BARGAINLAB_TEST_DIR"]) / "figure.png") as tmp:
            tmp.write_bytes(b"half a figure")
            raise OSError(errno.ENOSPC, "No space left on device")
    return x


@pytest.mark.slow  # starts processes
def test_a_disk_error_in_a_forked_process_arrives_as_itself(tmp_path, monkeypatch):
    monkeypatch.setenv("BARGAINLAB_TEST_DIR", str(tmp_path))
    with pytest.raises(WriteError) as info:
        fork_map(_write_error, list(range(4)), workers=2)
    assert info.value.path == tmp_path / "figure.png"
    assert info.value.errno == errno.ENOSPC
    assert "cannot write: No space left on device" in str(info.value)
    assert list(tmp_path.iterdir()) == []  # the temporary file went with the error


def _dies(x: int) -> int:
    if x == 3:
        os._exit(9)  # killed, as by the out-of-memory killer
    return x


@pytest.mark.slow  # starts processes
def test_a_process_that_dies_raises_instead_of_waiting():
    with pytest.raises(BrokenProcessPool):
        fork_map(_dies, list(range(6)), workers=2)


def _slow_or_failing(x: int) -> int:
    folder = Path(os.environ["BARGAINLAB_TEST_DIR"])
    if x == 0:
        (folder / "started").write_text("")
        with atomic_path(folder / "slow.png") as tmp:
            tmp.write_bytes(b"being written")
            for _ in range(600):  # a minute, unless it is stopped
                time.sleep(0.1)
        (folder / "finished").write_text("")
        return x
    while not (folder / "started").exists():
        time.sleep(0.01)
    raise ValueError("item 1 failed")


@pytest.mark.slow  # starts processes
def test_a_failure_stops_the_other_processes_and_they_clean_up(tmp_path, monkeypatch):
    monkeypatch.setenv("BARGAINLAB_TEST_DIR", str(tmp_path))
    with pytest.raises(ValueError, match="item 1 failed"):
        fork_map(_slow_or_failing, [0, 1], workers=2)
    assert multiprocessing.active_children() == []  # stopped, not waited for
    assert not (tmp_path / "finished").exists()
    # the stopped process unwound: its atomic write removed the temporary file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["started"]
