"""Evolutionary tournament: does the treatment strategy spread in a population?

Two populations meet in repeated relationships (a bimatrix game, Hofbauer & Sigmund 1998,
ch. 10): the *focal* population chooses among the study's arms (e.g. face_saver,
capitulator, holdout), the *opponent* population among the values of one sweep axis
(``TournamentSpec.opponent_axis``, e.g. ``"strategies.dealer.params.kind"`` = bayesian /
naive / anchored). The arms of the focal population never meet each other, only opponents.

Payoffs are estimated from the ``replicates`` table (channels variant ``"all"``):
``A[i, j]`` is the focal party's and ``B[i, j]`` the opponent's mean *total* utility over all
rounds of a relationship (``total_focal``, ``total_opponent``) between focal arm ``i`` and
opponent type ``j`` (the sweep cell with that axis value). Every other sweep axis defines a separate *context* (one tournament per combination
of their values). Each entry gets a percentile bootstrap interval (Efron & Tibshirani 1993,
ch. 13) from resampling the cell's replicates; arms are resampled together, so the common
random numbers of a replicate stay paired.

Discrete-time two-population replicator dynamics (Taylor & Jonker 1978; Maynard Smith
1982), with fitness ``F = A - min(0, min A) + c`` (``c`` = ``baseline_fitness`` > 0 keeps
every fitness positive, so no denominator is 0; utilities are >= 0 already, so the shift is
normally 0)::

    x_i <- x_i (F y)_i / (x . F y)          y_j <- y_j (G' x)_j / (x . G y)

with ``G`` the opponent's fitness built the same way from ``B``. Both populations update
simultaneously; shares stay on the simplex and a share that is 0 stays 0.

Moran process (Moran 1958; Nowak 2006, *Evolutionary Dynamics*, eq. 6.13): in a population
of ``N`` with ``j`` invaders of fitness ``f_j`` and ``N - j`` residents of fitness ``g_j``,
one invader fixes with probability ``rho = 1 / (1 + sum_{k=1}^{N-1} prod_{j=1}^{k} g_j / f_j)``.
For constant fitness ``r = f / g`` this is ``(1 - 1/r) / (1 - 1/r**N)`` and ``1/N`` when
neutral. Focal arms do not meet each other, so against a fixed opponent mix ``y`` their
fitness ``c + (A y)_i`` is constant in ``j`` and the constant formula is exact.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..config.schema import TournamentSpec
from .evolution import Start, fitness, moran_fixation, replicator, starting_mixes

__all__ = [
    "PayoffMatrices",
    "Start",
    "TournamentResult",
    "TournamentSpec",
    "moran_fixation",
    "payoff_matrices",
    "replicator",
    "run_tournament",
    "starting_mixes",
    "tournaments",
]

SPREAD_TOLERANCE = 1e-9
"""The treatment *spreads* from a start when its final share exceeds its starting share by more."""


# --------------------------------------------------------------------------- payoffs


@dataclass(frozen=True)
class PayoffMatrices:
    """Estimated payoff matrices of one context (one combination of the other axes)."""

    context: dict[str, Any]
    arms: tuple[str, ...]
    opponents: tuple[Any, ...]
    """Values of the opponent axis, in sweep order."""
    cells: tuple[int, ...]
    """The sweep cell of each opponent type."""
    n: tuple[int, ...]
    """Replicates behind each column."""
    focal: np.ndarray = field(repr=False)
    """A: the focal party's mean total utility, ``(arms, opponents)``."""
    opponent: np.ndarray = field(repr=False)
    """B: the opponent's mean total utility, ``(arms, opponents)``."""
    focal_boot: np.ndarray = field(repr=False)
    """Bootstrap replicates of A, ``(resamples, arms, opponents)``."""
    opponent_boot: np.ndarray = field(repr=False)


def _seed(seed: int, *key: Any) -> np.random.Generator:
    """A generator of its own for ``key`` (words of text, e.g. a context's values and a
    cell): the root seed with the CRC-32 of each word as the spawn key, so every cell's
    resamples are the same whatever else the run holds."""
    words = tuple(zlib.crc32(str(k).encode()) for k in key)
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=words))


def payoff_matrices(
    replicates: pd.DataFrame,
    *,
    arms: Sequence[str],
    axes: Sequence[str],
    spec: TournamentSpec,
    seed: int,
) -> list[PayoffMatrices]:
    """One :class:`PayoffMatrices` per context in which every opponent type appears, in cell
    order, from the ``replicates`` table (``total_focal``, ``total_opponent``; see the module
    docstring)."""
    axes = list(axes)
    if spec.opponent_axis not in axes:
        raise ValueError(
            f"tournament.opponent_axis {spec.opponent_axis!r} is not a sweep axis; axes: {axes}"
        )
    needed = ["cell", *axes, "channels", "arm", "replicate", "total_focal", "total_opponent"]
    missing = [c for c in needed if c not in replicates.columns]
    if missing:
        raise ValueError(f"replicates table is missing column(s) {missing}")
    rows = replicates[(replicates["channels"] == "all") & replicates["arm"].isin(list(arms))]
    cells = rows[["cell", *axes]].drop_duplicates("cell").sort_values("cell", kind="stable")
    others = [a for a in axes if a != spec.opponent_axis]
    all_types = cells[spec.opponent_axis].astype(str).nunique()
    out = []
    for context_key, block in cells.groupby(others, sort=False) if others else [((), cells)]:
        if block[spec.opponent_axis].astype(str).nunique() < all_types:
            continue  # a context without every opponent type (e.g. another grid of a union)
        key = context_key if isinstance(context_key, tuple) else (context_key,)
        context = dict(zip(others, key, strict=True))
        out.append(_context_matrices(rows, block, context, key, arms, spec, seed))
    return out


