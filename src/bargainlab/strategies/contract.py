"""The strategy contract: :func:`check_strategy` checks a strategy class against the protocol
and the facts it declares (as Axelrod's ``TestPlayer`` or scikit-learn's
``check_estimator``).

Each check has a name; the first that fails raises one :class:`AssertionError` that says
which. In order:

* ``dataclass`` -- a frozen dataclass of parameters, built from ``params``;
* ``name`` -- its registered name is a class attribute of its own, an identifier, and no
  other class is registered under it;
* ``round trip`` -- its repr builds an equal strategy, and so does a pickle round trip,
  with the same hash;
* ``facts`` -- :meth:`~bargainlab.strategies.base.Strategy.classify` returns a
  :class:`~bargainlab.strategies.base.Classifier`, and the instance's own facts agree with
  it;
* ``information hiding`` -- it plays under its view and never reads the opponent's private
  type (the engine raises :class:`~bargainlab.engine.views.InformationError` when it does);
* ``offers`` and ``responses`` -- an offer for every replicate, a position in [0, 1] with
  boolean condition flags; a response in ``{ACCEPT, REJECT, EXIT}`` for every replicate;
* ``bottom line`` -- it never accepts an offer worth less than its reservation value;
* ``determinism`` -- unless it declares ``stochastic``, the same games give the same
  numbers;
* ``batch independence`` -- unless it declares ``stochastic``, a replicate's offers and
  responses are the same in a batch and alone;
* ``monotone_in_type`` -- only when declared: at every step of the sample rounds, given the
  public history, its fresh offer is non-decreasing (in own utility) and its acceptance
  non-increasing in its own bottom line, and at its true bottom line it does what it did;
* ``exact_likelihood`` -- only when declared: the likelihood of a round it played is positive
  at its true bottom line and zero wherever its rule, replayed on the round's public record,
  would have acted otherwise.

The rounds are the varied batches of :mod:`bargainlab.strategies.samples`, the strategy on
either side, against opponents that vary their offers by replicate and step.
"""

from __future__ import annotations

import dataclasses
import io
import pickle
from collections.abc import Mapping
from typing import Any, cast

import numpy as np

from ..beliefs.observations import RoundTrace
from ..engine.negotiation import ACCEPT, Offer
from ..engine.views import InformationError, OfferHistory
from .base import FACTS, Classifier, Strategy
from .inference import replay_likelihood
from .registry import create, get
from .samples import GRID, Broken, Jitter, Sample, make_sample, play_sample

_TOL = 1e-12


def check_strategy(
    cls: type[Strategy[Any]],
    params: Mapping[str, Any] | None = None,
    *,
    replicates: int = 24,
    seed: int = 0,
) -> None:
    """Check ``cls`` (built with ``params``) against the strategy contract (module
    docstring); raise one :class:`AssertionError` naming the first check that fails.

    ``replicates`` is the size of each sample batch and ``seed`` varies them. Use it in a
    plugin's own tests: ``check_strategy(MyStrategy)``.
    """
    try:
        strategy = _build(cls, dict(params or {}))
        _check_name(cls)
        _check_round_trip(strategy)
        facts = _check_facts(strategy)
        for index, sample in enumerate(_samples(replicates, seed)):
            _check_sample(strategy, facts, sample, index)
    except Broken as failure:
        raise AssertionError(f"check_strategy({cls.__name__}): {failure}") from None


def _samples(n: int, seed: int) -> list[Sample]:
    """The sample batches: both sides, three opponents, every holder of the condition."""
    return [
        make_sample(0, Jitter(), holder="tested", levels=None, n=n, seed=seed),
        make_sample(
            1, create("conceder", p_max=0.95), holder="opponent", levels=21, n=n, seed=seed + 1
        ),
        make_sample(0, create("boulware"), holder="none", levels=41, n=n, seed=seed + 2),
        make_sample(1, Jitter(), holder="tested", levels=None, n=n, seed=seed + 3),
    ]


def _build(cls: type[Strategy[Any]], params: dict[str, Any]) -> Strategy[Any]:
    """The strategy, checked to be a frozen dataclass of parameters."""
    if not (isinstance(cls, type) and issubclass(cls, Strategy)):
        raise Broken("dataclass", f"{cls!r} is not a Strategy subclass")
    params_of = cast(Any, cls).__dataclass_params__ if dataclasses.is_dataclass(cls) else None
    if params_of is None or not params_of.frozen:
        raise Broken("dataclass", "declare it with @dataclass(frozen=True)")
    try:
        return cls(**params)
    except Exception as exc:
        raise Broken("dataclass", f"{cls.__name__}(**{params!r}) raised {exc!r}") from exc


def _check_name(cls: type[Strategy[Any]]) -> None:
    """Its own class attribute ``name``, an identifier, not taken by another class."""
    name = cls.__dict__.get("name")
    if not isinstance(name, str) or not name.isidentifier():
        raise Broken("name", f"needs its own `name: ClassVar[str]`, an identifier; got {name!r}")
    if name in {f.name for f in dataclasses.fields(cast(Any, cls))}:
        raise Broken("name", "`name` is a dataclass field; declare it as a ClassVar")
    try:
        registered = get(name)
    except ValueError:
        return
    if registered is not cls:
        raise Broken("name", f"{name!r} is registered to another class, {registered.__qualname__}")


