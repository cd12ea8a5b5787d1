"""Find, read and load a study file: from ``CONFIG`` on the command line to a validated study
with its sweep expanded, its references resolved and its size estimated.

Every problem with user input becomes one :class:`ConfigError` (see
:mod:`bargainlab.config.errors`) naming the file, the field and what is allowed. A study that
loads without error runs without configuration errors: the schema, every strategy with its
parameters, every sweep cell, the null cells and the tournament are all checked here.

Study names: ``rebate_renewal`` means ``experiments/rebate_renewal.toml`` under the current
folder when it exists, else the study of that name shipped with the package (the
``experiments/`` folder of the source tree, installed as ``bargainlab/studies``), so study
names work outside a checkout.
"""

from __future__ import annotations

import copy
import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..support.provenance import source_root
from .checks import Warnings, check_references
from .errors import ConfigError, validate
from .integers import (
    MAX_INTEGER_BITS,
    digit_count,
    find_long_literal,
    huge_integer_message,
    key_path,
)
from .schema import StudySpec
from .size import SizeEstimate, SizeTally
from .sweep import UNSWEEPABLE, Cell, expand

MAX_FILE_BYTES = 4 * 2**20
"""Largest study file read (a study is a few kilobytes of TOML)."""

MAX_DEPTH = 32
"""Deepest nesting of tables and arrays in a study file (real studies use five levels)."""


@dataclass(frozen=True)
class LoadedStudy:
    """A validated study together with the raw TOML it came from (for sweeps and storage)."""

    study: StudySpec
    raw: dict[str, Any]
    file: Path | None
    source: bytes | None
    """The file's bytes, or ``None`` for a study built in Python."""
    cells: list[Cell]
    """The sweep cells (one when there is no sweep), each validated."""
    declared_replicates: int
    """The study's own replicates (``study.replicates`` may be an override)."""
    size: SizeEstimate | None = None
    """The estimated size of the run."""
    warnings: list[str] = field(default_factory=list)
    """Legal but suspicious settings, one line each (``file: field: message``)."""


# ---------------------------------------------------------------------------------------------
# Study names
# ---------------------------------------------------------------------------------------------


def packaged_studies() -> Path | None:
    """The folder of the studies shipped with the package: ``bargainlab/studies`` when
    installed, the source tree's ``experiments/`` when running from a checkout."""
    shipped = resources.files("bargainlab") / "studies"
    if isinstance(shipped, Path) and shipped.is_dir():
        return shipped
    root = source_root()
    return root / "experiments" if root is not None and (root / "experiments").is_dir() else None


def packaged_results() -> Path | None:
    """The folder of the shipped studies' committed results (``<study>/summary/``):
    ``bargainlab/studies/results`` when installed, the source tree's ``results/``."""
    studies = packaged_studies()
    if studies is None:
        return None
    shipped = studies / "results"
    if shipped.is_dir():
        return shipped
    root = source_root()
    return root / "results" if root is not None and (root / "results").is_dir() else None


def available_studies(experiments_dir: str | Path = "experiments") -> list[str]:
    """Names of the studies in ``experiments_dir`` and of those shipped with the package."""
    names = {p.stem for p in Path(experiments_dir).glob("*.toml")}
    packaged = packaged_studies()
    if packaged is not None:
        names.update(p.stem for p in packaged.glob("*.toml"))
    return sorted(names)


def resolve_study_path(
    name_or_path: str | Path, experiments_dir: str | Path = "experiments"
) -> Path:
    """Turn ``CONFIG`` on the command line into a file path.

    A path that exists, or that looks like a path (has a suffix or a separator), is taken
    as is. A bare name such as ``rebate_renewal`` means ``experiments/<name>.toml`` when that
    exists, else the study of that name shipped with the package (:func:`packaged_studies`).
    """
    path = Path(name_or_path)
    text = str(name_or_path)
    if path.exists() or path.suffix or "/" in text or "\\" in text:
        return path
    local = Path(experiments_dir) / f"{text}.toml"
    if local.is_file():
        return local
    packaged = packaged_studies()
    if packaged is not None and (packaged / f"{text}.toml").is_file():
        return packaged / f"{text}.toml"
    known = available_studies(experiments_dir)
    raise ConfigError(
        text[:200], None, f"no such file or study; known studies: {', '.join(known) or '(none)'}"
    )


# ---------------------------------------------------------------------------------------------
# Reading and loading
# ---------------------------------------------------------------------------------------------


def read_study_file(path: str | Path) -> tuple[dict[str, Any], bytes]:
    """Read and parse a TOML study file; return the raw dict and the file's bytes.

    Raises :class:`ConfigError` for a missing path, a directory or anything else that is not
    a regular file (a named pipe, a device: refused at once, never read from), an
    unreadable or oversized file, bytes that are not UTF-8, an empty file, text that is not
    TOML, tables nested deeper than :data:`MAX_DEPTH`, or an integer too large for any
    setting (naming its key).
    """
    path = Path(path)
    data = _read_regular_file(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            path,
            None,
            f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "a study file must be UTF-8 encoded TOML",
        ) from None
    if not text.strip():
        raise ConfigError(path, None, "the file is empty; expected a TOML study (see experiments/)")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, None, f"not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(
            path, None, f"tables or arrays are nested too deeply (at most {MAX_DEPTH} levels)"
        ) from None
    except ValueError:  # an integer literal longer than Python reads
        raise _long_literal(text, path) from None
    if not raw:
        raise ConfigError(path, None, "the file has no keys or tables; expected a TOML study")
    check_depth(raw, path)
    return raw, data


