"""The small tables of :mod:`bargainlab.analysis.tables`, derived from a rounds table, and the
pooled statistics of the trajectories table.

:func:`replicates_from_rounds` and :func:`trajectories_from_rounds` accept the rounds of any
subset of replicates (a chunk, a cell, a whole run): the replicates table of a union is the
union of the tables, and the trajectories table of a union is :func:`pool_trajectories` of
the tables. :func:`trajectory_stats` turns the pooled sums into means, standard deviations
and normal-approximation intervals.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .tables import (
    REPLICATES_KEYS,
    REPLICATES_SCHEMA,
    TRAJECTORIES_KEYS,
    TRAJECTORIES_SCHEMA,
    TRAJECTORY_METRICS,
    check_table,
)

__all__ = [
    "pool_trajectories",
    "replicates_from_rounds",
    "trajectories_from_rounds",
    "trajectory_stats",
]

_GROUP = ["channels", "arm", "replicate"]


def _party_rows(rounds: pd.DataFrame, party: str, columns: Sequence[str]) -> pd.DataFrame:
    """``columns`` of one party's rows sorted by cell, channels, arm, replicate and round (the
    rounds table's own order, so usually already in it; sorted on integer codes otherwise)."""
    keys = ["cell", *_GROUP, "round"]
    own = rounds.loc[
        (rounds["party"] == party).to_numpy(), [*keys, *(c for c in columns if c not in keys)]
    ]
    codes = [
        pd.factorize(own[c], sort=True)[0] if own[c].dtype == object or not
        pd.api.types.is_numeric_dtype(own[c]) else own[c].to_numpy()
        for c in ("cell", *_GROUP, "round")
    ]  # fmt: skip
    order = np.lexsort(codes[::-1])
    if not (order[1:] > order[:-1]).all():
        own = own.iloc[order]
    return own.reset_index(drop=True)


def _relationships(own: pd.DataFrame, party: str) -> tuple[np.ndarray, np.ndarray]:
    """Start index and rounds R of each relationship (cell x channels x arm x replicate) in a
    party's sorted rows, checked to hold rounds 1..R once each, R the cell's last round."""
    n = len(own)
    keys = [own[c].to_numpy() for c in ("cell", *_GROUP)]
    new = np.ones(n, dtype=bool)
    if n:
        new[1:] = np.logical_or.reduce([k[1:] != k[:-1] for k in keys])
    starts = np.flatnonzero(new)
    sizes = np.diff(np.append(starts, n))
    cell = keys[0][starts]
    last = own.groupby("cell", sort=False)["round"].max()
    rounds = last.reindex(cell).to_numpy(dtype=np.int64)
    position = np.arange(n) - np.repeat(starts, sizes)
    wrong = np.repeat(sizes != rounds, sizes) | (own["round"].to_numpy() != position + 1)
    if wrong.any():
        k = int(np.searchsorted(starts, np.flatnonzero(wrong)[0], side="right") - 1)
        raise ValueError(
            f"cell {cell[k]}: the {party}'s rows do not hold rounds 1..{rounds[k]} once per "
            "replicate"
        )
    return starts, rounds


