"""The test suite's one study builder: two small base studies and one override rule.

- :data:`TACTICS_STUDY` (through :func:`study_dict`, the ``study_file`` fixture and
  :func:`tiny_study_toml`): a supplier on a linear tactic against a dealer whose arms are a
  Boulware and a Conceder tactic; the pipeline, command-line and run-folder tests use it.
- :data:`BASE` (through :func:`study`): a repeated relationship with a condition, a learning
  dealer and a face-saver against a capitulator; the relationship tests use it.

Overrides follow one rule (:func:`overridden`): a key path is written with ``__`` between its
parts (``rounds__rho=0.5``) and a value of ``None`` deletes the key.
"""

from __future__ import annotations

import copy
import textwrap
import tomllib
from typing import Any

import numpy as np

from bargainlab.config.schema import StudySpec
from bargainlab.experiments.runstore import toml_dumps

TACTICS_BODY: dict[str, Any] = {
    "parties": {
        "supplier": {"prefers": "high", "reservation_value": {"low": 0.1, "high": 0.4}},
        "dealer": {"prefers": "low", "reservation_value": 0.2},
    },
    "strategies": {"supplier": {"name": "time_dependent"}},
    "arms": {
        "party": "dealer",
        "strategies": {
            "boulware": {"name": "time_dependent", "params": {"e": 0.2}},
            "conceder": {"name": "time_dependent", "params": {"e": 2.0}},
        },
    },
}
"""The tactics study's parties, strategies and arms (everything but its header)."""

TACTICS_STUDY: dict[str, Any] = {
    "name": "tiny",
    "replicates": 4,
    "seed": 3,
    "chunk": 2,
    "game": {"horizon": 6},
    **TACTICS_BODY,
}
"""A small, valid two-arm study: a supplier on a linear tactic against a dealer whose arms
are a Boulware and a Conceder tactic."""


