"""Writing figures: atomically, reproducibly, and with the layout computed once."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import matplotlib as mpl
from matplotlib.figure import Figure

__all__ = ["save_figure"]


def save_figure(
    fig: Figure,
    directory: str | os.PathLike[str],
    stem: str,
    formats: Sequence[str] = ("png", "svg"),
) -> tuple[Path, ...]:
    """Write ``stem.<format>`` for each of ``formats`` into ``directory`` atomically; return
    the paths in that order.

    Each file is written to a temporary file in the same directory and moved into place with
    :func:`os.replace`, so a reader never sees a half-written figure. The layout is computed
    for the first format and frozen for the others (the figure's layout engine is switched
    off after the first save), which saves most of the second save's time. The SVG has no
    date and fixed element ids (salted by ``stem``), so the same figure gives the same bytes.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, fmt in enumerate(formats):
        if k == 1:
            fig.set_layout_engine("none")
        target = directory / f"{stem}.{fmt}"
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{stem}.", suffix=f".{fmt}.tmp")
        try:
            with os.fdopen(fd, "wb") as handle, mpl.rc_context({"svg.hashsalt": stem}):
                fig.savefig(
                    handle, format=fmt, dpi=150, metadata={"Date": None} if fmt == "svg" else None
                )
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        paths.append(target)
    return tuple(paths)
