"""Small study specs shared by the relationship tests."""

from __future__ import annotations

import copy
import textwrap
from typing import Any

import numpy as np

from bargainlab.config.schema import StudySpec

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
    """BASE with dotted-path overrides, validated."""
    raw = copy.deepcopy(BASE)
    for path, value in overrides.items():
        keys = path.split("__")
        cur = raw
        for k in keys[:-1]:
            cur = cur.setdefault(k, {})
        cur[keys[-1]] = value
    return StudySpec.model_validate(raw)


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
    """The small two-arm TOML study the pipeline tests share: ``header`` (name, replicates,
    seed, ..., verbatim) then a supplier on ``time_dependent`` against a dealer whose arms are
    a Boulware and a Conceder tactic, then an optional ``[sweep]`` block (verbatim lines)."""
    params = f"params = {supplier_params}\n" if supplier_params else ""
    body = (
        "[parties.supplier]\n"
        'prefers = "high"\n'
        "reservation_value = { low = 0.1, high = 0.4 }\n\n"
        "[parties.dealer]\n"
        'prefers = "low"\n'
        f"reservation_value = {dealer_reservation}\n\n"
        "[strategies.supplier]\n"
        'name = "time_dependent"\n'
        f"{params}\n"
        "[arms]\n"
        'party = "dealer"\n'
        "[arms.strategies.boulware]\n"
        'name = "time_dependent"\n'
        "params = { e = 0.2 }\n"
        "[arms.strategies.conceder]\n"
        'name = "time_dependent"\n'
        "params = { e = 2.0 }\n"
    )
    return header + body + (f"\n[sweep]\n{sweep}" if sweep else "")


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
