"""The ``bargainlab`` command line.

``bargainlab`` with no command runs the default study (``rebate_renewal``). Commands::

    bargainlab run CONFIG [--out DIR] [--workers N] [--executor serial|processes|dask]
                          [--scheduler ADDRESS] [--replicates N]
                          [--memory-budget SIZE] [--disk-budget SIZE]
                          [--time-budget DURATION] [--overwrite] [--quiet | --json]
    bargainlab validate CONFIG
    bargainlab plot RUN_DIR
    bargainlab report RUN_DIR
    bargainlab reproduce [STUDY ...] [--update] [--executor ...] [--workers N]
    bargainlab power CONFIG [--pilot N] [--executor ...] [--workers N]
    bargainlab bench [--replicates N] [--json]
    bargainlab strategies [--json]
    bargainlab trace RUN_DIR [--cell N] [--arm ARM] [--replicate N] [--round N]
                             [--channels VARIANT] [--out FILE]

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
from ..experiments.robustness import run_size
from ..experiments.run import load_run
from ..experiments.runstore import NonFiniteOutputError, RunStore
from ..experiments.tasks import plan_tasks
from ..reporting.offer_trace import choose_negotiation
from ..reporting.output import save_figure
from ..support.files import WriteError
from .arguments import DEFAULT_STUDY, PROG, build_parser
from .bench import main as bench_main
from .endings import STDOUT_CLOSED, TERMINATED, Terminated, stdout_closed, terminate_as_interrupt
from .outcome import show_outcome
from .strategies import show_strategies


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 drift, 2 bad input, 130
    interrupted, 141 its output's reader went away, 143 terminated: see
    :mod:`bargainlab.cli.endings`)."""
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
            "strategies": _cmd_strategies,
            "trace": _cmd_trace,
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
        with terminate_as_interrupt():
            return int(args.handler(args) or 0)
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (Terminated)
        how = "terminated" if isinstance(exc, Terminated) else "interrupted"
        _error(f"{how}; start the same command again to resume where it stopped")
        return TERMINATED if isinstance(exc, Terminated) else 130
    except Exception as exc:
        status = _failure(exc)
        if status is None:  # a bug: its traceback is the report
            raise
        return status


def _failure(exc: Exception) -> int | None:
    """The exit status of a command that raised ``exc``, its one-line message printed; None
    for an exception that is not an expected failure (a bug)."""
    if isinstance(exc, (ConfigError, WorkerLostError)):  # bad input; workers killed each time
        _error(str(exc))
        return 2
    if isinstance(exc, BrokenPipeError) and stdout_closed():
        return STDOUT_CLOSED  # the reader went away (`bargainlab ... | head`): end quietly
    if isinstance(exc, OSError):  # a full disk, a read-only file system, ...
        _error(str(exc) if isinstance(exc, WriteError) else _os_message(exc))
        return 2
    if isinstance(exc, BrokenProcessPool):  # a forked process (figures, tests) was killed
        _error(
            "a worker process was killed (out of memory?); nothing was left half-written; "
            "the same command resumes where it stopped"
        )
        return 2
    if isinstance(exc, NonFiniteOutputError):
        _error(str(exc))
        return 1
    return None


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
            progress=False if args.quiet or args.json else None,
            log=lambda message: print(message, file=sys.stderr),
            overwrite=args.overwrite,
        )
    show_outcome(run, args)
    return 0


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
    size = run_size(loaded)  # what `run` checks against the budgets: both seeds' runs
    if size is not None:
        workers = min(os.cpu_count() or 1, size.tasks)
        both = " (with its second seed's run)" if study.robustness is not None else ""
        print(f"estimated size{both}: {size.describe(workers)}")
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
    """``report``: recompute a finished run's summary and report under its lock; print the
    bottom line, the headline table and the paths (or only the paths with ``--quiet``, or
    ``--json``)."""
    store, _ = check_run_folder(args.run_dir)
    with store.lock(field=None):
        store.clean()  # what an interrupted plot or report left
        regenerate_outputs(args.run_dir, summary=True, figures=False, report=True)
    show_outcome(load_run(args.run_dir), args)
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


def _cmd_trace(args: argparse.Namespace) -> int:
    """``trace``: one negotiation's offers, from the run's traces table, into one figure."""
    check_run_folder(args.run_dir)
    keys = {k: getattr(args, k) for k in ("cell", "arm", "replicate", "round", "channels")}
    out = args.out
    if out is not None and out.suffix not in (".png", ".svg"):
        raise ConfigError(out, "--out", "must end in .png or .svg")
    run = load_run(args.run_dir)
    try:
        fig = run.plot_trace(**keys)
    except ValueError as exc:  # no traces, or no such negotiation: the key is named first
        field, _, rest = str(exc).partition(": ")
        if field in keys:
            raise ConfigError(args.run_dir, f"--{field}", rest) from None
        raise ConfigError(args.run_dir, None, str(exc)) from None
    if out is None:
        chosen = choose_negotiation(run.traces, **keys).keys  # type: ignore[arg-type]
        out = Path(
            f"trace_{chosen['arm']}_cell{chosen['cell']}_replicate{chosen['replicate']}_"
            f"round{chosen['round']}.png"
        )
    (path,) = save_figure(fig, out.parent, out.stem, formats=(out.suffix[1:],))
    print(path)
    return 0


def _cmd_strategies(args: argparse.Namespace) -> int:
    """``strategies``: every strategy a study can name, with its parameters and flags."""
    show_strategies(as_json=args.json)
    return 0


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
