"""minitorch.io.hub: size limits, a corrupt .gz on a mirror, and concurrent downloads.

The servers here run on 127.0.0.1 and misbehave on purpose: one streams
without end (up to 64 MiB, so a download without a limit still ends and the
test fails rather than hangs), one lies in Content-Length, one is slow and
ignores Range so that processes sharing a ``.part`` file would trample it.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from minitorch.io import hub

REPO = Path(__file__).resolve().parents[2]
PAYLOAD = bytes(range(256)) * 2048  # 512 KiB
SHA = hashlib.sha256(PAYLOAD).hexdigest()
ENDLESS_CAP = 64 << 20  # what "forever" means here: far above every limit under test


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # no Content-Length needed: the body ends when we close

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.server.gets += 1  # type: ignore[attr-defined]
        if self.path == "/endless":
            self.send_response(200)
            self.end_headers()
            block = b"\0" * (64 << 10)
            try:
                for _ in range(ENDLESS_CAP // len(block)):
                    self.wfile.write(block)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading: what we want
            return
        if self.path == "/liar":
            self.send_response(200)
            self.send_header("Content-Length", str(10 << 30))
            self.end_headers()
            return
        # /slow: the payload in small pieces, Range ignored (always 200 from byte 0)
        self.send_response(200)
        self.send_header("Content-Length", str(len(PAYLOAD)))
        self.end_headers()
        for start in range(0, len(PAYLOAD), 32 << 10):
            self.wfile.write(PAYLOAD[start : start + (32 << 10)])
            self.wfile.flush()
            time.sleep(0.01)


@pytest.fixture
def base_url() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.gets = 0  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(hub.ENV_HOME, str(tmp_path / "home"))
    for name in (hub.ENV_MIRROR, hub.ENV_OFFLINE, hub.ENV_MAX_SIZE):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(hub, "_sleep", lambda seconds: None)


def fetch(url: str, dest: Path, **kwargs) -> Path:
    return hub.download(url, dest=dest, progress=False, timeout=5, retries=0, **kwargs)


# ## An endless response stops at the pinned size, or at the cap


def test_endless_response_stops_at_the_pinned_size(base_url: str, tmp_path: Path) -> None:
    dest = tmp_path / "f.bin"
    start = time.perf_counter()
    with pytest.raises(hub.DownloadError) as info:
        fetch(f"{base_url}/endless", dest, sha256=SHA, size=100_000)
    assert time.perf_counter() - start < 10
    message = str(info.value)
    assert f"{base_url}/endless" in message and "pins 100000 bytes" in message
    assert not dest.exists() and not dest.with_name("f.bin.part").exists()


def test_endless_response_without_a_size_stops_at_the_cap(
    base_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(hub.DownloadError, match=r"cap .* 2097152 bytes .*max_size="):
        fetch(f"{base_url}/endless", tmp_path / "a.bin", max_size=2 << 20)
    monkeypatch.setenv(hub.ENV_MAX_SIZE, str(1 << 20))
    with pytest.raises(hub.DownloadError, match="1048576 bytes"):
        fetch(f"{base_url}/endless", tmp_path / "b.bin", sha256=SHA)
    assert not list(tmp_path.glob("*.part"))
    monkeypatch.setenv(hub.ENV_MAX_SIZE, "lots")
    with pytest.raises(ValueError, match=hub.ENV_MAX_SIZE):
        fetch(f"{base_url}/endless", tmp_path / "c.bin")


def test_content_length_over_the_limit_is_refused_before_reading(base_url: str, tmp_path: Path) -> None:
    with pytest.raises(hub.DownloadError, match=r"announces 10737418240 bytes.*pins 512 bytes"):
        fetch(f"{base_url}/liar", tmp_path / "x.bin", size=512)


def test_pinned_size_allows_the_right_file(base_url: str, tmp_path: Path) -> None:
    assert fetch(f"{base_url}/slow", tmp_path / "ok.bin", sha256=SHA, size=len(PAYLOAD)).read_bytes() == PAYLOAD


def test_folder_mirror_copy_over_the_pinned_size_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mirror").mkdir()
    (tmp_path / "mirror" / "f.bin").write_bytes(PAYLOAD + b"extra")
    monkeypatch.setenv(hub.ENV_MIRROR, str(tmp_path / "mirror"))
    with pytest.raises(hub.DownloadError, match=f"pins {len(PAYLOAD)} bytes"):
        hub.download([], sha256=SHA, dest=tmp_path / "f.bin", mirror_path="f.bin",
                     size=len(PAYLOAD), progress=False)


# ## A corrupt .gz on a folder mirror


@pytest.mark.parametrize("where", [20, 100], ids=["zlib-error", "crc"])
def test_corrupt_gzip_on_a_mirror_is_a_checksum_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: int
) -> None:
    canonical = gzip.compress(PAYLOAD, mtime=0)
    broken = bytearray(gzip.compress(PAYLOAD, compresslevel=1, mtime=1))
    broken[where : where + 8] = b"\xff" * 8  # offset 20 makes zlib itself fail
    mirror_file = tmp_path / "mirror" / "x.gz"
    mirror_file.parent.mkdir()
    mirror_file.write_bytes(bytes(broken))
    monkeypatch.setenv(hub.ENV_MIRROR, str(tmp_path / "mirror"))
    monkeypatch.setenv(hub.ENV_OFFLINE, "1")
    checks = {"sha256": hashlib.sha256(canonical).hexdigest(),
              "content_sha256": hashlib.sha256(PAYLOAD).hexdigest()}
    with pytest.raises(hub.ChecksumError) as info:
        hub.download([], dest=tmp_path / "x.gz", mirror_path="x.gz", progress=False, **checks)
    assert str(mirror_file) in str(info.value) and "not a readable gzip file" in str(info.value)
    with pytest.raises(hub.ChecksumError, match="not a readable gzip file"):
        hub.check_file(mirror_file, content_sha256=checks["content_sha256"])


# ## Several processes downloading the same file


WORKER = """
import sys
from minitorch.io import hub
path = hub.download(sys.argv[1], sha256=sys.argv[2], dest=sys.argv[3], progress=False,
                    timeout=10, retries=0)
print(path)
"""


def test_concurrent_downloads_of_one_file_all_succeed(base_url: str, tmp_path: Path) -> None:
    dest = tmp_path / "cache" / "shared.bin"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, f"{base_url}/slow", SHA, str(dest)],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(5)
    ]
    outcomes = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    for out, err, code in outcomes:
        assert code == 0, err
        assert out.strip() == str(dest)
    assert dest.read_bytes() == PAYLOAD
    assert not dest.with_name("shared.bin.part").exists()
