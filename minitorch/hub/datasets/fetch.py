"""Bring a catalogue entry's files into the cache, and check them again later.

Everything a data set needs lands in ``$MINITORCH_HOME/datasets/<name>/``;
archives that only serve to extract a member from (``SST-2.zip``) stay in
``$MINITORCH_HOME/downloads/``. Each file is found by the hub's one resolver,
:func:`minitorch.hub.resolve.fetch_file`, so it is cache first, then mirrors,
URLs and the archive it is published in, resumable and verified before it is
moved into place.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from minitorch.hub import resolve
from minitorch.io import archive, hub

from .entry import DataFile, Dataset

__all__ = [
    "dataset_dir",
    "fetch",
    "wanted_files",
    "read_manifest",
    "fetch_file",
    "unpack",
    "FileCheck",
    "verify",
]

MANY_FILES = 20  # above this, one bar counts files instead of one bar per file


def dataset_dir(entry: Dataset) -> Path:
    """The cache folder of a data set: ``$MINITORCH_HOME/datasets/<name>``."""
    return resolve.cache_folder(entry)


mirror_path = resolve.mirror_path  # ``<entry.mirror>/<file.path>``: where a file sits under a mirror


# ------------------------------------------------------------------ fetching


def fetch(
    entry: Dataset,
    splits: tuple[str, ...] | None = None,
    force: bool = False,
    progress: bool = True,
) -> Path:
    """Make sure every file of ``entry`` (or of the given splits) is cached and verified.

    Args:
        entry: the catalogue entry.
        splits: fetch only files of these splits (plus files of no split).
        force: fetch again even what is already cached.
        progress: show progress bars.

    Returns:
        The data set's cache folder.
    """
    root = dataset_dir(entry)
    files = wanted_files(entry, splits, force=force, progress=progress)
    many = len(files) > MANY_FILES
    for file in tqdm(files, desc=entry.name, unit="file", disable=not (progress and many)):
        fetch_file(entry, file, force=force, progress=progress and not many)
    for file in files:
        if file.unpack:
            unpack(root / file.path, root, stamp=file.sha256 or file.md5 or "", force=force)
    return root


def wanted_files(
    entry: Dataset,
    splits: tuple[str, ...] | None = None,
    *,
    force: bool = False,
    progress: bool = True,
    fetch_manifest: bool = True,
) -> list[DataFile]:
    """The entry's files, expanded by its manifest and filtered by ``splits``."""
    files = list(entry.files)
    if entry.manifest is not None:
        manifest = dataset_dir(entry) / entry.manifest.path
        if fetch_manifest:
            fetch_file(entry, entry.manifest, force=force, progress=progress)
        if manifest.exists():
            files += read_manifest(manifest, entry.splits)
    if splits:
        unknown = set(splits) - {f.split for f in files if f.split}
        if unknown:
            known = sorted({f.split for f in files if f.split})
            raise ValueError(f"{entry.name} has no split {sorted(unknown)}; its splits: {known}")
        files = [f for f in files if f.split is None or f.split in splits]
    return files


def read_manifest(path: Path, splits: tuple[str, ...] = ()) -> list[DataFile]:
    """Read a ``sha256sum`` listing (``<hex>  ./<path>``) into DataFiles.

    A file's split is its first folder when that is one of ``splits``.
    """
    files = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        digest, _, name = line.partition(" ")
        name = name.strip().lstrip("*").removeprefix("./")
        parts = name.split("/")
        if len(digest) != 64 or not name or name.startswith("/") or ".." in parts:
            raise ValueError(f"{path}:{number}: not a safe sha256sum line: {line!r}")
        split = parts[0] if len(parts) > 1 and parts[0] in splits else None
        files.append(DataFile(path=name, sha256=digest.lower(), split=split))
    return files


def fetch_file(entry: Dataset, file: DataFile, force: bool = False, progress: bool = True) -> Path:
    """Fetch one file: the cache, mirrors, then its URLs, then (if any) the archive it comes in."""
    return resolve.fetch_file(entry, file, force=force, progress=progress)


def unpack(path: Path, root: Path, stamp: str, force: bool = False) -> None:
    """Extract an archive into ``root`` once; a marker remembers what it produced.

    The marker (``root/.unpacked/<archive>.json``) records the archive's
    checksum and its top-level entries; extraction runs again when the archive
    changed, an entry went missing, or ``force`` is set.
    """
    marker = root / ".unpacked" / (path.name + ".json")
    if not force and marker.exists():
        record = json.loads(marker.read_text())
        if record.get("stamp") == stamp and all((root / e).exists() for e in record["entries"]):
            return
    for stale in root.glob(".extract-*"):  # left by an extraction that was killed
        shutil.rmtree(stale, ignore_errors=True)
    placed = archive.extract(path, root)
    marker.parent.mkdir(exist_ok=True)
    marker.write_text(json.dumps({"stamp": stamp, "entries": [p.name for p in placed]}))


# ------------------------------------------------------------------ verifying


@dataclass(frozen=True)
class FileCheck:
    """The result of checking one cached file.

    Attributes:
        path: the file.
        ok: True when it matches its pinned checksums (or has none to match).
        how: ``"sha256"``, ``"md5"``, ``"content sha256"``... or why not.
    """

    path: Path
    ok: bool
    how: str


def verify(entry: Dataset, splits: tuple[str, ...] | None = None) -> list[FileCheck]:
    """Re-hash every cached file of ``entry`` against the catalogue; download nothing."""
    root = dataset_dir(entry)
    files = wanted_files(entry, splits, fetch_manifest=False)
    if entry.manifest is not None:
        files.insert(0, entry.manifest)
    return [_check(root / f.path, f) for f in files]


def _check(path: Path, file: DataFile) -> FileCheck:
    if not path.exists():
        return FileCheck(path, False, "missing")
    try:
        how = hub.check_file(path, **file.checksums())
    except hub.ChecksumError as error:
        return FileCheck(path, False, f"MISMATCH: expected {error.algorithm} {error.expected}, "
                         f"got {error.actual}")  # fmt: skip
    if how != "unchecked" or file.origin is None:
        return FileCheck(path, True, how)
    published = file.origin.archive
    archive_path = resolve.archive_path(file)
    if not archive_path.exists():
        return FileCheck(path, True, f"no checksum of its own; {published.path} no longer cached")
    inner = _check(archive_path, published)
    note = f"no checksum of its own; {published.path}: {inner.how}"
    return FileCheck(path, inner.ok, note)
