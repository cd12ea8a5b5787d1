"""The essay's mechanism taken apart: the summary part ``mechanism``.

The essay says a party bound to lose attaches a condition *so as not to reveal its bottom
line*. A condition does two things at once: its value exceeds its cost (surplus) and it
changes what the concession looks like (concealment). A *placebo* arm -- the face-saver's
policy with a condition worth nothing to either side (``condition = { value = 0.0, cost =
0.0 }`` on the arm) -- separates them:

* ``surplus``: the face-saver vs the placebo, the same policy with and without the
  condition's value: what the condition's surplus adds;
* ``concealment``: the placebo vs the plain concession (the same policy with ``condition =
  false``): what attaching a condition that is worth nothing does to the opponent's reading.

These rows are the ``effects`` rows of those two comparisons (every window, the same
intervals and verdicts, adjusted for the headline family), relabelled; a study lists the two
comparisons in ``arms.comparisons`` to get them.

Where the study sweeps type persistence (``rounds.rho``), a reputation effect must grow with
it: ``persistence`` rows give, for every comparison in the headline window and every
combination of the other axes, the difference in differences ``E(rho_max) - E(rho = 0)``.
The two cells are independent (seeds are spawned per cell), so its standard error is
``sqrt(se_max^2 + se_0^2)``, and its interval is Welch's t interval (Welch-Satterthwaite
degrees of freedom), Bonferroni-adjusted over the ``persistence`` rows (a family of its own);
the verdict is read off the interval as for every other row.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..config.cells import SweepCells
from ..config.schema import StudySpec
from .inference import verdicts
from .parts import MECHANISM

__all__ = ["RHO", "mechanism_pairs", "mechanism_rows", "persistence_rows"]

RHO = "rounds.rho"
"""The sweep axis of type persistence."""


def _placebos(study: StudySpec) -> list[str]:
    """Arms whose condition is worth nothing and costs nothing (placebos)."""
    out = []
    for label, arm in study.arms.strategies.items():
        terms = arm.condition
        if terms is None or terms.value is None or float(terms.value) != 0.0:
            continue
        if isinstance(terms.cost, int | float) and float(terms.cost) == 0.0:
            out.append(label)
    return out


def mechanism_pairs(study: StudySpec) -> dict[str, tuple[str, str]]:
    """``{"surplus": (treatment, placebo), "concealment": (placebo, plain)}`` for the first
    placebo arm whose two comparisons the study makes: the treatment is the same policy with
    the study's terms, the plain arm the same policy with ``condition = false``."""
    pairs = set(study.arms.pairs())
    arms = study.arms.strategies
    for placebo in _placebos(study):
        own = arms[placebo]
        plain_params = {**own.params, "condition": False}
        found: dict[str, tuple[str, str]] = {}
        for label, arm in arms.items():
            if arm.condition is not None or arm.name != own.name:
                continue
            if arm.params == own.params and (label, placebo) in pairs:
                found["surplus"] = (label, placebo)
            if arm.params == plain_params and (placebo, label) in pairs:
                found["concealment"] = (placebo, label)
        if found:
            return found
    return {}


def _relabelled(effects: pd.DataFrame, study: StudySpec) -> list[pd.DataFrame]:
    """The ``effects`` rows of the surplus and concealment comparisons, with their
    component."""
    out = []
    for component, (treatment, control) in mechanism_pairs(study).items():
        rows = effects[(effects["treatment"] == treatment) & (effects["control"] == control)]
        se = rows["sd_diff"] / np.sqrt(np.maximum(rows["n"], 1))
        out.append(rows.assign(component=component, reference_cell=rows["cell"], se=se))
    return out


def _matched(cells: SweepCells) -> list[tuple[int, int]]:
    """``(cell at the highest rho, cell at rho = 0)`` for every combination of the other axes
    that has both."""
    if RHO not in cells.paths:
        return []
    flat = cells.flat()
    others = [p for p in cells.paths if p != RHO]
    rho = flat[RHO].astype(float)
    if rho.max() <= 0.0:
        return []
    groups = flat.groupby(others, sort=False, dropna=False) if others else [((), flat)]
    out = []
    for _, group in groups:
        values = group[RHO].astype(float)
        high, zero = group[values == rho.max()], group[values == 0.0]
        if len(high) == 1 and len(zero) == 1:
            out.append((int(high["cell"].iloc[0]), int(zero["cell"].iloc[0])))
    return out