def _check_round_trip(strategy: Strategy[Any]) -> None:
    """Repr, equality, hash and pickling, for free from a frozen dataclass."""
    cls = type(strategy)
    text = repr(strategy)
    # a dataclass's repr starts with the class's qualified name, which may be local
    head = cls.__qualname__ + "("
    source = "strategy_class(" + text[len(head) :] if text.startswith(head) else text
    try:
        again = eval(source, {"strategy_class": cls})
    except Exception as exc:
        raise Broken("round trip", f"its repr {text} does not build it: {exc!r}") from exc
    try:
        copied = _pickle_round_trip(strategy)
    except Exception as exc:
        raise Broken("round trip", f"it does not pickle: {exc!r}") from exc
    for label, other in (("repr", again), ("pickle", copied)):
        if other != strategy or hash(other) != hash(strategy):
            raise Broken("round trip", f"a {label} round trip gives {other!r}, not {strategy!r}")


def _pickle_round_trip(strategy: Strategy[Any]) -> Strategy[Any]:
    """The strategy through pickle, its class passed by identity: what must pickle is the
    instance (the experiments ship a class defined in a notebook or script separately)."""
    cls = type(strategy)

    class Pickler(pickle.Pickler):
        """Pickles the strategy's class as a reference to itself."""

        def persistent_id(self, obj: Any) -> str | None:
            """The class's reference; ``None`` for everything else."""
            return "strategy class" if obj is cls else None

    class Unpickler(pickle.Unpickler):
        """Resolves the reference to the class."""

        def persistent_load(self, _pid: Any) -> Any:
            """The class."""
            return cls

    buffer = io.BytesIO()
    Pickler(buffer).dump(strategy)
    buffer.seek(0)
    return cast(Strategy[Any], Unpickler(buffer).load())


def _check_facts(strategy: Strategy[Any]) -> Classifier:
    """The declared facts, the same from the class and from the instance."""
    try:
        facts = type(strategy).classify(strategy.params())
    except (TypeError, KeyError) as exc:
        raise Broken("facts", f"classify() raised {exc!r}") from exc
    if not isinstance(facts, Classifier):
        raise Broken("facts", f"classify() returned {facts!r}, not a Classifier")
    for fact in FACTS:
        if getattr(strategy, fact) is not getattr(facts, fact):
            raise Broken(
                "facts",
                f"the instance says {fact}={getattr(strategy, fact)!r}, "
                f"classify() says {getattr(facts, fact)!r}",
            )
    return facts


def _check_sample(strategy: Strategy[Any], facts: Classifier, sample: Sample, index: int) -> None:
    """Every check that plays, on one sample batch."""
    trace, recorder = _play(strategy, sample, index)
    _check_bottom_line(trace, recorder, sample, index)
    if not facts.stochastic:
        _check_determinism(strategy, sample, trace, index)
        _check_batch_independence(strategy, sample, trace, index)
    if facts.monotone_in_type:
        _check_monotone(strategy, sample, trace, index)
    if facts.exact_likelihood:
        _check_likelihood(strategy, sample, trace, index)


def _play(strategy: Strategy[Any], sample: Sample, index: int) -> tuple[RoundTrace, Any]:
    """Play a sample; a read of private information or any error is a failed check."""
    try:
        return play_sample(strategy, sample)
    except Broken:
        raise
    except InformationError as exc:
        raise Broken("information hiding", f"sample {index}: {exc}") from exc
    except Exception as exc:
        raise Broken("play", f"sample {index}: {exc!r}") from exc


def _check_bottom_line(trace: RoundTrace, recorder: Any, sample: Sample, index: int) -> None:
    """No acceptance of an offer worth less than the reservation value."""
    view = recorder.views[0]
    responds = trace.played & (trace.proposer != sample.side) & (trace.response == ACCEPT)
    for s in np.flatnonzero(responds.any(axis=1)):
        rows = responds[s]
        value = view.offer_value(trace.x[s], trace.conditional[s])
        below = rows & (value < view.own.reservation_value - 1e-9)
        if below.any():
            i = int(np.flatnonzero(below)[0])
            raise Broken(
                "bottom line",
                f"sample {index}, replicate {i}, step {s}: accepted an "
                f"offer worth {value[i]:.4g} with a reservation value of "
                f"{view.own.reservation_value[i]:.4g}",
            )


def _same(a: RoundTrace, b: RoundTrace) -> np.ndarray:
    """Per replicate: whether two records of the same games are identical (at the steps
    played; the engine leaves the others undefined)."""
    steps = min(a.steps, b.steps)
    played = a.played[:steps]
    same = (played == b.played[:steps]).all(axis=0)
    for name in ("proposer", "x", "conditional", "response"):
        x, y = getattr(a, name)[:steps], getattr(b, name)[:steps]
        same &= ((x == y) | ~played).all(axis=0)
    for longer in (a, b):
        same &= ~longer.played[steps:].any(axis=0)
    return same


