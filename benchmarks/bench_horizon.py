"""The planner that plans to the horizon: what it costs, and what its approximation costs.

Run: ``python benchmarks/bench_horizon.py [--replicates N] [--cases N] [--json]``.

* **Cost.** The CPU time and the peak memory the planning allocates (tracemalloc, which
  NumPy reports to) of one call of :func:`~bargainlab.strategies.horizon.horizon_values` for
  ``N`` replicates with the relationship benchmark's beliefs (six types, a 101-point grid)
  and 19 rounds left, when a rejection ends the relationship and when it does not, beside
  the one-round lookahead's. Per replicate and round left it is the same at any number of
  rounds. ``python benchmarks/bench_relationships.py --lookahead horizon`` measures the whole
  relationship.
* **Accuracy.** Where the planner is an approximation (``rho < 1``), small random problems
  (one to three types, three or four points, three or four rounds) are solved exactly:
  every demand policy (a candidate for each history of outcomes) is evaluated with the
  bottom line following its Markov chain, and each planner's play -- its demand in every
  round chosen from the exact posterior, as a learner plays -- is evaluated the same way.
  It prints the share of problems each planner plays optimally and its mean and largest
  loss (relative to the best policy's value).
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
import tracemalloc

import numpy as np

from bargainlab.engine.views import Outlook
from bargainlab.strategies.horizon import horizon_values
from bargainlab.strategies.planning import DemandProblem, choose_demand


def relationship_problem(n: int, seed: int = 0) -> DemandProblem:
    """``n`` replicates of beliefs like the relationship benchmark's: six types over a
    101-point grid, thresholds shifted per type."""
    rng = np.random.default_rng(seed)
    k, g = 6, 101
    theta = np.linspace(0, 1, g)
    return DemandProblem(
        mass=rng.dirichlet(np.ones(k * g), size=n).reshape(n, k, g),
        conditional=rng.dirichlet(np.ones(g), size=(n, k)),
        thresholds=np.clip(theta + rng.uniform(-0.1, 0.3, (n, k, 1)), 0.0, 1.2),
        values=theta,
        own_utility=np.broadcast_to(1.0 - theta, (n, g)),
        disagreement=np.full(n, 0.2),
        outside_option=np.full(n, 0.3),
    )


def cost(replicates: int) -> dict[str, float]:
    """CPU seconds and peak traced MiB of one planning call per planner and rules."""
    problem = relationship_problem(replicates)
    out: dict[str, float] = {}
    for ends in (True, False):
        outlook = Outlook(19, 0.8, ends, True)
        calls = {
            "horizon": lambda o=outlook: horizon_values(problem, o),
            "one_round": lambda o=outlook: choose_demand(problem, o, lookahead=1),
        }
        for name, call in calls.items():
            tracemalloc.start()
            start = time.process_time()
            call()
            seconds = time.process_time() - start
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            key = f"{name}_{'ends' if ends else 'continues'}"
            out[f"{key}_cpu_s"] = seconds
            out[f"{key}_us_per_replicate_round"] = seconds / replicates / 19 * 1e6
            out[f"{key}_peak_mib"] = peak / 2**20
    return out


def _case(rng: np.random.Generator, types: int, points: int, rho: float) -> dict:
    """A small random problem (one replicate)."""
    return {
        "mass": rng.dirichlet(np.ones(types * points)).reshape(1, types, points),
        "conditional": rng.dirichlet(np.ones(points), size=(1, types)),
        "thresholds": rng.choice(np.linspace(0.0, 1.2, 13), size=(1, types, points)),
        "own": np.sort(rng.uniform(0.2, 1.0, points))[::-1].copy(),
        "d": rng.uniform(0.0, 0.3),
        "w": rng.uniform(0.0, 0.3),
        "rho": rho,
    }


def _problem(case: dict, mass: np.ndarray) -> DemandProblem:
    """The case's problem with the belief ``mass`` ``(K, G)``."""
    points = case["own"].size
    return DemandProblem(
        mass=mass[None],
        conditional=case["conditional"],
        thresholds=case["thresholds"],
        values=np.linspace(0.0, 1.0, points),
        own_utility=case["own"][None],
        disagreement=np.array([case["d"]]),
        outside_option=np.array([case["w"]]),
    )


