"""Empirical games: payoff matrices measured on paired replicates, their equilibria and what an
option is worth in equilibrium.

The input is an :class:`EmpiricalGame`: the per-replicate payoffs ``supplier[i, j, r]`` and
``dealer[i, j, r]`` of supplier strategy ``i`` against dealer strategy ``j`` in replicate
``r`` (every profile played on the same replicates), with labels, and optionally further
per-replicate outcomes of the same shape (e.g. each side's payoff in the later rounds).

Uncertainty comes from one bootstrap over replicates: a resample draws R replicate ids with
replacement and every profile is read at those ids (the replicates are paired), so a
resample's payoff matrices, regrets and re-solved equilibria are all computed from one draw.
Intervals are percentile intervals (Efron & Tibshirani 1993, ch. 13) at ``level``.

Equilibria are every Nash equilibrium nashpy's support enumeration finds, with degenerate
games detected and said (:mod:`bargainlab.analysis.bimatrix`).

Tables (tidy DataFrames):

* :func:`payoff_table` (``game.csv``): one row per profile, ``supplier``, ``dealer``,
  ``supplier_payoff``, ``dealer_payoff`` and every further outcome, each with ``_ci_low`` and
  ``_ci_high`` columns;
* :func:`equilibria` (``equilibria.csv``): one row per equilibrium, ``equilibrium`` (1, 2,
  ...), ``supplier:<label>`` and ``dealer:<label>`` probabilities, ``supplier_payoff``,
  ``dealer_payoff``, ``pure`` and the game's ``degenerate`` flag;
* :func:`regrets`: one row per pure profile, each side's regret (its best deviation gain,
  max_k A[k, j] − A[i, j] for the supplier, max_k B[i, k] − B[i, j] for the dealer), their
  maximum ``regret``, each with an interval, ``equilibrium`` (regret exactly 0) and
  ``equilibrium_share`` (the share of resamples in which the profile is an equilibrium);
* :func:`option_value` (``option.csv``): for the supplier's ``best`` and ``worst``
  equilibrium (by its payoff, ties by the measure), the measure (the supplier's payoff or a
  named outcome, at the equilibrium's mixed strategies) with its whole menu minus without the
  option's strategies: ``with_option``, ``without_option``, ``estimate``, ``ci_low``,
  ``ci_high``, and the share of resamples in which either game was degenerate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from ..support.forking import fork_map, usable_cores
from .bimatrix import Equilibria, Solution, equilibrium_table, solve

__all__ = [
    "EmpiricalGame",
    "EmpiricalGameAnalysis",
    "analyse",
    "empirical_game",
    "equilibria",
    "option_value",
    "payoff_table",
    "regrets",
]

_CHUNK = 4_000_000  # resample weights held at once (resamples × replicates)
_BASE = ("supplier", "dealer")


@dataclass(frozen=True)
class EmpiricalGame:
    """Per-replicate payoffs of every profile; build it with :func:`empirical_game`.

    Attributes
    ----------
    supplier_labels, dealer_labels:
        The strategies of each side, in matrix order.
    outcomes:
        Arrays of shape ``(S, D, R)`` by name: ``"supplier"`` and ``"dealer"`` (the payoffs the
        game is played on) first, then any further outcomes.
    """

    supplier_labels: tuple[str, ...]
    dealer_labels: tuple[str, ...]
    outcomes: Mapping[str, np.ndarray] = field(repr=False)

    @property
    def replicates(self) -> int:
        """The number of paired replicates R."""
        return int(self.outcomes["supplier"].shape[2])


def _labels(name: str, labels: Sequence[str], size: int) -> tuple[str, ...]:
    """Validate one side's labels: ``size`` distinct non-empty strings."""
    out = tuple(labels)
    if len(out) != size or len(set(out)) != size or not all(isinstance(s, str) and s for s in out):
        raise ValueError(f"{name} must be {size} distinct non-empty strings, got {out!r}")
    return out


