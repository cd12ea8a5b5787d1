"""Every exception class of bargainlab survives a pickle round trip with its fields.

An exception raised in a worker process (a forked figure writer, a pool worker, a Dask
worker) reaches the parent pickled. One that cannot be unpickled broke the forked pool's
result thread, and the parent waited for ever (a full disk while figures were written); in
the process pool it was taken for a dead worker. The classes are found by walking the
package, so a new exception class is covered as soon as it exists: one whose constructor
takes arguments of its own needs an example below, and this test says so.
"""

from __future__ import annotations

import errno
import importlib
import inspect
import io
import pickle
import pkgutil
from pathlib import Path
from typing import Any

import pytest

import bargainlab
from bargainlab.config.errors import ConfigError
from bargainlab.experiments.executors import WorkerLostError
from bargainlab.strategies.samples import Broken
from bargainlab.support.files import SymlinkError, WriteError

EXAMPLES: dict[type, list[tuple[Any, ...]]] = {
    WriteError: [
        ("/run/parts/x.parquet", OSError(errno.ENOSPC, "No space left on device")),
        ("/run/figures/a.png", OSError(errno.EFBIG, "File too large", "/run/.tmp-a"), "a hint"),
        (Path("/run/x"), OSError("no errno at all")),
    ],
    SymlinkError: [("/run/figures",)],
    ConfigError: [
        ("study.toml", "parties.dealer.delta", "must be in [0, 1]; got 2"),
        (None, "--workers", "must be a positive integer; got 0"),
        ("s.toml", "a", "first", [("a", "first"), ("b.c", "second"), (None, "third")]),
    ],
    WorkerLostError: [(3,), (7, 2)],
    Broken: [("round trip", "its repr does not build it")],
}
"""Constructor arguments of the classes whose constructors are bargainlab's own."""


def _exception_classes() -> list[type[BaseException]]:
    """Every exception class defined in a module of the package."""
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(bargainlab.__path__, "bargainlab."):
        if info.name.endswith("__main__"):
            continue  # running it is the command line
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseException)
                and obj.__module__ == module.__name__
            ):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return [found[k] for k in sorted(found)]


def _own_constructor(cls: type) -> bool:
    """Whether a class of the package on ``cls``'s MRO defines ``__init__`` or ``__new__``."""
    return any(
        c.__module__.startswith("bargainlab") and ("__init__" in vars(c) or "__new__" in vars(c))
        for c in cls.__mro__
    )


def _instances(cls: type[BaseException]) -> list[BaseException]:
    if cls in EXAMPLES:
        return [cls(*args) for args in EXAMPLES[cls]]
    assert not _own_constructor(cls), (
        f"{cls.__module__}.{cls.__qualname__} has a constructor of its own: add examples of "
        "its arguments to EXAMPLES (and make it pickle, e.g. with __reduce__)"
    )
    return [cls("what went wrong, and what to do")]


def _plain(value: Any) -> Any:
    """A value compared field by field: an exception as its type and arguments."""
    if isinstance(value, BaseException):
        return (type(value), value.args, getattr(value, "filename", None))
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


CLASSES = _exception_classes()


def test_the_walk_finds_the_classes_that_cross_processes():
    names = {c.__qualname__ for c in CLASSES}
    assert {"WriteError", "SymlinkError", "ConfigError", "WorkerLostError"} <= names
    assert {"InformationError", "NonFiniteOutputError", "PluginError"} <= names


def _round_trip(value: Any) -> Any:
    """``value`` pickled and unpickled as plain Python does it, whatever reducers are
    registered in this process (importing Dask registers tblib's for the exception classes
    that exist at that moment, which would hide a class that does not pickle by itself)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer)
    pickler.dispatch_table = {}  # no copyreg registrations
    pickler.dump(value)
    return pickle.loads(buffer.getvalue())


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_exception_survives_a_pickle_round_trip(cls):
    for original in _instances(cls):
        back = _round_trip(original)
        assert type(back) is cls
        assert str(back) == str(original)
        assert back.args == original.args
        assert vars(back).keys() == vars(original).keys()
        for name, value in vars(original).items():
            assert _plain(getattr(back, name)) == _plain(value), name
        if isinstance(original, OSError):
            assert (back.errno, back.strerror, back.filename) == (
                original.errno,
                original.strerror,
                original.filename,
            )


def test_a_write_error_keeps_its_path_and_cause():
    error = WriteError("/run/parts/x", OSError(errno.ENOSPC, "No space left on device"))
    back = _round_trip(error)
    assert back.path == Path("/run/parts/x")
    assert back.cause.errno == errno.ENOSPC
    assert str(back).startswith("/run/parts/x: cannot write: No space left on device; ")
