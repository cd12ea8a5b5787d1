"""Power and sample size: how many replicates decide each comparison at the study's sesoi.

An effect row is decided (its verdict is ``helps``, ``hurts`` or ``negligible``) once its
adjusted interval is narrower than the effect is far from the decision boundaries. With
``sd`` the standard deviation of the paired differences, ``m`` the family size, ``alpha``
the family-wise level and ``1 - beta`` the target power, the normal approximation gives the
replicates needed to decide an effect of size ``sesoi`` (and, to the same order, to show
that a zero effect is negligible)::

    n = ((z_{1 - alpha / (2 m)} + z_{1 - beta}) * sd / sesoi) ** 2

and, at ``n`` replicates, the smallest effect decided with that power is
``mde = (z_{1 - alpha / (2 m)} + z_{1 - beta}) * sd / sqrt(n)``. A comparison whose paired
differences are all exactly 0 has ``sd = 0``: two replicates decide it (its interval is
``[0, 0]``), but a small pilot may simply not have met the rare replicates that differ, so
it is reported as such. Nothing here simulates: :func:`power_table` reads a pilot's
``replicates`` table and :func:`family_size` only the study.

A pilot plans from an upper confidence bound on the spread, not its estimate: a pilot of a
hundred replicates of zero-inflated, heavy-tailed differences can miss the rare replicates that
differ and put the sd at a fraction of the full run's. :func:`spread_upper` is the larger of
the normal-theory bound (chi-square) and the distribution-free one from the sample's fourth
moment (the variance of ``s^2`` is ``(mu_4 - sigma^4 (n - 3) / (n - 1)) / n``), at one-sided
level :data:`SPREAD_LEVEL`; heavy tails widen the second. It holds its level for normal
differences; for heavily skewed ones no bound from a small pilot does (on 10%-inflated
lognormal differences, 100 replicates: the bound covers the sd in about 46% of pilots, the
chi-square bound alone in 34%, the estimate in 28%), so a pilot's plan is a floor. The pilot draws its replicates from
streams the study's own runs never use (:func:`pilot_seed`), so planning from the pilot and
then deciding on the main run does not reuse the same noise. The plan keeps Bonferroni's
normal ``z_{1 - alpha/(2m)}`` (the max-T critical value is known only once a run is in; the
summary's ``power`` table uses it).

The formula plans for an effect of exactly 0 or exactly ``sesoi``. A row whose estimate lies
between them (say at half the sesoi) can stay undetermined at a size the formula calls
sufficient. :func:`projected_replicates` answers the question a reader of a finished run
asks instead: if the estimate stayed where it is and the interval narrowed as
``1 / sqrt(n)``, how many replicates until the interval clears the nearest decision boundary
(0 for helps or hurts, ``±sesoi`` for negligible)? It is a projection from one run, not a
power calculation.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..config.schema import StudySpec
from .effects import cell_arms, effect_rows, windows_for

__all__ = [
    "SPREAD_LEVEL",
    "FamilySize",
    "detectable_effect",
    "family_size",
    "format_power",
    "pilot_seed",
    "planning_factor",
    "power_table",
    "projected_replicates",
    "required_replicates",
    "spread_upper",
    "z_sum",
]


SPREAD_LEVEL = 0.9
"""One-sided level of the upper confidence bound on a pilot's sd that the plan uses."""


