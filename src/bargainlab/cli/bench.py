"""The standard stage-game workload, timed in one process next to its lean yardstick.

One issue with 100 price levels; opposed linear utilities; reservation value 0.3 for both;
100 steps of alternating offers, first mover alternating across replicates; a Boulware buyer
with target ``1 - 0.7 * t**4`` and a Conceder seller with ``1 - 0.7 * t**0.25``; a responder
accepts an offer worth at least its own next target.

``bargainlab bench [--replicates N] [--json]`` prints negotiations/s, offers/s, agreement
rate, mean agreement step and mean price of the engine, and the offers/s of the lean NumPy
loop of the same workload (``benchmarks/lean_loop.py``) timed in the same run, alternating
with the engine, with the ratio of the two: how many times longer the engine takes. The lean
loop is not part of the installed package: in a checkout it is loaded by path; elsewhere
the bench says that the yardstick is unavailable and times the engine alone. It is a
benchmark, not a test.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from ..engine.negotiation import Game, NegotiationResult, negotiate
from ..engine.parties import PartyBatch
from ..engine.terms import Issue
from ..strategies import TimeDependent
from ..support.memory import reuse_large_allocations

STEPS = 100
LEVELS = 100
LEAN_LOOP = Path("benchmarks") / "lean_loop.py"
"""The yardstick's place in a checkout, relative to the repository's root."""


def standard_game(replicates: int) -> tuple[Game, tuple[TimeDependent, TimeDependent]]:
    """The standard workload: party 0 is the seller (prefers high prices), party 1 the buyer."""
    issue = Issue(name="price", levels=LEVELS)
    seller = PartyBatch.build(replicates, reservation_value=0.3, deadline=STEPS, name="seller")
    buyer = PartyBatch.build(replicates, reservation_value=0.3, deadline=STEPS, name="buyer")
    game = Game(issue, (seller, buyer), horizon=STEPS, first_mover=np.arange(replicates) % 2)
    # Genius: target = p_min + (p_max - p_min) * (1 - t ** (1 / e)) with p_min = 0.3, p_max = 1
    return game, (TimeDependent(e=4.0), TimeDependent(e=0.25))


def run(replicates: int) -> tuple[NegotiationResult, float]:
    """Play the standard workload once; return the result and the wall time in seconds."""
    game, strategies = standard_game(replicates)
    start = time.perf_counter()
    result = negotiate(game, strategies)
    return result, time.perf_counter() - start


def lean_loop(root: Path | None = None) -> ModuleType | None:
    """The lean loop (``benchmarks/lean_loop.py``) loaded by path from the checkout this
    module lies in (or from ``root``); ``None`` outside a checkout."""
    if root is None:
        here = Path(__file__).resolve().parents  # <root>/src/bargainlab/cli/bench.py
        if len(here) < 4:
            return None
        root = here[3]
    path = root / LEAN_LOOP
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location("bargainlab_bench_lean_loop", path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _time_lean(lean: ModuleType, replicates: int) -> tuple[float, int]:
    """One timed run of the lean loop: ``(seconds, offers)``."""
    start = time.perf_counter()
    _, steps, _ = lean.lean_negotiate(replicates)
    return time.perf_counter() - start, int(steps.sum())


def measure(
    replicates: int = 200_000, repeats: int = 3, lean: ModuleType | None = None
) -> dict[str, Any]:
    """Best of ``repeats`` runs (after one warm-up) of the standard workload, each followed
    by a run of the ``lean`` loop when it is given (so that both see the same load)."""
    run(min(replicates, 1000))
    if lean is not None:
        lean.lean_negotiate(min(replicates, 1000))
    best: tuple[NegotiationResult, float] | None = None
    lean_best, lean_offers = math.inf, 0
    for _ in range(repeats):
        result, seconds = run(replicates)
        if best is None or seconds < best[1]:
            best = (result, seconds)
        if lean is not None:
            lean_seconds, lean_offers = _time_lean(lean, replicates)
            lean_best = min(lean_best, lean_seconds)
    assert best is not None  # repeats >= 1 (main uses the default)
    result, seconds = best
    m = _engine_figures(result, seconds, replicates)
    m.update(lean_offers_per_s=None, lean_seconds=None, lean_agrees=None, engine_over_lean=None)
    if lean is not None:
        m.update(
            lean_offers_per_s=lean_offers / lean_best,
            lean_seconds=lean_best,
            lean_agrees=bool(lean.agrees_with_engine(min(replicates, 1000))),
            engine_over_lean=(lean_offers / lean_best) / m["offers_per_s"],
        )
    return m


def _engine_figures(result: NegotiationResult, seconds: float, replicates: int) -> dict[str, Any]:
    """The engine's speed and the workload's outcome, from its fastest run."""
    offers = int(result.steps.sum())
    agreed = result.agreed
    return {
        "replicates": replicates,
        "seconds": seconds,
        "negotiations_per_s": replicates / seconds,
        "offers_per_s": offers / seconds,
        "agreement_rate": float(agreed.mean()),
        "mean_agreement_step": float(result.steps[agreed].mean()) if agreed.any() else 0.0,
        "mean_price": float(result.x[agreed].mean()) if agreed.any() else 0.0,
    }


JSON_KEYS = (
    "offers_per_s",
    "negotiations_per_s",
    "agreement_rate",
    "mean_agreement_step",
    "mean_price",
    "replicates",
    "seconds",
    "lean_offers_per_s",
    "lean_seconds",
    "lean_agrees",
    "engine_over_lean",
)
"""The fields of ``bargainlab bench --json``; the ``lean_*`` ones and ``engine_over_lean``
(the engine's time over the lean loop's) are ``null`` when the yardstick is unavailable."""


def _print_text(m: dict[str, Any]) -> None:
    """The measurements as text."""
    print(
        f"standard workload: {m['replicates']:,} negotiations, {STEPS} steps, {LEVELS} price levels"
    )
    print(f"  negotiations/s      {m['negotiations_per_s']:,.0f}")
    print(f"  offers/s            {m['offers_per_s']:,.0f}")
    print(f"  agreement rate      {m['agreement_rate']:.3f}")
    print(f"  mean agreement step {m['mean_agreement_step']:.2f}")
    print(f"  mean price          {m['mean_price']:.4f} (normalised)")
    if m["lean_offers_per_s"] is None:
        print(
            f"lean loop: unavailable ({LEAN_LOOP.as_posix()} is not installed with the package; "
            "run bargainlab bench from a checkout to compare)"
        )
        return
    agrees = "agrees" if m["lean_agrees"] else "DISAGREES"
    print(f"lean loop of the same workload ({LEAN_LOOP.as_posix()}, {agrees} with the engine)")
    print(f"  offers/s            {m['lean_offers_per_s']:,.0f}")
    print(f"  engine / lean loop  {m['engine_over_lean']:.2f}x the time")


def main(argv: list[str] | None = None) -> int:
    """``bargainlab bench``: measure the standard workload and its lean loop and print them
    (text, or one JSON object with ``--json``); exit status 2 for a bad ``--replicates``."""
    parser = argparse.ArgumentParser(prog="bargainlab bench", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--replicates", type=int, default=200_000, help="negotiations in the batch (default 200000)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = parser.parse_args(argv)
    reuse_large_allocations()  # as a simulation task does (see bargainlab.support.memory)
    if args.replicates < 1:
        print("bargainlab bench: --replicates must be a positive integer", file=sys.stderr)
        return 2
    m = measure(args.replicates, lean=lean_loop())
    if args.json:
        print(json.dumps({k: m[k] for k in JSON_KEYS}))
    else:
        _print_text(m)
    return 0