def _context_matrices(
    rows: pd.DataFrame,
    block: pd.DataFrame,
    context: dict[str, Any],
    key: tuple,
    arms: Sequence[str],
    spec: TournamentSpec,
    seed: int,
) -> PayoffMatrices:
    """The matrices of one context: a column per cell of ``block`` (one per opponent type),
    its means over the cell's replicates and their bootstrap resamples (a replicate's arms
    drawn together, from the cell's own stream :func:`_seed`)."""
    m, n_types = len(arms), len(block)
    a, b = np.zeros((m, n_types)), np.zeros((m, n_types))
    a_boot = np.zeros((spec.resamples, m, n_types))
    b_boot = np.zeros((spec.resamples, m, n_types))
    ns = []
    for j, cell in enumerate(block["cell"].tolist()):
        fa, fb = _cell_totals(rows, cell, arms)
        reps = fa.shape[0]
        ns.append(reps)
        a[:, j], b[:, j] = fa.mean(axis=0), fb.mean(axis=0)
        idx = _seed(seed, "tournament", *key, cell).integers(0, reps, (spec.resamples, reps))
        a_boot[:, :, j] = fa[idx].mean(axis=1)
        b_boot[:, :, j] = fb[idx].mean(axis=1)
    return PayoffMatrices(
        context=context,
        arms=tuple(arms),
        opponents=tuple(block[spec.opponent_axis].tolist()),
        cells=tuple(int(c) for c in block["cell"]),
        n=tuple(ns),
        focal=a,
        opponent=b,
        focal_boot=a_boot,
        opponent_boot=b_boot,
    )


def _cell_totals(rows: pd.DataFrame, cell: int, arms: Sequence[str]) -> tuple[np.ndarray, ...]:
    """The focal party's and the opponent's total utility in ``cell``, each ``(replicates,
    arms)``; raises ValueError unless every arm played the same replicates."""
    own = rows[rows["cell"] == cell]
    wide = {
        column: own.pivot(index="replicate", columns="arm", values=column)
        for column in ("total_focal", "total_opponent")
    }
    for table in wide.values():
        absent = [arm for arm in arms if arm not in table.columns]
        if absent or table[list(arms)].isna().any().any():
            raise ValueError(
                f"cell {cell}: arms {list(arms)} must all be present with the same replicates"
            )
    return wide["total_focal"][list(arms)].to_numpy(), wide["total_opponent"][list(arms)].to_numpy()


# --------------------------------------------------------------------------- the tournament


@dataclass(frozen=True)
class TournamentResult:
    """Everything one context's tournament produced (tables documented per attribute)."""

    matrices: PayoffMatrices
    starts: list[Start]
    focal_path: np.ndarray = field(repr=False)
    """Focal shares ``(generations + 1, starts, arms)`` under the point estimates."""
    opponent_path: np.ndarray = field(repr=False)
    """Opponent shares ``(generations + 1, starts, opponents)``."""
    payoffs: pd.DataFrame
    """matrix ("A" focal / "B" opponent), party, arm, opponent, cell, n, mean, ci_low, ci_high."""
    mixes: pd.DataFrame
    """start, population ("focal"/"opponent"), strategy, share_start, share_final, and for
    the treatment's row ``spreads`` (final share > starting share) and ``support`` (share of
    bootstrap payoff matrices under which it spreads); NaN/None on the other rows."""
    fixation: pd.DataFrame
    """invader (the treatment), resident (another arm), against (opponent mix label),
    population_size, invader_fitness, resident_fitness, probability, neutral (1/N)."""