_KINDS = {
    stat.S_IFIFO: "a named pipe",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def _read_regular_file(path: Path) -> bytes:
    """The first :data:`MAX_FILE_BYTES` + 1 bytes of the regular file ``path``. It is opened
    without waiting (a named pipe would block until someone writes to it) and checked to be
    a regular file before anything is read."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise ConfigError(path, None, "no such file") from None
    except IsADirectoryError:
        raise ConfigError(path, None, "is a directory; expected a study file (.toml)") from None
    except OSError as exc:
        raise ConfigError(path, None, f"cannot read the file: {exc.strerror or exc}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise ConfigError(path, None, "is a directory; expected a study file (.toml)")
        kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
        raise ConfigError(
            path, None, f"is {kind}, not a regular file; expected a study file (.toml)"
        )
    with os.fdopen(fd, "rb") as fh:
        try:
            data = fh.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise ConfigError(path, None, f"cannot read the file: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(
            path,
            None,
            f"the file is larger than {MAX_FILE_BYTES // 2**20} MB; a study is a small TOML file",
        )
    return data


def check_depth(raw: Any, file: str | Path | None) -> None:
    """Raise :class:`ConfigError` when tables or arrays nest deeper than :data:`MAX_DEPTH`,
    or when an integer is larger than any setting could be (:data:`MAX_INTEGER_BITS`),
    naming the key (checked without recursion, so any depth is reported, never a
    RecursionError)."""
    stack: list[tuple[Any, int, str]] = [(raw, 0, "")]
    while stack:
        node, depth, where = stack.pop()
        if depth > MAX_DEPTH:
            raise ConfigError(
                file,
                where.split(".")[0] or None,
                f"tables or arrays are nested more than {MAX_DEPTH} levels deep",
            )
        if isinstance(node, Mapping):
            stack.extend((v, depth + 1, key_path(where, k)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, depth + 1, where) for v in node)
        elif isinstance(node, int) and node.bit_length() > MAX_INTEGER_BITS:
            message = huge_integer_message(digit_count(node.bit_length()))
            raise ConfigError(file, where or None, message)


def _long_literal(text: str, path: Path) -> ConfigError:
    """The error for a study file whose TOML holds an integer literal longer than Python
    reads: naming its key (or, failing that, its line)."""
    found = find_long_literal(text)
    if found is None:
        return ConfigError(path, None, "not valid TOML: a value Python cannot read")
    key, line, digits = found
    message = huge_integer_message(digits)
    return ConfigError(path, key, message if key else f"line {line}: {message}")


def load_study(
    path_or_spec: str | Path | StudySpec | Mapping[str, Any],
    *,
    replicates: int | None = None,
) -> LoadedStudy:
    """Load and validate a study from a file, a raw dict or a :class:`StudySpec`.

    ``replicates`` overrides the study's own (e.g. ``--replicates``); the override is
    validated like the rest. The sweep is checked too (its size first, then the axis paths
    and every cell), and the null cells and tournament are resolved against it, so a study
    that loads without error runs without configuration errors. The result carries the
    run's estimated size and any warnings.
    """
    file: Path | None = None
    source: bytes | None = None
    if isinstance(path_or_spec, StudySpec):
        raw = path_or_spec.model_dump(mode="json")
    elif isinstance(path_or_spec, Mapping):
        check_depth(path_or_spec, None)
        raw = copy.deepcopy(dict(path_or_spec))
    else:
        file = Path(path_or_spec)
        raw, source = read_study_file(file)
    study = validate(raw, file)
    declared = study.replicates
    if replicates is not None:
        raw = {**raw, "replicates": replicates}
        study = validate(raw, file)
    warnings = Warnings(file=None if file is None else str(file))
    warnings.study_level.extend(check_references(study, file))
    tally = SizeTally()

    def visit(cell: Cell, spec: StudySpec) -> None:
        """Tally a cell's size and warnings as the sweep is expanded (nothing is kept)."""
        tally.add(spec)
        warnings.add_cell(cell.index, cell.values, spec)

    cells = expand(study, raw, file, visit=visit)
    return LoadedStudy(
        study,
        raw,
        file,
        source,
        cells,
        declared_replicates=declared,
        size=tally.result(),
        warnings=warnings.lines(),
    )


__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "UNSWEEPABLE",
    "Cell",
    "ConfigError",
    "LoadedStudy",
    "available_studies",
    "check_depth",
    "expand",
    "load_study",
    "packaged_results",
    "packaged_studies",
    "read_study_file",
    "resolve_study_path",
    "validate",
]
