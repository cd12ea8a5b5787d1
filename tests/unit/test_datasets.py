"""Reading a table of the run folder through a filter, one cell at a time."""

from __future__ import annotations

import os

import pandas as pd

from bargainlab.experiments.datasets import read_filtered
from bargainlab.experiments.storage import parquet_bytes


def _write(path, frame):
    path.write_bytes(parquet_bytes(frame))


def test_filtered_reads_skip_other_cells_and_see_a_rewritten_file(tmp_path):
    folder = tmp_path / "replicates.parquet"
    folder.mkdir()
    _write(folder / "a.parquet", pd.DataFrame({"cell": [0, 0, 1], "value": [1.0, 2.0, 3.0]}))
    _write(folder / "b.parquet", pd.DataFrame({"cell": [2, 2], "value": [4.0, 5.0]}))
    first = read_filtered(folder, ["cell", "value"], [("cell", "==", 0)])
    assert first["value"].tolist() == [1.0, 2.0]
    assert read_filtered(folder, ["value"], [("cell", "==", 2)])["value"].tolist() == [4.0, 5.0]
    assert read_filtered(folder, ["value"], [("cell", "==", 7)]).empty
    # the footers are read once per file; a file written again is read again
    before = os.stat(folder / "a.parquet").st_mtime_ns
    _write(
        folder / "a.parquet", pd.DataFrame({"cell": [0, 1, 1, 1], "value": [9.0, 8.0, 7.0, 6.0]})
    )
    os.utime(folder / "a.parquet", ns=(before + 1_000_000, before + 1_000_000))
    again = read_filtered(folder, ["value"], [("cell", "==", 1)])
    assert again["value"].tolist() == [8.0, 7.0, 6.0]
