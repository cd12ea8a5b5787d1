"""Paired statistics on the rounds table: later-round payoffs, treatment effects with
confidence intervals, per-round trajectories, the channel decomposition and the
pre-registered null-cell check.

Input is the simulator's tidy rounds table (one row per cell x channels x arm x replicate x
round x party). Arms of a comparison share every random draw of a replicate (common random
numbers), so every comparison here is *paired* on ``(cell, channels, replicate)``: the
statistic is the per-replicate difference treatment - control, which removes the
between-replicate variation (types, shocks) that an unpaired comparison would carry.

For each set of paired differences ``d_1..d_n`` the tables report

* ``mean_diff`` and a bootstrap confidence interval for the mean (BCa, Efron 1987, falling
  back to the percentile interval on the same resamples when BCa is degenerate);
* the Wilcoxon signed-rank test (zero differences dropped, Wilcoxon's original rule, normal approximation);
* Cohen's ``d_z = mean(d) / sd(d)``, clipped to +-``EFFECT_SIZE_CAP``;
* ``p_holm``: Holm's (1979) step-down correction over all rows of the returned table;
* ``verdict``: "helps" when the whole interval lies above 0, "hurts" when below, else
  "no effect". The verdict refers to the sign of treatment - control in the chosen metric.

Differences with ``|d| <= ZERO_TOLERANCE`` are numerical zeros (two arms that took the same
path through floating-point code in a different order) and are set to exactly 0 before any
statistic, so that a pre-registered null cell is not reported as an effect of size 1e-17.

Randomness: the bootstrap of each row uses its own generator, derived from ``seed`` and the
row's key (cell, channels, round, component), so a row's interval does not depend on which
other cells are in the table or on their order, and the same inputs and seed always give
the same output. Nothing global is touched.
"""

from __future__ import annotations

import warnings
import zlib
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..relationships.table import METRICS

__all__ = [
    "EFFECT_SIZE_CAP",
    "ZERO_TOLERANCE",
    "arm_trajectories",
    "channel_decomposition",
    "holm",
    "later_round_payoff",
    "null_cells_check",
    "paired_effects",
    "per_round_effects",
]

ZERO_TOLERANCE = 1e-12
"""Paired differences at most this large in absolute value are treated as exactly 0."""

EFFECT_SIZE_CAP = 1e6
"""|Cohen's d_z| is clipped here; it is reached when all differences are equal and non-zero."""

STAT_COLUMNS = (
    "n",
    "mean_diff",
    "sd_diff",
    "ci_low",
    "ci_high",
    "ci_method",
    "wilcoxon_statistic",
    "p_value",
    "effect_size",
    "p_holm",
    "verdict",
)
"""Statistic columns shared by :func:`paired_effects`, :func:`per_round_effects` and
:func:`channel_decomposition` (after the key columns)."""


# --------------------------------------------------------------------------- helpers


def _require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} is missing column(s) {missing}; it has {list(frame.columns)}")


def _check_metric(metric: str) -> None:
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {sorted(METRICS)}, got {metric!r}")


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")


def _party_rows(rounds: pd.DataFrame, party: str, columns: Iterable[str]) -> pd.DataFrame:
    _require_columns(rounds, ["party", *columns], "rounds table")
    rows = rounds[rounds["party"] == party]
    if rows.empty:
        parties = sorted(rounds["party"].unique().tolist())
        raise ValueError(f"party {party!r} not in the rounds table; parties are {parties}")
    return rows


def _axis_values(rounds: pd.DataFrame, axes: Sequence[str]) -> pd.DataFrame:
    """One row per cell with that cell's sweep-axis values; fails if an axis varies in a cell."""
    axes = list(axes)
    _require_columns(rounds, ["cell", *axes], "rounds table")
    values = rounds[["cell", *axes]].drop_duplicates()
    if values["cell"].duplicated().any():
        bad = values.loc[values["cell"].duplicated(), "cell"].iloc[0]
        raise ValueError(f"sweep axes {axes} are not constant within cell {bad}")
    return values


def _key_seed(seed: int, key: Sequence[Any]) -> np.random.Generator:
    """A generator that depends only on ``seed`` and the row key (not on row order)."""
    spawn_key = tuple(zlib.crc32(str(k).encode()) if isinstance(k, str) else int(k) for k in key)
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=spawn_key))


