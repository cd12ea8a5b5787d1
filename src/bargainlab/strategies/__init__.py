"""The strategy library.

Each strategy is a small frozen dataclass with vectorised ``propose``/``respond`` methods and
is available by name through the registry (:func:`create`, :func:`available`). Add your own
with :func:`register`. Each class declares its facts (:class:`Classifier`):
``available(learns=True)`` filters the names by them and :func:`describe` tells them for a
name and its parameters, without building the strategy. :mod:`bargainlab.strategies.testing`
has the contract kit, :func:`~bargainlab.strategies.testing.check_strategy`.
"""

from .base import ACCEPT, EXIT, FACTS, REJECT, Classifier, Offer, State, Strategy
from .catalog import StrategyInfo, describe
from .equilibrium import Equilibrium
from .essay import Capitulator, FaceSaver, Holdout, ModestWinner
from .learner import Learner
from .pooling import PoolingFaceSaver
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
    "FACTS",
    "REJECT",
    "Boulware",
    "Capitulator",
    "Classifier",
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
    "PoolingFaceSaver",
    "State",
    "Strategy",
    "StrategyInfo",
    "TimeDependent",
    "TitForTat",
    "available",
    "create",
    "describe",
    "get",
    "register",
]
