"""Relationship workload of the repeated-game issue: 10,000 replicates x 20 rounds x up to 100
steps with 101-point grid beliefs, one process.

Run: ``python benchmarks/bench_relationships.py [--replicates N] [--rounds R]
[--lookahead 0|1|horizon] [--end-on-disagreement] [--json]``. Prints the wall and CPU time of
one batch (after a small warm-up), offers per second, relationship-rounds per second and the
process's peak resident memory. ``--lookahead`` sets how far the dealer (a Bayesian learner) plans its demands: one
round ahead by default, or to the horizon (backward induction over the rounds left);
``--end-on-disagreement`` ends a relationship at its first round without agreement (as every
committed study does) instead of playing on.
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np

from bargainlab.config.schema import StudySpec
from bargainlab.engine.rng import StreamRNG
from bargainlab.experiments.translate import build_setup
from bargainlab.relationships.play import play
from bargainlab.strategies import create
from bargainlab.support.memory import reuse_large_allocations

STUDY = {
    "name": "bench",
    "issue": {"name": "rebate", "low": 1.0, "high": 2.0, "levels": 101},
    "game": {"horizon": 100, "first_mover": "alternate", "status_quo": 1.0},
    "rounds": {"count": 20, "rho": 0.8, "end_on_disagreement": False, "grid": 101},
    "parties": {
        "dealer": {
            "prefers": "high",
            "reservation_value": {"mean": 0.55, "sd": 0.15},
            "outside_option": 0.3,
        },
        "supplier": {"prefers": "low", "reservation_value": {"low": 0.0, "high": 0.5}},
    },
    "condition": {
        "holder": "supplier",
        "value": 0.15,
        "cost": {"low": 0.0, "high": 0.1},
        "fallback": 1.0,
    },
    "strategies": {"dealer": {"name": "learner", "params": {"kind": "bayesian"}}},
    "arms": {"party": "supplier", "strategies": {"face_saver": {"name": "face_saver"}}},
    "channels": {"subjective_value": True},
    # the dealer's reputation model: six behavioural types with a joint belief over
    # (type, reservation value), 6 x 101 points per replicate
    "reputation": {
        "holder": "dealer",
        "types": {
            "obstinate": {"name": "holdout", "params": {"use_reference": False, "aspiration": 0.8}},
            "holdout": {"name": "holdout"},
            "firm": {"name": "boulware"},
            "soft": {"name": "capitulator"},
            "face_saving": {"name": "face_saver"},
            "plain": {"name": "face_saver", "params": {"condition": False}},
        },
        "prior": {
            "obstinate": 0.1,
            "holdout": 0.1,
            "firm": 0.2,
            "soft": 0.2,
            "face_saving": 0.2,
            "plain": 0.2,
        },
    },
}


def main() -> None:
    """Play one batch and print its time, throughput and peak memory (or one JSON object)."""
    reuse_large_allocations()  # as a simulation task does
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicates", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--lookahead", choices=["0", "1", "horizon"], default="1")
    parser.add_argument("--end-on-disagreement", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    lookahead: int | str = args.lookahead if args.lookahead == "horizon" else int(args.lookahead)
    dealer = {"name": "learner", "params": {"kind": "bayesian", "lookahead": lookahead}}
    raw = {
        **STUDY,
        "rounds": {
            **STUDY["rounds"],
            "count": args.rounds,
            "end_on_disagreement": args.end_on_disagreement,
        },
        "strategies": {"dealer": dealer},
    }
    spec = StudySpec.model_validate(raw)
    n = args.replicates
    ids = np.arange(n)
    rng = StreamRNG.from_seed(1, n)
    setup = build_setup(spec, ids, spec.channels)
    strategies = (create("learner", kind="bayesian", lookahead=lookahead), create("face_saver"))
    play(build_setup(spec, ids[:100], spec.channels), strategies, rng.take(ids[:100]), ids[:100])
    start, cpu = time.perf_counter(), time.process_time()
    rec, _ = play(setup, strategies, rng, ids)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    offers = int(rec["steps"][:, :, 0].sum())
    out = {
        "replicates": n,
        "rounds": args.rounds,
        "lookahead": lookahead,
        "end_on_disagreement": args.end_on_disagreement,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "offers": offers,
        "offers_per_s": offers / seconds,
        "relationship_rounds_per_s": n * args.rounds / seconds,
        "peak_rss_bytes": peak,
    }
    print(
        json.dumps(out)
        if args.json
        else f"{n:,} relationships x {args.rounds} rounds, lookahead {lookahead}"
        f"{', ending at a disagreement' if args.end_on_disagreement else ''}: {seconds:.2f} s "
        f"({cpu:.2f} s CPU), {offers:,} offers, {offers / seconds:,.0f} offers/s, "
        f"{n * args.rounds / seconds:,.0f} relationship-rounds/s, peak memory {peak / 2**20:,.0f} MiB"
    )


if __name__ == "__main__":
    main()
