"""The strategy registry: the ``name`` contract, plugins from entry points, task overlays.

Plugins are installed for a test by writing a ``*.dist-info`` folder with an
``entry_points.txt`` next to a module, in a folder put on ``sys.path``: exactly what an
installed package looks like to :mod:`importlib.metadata`, without pip.
"""

from __future__ import annotations

import itertools
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest

from bargainlab.config.files import ConfigError, load_study
from bargainlab.strategies import (
    FACTS,
    Classifier,
    Strategy,
    TimeDependent,
    available,
    create,
    describe,
    get,
    register,
    registry,
)
from bargainlab.strategies.learner import KINDS

SPLIT = '''
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from bargainlab.strategies import Offer, Strategy, register


@dataclass(frozen=True)
class {cls}(Strategy):
    """Offers the midpoint; accepts anything worth {share}."""

    name: ClassVar[str] = "{name}"
    share: float = 0.5

    def propose(self, view, state, step):
        return Offer.plain(np.full(view.n, 0.5))

    def respond(self, view, state, step, offer):
        return self.accept_if(view, offer, np.full(view.n, self.share))
'''


@pytest.fixture
def clean_registry():
    """The registry's state as it is now, restored after the test."""
    with registry.isolated():
        yield


@pytest.fixture
def install(tmp_path, monkeypatch, clean_registry):
    """``install(dist, entry_points, modules)``: a fake installed distribution on sys.path."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    added: list[str] = []

    def make(dist: str, entry_points: str, modules: dict[str, str]) -> Path:
        info = site / f"{dist}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(
            "[bargainlab.strategies]\n" + textwrap.dedent(entry_points)
        )
        for name, text in modules.items():
            (site / f"{name}.py").write_text(text)
            added.append(name)
        return site

    yield make
    for name in added:
        sys.modules.pop(name, None)


# ---- the name contract ----------------------------------------------------------------------


def test_a_strategy_needs_its_own_class_level_name(clean_registry):
    @dataclass(frozen=True)
    class Nameless(Strategy):
        share: float = 0.5

    with pytest.raises(ValueError, match=r"name: ClassVar\[str\]"):
        register(Nameless)

    @dataclass(frozen=True)
    class NameAsField(Strategy):
        name: str = "as_field"  # type: ignore[misc]

    with pytest.raises(TypeError, match=r"dataclass field.*ClassVar\[str\] = 'as_field'"):
        register(NameAsField)


def test_register_refuses_a_second_class_under_a_taken_name(clean_registry):
    @dataclass(frozen=True)
    class Impostor(Strategy):
        name: ClassVar[str] = "boulware"

    with pytest.raises(ValueError, match="already registered as 'boulware'"):
        register(Impostor)
    assert get("boulware") is not Impostor
    register(TimeDependent)  # the same class again is harmless


# ---- plugins ----------------------------------------------------------------------------------


def test_a_plugin_class_is_found_lazily_by_name(install):
    install(
        "split-plugin",
        "split_difference = split_plugin:SplitDifference\n",
        {"split_plugin": SPLIT.format(cls="SplitDifference", name="split_difference", share=0.4)},
    )
    assert "split_plugin" not in sys.modules  # nothing imported until a name is missing
    strategy = create("split_difference", share=0.4)
    assert type(strategy).__module__ == "split_plugin"
    assert "split_difference" in available()
    assert "split-plugin 1.0" in registry.plugin_of("split_difference")
    assert registry.plugin_of("boulware") is None


def test_a_plugin_module_registers_its_strategies(install, study_file):
    module = SPLIT.format(cls="Midpoint", name="midpoint", share=0.5) + textwrap.dedent(
        """
        register(Midpoint)

        @register
        @dataclass(frozen=True)
        class Stubborn(Midpoint):
            name: ClassVar[str] = "stubborn"
            share: float = 0.9
        """
    )
    install("mid-plugin", "mid = mid_plugin\n", {"mid_plugin": module})
    assert {"midpoint", "stubborn"} <= set(available())
    # usable from a config by name (the config executes nothing itself)
    path = study_file(strategies__supplier={"name": "stubborn", "params": {"share": 0.8}})
    assert load_study(path).study.strategies["supplier"].name == "stubborn"


def test_a_broken_plugin_is_named_in_one_clear_message(install, study_file):
    install(
        "broken-plugin",
        "broken = broken_plugin:Broken\n",
        {"broken_plugin": "import no_such_dependency_anywhere\n"},
    )
    with pytest.raises(registry.PluginError) as info:
        get("broken")
    message = str(info.value)
    assert message.startswith("strategy plugin 'broken' (broken-plugin 1.0: broken_plugin:Broken)")
    assert "ModuleNotFoundError" in message and "no_such_dependency_anywhere" in message
    with pytest.raises(registry.PluginError) as again:  # the same message every time
        available()
    assert str(again.value) == message
    # a built-in name does not need the plugins
    assert create("boulware").e == 0.2
    # a config naming it gets a configuration error naming the plugin
    with pytest.raises(ConfigError, match="strategy plugin 'broken'"):
        load_study(study_file(strategies__supplier={"name": "broken"}))


@pytest.mark.parametrize(
    ("target", "module", "reason"),
    [
        ("not_a_strategy:VALUE", "VALUE = 3\n", "must name a Strategy subclass or a module"),
        ("not_a_strategy", "VALUE = 3\n", "registers no strategy"),
        (
            "not_a_strategy:Clash",
            SPLIT.format(cls="Clash", name="linear", share=0.5),
            "already registered as 'linear'",
        ),
    ],
)
def test_a_plugin_that_provides_no_usable_strategy_is_refused(install, target, module, reason):
    install("odd-plugin", f"odd = {target}\n", {"not_a_strategy": module})
    with pytest.raises(registry.PluginError, match=f"strategy plugin 'odd'.*{reason}"):
        available()


def test_an_unknown_name_lists_the_plugins_strategies_too(install):
    install(
        "split-plugin",
        "split_difference = split_plugin:SplitDifference\n",
        {"split_plugin": SPLIT.format(cls="SplitDifference", name="split_difference", share=0.5)},
    )
    with pytest.raises(ValueError, match=r"unknown strategy 'nope'.*split_difference"):
        get("nope")


def test_an_unknown_name_imports_no_plugin(install):
    install(
        "split-plugin",
        "split_difference = split_plugin:SplitDifference\n",
        {"split_plugin": SPLIT.format(cls="SplitDifference", name="split_difference", share=0.5)},
    )
    install("loud-plugin", "loud = loud_plugin:Loud\n", {"loud_plugin": "raise SystemExit(3)\n"})
    with pytest.raises(ValueError) as info:
        get("nope")
    # the installed names are listed, and no plugin was imported to list them
    assert "split_difference" in str(info.value) and "loud" in str(info.value)
    assert "split_plugin" not in sys.modules and "loud_plugin" not in sys.modules
    with pytest.raises(registry.PluginError, match=r"'loud' .*failed to load: SystemExit: 3"):
        get("loud")  # a plugin whose import exits is named, not obeyed


def test_a_name_loads_the_entry_points_of_that_name_only(install):
    install(
        "split-plugin",
        "split_difference = split_plugin:SplitDifference\n",
        {"split_plugin": SPLIT.format(cls="SplitDifference", name="split_difference", share=0.4)},
    )
    install(
        "broken-plugin",
        "broken = broken_plugin:Broken\n",
        {"broken_plugin": "raise RuntimeError('first line\\nsecond line')\n"},
    )
    assert create("split_difference", share=0.4).share == 0.4
    assert "broken_plugin" not in sys.modules  # another name's plugin is never imported
    with pytest.raises(registry.PluginError) as info:
        get("broken")
    message = str(info.value)
    assert message.startswith("strategy plugin 'broken' (broken-plugin 1.0: broken_plugin:Broken)")
    assert "RuntimeError: first line second line" in message and "\n" not in message


# ---- task overlays ----------------------------------------------------------------------------


def test_isolated_undoes_registrations_and_plugin_loads(install):
    """(``install`` runs inside an isolated registry already; this one nests another.)"""
    install(
        "split-plugin",
        "split_difference = split_plugin:SplitDifference\n",
        {"split_plugin": SPLIT.format(cls="SplitDifference", name="split_difference", share=0.5)},
    )
    with registry.isolated():

        @register
        @dataclass(frozen=True)
        class Passing(TimeDependent):
            name: ClassVar[str] = "passing"

        assert {"passing", "split_difference"} <= set(available())
        assert registry.plugin_of("split_difference") is not None
    assert registry.plugin_of("split_difference") is None  # not loaded any more
    with pytest.raises(ValueError, match="unknown strategy 'passing'"):
        get("passing")
    assert "split_difference" in available()  # found again when asked for


def test_using_makes_classes_visible_within_the_block_only(clean_registry):
    @dataclass(frozen=True)
    class Shipped(TimeDependent):
        name: ClassVar[str] = "shipped_only"

    with registry.using({"shipped_only": Shipped}):
        assert get("shipped_only") is Shipped
        assert "shipped_only" in available()
    with pytest.raises(ValueError, match="unknown strategy 'shipped_only'"):
        get("shipped_only")
    with pytest.raises(TypeError):
        with registry.using({"other_name": Shipped}):
            pass


# ---- classifiers: facts without building a strategy ----------------------------------------

SPECS = [
    ("learner", {}),
    ("learner", {"kind": "bayesian"}),
    ("learner", {"kind": "naive"}),
    ("learner", {"kind": "anchored", "step": 0.1}),
    ("face_saver", {}),
    ("face_saver", {"condition": True}),
    ("face_saver", {"condition": False}),
    ("modest_winner", {}),
    ("modest_winner", {"modest": False}),
    ("time_dependent", {"e": 1}),
    ("time_dependent", {"e": 1.0}),
    ("time_dependent", {"e": 0.2}),
    ("boulware", {}),
    ("holdout", {"use_reference": False, "aspiration": 0.8}),
    ("equilibrium", {}),
]


@pytest.mark.parametrize("fact", FACTS)
def test_available_filters_the_names_by_their_facts_at_the_defaults(fact):
    for value in (True, False):
        chosen = available(**{fact: value})
        for name in available():
            facts = create(name).classifier
            assert (name in chosen) is (getattr(facts, fact) is value), (name, fact)
            assert getattr(create(name), fact) is getattr(facts, fact), (name, fact)
    assert available(learns=True, exact_likelihood=False) == ["learner"]
    assert "boulware" in available(monotone_in_type=True, learns=False)


def test_available_refuses_an_unknown_fact_or_a_value_that_is_not_a_bool():
    with pytest.raises(ValueError, match=r"no fact 'lerns'; facts: learns, monotone_in_type"):
        available(lerns=True)
    with pytest.raises(TypeError, match="true or false"):
        available(learns=1)


@pytest.mark.parametrize(("name", "params"), SPECS)
def test_describe_tells_the_facts_a_built_strategy_has(name, params):
    info = describe(name, params)
    built = create(name, **params)
    assert info.name == name
    assert info.params == built.params()
    assert list(info.params) == list(built.params())
    assert info.classifier == built.classifier
    for fact in FACTS:
        assert getattr(built, fact) is getattr(info.classifier, fact)
    assert info.learning == type(built).describe_learning(built.params())


def test_describe_says_how_each_kind_learns():
    lines = {kind: describe("learner", {"kind": kind}).learning for kind in KINDS}
    assert len(set(lines.values())) == len(KINDS)
    assert "exact likelihood" in lines["bayesian"]
    assert "expected realised terms" in lines["expected_terms"]
    assert "does not learn" in lines["anchored"]
    assert describe("boulware").learning == "does not learn"
    assert describe("face_saver", {"condition": False}).classifier.attaches_condition is False
    assert describe("face_saver").classifier.attaches_condition is True


def test_two_specs_are_the_same_policy_exactly_when_the_built_strategies_are_equal():
    for a, b in itertools.product(SPECS, repeat=2):
        same = describe(*a) == describe(*b)
        assert same is (create(a[0], **a[1]) == create(b[0], **b[1])), (a, b)
        if same:
            assert hash(describe(*a)) == hash(describe(*b))
    assert describe("time_dependent", {"e": 0.2}) != describe("boulware")


@pytest.mark.parametrize(
    ("name", "params"),
    [("nope", {}), ("linear", {"speed": 1}), ("learner", {"kind": "oracle"})],
)
def test_describe_refuses_what_create_refuses_with_the_same_message(name, params):
    with pytest.raises(ValueError) as built:
        create(name, **params)
    with pytest.raises(ValueError) as described:
        describe(name, params)
    assert str(described.value) == str(built.value)


def test_describe_never_builds_the_strategy(clean_registry):
    @register
    @dataclass(frozen=True)
    class Unbuildable(Strategy):
        name: ClassVar[str] = "unbuildable"
        learns: ClassVar[bool] = True
        depth: int = 2

        def __post_init__(self):
            raise AssertionError("built")

        @classmethod
        def classify(cls, params):
            return Classifier(learns=True, monotone_in_type=params["depth"] > 1)

    info = describe("unbuildable", {"depth": 1})
    assert info.params == {"depth": 1}
    assert info.classifier.monotone_in_type is False
    assert available(monotone_in_type=True, learns=True) == ["unbuildable"]

    @register
    @dataclass(frozen=True)
    class Demanding(Strategy):
        name: ClassVar[str] = "demanding"
        depth: int

    with pytest.raises(ValueError, match="strategy 'demanding' needs the parameter 'depth'"):
        describe("demanding", {})
    assert describe("demanding", {"depth": 3}).params == {"depth": 3}


def test_a_class_whose_facts_depend_on_its_parameters_must_say_so(clean_registry):
    """A property read from the class is not a fact: classify() refuses it by name."""

    @dataclass(frozen=True)
    class Moody(Strategy):
        name: ClassVar[str] = "moody"
        calm: bool = True

        @property
        def displays_satisfaction(self):  # type: ignore[override]
            return self.calm

    with pytest.raises(TypeError, match=r"'displays_satisfaction'.*overrides classify"):
        Moody.classify({"calm": True})
