"""What a legible figure is, checked with matplotlib's own renderer: every text element inside
the canvas, no two overlapping (tick labels of one axis may touch), and a saved width of at
most 1,600 px (figures are saved at 150 dpi)."""

from __future__ import annotations

from itertools import combinations

from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

DPI = 150
"""The resolution figures are saved at (see bargainlab.reporting.output.save_figure)."""
MAX_WIDTH_PX = 1600
TOLERANCE = 2.0
"""Pixels two boxes may share, or a box may pass the canvas's edge by."""


def _tick_labels(fig: Figure) -> dict[int, tuple[Text, Axis]]:
    """Every drawn tick label, with the axis it belongs to."""
    found: dict[int, tuple[Text, Axis]] = {}
    for ax in fig.axes:
        if not (ax.get_visible() and ax.axison):
            continue
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            slack = 1e-9 * max(1.0, abs(hi - lo))
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not (lo - slack <= tick.get_loc() <= hi + slack):
                    continue
                for label in (tick.label1, tick.label2):
                    if label.get_visible() and label.get_text().strip():
                        found[id(label)] = (label, axis)
    return found


def _all_ticks(fig: Figure) -> set[int]:
    """The ids of every tick label, drawn or not."""
    ids = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                ids.update((id(tick.label1), id(tick.label2)))
    return ids


def _shown(text: Text) -> bool:
    """Whether a text element is drawn: visible itself and in a visible Axes."""
    if not (text.get_visible() and text.get_text().strip()):
        return False
    axes = text.axes
    return axes is None or axes.get_visible()


def texts(fig: Figure) -> list[tuple[Text, Bbox, Axis | None]]:
    """Every drawn text element of ``fig`` with its box in pixels at the saved size, and the
    axis a tick label belongs to (``None`` for other text)."""
    FigureCanvasAgg(fig)
    fig.set_dpi(DPI)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ticks = _tick_labels(fig)
    every_tick = _all_ticks(fig)
    out: list[tuple[Text, Bbox, Axis | None]] = [
        (t, t.get_window_extent(renderer), axis) for t, axis in ticks.values()
    ]
    for t in fig.findobj(Text):
        if id(t) in every_tick or not _shown(t):
            continue
        out.append((t, t.get_window_extent(renderer), None))
    return out


def _overlap(a: Bbox, b: Bbox) -> float:
    """The smaller side of the two boxes' intersection (0 when they do not meet)."""
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(0.0, min(width, height))


def problems(fig: Figure, name: str = "figure") -> list[str]:
    """What makes ``fig`` hard to read: text outside the canvas, overlapping text, a saved
    width over :data:`MAX_WIDTH_PX`; an empty list for a legible figure."""
    found = []
    width = fig.get_size_inches()[0] * DPI
    if width > MAX_WIDTH_PX + 0.5:
        found.append(f"{name}: {width:.0f} px wide at its saved size (at most {MAX_WIDTH_PX})")
    items = texts(fig)
    canvas = fig.bbox
    for text, box, _ in items:
        if (
            box.x0 < canvas.x0 - TOLERANCE
            or box.y0 < canvas.y0 - TOLERANCE
            or box.x1 > canvas.x1 + TOLERANCE
            or box.y1 > canvas.y1 + TOLERANCE
        ):
            found.append(f"{name}: {text.get_text()!r} lies outside the canvas ({box.bounds})")
    for (t1, b1, a1), (t2, b2, a2) in combinations(items, 2):
        if a1 is not None and a1 is a2 and (t1.get_rotation() or t2.get_rotation()):
            continue  # rotated tick labels of one axis: their upright boxes always meet
        if _overlap(b1, b2) > TOLERANCE:
            found.append(f"{name}: {t1.get_text()!r} overlaps {t2.get_text()!r}")
    return found
