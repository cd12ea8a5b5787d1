"""A strategy's per-round state is a dataclass that mypy checks: a misspelt field is an
error, not a new dictionary key."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

mypy_api = pytest.importorskip("mypy.api")

SRC = Path(__file__).resolve().parents[2] / "src"

STRATEGY = """
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from bargainlab.engine.negotiation import Offer
from bargainlab.engine.views import SideView
from bargainlab.strategies.base import Strategy


@dataclass(slots=True)
class Ask:
    target: np.ndarray


@dataclass(frozen=True)
class Stubborn(Strategy[Ask]):
    name: ClassVar[str] = "stubborn"

    def start(self, view: SideView) -> Ask:
        return Ask(np.full(view.n, 0.9))

    def propose(self, view: SideView, state: Ask, step: int) -> Offer:
        return Offer.plain(view.position(state.{field}))

    def respond(self, view: SideView, state: Ask, step: int, offer: Offer) -> np.ndarray:
        return self.accept_if(view, offer, state.target)
"""


@pytest.mark.slow
def test_mypy_names_a_misspelt_state_field(tmp_path, monkeypatch):
    monkeypatch.setenv("MYPYPATH", str(SRC) + os.pathsep + os.environ.get("MYPYPATH", ""))
    results = {}
    for field in ("target", "targte"):
        module = tmp_path / f"stubborn_{field}.py"
        module.write_text(textwrap.dedent(STRATEGY.format(field=field)))
        out, _, status = mypy_api.run(
            [str(module), "--cache-dir", str(tmp_path / "cache"), "--no-error-summary"]
        )
        results[field] = (status, out)
    assert results["target"][0] == 0, results["target"][1]
    status, out = results["targte"]
    assert status == 1
    assert '"Ask" has no attribute "targte"; maybe "target"?' in out
