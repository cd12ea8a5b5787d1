"""The ``bargainlab`` command line: :func:`main` (see :mod:`bargainlab.cli.commands`, and
:mod:`bargainlab.cli.arguments` for its grammar)."""

from .commands import main

__all__ = ["main"]
