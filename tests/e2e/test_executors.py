"""Seeding, tasks and executors: the same numbers whatever the executor, workers or chunking."""

from __future__ import annotations

import hashlib
import io
import os
import textwrap

import numpy as np
import pandas as pd
import pytest

import bargainlab.experiments.pipeline
import bargainlab.experiments.tasks
from bargainlab.config.files import ConfigError, load_study
from bargainlab.experiments.executors import (
    DaskExecutor,
    check_executor_options,
    open_executor,
)
from bargainlab.experiments.pipeline import run_study
from bargainlab.experiments.run import Run
from bargainlab.experiments.tasks import (
    make_tasks,
    plan_tasks,
    replicate_keys,
    replicate_seed,
    run_task,
    task_function,
)
from bargainlab.relationships.table import KEYS
from studies import tiny_study_toml

STUDY = tiny_study_toml(
    textwrap.dedent(
        """\
        name = "tiny"
        replicates = 6
        seed = 5
        chunk = 4

        [rounds]
        count = 2
        rho = 0.5

        """
    ),
    dealer_reservation="{ mean = 0.3, sd = 0.1 }",
    supplier_params="{ e = 0.5 }",
    sweep='"parties.dealer.outside_option" = [0.0, 0.1]\n"strategies.supplier.params.k" = [0, 0.1]\n',
)


@pytest.fixture(autouse=True)
def _tables_only(monkeypatch):
    """These tests compare tables: skip the summary, figures and report of each run."""
    monkeypatch.setattr(bargainlab.experiments.pipeline, "regenerate_outputs", lambda *a, **k: [])


# ---- seeds -----------------------------------------------------------------------------------


def test_replicate_seed_is_the_spawn_tree():
    root = np.random.SeedSequence(1234)
    cells = root.spawn(3)
    grand = cells[2].spawn(10)[7]
    direct = replicate_seed(1234, 2, 7)
    assert np.array_equal(grand.generate_state(2, np.uint64), direct.generate_state(2, np.uint64))


def test_keys_are_distinct_across_cells_and_replicates():
    keys = np.concatenate([replicate_keys(9, c, range(50)) for c in range(4)])
    assert keys.dtype == np.uint64 and keys.shape == (200, 2)
    assert len({tuple(k) for k in keys}) == 200


def _tasks(loaded, replicates=None, chunk=None, **kwargs):
    study = loaded.study
    replicates = replicates or study.replicates
    plan = plan_tasks(loaded.cells, replicates=replicates, chunk=chunk or study.chunk)
    return plan, list(make_tasks(loaded.cells, plan, root_seed=5, **kwargs))


def _keys_by_replicate(study_file, tmp_path, replicates, chunk):
    loaded = load_study(study_file(STUDY, folder=tmp_path), replicates=replicates)
    out = {}
    for task in _tasks(loaded, replicates, chunk)[1]:
        for unit in task.units:
            assert len(unit.replicate_ids) <= chunk
            for r, key in zip(unit.replicate_ids, unit.keys, strict=True):
                out[(unit.cell, int(r))] = tuple(int(x) for x in key)
    return out


def test_replicate_key_does_not_depend_on_replicates_chunking_or_stacking(
    study_file, tmp_path, monkeypatch
):
    k10c3 = _keys_by_replicate(study_file, tmp_path, 10, 3)
    k20c3 = _keys_by_replicate(study_file, tmp_path, 20, 3)
    k10c7 = _keys_by_replicate(study_file, tmp_path, 10, 7)
    monkeypatch.setattr(bargainlab.experiments.tasks, "TASK_RELATIONSHIPS", 1)
    unstacked = _keys_by_replicate(study_file, tmp_path, 10, 3)
    assert len(k10c3) == 4 * 10 and len(k20c3) == 4 * 20
    assert k10c3 == k10c7 == unstacked
    assert k10c3 == {key: k20c3[key] for key in k10c3}


def test_the_plan_stacks_cells_and_covers_every_chunk_once(study_file, tmp_path, monkeypatch):
    loaded = load_study(study_file(STUDY, folder=tmp_path))
    plan = plan_tasks(loaded.cells, replicates=6, chunk=4)
    # cells with the same supplier parameter k differ only in the dealer's outside option (a
    # number): they stack; 2 x 6 relationships fit in a task
    assert plan.tasks == (
        ((0, 0), (2, 0), (0, 1), (2, 1)),
        ((1, 0), (3, 0), (1, 1), (3, 1)),
    )
    assert plan.relationships(0) == plan.relationships(1) == 12
    monkeypatch.setattr(bargainlab.experiments.tasks, "TASK_RELATIONSHIPS", 9)
    small = plan_tasks(loaded.cells, replicates=6, chunk=4)
    units = [u for task in small.tasks for u in task]
    everything = [u for task in plan.tasks for u in task]
    assert sorted(units) == sorted(everything) and len(units) == len(set(units))
    assert all(small.relationships(i) <= 9 for i in range(len(small)))
    assert len(small) == 4
    # another plan never shares a task's name: parts of one are not taken for the other's
    assert not set(small.names()) & set(plan.names())