def _bootstrap_ci(
    d: np.ndarray, confidence: float, n_resamples: int, rng: np.random.Generator
) -> tuple[float, float, str]:
    """BCa interval for the mean; percentile on the same resamples when BCa is degenerate."""
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        # BCa is undefined when the bootstrap distribution sits on one side of the estimate;
        # we detect that from the NaN result and fall back instead of warning.
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        res = stats.bootstrap(
            (d,),
            np.mean,
            n_resamples=n_resamples,
            confidence_level=confidence,
            method="BCa",
            vectorized=True,
            rng=rng,
        )
    low, high, method = res.confidence_interval.low, res.confidence_interval.high, "bca"
    if not (np.isfinite(low) and np.isfinite(high)):
        res = stats.bootstrap(
            (d,),
            np.mean,
            n_resamples=0,
            confidence_level=confidence,
            method="percentile",
            vectorized=True,
            bootstrap_result=res,
        )
        low, high, method = res.confidence_interval.low, res.confidence_interval.high, "percentile"
    return float(min(low, high)), float(max(low, high)), method


def _describe(
    d: np.ndarray, *, confidence: float, n_resamples: int, rng: np.random.Generator
) -> dict[str, Any]:
    """All statistics of one set of paired differences (see the module docstring)."""
    d = np.where(np.abs(d) <= ZERO_TOLERANCE, 0.0, np.asarray(d, dtype=float))
    n = d.size
    if n < 2:
        raise ValueError(f"need at least 2 paired replicates for an interval, got {n}")
    mean = float(d.mean())
    if np.ptp(d) <= ZERO_TOLERANCE:
        sd, low, high, method = 0.0, mean, mean, "constant"
    else:
        sd = float(d.std(ddof=1))
        low, high, method = _bootstrap_ci(d, confidence, n_resamples, rng)
    if not d.any():
        statistic, p_value = 0.0, 1.0
    else:
        # zero differences (identical paired paths) are dropped (Wilcoxon 1945); the normal
        # approximation, as exact/permutation p-values are slow with ties and zeros
        # at small n, and our paired samples are large (the CI, not p, carries the verdict)
        res = stats.wilcoxon(d, zero_method="wilcox", method="asymptotic")
        statistic, p_value = float(res.statistic), float(res.pvalue)
    if sd > 0:
        effect = float(np.clip(mean / sd, -EFFECT_SIZE_CAP, EFFECT_SIZE_CAP))
    else:
        effect = float(np.sign(mean) * EFFECT_SIZE_CAP)
    verdict = "helps" if low > 0 else "hurts" if high < 0 else "no effect"
    return {
        "n": n,
        "mean_diff": mean,
        "sd_diff": sd,
        "ci_low": low,
        "ci_high": high,
        "ci_method": method,
        "wilcoxon_statistic": statistic,
        "p_value": p_value,
        "effect_size": effect,
        "p_holm": np.nan,
        "verdict": verdict,
    }


def _effects_frame(
    groups: Iterable[tuple[dict[str, Any], np.ndarray]],
    key_columns: Sequence[str],
    axis_values: pd.DataFrame,
    axes: Sequence[str],
    *,
    confidence: float,
    n_resamples: int,
    seed: int,
) -> pd.DataFrame:
    """Describe each group of differences, add axis values, Holm-correct over all rows."""
    _check_confidence(confidence)
    if n_resamples < 100:
        # fewer resamples cannot resolve the tails of an interval (and make BCa degenerate)
        raise ValueError(f"n_resamples must be at least 100, got {n_resamples}")
    rows = []
    for key, d in groups:
        rng = _key_seed(seed, [key[c] for c in key_columns])
        rows.append(
            {**key, **_describe(d, confidence=confidence, n_resamples=n_resamples, rng=rng)}
        )
    table = pd.DataFrame(rows, columns=[*key_columns, *STAT_COLUMNS])
    table["p_holm"] = holm(table["p_value"].to_numpy(dtype=float))
    table = axis_values.merge(table, on="cell", how="right")
    return table[[*axes, *key_columns, *STAT_COLUMNS]].reset_index(drop=True)