def _check_determinism(
    strategy: Strategy[Any], sample: Sample, trace: RoundTrace, index: int
) -> None:
    """The same games, played again with a fresh state, give the same record."""
    again, _ = _play(strategy, sample, index)
    differs = ~_same(trace, again)
    if differs.any():
        raise Broken(
            "determinism",
            f"sample {index}: replicate {int(np.flatnonzero(differs)[0])} "
            "played differently the second time (declare stochastic if it draws)",
        )


def _check_batch_independence(
    strategy: Strategy[Any], sample: Sample, trace: RoundTrace, index: int
) -> None:
    """Each of a few replicates plays alone as it played in the batch."""
    for i in np.linspace(0, sample.n - 1, 4).astype(np.int64):
        rows = np.array([i])
        alone, _ = _play(strategy, sample.take(rows), index)
        if not _same(trace.take(rows), alone).all():
            raise Broken(
                "batch independence",
                f"sample {index}: replicate {i} plays differently alone than in its batch",
            )


def _check_monotone(strategy: Strategy[Any], sample: Sample, trace: RoundTrace, index: int) -> None:
    """Fresh decisions at every candidate bottom line along the round's public history."""
    context, side, grid = sample.context(), sample.side, GRID.size
    m = sample.n
    expanded = np.repeat(np.arange(m), grid)
    history = OfferHistory(expanded.size)
    truth = np.tile(np.arange(grid), m) == np.repeat(sample.truth, grid)
    condition = sample.game.condition
    holds = condition is not None and condition.holder == side
    for s in range(trace.steps):
        played = trace.played[s, expanded]
        if not played.any():
            break
        proposer_is0 = trace.proposer[s, expanded] == 0
        history.set_proposer(proposer_is0)
        x_obs, cond_obs = trace.x[s, expanded], trace.conditional[s, expanded]
        view = context.probe(np.tile(GRID, m), expanded, history)
        state = strategy.start(view)
        raw = strategy.propose(view, state, s)
        offer = raw if isinstance(raw, Offer) else Offer.plain(np.asarray(raw, dtype=float))
        x = view.issue.snap(np.asarray(offer.x), np.full(expanded.size, side))
        accept = strategy.respond(view, state, s, Offer(x_obs, cond_obs)) == ACCEPT
        proposes = played & (trace.proposer[s, expanded] == side)
        responds = played & ~proposes
        _monotone_step(view.utility(x), accept, proposes, responds, m, grid, s, index)
        did = np.where(
            proposes,
            (np.abs(x - x_obs) <= _TOL) & ((np.asarray(offer.conditional) & holds) == cond_obs),
            accept == (trace.response[s, expanded] == ACCEPT),
        )
        if (truth & played & ~did).any():
            i = int(expanded[np.flatnonzero(truth & played & ~did)[0]])
            raise Broken(
                "monotone_in_type",
                f"sample {index}, replicate {i}, step {s}: from a "
                "fresh start at its true bottom line it does not do what it did (it "
                "depends on more than its type and the public history)",
            )
        history.record(x_obs, cond_obs, proposer_is0, played)


def _monotone_step(
    utility: np.ndarray,
    accept: np.ndarray,
    proposes: np.ndarray,
    responds: np.ndarray,
    m: int,
    grid: int,
    step: int,
    index: int,
) -> None:
    """Offers non-decreasing and acceptance non-increasing along the candidates."""
    u, acc = utility.reshape(m, grid), accept.reshape(m, grid)
    falls = proposes.reshape(m, grid)[:, 1:] & (np.diff(u, axis=1) < -_TOL)
    rises = responds.reshape(m, grid)[:, 1:] & (np.diff(acc.astype(np.int8), axis=1) > 0)
    for what, bad in (("its offer falls", falls), ("its acceptance rises", rises)):
        if bad.any():
            i = int(np.flatnonzero(bad.any(axis=1))[0])
            raise Broken(
                "monotone_in_type",
                f"sample {index}, replicate {i}, step {step}: {what} as its bottom line rises",
            )


def _check_likelihood(
    strategy: Strategy[Any], sample: Sample, trace: RoundTrace, index: int
) -> None:
    """Positive at the truth, zero where a replay of the rule acts otherwise."""
    context, rows = sample.context(), np.arange(sample.n)
    lik = np.asarray(strategy.likelihood(trace, context, GRID))
    at_truth = lik[rows, sample.truth]
    if not (at_truth > 0).all():
        i = int(np.flatnonzero(~(at_truth > 0))[0])
        raise Broken(
            "exact_likelihood",
            f"sample {index}, replicate {i}: the likelihood is 0 at the bottom line it played with",
        )
    replay = replay_likelihood(strategy, trace, context, GRID, rows)
    wrong = (replay == 0) & (lik != 0)
    if wrong.any():
        i, g = (int(v[0]) for v in np.nonzero(wrong))
        raise Broken(
            "exact_likelihood",
            f"sample {index}, replicate {i}: the likelihood is "
            f"{lik[i, g]:.3g} at bottom line {GRID[g]:.3g}, where its rule would have "
            "acted otherwise",
        )


__all__ = ["check_strategy"]
