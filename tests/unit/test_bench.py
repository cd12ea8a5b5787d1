"""``bargainlab bench``: the engine and its lean yardstick timed in one run, and the bench
without the yardstick outside a checkout (what is printed, never how fast)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bargainlab.cli import bench
from bargainlab.cli.commands import main

CHECKOUT = Path(__file__).resolve().parents[2]
"""The checkout these tests lie in (the package under test may be installed elsewhere)."""


def test_bench_times_the_lean_loop_next_to_the_engine(monkeypatch, capsys):
    monkeypatch.setattr(bench, "LEAN_LOOP", CHECKOUT / bench.LEAN_LOOP)  # absolute
    assert main(["bench", "--replicates", "300", "--json"]) == 0
    m = json.loads(capsys.readouterr().out)
    assert set(m) == set(bench.JSON_KEYS)
    assert m["lean_agrees"] is True
    assert m["lean_offers_per_s"] > 0 and m["offers_per_s"] > 0
    # the ratio is the engine's time over the lean loop's for the same offers
    assert m["engine_over_lean"] == pytest.approx(m["lean_offers_per_s"] / m["offers_per_s"])
    assert m["engine_over_lean"] == pytest.approx(m["seconds"] / m["lean_seconds"])
    assert main(["bench", "--replicates", "300"]) == 0
    text = capsys.readouterr().out
    assert "lean loop of the same workload" in text and "agrees with the engine" in text
    assert "engine / lean loop" in text


def test_the_lean_loop_is_loaded_from_the_checkout_by_path(tmp_path):
    lean = bench.lean_loop(CHECKOUT)
    assert lean is not None and Path(lean.__file__).name == "lean_loop.py"
    assert bench.lean_loop(tmp_path) is None  # a folder without benchmarks/lean_loop.py


def test_outside_a_checkout_the_yardstick_is_unavailable(monkeypatch, capsys):
    monkeypatch.setattr(bench, "LEAN_LOOP", Path("no-such-folder") / "lean_loop.py")
    assert main(["bench", "--replicates", "200", "--json"]) == 0
    m = json.loads(capsys.readouterr().out)
    assert m["offers_per_s"] > 0
    assert [m[k] for k in ("lean_offers_per_s", "lean_seconds", "lean_agrees")] == [None] * 3
    assert m["engine_over_lean"] is None
    assert main(["bench", "--replicates", "200"]) == 0
    assert "lean loop: unavailable" in capsys.readouterr().out
