"""minitorch.hub: one description of a downloadable thing, one resolver, one model registry."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path
from typing import Dict

import numpy as np
import pytest
from PIL import Image

from minitorch.hub import models, resolve
from minitorch.hub.files import HubFile, Package, Resource
from minitorch.hub.models import ModelEntry
from minitorch.io import hub

REPO = Path(__file__).resolve().parents[2]


pytestmark = pytest.mark.usefixtures("isolated_hub")  # a temporary cache, no mirror (conftest.py)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ## The description


def test_flat_fields_and_files_describe_the_same_weights() -> None:
    flat = ModelEntry(name="m", builder=dict, family="f", input_size=8, resize_size=8, stats=((), ()),
                      filename="m-1234abcd.pth", sha256="1234abcd", package="m-weights",
                      package_file="models/m-1234abcd.pth", urls=("https://example.org/m.pth",))  # fmt: skip
    assert flat.files.files == (HubFile("m-1234abcd.pth", ("https://example.org/m.pth",), sha256="1234abcd"),)
    assert flat.files.package == Package("m-weights", folder="models")
    assert (flat.import_name, flat.mirror_path) == ("m_weights", "models/m-1234abcd.pth")
    zipped = ModelEntry(name="z", builder=dict, family="f", input_size=8, resize_size=8, stats=((), ()),
                        filename="w.bin", files=Resource("z", (HubFile("w.bin", sha256="ab" * 32),),
                        mirror="models/z", package=Package("z-model", "z_pkg", archive="z.zip")))  # fmt: skip
    assert (zipped.sha256, zipped.package, zipped.package_file, zipped.package_member) == (
        "ab" * 32, "z-model", "z.zip", "w.bin")
    assert (zipped.import_name, zipped.mirror_path) == ("z_pkg", "models/z/w.bin")
    with pytest.raises(ValueError, match="package_file must end in filename"):
        ModelEntry(name="x", builder=dict, family="f", input_size=8, resize_size=8, stats=((), ()),
                   filename="a.pth", package="p", package_file="models/b.pth")  # fmt: skip


def test_the_zoo_lists_the_text_encoder_through_the_entry_points() -> None:
    targets = models.catalogue_targets()  # by entry-point name, as setuptools writes them
    assert targets[:3] == ["vision.models.efficientnet_lite:ZOO", "text.models.minilm:ZOO",
                           "vision.models.resnet:ZOO"]  # fmt: skip
    names = models.list_models()  # image classifiers first, whatever the catalogues' order
    assert names.index("resnet50") < names.index("minilm_l6") and names[0] == "efficientnet_lite0"
    assert models.list_models("minilm*") == ["minilm_l6"]
    assert models.get_entry("minilm_l6").files.files[1].path == "config.json"  # tokenizer, config too


# ## The resolver: package, cache, mirror, URLs


def fake_package(tmp_path: Path, files: Dict[str, bytes]) -> Path:
    """A folder that looks like an installed package holding ``data.zip``."""
    folder = tmp_path / "site" / "fake_pkg"
    folder.mkdir(parents=True)
    with zipfile.ZipFile(folder / "data.zip", "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return folder


def test_a_zip_in_the_package_comes_first_then_the_mirror(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = b"weights" * 100, b"{}"
    resource = Resource("thing", (HubFile("a.bin", sha256=sha(a)), HubFile("b.json", sha256=sha(b))),
                        mirror="things/thing", package=Package("fake-pkg", archive="data.zip"))  # fmt: skip
    folder = fake_package(tmp_path, {"a.bin": a})  # b.json is not in the package
    monkeypatch.setattr(resolve, "package_dir", lambda name: folder if name == "fake_pkg" else None)
    path = resolve.fetch_file(resource, resource.file("a.bin"))
    assert path == resolve.cache_path(resource, resource.file("a.bin")) and path.read_bytes() == a
    assert [where for where, _ in resolve.local_copies(resource, resource.file("a.bin"))] == [
        "package", "cache"]
    monkeypatch.setenv(hub.ENV_OFFLINE, "1")
    with pytest.raises(hub.DownloadError, match="things/thing/b.json"):
        resolve.fetch_file(resource, resource.file("b.json"))
    mirror = tmp_path / "mirror"
    (mirror / "things" / "thing").mkdir(parents=True)
    (mirror / "things" / "thing" / "b.json").write_bytes(b)
    monkeypatch.setenv(hub.ENV_MIRROR, str(mirror))
    assert resolve.fetch_file(resource, resource.file("b.json")).read_bytes() == b


def test_a_damaged_cached_copy_is_reported_and_replaced(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    good = b"0123456789" * 10
    resource = Resource("r", (HubFile("f.bin", sha256=sha(good)[:8]),), mirror="r")
    file = resource.file("f.bin")
    cached = resolve.cache_path(resource, file)
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"x" * 100)
    path, damaged = resolve.find_local(resource, file)
    assert path is None and len(damaged) == 1 and str(cached) in str(damaged[0])
    (tmp_path / "mirror" / "r").mkdir(parents=True)
    (tmp_path / "mirror" / "r" / "f.bin").write_bytes(good)
    monkeypatch.setenv(hub.ENV_MIRROR, str(tmp_path / "mirror"))
    assert resolve.fetch_file(resource, file).read_bytes() == good
    assert resolve.find_local(resource, file) == (cached, [])


# ## vision_learner looks its arch up once


def test_vision_learner_visits_the_registry_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vision import ImageDataLoaders, Resize
    from vision.learner import vision_learner

    for cls, colour in (("red", 0), ("blue", 2)):
        (tmp_path / "train" / cls).mkdir(parents=True)
        (tmp_path / "val" / cls).mkdir(parents=True)
        for split in ("train", "val"):
            pixels = np.zeros((16, 16, 3), np.uint8)
            pixels[..., colour] = 200
            Image.fromarray(pixels).save(tmp_path / split / cls / "0.png")
    dls = ImageDataLoaders.from_folder(tmp_path, item_tfms=Resize(16), bs=2, seed=0)
    lookups = []

    class CountingRegistry(dict):
        def get(self, key, default=None):
            lookups.append(key)
            return super().get(key, default)

    models.list_models()  # the catalogues are loaded
    monkeypatch.setattr(models, "_REGISTRY", CountingRegistry(models._REGISTRY))
    learn = vision_learner(dls, "resnet18", pretrained=False)
    assert lookups == ["resnet18"]
    assert dls.normalize is not None and learn.model.zoo_entry.name == "resnet18"


# Imports (vision never imports text, no cycles): tests/test_layering.py checks the whole tree.
