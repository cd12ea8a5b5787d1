"""Counter-based random numbers: determinism, range, and no two mechanisms sharing draws."""

from __future__ import annotations

import sys
from collections import defaultdict

import numpy as np

from bargainlab.engine import rng as rng_module
from bargainlab.engine.rng import NORMAL_BASE, STREAMS, StreamRNG
from bargainlab.experiments.translate import simulate
from studies import keys_for, study


def test_uniforms_are_in_range_deterministic_and_position_free():
    r = StreamRNG.from_seed(5, 50)
    u = r.uniform(3, 7, 2)
    assert u.shape == (50,) and (u >= 0).all() and (u < 1).all()
    np.testing.assert_array_equal(u, StreamRNG.from_seed(5, 50).uniform(3, 7, 2))
    idx = np.array([40, 3, 17])
    np.testing.assert_array_equal(u[idx], r.take(idx).uniform(3, 7, 2))
    assert not np.array_equal(u, r.uniform(3, 7, 3))
    # roughly uniform: 20,000 draws, mean and quartiles
    big = StreamRNG.from_seed(1, 20_000).uniform(0, 0, 1)
    assert abs(big.mean() - 0.5) < 0.01
    assert abs(np.quantile(big, 0.25) - 0.25) < 0.01


def test_normal_streams_never_reuse_a_uniform_stream():
    assert all(s < NORMAL_BASE for s in STREAMS.values())
    z = StreamRNG.from_seed(2, 20_000).normal(0, 0, STREAMS["accept_noise"])
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03


def test_no_two_mechanisms_draw_the_same_counter(monkeypatch):
    """Run a relationship batch with every random mechanism on and record which call site
    drew each (round, step, stream) counter: each counter must belong to one call site."""
    owners: dict[tuple[int, int, int], set[str]] = defaultdict(set)
    original = rng_module.StreamRNG.uniform

    def spy(self, round_index, step, stream):
        caller = sys._getframe(1)
        if caller.f_code.co_name == "normal":
            caller = caller.f_back
        owners[(round_index, step, stream)].add(f"{caller.f_code.co_filename}:{caller.f_lineno}")
        return original(self, round_index, step, stream)

    monkeypatch.setattr(rng_module.StreamRNG, "uniform", spy)
    spec = study(
        **{
            "channels__subjective_value": True,
            "behaviour": {"exit_base": 0.1, "acceptance_noise": 0.2},
            "game__first_mover": "random",
            "game__breakdown": 0.05,
            "rounds__rho": 0.5,
            "rounds__count": 3,
        }
    )
    simulate(spec, keys_for(8), np.arange(8))
    shared = {k: v for k, v in owners.items() if len(v) > 1}
    assert not shared, shared
