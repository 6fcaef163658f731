"""Cached, checksummed, resumable downloads.

Every file minitorch fetches from the internet (data sets, pretrained weights)
goes through :func:`download`. The life of a download:

1. If ``dest`` already exists and matches its checksum, return it: the cache
   is the fast path and needs no network at all.
2. Try the sources in order: the mirror named by ``MINITORCH_MIRROR`` (a
   folder or a base URL), any extra mirrors the caller knows of (for example
   Debian's ``/usr/share/datasets``), then the canonical URLs.
3. Bytes go into ``<dest>.part``, never into ``dest`` itself. An HTTP source
   that already has part of the file is asked only for the rest
   (``Range: bytes=N-``); dropped connections and 5xx answers are retried with
   exponential backoff.
4. The finished ``.part`` is checksummed. Only a file that matches is moved
   onto ``dest``, with :func:`os.replace`, which is atomic: a reader sees the
   old file or the new one, never half of either. A file that does not match
   is deleted and never reaches the cache.

Environment:

- ``MINITORCH_HOME``: cache root (default ``~/.cache/minitorch``).
- ``MINITORCH_OFFLINE=1``: never touch the network; cached files and folder
  mirrors still work, anything else is a clear error.
- ``MINITORCH_MIRROR``: a folder (absolute, or relative to the current
  directory) or an ``http(s)://`` base URL tried before the canonical URLs. A
  mirror holds files under the same relative path the caller names
  (``mirror_path``, e.g. ``mnist/train-images-idx3-ubyte.gz``).
- ``MINITORCH_MAX_DOWNLOAD_BYTES``: the most bytes a download of unknown size
  may bring (default 32 GiB); a file with a pinned ``size`` stops at that size.

Several processes may download the same file at once (parallel test workers,
data loader workers): an advisory lock on ``<dest>.lock`` lets one fetch while
the others wait, then find the verified file in place.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import time
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import requests
import urllib3
from tqdm.auto import tqdm

__all__ = [
    "DownloadError",
    "ChecksumError",
    "cache_dir",
    "offline",
    "mirror",
    "max_download_size",
    "file_digest",
    "content_digest",
    "check_file",
    "download",
]

ENV_HOME = "MINITORCH_HOME"
ENV_OFFLINE = "MINITORCH_OFFLINE"
ENV_MIRROR = "MINITORCH_MIRROR"
ENV_MAX_SIZE = "MINITORCH_MAX_DOWNLOAD_BYTES"
DEFAULT_MAX_SIZE = 32 << 30  # 32 GiB: no file we fetch comes near; an endless response stops here

USER_AGENT = "minitorch-hub/0.1 (+https://github.com/minitorch)"
CHUNK = 1 << 20
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})

# Indirection so tests can record the backoff delays instead of sleeping.
_sleep = time.sleep


class DownloadError(RuntimeError):
    """A file could not be fetched from any source; the message lists every attempt."""


class ChecksumError(DownloadError):
    """A file's bytes do not match the checksum the caller pinned.

    Attributes:
        source: the URL or path whose bytes were checked.
        algorithm: ``"sha256"``, ``"md5"`` or ``"content sha256"``.
        expected: the pinned hex digest.
        actual: the hex digest of the bytes received.
    """

    def __init__(
        self, source: str, algorithm: str, expected: str, actual: str, detail: str = ""
    ) -> None:
        self.source, self.algorithm = source, algorithm
        self.expected, self.actual = expected, actual
        message = (
            f"checksum mismatch for {source}: expected {algorithm} {expected}, got {actual}. "
            "The file was not put in the cache."
        )
        self.detail = detail
        super().__init__(message + (f"\n{detail}" if detail else ""))

    def __reduce__(self) -> tuple[type, tuple[str, str, str, str, str]]:
        # keeps the error picklable (worker processes, pytest-xdist)
        return (type(self), (self.source, self.algorithm, self.expected, self.actual, self.detail))


class _Retryable(Exception):
    """A transient failure (dropped connection, 5xx): worth another attempt."""


# ---------------------------------------------------------------- settings


def cache_dir() -> Path:
    """Return the cache root: ``$MINITORCH_HOME`` or ``~/.cache/minitorch``.

    Read at every call (not at import) so a test or a notebook can point it
    elsewhere with ``os.environ`` at any time.
    """
    home = os.environ.get(ENV_HOME)
    return Path(home).expanduser() if home else Path.home() / ".cache" / "minitorch"


def offline() -> bool:
    """True when ``MINITORCH_OFFLINE`` is set to 1/true/yes/on."""
    return os.environ.get(ENV_OFFLINE, "").strip().lower() in {"1", "true", "yes", "on"}


def mirror() -> str | None:
    """The mirror from ``MINITORCH_MIRROR``, or None: a URL, or a folder made absolute."""
    value = os.environ.get(ENV_MIRROR, "").strip()
    if not value:
        return None
    return value if _is_url(value) else str(_as_dir(value))


def max_download_size() -> int:
    """The cap on a download of unknown size: ``$MINITORCH_MAX_DOWNLOAD_BYTES`` or 32 GiB."""
    value = os.environ.get(ENV_MAX_SIZE, "").strip()
    if not value:
        return DEFAULT_MAX_SIZE
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{ENV_MAX_SIZE} must be a positive number of bytes, got {value!r}")
    return int(value)


def _is_url(location: str) -> bool:
    return urlparse(location).scheme in {"http", "https"}


def _as_dir(location: str) -> Path:
    if location.startswith("file://"):
        location = unquote(urlparse(location).path)
    return Path(location).expanduser().resolve()


# ---------------------------------------------------------------- checksums


def file_digest(path: str | Path, algorithm: str = "sha256") -> str:
    """Hex digest of a file, read in 1 MiB chunks (constant memory)."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def content_digest(path: str | Path) -> str:
    """sha256 of a ``.gz`` file's decompressed bytes.

    Two gzip files with the same content can differ byte for byte (compression
    level, timestamp, file name in the header): Debian re-gzips Fashion-MNIST,
    so the canonical md5 cannot apply to its copy, but this digest can.
    """
    digest = hashlib.sha256()
    with gzip.open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def check_file(
    path: str | Path,
    *,
    sha256: str | None = None,
    md5: str | None = None,
    content_sha256: str | None = None,
    source: str | None = None,
) -> str:
    """Check a file against the pinned checksums and say how it was verified.

    The bytes must match every byte checksum given (``sha256``, ``md5``). When
    they do not and ``content_sha256`` is given, a gzip file whose
    *decompressed* bytes match is accepted too.

    Args:
        path: the file to check.
        sha256, md5: expected hex digests of the file's bytes. A shorter
            ``sha256`` (at least 8 hex digits, as torchvision's and other
            hubs' file names carry: ``resnet18-f37072fd.pth``) must match the
            start of the digest.
        content_sha256: expected sha256 of the gunzipped bytes.
        source: the URL or path to name in an error (default: ``path``).

    Returns:
        ``"sha256"``, ``"md5"``, ``"sha256+md5"``, ``"content sha256"``, or
        ``"unchecked"`` when no checksum was given.

    Raises:
        ChecksumError: naming the source, the expected and the actual digest.
    """
    wanted = {name: value.lower() for name, value in (("sha256", sha256), ("md5", md5)) if value}
    if not wanted and not content_sha256:
        return "unchecked"
    if "sha256" in wanted and len(wanted["sha256"]) < 8:
        raise ValueError(f"a sha256 prefix needs at least 8 hex digits, got {wanted['sha256']!r}")
    digests = {name: hashlib.new(name) for name in wanted}
    if digests:
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                for digest in digests.values():
                    digest.update(chunk)
    actual = {name: digest.hexdigest() for name, digest in digests.items()}

    def matches(name: str) -> bool:  # a sha256 may be given as a prefix
        return actual[name].startswith(wanted[name]) if name == "sha256" else actual[name] == wanted[name]

    if wanted and all(matches(name) for name in wanted):
        return "+".join(wanted)
    source = source or str(path)
    if content_sha256:
        try:
            got = content_digest(path)
        except (OSError, EOFError, zlib.error) as error:  # BadGzipFile is an OSError
            got = f"(not a readable gzip file: {type(error).__name__}: {error})"
        if got == content_sha256.lower():
            return "content sha256"
        if not wanted:
            raise ChecksumError(source, "content sha256", content_sha256, got)
    name = next(n for n in wanted if not matches(n))
    detail = (f"Its decompressed content does not match either (content sha256: {got})."
              if content_sha256 else "")
    raise ChecksumError(source, name, wanted[name], actual[name], detail)


