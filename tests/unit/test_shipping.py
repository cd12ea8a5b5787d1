"""User strategies sent to the workers with each task (bargainlab.experiments.shipping)."""

from __future__ import annotations

import importlib
import io
import sys
import threading
from dataclasses import dataclass
from typing import ClassVar

import cloudpickle
import numpy as np
import pandas as pd
import pytest

from bargainlab.config.files import ConfigError, load_study
from bargainlab.experiments.shipping import (
    cells_strategy_fields,
    check_on_workers,
    needs_shipping,
    pack,
    unpack,
    worker_problems,
)
from bargainlab.experiments.tasks import make_tasks, plan_tasks, run_task
from bargainlab.strategies import Offer, Strategy, TimeDependent, get, register, registry

LOCK = threading.Lock()


@pytest.fixture
def clean_registry():
    """The registry as it was before the test, whatever the test registers."""
    with registry.isolated():
        yield


def _notebook_strategy() -> type[Strategy]:
    """A strategy class as a notebook defines it: not importable by name anywhere."""

    @dataclass(frozen=True)
    class Midpoint(Strategy):
        name: ClassVar[str] = "midpoint"
        share: float = 0.5

        def propose(self, view, state, step):
            return Offer.plain(np.full(view.n, 0.5))

        def respond(self, view, state, step, offer):
            return self.accept_if(view, offer, np.full(view.n, self.share))

    return register(Midpoint)


def test_the_study_names_every_strategy_with_its_field(study_file, clean_registry):
    _notebook_strategy()
    path = study_file(
        strategies__supplier={"name": "midpoint"},
        sweep={"strategies.supplier.name": ["midpoint", "linear"]},
    )
    fields = cells_strategy_fields(load_study(path).cells)
    assert fields == {
        "midpoint": "strategies.supplier.name",
        "linear": "strategies.supplier.name",
        "time_dependent": "arms.strategies.boulware.name",
    }
    assert needs_shipping("midpoint") and not needs_shipping("linear")
    assert pack({"linear": "x", "time_dependent": "y"}) is None  # nothing to send


def test_a_shipped_class_is_used_by_the_task_and_nowhere_else(study_file, clean_registry):
    with registry.isolated():  # the notebook: the class is registered only here
        cls = _notebook_strategy()
        loaded = load_study(study_file(strategies__supplier={"name": "midpoint"}))
        payload = pack(cells_strategy_fields(loaded.cells))
        assert isinstance(payload, bytes)
        assert unpack(payload)["midpoint"].name == "midpoint"
        plan = plan_tasks(loaded.cells, replicates=4, chunk=2)
        task = next(make_tasks(loaded.cells, plan, root_seed=3, strategies=payload))
        expected = _rounds(run_task(task))
    # a worker that never ran the notebook: the name is unknown to its registry
    with pytest.raises(ValueError, match="unknown strategy 'midpoint'"):
        get("midpoint")
    assert worker_problems(None, ("midpoint",)) != []
    assert worker_problems(payload, ("midpoint",)) == []
    shipped = _rounds(run_task(task))
    pd.testing.assert_frame_equal(shipped, expected)
    assert set(shipped["strategy"]) == {"midpoint", "time_dependent"}
    with pytest.raises(ValueError, match="unknown strategy 'midpoint'"):
        get("midpoint")  # the worker's registry is left as it was
    assert cls.name == "midpoint"


def _rounds(result) -> pd.DataFrame:
    (name,) = [n for n in result.payload if n.endswith(".rounds.parquet")]
    return pd.read_parquet(io.BytesIO(result.payload[name]))


def test_a_class_that_cannot_be_pickled_is_a_config_error_naming_its_field(clean_registry):
    @register
    @dataclass(frozen=True)
    class Locked(TimeDependent):
        name: ClassVar[str] = "locked"

        def start(self, view):
            with LOCK:  # a lock cannot travel to another process
                return super().start(view)

    with pytest.raises(ConfigError) as info:
        pack({"locked": "arms.strategies.a.name"}, "study.toml")
    assert info.value.field == "arms.strategies.a.name"
    assert "strategy 'locked'" in info.value.message
    assert "cannot be sent to the workers" in info.value.message
    assert "serial executor" in info.value.message


def test_workers_that_cannot_import_a_strategy_stop_the_run_before_it_starts(
    tmp_path, monkeypatch, clean_registry
):
    (tmp_path / "local_strategies.py").write_text(
        "from dataclasses import dataclass\n"
        "from typing import ClassVar\n"
        "from bargainlab.strategies import TimeDependent, register\n"
        "@register\n"
        "@dataclass(frozen=True)\n"
        "class Local(TimeDependent):\n"
        "    name: ClassVar[str] = 'local_tactic'\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("local_strategies")
    payload = pack({"local_tactic": "strategies.supplier.name"})
    assert b"local_strategies" in payload  # importable by name: sent by reference
    # a worker where that module is not installed
    monkeypatch.delitem(sys.modules, "local_strategies")
    (tmp_path / "local_strategies.py").unlink()
    importlib.invalidate_caches()
    unpack.cache_clear()
    problems = worker_problems(payload, ("local_tactic",))
    assert problems and "ModuleNotFoundError" in problems[0]

    def run_on_workers(fn):
        return [fn(), fn()]

    with pytest.raises(ConfigError, match="cannot load the strategies on a worker") as info:
        check_on_workers(run_on_workers, payload, {"local_tactic": "strategies.supplier.name"})
    assert "define the strategy in the script or notebook" in str(info.value)
    assert module.Local.name == "local_tactic"


def test_a_class_from_a_module_outside_the_path_is_sent_by_value(tmp_path, clean_registry):
    path = tmp_path / "loose.py"
    path.write_text(
        "from dataclasses import dataclass\n"
        "from typing import ClassVar\n"
        "from bargainlab.strategies import TimeDependent, register\n"
        "@register\n"
        "@dataclass(frozen=True)\n"
        "class Loose(TimeDependent):\n"
        "    name: ClassVar[str] = 'loose_tactic'\n"
    )
    spec = importlib.util.spec_from_file_location("loose_module", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["loose_module"] = module
    try:
        spec.loader.exec_module(module)
        payload = pack({"loose_tactic": "strategies.supplier.name"})
    finally:
        del sys.modules["loose_module"]
    assert "loose_module" not in cloudpickle.list_registry_pickle_by_value()
    path.unlink()
    classes = cloudpickle.loads(payload)  # no module to import: the class came by value
    assert classes["loose_tactic"]().e == 1.0
