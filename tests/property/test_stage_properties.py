"""Property tests of the stage game over generated games and registered strategy pairs.

Invariants: nobody agrees below its reservation value; payoffs in [0, 1] and no NaN or
infinity anywhere; same seed, same result; a replicate's result does not depend on the batch
it is in or its position there; an empty zone of agreement gives no agreement; bad
parameters raise ValueError/TypeError naming the parameter.
"""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bargainlab.engine.negotiation import Game, NegotiationResult, negotiate
from bargainlab.engine.parties import PartyBatch
from bargainlab.engine.rng import StreamRNG
from bargainlab.engine.terms import Issue, utility
from bargainlab.engine.trace import Trace
from bargainlab.strategies import available, create

# The number of examples comes from the hypothesis profile (tests/conftest.py): a few dozen
# in the quick loop, more in CI (HYPOTHESIS_PROFILE=ci).
SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOL = 1e-12  # the library's acceptance tolerance (Strategy.accept_if)

STRATEGY_NAMES = sorted(available())

unit = st.one_of(st.sampled_from([0.0, 0.5, 1.0]), st.floats(0.0, 1.0, allow_nan=False))
curvatures = st.one_of(st.sampled_from([1.0, 0.5, 2.0]), st.floats(0.1, 10.0))


@st.composite
def games(draw, reservation=None) -> tuple[Game, int]:
    """A batch of 1–40 stage games with every knob drawn per replicate where the engine allows."""
    n = draw(st.integers(1, 40))
    horizon = draw(st.integers(1, 25))

    def per_replicate(elements):
        return np.array(draw(st.lists(elements, min_size=n, max_size=n)))

    deadline = st.one_of(st.just(horizon), st.integers(1, horizon + 3))
    parties = []
    for _ in (0, 1):
        parties.append(
            PartyBatch.build(
                n,
                reservation_value=per_replicate(unit),
                outside_option=per_replicate(unit),
                delta=per_replicate(unit),
                curvature=per_replicate(curvatures),
                deadline=per_replicate(deadline),
            )
        )
    levels = draw(st.one_of(st.none(), st.integers(2, 200)))
    game = Game(
        Issue(levels=levels),
        tuple(parties),
        horizon=horizon,
        breakdown=per_replicate(unit),
        first_mover=per_replicate(st.integers(0, 1)),
        disagreement=draw(st.sampled_from(["outside_options", "status_quo"])),
        status_quo=per_replicate(unit),
        allow_exit=draw(st.booleans()),
    )
    return game, draw(st.integers(0, 2**32 - 1))


strategy_pairs = st.tuples(st.sampled_from(STRATEGY_NAMES), st.sampled_from(STRATEGY_NAMES))


def run(game: Game, names: tuple[str, str], seed: int, *, trace: bool = False) -> NegotiationResult:
    strategies = (create(names[0]), create(names[1]))
    return negotiate(game, strategies, rng=StreamRNG.from_seed(seed, game.n), trace=trace)


def result_arrays(result: NegotiationResult) -> dict[str, np.ndarray]:
    return {
        f.name: getattr(result, f.name) for f in dataclasses.fields(result) if f.name != "trace"
    }


def trace_arrays(trace: Trace | None) -> dict[str, np.ndarray]:
    assert trace is not None
    return {f.name: getattr(trace, f.name) for f in dataclasses.fields(trace)}


def sub_game(game: Game, index: np.ndarray) -> Game:
    """The same games for the replicates ``index`` only (in that order)."""
    return game.take(index)


# ---- invariants -----------------------------------------------------------------------------
@SETTINGS
@given(games(), strategy_pairs)
def test_outputs_are_finite_and_within_bounds(game_seed, names):
    game, seed = game_seed
    result = run(game, names, seed, trace=True)
    for name, arr in result_arrays(result).items():
        if np.issubdtype(np.asarray(arr).dtype, np.floating):
            assert np.all(np.isfinite(arr)), name
    for name, arr in trace_arrays(result.trace).items():
        if np.issubdtype(arr.dtype, np.floating):
            assert np.all(np.isfinite(arr)), f"trace {name}"
    assert np.all((result.utility >= 0.0) & (result.utility <= 1.0))
    for key in ("x", "realised_x", "first_offer", "last_offer"):
        arr = getattr(result, key)
        assert np.all((arr >= 0.0) & (arr <= 1.0)), key


