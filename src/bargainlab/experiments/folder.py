"""The files of a run folder, for :class:`~bargainlab.experiments.runstore.RunStore`: checked
against the SHA-256 checksums its manifest records (``checksums``: relative path -> digest),
cleaned of an interrupted writer's temporary files, and written through a staging folder.

A dataset folder (``rounds.parquet/``, ...) matches when it holds exactly the files recorded
under its name and each matches its digest; a file matches when its digest does.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from ..config.errors import ConfigError
from ..support.files import TMP_PREFIX, WriteError, check_inside, safe_folder
from .checksums import sha256_file

__all__ = [
    "check_same_run",
    "dataset_files",
    "intact",
    "remove_tables",
    "remove_temporary",
    "staged",
    "verified",
]


def check_same_run(root: Path, manifest: Mapping[str, object] | None, config_hash: str) -> None:
    """:class:`ConfigError` (field ``--out``) unless the non-empty folder ``root``, whose
    manifest is ``manifest``, holds a run of the config whose hash is ``config_hash``."""
    if manifest is None:
        raise ConfigError(
            root,
            "--out",
            "is a non-empty folder that is not a bargainlab run (no manifest.json); choose a "
            "new --out",
        )
    if manifest.get("config_hash") != config_hash:
        raise ConfigError(
            root,
            "--out",
            "holds a run of a different config (config hash "
            f"{str(manifest.get('config_hash'))[:12]}, this one {config_hash[:12]}); "
            "choose a new --out, or delete the folder to start over",
        )


def remove_temporary(folders: Iterable[Path]) -> None:
    """Remove the temporary files an interrupted write left in ``folders``."""
    for folder in folders:
        if folder.is_dir() and not folder.is_symlink():
            for p in folder.glob(f"{TMP_PREFIX}*"):
                if p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)


@contextmanager
def staged(root: Path) -> Iterator[Path]:
    """A temporary folder in ``root`` whose files are moved, one by one and atomically, into
    ``root`` on success. Nothing is moved through a symbolic link inside ``root``, nor outside
    it."""
    safe_folder(root)
    try:
        stage = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=root))
    except OSError as exc:
        raise WriteError(root, exc) from None
    try:
        try:
            yield stage
        except WriteError as exc:  # named by its final path: the staging folder is removed
            if type(exc) is not WriteError or not exc.path.is_relative_to(stage):
                raise
            raise WriteError(root / exc.path.relative_to(stage), exc.cause, exc.hint) from None
        for src in sorted(p for p in stage.rglob("*") if p.is_file()):
            rel = src.relative_to(stage)
            folder = safe_folder(root, *rel.parts[:-1])
            dest = check_inside(root, folder / rel.name)
            try:
                src.replace(dest)
            except OSError as exc:
                raise WriteError(dest, exc) from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def dataset_files(
    root: Path, name: str, recorded: Mapping[str, str]
) -> tuple[list[str], list[str]]:
    """The files recorded under the dataset folder ``name`` and those present in it
    (relative paths, sorted; none present when it is not a folder)."""
    folder = root / name
    listed = sorted(k for k in recorded if k.startswith(f"{name}/"))
    present = (
        sorted(f"{name}/{p.name}" for p in folder.iterdir())
        if folder.is_dir() and not folder.is_symlink()
        else []
    )
    return listed, present


def intact(root: Path, names: Iterable[str], recorded: Mapping[str, str]) -> bool:
    """Whether every file of ``names`` is recorded, present (not through a symbolic link)
    and matches its digest."""
    return all(
        name in recorded
        and not _through_link(root, name)
        and (root / name).is_file()
        and sha256_file(root / name) == recorded[name]
        for name in names
    )


def _through_link(root: Path, name: str) -> bool:
    """Whether the path ``name`` below ``root`` passes through a symbolic link."""
    node = root
    for part in Path(name).parts:
        node = node / part
        if node.is_symlink():
            return True
    return False


def remove_tables(root: Path, names: Iterable[str]) -> None:
    """Delete the tables ``names`` (dataset folders or files) of the run folder ``root``."""
    for name in names:
        target = root / name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)


def verified(root: Path, name: str, recorded: Mapping[str, str], remedy: str) -> Path:
    """The path of the file or dataset folder ``name`` after checking it against
    ``recorded``; :class:`ConfigError` (``remedy`` says what to do) when it does not match."""
    path = root / name
    if path.is_symlink():
        raise ConfigError(
            path,
            None,
            "is a symbolic link; bargainlab reads a run's files only from the run folder "
            f"itself, never through a link: put back what it points to, or {remedy}",
        )
    if path.is_dir():
        listed, present = dataset_files(root, name, recorded)
        if not listed or listed != present:
            raise ConfigError(
                path, None, f"does not hold the files recorded in manifest.json; {remedy}"
            )
        for key in listed:
            verified(root, key, recorded, remedy)
        return path
    if name not in recorded:
        raise ConfigError(path, None, f"has no checksum in manifest.json; {remedy}")
    if sha256_file(path) != recorded[name]:
        raise ConfigError(
            path,
            None,
            "does not match the checksum recorded in manifest.json: it was changed or "
            f"damaged after the run wrote it; {remedy}",
        )
    return path
