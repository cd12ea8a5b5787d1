"""A run's identity and record: the canonical config and its hash, versions, the commit of
bargainlab itself, the manifest, and the resolved ``config.toml``.

The identity of a run is the SHA-256 of the canonical resolved config (the validated study,
replicates included); the executor and the number of workers are not part of it, since they
do not change the numbers.
"""

from __future__ import annotations

import hashlib
import json
import math
import platform
import re
import tomllib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import numpy
import pandas as pd
import pyarrow as pa
import scipy

from .._version import __version__
from ..config.schema import StudySpec
from ..support.provenance import package_commit

# ---------------------------------------------------------------------------------------------
# Identity
# ---------------------------------------------------------------------------------------------


def canonical_config(study: StudySpec) -> str:
    """The resolved study as canonical JSON: schema field order, the file's order inside
    user-named tables (arm order matters), no whitespace. The study's ``changes`` are left
    out: they document the study's history and change no number, so editing them (or a
    version that adds the field) leaves a run's identity as it was."""
    return json.dumps(
        study.model_dump(mode="json", exclude={"changes"}),
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def config_hash(study: StudySpec) -> str:
    """SHA-256 (hex) of :func:`canonical_config`: the identity of a run."""
    return hashlib.sha256(canonical_config(study).encode("utf-8")).hexdigest()


def versions() -> dict[str, str]:
    """Versions of Python, the numerical stack and bargainlab."""
    return {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
        "pyarrow": pa.__version__,
        "bargainlab": __version__,
    }


def git_commit() -> dict[str, Any]:
    """``{"commit": sha or None, "dirty": bool or None, "source": ...}`` of bargainlab itself
    (see :func:`bargainlab.support.provenance.package_commit`): never the commit of the folder a
    run is started in."""
    return package_commit()


def build_manifest(
    study: StudySpec,
    *,
    n_cells: int,
    n_tasks: int,
    axes: list[str],
    study_replicates: int | None = None,
    started: str | None = None,
) -> dict[str, Any]:
    """The manifest of a run (``completed`` is set when the run finishes, and ``outputs``
    then says what it wrote: ``"all"``, or ``"summary"`` for a run that writes its tables and
    summary only, as a second seed's run and ``bargainlab reproduce`` do).

    ``study_replicates`` is the study file's own replicates when the run overrode them.
    """
    git = git_commit()
    return {
        "study": study.name,
        "config_hash": config_hash(study),
        "root_seed": study.seed,
        "replicates": study.replicates,
        "study_replicates": study.replicates if study_replicates is None else study_replicates,
        "chunk": study.chunk,
        "cells": n_cells,
        "tasks": n_tasks,
        "axes": axes,
        "versions": versions(),
        "git_commit": git["commit"],
        "git_dirty": git["dirty"],
        "git_commit_source": git["source"],
        "started": started or now(),
        "completed": None,
        "outputs": None,
        "figures": [],
        "checksums": {},
        "timings": {},
    }


def now() -> str:
    """The current time in UTC, ISO 8601, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


# ---------------------------------------------------------------------------------------------
# The resolved config file
# ---------------------------------------------------------------------------------------------


def resolved_config_text(study: StudySpec, source: bytes | None) -> bytes:
    """``config.toml`` of a run: the study file's own bytes when its replicates are the run's,
    else the same text with the top-level ``replicates`` line set (added when absent). A study
    built in Python (no file) is written as TOML from the validated spec. The result always
    parses back to the same study."""
    if source is not None:
        text = source.decode("utf-8-sig")
        raw = tomllib.loads(text)
        if raw.get("replicates") == study.replicates:
            return source
        candidate = _set_top_level(text, "replicates", str(study.replicates))
        try:
            if tomllib.loads(candidate) == {**raw, "replicates": study.replicates}:
                return candidate.encode("utf-8")
        except tomllib.TOMLDecodeError:
            pass
    return toml_dumps(study.model_dump(mode="json", exclude_none=True)).encode("utf-8")


def _set_top_level(text: str, key: str, value: str) -> str:
    """``text`` with the top-level ``key = ...`` line (before the first table header) set
    to ``value``, keeping its comment; a line is added at the top when there is none."""
    header = re.search(r"^[ \t]*\[", text, flags=re.MULTILINE)
    top, rest = (text[: header.start()], text[header.start() :]) if header else (text, "")
    pattern = re.compile(
        rf"^([ \t]*{re.escape(key)}[ \t]*=[ \t]*)[^#\r\n]*?([ \t]*(#[^\r\n]*)?)$", re.MULTILINE
    )
    if pattern.search(top):
        top = pattern.sub(lambda m: f"{m.group(1)}{value}{m.group(2)}", top, count=1)
        return top + rest
    return f"{key} = {value}  # replicates of this run\n" + text


def toml_dumps(data: Mapping[str, Any]) -> str:
    """A small TOML writer for plain data (tables, lists, strings, numbers, booleans).

    Sub-tables become ``[a.b]`` sections; lists and tables inside lists are written inline.
    ``None`` values are left out (TOML has no null).
    """
    lines: list[str] = []
    _table(lines, [], data)
    return "\n".join(lines).lstrip("\n") + "\n"


def _table(lines: list[str], path: list[str], table: Mapping[str, Any]) -> None:
    """Append the lines of the table at ``path`` (its header, then its keys), then those of
    its sub-tables."""
    # Plain values first, then sub-tables as [sections]. Reading the file back may thus
    # reorder the keys of a table that mixes them; only model tables (whose order pydantic
    # fixes) and strategy params (passed by keyword) ever do.
    plain = [(k, v) for k, v in table.items() if v is not None and not isinstance(v, Mapping)]
    sections = [(k, v) for k, v in table.items() if isinstance(v, Mapping)]
    if path and (plain or not sections):
        lines.append("")
        lines.append("[" + ".".join(_key(p) for p in path) + "]")
    for k, v in plain:
        lines.append(f"{_key(k)} = {_value(v)}")
    for k, v in sections:
        _table(lines, [*path, k], v)


def _key(key: str) -> str:
    """A TOML key: bare when it can be, else quoted."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _value(value: Any) -> str:
    """A plain value as inline TOML (floats by ``repr``, so they read back exactly)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items() if v is not None)
        return "{" + inner + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


__all__ = [
    "build_manifest",
    "canonical_config",
    "config_hash",
    "git_commit",
    "now",
    "resolved_config_text",
    "toml_dumps",
    "versions",
]
