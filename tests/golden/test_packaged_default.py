"""The studies ship with the package from their one copy in experiments/; the experiment files
and the README are what they claim to be."""

import re
import tomllib
from pathlib import Path

from bargainlab.analysis.parts import PARTS
from bargainlab.config.files import load_study, packaged_results, packaged_studies
from bargainlab.relationships.table import COLUMNS, markdown_reference

ROOT = Path(__file__).resolve().parents[2]


def test_studies_are_shipped_from_their_one_copy():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    setuptools = config["setuptools"]
    code = {
        ".".join(p.relative_to(ROOT / "src").parts)
        for p in (ROOT / "src").rglob("__init__.py")
        for p in [p.parent]
    }
    # every code package is listed, the two data packages map to the canonical folders, and
    # each committed study's results folder and its summary/ are data packages of their own (setuptools warns
    # about, and will one day ignore, a data folder that is not listed)
    committed = {p.parent.name for p in (ROOT / "results").glob("*/summary")}
    per_study = {f"bargainlab.studies.results.{name}" for name in committed}
    summaries = {f"{name}.summary" for name in per_study}
    assert set(setuptools["packages"]) == code | per_study | summaries | {
        "bargainlab.studies",
        "bargainlab.studies.results",
    }
    assert all(setuptools["package-data"][name] == ["cells.parquet"] for name in per_study)
    assert all(setuptools["package-data"][name] == ["*.csv"] for name in summaries)
    assert setuptools["package-dir"] == {
        "": "src",
        "bargainlab.studies": "experiments",
        "bargainlab.studies.results": "results",
    }
    assert setuptools["package-data"]["bargainlab.studies"] == ["*.toml"]
    assert setuptools["package-data"]["bargainlab.studies.results"] == [
        "*/cells.parquet",
        "*/summary/*.csv",
    ]
    # no second copy of a study anywhere under src/
    assert not list((ROOT / "src").rglob("*.toml"))
    # the studies the package finds (experiments/ itself when running from the checkout, the
    # installed copy otherwise) are those of experiments/, with their committed summaries
    studies, results = packaged_studies(), packaged_results()
    assert studies is not None and results is not None
    assert {p.name: p.read_bytes() for p in studies.glob("*.toml")} == {
        p.name: p.read_bytes() for p in (ROOT / "experiments").glob("*.toml")
    }
    for pattern in ("*/summary/*.csv", "*/cells.parquet"):
        assert {str(p.relative_to(results)): p.read_bytes() for p in results.glob(pattern)} == {
            str(p.relative_to(ROOT / "results")): p.read_bytes()
            for p in (ROOT / "results").glob(pattern)
        }


def test_every_experiment_validates():
    for path in sorted((ROOT / "experiments").glob("*.toml")):
        loaded = load_study(path)
        assert loaded.cells, path


def test_readme_rounds_table_is_generated_from_the_schema():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert markdown_reference() in readme
    for column in [*COLUMNS, "cell", "channels", "arm", "replicate"]:
        assert f"| `{column}` |" in readme, column


def _readme_study() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## A study file", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```toml\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) == 1, "the README's study-file section must have one TOML block"
    return blocks[0]


def test_readme_example_is_a_complete_relationship_study_under_its_own_name(study_file):
    text = _readme_study()
    loaded = load_study(study_file(text=text, name="readme.toml"))
    study = loaded.study
    experiments = {p.stem for p in (ROOT / "experiments").glob("*.toml")}
    assert study.name not in experiments  # its default run folder must not collide
    assert study.rounds.count >= 2 and study.rounds.rho > 0  # a real relationship
    assert study.condition is not None and len(study.arms.strategies) >= 2
    # the docs show the same file
    example = ROOT / "docs" / "examples" / f"{study.name}.toml"
    assert example.read_text(encoding="utf-8") == text


def test_readme_quick_start_has_exactly_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = section.split("```bash")[1:]
    commands = [b.split("```", 1)[0].strip() for b in blocks]
    assert commands == ["pip install . && bargainlab", "pip install '.[test]' && pytest"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci and "bargainlab reproduce" in ci
    assert ci.index(commands[1]) < ci.index("bargainlab reproduce")
    checks = ["ruff check .", "ruff format --check .", "lint-imports", "mkdocs build --strict"]
    for check in checks:
        assert commands[1] in ci and ci.index(commands[1]) < ci.index(check) < ci.rindex(
            "bargainlab reproduce"
        ), check


def test_readme_lists_the_summary_parts_as_declared():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (row,) = [line for line in readme.splitlines() if line.startswith("| `summary/` |")]
    assert re.findall(r"`(\w+\.csv)`", row) == [part.file for part in PARTS]
    reference = (ROOT / "docs" / "reference" / "summary-tables.md").read_text(encoding="utf-8")
    assert "describe_parts()" in reference  # the page is generated from the declarations
