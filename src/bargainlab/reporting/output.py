"""Writing figures: atomically, reproducibly, and with the layout computed once."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import matplotlib as mpl
from matplotlib.figure import Figure

from ..support.files import atomic_path
from ..support.forking import fork_map

__all__ = ["save_figure", "save_figures"]

#: one figure to write: (figure, folder, file stem, formats)
FigureJob = tuple[Figure, Path, str, tuple[str, ...]]


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


def save_figures(
    jobs: Sequence[FigureJob], *, workers: int | None = None
) -> list[tuple[Path, ...]]:
    """Write several figures (each as :func:`save_figure` does) and return their paths in
    the order of ``jobs``.

    Drawing a figure is single-threaded and takes most of a study's figure phase, so the
    figures are written by up to ``workers`` forked processes (default: the usable cores)
    that inherit the already-built figures; the files are the same bytes as a serial save.
    Where forking is unavailable (Windows, macOS's default) or unsafe (inside a daemonic
    worker), they are written one after the other.
    """
    jobs = list(jobs)
    # the largest figures first, so that no writer is left with a long one at the end
    order = sorted(range(len(jobs)), key=lambda k: -len(jobs[k][0].axes))
    return fork_map(_save_job, jobs, workers=workers, order=order)


def _save_job(job: FigureJob) -> tuple[Path, ...]:
    """One figure job, saved (for the forked writers)."""
    return save_figure(*job)
