"""The pieces that keep a run folder safe: atomic writes, links, locks, checksums, budgets and
the recorded commit (their end-to-end use is in tests/e2e/test_faults.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import bargainlab.support.provenance as provenance
from bargainlab.config.errors import ConfigError
from bargainlab.config.files import load_study
from bargainlab.experiments.budget import check_size, parse_size, size_budget
from bargainlab.experiments.checksums import PartJournal, sha256_file
from bargainlab.experiments.locking import run_lock
from bargainlab.experiments.runstore import NonFiniteOutputError, check_finite
from bargainlab.support.files import (
    SymlinkError,
    WriteError,
    atomic_path,
    safe_folder,
    write_text_atomic,
)
from studies import study_dict

# ---- files ------------------------------------------------------------------------------------


def test_atomic_files_get_the_umask_mode_not_0600(tmp_path):
    old = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "a.txt", "x")
        os.umask(0o077)
        write_text_atomic(tmp_path / "b.txt", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "b.txt").stat().st_mode & 0o777 == 0o600


def test_atomic_write_replaces_a_symlink_instead_of_writing_through_it(tmp_path):
    target = tmp_path / "outside.txt"
    target.write_text("precious")
    link = tmp_path / "summary.csv"
    link.symlink_to(target)
    write_text_atomic(link, "new")
    assert target.read_text() == "precious"
    assert not link.is_symlink() and link.read_text() == "new"


def test_safe_folder_refuses_links_below_the_root(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    root = tmp_path / "run"
    root.mkdir()
    (root / "figures").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with pytest.raises(SymlinkError) as info:
        safe_folder(root, "figures")
    assert "symbolic link" in str(info.value)
    assert safe_folder(root, "parts") == root / "parts"


def test_write_error_names_the_final_path_and_leaves_nothing(tmp_path):
    target = tmp_path / "table.parquet"
    with pytest.raises(WriteError) as info, atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise OSError(28, "No space left on device")
    assert str(info.value).startswith(f"{target}: cannot write: No space left on device")
    assert list(tmp_path.iterdir()) == []


# ---- finiteness -------------------------------------------------------------------------------


def test_check_finite_names_the_columns():
    table = pd.DataFrame(
        {"a": [1.0, float("inf")], "b": [1, 2], "c": ["x", "y"], "d": [True, False]}
    )
    with pytest.raises(NonFiniteOutputError, match=r"in a \(1 of 2\)"):
        check_finite(table, "test table")
    check_finite(table.iloc[:1], "test table")


# ---- checksums --------------------------------------------------------------------------------


def test_journal_is_sha256sum_format_and_survives_a_line_cut_short(tmp_path):
    part = tmp_path / "cell0000_chunk00000.parquet"
    part.write_bytes(b"data")
    journal = PartJournal(tmp_path)
    checksum = journal.add(part)
    assert checksum == sha256_file(part)
    check = ["sha256sum", "--quiet", "-c", journal.path.name]
    assert subprocess.run(check, cwd=tmp_path).returncode == 0
    with open(journal.path, "ab") as fh:
        fh.write(b"0123abc")  # a kill in the middle of a line
    other = tmp_path / "cell0000_chunk00001.parquet"
    other.write_bytes(b"more")
    journal.add(other)
    assert journal.read() == {part.name: checksum, other.name: sha256_file(other)}
    part.write_bytes(b"dat4")
    assert journal.read()[part.name] != sha256_file(part)


# ---- locks ------------------------------------------------------------------------------------


def test_lock_is_reentrant_within_a_process_and_exclusive_across(tmp_path):
    folder = tmp_path / "run"
    probe = (
        "import fcntl, os, sys\n"
        f"fd = os.open({str(folder / '.lock')!r}, os.O_RDWR)\n"
        "try:\n"
        "    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
        "except BlockingIOError:\n"
        "    sys.exit(3)\n"
    )
    with run_lock(folder), run_lock(folder):
        held = subprocess.run([sys.executable, "-c", probe])
        assert held.returncode == 3
        assert (folder / ".lock").read_text().split()[0] == str(os.getpid())
    assert subprocess.run([sys.executable, "-c", probe]).returncode == 0


def test_lock_file_that_is_a_link_is_refused(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / ".lock").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(SymlinkError), run_lock(tmp_path / "run"):
        pass
    assert not (tmp_path / "elsewhere").exists()


# ---- budgets ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("512M", 512 * 2**20),
        ("8G", 8 * 2**30),
        ("1.5T", int(1.5 * 2**40)),
        ("100", 100),
        ("2GiB", 2 * 2**30),
    ],
)
def test_parse_size(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "lots", "-1G", "0", "8Q"])
def test_parse_size_refuses(text):
    with pytest.raises(ValueError, match="size"):
        parse_size(text)


def test_check_size_against_budgets(tmp_path):
    size = load_study(study_dict(replicates=1000)).size
    check_size(size, tmp_path / "run", workers=2)
    with size_budget(memory="100M"), pytest.raises(ConfigError) as info:
        check_size(size, tmp_path / "run", workers=2)
    assert "more than the budget (--memory-budget) 100.0 MB" in info.value.message
    assert "--memory-budget" in info.value.message
    with size_budget(disk=1), pytest.raises(ConfigError, match="--disk-budget"):
        check_size(size, tmp_path / "run", workers=2)
    # on a cluster only the parent's memory counts here
    with size_budget(memory=size.parent_memory + 1):
        check_size(size, tmp_path / "run", workers=200, local_tasks=False)


# ---- the recorded commit ----------------------------------------------------------------------


def test_commit_comes_from_bargainlabs_own_checkout(monkeypatch, tmp_path):
    root = Path(__file__).resolve().parents[2]
    expected = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True
    ).stdout.strip()
    monkeypatch.chdir(tmp_path)  # the current folder plays no part
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "foreign.git"))  # nor the environment
    info = provenance.package_commit()
    # from the checkout (tests run on src/) or recorded when it was built (tests run on an
    # installed package built from this checkout)
    assert info["source"] == ("checkout" if provenance.source_root() == root else "build")
    assert info["commit"] == expected


def test_installed_package_uses_its_build_record(monkeypatch):
    monkeypatch.setattr(provenance, "source_root", lambda: None)
    monkeypatch.setattr(provenance, "build_info", lambda: {"commit": "abc123", "dirty": False})
    assert provenance.package_commit() == {"commit": "abc123", "dirty": False, "source": "build"}
    monkeypatch.setattr(provenance, "build_info", lambda: None)
    assert provenance.package_commit() == {"commit": None, "dirty": None, "source": None}