def overridden(base: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """A deep copy of ``base`` with overrides: a key path is written with ``__`` between its
    parts (``rounds__rho=0.5``), and a value of ``None`` deletes the key."""
    raw = copy.deepcopy(base)
    for path, value in overrides.items():
        *parents, leaf = path.split("__")
        node = raw
        for key in parents:
            node = node.setdefault(key, {})
        if value is None:
            node.pop(leaf, None)
        else:
            node[leaf] = value
    return raw


def study_dict(**overrides: Any) -> dict[str, Any]:
    """:data:`TACTICS_STUDY` with overrides (see :func:`overridden`)."""
    return overridden(TACTICS_STUDY, **overrides)


BASE: dict[str, Any] = {
    "name": "t",
    "replicates": 64,
    "seed": 7,
    "issue": {"name": "rebate", "unit": "%", "low": 1.0, "high": 2.0, "levels": 101},
    "game": {"horizon": 20, "first_mover": "dealer", "status_quo": 1.0, "allow_exit": False},
    "rounds": {"count": 4, "rho": 1.0, "end_on_disagreement": False},
    "parties": {
        "dealer": {
            "prefers": "high",
            "reservation_value": {"mean": 0.55, "sd": 0.15},
            "outside_option": 0.3,
        },
        "supplier": {"prefers": "low", "reservation_value": {"low": 0.0, "high": 0.5}},
    },
    "condition": {
        "holder": "supplier",
        "value": 0.15,
        "cost": {"low": 0.0, "high": 0.1},
        "fallback": 1.0,
    },
    "strategies": {"dealer": {"name": "learner", "params": {"kind": "bayesian"}}},
    "arms": {
        "party": "supplier",
        "strategies": {
            "face_saver": {"name": "face_saver"},
            "capitulator": {"name": "capitulator"},
        },
        "treatment_rounds": 1,
        "continuation": {"name": "linear"},
    },
    "channels": {
        "information": True,
        "surplus": True,
        "precedent": False,
        "subjective_value": False,
    },
}


def study(**overrides: Any) -> StudySpec:
    """:data:`BASE` with overrides (see :func:`overridden`), validated."""
    return StudySpec.model_validate(overridden(BASE, **overrides))


def keys_for(n: int, seed: int = 11) -> np.ndarray:
    """One key per replicate, each from its own SeedSequence."""
    return np.array(
        [
            np.random.SeedSequence(seed, spawn_key=(0, r)).generate_state(2, dtype=np.uint64)
            for r in range(n)
        ],
        dtype=np.uint64,
    )


def tiny_study_toml(
    header: str,
    *,
    dealer_reservation: str = "0.2",
    supplier_params: str | None = None,
    sweep: str = "",
) -> str:
    """The tactics study as TOML text: ``header`` (name, replicates, seed, ..., verbatim, so
    its comments stay) then :data:`TACTICS_BODY` with the dealer's reservation value and the
    supplier's parameters given as TOML values, then an optional ``[sweep]`` block (verbatim
    lines)."""
    overrides: dict[str, Any] = {
        "parties__dealer__reservation_value": _toml_value(dealer_reservation)
    }
    if supplier_params:
        overrides["strategies__supplier__params"] = _toml_value(supplier_params)
    body = "".join(_tables(overridden(TACTICS_BODY, **overrides), ()))
    return header + body + (f"\n[sweep]\n{sweep}" if sweep else "")


def _tables(node: dict[str, Any], path: tuple[str, ...]) -> list[str]:
    """``node`` as TOML tables, a table of scalars written inline below the second level (as
    a person would: ``[parties.dealer]`` with ``reservation_value = { ... }``)."""
    inline = {k: v for k, v in node.items() if not _is_table(v, path)}
    out = []
    if inline and path:
        lines = "".join(f"{key} = {_inline(value)}\n" for key, value in inline.items())
        out.append(f"[{'.'.join(path)}]\n{lines}\n")
    for key, value in node.items():
        if _is_table(value, path):
            out.extend(_tables(value, (*path, key)))
    return out


def _is_table(value: Any, path: tuple[str, ...]) -> bool:
    """Whether ``value``, found under ``path``, is written as a table of its own."""
    if not isinstance(value, dict):
        return False
    return len(path) < 2 or any(isinstance(v, dict) for v in value.values())


def _inline(value: Any) -> str:
    """A scalar or a table of scalars in TOML's inline notation."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_inline(v)}" for k, v in value.items()) + " }"
    return toml_dumps({"v": value}).split(" = ", 1)[1].strip()


def _toml_value(text: str) -> Any:
    """The value a TOML value's text stands for (``"{ mean = 0.5, sd = 0.1 }"``)."""
    return tomllib.loads(f"value = {text}")["value"]


GAME_STUDY = textwrap.dedent(
    """\
    name = "game"
    replicates = 6
    seed = 3
    chunk = 3

    [issue]
    name = "rebate"
    low = 1.0
    high = 2.0
    levels = 101

    [game]
    horizon = 10
    first_mover = "dealer"
    status_quo = 1.0

    [rounds]
    count = 3
    rho = 1.0
    end_on_disagreement = true

    [parties.dealer]
    prefers = "high"
    reservation_value = { mean = 0.6, sd = 0.15 }

    [parties.supplier]
    prefers = "low"
    reservation_value = { low = 0.0, high = 0.5 }

    [condition]
    holder = "supplier"
    value = 0.15
    cost = { low = 0.0, high = 0.1 }
    fallback = 1.0

    [strategies.dealer]
    name = "learner"

    [arms]
    party = "supplier"

    [arms.strategies.face_saver]
    name = "face_saver"

    [arms.strategies.plain]
    name = "face_saver"
    params = { condition = false }

    [arms.strategies.capitulator]
    name = "capitulator"

    [sweep]
    "rounds.rho" = [0.5, 1.0]
    "strategies.dealer.params.kind" = ["bayesian", "naive"]

    [empirical_game]
    opponent_axis = "strategies.dealer.params.kind"
    opponents = ["d0", "d1"]
    resamples = 200
    """
)
"""A study with an empirical game: three supplier policies against two dealers, in two games
(one per value of rho), the cells of a game paired."""
