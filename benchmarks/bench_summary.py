"""Post-processing against simulation: runs of face_saving_sweep at several sizes and the main
job (rebate_renewal), each timed phase by phase in its own manifest.

For each run: the seconds of ``simulate``, ``summarize``, ``figures`` and ``report`` (wall
time, recorded by the pipeline) of the whole job, that is the study's run and, for a study
with ``[robustness]``, its second seed's run (``robustness/``, whose phases are simulate and
summarize: it draws no figure); post-processing (summarize + figures + report) over
simulation and summarize over simulation, against the targets 0.35 and 0.25, for the whole
job and (``first_seed_*``) for the first seed's run alone; then how the
summary grows with replicates: the exponent ``log(t2 / t1) / log(n2 / n1)`` of summarize's
seconds between consecutive sizes of face_saving_sweep (at most 1: at most linear). Both
phases of a run are timed in the same run, so a shared machine's load affects both; the
figures are still one run each.

Run: ``python benchmarks/bench_summary.py [--replicates 25 400 1000] [--workers N]
[--no-main-job] [--keep DIR] [--json]``. A run folder kept from an earlier call (``--keep``)
is not simulated again: its manifest's timings are read as they are.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import tempfile
from pathlib import Path

from bargainlab.experiments.pipeline import run_study

SWEEP = "face_saving_sweep"
MAIN_JOB = "rebate_renewal"
POST_TARGET = 0.35
SUMMARY_TARGET = 0.25
PHASES = ("simulate", "assemble", "summarize", "figures", "report")


def _phases(manifest: dict) -> dict[str, float]:
    """A run folder's phase seconds (0 for a phase it did not record)."""
    return {p: float(manifest.get("timings", {}).get(p, 0.0)) for p in PHASES}


def _ratios(t: dict[str, float], prefix: str = "") -> dict:
    """Post-processing and summarize over simulation, and whether they meet the targets."""
    post = t["summarize"] + t["figures"] + t["report"]
    return {
        f"{prefix}post_over_simulate": round(post / t["simulate"], 3),
        f"{prefix}summarize_over_simulate": round(t["summarize"] / t["simulate"], 3),
        f"{prefix}post_ok": post / t["simulate"] <= POST_TARGET,
        f"{prefix}summarize_ok": t["summarize"] / t["simulate"] <= SUMMARY_TARGET,
    }


def timed_run(study: str, replicates: int | None, folder: Path, workers: int | None) -> dict:
    """One job's phase timings, ratios and peak memory (from its manifests): the whole job
    (the study's run and its second seed's) and the first seed's run alone."""
    out = folder / f"{study}-{replicates or 'default'}"
    run = run_study(study, out, replicates=replicates, workers=workers, progress=False)
    manifest = json.loads((run.path / "manifest.json").read_text())
    first = _phases(manifest)
    second_path = run.path / "robustness" / "manifest.json"
    second = _phases(json.loads(second_path.read_text())) if second_path.is_file() else None
    whole = {p: first[p] + (second[p] if second else 0.0) for p in PHASES}
    memory = manifest.get("memory", {})
    return {
        "study": study,
        "replicates": int(manifest["replicates"]),
        "second_seed": second is not None,
        **{f"{p}_s": round(whole[p], 3) for p in PHASES},
        **_ratios(whole),
        **{f"first_seed_{p}_s": round(first[p], 3) for p in PHASES},
        **_ratios(first, "first_seed_"),
        "parent_peak_bytes": memory.get("parent"),
        "task_peak_bytes": memory.get("tasks"),
    }


def growth(runs: list[dict]) -> list[dict]:
    """Summarize's growth exponent between consecutive sizes of the sweep."""
    sweep = sorted((r for r in runs if r["study"] == SWEEP), key=lambda r: r["replicates"])
    steps = []
    for a, b in itertools.pairwise(sweep):
        exponent = math.log(b["summarize_s"] / a["summarize_s"]) / math.log(
            b["replicates"] / a["replicates"]
        )
        steps.append(
            {
                "from": a["replicates"],
                "to": b["replicates"],
                "summarize_exponent": round(exponent, 3),
                "simulate_exponent": round(
                    math.log(b["simulate_s"] / a["simulate_s"])
                    / math.log(b["replicates"] / a["replicates"]),
                    3,
                ),
                "at_most_linear": exponent <= 1.0,
            }
        )
    return steps


def main() -> None:
    """Run the sizes asked for and print the table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicates", type=int, nargs="+", default=[25, 400, 1000])
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--no-main-job", action="store_true")
    parser.add_argument("--keep", type=Path, default=None, help="keep (and reuse) run folders")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-summary-") as scratch:
        folder = args.keep or Path(scratch)
        jobs = [(SWEEP, n) for n in args.replicates]
        if not args.no_main_job:
            jobs.append((MAIN_JOB, None))
        runs = [timed_run(study, n, folder, args.workers) for study, n in jobs]
    result = {"runs": runs, "growth": growth(runs)}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for r in runs:
        print(
            f"{r['study']:>18} {r['replicates']:>6} reps: simulate {r['simulate_s']:8.1f} s, "
            f"summarize {r['summarize_s']:7.1f} s ({r['summarize_over_simulate']:.2f}x, "
            f"target {SUMMARY_TARGET}), post-processing {r['post_over_simulate']:.2f}x "
            f"(target {POST_TARGET}); first seed alone {r['first_seed_summarize_over_simulate']:.2f}x"
            f" and {r['first_seed_post_over_simulate']:.2f}x"
        )
    for g in result["growth"]:
        print(
            f"summarize {g['from']} -> {g['to']} replicates: grows as n^"
            f"{g['summarize_exponent']:.2f} (simulate n^{g['simulate_exponent']:.2f})"
        )


if __name__ == "__main__":
    main()
