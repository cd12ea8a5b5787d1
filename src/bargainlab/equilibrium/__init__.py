"""The incomplete-information references of :mod:`bargainlab.theory`, reproduced by play.

Each function plays an equilibrium of :mod:`bargainlab.theory.incomplete` on a batch of
replicates and returns what it measured, next to which the closed form can be set:

* :func:`play_screening` -- the skimming (Coasian durable-good) equilibrium on the engine's
  stage game: a seller that prices from a grid posterior, updated after every rejection by
  Bayes' rule with the exact likelihood of the buyers' stopping rule, against buyers who
  stop optimally (:func:`bargainlab.theory.screening`);
* :func:`play_ratchet` -- the two-type, two-period ratchet game as a two-round relationship
  with a seller that learns between rounds: commitment, separating and pooling plays
  (:func:`bargainlab.theory.ratchet`);
* :func:`play_war_of_attrition` -- the Abreu–Gul war of attrition between obstinate and
  rational types in discrete time, converging to :func:`bargainlab.theory.abreu_gul` as the
  step shrinks (the equilibrium strategies are imposed and their implications measured).

Randomness is explicit: every function takes a ``seed`` for a
:class:`numpy.random.SeedSequence` and touches no global state.
"""

from .attrition import WarOfAttrition, play_war_of_attrition
from .ratchet import RatchetPlay, play_ratchet
from .screening import ScreeningPlay, play_screening

__all__ = [
    "RatchetPlay",
    "ScreeningPlay",
    "WarOfAttrition",
    "play_ratchet",
    "play_screening",
    "play_war_of_attrition",
]
