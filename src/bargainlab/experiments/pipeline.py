"""Run a study end to end.

:func:`run_study` is the whole pipeline: config -> validated study -> sweep cells -> a plan of
stacked tasks -> executor -> each task's parts in the run folder -> the rounds dataset and the
small tables (and ``cells.parquet``, what each sweep cell is) -> summary, figures and report
(:mod:`bargainlab.experiments.outputs`). Everything that can be wrong with the input is
checked before the run folder is created. The parent never holds the rounds table: workers
write their parts (or send them back when they cannot reach the run folder), and the
post-processing reads the small tables.

Starting again on the folder of an interrupted run with the same study resumes it,
recomputing any task whose parts fail their checksum; the tables equal those of an
uninterrupted run. Starting a finished run again changes nothing (``bargainlab report`` and
``bargainlab plot`` rebuild its outputs). With ``overwrite``, a run folder of this study, of
an edited version of it or of another study is emptied under its lock and run again from
scratch. A worker that dies costs only its task, which runs
again. The manifest records the seconds spent in each phase (``timings``) and the peak memory
of the parent and of the processes that ran tasks (``memory``).
"""

from __future__ import annotations

import functools
import os
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..config.cells import SweepCells
from ..config.empirical import seed_cells
from ..config.files import LoadedStudy, load_study, resolve_study_path
from ..config.schema import StudySpec
from .budget import check_size
from .executors import Executor, check_executor_options, open_executor, phase_bar, progress_bar
from .folder import check_replaceable, clear_run_folder
from .mainmodule import workers_skip_main
from .outputs import check_run_folder, regenerate_outputs
from .robustness import ROBUSTNESS_FOLDER, run_size, second_seed_finished, second_seed_study
from .run import Run
from .runstore import (
    RunStore,
    build_manifest,
    config_hash,
    git_commit,
    resolved_config_text,
    versions,
)
from .shipping import cells_strategy_fields, check_on_workers, pack
from .storage import check_writable
from .tasks import (
    RELATIONSHIP_COLUMNS,
    Simulate,
    TaskPlan,
    make_tasks,
    peak_rss,
    plan_tasks,
    task_function,
)
from .transplants import mediation_pieces

__all__ = [
    "check_run_folder",
    "default_out",
    "regenerate_outputs",
    "run_study",
    "run_summary_only",
    "table_kinds",
]


def default_out(study: StudySpec) -> Path:
    """``runs/<study name>`` under the current folder."""
    return Path("runs") / study.name


def run_study(
    config: str | Path | StudySpec | Mapping[str, Any],
    out: str | Path | None = None,
    *,
    replicates: int | None = None,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
    simulate: Simulate | None = None,
    log: Callable[[str], None] | None = None,
    overwrite: bool = False,
) -> Run:
    """Run a study into the folder ``out`` (default ``runs/<name>``) and return the
    finished :class:`~bargainlab.experiments.run.Run` (a folder of an interrupted run of the
    same study resumes; see the module docstring).

    ``config`` is a study file, the name of a study (``experiments/<name>.toml`` or one
    shipped with the package), a validated :class:`StudySpec` or a dict of the same keys as a
    file; ``replicates`` overrides the study's (part of the run's identity). ``executor`` is
    ``"serial"``, ``"processes"`` (``workers`` processes, default all cores) or ``"dask"``
    (the cluster whose scheduler is at ``scheduler``; without one, a local cluster of
    ``workers`` processes started for the run): all give the same tables, and strategies
    registered by your own script or notebook are sent to the workers with every task.
    ``progress`` shows a progress bar over relationships, then over the named phases of the
    post-processing (default: in a terminal or a notebook). ``simulate`` is a custom
    simulation of one cell's chunk (see :func:`bargainlab.experiments.translate.simulate`),
    used instead of the stacked batches; it must be picklable by reference for the process
    and Dask executors. ``log`` is called with one-line notes for the user (e.g. that a run
    resumes). ``overwrite`` replaces a run folder's run (of any study) instead of resuming
    it or refusing a changed study.

    Raises :class:`ConfigError` before anything is written when the study, the options, the
    output folder or a strategy the workers cannot use are wrong, when the run's estimated
    size exceeds the budgets in force (see :mod:`bargainlab.experiments.budget`), or when
    another process is writing the folder.
    """
    options = _Options(executor, workers, scheduler, progress, simulate, log, overwrite)
    return _start(config, out, replicates, options)


