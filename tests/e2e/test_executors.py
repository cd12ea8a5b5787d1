"""Seeding, tasks and executors: the same numbers whatever the executor, workers or chunking."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

import bargainlab.experiments.pipeline
from bargainlab.config.files import ConfigError, load_study
from bargainlab.engine.rng import StreamRNG
from bargainlab.experiments.executors import (
    RELATIONSHIP_COLUMNS,
    DaskExecutor,
    check_executor_options,
    make_tasks,
    open_executor,
    replicate_keys,
    replicate_seed,
    run_task,
    stored_axis_values,
    task_function,
)
from bargainlab.experiments.pipeline import run_study
from bargainlab.experiments.run import Run
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


def fake_simulate(study, keys, replicate_ids, *, traces=False):
    """A tiny deterministic stand-in: numbers derived only from each replicate's key."""
    rng = StreamRNG(keys)
    n = len(replicate_ids)
    rows = {c: np.zeros(n) for c in RELATIONSHIP_COLUMNS}
    rows.update(
        channels=["all"] * n,
        arm=["a"] * n,
        replicate=replicate_ids,
        round=np.ones(n, int),
        party=["p"] * n,
    )
    rows["utility"] = rng.uniform(0, 0, 0)
    return pd.DataFrame(rows), None


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


def _keys_by_replicate(study_file, tmp_path, replicates, chunk):
    loaded = load_study(study_file(STUDY, folder=tmp_path), replicates=replicates)
    out = {}
    for task in make_tasks(loaded.cells, root_seed=5, replicates=replicates, chunk=chunk):
        assert len(task.replicate_ids) <= chunk
        for r, key in zip(task.replicate_ids, task.keys, strict=True):
            out[(task.cell, int(r))] = tuple(int(x) for x in key)
    return out


def test_replicate_key_does_not_depend_on_replicates_or_chunking(study_file, tmp_path):
    k10c3 = _keys_by_replicate(study_file, tmp_path, 10, 3)
    k20c3 = _keys_by_replicate(study_file, tmp_path, 20, 3)
    k10c7 = _keys_by_replicate(study_file, tmp_path, 10, 7)
    assert len(k10c3) == 4 * 10 and len(k20c3) == 4 * 20
    assert k10c3 == k10c7
    assert k10c3 == {key: k20c3[key] for key in k10c3}


def test_skip_leaves_out_done_chunks(study_file, tmp_path):
    loaded = load_study(study_file(STUDY, folder=tmp_path))
    tasks = list(
        make_tasks(loaded.cells, root_seed=5, replicates=6, chunk=4, skip={(0, 1), (3, 0)})
    )
    assert [(t.cell, t.chunk) for t in tasks] == [(0, 0), (1, 0), (1, 1), (2, 0), (2, 1), (3, 1)]
    assert tasks[0].replicate_ids.tolist() == [0, 1, 2, 3]
    assert tasks[1].replicate_ids.tolist() == [0, 1, 2, 3]
    assert tasks[2].replicate_ids.tolist() == [4, 5]


def test_stored_axis_values_have_one_type_per_axis(study_file, tmp_path):
    text = STUDY.replace(
        '"strategies.supplier.params.k" = [0, 0.1]', '"game.first_mover" = ["alternate", "dealer"]'
    )
    text = text.replace("[sweep]", '[sweep]\n"game.allow_exit" = [true, false]')
    cells = load_study(study_file(text, folder=tmp_path)).cells
    labels = stored_axis_values(cells)
    assert {type(v["parties.dealer.outside_option"]) for v in labels} == {float}
    assert {type(v["game.first_mover"]) for v in labels} == {str}
    assert {type(v["game.allow_exit"]) for v in labels} == {bool}