def _paired_differences(
    values: pd.DataFrame, keys: Sequence[str], treatment: str, control: str
) -> pd.DataFrame:
    """Per ``keys + replicate``: column ``diff`` = value(treatment) - value(control).

    Fails loudly when an arm is missing or the replicate ids of the two arms differ in some
    group, because an unpaired row would silently break common random numbers.
    """
    keys = list(keys)
    arms = set(values["arm"].unique())
    for arm in (treatment, control):
        if arm not in arms:
            raise ValueError(f"arm {arm!r} not in the rounds table; arms are {sorted(arms)}")
    sub = values[values["arm"].isin([treatment, control])]
    wide = sub.pivot(index=[*keys, "replicate"], columns="arm", values="value")
    unpaired = wide[[treatment, control]].isna().any(axis=1)
    if unpaired.any():
        where = dict(zip([*keys, "replicate"], wide.index[unpaired.to_numpy()][0], strict=True))
        raise ValueError(
            f"{int(unpaired.sum())} replicate(s) appear in only one of the arms "
            f"{treatment!r}/{control!r}, first at {where}; arms must share replicate ids"
        )
    out = (wide[treatment] - wide[control]).rename("diff").reset_index()
    return out.sort_values([*keys, "replicate"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- public API


def holm(pvalues: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (Holm 1979, "A simple sequentially rejective
    multiple test procedure", Scand. J. Statist. 6:65-70).

    With the ``m`` p-values sorted ascending, ``p_(1) <= ... <= p_(m)``, the adjusted value is
    ``p~_(i) = min(1, max_{j <= i} (m - j + 1) p_(j))``; rejecting where ``p~ <= alpha``
    controls the family-wise error rate at ``alpha``. Returned in the input order.
    """
    p = np.asarray(pvalues, dtype=float)
    if p.ndim != 1:
        raise ValueError(f"pvalues must be 1-d, got shape {p.shape}")
    if p.size and (not np.all(np.isfinite(p)) or p.min() < 0 or p.max() > 1):
        raise ValueError("pvalues must be finite and lie in [0, 1]")
    m = p.size
    order = np.argsort(p, kind="stable")
    adjusted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out = np.empty(m, dtype=float)
    out[order] = adjusted
    return out


def later_round_payoff(
    rounds: pd.DataFrame,
    party: str,
    first_round: int = 2,
    discount: float | None = None,
    *,
    metric: str = "utility",
    axes: Sequence[str] = (),
) -> pd.DataFrame:
    """The focal party's later-round payoff per (cell, channels, arm, replicate).

    Over rounds ``t >= first_round`` the payoff is the mean of ``metric``, or with
    ``discount`` = ``delta`` in (0, 1] the discounted sum
    ``sum_t delta ** (t - first_round) * metric_t`` (present value at the start of round
    ``first_round``). Rows after the relationship ended (``active`` False) are included with
    the value the simulator logged for them (the outside option), so that ending the
    relationship is counted rather than dropped (no survivorship bias).

    Returns columns ``axes..., cell, channels, arm, replicate, value``. Raises if some cell
    has no round ``>= first_round`` (use ``first_round=1`` for one-round studies).
    """
    _check_metric(metric)
    if first_round < 1:
        raise ValueError(f"first_round must be at least 1, got {first_round}")
    if discount is not None and not 0.0 < discount <= 1.0:
        raise ValueError(f"discount must lie in (0, 1], got {discount}")
    keys = ["cell", "channels", "arm", "replicate"]
    rows = _party_rows(rounds, party, [*keys, "round", metric])
    axis_values = _axis_values(rows, axes)
    late = rows[rows["round"] >= first_round]
    short = sorted(set(rows["cell"]) - set(late["cell"]))
    if short:
        raise ValueError(f"cell(s) {short} have no round >= first_round={first_round}")
    late = late[[*keys, "round"]].assign(value=late[metric].astype(float))
    if discount is None:
        payoff = late.groupby(keys, sort=True)["value"].mean()
    else:
        late["value"] *= discount ** (late["round"] - first_round).astype(float)
        payoff = late.groupby(keys, sort=True)["value"].sum()
    payoff = payoff.reset_index()
    payoff = axis_values.merge(payoff, on="cell", how="right")
    return payoff[[*axes, *keys, "value"]]


def paired_effects(
    rounds: pd.DataFrame,
    party: str,
    treatment: str,
    control: str,
    *,
    axes: Sequence[str],
    metric: str = "utility",
    first_round: int = 2,
    discount: float | None = None,
    confidence: float = 0.95,
    n_resamples: int = 9999,
    seed: int = 0,
) -> pd.DataFrame:
    """Paired effect of ``treatment`` vs ``control`` on ``party``'s later-round payoff.

    Per (cell, channels): ``d_r`` = payoff(treatment, r) - payoff(control, r) over paired
    replicates ``r`` (payoff from :func:`later_round_payoff`). Columns: ``axes..., cell,
    channels`` then :data:`STAT_COLUMNS` (see the module docstring for each statistic).
    """
    payoff = later_round_payoff(rounds, party, first_round, discount, metric=metric, axes=axes)
    keys = ["cell", "channels"]
    diffs = _paired_differences(payoff, keys, treatment, control)
    return _grouped_effects(diffs, keys, rounds, axes, confidence, n_resamples, seed)


def _grouped_effects(
    diffs: pd.DataFrame,
    keys: list[str],
    rounds: pd.DataFrame,
    axes: Sequence[str],
    confidence: float,
    n_resamples: int,
    seed: int,
) -> pd.DataFrame:
    """:func:`_effects_frame` over the groups of paired differences defined by ``keys``."""
    groups = (
        (dict(zip(keys, key, strict=True)), grp["diff"].to_numpy())
        for key, grp in diffs.groupby(keys, sort=True)
    )
    return _effects_frame(
        groups,
        keys,
        _axis_values(rounds, axes),
        axes,
        confidence=confidence,
        n_resamples=n_resamples,
        seed=seed,
    )


def per_round_effects(
    rounds: pd.DataFrame,
    party: str,
    treatment: str,
    control: str,
    *,
    axes: Sequence[str],
    metric: str = "utility",
    confidence: float = 0.95,
    n_resamples: int = 9999,
    seed: int = 0,
) -> pd.DataFrame:
    """Like :func:`paired_effects` but per round (not pooled): one row per (cell, channels,
    round) with the paired difference of ``metric`` in that round. Holm runs over all rows."""
    _check_metric(metric)
    keys = ["cell", "channels", "round"]
    rows = _party_rows(rounds, party, [*keys, "arm", "replicate", metric])
    values = rows[[*keys, "arm", "replicate"]].assign(value=rows[metric].astype(float))
    diffs = _paired_differences(values, keys, treatment, control)
    return _grouped_effects(diffs, keys, rounds, axes, confidence, n_resamples, seed)


def channel_decomposition(
    rounds: pd.DataFrame,
    party: str,
    treatment: str,
    control: str,
    *,
    axes: Sequence[str],
    metric: str = "utility",
    first_round: int = 2,
    discount: float | None = None,
    baseline: str = "all",
    all_off: str = "none",
    confidence: float = 0.95,
    n_resamples: int = 9999,
    seed: int = 0,
) -> pd.DataFrame:
    """Split the paired effect in each cell into channel contributions (information, surplus,
    precedent, subjective value; see :mod:`bargainlab.relationships.channels`).

    With ``E_v,r`` the paired difference (treatment - control) of replicate ``r`` under the
    channels variant ``v`` (replicate ids share draws across variants too), one row per cell
    and ``component``:

    * ``total``: ``E_all`` (the ``baseline`` variant, all channels on);
    * ``<channel>`` for each variant ``no_<channel>``: ``E_all - E_no_<channel>``;
    * ``all_off`` (only if the ``all_off`` variant exists): ``E_none``, the effect with every
      channel switched off -- 0 in a model without a hidden channel;
    * ``interaction`` (only if ``all_off`` exists): ``E_all - sum(contributions) - E_none``.

    Each is computed per replicate and bootstrapped (differences of differences), so the
    intervals keep the pairing. Other variants are ignored. Columns: ``axes..., cell,
    component`` then :data:`STAT_COLUMNS`; ``mean_diff`` is the component's mean.
    """
    payoff = later_round_payoff(rounds, party, first_round, discount, metric=metric, axes=axes)
    diffs = _paired_differences(payoff, ["cell", "channels"], treatment, control)
    wide = diffs.pivot(index=["cell", "replicate"], columns="channels", values="diff")

    def components() -> Iterable[tuple[dict[str, Any], np.ndarray]]:
        for cell, block in wide.groupby(level="cell", sort=True):
            block = block.dropna(axis=1, how="all")
            if baseline not in block.columns:
                raise ValueError(f"cell {cell} has no {baseline!r} channels variant")
            if block.isna().any().any():
                raise ValueError(f"cell {cell}: channel variants do not share replicate ids")
            total = block[baseline].to_numpy()
            yield {"cell": cell, "component": "total"}, total
            contributions = []
            for variant in sorted(c for c in block.columns if c.startswith("no_")):
                contribution = total - block[variant].to_numpy()
                contributions.append(contribution)
                yield {"cell": cell, "component": variant.removeprefix("no_")}, contribution
            if all_off in block.columns:
                off = block[all_off].to_numpy()
                yield {"cell": cell, "component": "all_off"}, off
                interaction = total - np.sum(contributions, axis=0) - off
                yield {"cell": cell, "component": "interaction"}, interaction

    return _effects_frame(
        components(),
        ["cell", "component"],
        _axis_values(rounds, axes),
        axes,
        confidence=confidence,
        n_resamples=n_resamples,
        seed=seed,
    )


def arm_trajectories(
    rounds: pd.DataFrame,
    party: str,
    metric: str | Sequence[str],
    *,
    by: Sequence[str] = ("arm",),
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per ``by`` group and round: mean of ``metric`` over the party's rows with a t interval.

    ``metric`` may be one name or several (e.g. ``["belief_mean", "belief_sd"]``). Columns:
    ``by..., round, metric, n, mean, sd, ci_low, ci_high`` with
    ``ci = mean +- t_{(1+confidence)/2, n-1} * sd / sqrt(n)``; the interval collapses to the
    mean when ``n < 2`` or ``sd = 0``. Rows are pooled over everything not in ``by`` (cells,
    channels variants): filter the table or add ``"cell"`` to ``by`` to keep them apart.
    """
    _check_confidence(confidence)
    metrics = [metric] if isinstance(metric, str) else list(metric)
    for m in metrics:
        _check_metric(m)
    keys = [*by, "round"]
    rows = _party_rows(rounds, party, [*keys, *metrics])
    long = rows[keys + metrics].melt(id_vars=keys, var_name="metric", value_name="x")
    long["x"] = long["x"].astype(float)
    out = long.groupby([*keys, "metric"], sort=True)["x"].agg(["count", "mean", "std"])
    out = out.rename(columns={"count": "n", "std": "sd"}).reset_index()
    n = out["n"].to_numpy()
    sd = out["sd"].fillna(0.0).to_numpy()
    t = stats.t.ppf((1 + confidence) / 2, np.maximum(n - 1, 1))
    half = np.where(n > 1, t * sd / np.sqrt(n), 0.0)
    out["sd"] = sd
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    return out[[*keys, "metric", "n", "mean", "sd", "ci_low", "ci_high"]]


def null_cells_check(
    effects: pd.DataFrame, null_mask: str | Sequence[bool] | np.ndarray | pd.Series
) -> pd.DataFrame:
    """Check pre-registered null cells: the interval must contain 0 (an effect in a null
    cell is a bug).

    ``null_mask`` is the name of a boolean column of ``effects`` or a boolean sequence
    aligned with its rows. Returns the null rows with ``passed`` (``ci_low <= 0 <= ci_high``)
    and ``p_holm_null``, Holm's correction over the null family only. A failed row is a bug
    in the model (an effect where the mechanics forbid one) -- but with many null cells
    about ``1 - confidence`` of them fail by chance unless the effect is exactly 0; use
    ``p_holm_null`` for a family-wise statement.
    """
    _require_columns(effects, ["ci_low", "ci_high", "p_value"], "effects table")
    if isinstance(null_mask, str):
        _require_columns(effects, [null_mask], "effects table")
        mask = effects[null_mask].to_numpy()
    else:
        mask = np.asarray(null_mask)
    if mask.shape != (len(effects),) or mask.dtype != bool:
        raise ValueError(
            f"null_mask must be {len(effects)} booleans, got {mask.dtype} {mask.shape}"
        )
    null = effects.loc[mask].copy()
    null["passed"] = (null["ci_low"] <= 0) & (null["ci_high"] >= 0)
    null["p_holm_null"] = holm(null["p_value"].to_numpy(dtype=float))
    return null.reset_index(drop=True)
