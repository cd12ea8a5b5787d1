"""Checksums of a run's files, and the journal of its parts.

Every file a run writes gets a SHA-256 checksum. Those of the tables and outputs (``config.toml``,
every file of the ``rounds.parquet`` and ``traces.parquet`` datasets, the small tables,
``summary/``, ``report.md``, the figures) are in ``manifest.json`` under ``checksums``
(path relative to the run folder -> hex digest).

The parts (one per finished task) are many, and the manifest is rewritten whole each time it
changes, so recording each part there would cost time quadratic in the number of tasks.
Their checksums go instead into ``parts/SHA256SUMS``, an append-only journal next to them in
the format of ``sha256sum`` (``<hex digest>  <file name>`` per line, so ``cd parts &&
sha256sum -c SHA256SUMS`` checks them by hand). A part is written (atomically) before its
line is appended and synced, so a part without a line, or whose bytes do not match its
line, is one the run must not trust: on resume it is deleted and its task recomputed. When
the run assembles the parts into its tables it records the tables' checksums in the
manifest and removes the parts and the journal.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from ..support.files import WriteError

JOURNAL = "SHA256SUMS"
_LINE = re.compile(r"^([0-9a-f]{64}) [ *](\S+)$")


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class PartJournal:
    """The append-only checksum journal of a run's parts (``parts/SHA256SUMS``)."""

    def __init__(self, folder: str | Path) -> None:
        """The journal of the parts in ``folder`` (created by the first line recorded)."""
        self.path = Path(folder) / JOURNAL

    def read(self) -> dict[str, str]:
        """File name -> checksum; the last line for a name wins, malformed lines (a line cut
        short by a kill) are ignored."""
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return {}
        out: dict[str, str] = {}
        for line in text.splitlines():
            m = _LINE.match(line)
            if m:
                out[m.group(2)] = m.group(1)
        return out

    def add(self, path: str | Path) -> str:
        """Append the checksum of the part ``path`` (and sync it); return the checksum."""
        path = Path(path)
        checksum = sha256_file(path)
        self.record(path.name, checksum)
        return checksum

    def record(self, name: str, checksum: str) -> None:
        """Append the line ``checksum  name`` (and sync it)."""
        line = f"{checksum}  {name}\n".encode()
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(self.path, flags, 0o666)
            try:
                # A line cut short by an earlier kill must not swallow this one.
                if os.fstat(fd).st_size and not self._ends_with_newline():
                    line = b"\n" + line
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise WriteError(self.path, exc) from None

    def _ends_with_newline(self) -> bool:
        """Whether the journal's last byte is a newline (it is not after a cut-short line)."""
        with open(self.path, "rb") as fh:
            fh.seek(-1, os.SEEK_END)
            return fh.read(1) == b"\n"


__all__ = ["JOURNAL", "PartJournal", "sha256_file"]
