"""Hostile study files: everything a run will need is checked when the study is loaded.

One test per case of the hostile-input report that validation accepted and a run then crashed
on or got wrong (the end-to-end cases are in tests/e2e/test_faults.py).
"""

from __future__ import annotations

import math
import os
import signal
from pathlib import Path

import pytest

import bargainlab.config.sweep
from bargainlab.config.errors import show
from bargainlab.config.files import MAX_DEPTH, ConfigError, load_study, read_study_file
from bargainlab.config.paths import file_stem
from bargainlab.config.size import human_bytes
from bargainlab.config.sweep import MAX_CELLS
from bargainlab.experiments.budget import check_size, parse_duration, size_budget
from bargainlab.experiments.runstore import toml_dumps
from bargainlab.experiments.translate import channel_variants
from studies import study_dict


def refused(**overrides) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_study(study_dict(**overrides))
    return info.value


# ---- 1. accepted, then crashing after the whole simulation -----------------------------------


def test_null_cell_naming_an_unknown_field_is_refused():
    err = refused(null_cells=[{"where": {"rounds.nope": 1}, "reason": "x"}])
    assert err.field == "null_cells.0.where"
    assert "'rounds.nope' is neither a sweep axis nor a field" in err.message


def test_null_cell_on_a_sweep_axis_or_a_study_field_is_accepted():
    loaded = load_study(
        study_dict(
            sweep={"rounds.rho": [0.0, 0.5]},
            null_cells=[{"where": {"rounds.rho": 0.0, "game.horizon": 6}, "reason": "x"}],
        )
    )
    assert loaded.warnings == []


def test_null_cell_matching_no_cell_is_a_warning():
    loaded = load_study(
        study_dict(
            sweep={"rounds.rho": [0.0, 0.5]},
            null_cells=[{"where": {"rounds.rho": 0.7}, "reason": "x"}],
        )
    )
    assert any("null_cells.0.where" in w and "no cell matches" in w for w in loaded.warnings)


def test_null_cell_comparison_must_be_a_comparison_of_the_study():
    err = refused(null_cells=[{"where": {}, "comparison": ["conceder", "boulware"], "reason": "x"}])
    assert err.field == "null_cells.0.comparison"
    assert "['boulware', 'conceder']" in err.message


def test_tournament_axis_must_be_swept():
    err = refused(tournament={"opponent_axis": "rounds.rho"})
    assert err.field == "tournament.opponent_axis" and "sweep axes" in err.message


def test_arm_label_with_a_slash_is_a_safe_file_name():
    arms = {"a/b": {"name": "time_dependent"}, "../c": {"name": "time_dependent"}}
    load_study(study_dict(arms__strategies=arms))  # labels are free text
    for label in ["a/b_vs_../c", "../c", "..", "", "ç", "x" * 300, "a\\b"]:
        stem = file_stem(label)
        assert stem and "/" not in stem and "\\" not in stem and not stem.startswith(".")
        assert len(stem) <= 90
    assert file_stem("face_saver_vs_plain_concession") == "face_saver_vs_plain_concession"
    assert file_stem("a/b") != file_stem("a_b")  # a hash keeps different labels apart


@pytest.mark.parametrize("label", ["", "x" * 65, "tab\there", "new\nline"])
def test_labels_must_be_short_printable_text(label):
    err = refused(arms__strategies={label: {"name": "time_dependent"}, "b": {"name": "linear"}})
    assert "arm label" in err.message


def test_infinite_issue_bound_is_refused():
    err = refused(issue={"low": 0.0, "high": math.inf})
    assert err.field == "issue.high" and "finite" in err.message


# ---- 2. accepted, and wrong ------------------------------------------------------------------


def test_huge_issue_range_is_refused():
    err = refused(issue={"low": -1e308, "high": 1e308})
    assert {f for f, _ in err.problems} == {"issue.low", "issue.high"}
    assert "1000000000000" in err.message


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("parties__dealer__delta", True),
        ("parties__dealer__outside_option", True),
        ("replicates", "6"),
        ("replicates", 6.0),
        ("game__horizon", True),
        ("parties__supplier__reservation_value", {"low": True, "high": 0.4}),
        ("behaviour", {"outcome": False}),
        ("channels", {"precedent": 1}),
    ],
)
def test_types_are_strict(path, value):
    err = refused(**{path: value})
    assert "valid" in err.message, err.message


