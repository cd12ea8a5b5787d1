"""The progress displays of a run: a bar over relationships while it simulates, then one
over the named phases of its post-processing (tqdm, on stderr)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = ["phase_bar", "progress_bar"]


def _enabled(enabled: bool | None) -> bool:
    """Whether to show a bar: as asked, or by default when stderr is a terminal."""
    return sys.stderr.isatty() if enabled is None else enabled


def progress_bar(
    total: int,
    initial: int = 0,
    enabled: bool | None = None,
    desc: str = "tasks",
    unit: str = "task",
) -> Any:
    """A tqdm bar on stderr; off when stderr is not a terminal unless ``enabled``."""
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        initial=initial,
        disable=not _enabled(enabled),
        desc=desc,
        unit=unit,
        unit_scale=True,
        file=sys.stderr,
    )


@contextmanager
def phase_bar(
    phases: Sequence[str], enabled: bool | None = None
) -> Iterator[Callable[[str], None]]:
    """A bar over named phases (``summarize``, ``figures``, ...): yields a function to call
    with each phase's name as it starts; the bar shows which one runs and how long each took."""
    bar = progress_bar(len(phases), enabled=enabled, desc="post-processing", unit="phase")
    started: list[str] = []

    def phase(name: str) -> None:
        """Mark the previous phase done and show ``name`` as running."""
        if started:
            bar.update(1)
        started.append(name)
        bar.set_description(name)

    try:
        yield phase
        if started:
            bar.update(1)
        bar.set_description("post-processing")
    finally:
        bar.close()
