"""ResNet-18/34/50 (vision/models/resnet.py): torchvision's names, sizes and numbers.

Without PyTorch: parameter counts, the state-dict keys and shapes that
torchvision's architecture rules give, and round trips through both ``.pth``
formats written byte by byte. With PyTorch: a compact reference ResNet in
``torch.nn`` (torchvision is not needed) with random weights and random
BatchNorm statistics, copied into ours, must give the same logits and input
gradients, and its ``torch.save`` files must load strictly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Tuple

import numpy as np
import pytest

import minitorch
from minitorch.io import load_checkpoint, rename_keys
from tests import pth_builder
from vision.models.resnet import (
    RESNET_RENAMES,
    BasicBlock,
    Bottleneck,
    ResNet,
    resnet18,
    resnet34,
    resnet50,
)

FAST = minitorch.FastTensorBackend
ARCHS = {"resnet18": (resnet18, "basic", (2, 2, 2, 2)), "resnet34": (resnet34, "basic", (3, 4, 6, 3)),
         "resnet50": (resnet50, "bottleneck", (3, 4, 6, 3))}


def images(seed: int, shape: Tuple[int, ...] = (2, 3, 64, 64)) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def as_tensor(array: np.ndarray) -> minitorch.Tensor:
    return minitorch.Tensor.from_numpy(array, backend=FAST)


def numpy_state(model: minitorch.Module) -> Dict[str, np.ndarray]:
    """The model's state as torch stores it (``num_batches_tracked`` as int64)."""
    out = {}
    for key, value in model.state_dict().items():
        array = value.to_numpy()
        out[key] = array.astype(np.int64) if key.endswith("num_batches_tracked") else array
    return out


# ## Architecture rules: what torchvision's ResNet state dict holds


def bn_keys(prefix: str, c: int) -> List[Tuple[str, Tuple[int, ...]]]:
    return [(f"{prefix}.weight", (c,)), (f"{prefix}.bias", (c,)), (f"{prefix}.running_mean", (c,)),
            (f"{prefix}.running_var", (c,)), (f"{prefix}.num_batches_tracked", ())]


def expected_keys(block: str, layers: Tuple[int, ...], classes: int = 1000) -> List[Tuple[str, Tuple[int, ...]]]:
    """torchvision's (key, shape) list, in order, from the architecture's rules."""
    expansion = 4 if block == "bottleneck" else 1
    keys = [("conv1.weight", (64, 3, 7, 7)), *bn_keys("bn1", 64)]
    inplanes = 64
    for stage, (planes, blocks) in enumerate(zip((64, 128, 256, 512), layers), start=1):
        for j in range(blocks):
            p, width = f"layer{stage}.{j}", planes * expansion
            if block == "basic":
                keys += [(f"{p}.conv1.weight", (planes, inplanes, 3, 3)), *bn_keys(f"{p}.bn1", planes),
                         (f"{p}.conv2.weight", (planes, planes, 3, 3)), *bn_keys(f"{p}.bn2", planes)]
            else:
                keys += [(f"{p}.conv1.weight", (planes, inplanes, 1, 1)), *bn_keys(f"{p}.bn1", planes),
                         (f"{p}.conv2.weight", (planes, planes, 3, 3)), *bn_keys(f"{p}.bn2", planes),
                         (f"{p}.conv3.weight", (width, planes, 1, 1)), *bn_keys(f"{p}.bn3", width)]
            stride = 2 if stage > 1 and j == 0 else 1
            if j == 0 and (stride != 1 or inplanes != width):
                keys += [(f"{p}.downsample.0.weight", (width, inplanes, 1, 1)),
                         *bn_keys(f"{p}.downsample.1", width)]
            inplanes = width
    return keys + [("fc.weight", (classes, 512 * expansion)), ("fc.bias", (classes,))]


@pytest.mark.parametrize(
    "name, count", [("resnet18", 11_689_512), ("resnet34", 21_797_672), ("resnet50", 25_557_032)]
)
def test_parameter_count_and_keys_match_torchvision(name: str, count: int) -> None:
    build, block, layers = ARCHS[name]
    model = build(dtype="float32")
    assert sum(p.value.size for p in model.parameters()) == count
    got = [(k, tuple(v.shape)) for k, v in model.state_dict().items()]
    assert got == expected_keys(block, layers)
    assert model.num_features == (2048 if block == "bottleneck" else 512)
    assert type(model.layer1[0]) is (Bottleneck if block == "bottleneck" else BasicBlock)
    if block == "bottleneck":  # "v1.5": the stride is on the 3x3 convolution
        assert model.layer2[0].conv1.stride == (1, 1) and model.layer2[0].conv2.stride == (2, 2)
    assert all(v.dtype == np.float32 for k, v in model.state_dict().items() if "num_batches" not in k)


