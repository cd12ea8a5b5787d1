"""The strategic answer's two computations: the essay's game on a 101-point grid, and the
empirical-game analysis of a 4 x 3 game with 1,000 paired replicates and 1,000 resamples.

Run: ``python benchmarks/bench_strategic.py [--resamples N] [--json]``. Prints the best of
several calls of :func:`bargainlab.theory.essay_game` (with and without the condition), and
the wall and CPU time of :func:`bargainlab.analysis.empirical_game.analyse` with an option of
two supplier strategies, split into its parts (the bootstrap tables and regrets, the equilibria
of the mean game, the option's value re-solved in every resample).
"""

from __future__ import annotations

import argparse
import json
import time
import timeit
from collections.abc import Callable

import numpy as np

from bargainlab.analysis import empirical_game as eg
from bargainlab.theory import essay_game

ESSAY = dict(b_low=0.3, b_high=0.7, p_high=0.5, value=0.2, cost=0.05, fallback=0.1, delta=0.9)
SUPPLIERS = ["face_saver", "pooling_face_saver", "plain_concession", "capitulator"]
DEALERS = ["bayesian", "naive", "horizon"]


def essay_ms(condition: bool) -> float:
    """Best time of one essay_game call on a 101-point grid, in milliseconds."""
    grid = np.linspace(0.0, 1.0, 101)
    times = timeit.repeat(
        lambda: essay_game(**ESSAY, grid=grid, condition=condition), number=50, repeat=5
    )
    return min(times) / 50 * 1e3


def synthetic_game(replicates: int, seed: int = 0) -> eg.EmpiricalGame:
    """A 4 x 3 game: uniform mean payoffs plus normal replicate noise (sd 0.2)."""
    rng = np.random.default_rng(seed)
    shape = (len(SUPPLIERS), len(DEALERS))
    supplier = rng.uniform(size=shape)[..., None] + rng.normal(0, 0.2, (*shape, replicates))
    dealer = rng.uniform(size=shape)[..., None] + rng.normal(0, 0.2, (*shape, replicates))
    later = supplier + rng.normal(0, 0.05, supplier.shape)
    return eg.empirical_game(
        supplier, dealer, supplier_labels=SUPPLIERS, dealer_labels=DEALERS,
        outcomes={"supplier_later": later},
    )  # fmt: skip


def _timed(out: dict[str, float], name: str, call: Callable[[], object]) -> None:
    """Record the wall and CPU seconds of ``call()`` as ``name`` and ``name_cpu``."""
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    out[name], out[f"{name}_cpu"] = time.perf_counter() - wall, time.process_time() - cpu


def analysis_seconds(replicates: int, resamples: int) -> dict[str, float]:
    """Wall and CPU time of the whole analysis and of its parts, in seconds."""
    game = synthetic_game(replicates)
    option, rng = SUPPLIERS[:2], np.random.default_rng
    out: dict[str, float] = {}
    _timed(out, "analyse", lambda: eg.analyse(game, rng=rng(1), option=option,
                                              measure="supplier_later", resamples=resamples))  # fmt: skip
    _timed(out, "tables_and_regrets", lambda: (eg.payoff_table(game, rng=rng(1), resamples=resamples),
                                               eg.regrets(game, rng=rng(1), resamples=resamples)))  # fmt: skip
    _timed(out, "equilibria", lambda: eg.equilibria(game))
    _timed(out, "option_value", lambda: eg.option_value(game, option, rng=rng(1),
                                                        measure="supplier_later", resamples=resamples))  # fmt: skip
    return out


def main() -> None:
    """Run both benchmarks and print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = {
        "essay_game_ms": essay_ms(True),
        "essay_game_no_condition_ms": essay_ms(False),
        **{f"{k}_s": v for k, v in analysis_seconds(args.replicates, args.resamples).items()},
    }
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:32s} {value:10.3f}")


if __name__ == "__main__":
    main()