def run_summary_only(
    config: str | Path | StudySpec | Mapping[str, Any],
    out: str | Path,
    *,
    replicates: int | None = None,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
) -> Run:
    """:func:`run_study` writing the tables and the summary only, not the figures and the
    report: for ``bargainlab reproduce``, which compares summaries and draws the rest only
    for a run it keeps or copies (``bargainlab plot`` and ``bargainlab report`` draw them on
    any finished run, which such a run is: its manifest's ``outputs`` is ``"summary"``)."""
    options = _Options(executor, workers, scheduler, progress, None, None, summary_only=True)
    return _start(config, out, replicates, options)


def _start(
    config: str | Path | StudySpec | Mapping[str, Any],
    out: str | Path | None,
    replicates: int | None,
    options: _Options,
) -> Run:
    """Resolve and load the study, check the executor options, then run it into ``out``
    (default ``runs/<study>``): the start both entry points share."""
    if isinstance(config, str):
        config = resolve_study_path(config)
    loaded = load_study(config, replicates=replicates)
    check_executor_options(options.executor, options.workers, options.scheduler)
    store = RunStore(Path(out) if out is not None else default_out(loaded.study))
    return _run(loaded, store, options)


@dataclass(frozen=True)
class _Options:
    """How :func:`run_study` runs: the executor and its workers, progress, a custom
    simulation and the log (see there)."""

    executor: str
    workers: int | None
    scheduler: str | None
    progress: bool | None
    simulate: Simulate | None
    log: Callable[[str], None] | None
    overwrite: bool = False
    summary_only: bool = False


def _run(loaded: LoadedStudy, store: RunStore, options: _Options) -> Run:
    """Run (or resume) ``loaded`` into ``store``; with ``[robustness]``, its second seed's
    run into ``robustness/`` once the tasks are done, before the summary that compares them."""
    if _already_finished(store, loaded, options.log, options.overwrite):
        return Run(store.root)
    executor, scheduler = options.executor, options.scheduler
    second = None
    if loaded.study.robustness is not None:
        second = load_study(second_seed_study(loaded))
    plan, workers = _planned(loaded, store, executor, options.workers, scheduler, second)
    fields = cells_strategy_fields(loaded.cells)
    shipped = None if executor == "serial" else pack(fields, loaded.file)
    # The executor is opened before anything is written (a Dask scheduler that cannot be
    # reached is bad input); the lock is held until the run is complete. Workers start
    # meanwhile: a main module read from stdin is not for them to re-run.
    with workers_skip_main(), open_executor(executor, workers, scheduler) as pool, store.lock():
        check_on_workers(pool.run_on_workers, shipped, fields, loaded.file)
        _initialise(store, loaded, plan, options.overwrite)
        if store.dataset_complete(table_kinds(loaded.study, loaded.cells)):
            store.parts.remove()
        else:
            _simulate(store, loaded, pool, plan, options, shipped)
        pool.close()  # idle workers hold memory the post-processing needs
        if second is not None:
            _run(second, RunStore(store.root / ROBUSTNESS_FOLDER), _second(options, loaded))
        with phase_bar(("summarize", "figures", "report"), enabled=options.progress) as phase:
            figures = regenerate_outputs(
                store.root,
                loaded=loaded,
                phase=phase,
                figures=not options.summary_only,
                report=not options.summary_only,
            )
        store.record_memory(parent=peak_rss())
        made = [str(f.relative_to(store.root)) for f in figures]
        store.complete(figures=made, summary_only=options.summary_only)
    return Run(store.root)