def test_num_classes_features_and_body() -> None:
    model = resnet18(num_classes=7, dtype="float32")
    model.eval()
    x = as_tensor(images(0, (1, 3, 40, 56)))
    feats = model.features(x)
    assert feats.shape == (1, 512, 2, 2)  # /32, rounded up
    assert model(x).shape == (1, 7)
    body = model.body()
    assert [n for n, _ in body.named_children()][-1] == "layer4"
    assert body.conv1 is model.conv1  # shared, not copied
    np.testing.assert_array_equal(body(x).to_numpy(), feats.to_numpy())
    assert rename_keys(model.state_dict(), RESNET_RENAMES).keys() == model.state_dict().keys()
    with pytest.raises(ValueError, match="four positive block counts"):
        ResNet(BasicBlock, (2, 2, 2))


def test_constant_input_is_moved_to_the_models_backend_and_dtype() -> None:
    model = resnet18(num_classes=3, dtype="float32")
    model.eval()
    array = images(1, (1, 3, 32, 32))
    expected = model(as_tensor(array)).to_numpy()
    slow = minitorch.Tensor.from_numpy(array.astype(np.float64))  # SimpleBackend, float64
    out = model(slow)
    assert out.backend is FAST and out.dtype == np.float32
    np.testing.assert_allclose(out.to_numpy(), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("shape", [(3, 32, 32), (2, 1, 32, 32), (2, 4, 32, 32)])
def test_bad_input_shape_says_so(shape: Tuple[int, ...]) -> None:
    model = resnet18(num_classes=2, dtype="float32")
    with pytest.raises(ValueError, match=r"\(B, 3, H, W\).*" + re_shape(shape)):
        model(as_tensor(np.zeros(shape, np.float32)))


def re_shape(shape: Tuple[int, ...]) -> str:
    return str(shape).replace("(", r"\(").replace(")", r"\)")


# ## .pth round trips without torch


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
def test_pth_round_trip(tmp_path: Path, legacy: bool) -> None:
    source = resnet18(num_classes=10, dtype="float32")
    randomise_bn_minitorch(source, seed=2)
    source.eval()
    obj, storages = pth_builder.state_dict(numpy_state(source), legacy=legacy)
    path = tmp_path / "resnet18.pth"
    write = pth_builder.write_legacy if legacy else pth_builder.write_zip
    write(path, obj, storages)
    state = load_checkpoint(path)
    assert state["bn1.num_batches_tracked"].dtype == np.int64
    fresh = resnet18(num_classes=10, dtype="float32")
    fresh.load_state_dict(state)  # strict
    fresh.eval()
    x = as_tensor(images(3, (2, 3, 32, 32)))
    np.testing.assert_array_equal(fresh(x).to_numpy(), source(x).to_numpy())


def randomise_bn_minitorch(model: minitorch.Module, seed: int) -> None:
    """Non-trivial BatchNorm statistics and affine parameters, so a wrong BN shows."""
    rng = np.random.default_rng(seed)
    state = numpy_state(model)
    for key, value in state.items():
        if key.endswith("running_mean") or key.endswith("bn1.bias") or key.endswith(".1.bias"):
            state[key] = (0.1 * rng.standard_normal(value.shape)).astype(value.dtype)
        elif key.endswith("running_var"):
            state[key] = rng.uniform(0.5, 2.0, value.shape).astype(value.dtype)
    model.load_state_dict(state)


@pytest.mark.parametrize("block", [BasicBlock, Bottleneck])
def test_fused_inference_gives_the_layer_by_layer_logits(block: Any) -> None:
    """Under ``no_grad`` in eval mode each convolution runs with its BatchNorm, ReLU and
    shortcut sum fused (``layers.inference``); the logits stay those of the layers one by one."""
    model = ResNet(block, (1, 1, 1, 1), num_classes=10, dtype="float64")
    randomise_bn_minitorch(model, 1)
    model.eval()
    x = as_tensor(images(2, (2, 3, 48, 48)).astype(np.float64))
    want = model(x).to_numpy()  # the parameters want gradients: the composed layers
    with minitorch.no_grad():
        got = model(x).to_numpy()
        folded = minitorch.fold_batchnorm(model)(x).to_numpy()
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(folded, want, rtol=1e-9, atol=1e-9)


# ## Against a PyTorch reference (skipped when torch is not installed)


def torch_reference(block: str, layers: Tuple[int, ...], num_classes: int = 1000, seed: int = 0) -> Any:
    """torchvision's ResNet, written compactly in torch.nn, with random weights and BN statistics."""
    torch = pytest.importorskip("torch", reason="the numerical parity tests need PyTorch")
    nn = torch.nn

    class Basic(nn.Module):
        expansion = 1

        def __init__(self, inplanes: int, planes: int, stride: int, downsample: Any) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.downsample = downsample

        def forward(self, x: Any) -> Any:
            identity = x if self.downsample is None else self.downsample(x)
            out = torch.relu(self.bn1(self.conv1(x)))
            return torch.relu(self.bn2(self.conv2(out)) + identity)

    class Neck(nn.Module):
        expansion = 4

        def __init__(self, inplanes: int, planes: int, stride: int, downsample: Any) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
            self.bn3 = nn.BatchNorm2d(planes * 4)
            self.downsample = downsample

        def forward(self, x: Any) -> Any:
            identity = x if self.downsample is None else self.downsample(x)
            out = torch.relu(self.bn1(self.conv1(x)))
            out = torch.relu(self.bn2(self.conv2(out)))
            return torch.relu(self.bn3(self.conv3(out)) + identity)

    class Ref(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            cls = Neck if block == "bottleneck" else Basic
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            inplanes = 64
            for i, (planes, n) in enumerate(zip((64, 128, 256, 512), layers), start=1):
                stride, width = (1 if i == 1 else 2), planes * cls.expansion
                down = None
                if stride != 1 or inplanes != width:
                    down = nn.Sequential(nn.Conv2d(inplanes, width, 1, stride, bias=False),
                                         nn.BatchNorm2d(width))
                blocks = [cls(inplanes, planes, stride, down)]
                blocks += [cls(width, planes, 1, None) for _ in range(n - 1)]
                setattr(self, f"layer{i}", nn.Sequential(*blocks))
                inplanes = width
            self.fc = nn.Linear(inplanes, num_classes)

        def forward(self, x: Any) -> Any:
            x = nn.functional.max_pool2d(torch.relu(self.bn1(self.conv1(x))), 3, 2, 1)
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(x.mean((2, 3)))

    torch.manual_seed(seed)
    ref = Ref()
    with torch.no_grad():
        for m in ref.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.normal_(0.0, 0.1)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.1)
                m.num_batches_tracked.fill_(7)
        ref.fc.weight.mul_(20.0)  # logits of a few units, so 1e-3 is a tight tolerance
    return ref.eval()


def copy_from_torch(ref: Any, model: minitorch.Module) -> None:
    model.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})


