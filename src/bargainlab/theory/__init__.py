"""Theory: the published predictions the engine is checked against.

Closed forms for the complete-information stage game (:mod:`.closed_form`), backward
induction of the engine's own finite game over a batch (:mod:`.spe`). Every function
validates its arguments (``ValueError`` naming the argument and its allowed range) and never
returns NaN or infinity.
"""

from .closed_form import Frontier, breakdown, kalai_smorodinsky, nash, outside_option, rubinstein
from .spe import SPETables, spe_thresholds

__all__ = [
    "Frontier",
    "SPETables",
    "breakdown",
    "kalai_smorodinsky",
    "nash",
    "outside_option",
    "rubinstein",
    "spe_thresholds",
]