def empirical_game(
    supplier: Any,
    dealer: Any,
    *,
    supplier_labels: Sequence[str],
    dealer_labels: Sequence[str],
    outcomes: Mapping[str, Any] | None = None,
) -> EmpiricalGame:
    """Validate per-replicate payoffs ``[supplier strategy, dealer strategy, replicate]``.

    ``supplier`` and ``dealer`` are finite arrays of one shape ``(S, D, R)`` with S, D >= 1
    and R >= 2; ``outcomes`` adds further arrays of that shape by name (not ``"supplier"``
    or ``"dealer"``).
    """
    arrays = {"supplier": supplier, "dealer": dealer, **dict(outcomes or {})}
    if len(arrays) != 2 + len(outcomes or {}):
        raise ValueError("outcomes must not be named 'supplier' or 'dealer'")
    checked: dict[str, np.ndarray] = {}
    for name, value in arrays.items():
        arr = np.asarray(value, dtype=np.float64)
        if arr.ndim != 3 or min(arr.shape) < 1 or arr.shape[2] < 2:
            raise ValueError(f"{name} must have shape (S, D, R) with R >= 2, got {arr.shape}")
        if arr.shape != checked.get("supplier", arr).shape:
            raise ValueError(
                f"{name} has shape {arr.shape}, supplier has {checked['supplier'].shape}"
            )
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite (no NaN or infinity)")
        arr.setflags(write=False)
        checked[name] = arr
    s, d, _ = checked["supplier"].shape
    return EmpiricalGame(
        _labels("supplier_labels", supplier_labels, s),
        _labels("dealer_labels", dealer_labels, d),
        checked,
    )


