"""minitorch.io.hub against a real HTTP server on 127.0.0.1 that misbehaves on request.

Each test scripts what the server does for each request to a path: serve the
file (honouring Range), drop the connection half way, answer 500, serve
wrong bytes, ignore Range... and then checks what landed in the cache.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import os
import pickle
import threading
from collections import defaultdict, deque
from pathlib import Path

import pytest

from minitorch.io import hub

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB, every byte value, so offsets are checkable
SHA = hashlib.sha256(PAYLOAD).hexdigest()
MD5 = hashlib.md5(PAYLOAD).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    state: dict  # set per server: files, scripts, log

    def log_message(self, *args: object) -> None:  # keep pytest output clean
        pass

    def do_GET(self) -> None:
        files, scripts, log = self.state["files"], self.state["scripts"], self.state["log"]
        path = self.path
        rng = self.headers.get("Range")
        log.append((path, rng))
        action = scripts[path].popleft() if scripts[path] else "ok"
        if action in ("500", "503", "404"):
            self.send_error(int(action))
            return
        if path not in files:
            self.send_error(404)
            return
        body = files[path]
        if action == "wrong":
            body = bytes(b ^ 0xFF for b in body[:64]) + body[64:]
        start = 0
        if rng and action != "norange":
            start = int(rng.removeprefix("bytes=").split("-")[0])
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        chunk = body[start:]
        self.send_header("Content-Length", str(len(chunk)))
        if action == "gzip-encoded":
            self.send_header("Content-Encoding", "gzip")  # a server mislabelling a .gz file
        self.end_headers()
        if action == "drop":
            chunk = chunk[: len(chunk) // 2]
        self.wfile.write(chunk)
        self.state["sent"] += len(chunk)
        if action == "drop":
            self.wfile.flush()
            self.close_connection = True


@pytest.fixture
def server():
    """A threaded HTTP server on 127.0.0.1, port chosen by the OS; shut down after the test."""
    state = {"files": {}, "scripts": defaultdict(deque), "log": [], "sent": 0}
    handler = type("Handler", (_Handler,), {"state": state})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    state["url"] = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield state
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """Cache in a temp dir; no mirror or offline setting leaks in from the caller's shell."""
    monkeypatch.setenv(hub.ENV_HOME, str(tmp_path / "home"))
    monkeypatch.delenv(hub.ENV_MIRROR, raising=False)
    monkeypatch.delenv(hub.ENV_OFFLINE, raising=False)
    delays: list[float] = []
    monkeypatch.setattr(hub, "_sleep", delays.append)
    return delays


def serve(server, path="/data/file.bin", body=PAYLOAD, script=()):
    server["files"][path] = body
    server["scripts"][path].extend(script)
    return server["url"] + path


def fetch(url, dest, **kwargs):
    kwargs.setdefault("sha256", SHA)
    return hub.download(url, dest=dest, progress=False, backoff=0.01, timeout=5, **kwargs)


def test_download_verifies_caches_and_then_needs_no_network(server, tmp_path):
    url = serve(server)
    dest = tmp_path / "cache" / "file.bin"
    assert fetch(url, dest) == dest
    assert dest.read_bytes() == PAYLOAD
    assert not dest.with_name("file.bin.part").exists()
    requests_before = len(server["log"])
    assert fetch(url, dest) == dest  # cache hit
    assert len(server["log"]) == requests_before


def test_default_dest_is_under_minitorch_home(server, tmp_path):
    url = serve(server)
    path = hub.download(url, sha256=SHA, progress=False)
    assert path == tmp_path / "home" / "downloads" / "file.bin"


def test_cache_dir_default_is_home_cache(monkeypatch, tmp_path):
    monkeypatch.delenv(hub.ENV_HOME)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert hub.cache_dir() == tmp_path / ".cache" / "minitorch"


def test_md5_is_accepted_instead_of_sha256(server, tmp_path):
    url = serve(server)
    dest = fetch(url, tmp_path / "f", sha256=None, md5=MD5)
    assert dest.read_bytes() == PAYLOAD


def test_dropped_connection_resumes_with_range(server, tmp_path, isolated_env):
    url = serve(server, script=["drop", "drop"])
    dest = fetch(url, tmp_path / "f")
    assert dest.read_bytes() == PAYLOAD
    ranges = [r for _, r in server["log"]]
    half = len(PAYLOAD) // 2
    quarter = (len(PAYLOAD) - half) // 2
    assert ranges == [None, f"bytes={half}-", f"bytes={half + quarter}-"]
    assert server["sent"] == len(PAYLOAD)  # not one byte sent twice
    assert isolated_env == [0.01, 0.02]  # exponential backoff


