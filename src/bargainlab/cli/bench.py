"""The standard stage-game workload, timed in one process.

One issue with 100 price levels; opposed linear utilities; reservation value 0.3 for both;
100 steps of alternating offers, first mover alternating across replicates; a Boulware buyer
with target ``1 - 0.7 * t**4`` and a Conceder seller with ``1 - 0.7 * t**0.25``; a responder
accepts an offer worth at least its own next target.

``bargainlab bench [--replicates N] [--json]`` prints negotiations/s, offers/s, agreement
rate, mean agreement step and mean price. It is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

from .._memory import reuse_large_allocations
from ..engine.negotiation import Game, NegotiationResult, negotiate
from ..engine.parties import PartyBatch
from ..engine.terms import Issue
from ..strategies import TimeDependent

STEPS = 100
LEVELS = 100


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


def measure(replicates: int = 200_000, repeats: int = 3) -> dict[str, float]:
    """Best of ``repeats`` runs (after one warm-up) of the standard workload."""
    run(min(replicates, 1000))
    best: tuple[NegotiationResult, float] | None = None
    for _ in range(repeats):
        result, seconds = run(replicates)
        if best is None or seconds < best[1]:
            best = (result, seconds)
    assert best is not None  # repeats >= 1 (main uses the default)
    result, seconds = best
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


def main(argv: list[str] | None = None) -> int:
    """``bargainlab bench``: measure the standard workload and print it (text, or one JSON
    object with ``--json``); exit status 2 for a bad ``--replicates``."""
    parser = argparse.ArgumentParser(prog="bargainlab bench", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--replicates", type=int, default=200_000, help="negotiations in the batch (default 200000)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = parser.parse_args(argv)
    reuse_large_allocations()  # as a simulation task does (see bargainlab._memory)
    if args.replicates < 1:
        print("bargainlab bench: --replicates must be a positive integer", file=sys.stderr)
        return 2
    m = measure(args.replicates)
    if args.json:
        keys = (
            "offers_per_s",
            "negotiations_per_s",
            "agreement_rate",
            "mean_agreement_step",
            "mean_price",
            "replicates",
        )
        print(json.dumps({k: m[k] for k in keys}))
    else:
        print(
            f"standard workload: {m['replicates']:,} negotiations, {STEPS} steps, {LEVELS} price levels"
        )
        print(f"  negotiations/s      {m['negotiations_per_s']:,.0f}")
        print(f"  offers/s            {m['offers_per_s']:,.0f}")
        print(f"  agreement rate      {m['agreement_rate']:.3f}")
        print(f"  mean agreement step {m['mean_agreement_step']:.2f}")
        print(f"  mean price          {m['mean_price']:.4f} (normalised)")
    return 0