def run_tournament(matrices: PayoffMatrices, spec: TournamentSpec) -> TournamentResult:
    """Replicator dynamics from every starting mix, bootstrap support, Moran fixation."""
    arms, opponents = matrices.arms, matrices.opponents
    starts = starting_mixes(arms, opponents, spec)
    x0 = np.stack([s.focal for s in starts])
    y0 = np.stack([s.opponent for s in starts])
    xs, ys = replicator(
        matrices.focal[None],
        matrices.opponent[None],
        x0,
        y0,
        spec.generations,
        spec.baseline_fitness,
    )
    xb, _ = replicator(
        matrices.focal_boot[:, None],
        matrices.opponent_boot[:, None],
        x0[None],
        y0[None],
        spec.generations,
        spec.baseline_fitness,
        path=False,
    )
    spreads = xs[-1, :, 0] > x0[:, 0] + SPREAD_TOLERANCE
    support = (xb[:, :, 0] > x0[None, :, 0] + SPREAD_TOLERANCE).mean(axis=0)
    mix_rows = []
    for s, start in enumerate(starts):
        treatment = {"spreads": bool(spreads[s]), "support": float(support[s])}
        mix_rows += _mix_rows(start.label, "focal", arms, x0[s], xs[-1, s], treatment)
        mix_rows += _mix_rows(start.label, "opponent", opponents, y0[s], ys[-1, s], None)
    return TournamentResult(
        matrices=matrices,
        starts=starts,
        focal_path=xs[:, :, :],
        opponent_path=ys[:, :, :],
        payoffs=pd.DataFrame(_payoff_rows(matrices, spec.confidence)),
        mixes=pd.DataFrame(mix_rows),
        fixation=pd.DataFrame(_fixation_rows(matrices, spec), columns=_FIXATION_COLUMNS),
    )


def _payoff_rows(matrices: PayoffMatrices, confidence: float) -> list[dict[str, Any]]:
    """A row per matrix (A, then B), arm and opponent type: the mean and its percentile
    bootstrap interval at ``confidence``, widened to contain the mean if it must."""
    alpha = (1.0 - confidence) / 2
    rows = []
    for name, party_kind, point, boot in (
        ("A", "focal", matrices.focal, matrices.focal_boot),
        ("B", "opponent", matrices.opponent, matrices.opponent_boot),
    ):
        low, high = np.quantile(boot, [alpha, 1 - alpha], axis=0)
        for i, arm in enumerate(matrices.arms):
            for j, opponent in enumerate(matrices.opponents):
                rows.append(
                    {
                        "matrix": name,
                        "party": party_kind,
                        "arm": arm,
                        "opponent": opponent,
                        "cell": matrices.cells[j],
                        "n": matrices.n[j],
                        "mean": float(point[i, j]),
                        "ci_low": float(min(low[i, j], point[i, j])),
                        "ci_high": float(max(high[i, j], point[i, j])),
                    }
                )
    return rows


def _mix_rows(
    start: str,
    population: str,
    labels: Sequence[Any],
    first: np.ndarray,
    last: np.ndarray,
    treatment: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    """A row per strategy of one population from one start: its starting and final shares.
    The first strategy's row carries ``treatment`` (``spreads`` and ``support``) when given
    (the focal population's first arm is the treatment); every other row has None and NaN."""
    untreated = {"spreads": None, "support": np.nan}
    rows = []
    for k, label in enumerate(labels):
        rows.append(
            {
                "start": start,
                "population": population,
                "strategy": str(label),
                "share_start": float(first[k]),
                "share_final": float(last[k]),
                **(treatment if treatment is not None and k == 0 else untreated),
            }
        )
    return rows


_FIXATION_COLUMNS = [
    "invader",
    "resident",
    "against",
    "population_size",
    "invader_fitness",
    "resident_fitness",
    "probability",
    "neutral",
]
"""Columns of :attr:`TournamentResult.fixation` (named even when it has no rows)."""


def _fixation_rows(matrices: PayoffMatrices, spec: TournamentSpec) -> list[dict[str, Any]]:
    """Moran fixation of the treatment (``arms[0]``) invading each other arm, against each
    opponent type alone and against the uniform mix; none without a population size or a
    second arm. Focal fitness against a fixed opponent mix is constant (see the module
    docstring), so the constant-fitness formula is exact."""
    arms, opponents = matrices.arms, matrices.opponents
    if spec.population_size is None or len(arms) < 2:
        return []
    focal_fitness = fitness(matrices.focal, spec.baseline_fitness)
    n_types = len(opponents)
    mixes = [(f"vs {o}", np.eye(n_types)[j]) for j, o in enumerate(opponents)]
    mixes.append(("uniform", np.full(n_types, 1.0 / n_types)))
    rows = []
    for against, y in mixes:
        f = focal_fitness @ y
        for k in range(1, len(arms)):
            rows.append(
                {
                    "invader": arms[0],
                    "resident": arms[k],
                    "against": against,
                    "population_size": spec.population_size,
                    "invader_fitness": float(f[0]),
                    "resident_fitness": float(f[k]),
                    "probability": moran_fixation(f[0], f[k], spec.population_size),
                    "neutral": 1.0 / spec.population_size,
                }
            )
    return rows


def tournaments(
    replicates: pd.DataFrame,
    *,
    arms: Sequence[str],
    axes: Sequence[str],
    spec: TournamentSpec,
    seed: int,
) -> list[TournamentResult]:
    """:func:`run_tournament` for every context of :func:`payoff_matrices`."""
    matrices = payoff_matrices(replicates, arms=arms, axes=axes, spec=spec, seed=seed)
    return [run_tournament(mat, spec) for mat in matrices]
