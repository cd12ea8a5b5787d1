"""An empirical game in a study file: the `[empirical_game]` table and its checks, the paired
seeds of its cells, its four summary parts from a replicates table with known equilibria, the
report's words read off the numbers, and the essay's game at the study's parameters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bargainlab.analysis.game_rows import game_contexts, game_parts
from bargainlab.analysis.parts import EQUILIBRIA, GAME, OPTION, REGRETS
from bargainlab.analysis.summary import Summary
from bargainlab.config.cells import SweepCells
from bargainlab.config.empirical import seed_cells
from bargainlab.config.files import ConfigError, load_study
from bargainlab.experiments.tasks import make_tasks, plan_tasks
from bargainlab.reporting.essay_match import essay_match
from bargainlab.reporting.game_report import game_answer, game_finding, game_section
from bargainlab.theory import essay_game
from studies import GAME_STUDY

STUDY = GAME_STUDY


def _load(tmp_path: Path, text: str = STUDY):
    path = tmp_path / "study.toml"
    path.write_text(text, encoding="utf-8")
    return load_study(path)


def _error(tmp_path: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, text)
    return info.value


# ---- the table and its checks ------------------------------------------------------------------
def test_the_conditional_strategies_default_to_the_arms_that_attach_the_condition(tmp_path):
    study = _load(tmp_path).study
    assert study.empirical_game.menu(study) == ["face_saver", "plain", "capitulator"]
    assert study.empirical_game.conditional_arms(study) == ["face_saver"]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            'opponent_axis = "strategies.dealer.params.kind"',
            "empirical_game.opponent_axis",
            "sweep axes",
        ),
        ('opponents = ["d0", "d1"]', "empirical_game.opponents", "2 distinct labels"),
        ("resamples = 200", "empirical_game.arms", "at least 2"),
        ("resamples = 200", "empirical_game.conditional", "some but not all"),
        ("resamples = 200", "empirical_game.arms", "distinct strategies among"),
    ],
)
def test_a_wrong_game_names_its_field(tmp_path, change, field, words):
    replacement = {
        "empirical_game.opponent_axis": 'opponent_axis = "rounds.count"',
        "empirical_game.opponents": 'opponents = ["d0", "d1", "d2"]',
    }
    extra = {
        "at least 2": 'resamples = 200\narms = ["face_saver"]',
        "some but not all": 'resamples = 200\nconditional = ["face_saver", "plain", "capitulator"]',
        "distinct strategies among": 'resamples = 200\narms = ["face_saver", "obstinate"]',
    }
    new = replacement.get(field, extra.get(words, change))
    err = _error(tmp_path, STUDY.replace(change, new))
    assert err.field == field and words in str(err)


def test_a_study_without_a_sweep_is_told_its_game_needs_one(tmp_path):
    text = STUDY.split("[sweep]")[0] + (
        '[empirical_game]\nopponent_axis = "strategies.dealer.params.kind"\n'
    )
    err = _error(tmp_path, text)
    assert err.field == "empirical_game.opponent_axis" and "the study has none" in str(err)


# ---- the cells of a game play the same draws --------------------------------------------------
def test_the_cells_of_a_game_share_their_replicates_keys(tmp_path):
    loaded = _load(tmp_path)
    cells = loaded.cells
    mapping = seed_cells(loaded.study, [c.index for c in cells], [c.values for c in cells])
    # cells: (rho 0.5, bayesian), (0.5, naive), (1.0, bayesian), (1.0, naive)
    assert mapping == {0: 0, 1: 0, 2: 2, 3: 2}
    plan = plan_tasks(cells, replicates=6, chunk=3)
    keys: dict[tuple[int, int], np.ndarray] = {}
    for task in make_tasks(cells, plan, root_seed=3, seed_cells=mapping):
        for unit in task.units:
            keys[(unit.cell, unit.chunk)] = unit.keys
    for chunk in (0, 1):
        np.testing.assert_array_equal(keys[(1, chunk)], keys[(0, chunk)])
        np.testing.assert_array_equal(keys[(3, chunk)], keys[(2, chunk)])
        assert not np.array_equal(keys[(2, chunk)], keys[(0, chunk)])
    without = {c.index: c.index for c in cells}
    alone = {
        (u.cell, u.chunk): u.keys
        for t in make_tasks(cells, plan, root_seed=3, seed_cells=without)
        for u in t.units
    }
    assert not np.array_equal(alone[(1, 0)], alone[(0, 0)])
    np.testing.assert_array_equal(alone[(0, 0)], keys[(0, 0)])


# ---- the parts, from a replicates table with known equilibria ---------------------------------
# supplier (rows face_saver, plain, capitulator) against dealer (columns d0, d1): face_saver
# dominates, and the dealer answers it with d0; without it plain dominates, answered with d1
A = np.array([[0.50, 0.40], [0.40, 0.35], [0.20, 0.25]])
B = np.array([[0.60, 0.40], [0.30, 0.50], [0.40, 0.60]])
LATER = np.array([[0.55, 0.45], [0.38, 0.33], [0.22, 0.28]])
DEALER_LATER = B + 0.05
ARMS = ["face_saver", "plain", "capitulator"]


def _replicates(cells: SweepCells, replicates: int = 50) -> pd.DataFrame:
    """Every cell's rows: means exactly the matrices above, centred noise per replicate."""
    rng = np.random.default_rng(0)
    rows = []
    for cell in cells.cells:
        j = 0 if cells.value(cell, "strategies.dealer.params.kind") == "bayesian" else 1
        for i, arm in enumerate(ARMS):
            noise = rng.normal(0.0, 0.02, size=(4, replicates))
            noise -= noise.mean(axis=1, keepdims=True)
            for r in range(replicates):
                rows.append(
                    {
                        "cell": cell, "channels": "all", "arm": arm, "replicate": r, "rounds": 3,
                        "payoff_whole": A[i, j] + noise[0, r],
                        "total_opponent": 3 * (B[i, j] + noise[1, r]),
                        "payoff_later": LATER[i, j] + noise[2, r],
                        "opponent_payoff_later": DEALER_LATER[i, j] + noise[3, r],
                    }
                )  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    loaded = _load(tmp_path_factory.mktemp("game"))
    cells = SweepCells.of(loaded.study, loaded.cells)
    return loaded.study, cells, game_parts(_replicates(cells), loaded.study, cells)