def test_partial_file_from_an_earlier_run_is_resumed(server, tmp_path):
    url = serve(server)
    dest = tmp_path / "f"
    dest.with_name("f.part").write_bytes(PAYLOAD[:1000])
    fetch(url, dest)
    assert server["log"] == [("/data/file.bin", "bytes=1000-")]
    assert dest.read_bytes() == PAYLOAD


def test_server_ignoring_range_restarts_from_zero(server, tmp_path):
    url = serve(server, script=["norange"])
    dest = tmp_path / "f"
    dest.with_name("f.part").write_bytes(PAYLOAD[:1000])
    assert fetch(url, dest).read_bytes() == PAYLOAD


def test_complete_part_answered_416_is_verified_and_kept(server, tmp_path):
    url = serve(server)
    dest = tmp_path / "f"
    dest.with_name("f.part").write_bytes(PAYLOAD)
    assert fetch(url, dest).read_bytes() == PAYLOAD
    assert server["sent"] == 0


def test_stale_part_of_another_version_is_discarded_once(server, tmp_path):
    url = serve(server)
    dest = tmp_path / "f"
    dest.with_name("f.part").write_bytes(b"\x00" * 5000)  # wrong prefix: checksum fails
    assert fetch(url, dest).read_bytes() == PAYLOAD
    assert [r for _, r in server["log"]] == ["bytes=5000-", None]


def test_5xx_is_retried_with_backoff(server, tmp_path, isolated_env):
    url = serve(server, script=["500", "503", "ok"])
    assert fetch(url, tmp_path / "f").read_bytes() == PAYLOAD
    assert len(server["log"]) == 3
    assert isolated_env == [0.01, 0.02]


def test_retries_are_bounded(server, tmp_path):
    url = serve(server, script=["500"] * 10)
    with pytest.raises(hub.DownloadError, match="gave up after 3 attempts") as info:
        fetch(url, tmp_path / "f", retries=2)
    assert url in str(info.value)
    assert len(server["log"]) == 3
    assert not (tmp_path / "f").exists()


def test_404_is_not_retried(server, tmp_path):
    with pytest.raises(hub.DownloadError, match="HTTP 404"):
        fetch(server["url"] + "/missing.bin", tmp_path / "f")
    assert len(server["log"]) == 1


def test_wrong_bytes_never_land_in_the_cache(server, tmp_path):
    url = serve(server, script=["wrong"] * 3)
    dest = tmp_path / "f"
    with pytest.raises(hub.ChecksumError) as info:
        fetch(url, dest)
    error = info.value
    assert error.expected == SHA and error.actual != SHA and error.source == url
    assert SHA in str(error) and url in str(error)
    assert not dest.exists() and not dest.with_name("f.part").exists()
    assert str(pickle.loads(pickle.dumps(error))) == str(error)


def test_interrupted_download_leaves_old_cached_file_intact(server, tmp_path):
    dest = tmp_path / "f"
    dest.write_bytes(b"old version")
    url = serve(server, script=["drop"] * 10)
    with pytest.raises(hub.DownloadError):
        fetch(url, dest, retries=1)  # the pinned checksum is the new version's
    assert dest.read_bytes() == b"old version"
    with pytest.raises(hub.DownloadError):
        fetch(url, dest, sha256=hashlib.sha256(b"old version").hexdigest(), force=True, retries=0)
    assert dest.read_bytes() == b"old version"


def test_raw_bytes_are_kept_when_server_claims_content_encoding(server, tmp_path):
    gz = gzip.compress(PAYLOAD, mtime=0)
    url = serve(server, path="/x.gz", body=gz, script=["gzip-encoded"])
    dest = fetch(url, tmp_path / "x.gz", sha256=hashlib.sha256(gz).hexdigest())
    assert dest.read_bytes() == gz


def test_content_checksum_accepts_a_regzipped_copy(tmp_path):
    canonical = gzip.compress(PAYLOAD, mtime=0)
    regzipped = gzip.compress(PAYLOAD, compresslevel=1, mtime=12345)
    assert canonical != regzipped
    path = tmp_path / "x.gz"
    path.write_bytes(regzipped)
    checks = {
        "md5": hashlib.md5(canonical).hexdigest(),
        "content_sha256": hashlib.sha256(PAYLOAD).hexdigest(),
    }
    assert hub.check_file(path, **checks) == "content sha256"
    path.write_bytes(gzip.compress(PAYLOAD[:-1]))
    with pytest.raises(hub.ChecksumError, match="decompressed content does not match"):
        hub.check_file(path, **checks)


