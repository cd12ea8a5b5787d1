"""Fuzzing study files: every mutated study is either refused cleanly or runs cleanly.

Hypothesis mutates a small valid study the way a hostile user would: deleted keys, values of
the wrong type, extreme and non-finite numbers, unicode and control characters, long text,
deep nesting, unknown keys and huge sweeps. Each mutated file must either

* validate, and then run at 2 replicates to exit status 0 with finite tables, or
* be refused with exit status 2, one error message (no traceback) and nothing written.

The number of examples is bounded (``EXAMPLES``, 15 unless ``BARGAINLAB_FUZZ_EXAMPLES`` says
otherwise) so that the test takes about half a minute; it is marked slow because each study
that validates costs a real run of a few seconds.
"""

from __future__ import annotations

import contextlib
import copy
import io
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bargainlab.cli.commands import main
from bargainlab.config.files import ConfigError, load_study
from bargainlab.experiments.runstore import toml_dumps
from studies import study_dict

EXAMPLES = int(os.environ.get("BARGAINLAB_FUZZ_EXAMPLES", "15"))
"""Examples per run of the suite: each that validates costs a real (small) run."""

MAX_STEP_ROUNDS = 5_000
"""A study that validates is run only when cells x variants x arms x rounds x horizon stays
below this (a legal study of 1,000 rounds of 10,000 steps is valid, but takes hours)."""

BASE = study_dict(
    rounds={"count": 2},
    condition={
        "holder": "dealer",
        "value": 0.1,
        "cost": {"low": 0.0, "high": 0.1},
        "fallback": 0.0,
    },
    sweep={"rounds.rho": [0.0, 0.5]},
    null_cells=[{"where": {"rounds.rho": 0.0}, "reason": "types redrawn every round"}],
)

text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=80
) | st.sampled_from(["", "a/b", "../x", "é" * 100, "x" * 5000, "\t", "\x00", "low", "1.0"])
numbers = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1, 2, 0.5, 1e308, -1e308, 5e-324, -0.0, 10**7, 2**31, 1e12, 1e13]),
)


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


hostile = st.one_of(
    st.booleans(),
    numbers,
    text,
    st.lists(numbers | text, max_size=4),
    st.dictionaries(text, numbers | text, max_size=3),
    st.integers(min_value=1, max_value=60).map(nested),
)


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path of a nested dict (lists are leaves)."""
    out = []
    if isinstance(node, dict):
        for key, value in node.items():
            out.append((*prefix, key))
            out.extend(paths(value, (*prefix, key)))
    return out


edge_numbers = st.sampled_from([0, 0.0, 1, 1.0, 1e-12, 0.999999, 0.5, 2, 3, 7, 0.01])
label = text.filter(bool) | st.sampled_from(["a/b", "..", "über", "名前", "x" * 64, "a b"])


def rename(table: dict[str, Any], old: str, new: str) -> None:
    """Rename a key in place, keeping the order (arm order matters)."""
    items = list(table.items())
    table.clear()
    table.update((new if k == old else k, v) for k, v in items)


def relabel(raw: dict[str, Any], what: str, new: str) -> None:
    """Rename a party or an arm everywhere the study names it (a legal change)."""
    try:
        if what == "arm":
            arms = raw["arms"]["strategies"]
            rename(arms, next(iter(arms)), new)
            return
        old = raw["arms"]["party"]
        rename(raw["parties"], old, new)
        raw["arms"]["party"] = new
        if raw.get("condition", {}).get("holder") == old:
            raw["condition"]["holder"] = new
    except (KeyError, TypeError, AttributeError, StopIteration):
        pass  # an earlier mutation removed what this one renames


@st.composite
def mutated_studies(draw: st.DrawFn) -> dict[str, Any]:
    raw = copy.deepcopy(BASE)
    kinds = ["delete", "replace", "replace", "edge", "edge", "relabel", "relabel", "add", "grid"]
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        kind = draw(st.sampled_from(kinds))
        if kind == "grid":
            axis = draw(st.sampled_from(["rounds.rho", "game.breakdown", "behaviour.decay"]))
            n = draw(st.sampled_from([1, 3, 150, 20_001, 10**6]))
            values = [i / n for i in range(min(n, 200))]
            raw["sweep"] = {axis: values * max(1, n // 200)}
            continue
        if kind == "relabel":
            relabel(raw, draw(st.sampled_from(["party", "arm"])), draw(label))
            continue
        candidates = paths(raw)
        if kind == "edge":
            candidates = [p for p in candidates if _leaf(raw, p) is not None]
            if not candidates:
                continue
        path = draw(st.sampled_from(candidates))
        parent = raw
        for key in path[:-1]:
            parent = parent[key]
        if kind == "delete":
            del parent[path[-1]]
        elif kind == "replace":
            parent[path[-1]] = draw(hostile)
        elif kind == "edge":
            parent[path[-1]] = draw(edge_numbers)
        elif isinstance(parent, dict):
            parent[draw(text) or "extra"] = draw(hostile)
    return raw


def _leaf(raw: dict[str, Any], path: tuple) -> Any:
    node: Any = raw
    for key in path:
        node = node[key]
    return node if isinstance(node, int | float) and not isinstance(node, bool) else None


def step_rounds(study_file: Path) -> float:
    try:
        loaded = load_study(study_file)
    except ConfigError:
        return 0
    study = loaded.study
    return (
        loaded.size.relationship_rounds
        / study.replicates
        * 2
        * max(c.study.game.horizon for c in loaded.cells[:50])
    )


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


def assert_clean_refusal(status: int, err: str, folder: Path, files: set[Path]) -> None:
    assert status == 2, err
    assert err.strip(), "no message"
    assert "Traceback" not in err
    assert all(line.startswith("bargainlab: ") for line in err.strip().splitlines()), err
    assert set(folder.rglob("*")) == files, "something was written"


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")  # labels in any script
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(raw=mutated_studies())
def test_mutated_study_is_refused_cleanly_or_runs_cleanly(raw):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "study.toml"
        try:
            path.write_text(toml_dumps(raw), encoding="utf-8")
        except (TypeError, ValueError, UnicodeEncodeError):
            return  # not expressible as a TOML file
        files = set(folder.rglob("*"))
        status, _, err = cli("validate", str(path))
        if status != 0:
            event("refused by validate")
            assert_clean_refusal(status, err, folder, files)
            return
        if step_rounds(path) > MAX_STEP_ROUNDS:
            event("valid, too long to run")
            return  # legal, but too long to run in the suite
        out = folder / "run"
        status, _, err = cli(
            "run", str(path), "--out", str(out), "--executor", "serial", "--replicates", "2"
        )
        if status == 2 and not out.exists():
            assert_clean_refusal(status, err, folder, files)  # e.g. over the size budget
            return
        assert status == 0, err
        event("ran")
        for table in ("rounds.parquet", "traces.parquet"):
            if (out / table).is_file():
                frame = pd.read_parquet(out / table)
                numeric = frame.select_dtypes("number")
                assert np.isfinite(numeric.to_numpy(dtype=float)).all(), table
        assert all(not p.name.startswith(".tmp-") for p in out.rglob("*")), "temporary files left"
        assert math.isfinite(os.path.getsize(out / "summary" / "effects.csv"))
