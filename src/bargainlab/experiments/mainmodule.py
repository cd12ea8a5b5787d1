"""Workers that do not try to re-run a main module that has no file.

Local workers start with the ``forkserver`` or ``spawn`` method (and a local Dask cluster's
with ``spawn``): each new process runs the parent's main module again from its file, under
the name ``__mp_main__``, so that functions defined there can be unpickled. A script fed on
standard input (``python - <<EOF``) has ``__file__ == "<stdin>"``, which is no file: every
worker died on start-up trying to run it, and the run ended, minutes later, in
``BrokenProcessPool``. :func:`workers_skip_main` hides such a ``__file__`` while the workers
start, as ``python -c`` and a notebook (whose main module has no ``__file__``) already are:
the workers need nothing from the main module, since every strategy defined there travels
with the tasks (:mod:`bargainlab.experiments.shipping`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["unimportable_main", "workers_skip_main"]


def unimportable_main() -> str | None:
    """The ``__file__`` of the main module when it names no file a worker could run
    (``<stdin>``, ``<string>``, ...), else ``None``."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if not isinstance(path, str) or Path(path).is_file():
        return None
    return path


@contextmanager
def workers_skip_main() -> Iterator[None]:
    """While inside, a main module whose ``__file__`` names no file has none (it is put
    back on leaving), so worker processes started meanwhile do not try to run it."""
    path = unimportable_main()
    main = sys.modules.get("__main__")
    if path is None or main is None:
        yield
        return
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path
