"""minitorch.onnx.export: checked ONNX models whose onnxruntime outputs match minitorch's."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch
from minitorch.graph import UnsupportedOpError
from minitorch.layers import modules as layers
from minitorch.module import Module
from project.train_mnist import MnistCNN

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from tests.shared_data import SHARED  # noqa: E402


def _t(*shape: int, seed: int = 0) -> minitorch.Tensor:
    return minitorch.Tensor.from_numpy(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


def _session(path) -> "ort.InferenceSession":
    onnx.checker.check_model(onnx.load(str(path)))
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _check(model, example, path, batches=(1, 7), atol=1e-4):
    """Export, check the model, and compare onnxruntime with minitorch at each batch size."""
    proto = minitorch.onnx.export(model, example, path)
    session = _session(path)
    model.eval()
    for b in batches:
        x = _t(b, *example.shape[1:], seed=b)
        got = session.run(None, {session.get_inputs()[0].name: x.to_numpy()})[0]
        np.testing.assert_allclose(got, model(x).to_numpy(), atol=atol, rtol=1e-4)
    return proto


def test_mnist_cnn(tmp_path) -> None:
    proto = _check(MnistCNN(dtype="float32"), _t(2, 1, 28, 28), tmp_path / "cnn.onnx")
    ops = [n.op_type for n in proto.graph.node]
    assert ops.count("Conv") == 2 and "AveragePool" in ops and "Gemm" in ops
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"


def test_sequential_mlp_with_softmax_and_activations(tmp_path) -> None:
    model = layers.Sequential(layers.Linear(5, 8, dtype="float32"), layers.Sigmoid(), layers.Linear(8, 8, dtype="float32"),
                              layers.Tanh(), layers.GELU(), layers.Linear(8, 3, dtype="float32"), layers.LogSoftmax(-1))
    _check(model, _t(2, 5), tmp_path / "mlp.onnx")


class _Normalised(Module):
    def forward(self, x: minitorch.Tensor) -> minitorch.Tensor:
        return (x - 0.5) / 0.25


def test_sub_and_div_are_written_as_sub_and_div(tmp_path) -> None:
    proto = _check(_Normalised(), _t(2, 3), tmp_path / "norm.onnx")
    assert [n.op_type for n in proto.graph.node] == ["Sub", "Div", "Identity"]


def test_conv_variants_pools_and_clamp(tmp_path) -> None:
    from vision.models.efficientnet_lite import ConvBN

    model = layers.Sequential(
        ConvBN(3, 6, 3, stride=2, dtype="float32"),             # TF "SAME": asymmetric pads at stride 2
        ConvBN(6, 6, 5, stride=1, groups=6, dtype="float32"),   # depthwise
        layers.Conv2d(6, 4, 3, padding=1, bias=False, dtype="float32"),
        layers.MaxPool2d(3, stride=2, padding=1), layers.ReLU6(), layers.AvgPool2d(2),
        layers.AdaptiveAvgPool2d(1), layers.Flatten(), layers.Linear(4, 2, dtype="float32"),
    )
    for m in (model[0], model[1]):
        minitorch.layers.fused.as_array(m.bn.running_var)[...] = np.linspace(0.5, 2.0, 6)
    proto = _check(model, _t(2, 3, 16, 16), tmp_path / "conv.onnx")
    conv = next(n for n in proto.graph.node if n.op_type == "Conv")
    pads = next(a for a in conv.attribute if a.name == "pads").ints
    assert list(pads) == [0, 0, 1, 1]  # top, left, bottom, right: the odd pixel after
    ops = [n.op_type for n in proto.graph.node]
    assert ops.count("BatchNormalization") == 2 and "Clip" in ops and "GlobalAveragePool" in ops


def test_fastai_head(tmp_path) -> None:
    from vision.head import create_head

    head = create_head(8, 3, lin_ftrs=[6])
    _check(head, _t(2, 8, 4, 4), tmp_path / "head.onnx")


def test_attention_layer_norm_and_embedding(tmp_path) -> None:
    from text.models.attention import fused_attention

    table = _t(11, 8)

    def encoder(ids: minitorch.Tensor, mask: minitorch.Tensor) -> minitorch.Tensor:
        x = minitorch.layers.fused.embedding(ids, table)
        return minitorch.layers.fused.layer_norm(fused_attention(x, x, x, 2, mask) + x, (8,))

    ids = minitorch.Tensor.from_numpy(np.array([[1, 2, 3], [4, 5, 0]], np.float32))
    mask = minitorch.Tensor.from_numpy(np.array([0, 0, -1e9], np.float32).reshape(1, 1, 1, 3).repeat(2, 0))
    path = tmp_path / "att.onnx"
    minitorch.onnx.export(encoder, (ids, mask), path)
    got = _session(path).run(None, {"ids": ids.to_numpy(), "mask": mask.to_numpy()})[0]
    np.testing.assert_allclose(got, encoder(ids, mask).to_numpy(), atol=1e-4)


def test_resnet18_matches_onnxruntime(tmp_path) -> None:
    import vision

    model = vision.create_model("resnet18", pretrained=False)
    _check(model, _t(1, 3, 224, 224), tmp_path / "r18.onnx", batches=(2,))


@pytest.mark.skipif(SHARED is None, reason="needs the shared Imagenette photos")
def test_efficientnet_lite0_predicts_the_same_classes(tmp_path) -> None:
    import vision
    from vision.zoo import load_image_batch

    model = vision.create_model("efficientnet_lite0")
    model.eval()
    folder = SHARED / "imagenette2-224-subset" / "val"
    photos = [sorted(d.glob("*.JPEG"))[0] for d in sorted(folder.iterdir())[:3]]
    batch, _, _ = load_image_batch(photos, "efficientnet_lite0")
    path = tmp_path / "lite0.onnx"
    minitorch.onnx.export(model, minitorch.Tensor.from_numpy(batch[:1]), path)
    ours = model(minitorch.Tensor.from_numpy(batch)).to_numpy()
    theirs = _session(path).run(None, {"x": batch})[0]
    assert np.array_equal(ours.argmax(1), theirs.argmax(1))
    np.testing.assert_allclose(theirs, ours, atol=1e-3)


def test_unsupported_op_is_named(tmp_path) -> None:
    class Slicer(Module):
        def forward(self, x: minitorch.Tensor) -> minitorch.Tensor:
            return x[:, 0:2]

    with pytest.raises(UnsupportedOpError, match="op 'GetItem'"):
        minitorch.onnx.export(Slicer(), _t(2, 3), tmp_path / "x.onnx")
    assert not (tmp_path / "x.onnx").exists()


def test_training_batch_norm_is_refused_but_export_uses_eval_mode(tmp_path) -> None:
    model = layers.Sequential(layers.BatchNorm1d(3, dtype="float32"))
    model.train()
    minitorch.onnx.export(model, _t(4, 3), tmp_path / "bn.onnx")
    assert model.training  # restored
    from minitorch.graph import trace
    from minitorch.graph.onnx_export import graph_to_onnx

    with pytest.raises(UnsupportedOpError, match="eval"):
        graph_to_onnx(trace(model, _t(4, 3)))


def test_import_minitorch_does_not_import_onnx() -> None:
    code = "import sys, minitorch; assert 'onnx' not in sys.modules and 'onnxruntime' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_minilm_with_attention_mask_at_batch_sizes_1_and_7(tmp_path) -> None:
    pytest.importorskip("all_minilm_l6_v2")
    from text.models import load_minilm
    from text.models.traceable import TensorInputBert

    bert, _ = load_minilm()
    rng = np.random.default_rng(0)

    def batch(b: int):
        ids = rng.integers(1000, 30000, size=(b, 6))
        mask = np.ones((b, 6), np.int64)
        mask[b // 2:, 4:] = 0  # the second half of the batch is padded
        return ids, mask

    as_tensor = lambda a: minitorch.Tensor.from_numpy(a.astype(np.float32))  # noqa: E731
    ids, mask = batch(2)
    path = tmp_path / "minilm.onnx"
    minitorch.onnx.export(TensorInputBert(bert), (as_tensor(ids), as_tensor(mask)), path)
    session = _session(path)
    for b in (1, 7):
        ids, mask = batch(b)
        got = session.run(None, {"input_ids": ids.astype(np.float32), "attention_mask": mask.astype(np.float32)})[0]
        want = bert(ids, mask).to_numpy()
        np.testing.assert_allclose(got, want, atol=1e-4)


class _Primitives(Module):
    """Course-level tensor ops: each Function has its own ONNX mapping."""

    def forward(self, x: minitorch.Tensor) -> minitorch.Tensor:
        from minitorch import nn

        b, c = x.shape
        y = x.permute(1, 0).contiguous().view(c, b).permute(1, 0)          # Transpose, Reshape
        z = (y.exp() + 1.0).log() * x.sigmoid() - nn.max(x, 1)            # softplus-ish, ReduceMax
        flags = (x < 0.0) + (x == x)                                      # Less, Equal, Cast
        total = z.sum(1) / x.double().float().sum(1)                      # ReduceSum, Cast, Div
        return minitorch.cat([z * flags, total], dim=1).relu() + x.mean(1)


def test_primitive_tensor_ops(tmp_path) -> None:
    proto = _check(_Primitives(), _t(3, 4), tmp_path / "prim.onnx")
    ops = {n.op_type for n in proto.graph.node}
    assert {"Transpose", "Reshape", "ReduceMax", "Less", "Equal", "Cast", "ReduceSum", "Concat", "Sub",
            "Div"} <= ops


def test_a_constant_built_for_one_batch_size_is_reported(tmp_path) -> None:
    from minitorch.graph import BatchDependenceError

    class NumpyOffset(Module):
        def forward(self, x: minitorch.Tensor) -> minitorch.Tensor:
            return x + minitorch.Tensor.from_numpy(np.ones(x.shape, np.float32))

    with pytest.raises(BatchDependenceError, match="constant 'const_0' of shape \\(2, 3\\).*dynamic_batch=False"):
        minitorch.onnx.export(NumpyOffset(), _t(2, 3), tmp_path / "x.onnx")
    with pytest.raises(BatchDependenceError, match="x.mean"):  # divides by a count that includes the batch
        minitorch.onnx.export(lambda x: x - x.mean(), _t(2, 3), tmp_path / "x.onnx")
    minitorch.onnx.export(NumpyOffset(), _t(2, 3), tmp_path / "fixed.onnx", dynamic_batch=False)
    got = _session(tmp_path / "fixed.onnx").run(None, {"x": np.zeros((2, 3), np.float32)})[0]
    assert np.array_equal(got, np.ones((2, 3), np.float32))


@pytest.mark.parametrize("opset", [13, 20])
def test_opsets_change_the_gelu_and_layer_norm_mapping(tmp_path, opset: int) -> None:
    model = layers.Sequential(layers.Linear(4, 4, dtype="float32"), layers.GELU())
    proto = minitorch.onnx.export(model, _t(2, 4), tmp_path / "g.onnx", opset=opset)
    ops = [n.op_type for n in proto.graph.node]
    assert ("Gelu" in ops) == (opset >= 20) and ("Erf" in ops) == (opset < 20)
    got = _session(tmp_path / "g.onnx").run(None, {"x": _t(3, 4).to_numpy()})[0]
    np.testing.assert_allclose(got, model(_t(3, 4)).to_numpy(), atol=1e-5)
    if opset < 17:
        with pytest.raises(UnsupportedOpError, match="opset >= 17"):
            minitorch.onnx.export(layers.LayerNorm(4, dtype="float32"), _t(2, 4), opset=opset)


def test_opset_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="opset must be between 13 and 21, got 11"):
        minitorch.onnx.export(layers.ReLU(), _t(2, 4), opset=11)


@settings(max_examples=8, deadline=None)
@given(st.integers(1, 2), st.integers(0, 2), st.integers(1, 2), st.sampled_from([1, 2]), st.integers(1, 3))
def test_conv2d_settings_map_to_onnx_conv(stride: int, padding: int, dilation: int, groups: int,
                                          kernel: int) -> None:
    import tempfile

    model = layers.Sequential(layers.Conv2d(2, 4, kernel, stride=stride, padding=padding, dilation=dilation,
                                            groups=groups, dtype="float32"))
    with tempfile.TemporaryDirectory() as folder:
        _check(model, _t(2, 2, 7, 7), f"{folder}/c.onnx", batches=(3,))


def test_conv1d(tmp_path) -> None:
    model = layers.Sequential(layers.Conv1d(3, 5, 3, stride=2, padding=1, dtype="float32"), layers.ReLU())
    proto = _check(model, _t(2, 3, 11), tmp_path / "c1.onnx")
    conv = next(n for n in proto.graph.node if n.op_type == "Conv")
    assert [list(a.ints) for a in conv.attribute if a.name == "pads"] == [[1, 1]]
