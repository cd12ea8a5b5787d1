"""The grammar of the ``bargainlab`` command line: its commands, their arguments and help.

:func:`build_parser` declares every command and its options; what a command does is in
:mod:`bargainlab.cli.commands`, which hands it one handler per command. A bad flag value is
a usage error (exit status 2) naming the flag and what is allowed, raised by the argument
types here before any command starts.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from pathlib import Path

from .._version import __version__
from ..experiments.budget import parse_duration, parse_size
from ..experiments.executors import EXECUTORS

DEFAULT_STUDY = "rebate_renewal"
"""The study ``bargainlab`` runs without a command."""
CONFIG_HELP = "study file, or the name of a study (in ./experiments/ or shipped with bargainlab)"
"""Help of a command's ``CONFIG`` argument."""
PROG = "bargainlab"
"""The program's name in usage lines and messages."""

Handler = Callable[[argparse.Namespace], int]
"""What carries out a command: its parsed arguments -> the exit status."""


def _quoted(text: str) -> str:
    """A flag's value as the message quotes it: at most 40 characters (a value of thousands
    of digits would fill the screen)."""
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _positive_int(text: str) -> int:
    """An integer >= 1 (``--workers``, ``bench --replicates``)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a positive integer; got {_quoted(text)}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer; got {_quoted(text)}")
    return value


def _replicates(text: str) -> int:
    """An integer >= 2, as a study's replicates must be (``--replicates``, ``--pilot``)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 2; got {_quoted(text)}") from None
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be an integer >= 2; got {_quoted(text)}")
    return value


def _size(text: str) -> int:
    """A size in bytes, e.g. ``8G`` (``--memory-budget``, ``--disk-budget``; see
    :func:`~bargainlab.experiments.budget.parse_size`)."""
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _duration(text: str) -> float:
    """A duration in seconds, e.g. ``12h`` (``--time-budget``; see
    :func:`~bargainlab.experiments.budget.parse_duration`)."""
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser(handlers: Mapping[str, Handler]) -> argparse.ArgumentParser:
    """The parser of the whole command line. ``handlers`` maps each command (``run``,
    ``validate``, ``plot``, ``report``, ``reproduce``, ``bench``, ``power``, ``strategies``,
    ``trace``) to the function
    that carries it out, which parsing stores as ``args.handler``."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Repeated bargaining between unequal parties: run studies, plot, reproduce. "
        f"Without a command, runs the default study ({DEFAULT_STUDY}).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_run_command(sub, handlers["run"])
    _add_validate_command(sub, handlers["validate"])
    _add_folder_commands(sub, handlers["plot"], handlers["report"])
    _add_reproduce_command(sub, handlers["reproduce"])
    _add_bench_command(sub, handlers["bench"])
    _add_power_command(sub, handlers["power"])
    _add_strategies_command(sub, handlers["strategies"])
    _add_trace_command(sub, handlers["trace"])
    return parser


def _executor_options(p: argparse.ArgumentParser) -> None:
    """``--executor``, ``--workers`` and ``--scheduler``: where a command's tasks run."""
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


def _outcome_options(p: argparse.ArgumentParser) -> None:
    """``--quiet`` and ``--json``: what a command prints once a run's outputs are written."""
    shown = p.add_mutually_exclusive_group()
    shown.add_argument(
        "--quiet", action="store_true",
        help="print only the paths (run folder, key figure, report), one 'name: path' line "
        "each, and no progress",
    )  # fmt: skip
    shown.add_argument(
        "--json", action="store_true",
        help="print one JSON object instead (study, paths, bottom_line, verdict_counts, "
        "headline rows); no progress",
    )  # fmt: skip


def _add_run_command(sub: argparse._SubParsersAction, handler: Handler) -> None:
    """``bargainlab run CONFIG``: the study, the folder, the executor, the size budgets."""
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
    _executor_options(run)
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
    run.add_argument(
        "--time-budget", type=_duration, default=None, metavar="DURATION",
        help="refuse a run whose simulation is estimated to take longer than DURATION on "
        "the cores its workers use, e.g. 12h or 3d (default: 24h)",
    )  # fmt: skip
    run.add_argument(
        "--overwrite", action="store_true",
        help="replace what the run folder holds (a run of this study, of an edited one or of "
        "another study) and run from scratch, instead of resuming it or refusing a changed "
        "study; a folder that is not a run folder is still refused",
    )  # fmt: skip
    _outcome_options(run)
    run.set_defaults(handler=handler)


def _add_validate_command(sub: argparse._SubParsersAction, handler: Handler) -> None:
    """``bargainlab validate CONFIG``."""
    validate = sub.add_parser(
        "validate", help="check a study file without running it",
        description="Validate a study file (schema, strategies with their parameters, every "
        "sweep cell, null cells, comparisons) and print its estimated size and any warnings.",
    )  # fmt: skip
    validate.add_argument("config", metavar="CONFIG", help=CONFIG_HELP)
    validate.set_defaults(handler=handler)