def test_one_game_per_context_in_cell_order(parts):
    study, cells, _ = parts
    contexts = game_contexts(study, cells)
    assert [(c.context, c.cells) for c in contexts] == [(0, (0, 1)), (1, (2, 3))]
    assert [c.values["rounds.rho"] for c in contexts] == [0.5, 1.0]


def test_the_payoff_table_holds_each_profiles_means(parts):
    _, _, frames = parts
    game = frames["game"]
    assert list(game.columns) == GAME.names and len(game) == 2 * 6
    first = game[game["context"] == 0].set_index(["supplier", "dealer"])
    for i, arm in enumerate(ARMS):
        for j, dealer in enumerate(["d0", "d1"]):
            row = first.loc[(arm, dealer)]
            assert row["supplier_payoff"] == pytest.approx(A[i, j], abs=1e-12)
            assert row["dealer_payoff"] == pytest.approx(B[i, j], abs=1e-12)
            assert row["supplier_later"] == pytest.approx(LATER[i, j], abs=1e-12)
            assert row["dealer_later"] == pytest.approx(DEALER_LATER[i, j], abs=1e-12)
            assert row["supplier_payoff_ci_low"] < A[i, j] < row["supplier_payoff_ci_high"]
            assert row["cell"] == j and row["n"] == 50


