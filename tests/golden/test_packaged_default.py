"""The studies ship with the package from their one copy in experiments/; the README agrees
with the code."""

import tomllib
from pathlib import Path

from bargainlab.config.files import load_study, packaged_results, packaged_studies

ROOT = Path(__file__).resolve().parents[2]


def test_studies_are_shipped_from_their_one_copy():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    setuptools = config["setuptools"]
    code = {
        ".".join(p.relative_to(ROOT / "src").parts)
        for p in (ROOT / "src").rglob("__init__.py")
        for p in [p.parent]
    }
    # every code package is listed, and the two data packages map to the canonical folders
    assert set(setuptools["packages"]) == code | {
        "bargainlab.studies",
        "bargainlab.studies.results",
    }
    assert setuptools["package-dir"] == {
        "": "src",
        "bargainlab.studies": "experiments",
        "bargainlab.studies.results": "results",
    }
    assert setuptools["package-data"]["bargainlab.studies"] == ["*.toml"]
    assert setuptools["package-data"]["bargainlab.studies.results"] == ["*/summary.csv"]
    # no second copy of a study anywhere under src/
    assert not list((ROOT / "src").rglob("*.toml"))
    # the studies the package finds (experiments/ itself when running from the checkout, the
    # installed copy otherwise) are those of experiments/, with their committed summaries
    studies, results = packaged_studies(), packaged_results()
    assert studies is not None and results is not None
    assert {p.name: p.read_bytes() for p in studies.glob("*.toml")} == {
        p.name: p.read_bytes() for p in (ROOT / "experiments").glob("*.toml")
    }
    assert {p.parent.name: p.read_bytes() for p in results.glob("*/summary.csv")} == {
        p.parent.name: p.read_bytes() for p in (ROOT / "results").glob("*/summary.csv")
    }


def test_every_experiment_validates():
    for path in sorted((ROOT / "experiments").glob("*.toml")):
        loaded = load_study(path)
        assert loaded.cells, path


def test_readme_documents_every_rounds_table_column():
    from bargainlab.relationships.table import COLUMNS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for column in [*COLUMNS, "cell", "channels", "arm", "replicate"]:
        assert f"| `{column}` |" in readme, column


def test_readme_quick_start_has_exactly_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = section.split("```bash")[1:]
    commands = [b.split("```", 1)[0].strip() for b in blocks]
    assert commands == ["pip install . && bargainlab", "pip install '.[test]' && pytest"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci and "bargainlab reproduce" in ci
    assert ci.index(commands[1]) < ci.index("bargainlab reproduce")
