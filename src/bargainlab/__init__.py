"""bargainlab: a batch-first simulator of repeated bargaining between unequal parties.

The public API is small:

- :mod:`bargainlab.theory` -- closed-form references (Rubinstein, outside options, ...);
- :class:`bargainlab.engine.terms.Issue`, :class:`bargainlab.engine.parties.PartyBatch`,
  :class:`bargainlab.engine.negotiation.Game` and
  :func:`bargainlab.engine.negotiation.negotiate` -- the stage game over a batch of replicates;
- :mod:`bargainlab.strategies` -- the strategy library and its registry.

Importing the package has no side effects: nothing is read, written or seeded.
"""

from ._version import __version__

__all__ = ["__version__"]
