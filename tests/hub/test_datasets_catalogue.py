"""The catalogue end to end: entries are consistent, and every data set loads through it.

Loading uses the real offline copies as the mirror (``MINITORCH_MIRROR``,
default ``<repo>/../shared/datasets``) and a temporary ``MINITORCH_HOME``;
tests that need the copies skip with a clear reason when they are absent.
Everything runs with ``MINITORCH_OFFLINE=1``, so a mistake can never reach
for the internet.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import pickle
import tarfile
import zipfile
from urllib.parse import urlparse

import numpy as np
import pytest

from minitorch.hub import datasets
from minitorch.hub.datasets import catalogue, fetch
from minitorch.hub.datasets.cli import main
from minitorch.io import hub
from tests.shared_data import SHARED

needs_shared = pytest.mark.skipif(
    SHARED is None,
    reason="real data copies not found: set MINITORCH_MIRROR to the shared/datasets folder "
    "(default <repo>/../shared/datasets)",
)


@pytest.fixture(scope="module", autouse=True)
def env(tmp_path_factory):
    """One temporary cache for the module, the shared copies as mirror, and no network."""
    home = tmp_path_factory.mktemp("minitorch_home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(hub.ENV_HOME, str(home))
        mp.setenv(hub.ENV_OFFLINE, "1")
        if SHARED is not None:
            mp.setenv(hub.ENV_MIRROR, str(SHARED))
        else:
            mp.delenv(hub.ENV_MIRROR, raising=False)
        yield home


# ------------------------------------------------------------------ the entries themselves


def test_catalogue_names_the_issue_data_sets():
    names = datasets.list()
    for name in ("mnist", "fashion_mnist", "cifar10", "cifar10_jpeg", "imagenette",
                 "imagenette_224_subset", "sst2", "imdb_sample", "glove_6b_50d"):  # fmt: skip
        assert name in names


@pytest.mark.parametrize("name", list(catalogue.CATALOGUE))
def test_entry_is_complete(name):
    entry = datasets.info(name)
    assert entry.title and entry.description and entry.license and entry.citation
    assert entry.homepage.startswith("http") and entry.layout and callable(entry.loader)
    assert entry.files or entry.manifest
    published = [f.origin.archive if f.origin else f for f in entry.files]
    for f in published + ([entry.manifest] if entry.manifest else []):
        for url in f.urls:
            assert urlparse(url).scheme in ("http", "https") and url.endswith(f.path)
        # every published file is pinned, except GLUE's zip, which has no published checksum
        assert f.md5 or f.sha256 or f.path == "SST-2.zip", f.path
    if not entry.canonical:
        assert entry.variant_of in catalogue.CATALOGUE and entry.notes  # says how it differs
        assert all(f.sha256 for f in entry.files)


def test_names_aliases_and_errors():
    assert datasets.get("Fashion-MNIST").name == "fashion_mnist"
    assert datasets.get("imagenette2-224-subset").name == "imagenette_224_subset"
    assert datasets.get("glove").name == "glove_6b_50d"
    with pytest.raises(KeyError, match="known: cifar10"):
        datasets.get("mnits")
    aliases = [a for e in catalogue.CATALOGUE.values() for a in e.aliases]
    assert len(aliases) == len(set(aliases))


MIRRORED = [
    name
    for name, entry in catalogue.CATALOGUE.items()
    if SHARED is None or (SHARED / str(entry.mirror) / "SHA256SUMS").exists()
]


@needs_shared
@pytest.mark.parametrize("name", MIRRORED)
def test_pinned_sha256_agree_with_the_mirror_sums(name):
    entry = datasets.info(name)
    sums_file = SHARED / entry.mirror / "SHA256SUMS"
    sums = {line.split()[1].removeprefix("./"): line.split()[0] for line in sums_file.read_text().splitlines()}  # fmt: skip
    if entry.manifest:
        assert hashlib.sha256(sums_file.read_bytes()).hexdigest() == entry.manifest.sha256
    for f in entry.files:
        if f.path in sums:
            assert f.sha256 == sums[f.path], f.path
        else:
            assert entry.canonical, f"{f.path} is neither in the mirror nor downloadable"


# ------------------------------------------------------------------ loading through the catalogue


@pytest.fixture(scope="module")
def mnist():
    if SHARED is None:
        pytest.skip("real data copies not found (MINITORCH_MIRROR / ../shared/datasets)")
    return datasets.load("mnist", progress=False)


def test_mnist_loads_with_the_known_shapes(mnist):
    assert mnist.x_train.shape == (60000, 28, 28) and mnist.x_train.dtype == np.uint8
    assert mnist.y_train.shape == (60000,) and mnist.x_test.shape == (10000, 28, 28)
    assert mnist.y_train[:5].tolist() == [5, 0, 4, 1, 9]
    assert mnist.classes == [str(d) for d in range(10)]


def test_verify_rehashes_and_catches_damage(mnist, capsys):
    assert main(["verify", "mnist"]) == 0
    out = capsys.readouterr().out
    assert "mnist: verified, 4/4 files ok (4 by sha256+md5)" in out
    labels = fetch.dataset_dir(datasets.get("mnist")) / "t10k-labels-idx1-ubyte.gz"
    good = labels.read_bytes()
    labels.write_bytes(good[:-1] + bytes([good[-1] ^ 1]))
    assert main(["verify", "--no-download", "mnist"]) == 1
    assert "MISMATCH: expected sha256" in capsys.readouterr().out
    datasets.path("mnist", progress=False)  # a damaged cache file is fetched again
    assert labels.read_bytes() == good


@needs_shared
def test_fashion_mnist_test_split_only():
    data = datasets.load("fashion_mnist", splits="test", progress=False)
    assert data.x_test.shape == (10000, 28, 28) and data.classes[0] == "T-shirt/top"
    assert data.x_train.shape == (0, 28, 28) and data.y_train.shape == (0,)


@needs_shared
def test_debian_regzipped_fashion_mnist_is_accepted_by_content(tmp_path):
    # Debian's package re-gzips the same files: simulate its folder with our own re-gzip
    system = tmp_path / "usr-share-datasets" / "fashion-mnist"
    system.mkdir(parents=True)
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        content = gzip.decompress((SHARED / "fashion-mnist" / name).read_bytes())
        (system / name).write_bytes(gzip.compress(content, compresslevel=1, mtime=0))
    entry = dataclasses.replace(
        datasets.get("fashion_mnist"), name="fashion_mnist_debian", system_mirrors=(str(system.parent),)
    )  # fmt: skip
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(hub.ENV_MIRROR)
        root = fetch.fetch(entry, splits=("test",), progress=False)
    checks = fetch.verify(entry, splits=("test",))
    assert [c.how for c in checks] == ["content sha256", "content sha256"]
    assert entry.loader  # and the IDX reader does not care how it was gzipped:
    assert datasets.loaders.read_idx(root / "t10k-labels-idx1-ubyte.gz").shape == (10000,)


@needs_shared
def test_cifar10_jpeg_one_split_through_the_catalogue():
    data = datasets.load("cifar10_jpeg", splits="test", progress=False)
    assert len(data.valid) == 10000 and data.train == []
    assert data.classes == datasets.loaders.CIFAR10_CLASSES
    path, label = data.valid[0]
    assert path.name == "0000.jpg" and path.parent.name == "airplane" and label == 0
    assert all(c.ok for c in datasets.verify("cifar10_jpeg", splits="test"))


@needs_shared
def test_imagenette_subset_through_the_catalogue():
    data = datasets.load("imagenette_224_subset", progress=False)
    assert (len(data.train), len(data.valid)) == (1000, 500)
    assert data.classes[-1] == "parachute" and data.valid[-1][1] == 9
    checks = datasets.verify("imagenette_224_subset")
    assert len(checks) == 1502 and all(c.ok for c in checks)


@needs_shared
def test_text_sets_and_glove_through_the_catalogue():
    sst = datasets.load("sst2", progress=False)
    assert (len(sst.train), len(sst.valid), len(sst.test)) == (67349, 872, 1821)
    imdb = datasets.load("imdb_sample", progress=False)
    assert (len(imdb.train), len(imdb.valid), imdb.classes) == (800, 200, ["negative", "positive"])
    glove = datasets.load("glove_6b_50d_top50k", progress=False)
    assert glove.vectors.shape == (50000, 50) and glove.vectors.dtype == np.float32
    assert glove.words[glove.index["king"]] == "king"


# ------------------------------------------------------------------ canonical recipes, offline


def test_canonical_only_set_offline_names_its_mirror_variant():
    with pytest.raises(hub.DownloadError) as info:
        datasets.path("imagenette", progress=False)
    message = str(info.value)
    assert "MINITORCH_OFFLINE=1" in message and "imagenette2-160.tgz" in message
    assert "'imagenette_224_subset'" in message


def test_cifar10_pickle_tarball_unpacks_and_loads(tmp_path):
    """The canonical CIFAR-10 recipe on a tiny tarball we write (the real one is not offline)."""
    rng = np.random.default_rng(0)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, n in [(f"data_batch_{i}", 2) for i in range(1, 6)] + [("test_batch", 3)]:
            rows = rng.integers(0, 256, (n, 3072)).astype(np.uint8)
            blob = pickle.dumps({b"data": rows, b"labels": list(range(n))}, protocol=2)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    (tmp_path / "cifar10").mkdir()
    (tmp_path / "cifar10" / "cifar-10-python.tar.gz").write_bytes(buf.getvalue())
    tiny = dataclasses.replace(datasets.get("cifar10").files[0], md5=hashlib.md5(buf.getvalue()).hexdigest())  # fmt: skip
    entry = dataclasses.replace(datasets.get("cifar10"), name="cifar10_tiny", files=(tiny,))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(hub.ENV_MIRROR, str(tmp_path))
        root = fetch.fetch(entry, progress=False)
    data = entry.loader(root)
    assert data.x_train.shape == (10, 32, 32, 3) and data.x_test.shape == (3, 32, 32, 3)
    assert data.classes == datasets.loaders.CIFAR10_CLASSES


@needs_shared
def test_sst2_falls_back_to_the_published_zip(tmp_path):
    """No loose TSVs in the mirror, only SST-2.zip: members are extracted and checked."""
    (tmp_path / "sst2").mkdir()
    with zipfile.ZipFile(tmp_path / "sst2" / "SST-2.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for name in ("train.tsv", "dev.tsv", "test.tsv"):
            zf.write(SHARED / "sst2" / name, f"SST-2/{name}")
    entry = dataclasses.replace(datasets.get("sst2"), name="sst2_from_zip")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(hub.ENV_MIRROR, str(tmp_path))
        root = fetch.fetch(entry, splits=("valid",), progress=False)
        assert (root / "dev.tsv").read_bytes() == (SHARED / "sst2" / "dev.tsv").read_bytes()
        # a zip whose member differs from the pinned rows is refused, and nothing lands
        with zipfile.ZipFile(tmp_path / "sst2" / "SST-2.zip", "w") as zf:
            zf.writestr("SST-2/test.tsv", "index\tsentence\n0\ttampered\n")
        (hub.cache_dir() / "downloads" / "SST-2.zip").unlink()
        with pytest.raises(hub.ChecksumError, match="SST-2/test.tsv"):
            fetch.fetch(entry, splits=("test",), progress=False)
        assert not (root / "test.tsv").exists()


# ------------------------------------------------------------------ command line


def test_cli_list_info_path_and_unknown(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "imagenette_224_subset" in out and "cache:" in out
    assert main(["info", "sst2"]) == 0
    out = capsys.readouterr().out
    assert "https://dl.fbaipublicfiles.com/glue/data/SST-2.zip" in out and "license" in out
    assert main(["info", "nope"]) == 2
    assert "no data set named 'nope'" in capsys.readouterr().err
    assert main(["path", "imagenette"]) == 1  # offline and not mirrored: a clear error, no trace
    assert "imagenette_224_subset" in capsys.readouterr().err
