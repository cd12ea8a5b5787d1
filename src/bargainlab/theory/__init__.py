"""Theory: the published predictions the engine is checked against.

Closed forms for the complete-information stage game (:mod:`.closed_form`), backward
induction of the engine's own finite game over a batch (:mod:`.spe`), references for
bargaining and reputation under incomplete information (:mod:`.incomplete`), and the essay's
two-type, two-round game with the face-saving condition solved exactly (:mod:`.essay`).
Every function validates its arguments (``ValueError`` naming the argument and its allowed
range) and never returns NaN or infinity.
"""

from .closed_form import Frontier, breakdown, kalai_smorodinsky, nash, outside_option, rubinstein
from .essay import EssayGame, essay_game
from .incomplete import (
    AbreuGul,
    Ratchet,
    Screening,
    abreu_gul,
    kreps_wilson,
    kreps_wilson_fight_probability,
    ratchet,
    screening,
)
from .spe import SPETables, spe_thresholds

__all__ = [
    "AbreuGul",
    "EssayGame",
    "Frontier",
    "Ratchet",
    "SPETables",
    "Screening",
    "abreu_gul",
    "breakdown",
    "essay_game",
    "kalai_smorodinsky",
    "kreps_wilson",
    "kreps_wilson_fight_probability",
    "nash",
    "outside_option",
    "ratchet",
    "rubinstein",
    "screening",
    "spe_thresholds",
]
