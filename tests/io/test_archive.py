"""minitorch.io.archive: malicious tar and zip files are refused before anything is written."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from minitorch.io import archive


def make_tar(path: Path, members: list[tuple[str, str, str | bytes]]) -> Path:
    """Write a tar.gz of (kind, name, data-or-link-target) members: kind is file/dir/sym/hard/dev."""
    with tarfile.open(path, "w:gz") as tar:
        for kind, name, data in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                payload = data.encode() if isinstance(data, str) else data
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
                continue
            info.type = {
                "dir": tarfile.DIRTYPE,
                "sym": tarfile.SYMTYPE,
                "hard": tarfile.LNKTYPE,
                "dev": tarfile.CHRTYPE,
            }[kind]
            if kind in ("sym", "hard"):
                info.linkname = str(data)
            tar.addfile(info)
    return path


@pytest.fixture
def target(tmp_path):
    """An empty extraction folder nested deep enough that ../../ stays inside tmp_path."""
    dest = tmp_path / "a" / "b" / "dest"
    dest.mkdir(parents=True)
    return dest


def assert_nothing_written(tmp_path: Path, dest: Path) -> None:
    assert list(dest.iterdir()) == []
    written = {p.relative_to(tmp_path) for p in tmp_path.rglob("*")}
    assert written <= {Path("a"), Path("a/b"), Path("a/b/dest"), Path("evil.tar.gz")}


@pytest.mark.parametrize(
    "members, reason",
    [
        ([("file", "ok.txt", "fine"), ("file", "../../x", "escaped")], "'..'"),
        ([("file", "sub/../../../x", "escaped")], "'..'"),
        ([("file", "/tmp/minitorch-abs-test", "abs")], "absolute"),
        ([("sym", "link", "../../outside")], "outside"),
        ([("sym", "link", "/etc")], "outside"),
        ([("sym", "d", "sub"), ("file", "d/x", "through a link")], "through a link"),
        ([("hard", "h", "../../outside")], "'..'"),
        ([("dev", "null", "")], "special file"),
    ],
    ids=[
        "dotdot",
        "nested-dotdot",
        "absolute",
        "symlink-up",
        "symlink-abs",
        "via-link",
        "hardlink",
        "device",
    ],  # fmt: skip
)
def test_malicious_tar_is_refused_and_nothing_is_written(tmp_path, target, members, reason):
    bad = make_tar(tmp_path / "evil.tar.gz", members)
    with pytest.raises(archive.UnsafeArchiveError, match=reason):
        archive.extract(bad, target)
    assert_nothing_written(tmp_path, target)
    assert not Path("/tmp/minitorch-abs-test").exists()


def test_symlink_chain_escape_is_refused(tmp_path, target):
    # each link looks harmless on its own; together d/l/l2 -> dest/.. -> outside
    bad = make_tar(tmp_path / "evil.tar.gz", [("sym", "d/l", ".."), ("sym", "d/l/l2", "..")])
    with pytest.raises(archive.UnsafeArchiveError, match="through a link"):
        archive.extract(bad, target)


def test_safe_tar_extracts_and_replaces_top_level_entries(tmp_path, target):
    (target / "top").mkdir()
    (target / "top" / "stale.txt").write_text("old")
    good = make_tar(
        tmp_path / "good.tar.gz",
        [
            ("dir", "top", ""),
            ("file", "top/a.txt", "alpha"),
            ("file", "top/sub/b.txt", "beta"),
            ("sym", "top/link", "sub/b.txt"),
            ("file", "readme", "hi"),
        ],
    )
    placed = archive.extract(good, target)
    assert sorted(p.name for p in placed) == ["readme", "top"]
    assert (target / "top" / "a.txt").read_text() == "alpha"
    assert (target / "top" / "link").read_text() == "beta"
    assert not (target / "top" / "stale.txt").exists()
    assert sorted(p.name for p in target.iterdir()) == ["readme", "top"]  # no temp folder left


def make_zip(path: Path, names: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in names.items():
            zf.writestr(name, data)
    return path


@pytest.mark.parametrize("name", ["../../evil", "/abs/evil", "C:/evil", "a\\..\\..\\evil"])
def test_malicious_zip_is_refused(tmp_path, target, name):
    bad = make_zip(tmp_path / "evil.zip", {"ok.txt": "fine", name: "bad"})
    with pytest.raises(archive.UnsafeArchiveError):
        archive.extract(bad, target)
    assert list(target.iterdir()) == []


def test_zip_symlink_is_refused(tmp_path, target):
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo("link")
        info.external_attr = 0o120777 << 16  # S_IFLNK
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(archive.UnsafeArchiveError, match="symlink"):
        archive.extract(path, target)


def test_extract_member_from_zip_and_tar(tmp_path):
    zf = make_zip(tmp_path / "a.zip", {"SST-2/train.tsv": "sentence\tlabel\n"})
    out = archive.extract_member(zf, "SST-2/train.tsv", tmp_path / "out" / "train.tsv")
    assert out.read_text() == "sentence\tlabel\n"
    tf = make_tar(tmp_path / "a.tar.gz", [("file", "./imdb/texts.csv", "label,text\n")])
    out = archive.extract_member(tf, "imdb/texts.csv", tmp_path / "texts.csv")
    assert out.read_text() == "label,text\n"
    with pytest.raises(FileNotFoundError, match="no regular file named"):
        archive.extract_member(zf, "nope", tmp_path / "nope")
    assert not (tmp_path / "nope.part").exists()


def test_extract_member_refused_by_check_leaves_no_file(tmp_path):
    zf = make_zip(tmp_path / "a.zip", {"x": "data"})

    def reject(path: Path) -> None:
        raise ValueError("checksum says no")

    with pytest.raises(ValueError, match="checksum says no"):
        archive.extract_member(zf, "x", tmp_path / "x", check_file=reject)
    assert not (tmp_path / "x").exists() and not (tmp_path / "x.part").exists()


# ## Links resolved the way the kernel resolves them, in extraction order


@pytest.mark.parametrize(
    "members",
    [
        [("sym", "a", "b/b/../.."), ("sym", "b", ".")],  # a is harmless until b exists
        [("sym", "b", "."), ("sym", "a", "b/b/../..")],
        [("sym", "b", "."), ("sym", "c", "b/b/b"), ("sym", "a", "c/../..")],  # link via link
        [("sym", "x/b", ".."), ("sym", "a", "x/b/..")],
        [("sym", "a", "b/.."), ("sym", "b", "a")],  # a loop
        [("sym", "up", "b/b/../.."), ("sym", "b", "."), ("file", "ok", "x")],
    ],
    ids=["later-link", "earlier-link", "chain", "nested", "loop", "with-files"],
)
def test_links_through_other_links_are_resolved_in_order(tmp_path, target, members):
    bad = make_tar(tmp_path / "evil.tar.gz", members)
    with pytest.raises(archive.UnsafeArchiveError) as info:
        archive.extract(bad, target)
    assert str(bad) in str(info.value) and "symlink" in str(info.value)
    assert_nothing_written(tmp_path, target)


def test_the_reported_escape_names_the_member(tmp_path, target):
    bad = make_tar(tmp_path / "evil.tar.gz", [("sym", "a", "b/b/../.."), ("sym", "b", ".")])
    with pytest.raises(archive.UnsafeArchiveError, match=r"symlink 'a' -> 'b/b/\.\./\.\.'"):
        archive.check(bad)


def test_hard_link_through_a_symlink_that_leaves_is_refused(tmp_path, target):
    bad = make_tar(
        tmp_path / "evil.tar.gz",
        [("sym", "b", "."), ("sym", "up", "b/b/.."), ("hard", "h", "up/secret")],
    )
    with pytest.raises(archive.UnsafeArchiveError, match="'up'"):
        archive.extract(bad, target)
    assert_nothing_written(tmp_path, target)


def test_links_that_stay_inside_still_work(tmp_path, target):
    good = make_tar(
        tmp_path / "good.tar.gz",
        [
            ("file", "data/x.txt", "x"),
            ("sym", "cur", "data"),
            ("sym", "back", "cur/../data/x.txt"),
            ("hard", "copy", "data/x.txt"),
        ],
    )
    archive.extract(good, target)
    assert (target / "back").read_text() == "x" and (target / "copy").read_text() == "x"


# ## Truncated or corrupt archives name the file


def test_truncated_tar_gz_raises_archive_error_naming_the_file(tmp_path, target):
    full = make_tar(tmp_path / "full.tar.gz", [("file", f"f{i}", "x" * 5000) for i in range(20)])
    data = full.read_bytes()
    cut_path = tmp_path / "cut.tar.gz"
    calls = [
        lambda: archive.extract(cut_path, target),
        lambda: archive.check(cut_path),
        lambda: archive.extract_member(cut_path, "f19", tmp_path / "out" / "f19"),
    ]
    # Cut in the middle every reader fails; with only gzip's 8-byte trailer cut, the
    # members are all there: extract (which reads to the end) still notices.
    for cut, readers in ((len(data) // 2, calls), (30, calls), (len(data) - 9, calls[:1])):
        cut_path.write_bytes(data[:cut])
        for call in readers:
            with pytest.raises(archive.ArchiveError, match="cut.tar.gz.*truncated or corrupt"):
                call()
        assert (
            not (tmp_path / "out" / "f19").exists() and not (tmp_path / "out" / "f19.part").exists()
        )
    assert sorted(p.name for p in target.iterdir()) == []
    zf = make_zip(tmp_path / "a.zip", {"x": "data" * 1000})
    damaged = bytearray(zf.read_bytes())
    damaged[40:60] = b"\0" * 20  # inside the member's data: its CRC fails
    zf.write_bytes(bytes(damaged))
    with pytest.raises(archive.ArchiveError, match="a.zip"):
        archive.extract(zf, target)
