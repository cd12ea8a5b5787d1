"""The engine's hot kernels give the bits of their plain definitions: the position of a
utility, the rounding to levels and the offer history, on adversarial values (signed zeros,
values an ulp from a level, tiny utilities) and on random masks; and a replicate's numbers do
not depend on the others in its batch."""

from __future__ import annotations

import numpy as np
import pytest

from bargainlab.engine.game import Game
from bargainlab.engine.history import OfferHistory
from bargainlab.engine.parties import PartyBatch
from bargainlab.engine.terms import Issue, position, utility

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


def _plain_snap(x: np.ndarray, side: np.ndarray | int, levels: int) -> np.ndarray:
    """The rounding to levels as the design states it, one operation after another."""
    k = levels - 1
    sign = 1.0 - 2.0 * np.asarray(side, dtype=float)
    y = sign * x * k
    level = np.ceil(y - 1e-9)
    level += level < y
    return np.clip(sign * level / k, 0.0, 1.0)


@pytest.mark.parametrize("levels", [2, 7, 100, 101, 10**6])
def test_the_rounder_gives_the_bits_of_the_plain_rounding(levels):
    rng = np.random.default_rng(levels)
    grid = np.arange(levels) / (levels - 1)
    x = np.concatenate(
        [
            [0.0, -0.0, 1.0, -1.0, 2.0, np.nan, np.inf, -np.inf, 5e-324, -5e-324],
            rng.random(50_000),
            rng.normal(0.5, 1.0, 5_000),
            grid,
            np.nextafter(grid, 2.0),
            np.nextafter(grid, -2.0),
            grid + 1e-10,
            grid - 1e-10,
        ]
    )
    issue = Issue(levels=levels)
    for side in (0, 1, rng.integers(0, 2, x.size).astype(np.int8)):
        expected = _plain_snap(x, side, levels).tobytes()
        assert issue.rounder(side)(x).tobytes() == expected
        assert issue.snap(x, side).tobytes() == expected


def test_rounding_never_gives_the_proposer_less_than_its_target():
    rng = np.random.default_rng(3)
    x = rng.random(100_000)
    side = rng.integers(0, 2, x.size)
    snapped = Issue(levels=101).snap(x, side)
    assert np.all(np.where(side == 0, snapped >= x, snapped <= x))
    assert np.allclose(snapped * 100, np.round(snapped * 100), rtol=0, atol=1e-9)
    continuous = Issue().rounder(side)
    assert continuous(np.array([-0.5, 0.25, 1.5])).tolist() == [0.0, 0.25, 1.0]


class _PlainHistory:
    """The offer history as the design states it, with masked copies."""

    def __init__(self, n: int) -> None:
        self.last = np.repeat(np.array([1.0, 0.0])[:, None], n, axis=1)
        self.prev = self.last.copy()
        self.conditional = np.zeros((2, n), dtype=bool)
        self.count = np.zeros((2, n), dtype=np.int64)

    def record(self, x, conditional, proposer_is0, active) -> None:
        made = np.stack([proposer_is0, ~proposer_is0]) & active
        first = made & (self.count == 0)
        np.copyto(self.prev, self.last, where=made & ~first)
        np.copyto(self.prev, x, where=first)
        np.copyto(self.last, x, where=made)
        np.copyto(self.conditional, conditional, where=made)
        self.count += made


@pytest.mark.parametrize("proposers", ["alternating", "random", "one side"])
def test_the_offer_history_keeps_the_plain_records(proposers):
    """Random offers, proposers and finished replicates (some sides never make an offer,
    some start late), with a take and a put half-way: every array as the plain history's."""
    rng = np.random.default_rng(7)
    n = 2_000
    history, plain = OfferHistory(n), _PlainHistory(n)
    is0 = {
        "alternating": np.arange(n) % 2 == 0,
        "random": rng.random(n) < 0.5,
        "one side": np.ones(n, dtype=bool),
    }[proposers]
    active = rng.random(n) < 0.9
    for step in range(12):
        x = rng.random(n)
        cond = rng.random(n) < 0.3
        history.record(x, cond, is0 if step % 2 == 0 else ~is0, active)
        plain.record(x, cond, is0 if step % 2 == 0 else ~is0, active)
        if step == 5:
            rows = np.flatnonzero(rng.random(n) < 0.5)
            part = history.take(rows)
            part.record(x[rows], cond[rows], is0[rows], active[rows])
            history.put(rows, part)
            plain_part = _PlainHistory(rows.size)
            for name in ("last", "prev", "conditional", "count"):
                setattr(plain_part, name, getattr(plain, name)[:, rows].copy())
            plain_part.record(x[rows], cond[rows], is0[rows], active[rows])
            for name in ("last", "prev", "conditional", "count"):
                getattr(plain, name)[:, rows] = getattr(plain_part, name)
        active &= rng.random(n) < 0.95
        if step == 2:
            active |= rng.random(n) < 0.05  # replicates that join late (the learners' replays)
        for name in ("last", "prev", "conditional", "count"):
            assert getattr(history, name).tobytes() == getattr(plain, name).tobytes(), name


@pytest.mark.parametrize("shortest", [1, 2, 50])
def test_relative_time_is_the_capped_ratio_at_every_step(shortest):
    rng = np.random.default_rng(11)
    n = 500
    deadline = rng.integers(shortest, 120, n)
    deadline[:2] = [shortest, 50]  # 49 * (1 / 49) rounds below 1
    parties = tuple(PartyBatch.build(n, deadline=deadline) for _ in (0, 1))
    game = Game(Issue(), parties, horizon=rng.integers(shortest, 120, n))
    for side in (0, 1):
        view = game.view(side, OfferHistory(n))
        span = np.maximum(np.minimum(parties[side].deadline, game.horizon) - 1, 1)
        for step in range(125):
            plain = np.minimum(step * (1.0 / span), 1.0)
            assert view.relative_time(step).tobytes() == plain.tobytes()
        steps = rng.integers(0, 125, n)
        assert (
            view.relative_time(steps).tobytes() == np.minimum(steps * (1.0 / span), 1.0).tobytes()
        )
