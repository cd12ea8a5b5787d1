"""Post-processing maps over forked processes: the results of a serial map, in its order."""

from __future__ import annotations

import os

import pytest

from bargainlab._forking import fork_map


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
    import multiprocessing

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
