"""The strategy contract: every registered strategy keeps it, and each of its checks fails on
a strategy broken in that one way.

The broken strategies are not registered.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pytest

from bargainlab.strategies import Classifier, Offer, Strategy, TimeDependent, available, get
from bargainlab.strategies.testing import check_strategy

VARIANTS: dict[str, list[dict[str, Any]]] = {
    "learner": [{"kind": k} for k in ("naive", "expected_terms", "anchored")]
    + [{"lookahead": 0}, {"lookahead": "horizon"}],
    "face_saver": [{"condition": False}, {"last_resort": False}],
    "pooling_face_saver": [
        {"condition": False},
        {"cutoff": 0.2},
        {"condition": False, "cutoff": 0},
    ],
    "modest_winner": [{"modest": False}],
    "holdout": [{"use_reference": False, "aspiration": 0.7}],
    "time_dependent": [{"e": 0.5, "k": 0.1, "p_max": 0.9, "p_min": 0.3, "tolerance": 0.01}],
}
"""Parameters beyond the defaults that change what a strategy does or declares."""


def _cases() -> list[Any]:
    return [
        pytest.param(name, params, id=f"{name}-{params}")
        for name in available()
        for params in [{}, *VARIANTS.get(name, [])]
    ]


@pytest.mark.parametrize(("name", "params"), _cases())
def test_every_registered_strategy_keeps_the_contract(name, params):
    check_strategy(get(name), params)


def test_the_face_saver_with_the_condition_is_not_monotone_and_says_so():
    """Its compensated conditional concession can be worth less in headline utility than
    what a lower bottom line asks for: declaring monotone_in_type would fail the contract."""

    @dataclass(frozen=True)
    class ClaimsMonotone(get("face_saver")):  # type: ignore[misc]
        name: ClassVar[str] = "claims_monotone"

        @classmethod
        def classify(cls, params):
            return Classifier(monotone_in_type=True, attaches_condition=True)

        @property
        def monotone_in_type(self) -> bool:  # type: ignore[override]
            return True

    assert not get("face_saver")().monotone_in_type
    assert get("face_saver")(condition=False).monotone_in_type
    with pytest.raises(
        AssertionError, match=r"^check_strategy\(ClaimsMonotone\): monotone_in_type:"
    ):
        check_strategy(ClaimsMonotone)


# ---- strategies broken in one way each ------------------------------------------------------


@dataclass(frozen=True)
class Fair(Strategy[None]):
    """A correct strategy: asks for a fixed share above its bottom line, accepts offers
    worth its next ask."""

    name: ClassVar[str] = "fair"
    share: float = 0.3

    def ask(self, view: Any) -> np.ndarray:
        floor = np.maximum(view.own.reservation_value, view.own.outside_option)
        return floor + self.share * (1.0 - floor)

    def propose(self, view, state, step):
        return Offer.plain(view.position(self.ask(view)))

    def respond(self, view, state, step, offer):
        return self.accept_if(view, offer, self.ask(view))


@dataclass
class NotFrozen(Strategy[None]):
    name: ClassVar[str] = "not_frozen"
    share: float = 0.3

    propose = Fair.propose
    respond = Fair.respond
    ask = Fair.ask


@dataclass(frozen=True)
class BadName(Fair):
    name: ClassVar[str] = "bad name"


@dataclass(frozen=True)
class Impostor(Fair):
    name: ClassVar[str] = "boulware"


@dataclass(frozen=True, repr=False)
class Opaque(Fair):
    name: ClassVar[str] = "opaque"

    def __repr__(self) -> str:
        return "<a fair strategy>"


@dataclass(frozen=True)
class Unpicklable(Fair):
    name: ClassVar[str] = "unpicklable"

    def __reduce_ex__(self, protocol):
        raise TypeError("not today")


@dataclass(frozen=True)
class LyingFacts(Fair):
    """Its classify says it is monotone, its instances say they are not."""

    name: ClassVar[str] = "lying_facts"

    @classmethod
    def classify(cls, params):
        return Classifier(monotone_in_type=True)


@dataclass(frozen=True)
class MoodyFacts(Fair):
    """A fact that depends on a parameter, as a property, without overriding classify."""

    name: ClassVar[str] = "moody_facts"

    @property
    def learns(self) -> bool:  # type: ignore[override]
        return self.share > 0.5


@dataclass(frozen=True)
class Peeker(Fair):
    name: ClassVar[str] = "peeker"

    def propose(self, view, state, step):
        return Offer.plain(view.opponent.position(view.opponent.reservation_value))


@dataclass(frozen=True)
class Overreach(Fair):
    name: ClassVar[str] = "overreach"

    def propose(self, view, state, step):
        return Offer.plain(np.full(view.n, 1.5))


@dataclass(frozen=True)
class Mumbler(Fair):
    name: ClassVar[str] = "mumbler"

    def respond(self, view, state, step, offer):
        return np.full(view.n, 7, dtype=np.int8)


@dataclass(frozen=True)
class Pushover(Fair):
    name: ClassVar[str] = "pushover"

    def respond(self, view, state, step, offer):
        return np.ones(view.n, dtype=np.int8)


_CALLS = itertools.count()


@dataclass(frozen=True)
class Restless(Fair):
    """Asks for a little more at every call it ever gets: global state."""

    name: ClassVar[str] = "restless"

    def ask(self, view: Any) -> np.ndarray:
        return np.minimum(super().ask(view) + 1e-6 * next(_CALLS), 1.0)


@dataclass(frozen=True)
class Herd(Fair):
    """Asks for the batch's mean bottom line: what it does depends on the other replicates."""

    name: ClassVar[str] = "herd"

    def ask(self, view: Any) -> np.ndarray:
        mean = np.full(view.n, view.own.reservation_value.mean())
        return np.maximum(np.maximum(super().ask(view), mean), view.own.reservation_value)


