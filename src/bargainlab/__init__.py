"""bargainlab: a batch-first simulator of repeated bargaining between unequal parties.

The public API is small:

- :mod:`bargainlab.theory` -- closed-form references (Rubinstein, outside options, ...);
- :class:`bargainlab.terms.Issue`, :class:`bargainlab.parties.PartyBatch`,
  :class:`bargainlab.negotiation.Game` and :func:`bargainlab.negotiation.negotiate` -- the
  stage game over a batch of replicates;
- :mod:`bargainlab.strategies` -- the strategy library and its registry.

Importing the package has no side effects: nothing is read, written or seeded.
"""

from ._version import __version__

__all__ = ["__version__"]
