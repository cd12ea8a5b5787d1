"""The ``bargainlab`` command line (see :mod:`bargainlab.cli.main`)."""

from .commands import main

__all__ = ["main"]
