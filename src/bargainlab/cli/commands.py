"""The ``bargainlab`` command line.

``bargainlab`` with no command runs the default study (``rebate_renewal``). Commands::

    bargainlab run CONFIG [--out DIR] [--workers N] [--executor serial|processes|dask]
                          [--scheduler ADDRESS] [--replicates N]
                          [--memory-budget SIZE] [--disk-budget SIZE]
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
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .._files import WriteError
from .._version import __version__
from ..analysis.power import family_size, format_power, power_table, z_sum
from ..config.cells import SweepCells
from ..config.files import ConfigError, load_study, resolve_study_path
from ..experiments.budget import parse_size, size_budget
from ..experiments.executors import EXECUTORS
from ..experiments.pipeline import check_run_folder, regenerate_outputs, run_study
from ..experiments.reproduction import reproduce
from ..experiments.runstore import NonFiniteOutputError, RunStore
from ..experiments.tasks import plan_tasks
from .bench import main as bench_main

DEFAULT_STUDY = "rebate_renewal"
CONFIG_HELP = "study file, or the name of a study (in ./experiments/ or shipped with bargainlab)"
PROG = "bargainlab"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 drift, 2 bad input, 130 interrupted)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
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
    except NonFiniteOutputError as exc:
        _error(str(exc))
        return 1
    except KeyboardInterrupt:
        _error("interrupted; start the same command again to resume where it stopped")
        return 130


def _os_message(exc: OSError) -> str:
    where = exc.filename if exc.filename is not None else "(unknown path)"
    return (
        f"{where}: {exc.strerror or exc}; nothing was left half-written; once the cause is "
        "fixed, the same command resumes where it stopped"
    )


def _error(message: str) -> None:
    lines = message.splitlines() or [""]
    print(f"{PROG}: error: {lines[0]}", file=sys.stderr)
    for line in lines[1:]:
        print(f"{PROG}: error: {line}", file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# Argument types: a bad value is a usage error (exit 2) naming the flag and what is allowed
# ---------------------------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer; got {text!r}")
    return value


def _replicates(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 2; got {text!r}") from None
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be an integer >= 2; got {text!r}")
    return value


def _size(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Repeated bargaining between unequal parties: run studies, plot, reproduce. "
        f"Without a command, runs the default study ({DEFAULT_STUDY}).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def executor_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--executor", choices=EXECUTORS, default="processes",
            help="where tasks run: serial, local processes (default) or a Dask cluster",
        )  # fmt: skip
        p.add_argument(
            "--workers", type=_positive_int, default=None, metavar="N",
            help="worker processes for --executor processes (default: all cores)",
        )  # fmt: skip
        p.add_argument(
            "--scheduler", default=None, metavar="ADDRESS",
            help="Dask scheduler address for --executor dask, e.g. tcp://10.0.0.5:8786 "
            "(without it, a local Dask cluster of --workers processes is started)",
        )  # fmt: skip

    run = sub.add_parser(
        "run", help="run a study into a run folder",
        description="Run a study: validate it, run every sweep cell and replicate, write the "
        "tables, summary, figures and report. Starting the same command again on an "
        "interrupted run resumes it.",
    )  # fmt: skip
    run.add_argument("config", metavar="CONFIG", help=CONFIG_HELP)
    run.add_argument(
        "--out", type=Path, default=None, metavar="DIR", help="run folder (default: runs/<study>)"
    )
    executor_options(run)
    run.add_argument(
        "--replicates", type=_replicates, default=None, metavar="N",
        help="replicates per sweep cell (default: the study's own)",
    )  # fmt: skip
    run.add_argument(
        "--memory-budget", type=_size, default=None, metavar="SIZE",
        help="refuse a run whose estimated memory exceeds SIZE, e.g. 8G (default: this "
        "machine's memory); raise it to run a study the estimate refuses",
    )  # fmt: skip
    run.add_argument(
        "--disk-budget", type=_size, default=None, metavar="SIZE",
        help="refuse a run whose estimated disk use exceeds SIZE, e.g. 20G (default: the free "
        "space where the run folder goes)",
    )  # fmt: skip
    run.set_defaults(handler=_cmd_run)

    validate = sub.add_parser(
        "validate", help="check a study file without running it",
        description="Validate a study file (schema, strategies with their parameters, every "
        "sweep cell, null cells, comparisons) and print its estimated size and any warnings.",
    )  # fmt: skip
    validate.add_argument("config", metavar="CONFIG", help=CONFIG_HELP)
    validate.set_defaults(handler=_cmd_validate)

    plot = sub.add_parser(
        "plot", help="redraw the figures of a finished run",
        description="Redraw figures/ of a finished run from its rounds.parquet.",
    )  # fmt: skip
    plot.add_argument("run_dir", metavar="RUN_DIR", type=Path, help="a run folder")
    plot.set_defaults(handler=_cmd_plot)

    report = sub.add_parser(
        "report", help="rewrite the summary and report of a finished run",
        description="Recompute summary/ and rewrite report.md of a finished run.",
    )  # fmt: skip
    report.add_argument("run_dir", metavar="RUN_DIR", type=Path, help="a run folder")
    report.set_defaults(handler=_cmd_report)

    repro = sub.add_parser(
        "reproduce", help="re-run the studies and compare with results/",
        description="Re-run studies of experiments/ at their CI size and compare their "
        "summary/ with results/<study>/summary/ within each study's tolerance (outside "
        "a checkout: the studies and results shipped with bargainlab). Exit status 1 and a "
        "table of differences when anything drifted.",
    )  # fmt: skip
    repro.add_argument("studies", nargs="*", metavar="STUDY", help="study names (default: all)")
    repro.add_argument(
        "--update", action="store_true", help="replace results/<study>/ with the new outputs"
    )
    executor_options(repro)
    repro.set_defaults(handler=_cmd_reproduce)

    bench = sub.add_parser(
        "bench", help="measure throughput on the standard workload",
        description="Time the stage game on the standard workload (100 price levels, 100 "
        "steps, a Boulware buyer against a Conceder seller) and print offers per second.",
    )  # fmt: skip
    bench.add_argument(
        "--replicates", type=_positive_int, default=None, metavar="N", help="batch size"
    )
    bench.add_argument("--json", action="store_true", help="print the measurements as JSON")
    bench.set_defaults(handler=_cmd_bench)
    _add_power_command(sub, executor_options)
    return parser


# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------


def _cmd_run(args: argparse.Namespace) -> int:
    path = resolve_study_path(args.config)
    with size_budget(memory=args.memory_budget, disk=args.disk_budget):
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
    store, _ = check_run_folder(args.run_dir)
    with store.lock(field=None):
        figures = regenerate_outputs(args.run_dir, summary=False, figures=True, report=False)
        store.record_figures([str(f.relative_to(args.run_dir)) for f in figures])
    for f in figures:
        print(f)
    if not figures:
        print("no figures were made")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    store, _ = check_run_folder(args.run_dir)
    regenerate_outputs(args.run_dir, summary=True, figures=False, report=True)
    print(store.report_path)
    return 0


def _cmd_reproduce(args: argparse.Namespace) -> int:
    return reproduce(
        args.studies,
        executor=args.executor,
        workers=args.workers,
        scheduler=args.scheduler,
        update=args.update,
    )


def _cmd_bench(args: argparse.Namespace) -> int:
    argv: list[str] = []
    if args.replicates is not None:
        argv += ["--replicates", str(args.replicates)]
    if args.json:
        argv.append("--json")
    return int(bench_main(argv) or 0)


# ---------------------------------------------------------------------------------------------
# Power and sample size
# ---------------------------------------------------------------------------------------------


def _add_power_command(sub: argparse._SubParsersAction, executor_options) -> None:
    power = sub.add_parser(
        "power", help="estimate the replicates each comparison needs, from a pilot",
        description="Run a pilot of the study (N replicates per cell, in a temporary folder) "
        "and print, per cell and comparison, the sd of the paired differences in the headline "
        "window, the replicates that decide an effect of the study's sesoi with the study's "
        "power at the adjusted level, and which rows stay undetermined at the study's size.",
    )  # fmt: skip
    power.add_argument(
        "config", metavar="CONFIG", help="study file, or the name of a study in experiments/"
    )
    power.add_argument(
        "--pilot", type=_replicates, default=100, metavar="N",
        help="replicates per cell in the pilot (default: 100)",
    )  # fmt: skip
    executor_options(power)
    power.set_defaults(handler=_cmd_power)


def _cmd_power(args: argparse.Namespace) -> int:
    path = resolve_study_path(args.config)
    loaded = load_study(path)
    study, axes = loaded.study, loaded.study.sweep_axes
    with tempfile.TemporaryDirectory(prefix="bargainlab-pilot-") as folder:
        run = run_study(
            path,
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
        f"analysis: headline family of {family.describe()}, intervals at level "
        f"1 - {spec.alpha:g}/{family.m}; at {study.replicates} replicates an effect is decided "
        f"with {spec.power:.0%} power once |effect| >= {factor:.3g} x the sd of its paired "
        f"differences; sesoi {spec.sesoi:g} (`bargainlab power` estimates the sd from a pilot)"
    )