# ---- 3. tracebacks instead of exit 2 ---------------------------------------------------------


@pytest.mark.parametrize(
    ("strategy", "params", "field"),
    [
        ("face_saver", {"condition": "no"}, "condition"),
        ("time_dependent", {"e": "abc"}, "e"),
        ("time_dependent", {"e": [1, 2]}, "e"),
        ("learner", {"step": {"a": 1}}, "step"),
        ("time_dependent", {"e": True}, "e"),
        ("face_saver", {"last_resort": 1}, "last_resort"),
    ],
)
def test_strategy_parameter_of_the_wrong_type_is_a_config_error(strategy, params, field):
    err = refused(arms__strategies__boulware={"name": strategy, "params": params})
    assert err.field == f"arms.strategies.boulware.params.{field}"


def test_deep_nesting_is_refused_without_recursion(tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "{a = " * 500 + "1" + "}" * 500 + "\n")
    with pytest.raises(ConfigError, match="nested too deeply"):
        read_study_file(path)
    nested: dict = {"v": 1}
    for _ in range(MAX_DEPTH + 5):
        nested = {"a": nested}
    with pytest.raises(ConfigError, match="nested more than"):
        load_study(study_dict(arms__strategies__boulware__params=nested))


def test_long_study_name_is_refused():
    err = refused(name="a" * 10_000)
    assert err.field == "name" and "{0,63}" in err.message


# ---- 4. no size check ------------------------------------------------------------------------


def test_size_is_estimated():
    size = load_study(study_dict(replicates=10_000_000, chunk=10_000_000)).size
    assert size.cells == 1 and size.tasks == 1
    assert size.relationship_rounds == 2 * 10_000_000  # 2 arms x 1 round
    assert size.rows == 2 * size.relationship_rounds
    assert size.task_memory > 100 * 2**30  # a task of ten million replicates does not fit
    # one task: a second worker would have nothing to hold
    assert size.memory(2) == size.memory(1) > size.task_memory - 1
    assert "relationship-rounds" in size.describe(2)
    many = load_study(study_dict(replicates=100_000, chunk=100)).size
    assert many.tasks > 2 and many.memory(2) > many.memory(1)


def test_decomposition_and_rounds_count_in_the_estimate():
    plain = load_study(study_dict()).size
    decomposed = load_study(study_dict(channels={"decompose": True}, rounds={"count": 3})).size
    # three enabled channels by default: all + 3 x no_<channel> + none = 5 variants
    assert decomposed.relationship_rounds == plain.relationship_rounds * 5 * 3


def test_decomposing_named_channels_runs_one_variant_per_name():
    plain = load_study(study_dict(rounds={"count": 3})).size
    named = load_study(
        study_dict(channels={"decompose": ["information", "precedent"]}, rounds={"count": 3})
    )
    # all + no_information + no_precedent, and no all-off variant
    assert named.size.relationship_rounds == plain.relationship_rounds * 3
    assert named.study.channels.switched_off() == ("information", "precedent")
    assert not named.study.channels.all_off()
    variants = channel_variants(named.study.channels)
    assert list(variants) == ["all", "no_information", "no_precedent"]
    assert variants["no_precedent"].enabled() == ("information", "surplus")


@pytest.mark.parametrize(
    ("decompose", "message"),
    [
        ("yes", "must be true, false or a list of channel names"),
        ([1], "must be true, false or a list of channel names"),
        ([], "an empty list switches nothing off"),
        (["reputation"], "unknown channel(s) ['reputation']"),
        (["information", "information"], "names a channel twice"),
        (["subjective_value"], "channel(s) that are off"),
    ],
)
def test_a_bad_decomposition_list_is_refused(decompose, message):
    err = refused(channels={"decompose": decompose})
    assert err.field.startswith("channels")
    assert message in err.message


