"""The strategy library.

Each strategy is a small frozen dataclass with vectorised ``propose``/``respond`` methods and
is available by name through the registry (:func:`create`, :func:`available`). Add your own
with :func:`register`.
"""

from .base import ACCEPT, EXIT, REJECT, Offer, State, Strategy
from .equilibrium import Equilibrium
from .essay import Capitulator, FaceSaver, Holdout, ModestWinner
from .learner import Learner
from .registry import available, create, get, register
from .tactics import (
    Boulware,
    Conceder,
    Hardliner,
    Linear,
    NegmasBoulware,
    NegmasConceder,
    NegmasLinear,
    TimeDependent,
)
from .titfortat import TitForTat

__all__ = [
    "ACCEPT",
    "EXIT",
    "REJECT",
    "Boulware",
    "Capitulator",
    "Conceder",
    "Equilibrium",
    "FaceSaver",
    "Hardliner",
    "Holdout",
    "Learner",
    "Linear",
    "ModestWinner",
    "NegmasBoulware",
    "NegmasConceder",
    "NegmasLinear",
    "Offer",
    "State",
    "Strategy",
    "TimeDependent",
    "TitForTat",
    "available",
    "create",
    "get",
    "register",
]
