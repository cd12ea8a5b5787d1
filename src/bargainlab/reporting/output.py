"""Writing figures: atomically, reproducibly, and with the layout computed once."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import matplotlib as mpl
from matplotlib.figure import Figure

from .._files import atomic_path

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
    :func:`os.replace`, so a reader never sees a half-written figure; files are readable by
    others (the umask decides, as for any file). ``stem`` must be a plain file name (see
    :func:`bargainlab.config.paths.file_stem` for labels). The layout is computed
    for the first format and frozen for the others (the figure's layout engine is switched
    off after the first save), which saves most of the second save's time. The SVG has no
    date and fixed element ids (salted by ``stem``), so the same figure gives the same bytes.
    """
    if not stem or Path(stem).name != stem or stem in (".", ".."):
        raise ValueError(f"a figure's file name must not contain a folder; got {stem!r}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, fmt in enumerate(formats):
        if k == 1:
            fig.set_layout_engine("none")
        target = directory / f"{stem}.{fmt}"
        with atomic_path(target) as tmp, open(tmp, "wb") as handle:
            with mpl.rc_context({"svg.hashsalt": stem}):
                fig.savefig(
                    handle, format=fmt, dpi=150, metadata={"Date": None} if fmt == "svg" else None
                )
        paths.append(target)
    return tuple(paths)
