"""Sweep benchmark: a whole study run from the command line, at several replicate counts and
numbers of workers.

Run: ``python benchmarks/bench_sweep.py [--study face_saving_sweep] [--replicates 25 100]
[--workers 1 2] [--executor processes] [--json]``.

Each run is a fresh ``bargainlab run`` in its own process and a new temporary folder. For each
it prints the wall time, the seconds of each phase (from the manifest's ``timings``), the
relationship-rounds simulated per second of simulation and of wall time, and the peak
resident memory of the parent and of the processes that ran tasks (from the manifest's
``memory``). ``--workers 1`` with ``--executor serial`` measures the single-process engine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bargainlab.config.files import load_study, resolve_study_path


def one_run(study: str, replicates: int, workers: int, executor: str) -> dict:
    path = resolve_study_path(study)
    size = load_study(path, replicates=replicates).size
    assert size is not None
    with tempfile.TemporaryDirectory(prefix="bargainlab-bench-") as tmp:
        out = Path(tmp) / "run"
        command = [
            sys.executable, "-m", "bargainlab", "run", str(path), "--out", str(out),
            "--replicates", str(replicates), "--executor", executor,
        ]  # fmt: skip
        if executor != "serial":
            command += ["--workers", str(workers)]
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        wall = time.perf_counter() - start
        manifest = json.loads((out / "manifest.json").read_text())
    timings = manifest.get("timings", {})
    memory = manifest.get("memory", {})
    return {
        "study": manifest["study"],
        "replicates": replicates,
        "executor": executor,
        "workers": workers,
        "tasks": manifest["tasks"],
        "wall_s": round(wall, 2),
        "timings_s": timings,
        "relationship_rounds": size.relationship_rounds,
        "relationship_rounds_per_s_simulating": round(
            size.relationship_rounds / max(timings.get("simulate", wall), 1e-9)
        ),
        "relationship_rounds_per_s_wall": round(size.relationship_rounds / wall),
        "parent_peak_mb": round(memory.get("parent", 0) / 2**20),
        "task_peak_mb": round(memory.get("tasks", memory.get("parent", 0)) / 2**20),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--study", default="face_saving_sweep")
    parser.add_argument("--replicates", type=int, nargs="+", default=[25, 100])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--executor", default="processes", choices=["serial", "processes", "dask"])
    parser.add_argument("--json", action="store_true", help="one JSON line per run")
    args = parser.parse_args()
    for replicates in args.replicates:
        for workers in args.workers:
            executor = "serial" if args.executor == "serial" else args.executor
            result = one_run(args.study, replicates, workers, executor)
            if args.json:
                print(json.dumps(result), flush=True)
                continue
            phases = ", ".join(f"{k} {v:.1f} s" for k, v in result["timings_s"].items())
            print(
                f"{result['study']} x {replicates} replicates, {executor} x {workers}: "
                f"{result['wall_s']:.1f} s wall ({phases}); "
                f"{result['relationship_rounds_per_s_simulating']:,} relationship-rounds/s "
                f"simulating, {result['relationship_rounds_per_s_wall']:,}/s overall; peak "
                f"memory parent {result['parent_peak_mb']} MB, tasks {result['task_peak_mb']} MB",
                flush=True,
            )


if __name__ == "__main__":
    main()
