"""What every plot of :mod:`bargainlab.reporting.plots` shares: its figure (a caller's Axes, or
a new Figure not registered with pyplot), labels with units, tick labels and a check of the
columns it needs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["new_figure", "require", "tick_text", "with_units"]


def new_figure(ax: Axes | None, figsize: tuple[float, float] = (6.4, 4.2)) -> tuple[Figure, Axes]:
    """The figure to draw on and its Axes: ``ax`` and the figure it is on, else a new Figure
    of ``figsize`` (not registered with pyplot) and its one Axes."""
    if ax is not None:
        # the figure the caller's Axes is on, returned as the Figure the plots document (a
        # SubFigure when the caller drew on one: matplotlib types ax.figure as either)
        return cast(Figure, ax.figure), ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def with_units(text: str, units: str | None) -> str:
    """``text [units]`` (``text`` without units)."""
    return f"{text} [{units}]" if units else text


def tick_text(value: object) -> str:
    """A tick label: a number as ``0.5``, anything else as its text."""
    return f"{value:g}" if isinstance(value, int | float | np.number) else str(value)


def require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    """``ValueError`` naming the columns of ``columns`` that ``frame`` (``what``) lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} is missing column(s) {missing}; it has {list(frame.columns)}")
