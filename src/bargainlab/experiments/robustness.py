"""The second root seed of a study with ``[robustness]``.

``bargainlab run`` runs such a study a second time under ``robustness.seed``, into the run
folder's ``robustness/``: a run folder of its own (resumed, checked and locked like any), of
the whole study at the same replicates but without what the headline does not use (the
decompositions, the tournament, the traces, the null cells, the changes; not the
empirical game, whose comparisons are in the headline's family). :func:`second_seed_study` is
that study; :func:`second_seed_effects` reads its ``effects`` back, checked, for the
``robustness`` part of the summary (:func:`bargainlab.analysis.robustness.robustness_rows`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..config.files import ConfigError, LoadedStudy, load_study
from ..config.size import SizeEstimate
from .run import finished_store
from .runstore import RunStore, config_hash

__all__ = [
    "ROBUSTNESS_FOLDER",
    "run_size",
    "second_seed_effects",
    "second_seed_finished",
    "second_seed_study",
]

ROBUSTNESS_FOLDER = "robustness"
"""The second run's folder inside the run folder."""

_LEFT_OUT = ("robustness", "tournament", "traces", "null_cells", "changes")
"""Tables of a study file the second run leaves out: the headline does not use them."""


def second_seed_study(loaded: LoadedStudy) -> dict[str, Any]:
    """The study the second run plays, as the keys of a study file: ``loaded``'s own at the
    replicates it runs with, under ``robustness.seed``, without the tables of
    :data:`_LEFT_OUT` and without ``channels.decompose`` (every replicate of every arm
    draws from its own stream, so the headline rows do not depend on them)."""
    study = loaded.study
    if study.robustness is None:
        raise ValueError(f"study {study.name!r} has no [robustness]")
    raw = {k: v for k, v in loaded.raw.items() if k not in _LEFT_OUT}
    raw["seed"] = study.robustness.seed
    raw["replicates"] = study.replicates
    channels = {k: v for k, v in (raw.get("channels") or {}).items() if k != "decompose"}
    raw.pop("channels", None)
    if channels:
        raw["channels"] = channels
    return raw


def second_seed_finished(root: str | Path) -> bool:
    """Whether the second run in ``root`` finished and its files match their checksums."""
    return RunStore(Path(root) / ROBUSTNESS_FOLDER).finished()


def second_seed_effects(root: str | Path, loaded: LoadedStudy) -> pd.DataFrame:
    """The ``effects`` part of the finished second run in ``root/robustness`` (checked
    against its checksum); a :class:`ConfigError` when it is missing, unfinished or not the
    second run of ``loaded``'s study."""
    folder = Path(root) / ROBUSTNESS_FOLDER
    remedy = "start the same `bargainlab run` command again to redo the second seed's run"
    if not folder.is_dir():
        raise ConfigError(
            folder, None, f"missing: the second seed's run is part of this run; {remedy}"
        )
    store = finished_store(folder)
    expected = config_hash(load_study(second_seed_study(loaded)).study)
    if (store.read_manifest() or {}).get("config_hash") != expected:
        raise ConfigError(
            folder,
            None,
            "is not the run of this study under robustness.seed (its config hash differs); "
            "delete it and " + remedy,
        )
    return store.read_summary(remedy=remedy).effects


def run_size(loaded: LoadedStudy, second: LoadedStudy | None = None) -> SizeEstimate | None:
    """The estimated size of ``bargainlab run`` on ``loaded``: the study's run, followed by
    its second seed's (``second``, loaded from :func:`second_seed_study` when not given)
    when the study has ``[robustness]``; ``None`` when the study has no estimate."""
    size = loaded.size
    if size is None or loaded.study.robustness is None:
        return size
    second = second if second is not None else load_study(second_seed_study(loaded))
    return size if second.size is None else size.then(second.size)
