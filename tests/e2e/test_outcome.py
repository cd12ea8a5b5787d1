"""What `bargainlab run` and `bargainlab report` print (issue 20, item 1): the bottom line and
the headline table, then the paths; `--quiet` the paths alone; `--json` one object with the
documented fields, whose numbers are the summary's."""

from __future__ import annotations

import contextlib
import io
import json
import math

import pytest

import bargainlab
from bargainlab.cli.commands import main
from bargainlab.experiments.runstore import toml_dumps
from bargainlab.reporting.terminal import JSON_FIELDS
from conftest import study_dict

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A small two-cell study run through the command line, and the lines it printed (each
    test reads the run; none depends on another having run first)."""

    folder = tmp_path_factory.mktemp("outcome")
    path = folder / "study.toml"
    raw = study_dict(rounds={"count": 2}, sweep={"rounds.rho": [0.0, 0.5]})
    path.write_text(toml_dumps(raw), encoding="utf-8")
    out = folder / "run"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["run", str(path), "--out", str(out), "--executor", "serial"]) == 0
    return path, out, printed.getvalue().splitlines()


def test_run_prints_the_bottom_line_the_table_then_the_paths(finished):
    _, out, printed = finished
    run = bargainlab.load_run(out)
    head = run.headline()
    assert printed[0].startswith("Bottom line (dealer's payoff")
    for comparison in head["comparison"].unique():
        own = head[head["comparison"] == comparison]
        assert f"{comparison} {_verb(own['verdict'].iloc[0])}" in printed[0]
        assert f"of {len(own)} cells" in printed[0]
    header = next(i for i, line in enumerate(printed) if line.startswith("comparison"))
    assert printed[header].split() == [
        "comparison", "cell", "window", "estimate", "interval", "verdict",
    ]  # fmt: skip
    body = printed[header + 2 : header + 2 + len(head)]
    for line, row in zip(body, head.to_dict("records"), strict=True):
        assert row["label"] in line and line.rstrip().endswith(row["verdict"])
    assert printed[-3:] == [
        f"run folder: {out}",
        f"key figure: {out / 'figures' / 'forest.png'}",
        f"report:     {out / 'report.md'}",
    ] or printed[-4:-1] == [
        f"run folder: {out}",
        f"key figure: {out / 'figures' / 'forest.png'}",
        f"report:     {out / 'report.md'}",
    ]


def _verb(verdict: str) -> str:
    return {"negligible": "is negligible", "undetermined": "is undetermined"}.get(verdict, verdict)


def test_quiet_prints_only_the_paths(finished, capsys):
    _, out, _ = finished
    assert main(["report", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed and all(
        line.split(":", 1)[0] in ("run folder", "key figure", "report", "html page")
        for line in printed
    )


def test_json_is_one_object_with_the_documented_fields_and_the_summarys_numbers(finished, capsys):
    _, out, _ = finished
    assert main(["report", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == set(JSON_FIELDS)
    run = bargainlab.load_run(out)
    head = run.headline(detail=True)
    assert len(data["headline"]) == len(head)
    for row, expected in zip(data["headline"], head.to_dict("records"), strict=True):
        assert row["cell"] == expected["cell"] and row["verdict"] == expected["verdict"]
        for key, column in (("estimate", "mean_diff"), ("ci_low", "ci_low")):
            value = expected[column]
            assert (row[key] is None) if math.isnan(value) else row[key] == value
    counts = data["verdict_counts"]
    assert sum(sum(c.values()) for c in counts.values()) == len(head)
    assert data["run_folder"] == str(out) and data["key_figure"].endswith("forest.png")
    assert data["study"] == run.study.name
