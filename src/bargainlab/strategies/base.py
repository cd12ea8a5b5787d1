"""The strategy protocol.

A strategy is a frozen dataclass of parameters (so it has a repr, equality, hashing and
pickling for free) with vectorised decisions over a batch of replicates. What the engine
calls, and when:

* ``start(view) -> StateT`` at the start of every round: returns the strategy's per-round
  state (the only place it keeps anything within a round), a small dataclass of its own
  (``Strategy[MyState]``, so that mypy checks every field it reads or writes), or ``None``
  for a strategy that keeps none;
* ``propose(view, state, step) -> Offer | ndarray`` at every step: an offer for *every*
  replicate (the engine uses it where this side proposes);
* ``respond(view, state, step, offer) -> ndarray`` at every step: ``ACCEPT``, ``REJECT`` or
  ``EXIT`` for every replicate (used where this side responds).

What a learner calls on the policies it thinks its opponent may follow (the opponent
*models*):

* ``likelihood(trace, context, theta) -> ndarray (n, G)``: the probability of the whole
  round's public record (:class:`~bargainlab.beliefs.observations.RoundTrace`) had the
  opponent followed this policy with bottom line ``theta[g]``. The default is exact for any
  deterministic rule that reads only its own type, the public history and public facts (see
  :mod:`bargainlab.strategies.inference`); set :attr:`Strategy.monotone_in_type` when the
  rule qualifies for the fast path, and :attr:`Strategy.exact_likelihood` to ``False`` when
  the rule is not of that kind and the likelihood is an approximation.
* ``agreement_threshold(theta, context) -> ndarray (n, G)``: the least utility at which the
  policy with bottom line ``theta[g]`` agrees within a round: the learner's planning model.

Learners (``learns = True``) also implement ``update_belief`` (see
:class:`~bargainlab.strategies.learner.Learner`), which the relationship calls between rounds.

What a strategy *is* (as Axelrod's classifier): each class declares its facts as class
attributes (``learns``, ``monotone_in_type``, ``exact_likelihood``, ``displays_satisfaction``,
``stochastic``, ``attaches_condition``), and :meth:`Strategy.classify` answers them for any
parameters without building the strategy, as a :class:`Classifier`. A strategy whose facts
depend on a parameter overrides :meth:`~Strategy.classify` (the modest winner, the
face-saver). :func:`~bargainlab.strategies.registry.available` filters the registered names
by these facts and :func:`~bargainlab.strategies.catalog.describe` tells them for a name and
its parameters; :func:`~bargainlab.strategies.testing.check_strategy` checks that a class
keeps what it declares.

A strategy sees only its :class:`~bargainlab.engine.views.SideView`: its own type, public
facts, the round's history and what it carries from earlier rounds. Reading the opponent's
private type raises :class:`~bargainlab.engine.views.InformationError`. Config files name
strategies by their registered name (:mod:`bargainlab.strategies.registry`); nothing in a
config ever executes code.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping
from typing import Any, ClassVar, Generic, TypeVar, cast

import numpy as np

from ..beliefs.observations import RoundTrace
from ..engine.context import OwnerContext
from ..engine.negotiation import ACCEPT, EXIT, REJECT, Offer
from ..engine.views import SideView
from .inference import exact_likelihood

StateT = TypeVar("StateT")
"""The type of a strategy's per-round state (what its ``start`` returns)."""

State = dict[str, Any]
"""An untyped per-round state, for strategies written before states were typed; the
library's strategies declare a dataclass instead (``Strategy[MyState]``)."""


@dataclasses.dataclass(frozen=True)
class Classifier:
    """A strategy's facts with given parameters: what the library and its reports need to
    know about a policy without playing it (Axelrod's ``classifier``)."""

    learns: bool = False
    """It keeps a belief about the opponent across rounds (and implements
    ``update_belief``)."""
    monotone_in_type: bool = False
    """At every step, given the public history, its offer is non-decreasing (in own
    utility) and its acceptance non-increasing in its own bottom line, with no dependence on
    its own earlier choices in the round (a learner may then evaluate it by bisection)."""
    exact_likelihood: bool = True
    """Its :meth:`Strategy.likelihood` is exact: positive at the bottom line it played with
    and zero wherever its rule would have acted otherwise."""
    displays_satisfaction: bool = True
    """It shows its satisfaction with a deal (the behavioural module's cue)."""
    stochastic: bool = False
    """Its decisions depend on random draws (else the same view gives the same numbers)."""
    attaches_condition: bool = False
    """It may attach the compensation condition to its offers (where it holds it)."""

    def __post_init__(self) -> None:
        """Refuse anything but ``True`` or ``False`` (a property read from a class, say)."""
        for fact in FACTS:
            value = getattr(self, fact)
            if not isinstance(value, bool):
                raise TypeError(
                    f"the fact {fact!r} must be true or false, got {value!r}; a strategy whose "
                    "facts depend on its parameters overrides classify()"
                )


FACTS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Classifier))
"""The names of the facts a :class:`Classifier` holds."""