@dataclass(frozen=True)
class FalselyMonotone(Fair):
    """Declares monotone_in_type but asks for less the higher its bottom line (never below
    it)."""

    name: ClassVar[str] = "falsely_monotone"
    monotone_in_type: ClassVar[bool] = True

    def ask(self, view: Any) -> np.ndarray:
        floor = view.own.reservation_value
        return np.maximum(1.0 - floor, floor)


@dataclass(frozen=True)
class FalselyExact(TimeDependent):
    """A linear tactic whose likelihood says every bottom line explains every round."""

    name: ClassVar[str] = "falsely_exact"

    def likelihood(self, trace, context, theta, rows=None):
        return np.ones((trace.n, theta.shape[0]))


@dataclass(frozen=True)
class Crasher(Fair):
    name: ClassVar[str] = "crasher"

    def respond(self, view, state, step, offer):
        raise RuntimeError("boom")


@pytest.mark.parametrize(
    ("cls", "check"),
    [
        (NotFrozen, "dataclass"),
        (BadName, "name"),
        (Impostor, "name"),
        (Opaque, "round trip"),
        (Unpicklable, "round trip"),
        (LyingFacts, "facts"),
        (MoodyFacts, "facts"),
        (Peeker, "information hiding"),
        (Overreach, "offers"),
        (Mumbler, "responses"),
        (Pushover, "bottom line"),
        (Restless, "determinism"),
        (Herd, "batch independence"),
        (FalselyMonotone, "monotone_in_type"),
        (FalselyExact, "exact_likelihood"),
        (Crasher, "play"),
    ],
)
def test_each_check_fails_on_a_strategy_broken_that_way(cls, check):
    with pytest.raises(AssertionError) as failure:
        check_strategy(cls)
    assert str(failure.value).startswith(f"check_strategy({cls.__name__}): {check}: ")


def test_a_correct_strategy_passes_and_bad_parameters_are_named():
    check_strategy(Fair)
    check_strategy(Fair, {"share": 0.1})
    with pytest.raises(AssertionError, match=r"dataclass: .*Fair\(\*\*\{'speed': 1\}\)"):
        check_strategy(Fair, {"speed": 1})


def test_a_strategy_defined_in_a_function_or_notebook_is_checked_too():
    @dataclass(frozen=True)
    class Local(Fair):
        name: ClassVar[str] = "local"

    check_strategy(Local)
