"""Every effect row of a study, tested and decided: the statistics behind the summary's parts.

:func:`decide` builds the rows of :mod:`bargainlab.analysis.effects` for every cell and tests
them with the bootstrap-t of :mod:`bargainlab.analysis.inference`. Each row declares its
family: the rows of a decided family (``effect``: comparisons x cells x outcome windows of the
focal party's payoff, channels ``all``; ``survival``: comparisons x multi-round cells; any
other family a row names) share one critical value, the max-T one of
:mod:`bargainlab.analysis.maxt`, computed from every row of the family in every cell; a
``descriptive`` row (channel switch-offs, mediation) is a family of its own, at the
unadjusted ``1 - alpha``. The verdict is read off the printed interval with the study's
``sesoi``.

Cells are tested one at a time, on every core: each returns its rows and, per family, its
largest ``|t*|`` in each resample; the families' critical values follow once every cell is
in. Intervals of the decided families' rows are clipped to ``[-1, 1]``, the range of a
difference of normalised utilities or of survival indicators: clipping an interval to the
parameter space changes neither its coverage nor whether it contains 0 or lies within
``sesoi`` of it, so no p-value or verdict changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from ..config.schema import StudySpec
from ..support.forking import fork_map, usable_cores
from .effects import Row, cell_arms, channel_rows, effect_rows, mediation_rows
from .inference import (
    OWN,
    critical_count,
    interval_and_p,
    paired_bootstrap,
    resamples_needed,
    row_generator,
    verdicts,
)
from .maxt import Family, max_t_intervals
from .parts import PartName
from .power import planning_factor
from .tables import (
    MEDIATION_SCHEMA,
    REPLICATES_KEYS,
    REPLICATES_SCHEMA,
    CellTables,
    FrameCells,
    check_table,
)

__all__ = ["DESCRIPTIVE", "FORK_CELLS", "STAT_COLUMNS", "decide"]

DESCRIPTIVE = "descriptive"
"""The family of a row that is a family of its own (unadjusted)."""

FORK_CELLS = 8
"""Studies with fewer cells are tested in the calling process unless ``workers`` is given:
starting the forked processes (about 0.1 s) costs more than a few cells' bootstraps."""

_BATCH_VALUES = 2**23
"""Resampled maxima held at once (about 64 MB): cells are tested in batches of this many
maxima, each batch's folded into its families' before the next starts."""

STAT_COLUMNS = [
    "family",
    "m",
    "n",
    "mean_diff",
    "sd_diff",
    "ci_low",
    "ci_high",
    "ci_level",
    "critical",
    "resamples",
    "p_value",
    "p_adjusted",
    "sesoi",
    "verdict",
    "exact_zero",
    "mde",
    "n_needed",
]
"""Statistic columns of every tested row (each summary part keeps those that apply to it,
see :mod:`bargainlab.analysis.parts`)."""


def _cell_rows(block: pd.DataFrame, study: StudySpec, mediation: pd.DataFrame | None) -> list[Row]:
    """Every row of one cell, in the order they are tested (the order fixes the bits)."""
    pairs = study.arms.pairs()
    ids, arms = cell_arms(block)
    rows = effect_rows(block, pairs, arms)
    if study.channels.decompose:
        rows += channel_rows(block, pairs, study.analysis.headline, arms)
    if mediation is not None and not mediation.empty:
        rows += mediation_rows(block, mediation, ids, arms)
    return rows


@dataclass(frozen=True)
class _Cell:
    """One cell's tested rows (a decided family's rows still without their intervals) and,
    per decided family, its largest ``|t*|`` in each resample."""

    records: list[tuple[PartName, dict]]
    maxima: dict[str, np.ndarray]


def _tested(study: StudySpec, rows: list[Row], cell: int) -> _Cell:
    """One cell's rows, tested together on the same resamples: a descriptive row completely,
    a decided family's row up to its family's critical value."""
    spec = study.analysis
    resamples = resamples_needed(1, spec.alpha, spec.resamples, spec.tail)
    families = list(dict.fromkeys(r.family for r in rows if r.family != DESCRIPTIVE))
    groups = [OWN if r.family == DESCRIPTIVE else families.index(r.family) for r in rows]
    tests = paired_bootstrap(
        np.column_stack([r.diffs for r in rows]),
        np.column_stack([r.members for r in rows]),
        resamples=resamples,
        rng=row_generator(study.seed, "bootstrap", cell),
        keep=critical_count(spec.alpha, 1, resamples) + 1 if OWN in groups else 0,
        groups=groups,
        guard=spec.tail,
        balance=spec.tail,
    )
    own = interval_and_p(tests, 1, spec.alpha)  # the families' rows keep only their p-value
    verdict = verdicts(own["ci_low"], own["ci_high"], spec.sesoi)
    records = []
    for j, row in enumerate(rows):
        record = {
            **row.key,
            **row.describe,
            "family": row.family,
            "m": 1,
            "n": int(tests.n[j]),
            "mean_diff": float(tests.mean[j]) if tests.n[j] else np.nan,
            "sd_diff": float(tests.sd[j]),
            **{k: float(v[j]) for k, v in own.items()},
            "resamples": resamples,
            "sesoi": spec.sesoi,
            "verdict": verdict[j],
            "exact_zero": bool(tests.exact_zero[j]),
            "mde": np.nan,
            "n_needed": 0,
            "_se": float(tests.se[j]),
            "_t": float(tests.t_obs[j]),
            "_scale": float(tests.scale[j]),
        }
        records.append((row.part, record))
    return _Cell(records, {f: tests.maxima[g] for g, f in enumerate(families)})