# ---------------------------------------------------------------- download


@dataclass(frozen=True)
class _Source:
    kind: str  # "dir" or "http"
    location: str  # a file path or a URL
    label: str  # how error messages name it


def download(
    url: str | Sequence[str],
    sha256: str | None = None,
    dest: str | Path | None = None,
    *,
    md5: str | None = None,
    content_sha256: str | None = None,
    mirror_path: str | None = None,
    mirrors: Sequence[str] = (),
    force: bool = False,
    progress: bool = True,
    retries: int = 4,
    backoff: float = 1.0,
    timeout: float = 30.0,
    size: int | None = None,
    max_size: int | None = None,
) -> Path:
    """Fetch a file into the cache, verified, and return its path.

    Args:
        url: the canonical URL, or several tried in order; may be empty for a
            file that only exists on mirrors.
        sha256: expected sha256 of the file (strongly recommended).
        dest: where the file should end up; default
            ``$MINITORCH_HOME/downloads/<file name>``.
        md5: expected md5, for data sets that publish only an md5.
        content_sha256: expected sha256 of the *decompressed* bytes of a
            ``.gz`` file; lets a re-compressed copy with the same content pass.
        mirror_path: the file's path under a mirror (default: the URL's file
            name).
        mirrors: extra mirrors (folders or base URLs), tried after
            ``MINITORCH_MIRROR`` and before the canonical URLs.
        force: fetch again even if ``dest`` is present and valid. The old file
            stays in place until the new one is verified.
        progress: show a progress bar.
        retries: extra attempts per HTTP source after a dropped connection or
            a 5xx/429 answer.
        backoff: first delay in seconds between attempts; doubles each time.
        timeout: seconds to wait for a connection or for the next bytes.
        size: the file's size in bytes when the catalogue pins it: a source
            that sends more is cut off there. Ignored with ``content_sha256``
            (a re-compressed copy may have another size).
        max_size: the cap when no size is pinned (default
            :func:`max_download_size`), so an endless response cannot fill the disk.

    Returns:
        The path of the verified file, ``dest``.

    Raises:
        ChecksumError: a source served bytes that do not match (nothing lands
            in the cache).
        DownloadError: no source could provide the file; the message lists
            what was tried and what to do.
    """
    urls = [url] if isinstance(url, str) else list(url)
    if mirror_path is None:
        if not urls:
            raise ValueError("download() needs a URL or a mirror_path")
        mirror_path = Path(urlparse(urls[0]).path).name
    dest = Path(dest) if dest is not None else cache_dir() / "downloads" / Path(mirror_path).name
    checks = {"sha256": sha256, "md5": md5, "content_sha256": content_sha256}
    limit = _Limit(size if size is not None and not content_sha256 else None,
                   max_size if max_size is not None else max_download_size())

    if not force and _valid(dest, checks):
        return dest
    sources = _sources(urls, mirror_path, mirrors)
    if not sources:
        raise DownloadError(_no_source_message(dest, urls, mirror_path, []))
    dest.parent.mkdir(parents=True, exist_ok=True)
    started = time.time()
    with _locked(dest):
        # Another process may have fetched it while we waited for the lock.
        if _valid(dest, checks) and (not force or dest.stat().st_mtime >= started):
            return dest
        return _download_locked(dest, sources, checks, limit, urls, mirror_path, retries,
                                backoff, timeout, progress)