def test_a_different_design_is_not_stacked(study_file, tmp_path):
    text = STUDY.replace(
        '"strategies.supplier.params.k" = [0, 0.1]',
        '"strategies.supplier.name" = ["boulware", "conceder"]',
    )
    loaded = load_study(study_file(text, folder=tmp_path))
    plan = plan_tasks(loaded.cells, replicates=6, chunk=6)
    stacks = [{cell for cell, _ in task} for task in plan.tasks]
    by_name = {}
    for cell in loaded.cells:
        by_name.setdefault(cell.values["strategies.supplier.name"], set()).add(cell.index)
    assert sorted(map(sorted, stacks)) == sorted(map(sorted, by_name.values()))


def test_skip_leaves_out_done_tasks(study_file, tmp_path, monkeypatch):
    monkeypatch.setattr(bargainlab.experiments.tasks, "TASK_RELATIONSHIPS", 4)
    loaded = load_study(study_file(STUDY, folder=tmp_path))
    plan, tasks = _tasks(loaded, skip={1, 3})
    assert [t.index for t in tasks] == [i for i in range(len(plan)) if i not in {1, 3}]
    first = tasks[0].units[0]
    assert (first.cell, first.chunk, first.replicate_ids.tolist()) == (0, 0, [0, 1, 2, 3])


def _parts(result) -> dict[str, pd.DataFrame]:
    return {
        name.split(".")[-2]: pd.read_parquet(io.BytesIO(data))
        for name, data in result.payload.items()
    }


def test_run_task_labels_its_tables_and_returns_their_bytes(study_file, tmp_path):
    loaded = load_study(study_file(STUDY, folder=tmp_path))
    _, tasks = _tasks(loaded)
    result = run_task(tasks[0])
    assert result.relationships == 12 and result.peak_rss > 0
    parts = _parts(result)
    assert set(parts) == {"rounds", "replicates", "trajectories"}
    for name, data in result.payload.items():
        assert hashlib.sha256(data).hexdigest() == result.checksums[name]
    rounds = parts["rounds"]
    # a table names its cell alone (what the cell is, cells.parquet says)
    assert list(rounds.columns[:2]) == ["cell", "channels"]
    assert not any("." in c for c in rounds.columns)
    assert set(rounds["cell"]) == {0, 2}
    cell2 = rounds[rounds["cell"] == 2]
    assert cell2["party"].nunique() == 2  # one row per party, of cell 2's study
    assert sorted(cell2["replicate"].unique()) == list(range(6))
    assert rounds.equals(rounds.sort_values(list(KEYS)).reset_index(drop=True))
    replicates = parts["replicates"]
    assert len(replicates) == 2 * 6 * 2  # cells x replicates x arms


def test_run_task_writes_its_parts_when_it_sees_the_run_folder(study_file, tmp_path):
    loaded = load_study(study_file(STUDY, folder=tmp_path))
    (tmp_path / "run" / "parts").mkdir(parents=True)
    _, tasks = _tasks(loaded, out=tmp_path / "run")
    result = run_task(tasks[0])
    assert result.payload == {}
    for name, digest in result.checksums.items():
        data = (tmp_path / "run" / "parts" / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest


def test_run_task_rejects_a_table_without_the_contract_columns(study_file, tmp_path):
    loaded = load_study(study_file(STUDY, folder=tmp_path))
    _, tasks = _tasks(loaded)

    def broken(study, keys, ids, *, traces=False):
        return pd.DataFrame({"replicate": ids}), None

    with pytest.raises(RuntimeError, match="lacks columns"):
        run_task(tasks[0], simulate=broken)


def test_serial_and_processes_executors_agree(study_file, tmp_path, monkeypatch):
    monkeypatch.setattr(bargainlab.experiments.tasks, "TASK_RELATIONSHIPS", 8)
    loaded = load_study(study_file(STUDY, folder=tmp_path))
    _, tasks = _tasks(loaded)
    fn = task_function()
    with open_executor("serial") as ex:
        serial = {r.index: r for r in ex.imap_unordered(fn, tasks)}
    with open_executor("processes", workers=2) as ex:
        parallel = {r.index: r for r in ex.imap_unordered(fn, tasks)}
    assert serial.keys() == parallel.keys() == {t.index for t in tasks}
    for key in serial:
        assert serial[key].checksums == parallel[key].checksums


# ---- options ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("executor", "workers", "scheduler", "field"),
    [
        ("threads", None, None, "--executor"),
        ("processes", 0, None, "--workers"),
        ("processes", -2, None, "--workers"),
        ("dask", None, "  ", "--scheduler"),
        ("serial", None, "tcp://127.0.0.1:8786", "--scheduler"),
    ],
)
def test_bad_executor_options(executor, workers, scheduler, field):
    with pytest.raises(ConfigError) as info:
        check_executor_options(executor, workers, scheduler)
    assert info.value.field == field


