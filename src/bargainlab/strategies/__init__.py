"""The strategy library.

Each strategy is a small frozen dataclass with vectorised ``propose``/``respond`` methods and
is available by name through the registry (:func:`create`, :func:`available`). Add your own
with :func:`register`.
"""

from . import tactics  # noqa: F401  (registers the built-in strategies)
from .base import ACCEPT, EXIT, REJECT, Offer, Strategy, available, create, get, register
from .tactics import Boulware, Conceder, Hardliner, Linear, TimeDependent

__all__ = [
    "ACCEPT",
    "EXIT",
    "REJECT",
    "Boulware",
    "Conceder",
    "Hardliner",
    "Linear",
    "Offer",
    "Strategy",
    "TimeDependent",
    "available",
    "create",
    "get",
    "register",
]
