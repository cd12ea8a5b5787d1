"""The paired differences behind every effect row, built from the ``replicates`` table (and
the ``mediation`` table) of one sweep cell.

Arms of a comparison share every random draw of a replicate (common random numbers), so each
row is a column of per-replicate differences treatment - control over the cell's replicates,
tested by :mod:`bargainlab.analysis.inference`. The rows of a cell, by the summary part
they go to (:mod:`bargainlab.analysis.parts`):

* ``effects`` -- the focal party's payoff in each outcome window (channels ``all``):
  ``round1``, ``later`` (rounds 2..R), ``whole`` (1..R) and ``survivors`` (rounds 2..R of
  the replicates whose relationship survived round 1 in *both* arms; a domain of the cell's
  replicates). One-round cells have the ``round1`` window only. These rows form the study's
  headline family.
* ``survival`` -- the paired difference of ``survived_round1`` (0/1): how much more often the
  relationship survives round 1 (its own family).
* ``channels`` -- switching channels off (descriptive): with ``E_v`` the paired effect in the
  channels variant ``v``, the contribution of a channel is ``E_all - E_no_<channel>``,
  ``all_off`` is ``E_none`` and ``interaction = E_all - sum(contributions) - E_none``.
* ``mediation`` -- replays from the control's post-round-1 state (descriptive): with ``T``
  and ``C`` the treatment's and the control's later-round payoff, ``X_direct`` the treatment
  arm's policy played from the control's state and ``X_p`` the control's payoff with piece
  ``p`` of the treatment's post-round-1 state transplanted, ``direct = X_direct - C``, the
  contribution of ``p`` is ``X_p - C``, ``total = T - C`` and ``interaction = total - direct
  - sum(contributions)``, per replicate, so the components add up to the total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .parts import PartName
from .tables import COMPONENTS, DIRECT, PIECES

__all__ = [
    "ArmRows",
    "Row",
    "cell_arms",
    "channel_rows",
    "effect_rows",
    "mediation_rows",
    "windows_for",
]

PAYOFF = {"round1": "payoff_round1", "later": "payoff_later", "whole": "payoff_whole"}
"""The replicates-table column of each window's payoff (``survivors`` uses ``payoff_later``)."""


@dataclass
class Row:
    """One row of the summary before its statistics: its part, its key columns and its
    differences."""

    part: PartName
    """The summary part the row belongs to."""
    key: dict[str, Any]
    """``cell``, ``treatment``, ``control``, ``window`` (and ``component`` for the
    decompositions)."""
    diffs: np.ndarray = field(repr=False)
    members: np.ndarray = field(repr=False)
    family: str
    """``effect``, ``survival`` or ``descriptive``."""
    describe: dict[str, Any] = field(default_factory=dict)
    """Per-arm descriptors (payoffs, agreement, survival, terms, belief error)."""


def windows_for(rounds: int) -> tuple[str, ...]:
    """The outcome windows of a cell with ``rounds`` rounds."""
    return ("round1",) if rounds < 2 else ("round1", "later", "whole", "survivors")


class ArmRows:
    """One (channels, arm)'s rows of a cell, aligned on the cell's replicate ids. Indexing by
    a column gives that column as a Series, built once: the rows of every comparison and
    window read the same few columns many times."""

    __slots__ = ("_columns", "frame")

    def __init__(self, frame: pd.DataFrame) -> None:
        """The rows ``frame`` of one (channels, arm), aligned on the cell's replicate ids."""
        self.frame = frame
        self._columns: dict[str, pd.Series] = {}

    def __getitem__(self, column: str) -> pd.Series:
        """The column as a Series (built once)."""
        series = self._columns.get(column)
        if series is None:
            series = self._columns[column] = self.frame[column]
        return series

    def __len__(self) -> int:
        """The number of rows (the cell's replicates)."""
        return len(self.frame)