def _position_rounding_game() -> Game:
    """Regression case for a former terms.position rounding bug: party 1
    (curvature 0.25, reservation 2**-14) proposes its bottom line at t = 1; the position
    1 − (2**-14)**4 = 1 − 1.4e-17 used to round to 1.0, worth 0 to it, and party 0 accepted."""
    parties = (
        PartyBatch.build(1, deadline=2),
        PartyBatch.build(1, reservation_value=2.0**-14, curvature=0.25, deadline=2),
    )
    return Game(Issue(), parties, horizon=2, first_mover=0)


@SETTINGS
@given(games(), strategy_pairs)
@example(game_seed=(_position_rounding_game(), 0), names=("boulware", "boulware"))
def test_no_agreement_below_reservation_value(game_seed, names):
    game, seed = game_seed
    result = run(game, names, seed)
    for side in (0, 1):
        party = game.parties[side]
        undiscounted = utility(side, result.x, party.curvature)
        ok = ~result.agreed | (undiscounted >= party.reservation_value - TOL)
        assert np.all(ok), (side, names, undiscounted[~ok], party.reservation_value[~ok])


def test_position_rounding_reproduction():
    result = negotiate(_position_rounding_game(), (create("boulware"), create("boulware")))
    assert not result.agreed[0] or utility(1, result.x, np.array([0.25]))[0] >= 2.0**-14 - TOL


@SETTINGS
@given(games(), strategy_pairs)
def test_same_seed_same_result(game_seed, names):
    game, seed = game_seed
    first, second = run(game, names, seed), run(game, names, seed)
    for name, arr in result_arrays(first).items():
        np.testing.assert_array_equal(arr, result_arrays(second)[name], err_msg=name)


@SETTINGS
@given(games(), strategy_pairs, st.data())
def test_replicate_does_not_depend_on_batch_size_or_position(game_seed, names, data):
    game, seed = game_seed
    strategies = (create(names[0]), create(names[1]))
    rng = StreamRNG.from_seed(seed, game.n)
    whole = negotiate(game, strategies, rng=rng)
    order = np.array(data.draw(st.permutations(range(game.n))))
    i = data.draw(st.integers(0, game.n - 1))
    for index in (order, np.array([i])):
        part = negotiate(sub_game(game, index), strategies, rng=rng.take(index))
        for name, arr in result_arrays(whole).items():
            np.testing.assert_array_equal(arr[index], result_arrays(part)[name], err_msg=name)


@SETTINGS
@given(games(), strategy_pairs, st.data())
def test_inactive_replicates_make_no_offers_and_leave_the_others_unchanged(game_seed, names, data):
    """With an ``active`` mask, the active replicates get exactly what a batch of their own
    gives (the engine plays only them), and the others make no offers."""
    game, seed = game_seed
    strategies = (create(names[0]), create(names[1]))
    rng = StreamRNG.from_seed(seed, game.n)
    active = np.array(data.draw(st.lists(st.booleans(), min_size=game.n, max_size=game.n)))
    masked = negotiate(game, strategies, rng=rng, active=active, trace=True)
    rows = np.flatnonzero(active)
    if rows.size:
        alone = negotiate(sub_game(game, rows), strategies, rng=rng.take(rows), trace=True)
        for name, arr in result_arrays(masked).items():
            np.testing.assert_array_equal(arr[rows], result_arrays(alone)[name], err_msg=name)
        steps = alone.trace.steps
        whole = trace_arrays(masked.trace)
        for name, arr in trace_arrays(alone.trace).items():
            np.testing.assert_array_equal(whole[name][:steps, rows], arr, err_msg=name)
    idle = ~active
    assert not masked.agreed[idle].any() and (masked.steps[idle] == 0).all()
    assert (masked.offers_made[idle] == 0).all()
    np.testing.assert_array_equal(masked.x[idle], np.asarray(game.status_quo)[idle])
    assert not masked.trace.played[:, idle].any()


