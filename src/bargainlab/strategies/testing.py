"""A kit for testing strategies: the contract check, a scripted opponent and a one-call play.

Check a strategy class against the strategy contract and the facts it declares, in one call
that raises an ``AssertionError`` naming the first check that fails (see
:mod:`bargainlab.strategies.contract` for the checks)::

    from bargainlab.strategies.testing import check_strategy

    check_strategy(MyStrategy)                     # its default parameters
    check_strategy(MyStrategy, {"share": 0.7})     # others

Write a strategy's test the way the library's own tests are written: play it against a
scripted opponent that makes fixed offers and rejects everything, and assert the exact
offers and decisions the rule implies, worked out by hand::

    from bargainlab.strategies import ACCEPT, REJECT, create
    from bargainlab.strategies.testing import Scripted, play

    round_ = play(create("linear"), Scripted(offers=(0.5, 0.3, 0.5, 0.35, 0.5, 0.25)))
    round_.check({0: 1.0, 1: REJECT, 2: 0.68, 3: REJECT, 4: 0.36, 5: ACCEPT})

The strategy under test is party 0 (utility ``u0(x) = x``) and moves first unless told
otherwise; with the default six steps it proposes at steps 0, 2, 4 and responds at 1, 3, 5,
its relative time is ``t = s / 5`` and step 5 is its last response.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..engine.negotiation import ACCEPT, REJECT, Game, NegotiationResult, Offer, negotiate
from ..engine.parties import PartyBatch
from ..engine.terms import Condition, Issue
from ..engine.trace import Trace
from ..engine.views import Carried, Posterior, SideView
from .base import Classifier, Strategy
from .contract import check_strategy


@dataclass(frozen=True)
class Scripted(Strategy[None]):
    """Proposes ``offers[step]`` (a position) at its own steps, with the condition attached
    when ``conditional``; accepts only at step ``accept_at``. Not registered, so it never
    appears among the library's strategies."""

    name: ClassVar[str] = "scripted"
    offers: tuple[float, ...] = ()
    accept_at: int | None = None
    conditional: bool = False

    @classmethod
    def classify(cls, params: Mapping[str, Any]) -> Classifier:
        """It attaches the condition when ``conditional``."""
        return Classifier(attaches_condition=params["conditional"])

    @property
    def attaches_condition(self) -> bool:  # type: ignore[override]
        """Whether it attaches the condition (see :meth:`classify`)."""
        return self.conditional

    def propose(self, view: SideView, state: None, step: int) -> Offer:
        """``offers[step]`` (0.5 beyond the script)."""
        x = self.offers[step] if step < len(self.offers) else 0.5
        return Offer(np.full(view.n, x), np.full(view.n, self.conditional))

    def respond(self, view: SideView, state: None, step: int, offer: Offer) -> np.ndarray:
        """``ACCEPT`` at step ``accept_at``, ``REJECT`` elsewhere."""
        return np.full(view.n, ACCEPT if step == self.accept_at else REJECT, dtype=np.int8)


@dataclass(frozen=True)
class ScriptedRound:
    """The outcome of :func:`play`: the result, its trace, the steps played and the side of
    the strategy under test."""

    result: NegotiationResult
    side: int

    @property
    def trace(self) -> Trace:
        """The engine's per-step trace of the round."""
        assert self.result.trace is not None
        return self.result.trace

    @property
    def played(self) -> list[int]:
        """The steps that were played (of replicate 0)."""
        played = self.trace.played
        return [s for s in range(played.shape[0]) if played[s, 0]]

    def check(self, expected: Mapping[int, Any], *, tolerance: float = 1e-12) -> None:
        """Assert the round step by step (replicate 0).

        ``expected`` maps every played step to what the strategy under test did there: its
        offer, as a position (plain) or a ``(position, conditional)`` pair, or its response
        (``ACCEPT``, ``REJECT`` or ``EXIT``). Raises AssertionError naming the first step that
        differs.
        """
        tr = self.trace
        if self.played != sorted(expected):
            raise AssertionError(
                f"the round ended at a different step: played {self.played}, expected {sorted(expected)}"
            )
        for step, want in expected.items():
            if tr.proposer[step, 0] == self.side:
                x, cond = want if isinstance(want, tuple) else (want, False)
                got = float(tr.x[step, 0])
                if abs(got - x) > tolerance:
                    raise AssertionError(f"offer at step {step}: got {got!r}, expected {x!r}")
                if bool(tr.conditional[step, 0]) is not cond:
                    raise AssertionError(
                        f"condition flag at step {step}: got {not cond}, expected {cond}"
                    )
            elif tr.response[step, 0] != want:
                raise AssertionError(
                    f"response at step {step}: got {tr.response[step, 0]}, expected {want}"
                )


def play(
    strategy: Strategy,
    scripted: Strategy,
    *,
    side: int = 0,
    first_mover: int = 0,
    horizon: int = 6,
    reservation: float = 0.2,
    curvature: float = 1.0,
    delta: tuple[float, float] = (1.0, 1.0),
    outside: tuple[float, float] = (0.0, 0.0),
    allow_exit: bool = False,
    levels: int | None = None,
    condition: Condition | None = None,
    reference_point: float | None = None,
    belief: Posterior | None = None,
    condition_cost: float | None = None,
) -> ScriptedRound:
    """Play ``strategy`` (as party ``side``) against ``scripted`` for one round of one replicate.

    ``reservation`` and ``curvature`` are the strategy's own; ``delta`` and ``outside`` are per
    party. ``reference_point`` (a position) and ``belief`` go into the strategy's own view, as
    a relationship would carry them, and so does ``condition_cost`` (the condition holder's
    estimate of the obliged party's cost).
    """
    parties = [
        PartyBatch.build(1, delta=delta[i], outside_option=outside[i], deadline=horizon)
        for i in (0, 1)
    ]
    parties[side] = parties[side].with_(reservation_value=reservation, curvature=curvature)
    game = Game(
        Issue(levels=levels),
        (parties[0], parties[1]),
        horizon=horizon,
        first_mover=first_mover,
        allow_exit=allow_exit,
        condition=condition,
    )
    own = Carried(
        belief=belief,
        reference_point=None if reference_point is None else np.array([reference_point]),
        condition_cost=None if condition_cost is None else np.array([condition_cost]),
    )
    carried = (own, Carried()) if side == 0 else (Carried(), own)
    pair = (strategy, scripted) if side == 0 else (scripted, strategy)
    result = negotiate(game, pair, trace=True, carried=carried)
    return ScriptedRound(result, side)


__all__ = ["Scripted", "ScriptedRound", "check_strategy", "play"]
