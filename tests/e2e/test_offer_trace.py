"""The offers of one negotiation (issue 20, item 11): from a loaded run
(``Run.plot_trace``) and from the command line (``bargainlab trace``), drawn from the traces
table: both sides' offers by step, the offers with the condition ringed, the agreement
marked, the negotiation and the condition named; legible; a clear message for a run without
traces or a negotiation the table does not have."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

import bargainlab
from bargainlab.cli.commands import main
from conftest import study_dict
from legibility import problems

pytestmark = pytest.mark.slow

CONDITION = {"holder": "dealer", "value": 0.1, "cost": 0.0, "fallback": 0.0}


@pytest.fixture(scope="module")
def traced(tmp_path_factory):
    """A small two-cell run with traces and a compensation condition the face-saver uses."""
    raw = study_dict(
        traces=True,
        rounds={"count": 2},
        condition=CONDITION,
        arms__strategies={"face_saver": {"name": "face_saver"}, "holdout": {"name": "holdout"}},
        sweep={"rounds.rho": [0.0, 0.5]},
    )
    folder = tmp_path_factory.mktemp("traced") / "run"
    return bargainlab.run_study(raw, folder, executor="serial", progress=False)


def _one(traces, **keys):
    rows = traces
    for key, value in keys.items():
        rows = rows[rows[key] == value]
    return rows.sort_values("step")


def test_a_loaded_run_draws_one_negotiation_from_its_traces(traced):
    traces = traced.traces
    assert traces is not None and len(traces)  # a traces dataset folder is read
    conditional = traces[traces["conditional"] & (traces["response"] == "accept")]
    pick = conditional.iloc[0]
    keys = {k: pick[k] for k in ("cell", "arm", "replicate", "round")}
    fig = traced.plot_trace(**keys)
    rows = _one(traces[traces["channels"] == "all"], **keys)
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    for side, party in enumerate(traced.study.party_names):
        own = rows[rows["proposer"] == side]
        line = lines[f"{party}'s offers"]
        np.testing.assert_array_equal(line.get_xdata(), own["step"])
        np.testing.assert_array_equal(line.get_ydata(), own["offer"])
    marks = {c.get_label(): c.get_offsets() for c in ax.collections}
    ringed = rows[rows["conditional"]]
    np.testing.assert_array_equal(marks["offer with the condition"][:, 0], ringed["step"])
    agreed = [label for label in marks if label.startswith("agreement: ")]
    assert len(agreed) == 1 and agreed[0].endswith("with the condition")
    last = rows.iloc[-1]
    assert tuple(marks[agreed[0]][0]) == (last["step"], last["offer"])
    title = " ".join(ax.get_title(loc="left").split())
    label = traced.cells.set_index("cell").loc[pick["cell"], "label"]
    assert f"arm {pick['arm']}, replicate {pick['replicate']}, round {pick['round']}" in title
    assert label in title and "condition held by dealer: worth 0.1" in title
    assert "accepted" in title
    FigureCanvasAgg(fig)
    assert not problems(fig, "trace")


def test_by_default_the_first_negotiation_and_a_clear_message_for_a_missing_one(traced):
    fig = traced.plot_trace()
    title = " ".join(fig.axes[0].get_title(loc="left").split())
    assert "arm face_saver, replicate 0, round 1, channels all; cell 0" in title
    with pytest.raises(ValueError, match=r"arm: 'face_savr' .*did you mean 'face_saver'"):
        traced.plot_trace(arm="face_savr")
    with pytest.raises(ValueError, match=r"replicate: 99 .*present: 0, 1, 2, 3"):
        traced.plot_trace(replicate=99)


def test_the_command_line_writes_the_figure_and_refuses_clearly(traced, tmp_path, capsys):
    out = tmp_path / "one.png"
    argv = ["trace", str(traced.path), "--arm", "holdout", "--replicate", "2", "--out", str(out)]
    assert main(argv) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["trace", str(traced.path), "--arm", "holdot"]) == 2
    err = capsys.readouterr().err
    assert "--arm" in err and "did you mean 'holdout'" in err and "Traceback" not in err
    plain = bargainlab.run_study(
        study_dict(rounds={"count": 1}), tmp_path / "plain", executor="serial", progress=False
    )
    assert main(["trace", str(plain.path)]) == 2
    assert "traces = true" in capsys.readouterr().err
