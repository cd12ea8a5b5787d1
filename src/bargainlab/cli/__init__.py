"""The ``bargainlab`` command line (see :mod:`bargainlab.cli.main`)."""

from .main import main

__all__ = ["main"]