def test_folder_mirror_relative_to_cwd_is_tried_first(server, tmp_path, monkeypatch):
    (tmp_path / "mirror" / "set").mkdir(parents=True)
    (tmp_path / "mirror" / "set" / "file.bin").write_bytes(PAYLOAD)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(hub.ENV_MIRROR, "mirror")
    url = serve(server)
    assert fetch(url, tmp_path / "f", mirror_path="set/file.bin").read_bytes() == PAYLOAD
    assert server["log"] == []


def test_url_mirror_is_tried_before_canonical(server, tmp_path, monkeypatch):
    serve(server, path="/mirror/set/file.bin")
    monkeypatch.setenv(hub.ENV_MIRROR, server["url"] + "/mirror/")
    canonical = server["url"] + "/canonical/file.bin"
    fetch(canonical, tmp_path / "f", mirror_path="set/file.bin")
    assert [p for p, _ in server["log"]] == ["/mirror/set/file.bin"]


def test_missing_or_corrupt_mirror_falls_back_to_canonical(server, tmp_path, monkeypatch):
    (tmp_path / "mirror").mkdir()
    monkeypatch.setenv(hub.ENV_MIRROR, str(tmp_path / "mirror"))
    url = serve(server)
    assert fetch(url, tmp_path / "a", mirror_path="file.bin").read_bytes() == PAYLOAD
    (tmp_path / "mirror" / "file.bin").write_bytes(b"corrupt")
    assert fetch(url, tmp_path / "b", mirror_path="file.bin").read_bytes() == PAYLOAD


def test_every_source_wrong_raises_checksum_error_listing_them(server, tmp_path, monkeypatch):
    (tmp_path / "mirror").mkdir()
    (tmp_path / "mirror" / "file.bin").write_bytes(b"corrupt")
    monkeypatch.setenv(hub.ENV_MIRROR, str(tmp_path / "mirror"))
    url = serve(server, script=["wrong"] * 3)
    with pytest.raises(hub.ChecksumError) as info:
        fetch(url, tmp_path / "f", mirror_path="file.bin")
    assert "Tried:" in str(info.value) and url in str(info.value)
    assert not (tmp_path / "f").exists()


def test_offline_never_touches_the_network(server, tmp_path, monkeypatch):
    url = serve(server)
    monkeypatch.setenv(hub.ENV_OFFLINE, "1")
    with pytest.raises(hub.DownloadError, match="MINITORCH_OFFLINE=1") as info:
        fetch(url, tmp_path / "f")
    assert "MINITORCH_MIRROR" in str(info.value)
    monkeypatch.setenv(hub.ENV_MIRROR, server["url"])  # a URL mirror is network too
    with pytest.raises(hub.DownloadError):
        fetch(url, tmp_path / "f")
    assert server["log"] == []
    (tmp_path / "f").write_bytes(PAYLOAD)  # cached: fine offline
    assert fetch(url, tmp_path / "f") == tmp_path / "f"
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "file.bin").write_bytes(PAYLOAD)  # a folder mirror: fine offline
    monkeypatch.setenv(hub.ENV_MIRROR, str(tmp_path / "m"))
    assert fetch(url, tmp_path / "g").read_bytes() == PAYLOAD
    assert server["log"] == []


def test_mirror_only_file_without_mirror_says_what_to_do(tmp_path):
    with pytest.raises(hub.DownloadError, match="only distributed through mirrors"):
        hub.download([], sha256=SHA, dest=tmp_path / "f", mirror_path="set/f", progress=False)


def test_connection_refused_is_retried_then_reported(tmp_path, isolated_env):
    import socket

    with socket.socket() as s:  # find a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(hub.DownloadError, match="gave up after 2 attempts"):
        fetch(f"http://127.0.0.1:{port}/f", tmp_path / "f", retries=1)
    assert isolated_env == [0.01]


def test_io_package_import_is_light():
    import subprocess
    import sys

    code = "import sys, minitorch.io; print('requests' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == "False", out.stderr


def test_a_published_sha256_prefix_is_checked_as_a_prefix(tmp_path):
    path = tmp_path / "resnet-ab.pth"
    path.write_bytes(b"weights")
    digest = hashlib.sha256(b"weights").hexdigest()
    assert hub.check_file(path, sha256=digest[:8]) == "sha256"
    wrong = ("1" if digest[0] == "0" else "0") + digest[1:8]
    with pytest.raises(hub.ChecksumError, match=wrong):
        hub.check_file(path, sha256=wrong)
    with pytest.raises(ValueError, match="at least 8 hex digits"):
        hub.check_file(path, sha256=digest[:4])
