"""The standard stage-game workload as a lean NumPy loop: the yardstick for the engine.

The same workload as ``bargainlab bench`` (one issue with 100 price levels, opposed linear
utilities, reservation value 0.3 for both, 100 steps of alternating offers with the first
mover alternating across replicates, a Conceder seller ``0.3 + 0.7 * (1 - t ** 0.25)`` and a
Boulware buyer ``0.3 + 0.7 * (1 - t ** 4)``, ``t = s / 99``; a proposer rounds to a level in
its own favour; a responder accepts an offer worth at least its own next target), written
as a kernel for this pair of tactics alone. Like the engine it is general in the replicate
(each replicate has its own reservation values, so targets, offers and decisions are arrays
over the batch, and finished negotiations stay in the batch under a mask); unlike the engine
it hard-codes the two tactics and keeps no views, histories, conditions or traces. The ratio
of the two is the cost of the engine's generality, and ``bargainlab bench`` reports it.

Run: ``python benchmarks/lean_loop.py [--replicates N]`` prints offers per second and checks
that the loop and the engine agree on every negotiation of a small batch.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

STEPS, LEVELS, RESERVATION = 100, 100, 0.3


def _snap(x: np.ndarray, up: np.ndarray) -> np.ndarray:
    """The level at or beyond ``x`` in the proposer's favour (up for the seller)."""
    k = LEVELS - 1
    level = np.where(up, np.ceil(x * k - 1e-9), np.floor(x * k + 1e-9))
    return np.clip(level / k, 0.0, 1.0)


def lean_negotiate(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(agreed, steps, price)`` of ``n`` negotiations of the standard workload."""
    floor_s = np.full(n, RESERVATION)  # each replicate's seller and buyer bottom lines
    floor_b = np.full(n, RESERVATION)
    span_s, span_b = 1.0 - floor_s, 1.0 - floor_b
    t = np.minimum(np.arange(STEPS + 1) / (STEPS - 1), 1.0)
    left_s, left_b = 1.0 - t**0.25, 1.0 - t**4.0  # share of the span each still asks for
    seller_first = np.arange(n) % 2 == 0
    open_ = np.ones(n, dtype=bool)
    agreed = np.zeros(n, dtype=bool)
    steps = np.zeros(n, dtype=np.int64)
    price = np.zeros(n)
    for s in range(STEPS):
        seller_proposes = seller_first if s % 2 == 0 else ~seller_first
        # the proposer's target at s; the responder's at s + 1 (it accepts what is worth that)
        ask = np.where(
            seller_proposes, floor_s + span_s * left_s[s], 1.0 - floor_b - span_b * left_b[s]
        )
        x = _snap(ask, seller_proposes)
        need = np.where(
            seller_proposes, floor_b + span_b * left_b[s + 1], floor_s + span_s * left_s[s + 1]
        )
        value = np.where(seller_proposes, 1.0 - x, x)
        accept = open_ & (value >= need - 1e-12)
        np.copyto(price, x, where=accept)
        agreed |= accept
        np.copyto(steps, s + 1, where=open_)
        open_ &= ~accept
    return agreed, steps, price


def measure(replicates: int = 200_000, repeats: int = 3) -> dict[str, float]:
    """Best of ``repeats`` timed runs (after a warm-up) of the lean loop."""
    lean_negotiate(1000)
    best = math.inf
    offers = 0
    for _ in range(repeats):
        start = time.perf_counter()
        _, steps, _ = lean_negotiate(replicates)
        best = min(best, time.perf_counter() - start)
        offers = int(steps.sum())
    return {"replicates": replicates, "seconds": best, "offers_per_s": offers / best}


def agrees_with_engine(n: int = 1000) -> bool:
    """Whether the loop and the engine give the same agreements, steps and prices."""
    from bargainlab.cli.bench import run

    result, _ = run(n)
    agreed, steps, price = lean_negotiate(n)
    return bool(
        np.array_equal(agreed, result.agreed)
        and np.array_equal(steps, result.steps)
        and np.allclose(price, np.where(result.agreed, result.x, 0.0), atol=1e-12)
    )


def main() -> None:
    """Print the lean loop's offers per second and whether it agrees with the engine."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicates", type=int, default=200_000)
    args = parser.parse_args()
    m = measure(args.replicates)
    print(f"lean loop: {m['offers_per_s']:,.0f} offers/s ({m['replicates']:,} negotiations)")
    print(f"agrees with the engine on 1,000 negotiations: {agrees_with_engine()}")


if __name__ == "__main__":
    main()