def pilot_seed(seed: int) -> int:
    """The root seed of a pilot of a study with root seed ``seed``: drawn from
    ``SeedSequence(seed, spawn_key=(crc32("pilot"),))``, so its replicates' streams
    (``SeedSequence(pilot_seed, spawn_key=(c, r))``) are none of the study's at any size."""
    sequence = np.random.SeedSequence(int(seed), spawn_key=(zlib.crc32(b"pilot"),))
    return int(sequence.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def spread_upper(d: np.ndarray, level: float = SPREAD_LEVEL) -> float:
    """An upper confidence bound at one-sided ``level`` on the sd of the differences ``d``
    (see the module docstring): 0 with fewer than two, the sd itself when they are equal."""
    d = np.asarray(d, dtype=float)
    n = d.size
    if n < 2:
        return 0.0
    s2 = float(d.var(ddof=1))
    normal = s2 * (n - 1) / float(stats.chi2.ppf(1.0 - level, n - 1))
    m4 = float(np.mean((d - d.mean()) ** 4))
    spread_of_s2 = max(m4 - s2**2 * (n - 3) / (n - 1), 0.0) / n
    free = s2 + float(stats.norm.ppf(level)) * spread_of_s2**0.5
    return float(max(normal, free) ** 0.5)


def z_sum(alpha: float, m: int, power: float) -> float:
    """``z_{1 - alpha/(2m)} + z_{power}``."""
    return float(stats.norm.ppf(1.0 - alpha / (2.0 * m)) + stats.norm.ppf(power))


def planning_factor(critical: float | np.ndarray, alpha: float, m: int, power: float) -> np.ndarray:
    """``c + z_{power}`` for rows whose critical value of ``|t|`` is ``c`` (their family's
    max-T one); Bonferroni's normal ``z_{1 - alpha/(2m)}`` stands in for an unbounded ``c``."""
    c = np.asarray(critical, dtype=float)
    bound = stats.norm.ppf(1.0 - alpha / (2.0 * m))
    return np.where(np.isfinite(c), c, bound) + stats.norm.ppf(power)


def required_replicates(
    sd: float | np.ndarray, sesoi: float, alpha: float, m: int, power: float
) -> np.ndarray:
    """``ceil(((z_{1-alpha/(2m)} + z_power) sd / sesoi)^2)``, at least 2 (see the module
    docstring)."""
    need = np.ceil((z_sum(alpha, m, power) * np.asarray(sd, dtype=float) / sesoi) ** 2)
    return np.maximum(need, 2).astype(np.int64)


def detectable_effect(
    sd: float | np.ndarray, n: int | np.ndarray, alpha: float, m: int, power: float
) -> np.ndarray:
    """The smallest effect decided with ``power`` at ``n`` replicates."""
    n = np.maximum(np.asarray(n, dtype=float), 1.0)
    return z_sum(alpha, m, power) * np.asarray(sd, dtype=float) / np.sqrt(n)


def projected_replicates(
    n: np.ndarray, mean: np.ndarray, ci_low: np.ndarray, ci_high: np.ndarray, sesoi: float
) -> np.ndarray:
    """Replicates at which each row's interval, narrowing as ``1 / sqrt(n)`` around an
    unchanged estimate, first decides the row (see the module docstring); ``n`` itself for a
    row already decided. Each side of the interval keeps its own width, so a skewed
    bootstrap-t interval is projected as it is."""
    n = np.asarray(n, dtype=float)
    mean = np.asarray(mean, dtype=float)
    below = np.asarray(mean - np.asarray(ci_low, dtype=float))  # lower half-width
    above = np.asarray(np.asarray(ci_high, dtype=float) - mean)  # upper half-width
    with np.errstate(divide="ignore", invalid="ignore"):
        # helps needs the lower end above 0, hurts the upper end below 0
        sign = np.where(
            mean > 0, (below / mean) ** 2, np.where(mean < 0, (above / mean) ** 2, np.inf)
        )
        # negligible needs both ends inside (-sesoi, sesoi)
        inside = np.where(
            np.abs(mean) < sesoi,
            np.maximum((above / (sesoi - mean)) ** 2, (below / (sesoi + mean)) ** 2),
            np.inf,
        )
    factor = np.maximum(np.minimum(sign, inside), 1.0)
    return np.ceil(n * factor)


@dataclass(frozen=True)
class FamilySize:
    """The headline family of a study, from its design alone."""

    m: int
    comparisons: int
    cells: int
    windows: int
    """Outcome windows summed over cells (4 per multi-round cell, 1 per one-round cell)."""

    def describe(self) -> str:
        return (
            f"{self.m} rows ({self.comparisons} comparison(s) x {self.cells} cell(s), "
            f"{self.windows} cell-window(s))"
        )


def family_size(study: StudySpec, rounds_per_cell: Sequence[int]) -> FamilySize:
    """The headline family (comparisons x cells x outcome windows) of a study whose cells
    have ``rounds_per_cell`` rounds."""
    comparisons = len(study.arms.pairs())
    windows = sum(len(windows_for(int(r))) for r in rounds_per_cell)
    return FamilySize(comparisons * windows, comparisons, len(rounds_per_cell), windows)


def power_table(replicates: pd.DataFrame, study: StudySpec, axes: Sequence[str]) -> pd.DataFrame:
    """Per cell and comparison, from a pilot's ``replicates`` table: the headline window's
    paired differences (``n``, ``mean_diff``, ``sd_diff`` and its upper confidence bound
    ``sd_upper``, from which the rest is planned), the replicates needed to decide an
    effect of the study's sesoi (``n_needed``, the formula of the module docstring), the
    smallest effect decided at the study's size (``mde``), the replicates needed to decide an
    effect of the pilot's own estimate (``n_at_estimate``: the same formula with ``sesoi``
    replaced by ``max(|estimate|, sesoi - |estimate|)``, the distance the interval must clear
    to read helps/hurts or negligible) and ``decided``: whether ``study.replicates`` reaches
    ``n_at_estimate``."""
    spec = study.analysis
    rows, families = [], 0
    blocks = [b for _, b in replicates.groupby("cell", sort=True)]
    for block in blocks:
        _, arms = cell_arms(block)
        cell_rows = effect_rows(block, study.arms.pairs(), arms)
        families += sum(r.family == "effect" for r in cell_rows)
        windows = windows_for(int(block["rounds"].iloc[0]))
        window = spec.headline if spec.headline in windows else "round1"
        for row in cell_rows:
            if row.family != "effect" or row.key["window"] != window:
                continue
            d = row.diffs[row.members]
            rows.append(
                {
                    "cell": row.key["cell"],
                    **{a: block[a].iloc[0] for a in axes},
                    "comparison": f"{row.key['treatment']} vs {row.key['control']}",
                    "window": window,
                    "n": int(d.size),
                    "mean_diff": float(d.mean()) if d.size else np.nan,
                    "sd_diff": float(d.std(ddof=1)) if d.size > 1 else 0.0,
                    "sd_upper": spread_upper(d),
                    "exact_zero": bool(d.size) and not np.any(d),
                }
            )
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    m = max(families, 1)
    table["m"] = m
    spread = table["sd_upper"]  # plans from the upper bound on the spread
    table["n_needed"] = required_replicates(spread, spec.sesoi, spec.alpha, m, spec.power)
    table["mde"] = detectable_effect(spread, study.replicates, spec.alpha, m, spec.power)
    size = table["mean_diff"].abs().fillna(0.0)
    margin = np.maximum(size, spec.sesoi - size)
    table["n_at_estimate"] = np.maximum(
        np.ceil((z_sum(spec.alpha, m, spec.power) * spread / margin) ** 2), 2
    ).astype(np.int64)
    table["decided"] = table["n_at_estimate"] <= study.replicates
    return table


def format_power(table: pd.DataFrame, study: StudySpec, axes: Sequence[str]) -> str:
    """The power table as aligned text, with a sentence on the rows that stay undetermined
    at the study's size."""
    spec = study.analysis
    if table.empty:
        return "no comparison to size (the study has one arm)"
    m = int(table["m"].iloc[0])
    head = (
        f"sesoi {spec.sesoi:g} (utility), family of {m} rows, planned at Bonferroni's "
        f"1 - {spec.alpha:g}/{m} (the intervals are max-T), power "
        f"{spec.power:.0%}; headline window "
        f"{table['window'].iloc[0]}; pilot of {int(table['n'].max())} replicates; "
        f"study size {study.replicates}"
    )
    shown = pd.DataFrame({a.rsplit(".", 1)[-1]: table[a] for a in axes})
    shown["comparison"] = table["comparison"]
    shown["estimate"] = table["mean_diff"].map(lambda x: f"{x:+.4f}")
    shown["sd of diffs"] = table["sd_diff"].map(lambda x: f"{x:.4f}")
    shown[f"sd {SPREAD_LEVEL:.0%} upper"] = table["sd_upper"].map(lambda x: f"{x:.4f}")
    shown["n at sesoi"] = [
        "2*" if zero else str(n)
        for n, zero in zip(table["n_needed"], table["exact_zero"], strict=True)
    ]
    shown["n at estimate"] = table["n_at_estimate"]
    shown[f"mde at {study.replicates}"] = table["mde"].map(lambda x: f"{x:.4f}")
    shown[f"decided at {study.replicates}"] = table["decided"].map({True: "yes", False: "no"})
    lines = [head, "", shown.to_string(index=False), ""]
    lines.append(
        "n at sesoi: replicates that decide an effect of size sesoi (and show a zero effect "
        "negligible); n at estimate: replicates that decide the pilot's own estimate; both "
        f"planned from the {SPREAD_LEVEL:.0%} upper confidence bound on the sd; the pilot's "
        "replicates are drawn from streams the study's runs never use"
    )
    if table["exact_zero"].any():
        lines.append(
            "* every paired difference of the pilot is exactly 0; a larger pilot may still "
            "meet rare replicates that differ"
        )
    short = table[~table["decided"]]
    if short.empty:
        lines.append(
            f"every row is decided with {spec.power:.0%} power at {study.replicates} replicates"
        )
    else:
        need = int(short["n_at_estimate"].max())
        lines.append(
            f"{len(short)} of {len(table)} row(s) stay undetermined at {study.replicates} "
            f"replicates (with {spec.power:.0%} power); {need} replicates would decide them all"
        )
    return "\n".join(lines)