@pytest.mark.parametrize(
    "sweep",
    [
        {f"behaviour.{k}": [i / 100 for i in range(100)] for k in ("outcome", "face", "decay")},
        {
            f"behaviour.{k}": [i / 100 for i in range(20)]
            for k in ("outcome", "instant", "displayed", "face", "decay", "exit_base")
        },
    ],
)
def test_huge_grid_is_refused_before_any_cell_is_made(sweep, monkeypatch):
    made = []
    original = bargainlab.config.sweep.validate
    monkeypatch.setattr(
        bargainlab.config.sweep, "validate", lambda *a, **k: made.append(1) or original(*a, **k)
    )
    err = refused(sweep=sweep)
    assert err.field == "sweep" and f"at most {MAX_CELLS:,}" in err.message
    assert made == []


def test_cells_keep_only_their_values():
    loaded = load_study(study_dict(sweep={"rounds.rho": [0.0, 0.25, 0.5], "game.horizon": [3, 6]}))
    cells = loaded.cells
    assert [c.values for c in cells[:2]] == [
        {"rounds.rho": 0.0, "game.horizon": 3},
        {"rounds.rho": 0.0, "game.horizon": 6},
    ]
    assert all(c._study is None for c in cells)  # rebuilt on demand
    assert cells[5].study.rounds.rho == 0.5 and cells[5].study.game.horizon == 6
    assert cells[5].study is cells[5].study  # cached


def test_human_bytes():
    assert human_bytes(512) == "512 B"
    assert human_bytes(1536) == "1.5 KB"
    assert human_bytes(3 * 2**30) == "3.0 GB"


# ---- conditions whose fallback makes them pointless ------------------------------------------


def condition(**kw):
    base = {"holder": "dealer", "value": 0.1, "cost": {"low": 0.0, "high": 0.1}, "fallback": 0.0}
    return study_dict(condition={**base, **kw})


def test_fallback_at_the_obliged_partys_best_terms_is_refused():
    # the dealer (prefers low) holds it; the supplier (prefers high) is obliged: a fallback of
    # 1.0 is the supplier's best terms, so meeting the condition never pays
    with pytest.raises(ConfigError) as info:
        load_study(condition(fallback=1.0))
    assert info.value.field == "condition.fallback"
    assert "can never be met" in info.value.message and "(0.0)" in info.value.message


def test_fallback_plus_lowest_cost_above_one_is_refused():
    with pytest.raises(ConfigError, match="can never be met"):
        load_study(condition(fallback=0.8, cost={"low": 0.3, "high": 0.5}))
    load_study(condition(fallback=0.6, cost={"low": 0.3, "high": 0.5}))  # 0.9 < 1: legal


def test_fallback_at_the_holders_end_is_silent():
    assert load_study(condition(fallback=0.0)).warnings == []


def test_fallback_on_the_obliged_side_is_warned_about():
    warnings = load_study(condition(fallback=0.7)).warnings
    assert any("condition.fallback" in w and "rewards it" in w for w in warnings)


def test_condition_the_holder_never_concedes_enough_for_is_warned_about():
    loaded = load_study(
        condition(fallback=0.3, cost={"low": 0.2, "high": 0.3}),
        # the dealer never goes below 0.6: the supplier gets at most 0.4 < 0.3 + 0.2
    )
    assert loaded.warnings == []  # the dealer's reservation value is 0.2 in the base study
    warnings = load_study(
        {
            **condition(fallback=0.3, cost={"low": 0.2, "high": 0.3}),
            "parties": {
                **study_dict()["parties"],
                "dealer": {"prefers": "low", "reservation_value": 0.6},
            },
        }
    ).warnings
    assert any("likely never met" in w for w in warnings)


def test_free_condition_is_warned_about_unless_worthless():
    assert any("always met" in w for w in load_study(condition(cost=0.0)).warnings)
    assert load_study(condition(cost=0.0, value=0.0)).warnings == []


def test_warnings_are_summarised_over_sweep_cells():
    loaded = load_study(
        {**condition(), "sweep": {"condition.fallback": [0.0, 0.7, 0.8], "rounds.rho": [0, 0.5]}}
    )
    (line,) = [w for w in loaded.warnings if "rewards it" in w]
    assert "in 4 of 6 sweep cells, e.g. cell 2" in line


def test_committed_studies_have_no_warnings():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "experiments"
    for path in sorted(root.glob("*.toml")):
        assert load_study(path).warnings == [], path