class Strategy(Generic[StateT]):
    """Base class: subclass it as a ``@dataclass(frozen=True)`` with a ``name`` and register
    it with :func:`~bargainlab.strategies.registry.register`.

    It is generic in the per-round state: a strategy that keeps state declares a small
    dataclass and subclasses ``Strategy[ThatState]``; one that keeps none subclasses
    ``Strategy[None]`` (or plain ``Strategy``) and leaves :meth:`start` alone.
    """

    name: ClassVar[str] = "strategy"
    """The registered name, used by study files (an identifier)."""
    learns: ClassVar[bool] = False
    """Whether the strategy keeps beliefs about the opponent across rounds."""
    displays_satisfaction: ClassVar[bool] = True
    """Whether the party shows its satisfaction with a deal (the behavioural module's cue)."""
    monotone_in_type: ClassVar[bool] = False
    """Whether, at every step and given the public history, the offer is non-decreasing (in
    own utility) and the acceptance non-increasing in the own bottom line, with no dependence
    on the strategy's own earlier choices in the round (lets learners use bisection)."""
    exact_likelihood: ClassVar[bool] = True
    """Whether :meth:`likelihood` is exact (reports say which learners are approximate)."""
    stochastic: ClassVar[bool] = False
    """Whether the decisions depend on random draws (none of the library's do)."""
    attaches_condition: ClassVar[bool] = False
    """Whether it may attach the compensation condition to its offers."""

    @classmethod
    def classify(cls, params: Mapping[str, Any]) -> Classifier:
        """The facts of this strategy with the parameters ``params`` (every parameter, the
        defaults filled in), read without building it. Default: the class's declared
        attributes; a strategy whose facts depend on a parameter overrides it, and its
        instances give the same answers."""
        return Classifier(**{fact: getattr(cls, fact) for fact in FACTS})

    @classmethod
    def describe_learning(cls, params: Mapping[str, Any]) -> str:
        """One line: how this strategy with the parameters ``params`` learns."""
        return "keeps a belief about the opponent" if cls.learns else "does not learn"

    @property
    def classifier(self) -> Classifier:
        """This strategy's facts (:meth:`classify` of its parameters)."""
        return type(self).classify(self.params())

    def start(self, view: SideView) -> StateT:
        """The per-round state, made at the start of every round (default: ``None``, no
        state)."""
        return cast(StateT, None)

    def propose(self, view: SideView, state: StateT, step: int) -> Offer | np.ndarray:
        """An offer for every replicate (the engine uses it where this side proposes)."""
        raise NotImplementedError

    def respond(self, view: SideView, state: StateT, step: int, offer: Offer) -> np.ndarray:
        """``ACCEPT``, ``REJECT`` or ``EXIT`` for every replicate (used where this side
        responds)."""
        raise NotImplementedError

    def likelihood(
        self,
        trace: RoundTrace,
        context: OwnerContext,
        theta: np.ndarray,
        rows: np.ndarray | None = None,
    ) -> np.ndarray:
        """``(n, G)``: the probability of the round's record had the opponent followed this
        policy with bottom line ``theta[g]`` (1 or 0 for a deterministic rule), evaluated for
        the replicates ``rows`` (a boolean mask; the others get 1)."""
        n = trace.n
        index = np.flatnonzero(np.ones(n, dtype=bool) if rows is None else rows)
        out = np.ones((n, theta.shape[0]))
        if index.size:
            out[index] = exact_likelihood(self, trace, context, theta, index)
        return out

    def agreement_threshold(self, theta: np.ndarray, context: OwnerContext) -> np.ndarray:
        """``(n, G)``: the least own utility at which this policy with bottom line
        ``theta[g]`` agrees within a round (default: its floor, the larger of the bottom line
        and its outside option)."""
        return np.maximum(theta[None, :], context.outside_option[:, None])

    def agreement_rule(self) -> Hashable:
        """A key naming the rule of :meth:`agreement_threshold`: policies with equal keys have
        the same thresholds in every round, and a learner's planning may merge them."""
        return ("floor", None)

    # ---- helpers shared by the library --------------------------------------------------
    @staticmethod
    def accept_if(view: SideView, offer: Offer, threshold: np.ndarray) -> np.ndarray:
        """``ACCEPT`` where the offer is worth at least ``threshold`` *and* the reservation
        value, ``REJECT`` elsewhere. No strategy of the library agrees below its bottom line.
        """
        value = view.offer_value(offer.x, offer.conditional)
        # behavioural acceptance noise (0 unless the subjective-value module sets it; adding
        # a zero could only turn -0.0 into 0.0, which the 1e-12 below makes the same)
        shift = view.levers.accept_shift
        if not (isinstance(shift, float | int) and shift == 0):
            threshold = threshold + shift
        # worth both iff worth the larger: subtracting 1e-12 keeps the order, so this is
        # value >= threshold - 1e-12 and value >= reservation - 1e-12 in one comparison
        ok = value >= np.maximum(threshold, view.own.reservation_value) - 1e-12
        return ok.astype(np.int8)  # ACCEPT is 1 and REJECT 0

    @staticmethod
    def exit_if(view: SideView, response: np.ndarray, leave: np.ndarray) -> np.ndarray:
        """Turn rejections into exits where ``leave`` holds (and exit is allowed)."""
        if not view.allow_exit:
            return response
        return np.where((response == REJECT) & leave, EXIT, response).astype(np.int8)

    def params(self) -> dict[str, Any]:
        """The strategy's parameters as a plain dict (for tables and manifests)."""
        return dataclasses.asdict(self) if dataclasses.is_dataclass(self) else {}


__all__ = [
    "ACCEPT",
    "EXIT",
    "FACTS",
    "REJECT",
    "Classifier",
    "Offer",
    "State",
    "StateT",
    "Strategy",
]
