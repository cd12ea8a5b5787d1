"""The engine's hot kernels give the bits of their plain definitions: the position of a
utility, the rounding to levels and the offer history, on adversarial values (signed zeros,
values an ulp from a level, tiny utilities) and on random masks; and a replicate's numbers do
not depend on the others in its batch."""

from __future__ import annotations

import numpy as np
import pytest

from bargainlab.engine.terms import position, utility

TOL = 1e-12  # the tolerance of the position's check (and of the library's acceptance)


def _hard_units(seed: int = 0) -> np.ndarray:
    """Utilities in [0, 1] where rounding is hardest: 0, 1, a half and their ulps, tiny
    values, and plenty of random ones."""
    rng = np.random.default_rng(seed)
    edges = np.array([0.0, -0.0, 1.0, 0.5, 5e-324, 1e-300, 1e-17, 1e-12, 2e-12, 1e-9])
    near = np.concatenate([np.nextafter(edges, 2.0), np.nextafter(np.array([0.5, 1.0]), -1.0)])
    return np.concatenate([edges, near, rng.random(200_000), rng.random(50_000) * 1e-6])


@pytest.mark.parametrize("side", [0, 1])
def test_a_linear_position_never_gives_its_side_less_than_asked(side):
    u = _hard_units()
    x = position(side, u, 1.0)
    assert np.all(utility(side, x, 1.0) >= np.clip(u, 0.0, 1.0) - TOL)


@pytest.mark.parametrize("side", [0, 1])
def test_a_linear_replicate_gets_the_same_position_next_to_a_curved_one(side):
    """A linear batch skips the ulp check; with one curved replicate the batch runs it, and
    the linear replicates must get the same bits."""
    u = _hard_units(1)
    curvature = np.ones(u.size + 1)
    curvature[-1] = 0.5
    mixed = position(side, np.append(u, 0.3), curvature)
    assert mixed[:-1].tobytes() == position(side, u, 1.0).tobytes()
    both = np.full(u.size, side)
    assert position(both, u, 1.0).tobytes() == position(side, u, 1.0).tobytes()
