"""The headline under a second root seed: which verdicts flip.

A study with ``[robustness]`` is run a second time under another root seed (the same cells,
arms and replicates; see :class:`~bargainlab.config.design.RobustnessSpec`).
:func:`robustness_rows` pairs each headline row of the run with the same row of the second
run: both estimates, both intervals, both verdicts, and whether the verdict flips. It is the
``robustness`` part of the summary (:data:`~bargainlab.analysis.parts.ROBUSTNESS`).
"""

from __future__ import annotations

import pandas as pd

from .parts import ROBUSTNESS

__all__ = ["robustness_rows"]

_KEYS = ["cell", "treatment", "control", "window"]
_VALUES = ["mean_diff", "ci_low", "ci_high", "verdict"]


def robustness_rows(
    first: pd.DataFrame, second: pd.DataFrame, seeds: tuple[int, int]
) -> pd.DataFrame:
    """The ``robustness`` part: each row of ``first`` (the headline rows of ``effects`` under
    ``seeds[0]``) beside the row of ``second`` with the same keys (under ``seeds[1]``), in the
    order of ``first``. A :class:`ValueError` when the two do not have the same rows (they
    come from the same design, so they must)."""
    ours = first[_KEYS + _VALUES].reset_index(drop=True)
    theirs = second[_KEYS + _VALUES].rename(columns={c: f"second_{c}" for c in _VALUES})
    _same_rows(ours, theirs)
    merged = ours.merge(theirs, on=_KEYS, how="left", validate="one_to_one")
    merged["seed"] = seeds[0]
    merged["second_seed"] = seeds[1]
    merged["flips"] = merged["verdict"] != merged["second_verdict"]
    return ROBUSTNESS.check(merged[[c.name for c in ROBUSTNESS.columns]])


def _same_rows(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    """A :class:`ValueError` naming the first headline row that one run has and the other
    lacks."""
    mine = set(ours[_KEYS].itertuples(index=False, name=None))
    other = set(theirs[_KEYS].itertuples(index=False, name=None))
    for rows, lacking, side in ((mine, other, "second seed's"), (other, mine, "study's")):
        missing = sorted(rows - lacking, key=str)
        if missing:
            keys = ", ".join(f"{k}={v}" for k, v in zip(_KEYS, missing[0], strict=True))
            raise ValueError(f"the headline row ({keys}) is missing from the {side} run")