def test_the_equilibrium_is_face_saver_against_d0_with_its_later_payoffs(parts):
    _, _, frames = parts
    eqs = frames["equilibria"]
    assert list(eqs.columns[:2]) == ["context", "equilibrium"]
    assert list(eqs.columns[2:7]) == [
        "supplier:face_saver", "supplier:plain", "supplier:capitulator", "dealer:d0", "dealer:d1",
    ]  # fmt: skip
    assert len(eqs) == 2  # one per game
    for _, eq in eqs.iterrows():
        assert eq["supplier:face_saver"] == 1.0 and eq["dealer:d0"] == 1.0
        assert eq["supplier_later"] == pytest.approx(LATER[0, 0], abs=1e-12)
        assert eq["dealer_later"] == pytest.approx(DEALER_LATER[0, 0], abs=1e-12)
        assert bool(eq["pure"]) and not bool(eq["degenerate"]) and pd.isna(eq["reasons"])


def test_regrets_are_the_best_deviation_gains(parts):
    _, _, frames = parts
    reg = frames["regrets"][frames["regrets"]["context"] == 0].set_index(["supplier", "dealer"])
    assert reg.loc[("face_saver", "d0"), "regret"] == pytest.approx(0.0, abs=1e-12)
    assert bool(reg.loc[("face_saver", "d0"), "equilibrium"])
    # plain against d0: the supplier gains 0.5 - 0.4 by saving face; the dealer nothing
    assert reg.loc[("plain", "d0"), "supplier_regret"] == pytest.approx(0.1, abs=1e-12)
    # face_saver against d1: the dealer gains 0.6 - 0.4 by switching to d0
    assert reg.loc[("face_saver", "d1"), "dealer_regret"] == pytest.approx(0.2, abs=1e-12)


def test_the_option_is_the_later_payoff_with_minus_without(parts):
    _, _, frames = parts
    option = frames["option"]
    assert list(option.columns) == OPTION.names and len(option) == 4
    # with face_saver: (face_saver, d0); without: plain dominates, answered with d1
    for _, row in option.iterrows():
        assert row["option"] == "face_saver" and row["measure"] == "supplier_later"
        assert row["with_option"] == pytest.approx(LATER[0, 0], abs=1e-12)
        assert row["without_option"] == pytest.approx(LATER[1, 1], abs=1e-12)
        assert row["estimate"] == pytest.approx(LATER[0, 0] - LATER[1, 1], abs=1e-12)
        assert row["ci_low"] <= row["estimate"] <= row["ci_high"]
        assert row["dropped"] == 0