def _second(options: _Options, loaded: LoadedStudy) -> _Options:
    """The options of the second seed's run: the same, its notes marked as its own and the
    study's warnings (said once already) left out, and its summary only (the comparison
    reads nothing else; ``bargainlab report`` on its folder draws the rest)."""
    log = options.log
    if log is None:
        return replace(options, summary_only=True)
    assert loaded.study.robustness is not None
    mark = f"robustness (seed {loaded.study.robustness.seed}): "

    def second_log(line: str) -> None:
        """A note of the second run, marked; its warnings are the study's."""
        if not line.startswith("warning: "):
            log(mark + line)

    return replace(options, log=second_log, summary_only=True)


def _planned(
    loaded: LoadedStudy,
    store: RunStore,
    executor: str,
    workers: int | None,
    scheduler: str | None,
    second: LoadedStudy | None = None,
) -> tuple[TaskPlan, int | None]:
    """The run's tasks and its local workers (no more than tasks), checked against the
    budgets (:func:`~bargainlab.experiments.budget.check_size`) with the second seed's run
    (``second``) counted in: its time and disk add to the run's, before anything runs."""
    study = loaded.study
    plan = plan_tasks(loaded.cells, replicates=study.replicates, chunk=study.chunk)
    if executor in ("processes", "dask") and scheduler is None:
        workers = min(workers or _cpu_count(), len(plan))
    local = 0 if executor == "serial" else workers or 0
    size = run_size(loaded, second) if second is not None else loaded.size
    check_size(size, store.root, workers=local, file=loaded.file, local_tasks=scheduler is None)
    return plan, workers


def _already_finished(
    store: RunStore, loaded: LoadedStudy, log: Callable[[str], None] | None, overwrite: bool
) -> bool:
    """Check that the study may use the folder (without writing); say what the user should
    know (other versions on resume, a run replaced, the study's warnings); whether it is a
    finished run of the same study, with nothing to do."""
    if overwrite:
        check_writable(store.root)
        if check_replaceable(store.root, store.read_manifest()) and log is not None:
            log(f"replacing the run in {store.root} (--overwrite)")
        resumed = False
    else:
        resumed = store.check_target(config_hash(loaded.study))
    finished = resumed and store.finished()
    if loaded.study.robustness is not None:
        finished = finished and second_seed_finished(store.root)
    if log is None:
        return finished
    if resumed:
        _note_changed_versions(store, log)
    for warning in loaded.warnings:
        log(f"warning: {warning}")
    if finished:
        log(
            f"{store.root} is a finished run of this study: nothing to do (`bargainlab report` "
            "and `bargainlab plot` rebuild its outputs)"
        )
        return True
    return False


def _initialise(store: RunStore, loaded: LoadedStudy, plan: TaskPlan, overwrite: bool) -> None:
    """Under the lock: check the folder again (empty it to overwrite), write the manifest,
    the resolved config and the cells table."""
    study = loaded.study
    if overwrite and check_replaceable(store.root, store.read_manifest()):
        clear_run_folder(store.root)  # now that no one else can write it
    store.check_target(config_hash(study))  # again, now that no one else can write it
    manifest = build_manifest(
        study,
        n_cells=len(loaded.cells),
        n_tasks=len(plan),
        axes=study.sweep_axes,
        study_replicates=loaded.declared_replicates,
    )
    store.initialise(manifest, resolved_config_text(study, loaded.source))
    store.write_cells(SweepCells.of(study, loaded.cells))


def table_kinds(study: StudySpec, cells: Sequence[Any] = ()) -> list[str]:
    """The tables a run of ``study`` writes: rounds, replicates, trajectories; traces when
    asked for; mediation when a cell decomposes (see
    :func:`~bargainlab.experiments.transplants.mediation_pieces`)."""
    kinds = ["rounds", "replicates", "trajectories"]
    if study.traces:
        kinds.append("traces")
    if any(mediation_pieces(c.study) for c in cells) or (not cells and mediation_pieces(study)):
        kinds.append("mediation")
    return kinds


