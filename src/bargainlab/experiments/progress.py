"""The progress displays of a run: a bar over relationships while it simulates, then one
over the named phases of its post-processing (tqdm, on stderr: a widget in a notebook that has
ipywidgets, text everywhere else)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = ["bar_class", "in_notebook", "phase_bar", "progress_bar"]


def in_notebook() -> bool:
    """Whether this process is a Jupyter kernel (IPython's kernel app is running)."""
    ipython = sys.modules.get("IPython")  # imported by every Jupyter kernel; never imported here
    shell = getattr(ipython, "get_ipython", lambda: None)()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def _enabled(enabled: bool | None) -> bool:
    """Whether to show a bar: as asked, or by default when stderr is a terminal or the
    process is a notebook's kernel."""
    return (sys.stderr.isatty() or in_notebook()) if enabled is None else enabled


def bar_class() -> type:
    """The tqdm bar to use: the notebook's widget in a Jupyter kernel that has ipywidgets,
    else the text bar.

    ``tqdm.auto`` makes the same choice but warns (``TqdmWarning: IProgress not found``) in a
    kernel without ipywidgets before falling back to the text bar; this asks first.
    """
    from tqdm.std import tqdm as text_bar

    if not in_notebook():
        return text_bar
    try:
        import ipywidgets  # noqa: F401 (tqdm's widget bar needs it)
    except ImportError:
        return text_bar
    from tqdm.notebook import tqdm as widget_bar

    return widget_bar


def progress_bar(
    total: int,
    initial: int = 0,
    enabled: bool | None = None,
    desc: str = "tasks",
    unit: str = "task",
) -> Any:
    """A tqdm bar on stderr (:func:`bar_class`: a widget in a notebook that can show one);
    by default shown in a terminal or a notebook only, else as ``enabled`` says."""
    return bar_class()(
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
