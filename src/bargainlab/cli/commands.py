"""The ``bargainlab`` command line.

``bargainlab`` with no command runs the default study (``rebate_renewal``). Commands::

    bargainlab run CONFIG [--out DIR] [--workers N] [--executor serial|processes|dask]
                          [--scheduler ADDRESS] [--replicates N]
                          [--memory-budget SIZE] [--disk-budget SIZE]
                          [--time-budget DURATION]
    bargainlab validate CONFIG
    bargainlab plot RUN_DIR
    bargainlab report RUN_DIR
    bargainlab reproduce [STUDY ...] [--update] [--executor ...] [--workers N]
    bargainlab power CONFIG [--pilot N] [--executor ...] [--workers N]
    bargainlab bench [--replicates N] [--json]

CONFIG is a study file or the bare name of a study (``experiments/<name>.toml``, else the study
shipped with the package). Exit statuses:

* 0: done;
* 1: ``reproduce`` found drift, or an internal error (a bug, e.g. a non-finite number about
  to be written: nothing was written, the message says what);
* 2: bad input (a config error, a missing path, an unwritable ``--out``, a bad flag value, a
  run too large for the memory or disk budget, a run folder another process is writing, a
  table that does not match its checksum): one message naming the file, the field and what
  is allowed, before anything is written; or the operating system refused a write (a full
  disk, ...): one message naming the path and the cause; nothing is left half-written and
  the same command resumes once the cause is gone;
* 130: interrupted (the same command resumes).

This module carries the commands out; their grammar (options, defaults, help) is declared in
:mod:`bargainlab.cli.arguments`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from ..analysis.power import family_size, format_power, pilot_seed, power_table, z_sum
from ..config.cells import SweepCells
from ..config.files import ConfigError, load_study, resolve_study_path
from ..experiments.budget import size_budget
from ..experiments.executors import WorkerLostError
from ..experiments.pipeline import check_run_folder, regenerate_outputs, run_study
from ..experiments.reproduction import reproduce
from ..experiments.runstore import NonFiniteOutputError, RunStore
from ..experiments.tasks import plan_tasks
from ..support.files import WriteError
from .arguments import DEFAULT_STUDY, PROG, build_parser
from .bench import main as bench_main


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 drift, 2 bad input, 130 interrupted)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(
        {
            "run": _cmd_run,
            "validate": _cmd_validate,
            "plot": _cmd_plot,
            "report": _cmd_report,
            "reproduce": _cmd_reproduce,
            "bench": _cmd_bench,
            "power": _cmd_power,
        }
    )
    if not args_list:
        args_list = ["run", DEFAULT_STUDY]
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse has printed the usage and the message
        return int(exc.code or 0)
    if getattr(args, "handler", None) is None:
        args = parser.parse_args(["run", DEFAULT_STUDY])
    try:
        return int(args.handler(args) or 0)
    except ConfigError as exc:
        _error(str(exc))
        return 2
    except OSError as exc:  # a full disk, a read-only file system, ...
        _error(str(exc) if isinstance(exc, WriteError) else _os_message(exc))
        return 2
    except WorkerLostError as exc:  # killed every time, most likely for memory
        _error(str(exc))
        return 2
    except BrokenProcessPool:  # a forked process (figures, the cells' tests) was killed
        _error(
            "a worker process was killed (out of memory?); nothing was left half-written; "
            "the same command resumes where it stopped"
        )
        return 2
    except NonFiniteOutputError as exc:
        _error(str(exc))
        return 1
    except KeyboardInterrupt:
        _error("interrupted; start the same command again to resume where it stopped")
        return 130


def _os_message(exc: OSError) -> str:
    """An operating-system error as one message: the path, the cause, and that the same
    command resumes (every write is atomic, so nothing was left half-written)."""
    where = exc.filename if exc.filename is not None else "(unknown path)"
    return (
        f"{where}: {exc.strerror or exc}; nothing was left half-written; once the cause is "
        "fixed, the same command resumes where it stopped"
    )


def _error(message: str) -> None:
    """Print ``message`` on stderr, each line as ``bargainlab: error: ...``."""
    lines = message.splitlines() or [""]
    print(f"{PROG}: error: {lines[0]}", file=sys.stderr)
    for line in lines[1:]:
        print(f"{PROG}: error: {line}", file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------


def _cmd_run(args: argparse.Namespace) -> int:
    """``run``: run the study within the size budgets, then print where its outputs are."""
    path = resolve_study_path(args.config)
    with size_budget(memory=args.memory_budget, disk=args.disk_budget, time=args.time_budget):
        run = run_study(
            path,
            args.out,
            executor=args.executor,
            workers=args.workers,
            scheduler=args.scheduler,
            replicates=args.replicates,
            log=lambda message: print(message, file=sys.stderr),
        )
    print(f"run folder: {_shown(run.path)}")
    print(f"key figure: {_shown(run.key_figure) if run.key_figure else '(none)'}")
    print(f"report:     {_shown(run.report_path)}")
    return 0


def _shown(path: Path) -> Path:
    """``path`` relative to the current folder when it is inside it, else as is."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _cmd_validate(args: argparse.Namespace) -> int:
    """``validate``: load the study (every check a run makes first) and print its cells,
    tasks, estimated size and what its size can decide; warnings go to stderr."""
    path = resolve_study_path(args.config)
    loaded = load_study(path)
    study = loaded.study
    tasks = len(plan_tasks(loaded.cells, replicates=study.replicates, chunk=study.chunk))
    axes = ", ".join(study.sweep_axes) or "none"
    print(
        f"{path}: ok: study {study.name!r}, {len(loaded.cells)} sweep cell(s) x "
        f"{study.replicates} replicates x {len(study.arms.strategies)} arm(s), {tasks} task(s); "
        f"sweep axes: {axes}"
    )
    if loaded.size is not None:
        workers = min(os.cpu_count() or 1, loaded.size.tasks)
        print(f"estimated size: {loaded.size.describe(workers)}")
    print(_analysis_line(loaded))
    for warning in loaded.warnings:
        print(f"{PROG}: warning: {warning}", file=sys.stderr)
    return 0


