"""Safe extraction of downloaded tar and zip archives.

An archive is data from the internet, and its member names are paths chosen
by whoever made it. ``tarfile.extractall`` on its own will happily write
``../../home/you/.bashrc``, ``/etc/cron.d/x``, or a symlink ``d -> /`` followed
by a file ``d/etc/passwd``. So before writing anything we check every member:

- no absolute paths, no drive letters, no ``..`` components;
- symlinks and hard links must point inside the target folder;
- no member may be reached *through* a link of the same archive (that is how
  chains of individually harmless-looking links escape);
- only regular files, folders and such links: no devices or FIFOs.

A single bad member refuses the whole archive (:class:`UnsafeArchiveError`)
and nothing is written. A good archive is unpacked into a temporary folder
next to the target and its top-level entries are then moved into place, so an
interrupted extraction never looks like a finished one. For tar files Python's
own ``filter="data"`` runs as well, as a second line of defence.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path


class UnsafeArchiveError(ValueError):
    """An archive member would land outside the target folder (or is a device file)."""


def _check_name(archive: Path, name: str) -> str:
    """Normalise a member name and refuse ones that leave the target folder."""
    unix = name.replace("\\", "/")
    if unix.startswith("/") or (len(unix) > 1 and unix[1] == ":"):
        raise UnsafeArchiveError(f"{archive}: member {name!r} has an absolute path; refusing it")
    parts = [p for p in unix.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeArchiveError(f"{archive}: member {name!r} climbs out with '..'; refusing it")
    return "/".join(parts)


def _inside(path: str) -> bool:
    """True when a normalised relative path stays inside the target folder."""
    norm = posixpath.normpath(path)
    return not (norm == ".." or norm.startswith("../") or posixpath.isabs(norm))


def _check_tar(archive: Path, tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    links: set[str] = set()
    members = tar.getmembers()
    for member in members:
        name = _check_name(archive, member.name)
        parents = name.split("/")[:-1]
        for depth in range(1, len(parents) + 1):
            if "/".join(parents[:depth]) in links:
                raise UnsafeArchiveError(
                    f"{archive}: member {member.name!r} goes through a link of the same "
                    "archive; refusing it"
                )
        if member.issym():
            target = member.linkname.replace("\\", "/")
            if target.startswith("/") or not _inside(
                posixpath.join(posixpath.dirname(name), target)
            ):
                raise UnsafeArchiveError(
                    f"{archive}: symlink {member.name!r} -> {member.linkname!r} points outside "
                    "the target folder; refusing it"
                )
            links.add(name)
        elif member.islnk():
            target = _check_name(archive, member.linkname)
            if not _inside(target):
                raise UnsafeArchiveError(
                    f"{archive}: hard link {member.name!r} -> {member.linkname!r} points outside "
                    "the target folder; refusing it"
                )
            links.add(name)
        elif not (member.isfile() or member.isdir()):
            raise UnsafeArchiveError(
                f"{archive}: member {member.name!r} is a device, FIFO or other special file; "
                "refusing it"
            )
    return members


def _check_zip(archive: Path, zf: zipfile.ZipFile) -> None:
    for info in zf.infolist():
        _check_name(archive, info.filename)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise UnsafeArchiveError(
                f"{archive}: member {info.filename!r} is a symlink; zip links are not supported"
            )


def check(archive: str | Path) -> None:
    """Raise :class:`UnsafeArchiveError` if any member of ``archive`` is unsafe."""
    archive = Path(archive)
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            _check_zip(archive, zf)
    else:
        with tarfile.open(archive) as tar:
            _check_tar(archive, tar)


def extract(archive: str | Path, dest: str | Path) -> list[Path]:
    """Unpack a tar (any compression) or zip archive into ``dest``, safely.

    Args:
        archive: the ``.tar``, ``.tar.gz``/``.tgz``, ``.tar.bz2``, ``.tar.xz``
            or ``.zip`` file.
        dest: the folder to unpack into (created if needed). Top-level entries
            of the archive replace same-named entries already in ``dest``.

    Returns:
        The paths of the archive's top-level entries inside ``dest``.

    Raises:
        UnsafeArchiveError: some member would escape ``dest``; nothing was written.
    """
    archive, dest = Path(archive), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".extract-", dir=dest) as tmp:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                _check_zip(archive, zf)
                zf.extractall(tmp)
        else:
            with tarfile.open(archive) as tar:
                members = _check_tar(archive, tar)
                tar.extractall(tmp, members=members, filter="data")
        placed = []
        for entry in sorted(os.listdir(tmp)):
            target = dest / entry
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists() or target.is_symlink():
                target.unlink()
            os.replace(os.path.join(tmp, entry), target)
            placed.append(target)
    return placed


def extract_member(
    archive: str | Path,
    member: str,
    dest: str | Path,
    check_file: Callable[[Path], object] | None = None,
) -> Path:
    """Copy one regular-file member of an archive to ``dest``, atomically.

    Args:
        archive: a tar or zip file.
        member: the member's path inside the archive, e.g. ``"SST-2/train.tsv"``.
        dest: the file to write.
        check_file: called on the written temporary file before it is moved
            onto ``dest``; raise from it (e.g. a ChecksumError) to refuse it.

    Returns:
        ``dest``.
    """
    archive, dest = Path(archive), Path(dest)
    wanted = _check_name(archive, member)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    try:
        with open(part, "wb") as out:
            if zipfile.is_zipfile(archive):
                with zipfile.ZipFile(archive) as zf:
                    names = {_check_name(archive, n): n for n in zf.namelist()}
                    if wanted not in names:
                        raise KeyError(member)
                    with zf.open(names[wanted]) as src:
                        shutil.copyfileobj(src, out, 1 << 20)
            else:
                with tarfile.open(archive) as tar:
                    info = next(
                        (m for m in tar if _check_name(archive, m.name) == wanted and m.isfile()),
                        None,
                    )
                    if info is None:
                        raise KeyError(member)
                    src = tar.extractfile(info)
                    assert src is not None  # a regular file always has contents
                    shutil.copyfileobj(src, out, 1 << 20)
    except KeyError:
        part.unlink(missing_ok=True)
        raise FileNotFoundError(f"{archive} has no regular file named {member!r}") from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    if check_file is not None:
        try:
            check_file(part)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
    os.replace(part, dest)
    return dest
