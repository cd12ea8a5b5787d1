"""A misspelt name is met with the nearest allowed ones (issue 20, item 7): unknown
strategies, strategy parameters, study-file keys and study names say "did you mean ...?"
before the list of what is allowed; a name close to nothing gets no guess."""

from __future__ import annotations

import pytest

from bargainlab.config.errors import ConfigError
from bargainlab.config.files import load_study, resolve_study_path
from bargainlab.experiments.runstore import toml_dumps
from bargainlab.strategies import available, create
from bargainlab.support.validation import did_you_mean
from conftest import study_dict


def test_the_nearest_allowed_values_or_nothing():
    assert did_you_mean("boulwre", ["boulware", "conceder"]) == " (did you mean 'boulware'?)"
    assert did_you_mean("xyzzy", ["boulware", "conceder"]) == ""
    assert did_you_mean(3, ["boulware"]) == ""
    many = did_you_mean("linea", ["linear", "linear1", "linear2", "linear3"])
    assert many.count("'") == 6  # at most three guesses


def test_an_unknown_strategy_and_parameter_get_a_guess():
    misspelt = "hardlinr"
    assert "hardliner" in available()
    with pytest.raises(ValueError, match=r"unknown strategy 'hardlinr' \(did you mean 'hardliner'"):
        create(misspelt)
    with pytest.raises(ValueError, match=r"no parameter 'p_mx' \(did you mean 'p_max'"):
        create("boulware", p_mx=0.9)


def test_an_unknown_key_of_a_study_file_gets_a_guess(tmp_path):
    raw = study_dict()
    raw["replicats"] = raw.pop("replicates")
    path = tmp_path / "study.toml"
    path.write_text(toml_dumps(raw), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_study(path)
    assert "unknown key 'replicats' (did you mean 'replicates'?)" in str(err.value)


def test_an_unknown_study_name_gets_a_guess(tmp_path):
    (tmp_path / "rebate_renewal.toml").write_text("")
    with pytest.raises(ConfigError) as err:
        resolve_study_path("rebate_renewl", tmp_path)
    assert "(did you mean 'rebate_renewal'?)" in str(err.value)
