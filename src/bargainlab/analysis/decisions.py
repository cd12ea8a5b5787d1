"""Every effect row of a study, tested and decided: the statistics behind the summary's parts.

:func:`decide` builds the rows of :mod:`bargainlab.analysis.effects` for every cell, counts
the two families (``effect``: comparisons x cells x outcome windows of the focal party's
payoff, channels ``all``; ``survival``: comparisons x multi-round cells), tests each row with
the bootstrap-t of :mod:`bargainlab.analysis.inference` at its family's adjusted level
(descriptive rows -- channel switch-offs, mediation -- at the unadjusted ``1 - alpha``), and
reads the verdict off the printed interval with the study's ``sesoi``.

Intervals of ``effect`` and ``survival`` rows are clipped to ``[-1, 1]``, the range of a
difference of normalised utilities or of survival indicators: clipping an interval to the
parameter space changes neither its coverage nor whether it contains 0 or lies within
``sesoi`` of it, so no p-value or verdict changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from ..config.schema import StudySpec
from ..support.forking import fork_map, usable_cores
from .effects import Row, cell_arms, channel_rows, effect_rows, mediation_rows, windows_for
from .inference import (
    critical_count,
    interval_and_p,
    paired_bootstrap,
    resamples_needed,
    row_generator,
    verdicts,
)
from .parts import PartName
from .power import z_sum
from .tables import (
    MEDIATION_SCHEMA,
    REPLICATES_KEYS,
    REPLICATES_SCHEMA,
    CellTables,
    FrameCells,
    check_table,
)

__all__ = ["FORK_CELLS", "STAT_COLUMNS", "decide", "design_family_sizes", "family_sizes"]

FORK_CELLS = 8
"""Studies with fewer cells are tested in the calling process unless ``workers`` is given:
starting the forked processes (about 0.1 s) costs more than a few cells' bootstraps."""

STAT_COLUMNS = [
    "family",
    "m",
    "n",
    "mean_diff",
    "sd_diff",
    "ci_low",
    "ci_high",
    "ci_level",
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


def design_family_sizes(study: StudySpec, rounds_by_cell: dict[int, int]) -> dict[str, int]:
    """Rows per family from the design alone (the same counts as :func:`family_sizes`): per
    cell and comparison, one ``effect`` row per outcome window and a ``survival`` row when the
    cell has later rounds."""
    comparisons = len(study.arms.pairs())
    return {
        "effect": comparisons * sum(len(windows_for(r)) for r in rounds_by_cell.values()),
        "survival": comparisons * sum(r >= 2 for r in rounds_by_cell.values()),
        "descriptive": 1,
    }


def family_sizes(cells: Sequence[tuple[int, list[Row]]]) -> dict[str, int]:
    """Rows per family (``descriptive`` rows are each their own family of one)."""
    sizes = {"effect": 0, "survival": 0, "descriptive": 1}
    for _, rows in cells:
        for row in rows:
            if row.family != "descriptive":
                sizes[row.family] += 1
    return sizes


@dataclass(frozen=True)
class _Plan:
    """What every cell's tests share: the study, its families' sizes, resamples and power
    factors."""

    study: StudySpec
    sizes: dict[str, int]
    counts: dict[str, int]
    """Resamples per family."""
    factors: dict[str, float]
    """``z_{1-alpha/(2m)} + z_power`` per family (see :mod:`bargainlab.analysis.power`)."""

    @classmethod
    def of(cls, study: StudySpec, rounds: dict[int, int]) -> _Plan:
        """The plan of a study whose cells have these numbers of rounds."""
        spec = study.analysis
        sizes = design_family_sizes(study, rounds)
        counts = {
            family: spec.resamples
            if family == "descriptive"
            else resamples_needed(m, spec.alpha, spec.resamples, spec.tail)
            for family, m in sizes.items()
        }
        factors = {f: z_sum(spec.alpha, max(m, 1), spec.power) for f, m in sizes.items()}
        return cls(study, sizes, counts, factors)


def _tested(plan: _Plan, rows: list[Row], cell: int) -> list[dict]:
    """The statistics of one cell's rows, tested together on the same resamples."""
    spec = plan.study.analysis
    m = np.array([plan.sizes[r.family] for r in rows])
    resamples = np.array([plan.counts[r.family] for r in rows])
    keep = max(
        critical_count(spec.alpha, int(k), int(b)) for k, b in zip(m, resamples, strict=True)
    )
    tests = paired_bootstrap(
        np.column_stack([r.diffs for r in rows]),
        np.column_stack([r.members for r in rows]),
        resamples=resamples,
        rng=row_generator(plan.study.seed, "bootstrap", cell),
        keep=keep + 1,
    )
    result = interval_and_p(tests, m, spec.alpha)
    bounded = np.array([r.family != "descriptive" for r in rows])
    result["ci_low"] = np.where(bounded, np.maximum(result["ci_low"], -1.0), result["ci_low"])
    result["ci_high"] = np.where(bounded, np.minimum(result["ci_high"], 1.0), result["ci_high"])
    verdict = verdicts(result["ci_low"], result["ci_high"], spec.sesoi)
    z = np.array([plan.factors[r.family] for r in rows])
    mde = z * tests.sd / np.sqrt(np.maximum(tests.n, 1))
    needed = np.maximum(np.ceil((z * tests.sd / spec.sesoi) ** 2), 2).astype(np.int64)
    return [
        {
            **row.key,
            **row.describe,
            "family": row.family,
            "m": int(m[j]),
            "n": int(tests.n[j]),
            "mean_diff": float(tests.mean[j]) if tests.n[j] else np.nan,
            "sd_diff": float(tests.sd[j]),
            **{k: float(v[j]) for k, v in result.items()},
            "resamples": int(resamples[j]),
            "sesoi": spec.sesoi,
            "verdict": verdict[j],
            "exact_zero": bool(tests.exact_zero[j]),
            "mde": float(mde[j]),
            "n_needed": int(needed[j]),
        }
        for j, row in enumerate(rows)
    ]


def _decide_cell(plan: _Plan, source: CellTables, cell: int) -> list[tuple[PartName, dict]]:
    """One cell's rows with their statistics, each with the part it belongs to."""
    block = check_table(source.replicates(cell), REPLICATES_SCHEMA, "replicates", REPLICATES_KEYS)
    own = source.mediation(cell)
    if own is not None and not own.empty:
        own = check_table(own, MEDIATION_SCHEMA, "mediation")
    rows = _cell_rows(block, plan.study, own)
    if not rows:
        return []
    return [(row.part, record) for row, record in zip(rows, _tested(plan, rows, cell), strict=True)]


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
    rounds = source.rounds_by_cell()
    plan = _Plan.of(study, rounds)
    # cells are independent (each bootstrap is seeded from the study seed and its cell), so
    # they are tested on every core; the rows are those of a serial loop, in the same order
    cells = list(rounds)
    if workers is None and len(cells) < FORK_CELLS:
        workers = 1
    chunk = max(1, len(cells) // (8 * max(1, workers or usable_cores())))
    # BLAS on one thread here too, as in the forked processes: a threaded matrix product may
    # add in another order, and the intervals' last bits would depend on the cores
    with threadpool_limits(limits=1, user_api="blas"):
        per_cell = fork_map(
            partial(_decide_cell, plan, source), cells, workers=workers, chunksize=chunk
        )
    by_part: dict[PartName, list[dict]] = {}
    for part, record in (item for rows in per_cell for item in rows):
        by_part.setdefault(part, []).append(record)
    return {part: pd.DataFrame.from_records(records) for part, records in by_part.items()}