def _task_kinds(loaded: LoadedStudy, plan: TaskPlan) -> dict[str, list[str]]:
    """Per task (by name), the parts it must have."""
    by_index = {c.index: c for c in loaded.cells}
    return {
        name: table_kinds(loaded.study, [by_index[units[0][0]]])
        for name, units in zip(plan.names(), plan.tasks, strict=True)
    }


def _simulate(
    store: RunStore,
    loaded: LoadedStudy,
    pool: Executor,
    plan: TaskPlan,
    options: _Options,
    shipped: bytes | None = None,
) -> None:
    """Run the tasks whose parts are missing or damaged, then assemble the tables."""
    study = loaded.study
    progress, simulate, log = options.progress, options.simulate, options.log
    started = time.perf_counter()
    names = plan.names()
    expected = _task_kinds(loaded, plan)
    columns = ["cell", *RELATIONSHIP_COLUMNS]
    finished = store.parts.done(expected, columns=columns)
    done = {i for i, name in enumerate(names) if name in finished}
    if store.parts.rejected and log is not None:
        log(f"{len(store.parts.rejected)} damaged task(s) failed their checksum and will run again")
    if done and log is not None:
        log(f"resuming {store.root}: {len(done)} of {len(plan)} tasks already done")
    store.parts.prepare()
    shared = _workers_see(pool, store)
    tasks = make_tasks(
        loaded.cells,
        plan,
        root_seed=study.seed,
        traces=study.traces,
        skip=done,
        strategies=shipped,
        out=store.root.absolute() if shared else None,
        seed_cells=seed_cells(
            study, [c.index for c in loaded.cells], [c.values for c in loaded.cells]
        ),
    )
    total = len(loaded.cells) * study.replicates
    initial = sum(plan.relationships(i) for i in done)
    worker_peak = 0
    with progress_bar(
        total, initial=initial, enabled=progress, desc=study.name, unit="relationship"
    ) as bar:
        for result in pool.imap_unordered(task_function(simulate), tasks):
            store.parts.record(result.checksums, result.payload)
            worker_peak = max(worker_peak, result.peak_rss)
            bar.update(result.relationships)
    assembling = time.perf_counter()
    kinds = sorted({kind for ks in expected.values() for kind in ks})
    store.parts.assemble(names, kinds)
    store.record_timings(
        {"simulate": assembling - started, "assemble": time.perf_counter() - assembling}
    )
    store.record_memory(parent=peak_rss(), tasks=worker_peak or None)


def _workers_see(pool: Executor, store: RunStore) -> bool:
    """Whether the workers see the run folder (local workers do; a cluster may not): a probe
    file in ``parts/`` that every worker must find."""
    probe = store.parts.folder / f".probe-{uuid.uuid4().hex}"
    probe.write_bytes(b"")
    try:
        path = str(probe.absolute())
        return all(pool.run_on_workers(functools.partial(os.path.exists, path)))
    finally:
        probe.unlink(missing_ok=True)


def _note_changed_versions(store: RunStore, log: Callable[[str], None]) -> None:
    """A resumed run mixes parts made by two installations: say so when they differ."""
    manifest = store.read_manifest() or {}
    before = {**manifest.get("versions", {}), "git commit": manifest.get("git_commit")}
    now = {**versions(), "git commit": git_commit()["commit"]}
    changed = [f"{k} {before.get(k)} -> {v}" for k, v in now.items() if before.get(k) != v]
    if changed:
        log(f"note: {store.root} was started with other versions ({'; '.join(changed)})")


def _cpu_count() -> int:
    """The machine's cores (1 when unknown)."""
    return os.cpu_count() or 1
