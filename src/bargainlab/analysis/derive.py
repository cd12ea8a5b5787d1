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


def _party_block(rows: pd.DataFrame, party: str, cell: int, n_rounds: int) -> pd.DataFrame:
    """One party's rows of one cell, sorted by channels, arm, replicate, round; checked to hold
    rounds 1..R for every replicate."""
    own = rows[rows["party"] == party].sort_values([*_GROUP, "round"], kind="stable")
    expected = np.tile(np.arange(1, n_rounds + 1), max(len(own) // n_rounds, 1))
    if len(own) % n_rounds or not np.array_equal(own["round"].to_numpy(), expected[: len(own)]):
        raise ValueError(
            f"cell {cell}: the {party}'s rows do not hold rounds 1..{n_rounds} once per replicate"
        )
    return own


def _grid(frame: pd.DataFrame, column: str, n_rounds: int, dtype: type = float) -> np.ndarray:
    """A column of a party block as a (replicates, rounds) array."""
    return frame[column].to_numpy(dtype=dtype).reshape(-1, n_rounds)


def replicates_from_rounds(
    rounds: pd.DataFrame, focal: str, opponent: str, axes: Sequence[str] = ()
) -> pd.DataFrame:
    """The ``replicates`` table (:data:`~bargainlab.analysis.tables.REPLICATES_SCHEMA`) of a
    rounds table: one row per cell x channels x arm x replicate about the ``focal`` party,
    with the ``opponent``'s belief about it."""
    axes = list(axes)
    if rounds.empty:
        raise ValueError("the rounds table is empty")
    parties = set(rounds["party"].unique())
    for party in (focal, opponent):
        if party not in parties:
            raise ValueError(
                f"party {party!r} not in the rounds table; parties are {sorted(parties)}"
            )
    frames = []
    for cell, rows in rounds.groupby("cell", sort=True):
        r = int(rows["round"].max())
        own = _party_block(rows, focal, int(cell), r)
        other = _party_block(rows, opponent, int(cell), r)
        if not own[_GROUP].reset_index(drop=True).equals(other[_GROUP].reset_index(drop=True)):
            raise ValueError(f"cell {cell}: the two parties' rows do not match")
        utility, active = _grid(own, "utility", r), _grid(own, "active", r, bool)
        agreed, terms = _grid(own, "agreed", r, bool), _grid(own, "terms", r)
        later = slice(1, None) if r > 1 else slice(0, 1)
        out = own.iloc[::r][_GROUP].reset_index(drop=True)
        out.insert(0, "cell", int(cell))
        for axis in axes:
            out[axis] = rows[axis].iloc[0]
        out["rounds"] = r
        out["payoff_round1"] = utility[:, 0]
        out["payoff_later"] = utility[:, later].mean(axis=1)
        out["payoff_whole"] = utility.mean(axis=1)
        out["survived_round1"] = active[:, 1] if r > 1 else True
        out["survived_last"] = active[:, -1]
        out["agreement_later"] = agreed[:, later].mean(axis=1)
        out["terms_later_sum"] = np.where(agreed[:, later], terms[:, later], 0.0).sum(axis=1)
        out["terms_later_count"] = agreed[:, later].sum(axis=1).astype(np.int64)
        belief = _grid(other, "belief_mean", r)[:, -1]
        out["belief_error_last"] = np.abs(belief - _grid(own, "reservation_value", r)[:, -1])
        out["belief_pit_last"] = _grid(other, "belief_pit", r)[:, -1]
        out["total_focal"] = utility.sum(axis=1)
        out["total_opponent"] = _grid(other, "utility", r).sum(axis=1)
        frames.append(out)
    table = pd.concat(frames, ignore_index=True)
    return check_table(table, REPLICATES_SCHEMA, axes, "replicates", REPLICATES_KEYS)


def trajectories_from_rounds(rounds: pd.DataFrame, axes: Sequence[str] = ()) -> pd.DataFrame:
    """The ``trajectories`` table (:data:`~bargainlab.analysis.tables.TRAJECTORIES_SCHEMA`)
    of a rounds table: per cell x channels x arm x round x party and metric, ``n``, ``sum`` and
    ``sum_sq`` (``terms`` over agreed rounds only)."""
    axes = list(axes)
    keys = ["cell", *axes, "channels", "arm", "round", "party"]
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
    table = _order(table, axes)
    return check_table(table, TRAJECTORIES_SCHEMA, axes, "trajectories", TRAJECTORIES_KEYS)


def _order(table: pd.DataFrame, axes: Sequence[str]) -> pd.DataFrame:
    rank = {m: i for i, m in enumerate(TRAJECTORY_METRICS)}
    table = table.assign(_metric=table["metric"].map(rank))
    keys = ["cell", "channels", "arm", "party", "_metric", "round"]
    return table.sort_values(keys, kind="stable").drop(columns="_metric")


def pool_trajectories(tables: Iterable[pd.DataFrame], axes: Sequence[str] = ()) -> pd.DataFrame:
    """One trajectories table from several (e.g. one per chunk of replicates): ``n``, ``sum``
    and ``sum_sq`` are added per key."""
    axes = list(axes)
    frame = pd.concat(list(tables), ignore_index=True)
    keys = ["cell", *axes, "channels", "arm", "round", "party", "metric"]
    pooled = frame.groupby(keys, sort=False, dropna=False)[["n", "sum", "sum_sq"]].sum()
    pooled = pooled.reset_index()
    return check_table(_order(pooled, axes), TRAJECTORIES_SCHEMA, axes, "trajectories")


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
