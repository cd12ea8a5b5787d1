"""The packaged default study is the same file as experiments/rebate_renewal.toml."""

from pathlib import Path

from bargainlab.config import load_study

ROOT = Path(__file__).resolve().parents[1]


def test_packaged_default_matches_the_experiment_file():
    packaged = ROOT / "src" / "bargainlab" / "data" / "rebate_renewal.toml"
    assert packaged.read_bytes() == (ROOT / "experiments" / "rebate_renewal.toml").read_bytes()


def test_every_experiment_validates():
    for path in sorted((ROOT / "experiments").glob("*.toml")):
        loaded = load_study(path)
        assert loaded.cells, path