def best_policy(case: dict, rounds: int, ends: bool) -> float:
    """The value of the best demand policy, by evaluating every one (candidates only)."""
    tau, within, rho = case["thresholds"][0], case["conditional"][0], case["rho"]
    types, points = tau.shape
    values = np.linspace(0.0, 1.0, points)
    histories = [
        h
        for t in range(rounds)
        for h in ([(1,) * t] if ends else itertools.product((0, 1), repeat=t))
    ]
    index = {h: i for i, h in enumerate(histories)}
    policies = np.array(list(itertools.product(range(points), repeat=len(histories))))
    paths = np.array(list(itertools.product(range(types), *[range(points)] * rounds)))
    k, g = paths[:, 0], paths[:, 1:]
    prob = case["mass"][0][k, g[:, 0]]
    for t in range(1, rounds):
        prob = prob * (rho * (g[:, t] == g[:, t - 1]) + (1 - rho) * within[k, g[:, t]])
    lookup = {
        (len(h), sum(b << (len(h) - 1 - i) for i, b in enumerate(h))): i for h, i in index.items()
    }
    codes = np.full((rounds, 2**rounds), 0)
    for (t, c), i in lookup.items():
        codes[t, c] = i
    total = np.zeros((len(policies), len(paths)))
    node = np.zeros_like(total, dtype=np.int64)
    code = np.zeros_like(node)
    alive = np.ones_like(total, dtype=bool)
    for t in range(rounds):
        demand = np.take_along_axis(policies, node, axis=1)
        accepted = tau[k, g[:, t]][None, :] <= values[demand] + 1e-12
        total += np.where(alive, np.where(accepted, case["own"][demand], case["d"]), 0.0)
        if ends:
            total += np.where(alive & ~accepted, (rounds - 1 - t) * case["w"], 0.0)
            alive &= accepted
        code = 2 * code + accepted
        if t + 1 < rounds:
            node = np.where(alive, codes[t + 1][code], 0)
    return float((total @ prob).max())


def played(case: dict, planner: str, belief: np.ndarray, left: int, ends: bool) -> float:
    """The exact value of a planner's play from ``belief`` with ``left`` rounds to go: its
    demand chosen every round from the exact posterior."""
    if left == 0:
        return 0.0
    problem = _problem(case, belief)
    outlook = Outlook(left - 1, case["rho"], ends, True)
    if planner == "horizon":
        j = int(np.argmax(horizon_values(problem, outlook)[0]))
    else:
        u = choose_demand(problem, outlook, lookahead=int(planner))[0]
        j = int(np.flatnonzero(problem.own_utility[0] == u)[0])
    tau, rho, within = case["thresholds"][0], case["rho"], case["conditional"][0]
    accepted = tau <= problem.values[j] + 1e-12
    p = belief[accepted].sum()
    value = p * case["own"][j] + (1 - p) * case["d"]
    for mask, weight in ((accepted, p), (~accepted, 1 - p)):
        if weight <= 1e-15:
            continue
        if ends and mask is not accepted:
            value += weight * (left - 1) * case["w"]
            continue
        post = np.where(mask, belief, 0.0) / weight
        nxt = rho * post + (1 - rho) * post.sum(axis=1)[:, None] * within
        value += weight * played(case, planner, nxt, left - 1, ends)
    return value


def accuracy(cases: int, seed: int = 1) -> list[dict[str, object]]:
    """Each planner's share of optimal play and its losses on random small problems."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, object]] = []
    for ends, rho in itertools.product((True, False), (0.5, 0.8, 0.9, 1.0)):
        shapes = ((1, 4, 4), (2, 4, 4), (3, 3, 4)) if ends else ((1, 4, 3), (2, 3, 3))
        for types, points, rounds in shapes:
            loss: dict[str, list[float]] = {"horizon": [], "1": [], "0": []}
            for _ in range(cases):
                case = _case(rng, types, points, rho)
                best = best_policy(case, rounds, ends)
                for planner, losses in loss.items():
                    got = played(case, planner, case["mass"][0], rounds, ends)
                    losses.append((best - got) / abs(best))
            row: dict[str, object] = {
                "ends": ends,
                "rho": rho,
                "types": types,
                "points": points,
                "rounds": rounds,
            }
            for planner, losses in loss.items():
                values = np.array(losses)
                row[f"{planner}_optimal"] = float(np.mean(values < 1e-9))
                row[f"{planner}_mean_loss"] = float(values.mean())
                row[f"{planner}_max_loss"] = float(values.max())
            rows.append(row)
    return rows


def main() -> None:
    """Print the cost and the accuracy (or one JSON object)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicates", type=int, default=1024)
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    spent = cost(args.replicates)
    rows = accuracy(args.cases)
    if args.json:
        print(json.dumps({"cost": spent, "accuracy": rows}))
        return
    for key, value in spent.items():
        print(f"{key}: {value:.3f}")
    for row in rows:
        head = f"ends={row['ends']!s:5} rho={row['rho']} K={row['types']} G={row['points']} T={row['rounds']}:"
        parts = [
            f"{p}: optimal {row[f'{p}_optimal']:.0%}, mean loss {row[f'{p}_mean_loss']:.3%}, "
            f"max {row[f'{p}_max_loss']:.2%}"
            for p in ("horizon", "1", "0")
        ]
        print(head, " | ".join(parts))


if __name__ == "__main__":
    main()
