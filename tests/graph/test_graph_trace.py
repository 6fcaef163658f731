"""minitorch.trace: a forward pass recorded as a Graph that prints, replays exactly and draws."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import minitorch  # noqa: E402
from minitorch import nn  # noqa: E402
from minitorch.graph import TraceError, trace  # noqa: E402
from minitorch.layers import modules as layers
from minitorch.module import Module  # noqa: E402
from project.train_mnist import MnistCNN  # noqa: E402


def _t(*shape: int, seed: int = 0) -> minitorch.Tensor:
    return minitorch.Tensor.from_numpy(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


def _mlp(n_in: int, hidden: int, n_out: int) -> layers.Sequential:
    return layers.Sequential(layers.Linear(n_in, hidden, dtype="float32"), layers.ReLU(),
                             layers.Linear(hidden, n_out, dtype="float32"), layers.Softmax(-1))


def _conv_bn() -> layers.Sequential:
    model = layers.Sequential(layers.Conv2d(3, 4, 3, padding=1, dtype="float32"), layers.BatchNorm2d(4, dtype="float32"),
                              layers.ReLU6(), layers.MaxPool2d(2), layers.AdaptiveAvgPool2d(1), layers.Flatten(),
                              layers.Linear(4, 2, dtype="float32"))
    bn = model[1]
    minitorch.layers.fused.as_array(bn.running_mean)[...] = [0.1, -0.2, 0.3, 0.0]
    minitorch.layers.fused.as_array(bn.running_var)[...] = [1.5, 0.5, 2.0, 1.0]
    model.eval()
    return model


@pytest.mark.parametrize("make, shape", [
    (lambda: MnistCNN(dtype="float32"), (2, 1, 28, 28)),
    (lambda: _mlp(5, 7, 3), (4, 5)),
    (_conv_bn, (2, 3, 8, 8)),
])
def test_run_replays_the_model_exactly(make, shape) -> None:
    model = make()
    model.eval()
    x = _t(*shape)
    graph = trace(model, x)
    assert np.array_equal(graph.run(x).to_numpy(), model(x).to_numpy())
    # New numbers of the same shape: the graph is a program, not a recording of one answer.
    x2 = _t(*shape, seed=1)
    assert np.array_equal(graph.run(x2).to_numpy(), model(x2).to_numpy())


@settings(max_examples=8, deadline=None)
@given(st.integers(1, 4), st.integers(1, 6), st.integers(1, 5), st.integers(1, 4))
def test_run_matches_for_random_mlps(batch: int, n_in: int, hidden: int, n_out: int) -> None:
    model = _mlp(n_in, hidden, n_out)
    x = _t(batch, n_in, seed=batch)
    assert np.array_equal(trace(model, x).run(x).to_numpy(), model(x).to_numpy())


def test_print_lists_one_node_per_line_with_parameter_names() -> None:
    model = MnistCNN(dtype="float32")
    model.eval()
    graph = trace(model, _t(2, 1, 28, 28))
    text = str(graph)
    lines = text.splitlines()
    # header, rule, input, one per node, output
    assert len(lines) == 2 + 1 + len(graph.nodes) + 1
    conv = next(line for line in lines if "Conv2dFun" in line)
    assert "conv1.weight" in conv and "conv1.bias" in conv and "padding=(1, 1, 1, 1)" in conv
    assert "(2, 4, 28, 28) float32" in conv
    assert graph.nodes[0].module == "conv1"
    assert [n.op for n in graph.nodes] == ["Conv2dFun", "ReLU", "Conv2dFun", "ReLU", "AvgPool2d", "View",
                                           "Linear", "ReLU", "Linear"]


def test_fused_functions_are_single_nodes_with_their_settings() -> None:
    from vision.models.efficientnet_lite import ConvBN

    block = ConvBN(3, 4, 3, stride=2, groups=1, dtype="float32")
    block.eval()
    graph = trace(block, _t(1, 3, 9, 9))
    assert [n.op for n in graph.nodes] == ["Conv2dFun", "BatchNorm"]
    conv, bn = graph.nodes
    assert conv.attrs["spec"].padding == (1, 1, 1, 1) and conv.attrs["spec"].stride == (2, 2)
    assert bn.attrs["clip"] == (0.0, 6.0) and bn.attrs["training"] is False
    assert bn.inputs == ["conv2d_0", "bn.running_mean", "bn.running_var", "bn.weight", "bn.bias"]


def test_attention_layer_norm_gelu_and_loss_are_single_nodes() -> None:
    from text.models.attention import fused_attention

    def block(q: minitorch.Tensor, mask: minitorch.Tensor) -> minitorch.Tensor:
        h = minitorch.layers.fused.gelu(fused_attention(q, q, q, 2, mask))
        return minitorch.layers.fused.layer_norm(h, (4,))

    graph = trace(block, _t(2, 3, 4), _t(2, 1, 1, 3))
    assert [n.op for n in graph.nodes] == ["Attention", "GELU", "LayerNorm"]
    assert graph.nodes[0].attrs["heads"] == 2 and graph.nodes[0].input("mask") == "mask"
    loss = trace(lambda z: minitorch.cross_entropy(z, [0, 1]), _t(2, 3))
    assert [n.op for n in loss.nodes] == ["CrossEntropy"]


class _Branchy(Module):
    def forward(self, x: minitorch.Tensor) -> minitorch.Tensor:
        if x.sum() > 0:  # data-dependent control flow
            return x.relu()
        return x


def test_python_control_flow_on_a_traced_tensor_is_a_trace_error_naming_the_line() -> None:
    with pytest.raises(TraceError, match=r"bool\(\).*test_graph_trace.py:\d+: if x.sum\(\) > 0"):
        trace(_Branchy(), _t(2, 3))


def test_item_on_a_traced_tensor_is_a_trace_error() -> None:
    class Itemy(Module):
        def forward(self, x: minitorch.Tensor) -> minitorch.Tensor:
            return x * nn.max(x).item()

    with pytest.raises(TraceError, match=r"item\(\).*nn.max\(x\).item\(\)"):
        trace(Itemy(), _t(2, 3))
    # Outside a trace, the same model runs.
    assert Itemy()(_t(2, 3)).shape == (2, 3)


def test_trace_rejects_non_tensor_inputs() -> None:
    with pytest.raises(TypeError, match="example input 0"):
        trace(_mlp(2, 2, 2), np.zeros((1, 2)))


def test_run_checks_its_inputs() -> None:
    graph = trace(_mlp(3, 2, 2), _t(2, 3))
    with pytest.raises(ValueError, match="traced with shape"):
        graph.run(_t(5, 3))
    with pytest.raises(ValueError, match="takes 1 inputs"):
        graph.run()


def test_draw_puts_one_box_per_node_in_layers() -> None:
    graph = trace(_conv_bn(), _t(1, 3, 8, 8))
    ax = graph.draw()
    labels = [t.get_text() for t in ax.texts if t.get_text()]
    assert labels.count("Conv2dFun") == 1 and "x" in labels and len(labels) == len(graph.nodes) + 1
    depth = graph.layers()
    assert depth["x"] == 0 and depth[graph.outputs[0]] == len(graph.nodes)


@pytest.mark.parametrize("leak, how", [
    (lambda x: float(x.sum()), r"float\(\)"),
    (lambda x: x[0, 0], r"indexing one entry"),
    (lambda x: x.relu().to_numpy(), r"to_numpy\(\)"),
])
def test_every_way_out_of_the_graph_is_reported(leak, how) -> None:
    with pytest.raises(TraceError, match=how):
        trace(leak, _t(2, 3))


def test_constants_may_become_python_values_while_tracing() -> None:
    class Scaled(Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("scale", minitorch.tensor([3.0]))

        def forward(self, x: minitorch.Tensor) -> minitorch.Tensor:
            return x * self.scale.item()  # a buffer, not computed from the input: fine

    graph = trace(Scaled(), _t(2, 3))
    assert [n.op for n in graph.nodes] == ["Mul"]