def _replicate_values(grid: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The replicates table's values of relationships of equal length R from their
    ``(relationships, R)`` grids."""
    utility, active, agreed = grid["utility"], grid["active"], grid["agreed"]
    r = utility.shape[1]
    later = slice(1, None) if r > 1 else slice(0, 1)
    return {
        "payoff_round1": utility[:, 0],
        "payoff_later": utility[:, later].mean(axis=1),
        "payoff_whole": utility.mean(axis=1),
        "survived_round1": active[:, 1] if r > 1 else np.ones(len(utility), dtype=bool),
        "survived_last": active[:, -1],
        "agreement_later": agreed[:, later].mean(axis=1),
        "terms_later_sum": np.where(agreed[:, later], grid["terms"][:, later], 0.0).sum(axis=1),
        "terms_later_count": agreed[:, later].sum(axis=1).astype(np.int64),
        "belief_error_last": np.abs(grid["belief_mean"][:, -1] - grid["reservation_value"][:, -1]),
        "belief_pit_last": grid["belief_pit"][:, -1],
        "total_focal": utility.sum(axis=1),
        "total_opponent": grid["opponent_utility"].sum(axis=1),
        "opponent_payoff_later": grid["opponent_utility"][:, later].mean(axis=1),
    }


def replicates_from_rounds(rounds: pd.DataFrame, focal: str, opponent: str) -> pd.DataFrame:
    """The ``replicates`` table (:data:`~bargainlab.analysis.tables.REPLICATES_SCHEMA`) of a
    rounds table: one row per cell x channels x arm x replicate about the ``focal`` party,
    with the ``opponent``'s belief about it. Computed for all relationships of the same
    length at once, from one grid of their rows."""
    if rounds.empty:
        raise ValueError("the rounds table is empty")
    parties = set(rounds["party"].unique())
    for party in (focal, opponent):
        if party not in parties:
            raise ValueError(
                f"party {party!r} not in the rounds table; parties are {sorted(parties)}"
            )
    measured = ["utility", "active", "agreed", "terms", "reservation_value"]
    own = _party_rows(rounds, focal, measured)
    other = _party_rows(rounds, opponent, ["utility", "belief_mean", "belief_pit"])
    starts, r = _relationships(own, focal)
    _relationships(other, opponent)
    if len(own) != len(other) or not all(
        np.array_equal(own[c].to_numpy(), other[c].to_numpy()) for c in ("cell", *_GROUP)
    ):
        cells = sorted(set(own["cell"]) ^ set(other["cell"])) or sorted(set(own["cell"]))
        raise ValueError(f"cell {cells[0]}: the two parties' rows do not match")
    out = own.iloc[starts][["cell", *_GROUP]].reset_index(drop=True)
    out["rounds"] = r
    columns = {
        "utility": own["utility"].to_numpy(dtype=float),
        "active": own["active"].to_numpy(dtype=bool),
        "agreed": own["agreed"].to_numpy(dtype=bool),
        "terms": own["terms"].to_numpy(dtype=float),
        "reservation_value": own["reservation_value"].to_numpy(dtype=float),
        "belief_mean": other["belief_mean"].to_numpy(dtype=float),
        "belief_pit": other["belief_pit"].to_numpy(dtype=float),
        "opponent_utility": other["utility"].to_numpy(dtype=float),
    }
    derived: dict[str, np.ndarray] = {}
    # relationships with the same number of rounds as one (relationships, R) grid each, with
    # the very reductions of a per-cell grid (the same floating-point sums)
    for length in np.unique(r):
        chosen = np.flatnonzero(r == length)
        rows = starts[chosen][:, None] + np.arange(length)[None, :]
        for name, values in _replicate_values({k: v[rows] for k, v in columns.items()}).items():
            derived.setdefault(name, np.empty(len(starts), dtype=values.dtype))[chosen] = values
    for name, values in derived.items():
        out[name] = values
    return check_table(out, REPLICATES_SCHEMA, "replicates", REPLICATES_KEYS)


def trajectories_from_rounds(rounds: pd.DataFrame) -> pd.DataFrame:
    """The ``trajectories`` table (:data:`~bargainlab.analysis.tables.TRAJECTORIES_SCHEMA`)
    of a rounds table: per cell x channels x arm x round x party and metric, ``n``, ``sum`` and
    ``sum_sq`` (``terms`` over agreed rounds only)."""
    keys = ["cell", "channels", "arm", "round", "party"]
    present = [m for m in TRAJECTORY_METRICS if m in rounds.columns]
    values = rounds[present].astype(float)
    weights = pd.DataFrame(1.0, index=rounds.index, columns=present)
    if "terms" in present:
        weights["terms"] = rounds["agreed"].astype(float)
    wide = pd.concat(
        [
            rounds[keys],
            weights.add_prefix("n:"),
            (values * weights).add_prefix("sum:"),
            (values * values * weights).add_prefix("sum_sq:"),
        ],
        axis=1,
    )
    sums = wide.groupby(keys, sort=True, dropna=False).sum()
    parts = []
    for metric in present:
        part = sums[[f"n:{metric}", f"sum:{metric}", f"sum_sq:{metric}"]]
        part.columns = ["n", "sum", "sum_sq"]
        parts.append(part.assign(metric=metric).reset_index())
    table = pd.concat(parts, ignore_index=True)
    table["n"] = table["n"].round().astype(np.int64)
    return check_table(_order(table), TRAJECTORIES_SCHEMA, "trajectories", TRAJECTORIES_KEYS)


def _order(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` sorted by cell, channels, arm, party, metric (in the order of
    :data:`TRAJECTORY_METRICS`, any other metric after them) and round."""
    rank = pd.Index(TRAJECTORY_METRICS).get_indexer(table["metric"])
    table = table.assign(_metric=np.where(rank < 0, len(TRAJECTORY_METRICS), rank))
    keys = ["cell", "channels", "arm", "party", "_metric", "round"]
    return table.sort_values(keys, kind="stable").drop(columns="_metric")


def pool_trajectories(tables: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """One trajectories table from several (e.g. one per chunk of replicates): ``n``, ``sum``
    and ``sum_sq`` are added per key."""
    tables = list(tables)
    frame = pd.concat(tables, ignore_index=True)
    keys = list(TRAJECTORIES_KEYS)
    cells = [set(table["cell"].unique()) for table in tables]
    if sum(len(c) for c in cells) == len(set().union(*cells)):
        # no cell in two tables: each key is in one table, already summed there
        pooled = frame[[*keys, "n", "sum", "sum_sq"]]
    else:
        pooled = frame.groupby(keys, sort=False, dropna=False)[["n", "sum", "sum_sq"]].sum()
        pooled = pooled.reset_index()
    return check_table(_order(pooled), TRAJECTORIES_SCHEMA, "trajectories")


def trajectory_stats(
    trajectories: pd.DataFrame,
    party: str,
    metrics: str | Sequence[str],
    *,
    by: Sequence[str] = ("arm",),
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per ``by`` group, round and metric: ``n``, ``mean``, ``sd`` and the interval
    ``mean +- t_{(1+confidence)/2, n-1} * sd / sqrt(n)`` of ``party``'s rows, pooled over
    everything not in ``by`` (filter cells and channels first). The interval collapses to the
    mean when ``n < 2``; groups without observations (no agreement yet) are left out."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    wanted = [metrics] if isinstance(metrics, str) else list(metrics)
    unknown = [m for m in wanted if m not in TRAJECTORY_METRICS]
    if unknown:
        raise ValueError(f"metrics must be among {list(TRAJECTORY_METRICS)}, got {unknown}")
    rows = trajectories[(trajectories["party"] == party) & trajectories["metric"].isin(wanted)]
    if rows.empty:
        raise ValueError(f"no trajectory rows for party {party!r} and metrics {wanted}")
    keys = [*by, "round", "metric"]
    out = rows.groupby(keys, sort=True)[["n", "sum", "sum_sq"]].sum().reset_index()
    out = out[out["n"] > 0].reset_index(drop=True)
    n = out["n"].to_numpy(dtype=float)
    mean = out["sum"].to_numpy() / n
    var = np.maximum(out["sum_sq"].to_numpy() - n * mean**2, 0.0) / np.maximum(n - 1, 1)
    sd = np.where(n > 1, np.sqrt(var), 0.0)
    half = np.where(
        n > 1, stats.t.ppf((1 + confidence) / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(n), 0.0
    )
    out = out.assign(mean=mean, sd=sd, ci_low=mean - half, ci_high=mean + half)
    return out[[*keys, "n", "mean", "sd", "ci_low", "ci_high"]]
