"""How much narrower the max-T intervals are than Bonferroni's, on finished run folders.

For each run folder: every decided row (families ``effect`` and ``survival``) gets its max-T
interval as the summary makes it (:func:`bargainlab.analysis.decisions.decide`) and the
Bonferroni interval the summary made before max-T: the same cell's bootstrap-t from the same
seeded stream with ``(tail + 1) m / alpha`` resamples, at level ``1 - alpha/m``
(:func:`bargainlab.analysis.inference.interval_and_p` with the family's ``m``). Both are
clipped to ``[-1, 1]`` as the summary does. Printed per study and family: rows, ``m``, the
median and the 10th / 90th percentiles of the ratio of widths (max-T over Bonferroni) over
the rows both bound, the share of rows narrower under max-T, and the verdicts that differ.

Run: ``python benchmarks/compare_intervals.py RUN_DIR [RUN_DIR ...] [--json]`` (run folders
made by ``bargainlab run``; nothing in them is written).
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd

from bargainlab.analysis.decisions import decide
from bargainlab.analysis.effects import cell_arms, effect_rows
from bargainlab.analysis.inference import (
    critical_count,
    interval_and_p,
    paired_bootstrap,
    resamples_needed,
    row_generator,
    verdicts,
)
from bargainlab.experiments.outputs import StoredCells, check_run_folder

KEYS = {
    "effects": ["cell", "treatment", "control", "window"],
    "survival": ["cell", "treatment", "control"],
}
FAMILY_PART = {"effect": "effects", "survival": "survival"}


def bonferroni(tables: StoredCells, study) -> dict[str, pd.DataFrame]:
    """Every decided row's Bonferroni interval and verdict, by part."""
    spec = study.analysis
    pairs = study.arms.pairs()
    cells = {}
    for c in tables.rounds_by_cell():
        block = tables.replicates(c)
        cells[c] = effect_rows(block, pairs, cell_arms(block)[1])
    sizes: dict[str, int] = {}
    for rows in cells.values():
        for row in rows:
            sizes[row.family] = sizes.get(row.family, 0) + 1
    out: dict[str, list[dict]] = {"effects": [], "survival": []}
    for cell, rows in cells.items():
        rows = [r for r in rows if r.family in FAMILY_PART]
        if not rows:
            continue
        m = np.array([sizes[r.family] for r in rows])
        resamples = max(resamples_needed(int(k), spec.alpha, spec.resamples, spec.tail) for k in m)
        tests = paired_bootstrap(
            np.column_stack([r.diffs for r in rows]),
            np.column_stack([r.members for r in rows]),
            resamples=resamples,
            rng=row_generator(study.seed, "bootstrap", cell),
            keep=max(critical_count(spec.alpha, int(k), resamples) for k in m) + 1,
        )
        result = interval_and_p(tests, m, spec.alpha)
        low, high = np.maximum(result["ci_low"], -1.0), np.minimum(result["ci_high"], 1.0)
        verdict = verdicts(low, high, spec.sesoi)
        for j, row in enumerate(rows):
            part = FAMILY_PART[row.family]
            key = {k: row.key[k] for k in KEYS[part]}
            out[part].append(
                {**key, "bonf_low": low[j], "bonf_high": high[j], "bonf_verdict": verdict[j]}
            )
    return {p: pd.DataFrame(r) for p, r in out.items() if r}


def compare(path: str) -> list[dict]:
    """Per family of the run at ``path``: the width ratios and differing verdicts."""
    store, loaded = check_run_folder(path)
    study = loaded.study
    tables = StoredCells(store, {c.index: c.study.rounds.count for c in loaded.cells})
    maxt = decide(tables, study)
    old = bonferroni(tables, study)
    found = []
    for family, part in FAMILY_PART.items():
        if part not in maxt or part not in old:
            continue
        both = maxt[part].merge(old[part], on=KEYS[part], validate="one_to_one")
        width = both["ci_high"] - both["ci_low"]
        bonf = both["bonf_high"] - both["bonf_low"]
        finite = np.isfinite(width) & np.isfinite(bonf) & (bonf > 0)
        ratio = (width[finite] / bonf[finite]).to_numpy()
        found.append(
            {
                "study": study.name,
                "family": family,
                "rows": len(both),
                "m": int(both["m"].iloc[0]),
                "bounded_rows": int(finite.sum()),
                "median_width_ratio": round(float(np.median(ratio)), 3) if ratio.size else None,
                "p10_width_ratio": round(float(np.quantile(ratio, 0.1)), 3) if ratio.size else None,
                "p90_width_ratio": round(float(np.quantile(ratio, 0.9)), 3) if ratio.size else None,
                "share_narrower": round(float(np.mean(ratio < 1)), 3) if ratio.size else None,
                "verdicts_differ": int((both["verdict"] != both["bonf_verdict"]).sum()),
                "decided_maxt": int((both["verdict"] != "undetermined").sum()),
                "decided_bonferroni": int((both["bonf_verdict"] != "undetermined").sum()),
            }
        )
    return found


def main() -> None:
    """Compare every run folder given and print a Markdown table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = [r for path in args.runs for r in compare(path)]
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(
        "| study | family | rows | width, max-T / Bonferroni: median [p10, p90] "
        "| rows narrower | rows decided, max-T / Bonferroni |"
    )
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['study']} | {r['family']} | {r['rows']} | {r['median_width_ratio']:.2f} "
            f"[{r['p10_width_ratio']:.2f}, {r['p90_width_ratio']:.2f}] | "
            f"{r['share_narrower']:.0%} | {r['decided_maxt']} / {r['decided_bonferroni']} |"
        )


if __name__ == "__main__":
    main()