def test_prior_without_mass_on_the_grid_is_refused():
    err = refused(parties__dealer__reservation_value={"mean": 0.505, "sd": 1e-9})
    assert "puts no mass" in err.message and "rounds.grid" in err.message


def test_lazy_cells_pickle_with_their_study():
    import pickle

    cell = load_study(study_dict(sweep={"rounds.rho": [0.0, 0.5]})).cells[1]
    copy = pickle.loads(pickle.dumps(cell))
    assert copy == cell and copy.study.rounds.rho == 0.5


# ---- issue 21: inputs that still raised ------------------------------------------------------


@pytest.fixture
def no_hang():
    """Turn a read that blocks (a named pipe) into a failure after 20 seconds."""

    def expired(signum, frame):
        raise AssertionError("blocked: the command waited instead of refusing at once")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def _file(tmp_path, text: str) -> Path:
    path = tmp_path / "study.toml"
    path.write_text(text, encoding="utf-8")
    return path


BASE_TOML = toml_dumps(study_dict(sweep={"rounds.rho": [0.0, 0.5]}))


@pytest.mark.parametrize(
    ("replace", "key", "digits"),
    [
        ("[game]\n", "game.breakdown", "5,000"),  # beyond Python's 4,300 digits: tomllib raised
        ("[game]\n", "game.breakdown", "6,021"),  # a hexadecimal literal parses; messages raised
        ('"rounds.rho" = [', 'sweep."rounds.rho"', "4,400"),  # a value of a sweep list
    ],
    ids=["decimal", "hexadecimal", "sweep list"],
)
def test_an_integer_too_long_for_python_names_its_key(tmp_path, replace, key, digits):
    literal = {"5,000": "9" * 5000, "6,021": "0x" + "f" * 5000, "4,400": "7" * 4400}[digits]
    insert = f"breakdown = {literal}\n" if key == "game.breakdown" else f"{literal}, "
    text = BASE_TOML.replace(replace, replace + insert, 1)
    assert text != BASE_TOML
    with pytest.raises(ConfigError) as info:
        load_study(_file(tmp_path, text))
    assert info.value.field == key
    assert f"an integer of about {digits} digits" in info.value.message
    assert len(str(info.value).splitlines()) == 1 and len(str(info.value)) < 300


def test_an_integer_too_large_in_a_study_given_as_a_dict_names_its_key():
    err = refused(sweep={"rounds.count": [2, 10**5000]})
    assert err.field == 'sweep."rounds.count"' and "digits" in err.message
    err = refused(seed=-(16**5000))
    assert err.field == "seed"


def test_the_error_formatter_shows_a_huge_integer_as_its_size():
    assert show(10**5000) == "an integer of about 5,001 digits"
    assert show([1, 10**5000]) == "a value too large to show"
    with pytest.raises(ConfigError) as info:
        load_study(study_dict(), replicates=10**5000)
    assert "an integer of about 5,001 digits" in info.value.message


@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_a_study_path_that_is_not_a_regular_file_is_refused_at_once(tmp_path, no_hang, kind):
    if kind == "fifo":
        path = tmp_path / "study.toml"
        os.mkfifo(path)  # nobody writes to it: opening it for reading used to block for ever
        expected = "is a named pipe, not a regular file"
    elif kind == "device":
        path = Path(os.devnull)
        expected = "is a character device, not a regular file"
    else:
        path = tmp_path
        expected = "is a directory"
    with pytest.raises(ConfigError) as info:
        read_study_file(path)
    assert expected in info.value.message


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"issue": {"name": "../../x/\u202e"}}, "issue.name"),
        ({"issue": {"unit": "a\nb# injected"}}, "issue.unit"),
        ({"issue": {"name": "price\u200b"}}, "issue.name"),
        ({"issue": {"unit": "per\u2028unit"}}, "issue.unit"),
        ({"analysis": {"labels": {"rounds.rho": "rho\t"}}}, "analysis.labels"),
        (
            {"null_cells": [{"where": {"rounds.rho": "0\u202e"}, "reason": "x"}]},
            "null_cells.0.where",
        ),
        ({"question": "Which is better, \u202ethe left or the right?"}, "question"),
        ({"changes": [{"what": "x\u0000", "why": "y"}]}, "changes.0.what"),
        ({"null_cells": [{"where": {}, "reason": "because\u2066"}]}, "null_cells.0.reason"),
    ],
)
def test_free_text_with_control_or_invisible_characters_is_refused(overrides, field):
    err = refused(sweep={"rounds.rho": [0.0, 0.5]}, **overrides)
    assert err.field == field, str(err)
    assert "control or invisible characters" in err.message
    assert "\u202e" not in str(err) and "\n" not in str(err)  # shown escaped, on one line