def test_missing_base_values_are_stored_as_text_never_nan():
    from bargainlab.config.files import Cell

    cells = [
        Cell(0, {"x": 1, "y": "a", "z": True}, None),
        Cell(1, {"x": None, "y": None, "z": None}, None),
    ]
    first, second = stored_axis_values(cells)
    # no numeric axis column may hold NaN: an axis with a missing value is text
    assert first == {"x": "1", "y": "a", "z": "true"}
    assert second == {"x": "null", "y": "null", "z": "null"}


def test_run_task_adds_cell_and_axis_columns(study_file, tmp_path):
    loaded = load_study(study_file(STUDY, folder=tmp_path))
    task = list(make_tasks(loaded.cells, root_seed=5, replicates=6, chunk=4))[5]
    result = run_task(task, simulate=fake_simulate)
    assert (result.cell, result.chunk) == (2, 1)
    cols = list(result.rounds.columns)
    assert cols[:3] == ["cell", "parties.dealer.outside_option", "strategies.supplier.params.k"]
    assert (result.rounds["cell"] == 2).all()
    assert (result.rounds["parties.dealer.outside_option"] == 0.1).all()
    assert (result.rounds["strategies.supplier.params.k"] == 0.0).all()
    assert result.rounds["replicate"].tolist() == [4, 5]


def test_run_task_rejects_a_table_without_the_contract_columns(study_file, tmp_path):
    loaded = load_study(study_file(STUDY, folder=tmp_path))
    task = next(make_tasks(loaded.cells, root_seed=5, replicates=6, chunk=4))

    def broken(study, keys, ids, *, traces=False):
        return pd.DataFrame({"replicate": ids}), None

    with pytest.raises(RuntimeError, match="lacks columns"):
        run_task(task, simulate=broken)


def test_serial_and_processes_executors_agree_on_fake(study_file, tmp_path):
    loaded = load_study(study_file(STUDY, folder=tmp_path))
    tasks = list(make_tasks(loaded.cells, root_seed=5, replicates=6, chunk=4))
    fn = task_function(fake_simulate)
    with open_executor("serial") as ex:
        serial = {(r.cell, r.chunk): r.rounds for r in ex.imap_unordered(fn, tasks)}
    with open_executor("processes", workers=2) as ex:
        parallel = {(r.cell, r.chunk): r.rounds for r in ex.imap_unordered(fn, tasks)}
    assert serial.keys() == parallel.keys() == {(t.cell, t.chunk) for t in tasks}
    for key in serial:
        pd.testing.assert_frame_equal(serial[key], parallel[key])


# ---- options ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("executor", "workers", "scheduler", "field"),
    [
        ("threads", None, None, "--executor"),
        ("processes", 0, None, "--workers"),
        ("processes", -2, None, "--workers"),
        ("dask", None, None, "--scheduler"),
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
    assert run.rounds.equals(pd.read_parquet(run.path / "rounds.parquet"))
    return run.rounds


@pytest.mark.slow
def test_serial_processes_and_dask_give_identical_tables(study_file, tmp_path):
    from distributed import LocalCluster

    path = study_file(STUDY, folder=tmp_path)
    serial = _rounds(run_study(path, tmp_path / "serial", executor="serial", progress=False))
    processes = _rounds(
        run_study(path, tmp_path / "proc", executor="processes", workers=2, progress=False)
    )
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
    pd.testing.assert_frame_equal(serial, processes)
    pd.testing.assert_frame_equal(serial, dask)
    keys = ["cell", "channels", "arm", "replicate", "round", "party"]
    assert serial.equals(serial.sort_values(keys).reset_index(drop=True))


def test_chunking_and_replicates_do_not_change_a_replicate(study_file, tmp_path):
    path = study_file(STUDY, folder=tmp_path)
    base = _rounds(run_study(path, tmp_path / "c4", executor="serial", progress=False))
    text = STUDY.replace("chunk = 4", "chunk = 3")
    rechunked = _rounds(
        run_study(
            study_file(text, folder=tmp_path), tmp_path / "c3", executor="serial", progress=False
        )
    )
    pd.testing.assert_frame_equal(base, rechunked)
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