@dataclass(frozen=True)
class _Limit:
    """How many bytes a source may send: ``pinned`` exactly, else at most ``cap``."""

    pinned: int | None
    cap: int

    @property
    def most(self) -> int:
        return self.pinned if self.pinned is not None else self.cap

    def refuse(self, label: str, got: str) -> DownloadError:
        expected = (f"the catalogue pins {self.pinned} bytes" if self.pinned is not None
                    else f"the cap for a file of unknown size is {self.cap} bytes "
                    f"(raise it with max_size= or {ENV_MAX_SIZE})")
        return DownloadError(f"{label} {got}, but {expected}; stopped, nothing was cached")


def _valid(dest: Path, checks: dict[str, str | None]) -> bool:
    """Whether ``dest`` exists and passes its checksums (a stale copy stays until replaced)."""
    if not dest.exists():
        return False
    try:
        check_file(dest, **checks)
        return True
    except ChecksumError:
        return False


@contextmanager
def _locked(dest: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``<dest>.lock`` (one downloader per file).

    The lock file stays: deleting it would let a late process lock a new
    file while another still holds the old one. Where ``fcntl`` does not
    exist (Windows) there is no lock.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(dest.with_name(dest.name + ".lock"), "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _download_locked(
    dest: Path,
    sources: list[_Source],
    checks: dict[str, str | None],
    limit: _Limit,
    urls: list[str],
    mirror_path: str,
    retries: int,
    backoff: float,
    timeout: float,
    progress: bool,
) -> Path:
    """Try the sources in order into ``<dest>.part``; the caller holds the lock."""
    part = dest.with_name(dest.name + ".part")
    failures: list[tuple[_Source, Exception]] = []
    for source in sources:
        # One extra pass per source: a resumed .part left by an older version
        # of the file fails its checksum once, then we start from byte 0.
        for _fresh_start in (False, True):
            resumed = source.kind == "http" and part.exists() and part.stat().st_size > 0
            try:
                if source.kind == "dir":
                    _copy(Path(source.location), part, progress, limit)
                else:
                    _fetch_http(source.location, part, retries, backoff, timeout, progress, limit)
                check_file(part, **checks, source=source.label)
            except ChecksumError as error:
                part.unlink(missing_ok=True)
                if resumed:
                    continue
                failures.append((source, error))
            except DownloadError as error:
                failures.append((source, error))  # keep .part: the next source resumes it
            else:
                os.replace(part, dest)
                return dest
            break
    raise _final_error(dest, urls, mirror_path, failures)


def _sources(urls: list[str], mirror_path: str, mirrors: Sequence[str]) -> list[_Source]:
    """Mirror first, then extra mirrors, then canonical URLs; offline keeps folders only."""
    bases = [m for m in [mirror(), *mirrors] if m]
    sources = []
    for base in bases:
        if _is_url(base):
            location = base.rstrip("/") + "/" + mirror_path.lstrip("/")
            sources.append(_Source("http", location, f"mirror {location}"))
        else:
            location = str(_as_dir(base) / mirror_path)
            sources.append(_Source("dir", location, f"mirror {location}"))
    sources += [_Source("http", u, u) for u in urls]
    if offline():
        sources = [s for s in sources if s.kind == "dir"]
    return sources


def _copy(src: Path, part: Path, progress: bool, limit: _Limit) -> None:
    """Copy a mirror file into ``part`` (a folder mirror needs no resume)."""
    if not src.is_file():
        raise DownloadError("no such file")
    if src.stat().st_size > limit.most:
        raise limit.refuse(str(src), f"has {src.stat().st_size} bytes")
    with (
        open(src, "rb") as fin,
        open(part, "wb") as fout,
        _bar(src.stat().st_size, 0, part, progress) as bar,
    ):
        while chunk := fin.read(CHUNK):
            fout.write(chunk)
            bar.update(len(chunk))


def _fetch_http(
    url: str,
    part: Path,
    retries: int,
    backoff: float,
    timeout: float,
    progress: bool,
    limit: _Limit,
) -> None:
    """Stream ``url`` into ``part``, resuming what is there, retrying transient failures."""
    last: Exception | None = None
    with requests.Session() as session:
        for attempt in range(retries + 1):
            if attempt:
                _sleep(backoff * 2 ** (attempt - 1))
            try:
                _fetch_once(session, url, part, timeout, progress, limit)
                return
            except _Retryable as error:
                last = error
            except requests.ConnectionError as error:
                if _is_name_resolution_failure(error):
                    # not transient in practice (offline, or a typo): say so at once
                    message = f"cannot resolve the host name (no network?): {error}"
                    raise DownloadError(message) from error
                last = error
            except (
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
                urllib3.exceptions.HTTPError,
                http.client.HTTPException,
                ConnectionError,
            ) as error:
                last = error
    raise DownloadError(f"gave up after {retries + 1} attempts; last error: {last}")


def _is_name_resolution_failure(error: requests.ConnectionError) -> bool:
    reason = getattr(error.args[0], "reason", None) if error.args else None
    kind = getattr(urllib3.exceptions, "NameResolutionError", ())
    return isinstance(reason, kind) if kind else False


def _fetch_once(
    session: requests.Session,
    url: str,
    part: Path,
    timeout: float,
    progress: bool,
    limit: _Limit,
) -> None:
    offset = part.stat().st_size if part.exists() else 0
    # identity: we want the file's own bytes, not a transfer-compressed form of them
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    with session.get(url, headers=headers, stream=True, timeout=timeout) as response:
        status = response.status_code
        if status == 416 and offset:
            return  # nothing left to send: .part is complete (the checksum decides)
        if status in RETRY_STATUS:
            raise _Retryable(f"HTTP {status} {response.reason}")
        if status >= 400:
            raise DownloadError(f"HTTP {status} {response.reason}")
        if status == 206:
            start = _range_start(response.headers.get("Content-Range", ""))
            if start != offset:
                part.unlink(missing_ok=True)
                raise _Retryable(f"server resumed at byte {start}, not {offset}; restarting")
        else:
            offset = 0  # a plain 200 is the whole file: start over
        length = response.headers.get("Content-Length")
        total = offset + int(length) if length and length.isdigit() else None
        if total is not None and total > limit.most:
            part.unlink(missing_ok=True)
            raise limit.refuse(url, f"announces {total} bytes")
        written = offset
        with open(part, "ab" if offset else "wb") as fh, _bar(total, offset, part, progress) as bar:
            for chunk in response.raw.stream(CHUNK, decode_content=False):
                written += len(chunk)
                if written > limit.most:  # an endless or lying response: stop, keep nothing
                    fh.close()
                    part.unlink(missing_ok=True)
                    raise limit.refuse(url, f"sent more than {limit.most} bytes")
                fh.write(chunk)
                bar.update(len(chunk))
    size = part.stat().st_size
    if total is not None and size < total:
        raise _Retryable(f"connection closed after {size} of {total} bytes")


def _range_start(content_range: str) -> int | None:
    """Parse the first byte of ``Content-Range: bytes 100-199/200``."""
    try:
        return int(content_range.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return None


def _bar(total: int | None, initial: int, part: Path, progress: bool) -> tqdm:
    name = part.name.removesuffix(".part")
    return tqdm(
        total=total,
        initial=initial,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc=name,
        disable=not progress,
        leave=False,
    )


def _final_error(
    dest: Path, urls: list[str], mirror_path: str, failures: list[tuple[_Source, Exception]]
) -> DownloadError:
    message = _no_source_message(dest, urls, mirror_path, failures)
    for _, error in failures:
        if isinstance(error, ChecksumError):
            return ChecksumError(
                error.source, error.algorithm, error.expected, error.actual, detail=message
            )
    return DownloadError(message)


def _no_source_message(
    dest: Path, urls: list[str], mirror_path: str, failures: list[tuple[_Source, Exception]]
) -> str:
    lines = [f"could not get {Path(mirror_path).name} (for {dest})."]
    if failures:
        lines.append("Tried:")
        lines += [f"  - {source.label}: {error}" for source, error in failures]
    if offline():
        lines.append(
            f"{ENV_OFFLINE}=1 is set, so only the cache and folder mirrors were tried. "
            f"Unset it to download from {urls[0] if urls else 'the network'}, or set "
            f"{ENV_MIRROR} to a folder holding {mirror_path}."
        )
    elif not urls:
        lines.append(
            f"This file is only distributed through mirrors: set {ENV_MIRROR} to a folder "
            f"or URL holding {mirror_path}."
        )
    else:
        lines.append(
            f"Check your connection, or set {ENV_MIRROR} to a folder or URL holding "
            f"{mirror_path} (now: {os.environ.get(ENV_MIRROR) or 'unset'})."
        )
    return "\n".join(lines)