def cell_arms(block: pd.DataFrame) -> tuple[np.ndarray, dict[tuple[str, str], ArmRows]]:
    """The replicate ids of one cell and its rows per (channels, arm), aligned on them; raises
    when some (channels, arm) does not hold exactly those replicates (pairing would break)."""
    cell = int(block["cell"].iloc[0])
    ids = np.sort(block["replicate"].unique())
    out = {}
    for (channels, arm), rows in block.groupby(["channels", "arm"], sort=False):
        rows = rows.sort_values("replicate", kind="stable")
        if not np.array_equal(rows["replicate"].to_numpy(), ids):
            raise ValueError(
                f"cell {cell}: arm {arm!r} ({channels}) does not hold the cell's replicates "
                f"{ids.min()}..{ids.max()} once each; paired comparisons need the same ids"
            )
        out[(str(channels), str(arm))] = ArmRows(rows.reset_index(drop=True))
    return ids, out


def _arm(arms: dict[tuple[str, str], ArmRows], channels: str, arm: str, cell: int) -> ArmRows:
    """The rows of one (channels, arm); ``ValueError`` naming the arms when it has none."""
    if (channels, arm) not in arms:
        have = sorted({a for _, a in arms})
        raise ValueError(
            f"cell {cell}: arm {arm!r} has no rows in channels {channels!r}; arms: {have}"
        )
    return arms[(channels, arm)]


def _describe(rows: ArmRows, members: np.ndarray, payoff: str, suffix: str) -> dict[str, float]:
    """One arm's descriptors over the row's members (``payoff_<suffix>``, ``agreement_<suffix>``, ...)."""
    n = int(np.count_nonzero(members))

    def mean(column: str) -> float:
        """The column's mean over the members (NaN without any)."""
        return float(rows[column].to_numpy(dtype=float)[members].mean()) if n else np.nan

    count = float(rows["terms_later_count"].to_numpy()[members].sum())
    terms = float(rows["terms_later_sum"].to_numpy()[members].sum())
    return {
        f"payoff_{suffix}": mean(payoff),
        f"agreement_{suffix}": mean("agreement_later"),
        f"survival_{suffix}": mean("survived_last"),
        f"terms_{suffix}": terms / count if count else np.nan,
        f"belief_error_{suffix}": mean("belief_error_last"),
    }


def effect_rows(
    block: pd.DataFrame, pairs: Sequence[tuple[str, str]], arms: dict | None = None
) -> list[Row]:
    """The ``effect`` rows (every window) and ``survival`` rows of one cell."""
    cell = int(block["cell"].iloc[0])
    if arms is None:
        _, arms = cell_arms(block)
    rounds = int(block["rounds"].iloc[0])
    out = []
    for treatment, control in pairs:
        t, c = _arm(arms, "all", treatment, cell), _arm(arms, "all", control, cell)
        base = {"cell": cell, "treatment": treatment, "control": control}
        every = np.ones(len(t), dtype=bool)
        for window in windows_for(rounds):
            payoff = PAYOFF.get(window, "payoff_later")
            members = every
            if window == "survivors":
                members = t["survived_round1"].to_numpy() & c["survived_round1"].to_numpy()
            diffs = t[payoff].to_numpy() - c[payoff].to_numpy()
            describe = {
                **_describe(t, members, payoff, "treatment"),
                **_describe(c, members, payoff, "control"),
            }
            key = {**base, "window": window}
            out.append(Row("effects", key, diffs, members, "effect", describe))
        if rounds >= 2:
            diffs = t["survived_round1"].to_numpy(float) - c["survived_round1"].to_numpy(float)
            describe = {
                "survived_treatment": float(t["survived_round1"].mean()),
                "survived_control": float(c["survived_round1"].mean()),
            }
            key = {**base, "window": "round1"}
            out.append(Row("survival", key, diffs, every, "survival", describe))
    return out