@st.composite
def games_without_a_zone_of_agreement(draw):
    """Reservation values whose positions cannot both be met: x >= r0^(1/a0) and
    1 − x >= r1^(1/a1) with r0^(1/a0) + r1^(1/a1) > 1 (reservation values summing to more than
    1 when utilities are linear).

    The zone must be empty beyond the acceptance tolerance: a reservation value of 1e-30 is
    "met" by an offer worth 0. So the positions are computed from r − 1e-11 and must overlap
    by a margin; replicates that fail this get reservation values (1, 1).
    """
    game, seed = draw(games())
    n = game.n
    share0 = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n)))
    gap = np.array(draw(st.lists(st.floats(1e-6, 1.0), min_size=n, max_size=n)))
    share1 = np.clip(1.0 - share0 + gap, 0.0, 1.0)
    p0, p1 = game.parties
    r0, r1 = share0**p0.curvature, share1**p1.curvature
    q0 = np.maximum(r0 - 1e-11, 0.0) ** (1.0 / p0.curvature)
    q1 = np.maximum(r1 - 1e-11, 0.0) ** (1.0 / p1.curvature)
    empty = q0 + q1 > 1.0 + 1e-8
    parties = (
        p0.with_(reservation_value=np.where(empty, r0, 1.0)),
        p1.with_(reservation_value=np.where(empty, r1, 1.0)),
    )
    return dataclasses.replace(game, parties=parties), seed


@SETTINGS
@given(games_without_a_zone_of_agreement(), strategy_pairs)
def test_empty_zone_of_agreement_gives_no_agreement(game_seed, names):
    game, seed = game_seed
    result = run(game, names, seed)
    assert not result.agreed.any()
    assert np.all(np.isfinite(result.utility)) and np.all(np.isfinite(result.x))


def test_linear_reservation_values_summing_above_one_never_agree():
    parties = (
        PartyBatch.build(4, reservation_value=[0.6, 0.5, 1.0, 0.9]),
        PartyBatch.build(4, reservation_value=[0.5, 0.6, 0.1, 0.2]),
    )
    game = Game(Issue(), parties, horizon=20, first_mover=[0, 1, 0, 1])
    for a in STRATEGY_NAMES:
        for b in STRATEGY_NAMES:
            result = negotiate(game, (create(a), create(b)))
            assert not result.agreed.any(), (a, b)


@pytest.mark.parametrize("name", STRATEGY_NAMES)
def test_strategies_survive_pickling(name):
    strategy = create(name)
    assert pickle.loads(pickle.dumps(strategy)) == strategy


# ---- parameter checking -----------------------------------------------------------------------
BAD_NUMBERS = [-0.1, 1.5, float("nan"), float("inf"), -float("inf")]
BAD_TYPES = ["0.5", None, True, object()]


def _party(**kw):
    return PartyBatch.build(3, **kw)


def _game(**kw):
    parties = (PartyBatch.build(3), PartyBatch.build(3))
    return Game(Issue(), parties, **kw)


