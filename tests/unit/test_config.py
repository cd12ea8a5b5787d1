"""Loading, validating and expanding study files (bargainlab.config.files)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bargainlab.config import files as config
from bargainlab.config.files import (
    ConfigError,
    expand,
    load_study,
    read_study_file,
    resolve_study_path,
)
from bargainlab.config.schema import StudySpec
from bargainlab.strategies import available
from studies import tiny_study_toml

STUDY = tiny_study_toml(
    textwrap.dedent(
        """\
        name = "tiny"
        replicates = 6
        seed = 3
        chunk = 4

        """
    ),
)


def error_of(tmp_path: Path, text: str) -> ConfigError:
    path = tmp_path / "study.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_study(path)
    assert info.value.file == str(path)
    return info.value


# ---- files -----------------------------------------------------------------------------------


def test_valid_study_loads(study_file, tmp_path):
    loaded = load_study(study_file(STUDY, folder=tmp_path))
    assert isinstance(loaded.study, StudySpec)
    assert loaded.study.name == "tiny"
    assert loaded.source == STUDY.encode()
    assert len(loaded.cells) == 1 and loaded.cells[0].values == {}


def test_missing_file(study_file, tmp_path):
    with pytest.raises(ConfigError, match="no such file") as info:
        read_study_file(tmp_path / "nope.toml")
    assert info.value.file.endswith("nope.toml")


def test_directory(study_file, tmp_path):
    with pytest.raises(ConfigError, match="is a directory"):
        read_study_file(tmp_path)


def test_not_utf8(study_file, tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('name = "caf\u00e9"\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        read_study_file(path)


@pytest.mark.parametrize("text", ["", "   \n\n", "# only a comment\n"])
def test_empty(study_file, tmp_path, text):
    with pytest.raises(ConfigError, match=r"empty|no keys"):
        read_study_file(study_file(text, folder=tmp_path))


def test_not_toml(study_file, tmp_path):
    with pytest.raises(ConfigError, match=r"not valid TOML.*line 1"):
        read_study_file(study_file("name = \n", folder=tmp_path))


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + STUDY.encode())
    assert load_study(path).study.name == "tiny"


# ---- validation messages ---------------------------------------------------------------------


def test_out_of_range_names_field_value_and_bound(tmp_path):
    err = error_of(tmp_path, STUDY.replace('prefers = "low"', 'prefers = "low"\ndelta = 1.5'))
    assert err.field == "parties.dealer.delta"
    assert "less than or equal to 1" in err.message
    assert "1.5" in err.message
    assert "[0.0, 1.0]" in err.message
    assert str(err).startswith(f"{err.file}: parties.dealer.delta: ")


def test_wrong_type_names_allowed(tmp_path):
    err = error_of(tmp_path, STUDY.replace("replicates = 6", 'replicates = "many"'))
    assert err.field == "replicates"
    assert "'many'" in err.message and "an integer in [2, 10000000]" in err.message


def test_optional_field_says_it_may_be_left_out(tmp_path):
    err = error_of(tmp_path, STUDY.replace("chunk = 4", 'chunk = 4\n[issue]\nlevels = "many"'))
    assert err.field == "issue.levels"
    assert "allowed: an integer in [2, 100000] (or left out)" in err.message


def test_unknown_key_lists_allowed_keys(tmp_path):
    err = error_of(tmp_path, STUDY.replace('prefers = "high"', 'prefers = "high"\nstrenght = 1'))
    assert err.field == "parties.supplier.strenght"
    assert "unknown key 'strenght'" in err.message
    assert "outside_option" in err.message and "delta" in err.message


def test_unknown_top_level_key(tmp_path):
    err = error_of(tmp_path, "colour = 1\n" + STUDY)
    assert err.field == "colour"
    assert "replicates" in err.message


def test_unknown_strategy_lists_registered_names(tmp_path):
    err = error_of(
        tmp_path, STUDY.replace('name = "time_dependent"\n\n[arms]', 'name = "telepath"\n\n[arms]')
    )
    assert err.field == "strategies.supplier.name"
    assert "telepath" in err.message
    for name in available():
        assert name in err.message


def test_bad_strategy_parameter_names_it(tmp_path):
    err = error_of(tmp_path, STUDY.replace("params = { e = 0.2 }", "params = { e = -1 }"))
    assert err.field == "arms.strategies.boulware.params.e"
    assert "[0, 1000]" in err.message


def test_literal_lists_choices(tmp_path):
    err = error_of(tmp_path, STUDY.replace('prefers = "low"', 'prefers = "middle"'))
    assert err.field == "parties.dealer.prefers"
    assert "'high' or 'low'" in err.message and "middle" in err.message


def test_union_error_is_one_message(tmp_path):
    err = error_of(tmp_path, STUDY.replace("reservation_value = 0.2", 'reservation_value = "low"'))
    assert len(err.problems) == 1
    assert err.field == "parties.dealer.reservation_value"
    assert "a number in [0.0, 1.0]" in err.message and "{low, high}" in err.message


def test_union_picks_the_meant_alternative(tmp_path):
    err = error_of(tmp_path, STUDY.replace("{ low = 0.1, high = 0.4 }", "{ low = 0.1 }"))
    assert err.problems == [
        ("parties.supplier.reservation_value.high", "required field is missing")
    ]


def test_model_level_error_gets_its_field(tmp_path):
    err = error_of(tmp_path, STUDY.replace('party = "dealer"', 'party = "broker"'))
    assert err.field == "arms.party"
    assert "supplier, dealer" in err.message


def test_several_problems_are_all_reported(tmp_path):
    text = STUDY.replace("replicates = 6", "replicates = 1").replace("seed = 3", "seed = -1")
    err = error_of(tmp_path, text)
    assert {f for f, _ in err.problems} == {"replicates", "seed"}
    assert len(str(err).splitlines()) == 2


def test_replicates_override_is_validated(study_file, tmp_path):
    path = study_file(STUDY, folder=tmp_path)
    assert load_study(path, replicates=9).study.replicates == 9
    with pytest.raises(ConfigError) as info:
        load_study(path, replicates=1)
    assert info.value.field == "replicates"


# ---- sweeps ----------------------------------------------------------------------------------

SWEEP = STUDY + textwrap.dedent(
    """
    [sweep]
    "rounds.rho" = [0.0, 0.5]
    "parties.dealer.outside_option" = [0.0, 0.1, 0.2]
    "strategies.supplier.params.e" = [1, 3]
    """
)


def test_sweep_is_cartesian_product_in_file_order(study_file, tmp_path):
    loaded = load_study(study_file(SWEEP, folder=tmp_path))
    cells = loaded.cells
    assert len(cells) == 12
    assert [c.index for c in cells] == list(range(12))
    # The last axis varies fastest.
    assert cells[0].values == {
        "rounds.rho": 0.0,
        "parties.dealer.outside_option": 0.0,
        "strategies.supplier.params.e": 1,
    }
    assert cells[1].values["strategies.supplier.params.e"] == 3
    assert cells[2].values["parties.dealer.outside_option"] == 0.1
    assert cells[6].values["rounds.rho"] == 0.5
    for cell in cells:
        assert cell.study.sweep == {}
        assert cell.study.rounds.rho == cell.values["rounds.rho"]
        assert (
            cell.study.parties["dealer"].outside_option
            == cell.values["parties.dealer.outside_option"]
        )
        # params did not exist in the file: the sweep created the table
        assert cell.study.strategies["supplier"].params == {
            "e": cell.values["strategies.supplier.params.e"]
        }
        # everything else is untouched
        assert cell.study.parties["supplier"] == loaded.study.parties["supplier"]


def test_expand_from_spec_matches_file(study_file, tmp_path):
    loaded = load_study(study_file(SWEEP, folder=tmp_path))
    from_spec = expand(loaded.study)
    assert [c.study for c in from_spec] == [c.study for c in loaded.cells]


def test_sweep_of_a_whole_prior(study_file, tmp_path):
    text = (
        STUDY + '\n[sweep]\n"parties.dealer.reservation_value" = [0.1, {low = 0.0, high = 0.3}]\n'
    )
    cells = load_study(study_file(text, folder=tmp_path)).cells
    assert cells[0].study.parties["dealer"].reservation_value == 0.1
    assert cells[1].study.parties["dealer"].reservation_value.high == 0.3


@pytest.mark.parametrize(
    ("axis", "needle"),
    [
        ("rounds.rhoo", "rounds has no field 'rhoo'"),
        ("parties.broker.delta", "parties has no entry 'broker'"),
        ("rounds.rho.x", "single value"),
        ("gamma", "the study has no field 'gamma'"),
        ("seed", "cannot be swept"),
        ("replicates", "cannot be swept"),
        ("rounds..rho", "an axis is a dotted path such as rounds.rho"),
        ("parties.dealer.schedule.0", "parties.dealer.schedule is not set, so the path cannot"),
        ("parties.dealer.reservation_value.low", "reservation_value is a single value"),
        ("reputation.types.firm", "reputation.types has no entry 'firm'; entries: (none)"),
    ],
)
def test_bad_axis_is_an_error_naming_it(tmp_path, axis, needle):
    err = error_of(tmp_path, STUDY + f'\n[sweep]\n"{axis}" = [1, 2]\n')
    assert err.field == f'sweep."{axis}"'
    assert needle in err.message


def test_axis_into_a_list_needs_the_item(tmp_path):
    text = STUDY.replace(
        'party = "dealer"', 'party = "dealer"\ncomparisons = [["conceder", "boulware"]]'
    )
    err = error_of(
        tmp_path, text + '\n[sweep]\n"arms.comparisons.1" = [["boulware", "conceder"]]\n'
    )
    assert err.field == 'sweep."arms.comparisons.1"'
    assert err.message == "arms.comparisons has no item 1"


def test_bad_sweep_value_names_field_and_cell(tmp_path):
    err = error_of(tmp_path, STUDY + '\n[sweep]\n"rounds.rho" = [0.5, 1.5]\n')
    assert err.field == "rounds.rho"
    assert "1.5" in err.message and "sweep cell 1" in err.message


def test_unquoted_sweep_axis_gets_a_hint(tmp_path):
    err = error_of(tmp_path, STUDY + "\n[sweep]\nrounds.rho = [0.5]\n")
    assert err.field == "sweep"
    assert '"rounds.rho"' in err.message


def test_list_of_grids_is_a_union_of_products(study_file, tmp_path):
    text = STUDY.replace("[strategies.supplier]", "[rounds]\nrho = 0.25\n\n[strategies.supplier]")
    text += textwrap.dedent(
        """
        [[sweep]]
        "rounds.rho" = [0.0, 0.5]
        "strategies.supplier.params.e" = [1, 3]

        [[sweep]]
        "parties.dealer.outside_option" = [0.1]
        """
    )
    cells = load_study(study_file(text, folder=tmp_path)).cells
    assert len(cells) == 5
    assert [c.index for c in cells] == list(range(5))
    assert cells[1].values == {
        "rounds.rho": 0.0,
        "strategies.supplier.params.e": 3,
        "parties.dealer.outside_option": 0.0,  # the study's own value (the default)
    }
    last = cells[4]
    assert last.study.parties["dealer"].outside_option == 0.1
    assert last.values["rounds.rho"] == 0.25  # from the file
    assert last.values["strategies.supplier.params.e"] == 1.0  # the strategy's default
    assert last.study.strategies["supplier"].params == {}


def test_empty_axis(tmp_path):
    err = error_of(tmp_path, STUDY + '\n[sweep]\n"rounds.rho" = []\n')
    assert err.field == "sweep" and "no values" in err.message


# ---- study names -----------------------------------------------------------------------------


def test_bare_name_resolves_to_experiments(study_file, tmp_path):
    (tmp_path / "experiments").mkdir()
    target = study_file(STUDY, name="tiny.toml", folder=tmp_path / "experiments")
    assert resolve_study_path("tiny", tmp_path / "experiments") == target
    assert resolve_study_path("some/file.toml", tmp_path / "experiments") == Path("some/file.toml")


def test_bare_name_falls_back_to_packaged(study_file, tmp_path, monkeypatch):
    packaged = tmp_path / "data"
    packaged.mkdir()
    target = study_file(STUDY, name="tiny.toml", folder=packaged)
    monkeypatch.setattr(config, "packaged_studies", lambda: packaged)
    assert resolve_study_path("tiny", tmp_path / "experiments") == target


def test_unknown_name_lists_known_studies(study_file, tmp_path):
    (tmp_path / "experiments").mkdir()
    study_file(STUDY, name="tiny.toml", folder=tmp_path / "experiments")
    with pytest.raises(ConfigError, match=r"known studies: .*tiny"):
        resolve_study_path("tinny", tmp_path / "experiments")


# ---- reputation and designs ------------------------------------------------------------------

REPUTATION = textwrap.dedent(
    """\

    [reputation]
    holder = "supplier"
    prior = { soft = 0.5, firm = 0.5 }
    [reputation.types.soft]
    name = "capitulator"
    [reputation.types.firm]
    name = "boulware"
    """
)


def with_learning_supplier(text: str) -> str:
    return text.replace('name = "time_dependent"\n\n[arms]', 'name = "learner"\n\n[arms]')


def test_reputation_model_validates(tmp_path):
    loaded = load_study(_write(tmp_path, with_learning_supplier(STUDY) + REPUTATION))
    labels, policies, prior = loaded.study.reputation.ordered()
    assert labels == ("soft", "firm") and prior == (0.5, 0.5)
    assert [p.name for p in policies] == ["capitulator", "boulware"]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ("prior = { soft = 0.5, firm = 0.4 }", "reputation", ["sum to 1", "0.9"]),
        ("prior = { soft = 1.0 }", "reputation", ["a probability for each type", "firm"]),
        ("prior = { soft = 1.5, firm = -0.5 }", "reputation.prior", ["soft"]),
    ],
)
def test_reputation_prior_must_be_a_distribution_over_the_types(tmp_path, change, field, words):
    text = with_learning_supplier(STUDY) + REPUTATION.replace(
        "prior = { soft = 0.5, firm = 0.5 }", change
    )
    err = error_of(tmp_path, text)
    assert err.field.startswith(field)
    for word in words:
        assert word in str(err)


def test_reputation_policy_must_be_registered(tmp_path):
    text = with_learning_supplier(STUDY) + REPUTATION.replace(
        'name = "boulware"', 'name = "mind_reader"'
    )
    err = error_of(tmp_path, text)
    assert err.field == "reputation.types.firm.name"
    assert "mind_reader" in err.message and "capitulator" in err.message


def test_reputation_holder_must_learn(tmp_path):
    err = error_of(tmp_path, STUDY + REPUTATION)
    assert "does not learn" in str(err)


def test_lookahead_out_of_range_names_the_parameter(tmp_path):
    text = with_learning_supplier(STUDY).replace(
        'name = "learner"\n\n[arms]', 'name = "learner"\nparams = { lookahead = 3 }\n\n[arms]'
    )
    err = error_of(tmp_path, text)
    assert err.field == "strategies.supplier.params.lookahead"
    assert "0 or 1" in err.message


def test_treatment_rounds_is_all_or_a_number_with_a_continuation(tmp_path):
    assert load_study(_write(tmp_path, STUDY)).study.arms.treatment_rounds == "all"
    err = error_of(tmp_path, STUDY.replace("[arms]\n", "[arms]\ntreatment_rounds = 1\n", 1))
    assert "continuation" in str(err)
    text = STUDY.replace(
        "[arms]\n", '[arms]\ntreatment_rounds = 1\ncontinuation = { name = "linear" }\n', 1
    )
    assert load_study(_write(tmp_path, text)).study.arms.treatment_rounds == 1


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "study.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_change_needs_what_and_why(tmp_path):
    err = error_of(tmp_path, STUDY + '\n[[changes]]\nwhat = "Standing policies."\n')
    assert "changes" in str(err) and "why" in str(err)
    err = error_of(tmp_path, STUDY + '\n[[changes]]\nwhat = ""\nwhy = "x"\n')
    assert "what" in str(err)