def channel_rows(
    block: pd.DataFrame, pairs: Sequence[tuple[str, str]], window: str, arms: dict | None = None
) -> list[Row]:
    """The ``channel`` rows of one cell (empty without switched-off variants) in ``window``
    (``survivors`` is read as ``later``: each variant has its own survivors)."""
    cell = int(block["cell"].iloc[0])
    if arms is None:
        _, arms = cell_arms(block)
    variants = sorted({v for v, _ in arms})
    if variants == ["all"] or "all" not in variants:
        return []
    if int(block["rounds"].iloc[0]) < 2:
        window = "round1"
    payoff = PAYOFF.get(window, "payoff_later")
    shown = window if window in PAYOFF else "later"
    out = []
    for treatment, control in pairs:

        def effect(variant: str, t: str = treatment, c: str = control) -> np.ndarray:
            """The paired effect in one channels variant, per replicate."""
            return (
                _arm(arms, variant, t, cell)[payoff].to_numpy()
                - _arm(arms, variant, c, cell)[payoff].to_numpy()
            )

        base = {"cell": cell, "treatment": treatment, "control": control, "window": shown}

        def row(component: str, diffs: np.ndarray, base: dict = base) -> Row:
            """One component's row (every replicate a member)."""
            key = {**base, "component": component}
            return Row("channels", key, diffs, np.ones(len(diffs), dtype=bool), "descriptive")

        total = effect("all")
        out.append(row("total", total))
        parts = []
        for variant in (v for v in variants if v.startswith("no_")):
            parts.append(total - effect(variant))
            out.append(row(variant.removeprefix("no_"), parts[-1]))
        if "none" in variants:
            off = effect("none")
            out.append(row("all_off", off))
            rest = total - np.sum(parts, axis=0) - off if parts else total - off
            out.append(row("interaction", rest))
    return out


def mediation_rows(
    block: pd.DataFrame,
    mediation: pd.DataFrame,
    ids: np.ndarray | None = None,
    arms: dict | None = None,
) -> list[Row]:
    """The ``mediation`` rows of one cell from its rows of the mediation table: per
    comparison, ``total``, one contribution per transplanted piece, ``direct`` (when the
    table has it) and the ``interaction``, the rest of the total."""
    cell = int(block["cell"].iloc[0])
    if arms is None or ids is None:
        ids, arms = cell_arms(block)
    unknown = sorted(set(mediation["piece"].unique()) - set(COMPONENTS))
    if unknown:
        raise ValueError(f"mediation table: unknown piece(s) {unknown}; pieces: {list(COMPONENTS)}")
    position = pd.Index(ids)
    out = []
    for (treatment, control), rows in mediation.groupby(["treatment", "control"], sort=False):
        t = _arm(arms, "all", str(treatment), cell)["payoff_later"].to_numpy()
        c = _arm(arms, "all", str(control), cell)["payoff_later"].to_numpy()
        base = {"cell": cell, "treatment": treatment, "control": control, "window": "later"}
        # the columns as arrays once (selecting rows of the frame per piece is slow)
        piece_of = rows["piece"].to_numpy(dtype=object)
        replicate_of, payoff_of = rows["replicate"].to_numpy(), rows["payoff_later"].to_numpy()
        present = set(piece_of)
        pieces = [p for p in (*PIECES, DIRECT) if p in present]
        every = np.ones(len(ids), dtype=bool)
        parts = []
        for piece in pieces:
            mine = piece_of == piece
            where = position.get_indexer(replicate_of[mine])
            if (where < 0).any() or len(set(where)) != len(where):
                raise ValueError(
                    f"cell {cell}: mediation rows of {piece!r} name unknown or repeated replicates"
                )
            moved = np.zeros(len(ids))
            moved[where] = payoff_of[mine]
            members = np.zeros(len(ids), dtype=bool)
            members[where] = True
            parts.append((piece, moved - c, members))
        together = np.logical_and.reduce([m for _, _, m in parts]) if parts else every
        rest = (t - c) - np.sum([np.where(together, x, 0.0) for _, x, _ in parts], axis=0)
        for component, diffs, members in [("total", t - c, together), *parts,
                                          ("interaction", rest, together)]:  # fmt: skip
            key = {**base, "component": component}
            out.append(Row("mediation", key, diffs, members, "descriptive"))
    return out