# (constructor, parameter name, name that must appear in the message, bad values)
CASES = [
    (_party, "reservation_value", "reservation_value", BAD_NUMBERS + BAD_TYPES),
    (_party, "outside_option", "outside_option", BAD_NUMBERS + BAD_TYPES),
    (_party, "delta", "delta", BAD_NUMBERS + BAD_TYPES),
    (_party, "curvature", "curvature", [0.0, -1.0, 101.0, float("nan"), *BAD_TYPES]),
    (_party, "deadline", "deadline", [0, -2, 1.5, float("nan"), *BAD_TYPES]),
    (_game, "horizon", "horizon", [0, -1, 2.5, float("nan"), *BAD_TYPES]),
    (_game, "breakdown", "breakdown", BAD_NUMBERS + BAD_TYPES),
    (_game, "first_mover", "first_mover", [2, -1, 0.5, float("nan"), *BAD_TYPES]),
    (_game, "status_quo", "status_quo", BAD_NUMBERS + BAD_TYPES),
    (_game, "disagreement", "disagreement", ["walk", 3, None]),
    (_game, "allow_exit", "allow_exit", [1, "yes", None]),
    (lambda **kw: Issue(**kw), "levels", "levels", [1, 0, 2.5, "10", True]),
    (
        lambda **kw: create("time_dependent", **kw),
        "e",
        "e",
        [-0.1, 1001.0, float("nan"), *BAD_TYPES],
    ),
    (lambda **kw: create("time_dependent", **kw), "k", "k", BAD_NUMBERS + BAD_TYPES),
    (lambda **kw: create("time_dependent", **kw), "p_max", "p_max", BAD_NUMBERS + BAD_TYPES),
    (lambda **kw: create("time_dependent", **kw), "p_min", "p_min", [*BAD_NUMBERS, "0.5", True]),
    (lambda **kw: create("boulware", **kw), "k", "k", BAD_NUMBERS + BAD_TYPES),
    (lambda **kw: create("tit_for_tat", **kw), "p_max", "p_max", [*BAD_NUMBERS, *BAD_TYPES, [0.5]]),
]


@settings(deadline=None)
@given(st.sampled_from(CASES).flatmap(lambda c: st.tuples(st.just(c), st.sampled_from(c[3]))))
def test_bad_parameters_raise_naming_the_parameter(case_value):
    (build, param, shown, _), value = case_value
    with pytest.raises((ValueError, TypeError)) as info:
        build(**{param: value})
    assert shown in str(info.value), str(info.value)


def test_unknown_strategy_parameter_is_named():
    with pytest.raises(ValueError, match="'speed'"):
        create("tit_for_tat", speed=2)
    with pytest.raises(ValueError, match="unknown strategy 'nope'"):
        create("nope")


def test_p_min_above_p_max_is_refused():
    with pytest.raises(ValueError, match="p_min must not exceed p_max"):
        create("time_dependent", p_min=0.8, p_max=0.5)


def test_time_dependent_parameter_given_as_a_list_is_named():
    """Regression: check_scalar used to let a list through to float() (unnamed error)."""
    with pytest.raises(TypeError, match="p_max"):
        create("time_dependent", p_max=[0.5])


def test_proposer_never_agrees_below_its_reservation_on_a_discrete_issue():
    """Regression for Issue.snap's former 1e-9 slack. Minimal reproduction: 11 levels, one offer. Party 0 asks for exactly its reservation
    value 0.30000000005; the engine snaps the position to the level 0.3 (the level *below*
    the target), and party 1 (conceding, reservation 0) accepts: party 0 agrees below its
    bottom line by 5e-11."""
    bottom = 0.30000000005
    parties = (
        PartyBatch.build(1, reservation_value=bottom, deadline=1),
        PartyBatch.build(1, reservation_value=0.0, deadline=1),
    )
    game = Game(Issue(levels=11), parties, horizon=1, first_mover=0)
    result = negotiate(game, (create("time_dependent", p_max=bottom), create("conceder")))
    assert result.agreed[0]
    assert result.x[0] >= bottom - TOL


def test_a_game_stores_typed_arrays_and_takes_its_rules_by_keyword():
    parties = (PartyBatch.build(2), PartyBatch.build(2))
    game = Game(Issue(), parties, horizon=[3, 4], first_mover=(0, 1), status_quo=1, breakdown=0)
    assert game.horizon.dtype == np.int64 and game.horizon.tolist() == [3, 4]
    assert game.first_mover.dtype == np.int8 and game.first_mover.tolist() == [0, 1]
    assert game.status_quo.dtype == np.float64 and game.breakdown.dtype == np.float64
    with pytest.raises(TypeError):
        Game(Issue(), parties, 3)  # type: ignore[misc]
    with pytest.raises(ValueError, match="clock must be one of 'offers', 'negmas'"):
        Game(Issue(), parties, clock="rounds")  # type: ignore[arg-type]