def test_line_breaks_in_prose_become_spaces():
    loaded = load_study(
        study_dict(
            question="Is it\n# injected\n\nbetter?",
            changes=[{"what": "one\r\ntwo", "why": "a\tb"}],
            null_cells=[{"where": {}, "reason": "first line\nsecond line"}],
        )
    )
    study = loaded.study
    assert study.question == "Is it # injected better?"
    assert (study.changes[0].what, study.changes[0].why) == ("one two", "a b")
    assert study.null_cells[0].reason == "first line second line"


def test_printable_names_are_kept_as_they_are():
    loaded = load_study(study_dict(issue={"name": "rebate (1–2 %)", "unit": "US$ / yr · €"}))
    assert (loaded.study.issue.name, loaded.study.issue.unit) == ("rebate (1–2 %)", "US$ / yr · €")


def test_treatment_rounds_beyond_the_rounds_are_refused():
    err = refused(
        rounds={"count": 3},
        arms__treatment_rounds=5,
        arms__continuation={"name": "time_dependent"},
    )
    assert err.field == "arms.treatment_rounds"
    assert "(5) is more than rounds.count (3)" in err.message
    ok = load_study(
        study_dict(
            rounds={"count": 3},
            arms__treatment_rounds=3,
            arms__continuation={"name": "time_dependent"},
        )
    )
    assert ok.study.arms.treatment_rounds == 3


def test_a_sweep_cell_whose_rounds_fall_below_the_treatment_is_refused():
    err = refused(
        rounds={"count": 4},
        arms__treatment_rounds=2,
        arms__continuation={"name": "time_dependent"},
        sweep={"rounds.count": [4, 1]},
    )
    assert "is more than rounds.count (1)" in err.message and "cell" in err.message


def test_an_arm_compared_with_itself_is_refused():
    err = refused(arms__comparisons=[["boulware", "boulware"]])
    assert err.field == "arms"
    assert "compares the arm 'boulware' with itself" in err.message


def test_a_run_that_cannot_finish_in_a_day_is_refused_whatever_the_workers(tmp_path):
    # the issue's study: 10 M replicates, 100,000 levels, horizon 10,000
    size = load_study(
        study_dict(
            replicates=10_000_000,
            chunk=500,
            issue={"levels": 100_000},
            game={"horizon": 10_000},
            rounds={"count": 2},
        )
    ).size
    assert size is not None
    for workers in (0, 1, 2):
        with pytest.raises(ConfigError) as info:
            check_size(size, tmp_path, workers=workers)
        assert "--time-budget" in info.value.message or "--memory-budget" in info.value.message
    with pytest.raises(ConfigError) as info:
        check_size(size, tmp_path, workers=1)
    message = info.value.message
    assert "the run needs an estimated" in message and "on 1 core(s)" in message
    assert "40,000,000 relationship-rounds" in message and "--time-budget" in message
    with size_budget(time="1000d"):
        check_size(size, tmp_path, workers=1)  # the flag overrides it


def test_the_time_estimate_counts_steps_and_cores():
    small = load_study(study_dict(game={"horizon": 10})).size
    long = load_study(study_dict(game={"horizon": 1000})).size
    assert small is not None and long is not None
    assert long.cpu_seconds > 10 * small.cpu_seconds
    assert long.seconds(4) == long.cpu_seconds / min(4, long.tasks)
    assert parse_duration("90m") == 5400 and parse_duration("1.5h") == 5400
    assert parse_duration("3d") == 3 * 86400 and parse_duration(45) == 45
    for bad in ("soon", "-1h", "0", "1e9999"):
        with pytest.raises(ValueError, match="duration"):
            parse_duration(bad)
