"""A tidy table declared once (:class:`Part`): what one row is, its columns (keys first) with
their dtype, unit and meaning. The declaration checks a table, writes it as CSV and reads it
back with the same values and dtypes; the summary's parts are declared with it in
:mod:`bargainlab.analysis.parts`."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ..relationships.table import Column

__all__ = ["Part", "PartName", "markdown_reference"]


PartName = Literal[
    "effects",
    "survival",
    "mediation",
    "channels",
    "mechanism",
    "power",
    "nulls",
    "robustness",
    "calibration",
    "tournament_payoff",
    "tournament_mix",
    "tournament_fixation",
    "game",
    "equilibria",
    "regrets",
    "option",
]
"""The name of a part (its file is ``summary/<name>.csv``)."""


@dataclass(frozen=True)
class Part:
    """One part of the summary: what a row is, its columns (keys first) and its keys."""

    name: PartName
    rows: str
    """What one row is (one sentence, for the documentation)."""
    columns: tuple[Column, ...]
    keys: tuple[str, ...]
    """The columns that identify a row (the first ones)."""
    optional: tuple[str, ...] = ()
    """Columns other than floats that may be blank (on the rows they do not apply to)."""
    families: tuple[Column, ...] = ()
    """Families of float columns named by a prefix and a label (``supplier:<label>``, one per
    strategy of a game): each declared by its prefix as ``name``, as many columns as a table
    has, placed after the keys in the order of the families."""

    @property
    def names(self) -> list[str]:
        """The declared column names, in order (without the families' columns)."""
        return [c.name for c in self.columns]

    def names_of(self, frame: pd.DataFrame) -> list[str]:
        """The columns of ``frame`` in the part's order: the keys, each family's columns (in
        the frame's order), then the other declared columns."""
        family = [c for f in self.families for c in frame.columns if str(c).startswith(f.name)]
        keys = len(self.keys)
        return [*self.names[:keys], *family, *self.names[keys:]]

    @property
    def file(self) -> str:
        """The part's file name in ``summary/``."""
        return f"{self.name}.csv"

    def empty(self) -> pd.DataFrame:
        """The part with no rows (declared columns and dtypes)."""
        return self.check(pd.DataFrame({name: [] for name in self.names}))

    def check(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` with exactly the declared columns, in order and with their dtypes;
        ``ValueError`` naming the part when a column is missing or blank where it may not
        be, or the keys identify more than one row."""
        missing = [c for c in self.names if c not in frame.columns]
        if missing:
            raise ValueError(f"summary part {self.name!r} is missing column(s) {missing}")
        names = self.names_of(frame)
        out = frame[names].reset_index(drop=True)
        declared = {c.name: c for c in self.columns}
        typed = {
            name: self._typed(out[name], declared.get(name, Column(name, "float64", "")))
            for name in names
        }
        return out.assign(**typed)

    def _typed(self, values: pd.Series, column: Column) -> pd.Series:
        """One column in its declared dtype (a blank optional column as a nullable one)."""
        blank = values.isna()
        if blank.any() and column.dtype != "float64" and column.name not in self.optional:
            raise ValueError(f"summary part {self.name!r} has blanks in column {column.name!r}")
        if column.dtype == "float64":
            return values.astype(np.float64)
        if column.dtype == "string":
            return values.astype(object).where(~blank, None) if blank.any() else values.astype(str)
        nullable = {"int64": "Int64", "bool": "boolean"}[column.dtype]
        return values.astype(nullable) if blank.any() else values.astype(column.dtype)

    def check_keys(self, frame: pd.DataFrame) -> None:
        """``ValueError`` when the keys identify more than one row."""
        if len(frame) and frame.duplicated(list(self.keys)).any():
            raise ValueError(f"summary part {self.name!r} has several rows per {self.keys}")

    def to_csv(self, frame: pd.DataFrame) -> str:
        """The part as CSV text (floats written to round-trip exactly; blanks empty)."""
        return self.check(frame).to_csv(index=False, lineterminator="\n")

    def read_csv(self, source: str | Path) -> pd.DataFrame:
        """A part written by :meth:`to_csv`, with its declared dtypes (the same values to the
        last bit)."""
        text = Path(source).read_text(encoding="utf-8") if isinstance(source, Path) else source
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        dtypes = {c.name: c.dtype for c in self.columns}
        frame = pd.DataFrame(
            {
                name: raw[name].map(_PARSE[dtypes.get(name, "float64")])
                for name in self.names_of(raw)
                if name in raw
            },
            index=raw.index,
        )
        return self.check(frame)


_PARSE = {
    # Python's float() rounds correctly, so a float written by to_csv reads back to its bits
    "float64": lambda text: float(text) if text else np.nan,
    "int64": lambda text: int(text) if text else None,
    "bool": lambda text: {"True": True, "False": False}.get(text),
    "string": lambda text: text if text else None,
}
"""How a field of each dtype is read (a blank field is missing)."""


def markdown_reference(part: Part) -> str:
    """A part's columns as a Markdown table (for the documentation)."""
    units = {"utility": "utility [0, 1]", "domain": "the issue's unit", "": ""}
    lines = ["| column | dtype | unit | meaning |", "|---|---|---|---|"]
    keys = [c for c in part.columns if c.name in part.keys]
    rest = [c for c in part.columns if c.name not in part.keys]
    for c in keys:
        lines.append(f"| `{c.name}` (key) | {c.dtype} | {units[c.unit]} | {c.meaning} |")
    for c in part.families:
        lines.append(f"| `{c.name}<label>` | {c.dtype} | {units[c.unit]} | {c.meaning} |")
    for c in rest:
        lines.append(f"| `{c.name}` | {c.dtype} | {units[c.unit]} | {c.meaning} |")
    return "\n".join(lines)