def _did(high: dict[str, Any], zero: dict[str, Any]) -> dict[str, Any]:
    """The difference in differences of two effect rows, its standard error and degrees of
    freedom (Welch-Satterthwaite)."""
    v_high = float(high["sd_diff"]) ** 2 / max(int(high["n"]), 1)
    v_zero = float(zero["sd_diff"]) ** 2 / max(int(zero["n"]), 1)
    se = float(np.sqrt(v_high + v_zero))
    denom = v_high**2 / max(int(high["n"]) - 1, 1) + v_zero**2 / max(int(zero["n"]) - 1, 1)
    df = (v_high + v_zero) ** 2 / denom if denom > 0 else np.inf
    return {
        "mean_diff": float(high["mean_diff"]) - float(zero["mean_diff"]),
        "se": se,
        "df": df,
        "n": int(high["n"]) + int(zero["n"]),
    }


def persistence_rows(effects: pd.DataFrame, study: StudySpec, cells: SweepCells) -> pd.DataFrame:
    """The ``persistence`` rows (see the module docstring) of the headline rows
    ``effects``: one per comparison and pair of matched cells, in cell order."""
    keyed = effects.set_index(["cell", "treatment", "control"])
    records = []
    for high, zero in _matched(cells):
        for treatment, control in study.arms.pairs():
            if (high, treatment, control) not in keyed.index or (
                zero,
                treatment,
                control,
            ) not in keyed.index:
                continue
            top = keyed.loc[(high, treatment, control)]
            bottom = keyed.loc[(zero, treatment, control)]
            if not (int(top["n"]) > 1 and int(bottom["n"]) > 1):
                continue
            records.append(
                {
                    "cell": high,
                    "reference_cell": zero,
                    "treatment": treatment,
                    "control": control,
                    "window": top["window"],
                    **_did(top.to_dict(), bottom.to_dict()),
                }
            )
    if not records:
        return MECHANISM.empty()
    frame = pd.DataFrame.from_records(records)
    return _tested(frame, study)


def _tested(frame: pd.DataFrame, study: StudySpec) -> pd.DataFrame:
    """Welch intervals, p-values and verdicts of the persistence rows, Bonferroni-adjusted
    over them."""
    alpha, m = study.analysis.alpha, len(frame)
    level = 1.0 - alpha / m
    se, df, mean = frame["se"].to_numpy(), frame["df"].to_numpy(), frame["mean_diff"].to_numpy()
    q = stats.t.ppf(1.0 - alpha / (2 * m), df)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(se > 0, np.abs(mean) / se, np.where(mean == 0, 0.0, np.inf))
    p = np.where(np.isfinite(t), 2 * stats.t.sf(t, df), 0.0)
    low = np.maximum(mean - q * se, -2.0)
    high = np.minimum(mean + q * se, 2.0)
    out = frame.assign(
        component="persistence",
        m=m,
        ci_low=low,
        ci_high=high,
        ci_level=level,
        p_value=p,
        p_adjusted=np.minimum(1.0, m * p),
        sesoi=study.analysis.sesoi,
        verdict=verdicts(low, high, study.analysis.sesoi),
    )
    return MECHANISM.check(out)


def mechanism_rows(effects: pd.DataFrame, study: StudySpec, cells: SweepCells) -> pd.DataFrame:
    """The ``mechanism`` part: the surplus and concealment rows (every window) and the
    persistence rows (headline window), or an empty part when the study has neither."""
    from_effects = [MECHANISM.check(f) for f in _relabelled(effects, study)]
    head = effects[effects["window"] == study.analysis.headline]
    persistence = persistence_rows(head, study, cells) if not head.empty else MECHANISM.empty()
    frames = [f for f in [*from_effects, persistence] if not f.empty]
    if not frames:
        return MECHANISM.empty()
    return pd.concat(frames, ignore_index=True)