def test_unreachable_scheduler_is_a_config_error():
    with pytest.raises(ConfigError, match="cannot reach a Dask scheduler") as info:
        DaskExecutor("tcp://127.0.0.1:1", timeout=0.5)
    assert info.value.field == "--scheduler"


# ---- the real simulation through the whole pipeline ------------------------------------------


def _rounds(run: Run) -> pd.DataFrame:
    # the folder reads as one table with pandas alone; the Run sorts it by its keys
    plain = pd.read_parquet(run.path / "rounds.parquet")
    pd.testing.assert_frame_equal(
        run.rounds, plain.sort_values(list(KEYS), kind="stable").reset_index(drop=True)
    )
    return run.rounds


@pytest.mark.slow
def test_serial_processes_and_dask_give_identical_tables(study_file, tmp_path):
    from distributed import LocalCluster

    path = study_file(STUDY, folder=tmp_path)
    serial = _rounds(run_study(path, tmp_path / "serial", executor="serial", progress=False))
    processes = _rounds(
        run_study(path, tmp_path / "proc", executor="processes", workers=2, progress=False)
    )
    local = _rounds(run_study(path, tmp_path / "local", executor="dask", workers=2, progress=False))
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        dask = _rounds(
            run_study(
                path,
                tmp_path / "dask",
                executor="dask",
                scheduler=cluster.scheduler_address,
                progress=False,
            )
        )
    assert len(serial) == 4 * 6 * 2 * 2 * 2  # cells x replicates x arms x rounds x parties
    for other in (processes, local, dask):
        pd.testing.assert_frame_equal(serial, other)


def test_chunking_stacking_and_replicates_do_not_change_a_replicate(
    study_file, tmp_path, monkeypatch
):
    path = study_file(STUDY, folder=tmp_path)
    base = _rounds(run_study(path, tmp_path / "c4", executor="serial", progress=False))
    text = STUDY.replace("chunk = 4", "chunk = 3")
    rechunked = _rounds(
        run_study(
            study_file(text, folder=tmp_path), tmp_path / "c3", executor="serial", progress=False
        )
    )
    pd.testing.assert_frame_equal(base, rechunked)
    monkeypatch.setattr(bargainlab.experiments.tasks, "TASK_RELATIONSHIPS", 1)
    unstacked = _rounds(run_study(path, tmp_path / "one", executor="serial", progress=False))
    pd.testing.assert_frame_equal(base, unstacked)
    more = _rounds(
        run_study(
            study_file(text, folder=tmp_path),
            tmp_path / "r9",
            executor="serial",
            replicates=9,
            progress=False,
        )
    )
    first_six = more[more["replicate"] < 6].reset_index(drop=True)
    pd.testing.assert_frame_equal(base, first_six)


def _dies_once(marker):
    """A simulation whose worker process dies the first time it runs (as a killed worker)."""
    from bargainlab.experiments.translate import simulate

    def run(study, keys, ids, *, traces=False):
        if not os.path.exists(marker):
            open(marker, "w").close()
            os._exit(1)
        return simulate(study, keys, ids, traces=traces)

    return run


class _DiesOnce:
    def __init__(self, marker):
        self.marker = str(marker)

    def __call__(self, study, keys, ids, *, traces=False):
        return _dies_once(self.marker)(study, keys, ids, traces=traces)


@pytest.mark.slow
def test_a_worker_that_dies_costs_only_its_task(study_file, tmp_path, monkeypatch):
    monkeypatch.setattr(bargainlab.experiments.tasks, "TASK_RELATIONSHIPS", 8)
    path = study_file(STUDY, folder=tmp_path)
    reference = _rounds(run_study(path, tmp_path / "ref", executor="serial", progress=False))
    survived = _rounds(
        run_study(
            path,
            tmp_path / "killed",
            executor="processes",
            workers=2,
            simulate=_DiesOnce(tmp_path / "marker"),
            progress=False,
        )
    )
    assert (tmp_path / "marker").exists()  # a worker did die
    pd.testing.assert_frame_equal(reference, survived)
