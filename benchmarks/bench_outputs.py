"""The outputs of the main job from synthetic small tables: wall time of each phase.

The main job is ``rebate_renewal`` at its default size: 3 sweep cells x 4 arms x 1000
replicates x 8 rounds. This builds ``replicates`` and ``trajectories`` tables of that size with
6 channel variants (payoffs with the zero-inflated, heavy-tailed paired differences of a real
run), then times the three phases the pipeline calls: ``summarize``, ``figures`` and
``report``.

Run: ``python benchmarks/bench_outputs.py [--replicates N] [--variants K] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bargainlab.analysis.summary import summarize
from bargainlab.analysis.tables import (
    REPLICATES_SCHEMA,
    TRAJECTORIES_SCHEMA,
    TRAJECTORY_METRICS,
    check_table,
)
from bargainlab.config.cells import SweepCells
from bargainlab.config.files import load_study, resolve_study_path
from bargainlab.reporting.figures import figures
from bargainlab.reporting.report import report

VARIANTS = ("all", "no_information", "no_surplus", "no_precedent", "no_subjective_value", "none")


def synthetic_tables(study, replicates: int, variants: int, seed: int = 0):
    """Replicates and trajectories tables shaped like the study's run (one cell per value of
    its first sweep axis)."""
    rng = np.random.default_rng(seed)
    axis = study.sweep_axes[0]
    values = study.sweep_grids[0][axis]
    arms = list(study.arms.strategies)
    rounds = study.rounds.count
    frames, traj = [], []
    for cell, _ in enumerate(values):
        base = rng.uniform(0.1, 0.3, replicates)
        for channels in VARIANTS[:variants]:
            for a, arm in enumerate(arms):
                rare = rng.random(replicates) < 0.05  # a few replicates carry the effect
                later = np.clip(base + rare * rng.normal(0.05 * a, 0.1, replicates), 0, 1)
                if arm == "holdout":
                    later = np.zeros(replicates)
                first = np.clip(base + 0.06 * (a == 0), 0, 1)
                frames.append(
                    pd.DataFrame(
                        {
                            "cell": cell,
                            "channels": channels,
                            "arm": arm,
                            "replicate": np.arange(replicates),
                            "rounds": rounds,
                            "payoff_round1": first,
                            "payoff_later": later,
                            "payoff_whole": (first + (rounds - 1) * later) / rounds,
                            "survived_round1": later > 0,
                            "survived_last": later > 0.15,
                            "agreement_later": (later > 0).astype(float),
                            "terms_later_sum": 1.6 * (rounds - 1) * (later > 0),
                            "terms_later_count": (rounds - 1) * (later > 0).astype(np.int64),
                            "belief_error_last": rng.uniform(0, 0.2, replicates),
                            "belief_pit_last": rng.uniform(0, 1, replicates),
                            "total_focal": first + (rounds - 1) * later,
                            "total_opponent": rounds - first - (rounds - 1) * later,
                            "opponent_payoff_later": 1 - later,
                        }
                    )
                )
                for r in range(1, rounds + 1):
                    for party in study.parties:
                        for metric in TRAJECTORY_METRICS:
                            x = rng.uniform(0, 1, 3)
                            traj.append(
                                {
                                    "cell": cell,
                                    "channels": channels,
                                    "arm": arm,
                                    "round": r,
                                    "party": party,
                                    "metric": metric,
                                    "n": replicates,
                                    "sum": replicates * x[0],
                                    "sum_sq": replicates * (x[0] ** 2 + 0.01),
                                }
                            )
    table = check_table(pd.concat(frames, ignore_index=True), REPLICATES_SCHEMA, "replicates")
    trajectories = check_table(pd.DataFrame(traj), TRAJECTORIES_SCHEMA, "trajectories")
    return table, trajectories


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", default="rebate_renewal")
    parser.add_argument("--replicates", type=int, default=None)
    parser.add_argument("--variants", type=int, default=6)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    loaded = load_study(resolve_study_path(args.study))
    study = loaded.study
    cells = SweepCells.of(study, loaded.cells)
    n = args.replicates or study.replicates
    replicates, trajectories = synthetic_tables(study, n, args.variants)
    times = {}
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        summary = summarize(replicates, study, cells)
        times["summarize"] = time.perf_counter() - start
        start = time.perf_counter()
        figures(Path(folder), summary, trajectories, study, cells, replicates=replicates)
        times["figures"] = time.perf_counter() - start
        start = time.perf_counter()
        report(Path(folder), summary, study, cells)
        times["report"] = time.perf_counter() - start
    size = {"replicates_rows": len(replicates), "trajectories_rows": len(trajectories)}
    if args.json:
        print(json.dumps({**size, "seconds": times}))
    else:
        print(
            f"{size['replicates_rows']} replicates rows, {size['trajectories_rows']} trajectory rows"
        )
        for phase, seconds in times.items():
            print(f"{phase:>10}: {seconds:6.2f} s")
        print(f"{'total':>10}: {sum(times.values()):6.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
