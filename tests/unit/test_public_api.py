"""The package's public names, the lightness of ``import bargainlab``, readable results."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import bargainlab
from bargainlab.config.files import ConfigError
from bargainlab.engine.negotiation import NegotiationResult

PUBLIC = [
    "Issue",
    "PartyBatch",
    "Game",
    "negotiate",
    "Offer",
    "Strategy",
    "register",
    "create",
    "available",
    "theory",
    "run_study",
    "load_run",
    "load_study",
    "Run",
]
HEAVY = ["numpy", "pandas", "pyarrow", "matplotlib", "scipy", "pydantic", "dask", "distributed"]


def test_common_names_are_importable_from_the_package():
    from bargainlab import Game, Issue, PartyBatch, Run, Strategy, negotiate, run_study  # noqa: F401
    from bargainlab.engine.negotiation import negotiate as engine_negotiate
    from bargainlab.experiments.pipeline import run_study as pipeline_run_study
    from bargainlab.experiments.run import Run as RunClass

    assert negotiate is engine_negotiate and run_study is pipeline_run_study and Run is RunClass
    assert set(PUBLIC) <= set(bargainlab.__all__)
    assert set(PUBLIC) <= set(dir(bargainlab))
    assert bargainlab.theory.rubinstein(0.9, 0.9) == pytest.approx(1 / 1.9)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        bargainlab.nope  # noqa: B018


@pytest.mark.slow
def test_import_is_light_and_names_load_their_layer_on_first_use():
    script = (
        "import sys, json\n"
        f"heavy = {HEAVY!r}\n"
        "loaded = lambda: [m for m in heavy if m in sys.modules]\n"
        "import bargainlab\n"
        "stages = [loaded()]\n"
        "bargainlab.create('boulware')\n"
        "stages.append(loaded())\n"
        "print(json.dumps(stages))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    bare, engine = json.loads(out.stdout.strip().splitlines()[-1])
    assert bare == []
    # the engine and the strategies need NumPy, never matplotlib
    assert "numpy" in engine and "matplotlib" not in engine


def _result() -> NegotiationResult:
    n = 400
    seller = bargainlab.PartyBatch.build(n, reservation_value=np.linspace(0, 0.9, n), deadline=40)
    buyer = bargainlab.PartyBatch.build(n, reservation_value=0.3, deadline=40)
    game = bargainlab.Game(
        bargainlab.Issue(levels=100), (seller, buyer), horizon=40, first_mover=np.arange(n) % 2
    )
    return bargainlab.negotiate(
        game, (bargainlab.create("conceder"), bargainlab.create("boulware"))
    )


def test_a_negotiation_result_prints_as_a_short_summary():
    result = _result()
    n = result.n
    text = repr(result)
    lines = text.splitlines()
    assert lines[0] == "NegotiationResult: 400 negotiations"
    assert len(lines) == 5 and len(text) < 400
    assert f"agreement rate  {result.agreed.mean():.3f}" in text
    assert f"mean steps      {result.steps.mean():.2f}" in text
    u0, u1 = result.utility.mean(axis=0)
    assert f"party 0: {u0:.4f}, party 1: {u1:.4f}" in text
    counts = np.bincount(result.outcome, minlength=4)
    assert 0 < counts[0] < n and counts[1] == n - counts[0]
    assert f"outcomes        agreement {counts[0]:,}, deadline {counts[1]:,}" in text
    assert "[" not in text  # no arrays
    assert str(result) == text


def test_load_run_refuses_what_is_not_a_finished_run(tmp_path):
    with pytest.raises(ConfigError, match="no such run folder"):
        bargainlab.load_run(tmp_path / "missing")
    with pytest.raises(ConfigError, match="not a bargainlab run folder"):
        bargainlab.load_run(tmp_path)
    (tmp_path / "manifest.json").write_text("{}")
    (tmp_path / "config.toml").write_text('name = "x"\n')
    with pytest.raises(ConfigError, match="has not finished"):
        bargainlab.load_run(tmp_path)