def _decide_cell(study: StudySpec, source: CellTables, cell: int) -> _Cell:
    """One cell's rows with their statistics, each with the part it belongs to."""
    block = check_table(source.replicates(cell), REPLICATES_SCHEMA, "replicates", REPLICATES_KEYS)
    own = source.mediation(cell)
    if own is not None and not own.empty:
        own = check_table(own, MEDIATION_SCHEMA, "mediation")
    rows = _cell_rows(block, study, own)
    return _tested(study, rows, cell) if rows else _Cell([], {})


def _decided(
    frame: pd.DataFrame, families: dict[str, Family], sizes: dict[str, int], study: StudySpec
) -> pd.DataFrame:
    """The rows of ``frame`` with the intervals, adjusted p-values, verdicts and power of
    their families (``sizes`` rows each; descriptive rows as they are)."""
    spec = study.analysis
    frame = frame.copy()
    for name in frame["family"].unique():
        if name == DESCRIPTIVE:
            continue
        family, m = families[name], sizes[name]
        at = (frame["family"] == name).to_numpy()
        rows = frame.loc[at]
        result = max_t_intervals(
            family, rows["n"].to_numpy(), rows["mean_diff"].fillna(0.0).to_numpy(),
            rows["_se"].to_numpy(), rows["_t"].to_numpy(), rows["_scale"].to_numpy(),
        )  # fmt: skip
        low = np.maximum(result["ci_low"], -1.0)
        high = np.minimum(result["ci_high"], 1.0)
        sd, n = rows["sd_diff"].to_numpy(), np.maximum(rows["n"].to_numpy(), 1)
        factor = planning_factor(result["critical"], spec.alpha, m, spec.power)
        frame.loc[at, "ci_low"] = low
        frame.loc[at, "ci_high"] = high
        frame.loc[at, "critical"] = result["critical"]
        frame.loc[at, "p_adjusted"] = result["p_adjusted"]
        frame.loc[at, "ci_level"] = 1.0 - spec.alpha
        frame.loc[at, "m"] = m
        frame.loc[at, "verdict"] = verdicts(low, high, spec.sesoi)
        frame.loc[at, "mde"] = factor * sd / np.sqrt(n)
        frame.loc[at, "n_needed"] = np.maximum(np.ceil((factor * sd / spec.sesoi) ** 2), 2)
    return frame.drop(columns=["_se", "_t", "_scale"]).astype({"m": np.int64, "n_needed": np.int64})


def _batches(cells: list[int], resamples: int) -> list[list[int]]:
    """Cells in batches whose resampled maxima (a few families' per cell) fit the budget."""
    size = max(FORK_CELLS, _BATCH_VALUES // max(4 * resamples, 1))
    return [cells[i : i + size] for i in range(0, len(cells), size)]


def _test_cells(
    source: CellTables, study: StudySpec, cells: list[int], workers: int | None
) -> tuple[list[tuple[PartName, dict]], dict[str, np.ndarray]]:
    """Every cell's records, and each decided family's largest ``|t*|`` per resample over
    all its cells."""
    spec = study.analysis
    resamples = resamples_needed(1, spec.alpha, spec.resamples, spec.tail)
    records: list[tuple[PartName, dict]] = []
    maxima: dict[str, np.ndarray] = {}
    for batch in _batches(cells, resamples):
        chunk = max(1, len(batch) // (8 * max(1, workers or usable_cores())))
        # cells are independent (each bootstrap is seeded from the study seed and its cell);
        # BLAS on one thread here too, as in the forked processes: a threaded matrix product
        # may add in another order, and the intervals' last bits would depend on the cores
        with threadpool_limits(limits=1, user_api="blas"):
            done = fork_map(
                partial(_decide_cell, study, source), batch, workers=workers, chunksize=chunk
            )
        for tested in done:
            records += tested.records
            for name, values in tested.maxima.items():
                if name in maxima:
                    np.maximum(maxima[name], values, out=maxima[name])
                else:
                    maxima[name] = values.copy()
    return records, maxima


def decide(
    replicates: pd.DataFrame | CellTables,
    study: StudySpec,
    *,
    mediation: pd.DataFrame | None = None,
    workers: int | None = None,
) -> dict[PartName, pd.DataFrame]:
    """Every tested row, by the summary part it belongs to (``effects``, ``survival``,
    ``channels``, ``mediation``; a part without rows is left out): its key columns, per-arm
    descriptors and :data:`STAT_COLUMNS`, in cell order.

    ``replicates`` is the replicates table, or the small tables served cell by cell
    (:class:`~bargainlab.analysis.tables.CellTables`): cells are decided one at a time, so
    only one cell's rows are held at once by each of up to ``workers`` forked processes
    (default: the usable cores, from :data:`FORK_CELLS` cells on; ``1`` tests them in this
    process). The rows are the same, to the last bit, whatever ``workers`` is."""
    source: CellTables = (
        FrameCells(replicates, mediation) if isinstance(replicates, pd.DataFrame) else replicates
    )
    cells = list(source.rounds_by_cell())
    if workers is None and len(cells) < FORK_CELLS:
        workers = 1
    records, maxima = _test_cells(source, study, cells, workers)
    families = {name: Family(values, study.analysis.alpha) for name, values in maxima.items()}
    sizes = pd.Series([r["family"] for _, r in records]).value_counts().to_dict()
    by_part: dict[PartName, list[dict]] = {}
    for part, record in records:
        by_part.setdefault(part, []).append(record)
    return {
        part: _decided(pd.DataFrame.from_records(rows), families, sizes, study)
        for part, rows in by_part.items()
    }