def test_the_parts_round_trip_through_their_files(parts, tmp_path):
    _, _, frames = parts
    summary = Summary.of(frames)
    assert summary.parts == ("game", "equilibria", "regrets", "option")
    summary.write(tmp_path)
    back = Summary.read(tmp_path)
    assert back.equals(summary)
    header = (tmp_path / "equilibria.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("context,equilibrium,supplier:face_saver,")
    for part in (GAME, EQUILIBRIA, REGRETS, OPTION):
        with pytest.raises(ValueError, match=part.name):
            part.check(frames[part.name].drop(columns=part.names[-1]))


# ---- the report reads its words off the numbers ------------------------------------------------
def _with_option(frames, low, high):
    option = frames["option"].assign(ci_low=low, ci_high=high)
    return Summary.of({**frames, "option": option})


@pytest.mark.parametrize(
    ("low", "high", "words"),
    [
        (0.05, 0.3, "is worth something to it"),
        (-0.3, -0.05, "costs it something"),
        (-0.005, 0.005, "is negligible"),
        (-0.05, 0.3, "is undetermined at this size"),
    ],
)
def test_the_answer_says_what_the_option_is_worth(parts, low, high, words):
    study, cells, frames = parts
    summary = _with_option(frames, low, high)
    answer = " ".join(game_answer(summary, study, cells))
    assert "saving face (face_saver) survives: the supplier plays it in every equilibrium" in answer
    assert f"the option {words}" in answer
    section = "\n".join(game_section(summary, study, cells))
    assert f"equilibrium the option {words}" in section
    assert "### Game 1 (rho: 0.5)" in section and "### Game 2 (rho: 1)" in section


def test_the_answer_says_when_saving_face_does_not_survive(parts):
    study, cells, frames = parts
    eqs = frames["equilibria"].assign(**{"supplier:face_saver": 0.0, "supplier:plain": 1.0})
    summary = Summary.of({**frames, "equilibria": eqs})
    assert "does not survive: no equilibrium found plays it" in " ".join(
        game_answer(summary, study, cells)
    )
    assert game_finding(summary).startswith(
        "Empirical game: the conditional strategy is played in 0 of 1, 0 of 1"
    )


# ---- the essay's game at the study's parameters ------------------------------------------------
def test_the_essay_parameters_map_from_the_study(parts):
    study, _, _ = parts
    match = essay_match(study)
    assert match is not None
    # bottom line uniform on [0, 0.5]: quartiles 0.125 and 0.375, paying at most 1 - theta
    expected = dict(
        b_low=0.625, b_high=0.875, p_high=0.5, value=0.15, cost=0.05, fallback=0.0, delta=1.0
    )
    assert match.parameters == pytest.approx(expected)
    grid = np.linspace(0, 1, 101)
    on, off = (essay_game(**expected, grid=grid, condition=c) for c in (True, False))
    round2 = [0.5 * g.round2["low"] + 0.5 * g.round2["high"] for g in (on, off)]
    assert match.option == pytest.approx(round2[0] - round2[1])
    section = "\n".join(game_section(Summary.of(parts[2]), study, parts[1]))
    assert "b_low = 0.625, b_high = 0.875" in section and "Why they may differ" in section


def test_the_essay_table_shows_the_models_play_with_and_without_the_condition(parts):
    study, cells, frames = parts
    params = essay_match(study).parameters
    grid = np.linspace(0, 1, 101)
    on, off = (essay_game(**params, grid=grid, condition=c) for c in (True, False))
    section = game_section(Summary.of(frames), study, cells)
    rows = {line.split(" | ")[0]: line.split(" | ") for line in section if line.startswith("| w")}
    for name, model in (("| with the condition", on), ("| without it", off)):
        row = rows[name]
        assert float(row[1]) == pytest.approx(model.demand1, abs=5e-4)
        assert row[2] in (model.answers["low"], f"{model.answers['low']} (low), ")
        assert float(row[-1].rstrip(" |")) == pytest.approx(model.dealer, abs=5e-4)
    gain = (on.dealer - off.dealer) / 2
    assert f"{gain:+.3f} per round to the dealer".replace("-", "\N{MINUS SIGN}") in "\n".join(
        section
    )


@pytest.mark.parametrize(
    ("low", "high", "words"),
    [
        (-0.005, 0.005, "which agrees with the model"),
        (0.05, 0.3, "which differs from the model"),
        (-0.3, -0.05, "which differs from the model"),
        (-0.05, 0.3, "which cannot be set against the model's at this size"),
    ],
)
def test_each_game_is_set_beside_the_models_option(parts, low, high, words):
    study, cells, frames = parts
    model = essay_match(study).option
    assert abs(model) < study.analysis.sesoi  # the model's option is negligible here
    section = "\n".join(game_section(_with_option(frames, low, high), study, cells))
    lines = [line for line in section.splitlines() if line.startswith("- Game ")]
    assert len(lines) == 2 and all(words in line for line in lines)


@pytest.mark.parametrize(("shift", "words"), [(0.05, "takes a share"), (-0.05, "does not gain")])
def test_the_dealers_gain_from_the_condition_is_read_off_the_matrices(parts, shift, words):
    study, cells, frames = parts
    game = frames["game"].copy()
    conditional = game["supplier"] == "face_saver"
    others = game.loc[~conditional].groupby("context")["dealer_payoff"].mean()
    # every conditional profile pays the dealer the others' mean plus the shift
    game.loc[conditional, "dealer_payoff"] = game.loc[conditional, "context"].map(others) + shift
    section = "\n".join(game_section(Summary.of({**frames, "game": game}), study, cells))
    lines = [line for line in section.splitlines() if line.startswith("- Game ")]
    expected = f"the dealers earn {shift:+.3f} per round more".replace("-", "\N{MINUS SIGN}")
    assert len(lines) == 2 and all(expected in line and words in line for line in lines)
