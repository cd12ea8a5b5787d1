"""The packaged default study is the same file as experiments/rebate_renewal.toml."""

from pathlib import Path

from bargainlab.config.files import load_study

ROOT = Path(__file__).resolve().parents[2]


def test_packaged_default_matches_the_experiment_file():
    packaged = ROOT / "src" / "bargainlab" / "data" / "rebate_renewal.toml"
    assert packaged.read_bytes() == (ROOT / "experiments" / "rebate_renewal.toml").read_bytes()


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