def torch_logits(ref: Any, x: np.ndarray) -> np.ndarray:
    import torch

    with torch.no_grad():
        return ref(torch.from_numpy(x)).numpy()


@pytest.mark.parametrize("name", ["resnet18", "resnet50"])
def test_logits_match_pytorch(name: str) -> None:
    build, block, layers = ARCHS[name]
    ref = torch_reference(block, layers, seed=4)
    model = build(dtype="float32")
    copy_from_torch(ref, model)
    model.eval()
    x = images(5)
    expected = torch_logits(ref, x)
    got = model(as_tensor(x)).to_numpy()
    assert np.abs(expected).max() > 2.0  # the comparison is not between near-zeros
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-3)
    assert model.state_dict()["bn1.num_batches_tracked"].item() == 7


def test_resnet34_keys_match_pytorch() -> None:
    ref = torch_reference("basic", (3, 4, 6, 3))
    model = resnet34(dtype="float32")
    assert [(k, tuple(v.shape)) for k, v in model.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in ref.state_dict().items()
    ]


def test_train_mode_input_gradient_matches_pytorch() -> None:
    import_torch = pytest.importorskip("torch", reason="the numerical parity tests need PyTorch")
    ref = torch_reference("basic", (2, 2, 2, 2), num_classes=10, seed=6).train()
    model = resnet18(num_classes=10, dtype="float32")
    copy_from_torch(ref, model)
    model.train()
    x = images(7)
    mix = np.random.default_rng(8).standard_normal((2, 10)).astype(np.float32)

    tx = import_torch.from_numpy(x).requires_grad_(True)
    (ref(tx) * import_torch.from_numpy(mix)).sum().backward()
    expected = tx.grad.numpy()

    mx = as_tensor(x).requires_grad_(True)
    (model(mx) * as_tensor(mix)).sum().backward()
    got = mx.grad.to_numpy()

    scale = np.abs(expected).max()
    assert scale > 0
    assert np.abs(got - expected).max() / scale < 1e-3
    # the running statistics moved the same way
    ours, theirs = model.state_dict(), ref.state_dict()
    for key in ("bn1.running_mean", "layer4.1.bn2.running_var", "layer2.0.downsample.1.running_mean"):
        np.testing.assert_allclose(ours[key].to_numpy(), theirs[key].numpy(), rtol=1e-4, atol=1e-5)
    assert ours["bn1.num_batches_tracked"].item() == theirs["bn1.num_batches_tracked"].item() == 8


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
def test_torch_save_files_load_strictly(tmp_path: Path, legacy: bool) -> None:
    torch = pytest.importorskip("torch", reason="the numerical parity tests need PyTorch")
    ref = torch_reference("basic", (2, 2, 2, 2), num_classes=10, seed=9)
    path = tmp_path / "resnet18.pth"
    torch.save(ref.state_dict(), path, _use_new_zipfile_serialization=not legacy)
    model = resnet18(num_classes=10, dtype="float32")
    result = model.load_state_dict(load_checkpoint(path), strict=True)
    assert result.missing_keys == [] and result.unexpected_keys == []
    model.eval()
    x = images(10, (2, 3, 32, 32))
    np.testing.assert_allclose(model(as_tensor(x)).to_numpy(), torch_logits(ref, x), rtol=0, atol=1e-3)
