"""Every effect row of a study, tested and decided: the statistics behind ``summary.csv``.

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

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from .._forking import fork_map, usable_cores
from ..config.schema import StudySpec
from .effects import Row, cell_arms, channel_rows, effect_rows, mediation_rows, windows_for
from .inference import (
    critical_count,
    interval_and_p,
    paired_bootstrap,
    resamples_needed,
    row_generator,
    verdicts,
)
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
    "payoff_treatment",
    "payoff_control",
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
"""Statistic columns of every tested row (see :mod:`bargainlab.analysis.summary`)."""


def _cell_rows(block: pd.DataFrame, study: StudySpec, mediation: pd.DataFrame | None) -> list[Row]:
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


def decide(
    replicates: pd.DataFrame | CellTables,
    study: StudySpec,
    *,
    mediation: pd.DataFrame | None = None,
    workers: int | None = None,
) -> pd.DataFrame:
    """One row per tested quantity: key columns (``section``, ``cell``, ``channels``, ``treatment``, ``control``, ``window``, ``component``), the per-arm
    descriptors and :data:`STAT_COLUMNS`.

    ``replicates`` is the replicates table, or the small tables served cell by cell
    (:class:`~bargainlab.analysis.tables.CellTables`): cells are decided one at a time, so
    only one cell's rows are held at once by each of up to ``workers`` forked processes
    (default: the usable cores, from :data:`FORK_CELLS` cells on; ``1`` tests them in this
    process). The rows are the same, to the last bit, whatever ``workers`` is."""
    spec = study.analysis
    source: CellTables = (
        FrameCells(replicates, mediation) if isinstance(replicates, pd.DataFrame) else replicates
    )
    rounds = source.rounds_by_cell()
    sizes = design_family_sizes(study, rounds)
    counts = {
        family: resamples_needed(m, spec.alpha, spec.resamples, spec.tail)
        if family != "descriptive"
        else spec.resamples
        for family, m in sizes.items()
    }
    # z_{1-alpha/(2m)} + z_power per family (see bargainlab.analysis.power)
    factors = {family: z_sum(spec.alpha, max(m, 1), spec.power) for family, m in sizes.items()}

    def one_cell(cell: int) -> list[dict]:
        block = check_table(
            source.replicates(cell), REPLICATES_SCHEMA, "replicates", REPLICATES_KEYS
        )
        own = source.mediation(cell)
        if own is not None and not own.empty:
            own = check_table(own, MEDIATION_SCHEMA, "mediation")
        rows = _cell_rows(block, study, own)
        if not rows:
            return []
        m = np.array([sizes[r.family] for r in rows])
        resamples = np.array([counts[r.family] for r in rows])
        keep = (
            max(
                critical_count(spec.alpha, int(k), int(b))
                for k, b in zip(m, resamples, strict=True)
            )
            + 1
        )
        tests = paired_bootstrap(
            np.column_stack([r.diffs for r in rows]),
            np.column_stack([r.members for r in rows]),
            resamples=resamples,
            rng=row_generator(study.seed, "bootstrap", cell),
            keep=keep,
        )
        result = interval_and_p(tests, m, spec.alpha)
        bounded = np.array([r.family != "descriptive" for r in rows])
        result["ci_low"] = np.where(bounded, np.maximum(result["ci_low"], -1.0), result["ci_low"])
        result["ci_high"] = np.where(bounded, np.minimum(result["ci_high"], 1.0), result["ci_high"])
        verdict = verdicts(result["ci_low"], result["ci_high"], spec.sesoi)
        z = np.array([factors[r.family] for r in rows])
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

    # cells are independent (each bootstrap is seeded from the study seed and its cell), so
    # they are tested on every core; the rows are those of a serial loop, in the same order
    cells = list(rounds)
    if workers is None and len(cells) < FORK_CELLS:
        workers = 1
    chunk = max(1, len(cells) // (8 * max(1, workers or usable_cores())))
    # BLAS on one thread here too, as in the forked processes: a threaded matrix product may
    # add in another order, and the intervals' last bits would depend on the cores
    with threadpool_limits(limits=1, user_api="blas"):
        per_cell = fork_map(one_cell, cells, workers=workers, chunksize=chunk)
    records = [record for rows in per_cell for record in rows]
    return pd.DataFrame.from_records(records)