def _cmd_plot(args: argparse.Namespace) -> int:
    """``plot``: redraw a finished run's figures under its lock, record them in its
    manifest and print their paths."""
    store, _ = check_run_folder(args.run_dir)
    with store.lock(field=None):
        store.clean()  # what an interrupted plot or report left (a staging folder)
        figures = regenerate_outputs(args.run_dir, summary=False, figures=True, report=False)
        store.record_figures([str(f.relative_to(args.run_dir)) for f in figures])
    for f in figures:
        print(f)
    if not figures:
        print("no figures were made")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    """``report``: recompute a finished run's summary and report; print the report's path."""
    store, _ = check_run_folder(args.run_dir)
    with store.lock(field=None):
        store.clean()  # what an interrupted plot or report left
        regenerate_outputs(args.run_dir, summary=True, figures=False, report=True)
    print(store.report_path)
    return 0


def _cmd_reproduce(args: argparse.Namespace) -> int:
    """``reproduce``: its exit status is 1 when a study drifted."""
    return reproduce(
        args.studies,
        executor=args.executor,
        workers=args.workers,
        scheduler=args.scheduler,
        update=args.update,
    )


def _cmd_bench(args: argparse.Namespace) -> int:
    """``bench``: the options as :func:`bargainlab.cli.bench.main` takes them."""
    argv: list[str] = []
    if args.replicates is not None:
        argv += ["--replicates", str(args.replicates)]
    if args.json:
        argv.append("--json")
    return int(bench_main(argv) or 0)


# ---------------------------------------------------------------------------------------------
# Power and sample size
# ---------------------------------------------------------------------------------------------


def _cmd_power(args: argparse.Namespace) -> int:
    """``power``: run a pilot in a temporary folder and print the replicates each
    comparison needs (see :func:`~bargainlab.analysis.power.power_table`)."""
    path = resolve_study_path(args.config)
    loaded = load_study(path)
    study, axes = loaded.study, loaded.study.sweep_axes
    # the pilot's replicates are none of the main run's: another root seed, derived from it
    pilot = study.model_copy(update={"seed": pilot_seed(study.seed)})
    with tempfile.TemporaryDirectory(prefix="bargainlab-pilot-") as folder:
        run = run_study(
            pilot,
            Path(folder) / "pilot",
            replicates=args.pilot,
            executor=args.executor,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=False,
        )
        replicates = RunStore(run.path).read_table("replicates.parquet")
    replicates = SweepCells.of(study, loaded.cells).attach(replicates)  # power_table groups by axes
    print(format_power(power_table(replicates, study, axes), study, axes))
    return 0


def _analysis_line(loaded) -> str:
    """One line for ``validate``: the headline family and what the study's size can decide
    (no simulation: the smallest decided effect in units of the paired differences' sd)."""
    study = loaded.study
    spec = study.analysis
    family = family_size(study, [cell.study.rounds.count for cell in loaded.cells])
    if family.m == 0:
        return "analysis: one arm, no comparison to decide"
    factor = z_sum(spec.alpha, family.m, spec.power) / study.replicates**0.5
    return (
        f"analysis: headline family of {family.describe()}, max-T intervals simultaneous at "
        f"level 1 - {spec.alpha:g}; at {study.replicates} replicates an effect is decided "
        f"with {spec.power:.0%} power once |effect| >= {factor:.3g} x the sd of its paired "
        f"differences (planned with Bonferroni's normal 1 - {spec.alpha:g}/{family.m}); "
        f"sesoi {spec.sesoi:g} (`bargainlab power` estimates the sd from a pilot)"
    )
