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

Links are followed the way the kernel follows them, in extraction order: ``..``
after a link climbs from where the link leads, not from its text.

A truncated or corrupt archive raises :class:`ArchiveError` naming the file
(never a bare ``EOFError`` or ``zlib.error``).

A single bad member refuses the whole archive (:class:`UnsafeArchiveError`)
and nothing is written. A good archive is unpacked into a temporary folder
next to the target and its top-level entries are then moved into place, so an
interrupted extraction never looks like a finished one. For tar files Python's
own ``filter="data"`` runs as well, as a second line of defence.
"""

from __future__ import annotations

import gzip
import lzma
import os
import shutil
import stat
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["ArchiveError", "UnsafeArchiveError", "check", "extract", "extract_member"]


class ArchiveError(ValueError):
    """An archive that cannot be unpacked (truncated, corrupt); the message names the file."""


class UnsafeArchiveError(ArchiveError):
    """An archive member would land outside the target folder (or is a device file)."""


# Decompressors and readers raise these for bad bytes; anything else (a full disk,
# no permission) is the machine's problem and is left as it is.
_CORRUPT = (
    tarfile.TarError,
    EOFError,
    zlib.error,
    gzip.BadGzipFile,
    lzma.LZMAError,
    zipfile.BadZipFile,
)
_MAX_LINK_HOPS = 40  # as the Linux kernel: a longer chain of links is a loop


@contextmanager
def _reading(archive: Path) -> Iterator[None]:
    """Turn a decompressor's ``EOFError``/``zlib.error``/... into an :class:`ArchiveError`."""
    try:
        yield
    except _CORRUPT as error:
        raise ArchiveError(
            f"{archive}: the archive is truncated or corrupt ({type(error).__name__}: {error}); "
            "download it again"
        ) from error


def _check_name(archive: Path, name: str) -> str:
    """Normalise a member name and refuse ones that leave the target folder."""
    unix = name.replace("\\", "/")
    if unix.startswith("/") or (len(unix) > 1 and unix[1] == ":"):
        raise UnsafeArchiveError(f"{archive}: member {name!r} has an absolute path; refusing it")
    parts = [p for p in unix.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeArchiveError(f"{archive}: member {name!r} climbs out with '..'; refusing it")
    return "/".join(parts)


def _resolve(path: str, symlinks: dict[str, str]) -> str | None:
    """Where ``path`` (relative to the target folder) really leads, the way the kernel sees it.

    ``..`` is applied *after* following a link, not to the text: with ``b -> .``,
    ``b/b/../..`` is two levels above the target folder although the text
    ``b/b/../..`` normalises to ``.``.

    Args:
        path: a ``/``-separated path relative to the target folder.
        symlinks: the archive's symlinks so far, normalised name -> link text.

    Returns:
        The resolved path relative to the target folder (``""`` for the folder
        itself), or ``None`` when it leaves the folder, is absolute, or loops.
    """
    todo = path.replace("\\", "/").split("/")
    if path.startswith("/"):
        return None
    done: list[str] = []
    hops = 0
    while todo:
        part = todo.pop(0)
        if part in ("", "."):
            continue
        if part == "..":
            if not done:
                return None
            done.pop()
            continue
        here = "/".join(done + [part])
        if here in symlinks:
            hops += 1
            target = symlinks[here].replace("\\", "/")
            if hops > _MAX_LINK_HOPS or target.startswith("/"):
                return None
            todo = target.split("/") + todo  # relative to the link's folder, which is `done`
            continue
        done.append(part)
    return "/".join(done)


def _refuse_link(archive: Path, kind: str, name: str, target: str) -> UnsafeArchiveError:
    return UnsafeArchiveError(
        f"{archive}: {kind} {name!r} -> {target!r} points outside the target folder "
        "(or into a loop of links); refusing it"
    )


def _check_tar(archive: Path, tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    """Check every member in extraction order; return them all or raise for the first bad one.

    Each symlink is resolved, through the links before it, when it is met; at
    the end every symlink is resolved again through all the archive's links,
    since a later link can change where an earlier one leads (``a -> b/b/../..``
    then ``b -> .``). A hard link is created when it is met, so its target is
    resolved through the links before it.
    """
    links: set[str] = set()
    symlinks: dict[str, str] = {}
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
        symlinks.pop(name, None)  # a later member replaces an earlier one of the same name
        if member.issym():
            symlinks[name] = member.linkname
            if _resolve(name, symlinks) is None:
                raise _refuse_link(archive, "symlink", member.name, member.linkname)
            links.add(name)
        elif member.islnk():
            target = _check_name(archive, member.linkname)
            if _resolve(target, symlinks) is None:
                raise _refuse_link(archive, "hard link", member.name, member.linkname)
            links.add(name)
        elif not (member.isfile() or member.isdir()):
            raise UnsafeArchiveError(
                f"{archive}: member {member.name!r} is a device, FIFO or other special file; "
                "refusing it"
            )
    for name, target in symlinks.items():
        if _resolve(name, symlinks) is None:
            raise _refuse_link(archive, "symlink", name, target)
    return members


def _read_to_end(tar: tarfile.TarFile) -> None:
    """Decompress what follows the end-of-archive marker, so a cut gzip/xz trailer is noticed.

    tarfile stops at the marker; the compressor's checksum and length come after it.
    """
    if tar.fileobj is not None:
        while tar.fileobj.read(1 << 20):
            pass


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
    with _reading(archive):
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                _check_zip(archive, zf)
        else:
            with tarfile.open(archive) as tar:
                _check_tar(archive, tar)
                _read_to_end(tar)


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
        ArchiveError: the archive is truncated or corrupt (the message names it).
    """
    archive, dest = Path(archive), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".extract-", dir=dest) as tmp, _reading(archive):
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                _check_zip(archive, zf)
                zf.extractall(tmp)
        else:
            with tarfile.open(archive) as tar:
                members = _check_tar(archive, tar)
                tar.extractall(tmp, members=members, filter="data")
                _read_to_end(tar)
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
        with open(part, "wb") as out, _reading(archive):
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