def _add_folder_commands(
    sub: argparse._SubParsersAction, plot_handler: Handler, report_handler: Handler
) -> None:
    """``bargainlab plot RUN_DIR`` and ``bargainlab report RUN_DIR``: the commands that
    rewrite the outputs of a finished run."""
    plot = sub.add_parser(
        "plot", help="redraw the figures of a finished run",
        description="Redraw figures/ of a finished run from its rounds.parquet.",
    )  # fmt: skip
    plot.add_argument("run_dir", metavar="RUN_DIR", type=Path, help="a run folder")
    plot.set_defaults(handler=plot_handler)

    report = sub.add_parser(
        "report", help="rewrite the summary and report of a finished run",
        description="Recompute summary/ and rewrite report.md of a finished run.",
    )  # fmt: skip
    report.add_argument("run_dir", metavar="RUN_DIR", type=Path, help="a run folder")
    _outcome_options(report)
    report.set_defaults(handler=report_handler)


def _add_reproduce_command(sub: argparse._SubParsersAction, handler: Handler) -> None:
    """``bargainlab reproduce [STUDY ...]``."""
    repro = sub.add_parser(
        "reproduce", help="re-run the studies and compare with results/",
        description="Re-run studies of experiments/ at their CI size (printing each one's "
        "time and the total) and compare their summary/ with results/<study>/summary/ within "
        "each study's tolerance (outside a checkout: the studies and results shipped with "
        "bargainlab). Exit status 1 and a table of differences when anything drifted; the "
        "drifted run folder is kept, with its figures and report, and named.",
    )  # fmt: skip
    repro.add_argument("studies", nargs="*", metavar="STUDY", help="study names (default: all)")
    repro.add_argument(
        "--update", action="store_true", help="replace results/<study>/ with the new outputs"
    )
    _executor_options(repro)
    repro.set_defaults(handler=handler)


def _add_bench_command(sub: argparse._SubParsersAction, handler: Handler) -> None:
    """``bargainlab bench`` (its options are passed on to :mod:`bargainlab.cli.bench`)."""
    bench = sub.add_parser(
        "bench", help="measure throughput on the standard workload",
        description="Time the stage game on the standard workload (100 price levels, 100 "
        "steps, a Boulware buyer against a Conceder seller) and print offers per second.",
    )  # fmt: skip
    bench.add_argument(
        "--replicates", type=_positive_int, default=None, metavar="N", help="batch size"
    )
    bench.add_argument("--json", action="store_true", help="print the measurements as JSON")
    bench.set_defaults(handler=handler)


def _add_power_command(sub: argparse._SubParsersAction, handler: Handler) -> None:
    """``bargainlab power CONFIG [--pilot N]``."""
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
    _executor_options(power)
    power.set_defaults(handler=handler)


def _add_strategies_command(sub: argparse._SubParsersAction, handler: Handler) -> None:
    """``bargainlab strategies [--json]``."""
    strategies = sub.add_parser(
        "strategies", help="list the strategies a study can name, with their parameters",
        description="List every strategy a study file can name (the library's, installed "
        "plugins' and those registered by running code): what it does, its parameters with "
        "their types and defaults, and its flags (the facts that hold at the defaults).",
    )  # fmt: skip
    strategies.add_argument("--json", action="store_true", help="print one JSON object")
    strategies.set_defaults(handler=handler)


def _add_trace_command(sub: argparse._SubParsersAction, handler: Handler) -> None:
    """``bargainlab trace RUN_DIR [--cell N] [--arm ARM] [--replicate N] [--round N]``."""
    trace = sub.add_parser(
        "trace", help="draw the offers of one negotiation of a run",
        description="Draw one negotiation of a finished run from its traces table (a study "
        "with traces = true): both sides' offers by step, the offers with the condition "
        "ringed, the agreement or exit marked, the cell and the condition named. Each of "
        "--cell, --arm, --replicate, --round and --channels left out is the first the table "
        "has (round 1, every channel on).",
    )  # fmt: skip
    trace.add_argument("run_dir", metavar="RUN_DIR", type=Path, help="a run folder")
    trace.add_argument("--cell", type=int, default=None, metavar="N", help="sweep cell index")
    trace.add_argument("--arm", default=None, metavar="ARM", help="the focal party's arm")
    trace.add_argument("--replicate", type=int, default=None, metavar="N", help="replicate id")
    trace.add_argument("--round", type=_positive_int, default=None, metavar="N", help="round")
    trace.add_argument(
        "--channels", default=None, metavar="VARIANT", help="channel variant (default: all)"
    )
    trace.add_argument(
        "--out", type=Path, default=None, metavar="FILE",
        help="the figure's file, .png or .svg (default: trace_<arm>_cell<N>_replicate<N>_"
        "round<N>.png in the current folder)",
    )  # fmt: skip
    trace.set_defaults(handler=handler)


__all__ = ["CONFIG_HELP", "DEFAULT_STUDY", "PROG", "Handler", "build_parser"]