def _bootstrap(
    game: EmpiricalGame, names: Sequence[str], resamples: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Means ``[resample, i, j]`` of each named outcome, every outcome read at the same draws.

    Each resample draws R replicate ids with replacement; its mean is a weighted mean with the
    draw counts, computed for a chunk of resamples at a time as one matrix product.
    """
    if isinstance(resamples, bool) or not isinstance(resamples, int | np.integer) or resamples < 1:
        raise ValueError(f"resamples must be a positive integer, got {resamples!r}")
    n = game.replicates
    flat = {k: game.outcomes[k].reshape(-1, n) for k in names}
    out: dict[str, list[np.ndarray]] = {k: [] for k in names}
    step = max(1, _CHUNK // n)
    for start in range(0, resamples, step):
        size = min(step, resamples - start)
        ids = rng.integers(0, n, size=(size, n)) + n * np.arange(size)[:, None]
        counts = np.bincount(ids.ravel(), minlength=size * n).reshape(size, n) / n
        for k in names:
            out[k].append((flat[k] @ counts.T).T)
    shape = game.outcomes["supplier"].shape[:2]
    return {k: np.concatenate(v).reshape(resamples, *shape) for k, v in out.items()}


def _interval(samples: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval along the first axis."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie in (0, 1), got {level!r}")
    low, high = np.quantile(samples, [(1.0 - level) / 2.0, (1.0 + level) / 2.0], axis=0)
    return low, high


def _profiles(game: EmpiricalGame) -> pd.DataFrame:
    """One row per profile, supplier strategy major."""
    s, d = len(game.supplier_labels), len(game.dealer_labels)
    return pd.DataFrame(
        {
            "supplier": np.repeat(game.supplier_labels, d),
            "dealer": np.tile(game.dealer_labels, s),
        }
    )


def _with_intervals(
    frame: pd.DataFrame, name: str, point: np.ndarray, samples: np.ndarray, level: float
) -> None:
    """Add ``name``, ``name_ci_low`` and ``name_ci_high`` columns (flattened matrices)."""
    low, high = _interval(samples, level)
    frame[name], frame[f"{name}_ci_low"], frame[f"{name}_ci_high"] = (
        point.ravel(),
        low.ravel(),
        high.ravel(),
    )


def _payoff_rows(game: EmpiricalGame, boot: Mapping[str, np.ndarray], level: float) -> pd.DataFrame:
    """The ``game.csv`` rows from resampled means."""
    frame = _profiles(game)
    for name, arr in game.outcomes.items():
        column = f"{name}_payoff" if name in _BASE else name
        _with_intervals(frame, column, arr.mean(axis=2), boot[name], level)
    return frame


def payoff_table(
    game: EmpiricalGame, *, rng: np.random.Generator, resamples: int = 1000, level: float = 0.95
) -> pd.DataFrame:
    """Mean payoffs (and outcomes) of every profile with percentile intervals (``game.csv``)."""
    return _payoff_rows(game, _bootstrap(game, list(game.outcomes), resamples, rng), level)


# ---- equilibria -------------------------------------------------------------------------------
def equilibria(game: EmpiricalGame) -> Equilibria:
    """Every Nash equilibrium of the mean payoff matrices (``equilibria.csv``)."""
    a, b = (game.outcomes[k].mean(axis=2) for k in _BASE)
    return equilibrium_table(a, b, game.supplier_labels, game.dealer_labels)


# ---- regrets ----------------------------------------------------------------------------------
def _regret(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each side's best deviation gain at every pure profile (any leading batch axes)."""
    return a.max(axis=-2, keepdims=True) - a, b.max(axis=-1, keepdims=True) - b


def _regret_rows(game: EmpiricalGame, boot: Mapping[str, np.ndarray], level: float) -> pd.DataFrame:
    """The regret rows from resampled means."""
    point = _regret(*(game.outcomes[k].mean(axis=2) for k in _BASE))
    samples = _regret(boot["supplier"], boot["dealer"])
    frame = _profiles(game)
    for side, p, s in zip(_BASE, point, samples, strict=True):
        _with_intervals(frame, f"{side}_regret", p, s, level)
    _with_intervals(frame, "regret", np.maximum(*point), np.maximum(*samples), level)
    frame["equilibrium"] = frame["regret"].to_numpy() == 0.0
    frame["equilibrium_share"] = (np.maximum(*samples) == 0.0).mean(axis=0).ravel()
    return frame


def regrets(
    game: EmpiricalGame, *, rng: np.random.Generator, resamples: int = 1000, level: float = 0.95
) -> pd.DataFrame:
    """Each pure profile's regret for each side and overall, with percentile intervals."""
    return _regret_rows(game, _bootstrap(game, list(_BASE), resamples, rng), level)


# ---- the value of an option -------------------------------------------------------------------
def _at_equilibrium(a: np.ndarray, m: np.ndarray, solution: Solution) -> tuple[float, float]:
    """The measure at the supplier's best and worst equilibrium (NaN when none was found).

    Equilibria are ranked by the supplier's payoff x·A·y; ties (within 1e-12 of the scale)
    go to the higher measure x·M·y for the best and the lower for the worst.
    """
    if not solution.profiles:
        return np.nan, np.nan
    pay = np.array([x @ a @ y for x, y in solution.profiles])
    value = np.array([x @ m @ y for x, y in solution.profiles])
    tol = 1e-12 * max(1.0, float(np.abs(a).max()))
    best = value[pay >= pay.max() - tol].max()
    worst = value[pay <= pay.min() + tol].min()
    return float(best), float(worst)


@dataclass(frozen=True)
class _OptionDraw:
    """The measure at the (best, worst) equilibrium with and without the option."""

    with_option: np.ndarray
    without: np.ndarray
    degenerate: bool

    @property
    def value(self) -> np.ndarray:
        """With minus without (NaN where an equilibrium was missing)."""
        return self.with_option - self.without


def _option_draw(
    means: Sequence[np.ndarray], keep: np.ndarray, *, thorough: bool = False
) -> _OptionDraw:
    """Solve the game (supplier, dealer, measure means) with the whole menu and with ``keep``."""
    a, b, m = means
    full, restricted = solve(a, b, thorough=thorough), solve(a[keep], b[keep], thorough=thorough)
    return _OptionDraw(
        np.array(_at_equilibrium(a, m, full)),
        np.array(_at_equilibrium(a[keep], m[keep], restricted)),
        full.degenerate or restricted.degenerate,
    )


def _resampled_draws(
    boot: Mapping[str, np.ndarray], names: Sequence[str], keep: np.ndarray
) -> list[_OptionDraw]:
    """Every resample's game solved with and without the option, in resample order. The
    resamples are drawn already; solving them (most of the summary of a game study) is
    shared out to forked processes, each a block of resamples, with the same results as
    one after the other."""
    count = len(boot["supplier"])
    blocks = np.array_split(np.arange(count), max(1, min(count, 8 * usable_cores())))
    solved = fork_map(partial(_draw_block, boot, tuple(names), keep), blocks)
    return [draw for block in solved for draw in block]


def _draw_block(
    boot: Mapping[str, np.ndarray], names: tuple[str, ...], keep: np.ndarray, rows: np.ndarray
) -> list[_OptionDraw]:
    """The draws of the resamples ``rows`` (one block of :func:`_resampled_draws`)."""
    return [_option_draw([boot[k][r] for k in names], keep) for r in rows]


def _option_rows(
    game: EmpiricalGame,
    option: Sequence[str],
    measure: str,
    boot: Mapping[str, np.ndarray],
    level: float,
) -> pd.DataFrame:
    """The ``option.csv`` rows: the point estimate (thorough), then every resample re-solved."""
    labels = game.supplier_labels
    if isinstance(option, str) or not option or not set(option) < set(labels):
        raise ValueError(
            f"option must be a non-empty list of some but not all of {list(labels)}, got {option!r}"
        )
    if measure not in game.outcomes:
        raise ValueError(f"measure must be one of {list(game.outcomes)}, got {measure!r}")
    keep = np.array([i for i, s in enumerate(labels) if s not in set(option)])
    names = ("supplier", "dealer", measure)
    point = _option_draw([game.outcomes[k].mean(axis=2) for k in names], keep, thorough=True)
    if np.isnan(point.value).any():
        raise ValueError("nashpy found no equilibrium of the mean game with or without the option")
    draws = _resampled_draws(boot, names, keep)
    values = np.array([d.value for d in draws])
    solved = ~np.isnan(values).any(axis=1)
    low, high = _interval(values[solved], level) if solved.any() else (point.value, point.value)
    return pd.DataFrame(
        {
            "option": "+".join(option),
            "measure": measure,
            "equilibrium": ["best", "worst"],
            "with_option": point.with_option,
            "without_option": point.without,
            "estimate": point.value,
            "ci_low": low,
            "ci_high": high,
            "degenerate_share": float(np.mean([d.degenerate for d in draws])),
            "dropped": int(np.count_nonzero(~solved)),
        }
    )


def option_value(
    game: EmpiricalGame,
    option: Sequence[str],
    *,
    rng: np.random.Generator,
    measure: str = "supplier",
    resamples: int = 1000,
    level: float = 0.95,
) -> pd.DataFrame:
    """What the supplier strategies ``option`` are worth to it in equilibrium (``option.csv``).

    For its best and worst equilibrium: the ``measure`` (an outcome name; the supplier's
    payoff by default) with its whole menu minus with the other strategies only. Every
    resample re-solves both games; ``dropped`` counts resamples in which nashpy found no
    equilibrium of one of them (possible only in degenerate games), left out of the interval.
    """
    names = [k for k in game.outcomes if k in {"supplier", "dealer", measure}]
    return _option_rows(game, option, measure, _bootstrap(game, names, resamples, rng), level)


@dataclass(frozen=True)
class EmpiricalGameAnalysis:
    """Everything :func:`analyse` computes from one bootstrap draw.

    Attributes
    ----------
    game, equilibria, regrets, option:
        As :func:`payoff_table`, :func:`equilibria`, :func:`regrets`, :func:`option_value`
        (``option`` is ``None`` when no option was asked for).
    """

    game: pd.DataFrame
    equilibria: Equilibria
    regrets: pd.DataFrame
    option: pd.DataFrame | None


def analyse(
    game: EmpiricalGame,
    *,
    rng: np.random.Generator,
    option: Sequence[str] | None = None,
    measure: str = "supplier",
    resamples: int = 1000,
    level: float = 0.95,
) -> EmpiricalGameAnalysis:
    """Payoff table, equilibria, regrets and (with ``option``) the option's value, every
    interval from the same resamples of the replicates."""
    boot = _bootstrap(game, list(game.outcomes), resamples, rng)
    return EmpiricalGameAnalysis(
        game=_payoff_rows(game, boot, level),
        equilibria=equilibria(game),
        regrets=_regret_rows(game, boot, level),
        option=None if option is None else _option_rows(game, option, measure, boot, level),
    )
