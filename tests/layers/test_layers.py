"""Module 4 layers: every forward against a numpy reference, every backward against central differences."""

from __future__ import annotations

import math
import random
from typing import Callable, List

import numpy as np
import pytest

import minitorch
from minitorch.backends import FastTensorBackend
from minitorch.fast_conv import conv1d, conv2d
from minitorch.grad_check import grad_check
from minitorch.layers import fused
from minitorch.layers import modules as layers
from minitorch.tensor import Tensor

B = FastTensorBackend


def t(a: np.ndarray, requires_grad: bool = False) -> Tensor:
    """A float64 tensor on the fast backend holding a copy of ``a``."""
    return minitorch.tensor(np.asarray(a, dtype=np.float64), backend=B, requires_grad=requires_grad)


def rand(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed + sum(shape)).normal(size=shape)


def numeric_grads(f: Callable[..., Tensor], arrays: List[np.ndarray], eps: float = 1e-6) -> List[np.ndarray]:
    """Central-difference gradient of ``f(*tensors).sum()`` for every entry of every input."""
    grads = []
    with minitorch.no_grad():
        for i, a in enumerate(arrays):
            g = np.zeros_like(a)
            for idx in np.ndindex(a.shape):
                up, down = a.copy(), a.copy()
                up[idx] += eps
                down[idx] -= eps
                hi = f(*[t(up if j == i else b) for j, b in enumerate(arrays)]).sum().item()
                lo = f(*[t(down if j == i else b) for j, b in enumerate(arrays)]).sum().item()
                g[idx] = (hi - lo) / (2 * eps)
            grads.append(g)
    return grads


def check_all_grads(f: Callable[..., Tensor], *arrays: np.ndarray, rtol: float = 1e-5) -> None:
    """Every entry of every input's gradient against central differences (tight tolerance)."""
    tensors = [t(a, requires_grad=True) for a in arrays]
    f(*tensors).sum().backward()
    for i, (x, expected) in enumerate(zip(tensors, numeric_grads(f, list(arrays)))):
        assert x.grad is not None, f"input {i} got no gradient"
        np.testing.assert_allclose(x.grad.to_numpy(), expected, rtol=rtol, atol=1e-6, err_msg=f"input {i}")


# ## Linear


def test_linear_forward_matches_numpy() -> None:
    np.random.seed(0)
    layer = layers.Linear(5, 3, backend=B)
    x = rand(4, 5)
    w, b = layer.weight.value.to_numpy(), layer.bias.value.to_numpy()
    np.testing.assert_allclose(layer(t(x)).to_numpy(), x @ w.T + b, rtol=1e-12)
    x3 = rand(2, 4, 5)  # leading dims are kept
    np.testing.assert_allclose(layer(t(x3)).to_numpy(), x3 @ w.T + b, rtol=1e-12)


def test_linear_backward() -> None:
    check_all_grads(lambda x, w, b: fused.linear(x, w, b), rand(3, 4), rand(2, 4), rand(2))
    check_all_grads(lambda x, w: fused.linear(x, w), rand(2, 3, 4), rand(5, 4))
    grad_check(lambda x, w, b: fused.linear(x, w, b), t(rand(3, 4)), t(rand(2, 4)), t(rand(2)))


def test_linear_fused_equals_composed_primitives() -> None:
    x, w, b = t(rand(3, 4), True), t(rand(2, 4), True), t(rand(2), True)
    fused.linear(x, w, b).sum().backward()
    fused_grads = [v.grad.to_numpy() for v in (x, w, b)]
    x2, w2, b2 = t(rand(3, 4), True), t(rand(2, 4), True), t(rand(2), True)
    (x2 @ w2.permute(1, 0) + b2).sum().backward()
    for g, v in zip(fused_grads, (x2, w2, b2)):
        np.testing.assert_allclose(g, v.grad.to_numpy(), rtol=1e-12)


def test_linear_with_relu_matches_linear_then_relu() -> None:
    x, w, b = rand(5, 4), rand(3, 4), rand(3)
    x[0] = 0.0  # a row of outputs equal to the bias: some exactly 0 after relu
    expected = np.maximum(x @ w.T + b, 0)
    np.testing.assert_allclose(fused.linear(t(x), t(w), t(b), relu=True).to_numpy(), expected, rtol=1e-12)
    check_all_grads(lambda x, w, b: fused.linear(x, w, b, relu=True), rand(5, 4) + 0.1, rand(3, 4), rand(3))
    tensors = [t(a, True) for a in (x, w, b)]
    composed = [t(a, True) for a in (x, w, b)]
    fused.linear(*tensors, relu=True).sum().backward()
    fused.linear(*composed).relu().sum().backward()
    for got, want in zip(tensors, composed):
        np.testing.assert_allclose(got.grad.to_numpy(), want.grad.to_numpy(), rtol=1e-12)


def test_linear_skips_the_input_gradient_of_a_constant() -> None:
    layer = layers.Linear(4, 2, backend=B)
    out = layer(t(rand(3, 4)))
    out.sum().backward()
    assert layer.weight.value.grad is not None and layer.bias.value.grad is not None


def test_linear_init_is_pytorch_default() -> None:
    np.random.seed(1)
    layer = layers.Linear(400, 300, backend=B)
    w, b = layer.weight.value.to_numpy(), layer.bias.value.to_numpy()
    bound = 1 / math.sqrt(400)
    assert w.shape == (300, 400) and b.shape == (300,)
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound  # uniform(-a, a) has std a / sqrt(3)


def test_linear_shape_errors_name_the_shapes() -> None:
    layer = layers.Linear(4, 2, backend=B)
    with pytest.raises(ValueError, match=r"\(3, 5\)"):
        layer(t(rand(3, 5)))


# ## Convolutions


def conv2d_reference(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int, pad: int, dil: int,
                     groups: int) -> np.ndarray:
    n, cin, h, wd = x.shape
    cout, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh = (h + 2 * pad - dil * (kh - 1) - 1) // stride + 1
    ow = (wd + 2 * pad - dil * (kw - 1) - 1) // stride + 1
    out = np.zeros((n, cout, oh, ow))
    per_group = cout // groups
    for o in range(cout):
        g = o // per_group
        for i in range(oh):
            for j in range(ow):
                patch = xp[:, g * cg : (g + 1) * cg, i * stride : i * stride + dil * (kh - 1) + 1 : dil,
                           j * stride : j * stride + dil * (kw - 1) + 1 : dil]
                out[:, o, i, j] = (patch * w[o]).sum(axis=(1, 2, 3)) + b[o]
    return out


@pytest.mark.parametrize("stride,pad,dil,groups", [(1, 0, 1, 1), (2, 1, 1, 1), (1, 2, 2, 2), (1, 1, 1, 4)])
def test_conv2d_forward_matches_numpy(stride: int, pad: int, dil: int, groups: int) -> None:
    np.random.seed(2)
    layer = layers.Conv2d(4, 8, 3, stride=stride, padding=pad, dilation=dil, groups=groups, backend=B)
    assert layer.weight.value.shape == (8, 4 // groups, 3, 3)
    x = rand(2, 4, 7, 6)
    expected = conv2d_reference(x, layer.weight.value.to_numpy(), layer.bias.value.to_numpy(),
                                stride, pad, dil, groups)
    np.testing.assert_allclose(layer(t(x)).to_numpy(), expected, rtol=1e-10, atol=1e-12)


def test_conv2d_backward_and_same_padding() -> None:
    layer = layers.Conv2d(2, 3, (3, 2), padding="same", backend=B)
    assert layer(t(rand(1, 2, 5, 4))).shape == (1, 3, 5, 4)

    def f(x: Tensor, w: Tensor, b: Tensor) -> Tensor:
        return conv2d(x, w, b, stride=1, padding=1, groups=2)

    grad_check(f, t(rand(1, 2, 4, 4)), t(rand(4, 1, 3, 3)), t(rand(4)))


def test_conv1d_forward_matches_numpy_and_backward() -> None:
    np.random.seed(3)
    layer = layers.Conv1d(3, 4, 3, padding=1, backend=B)
    x = rand(2, 3, 6)
    w, b = layer.weight.value.to_numpy(), layer.bias.value.to_numpy()
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1)))
    expected = conv2d_reference(xp[:, :, None, :], w[:, :, None, :], b, 1, 0, 1, 1)[:, :, 0, :]
    np.testing.assert_allclose(layer(t(x)).to_numpy(), expected, rtol=1e-10, atol=1e-12)
    bound = 1 / math.sqrt(3 * 3)
    assert np.abs(w).max() <= bound
    grad_check(lambda x, w: conv1d(x, w, None, padding=1), t(rand(1, 3, 5)), t(rand(2, 3, 3)))


# ## Normalisation


def test_batchnorm2d_training_forward_and_running_stats() -> None:
    bn = layers.BatchNorm2d(3, momentum=0.1, backend=B)
    x = rand(4, 3, 2, 2) * 3 + 1
    out = bn(t(x)).to_numpy()
    mean = x.mean(axis=(0, 2, 3), keepdims=True)
    var = x.var(axis=(0, 2, 3), keepdims=True)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-5), rtol=1e-10, atol=1e-12)
    unbiased = x.var(axis=(0, 2, 3), ddof=1)
    np.testing.assert_allclose(bn.running_mean.to_numpy(), 0.1 * mean.reshape(-1), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.to_numpy(), 0.9 + 0.1 * unbiased, rtol=1e-12)
    assert bn.num_batches_tracked.item() == 1 and bn.num_batches_tracked.shape == ()


def test_batchnorm_eval_uses_running_stats_and_train_does_not() -> None:
    bn = layers.BatchNorm1d(2, backend=B)
    rm, rv = fused.as_array(bn.running_mean), fused.as_array(bn.running_var)
    rm[:] = [1.0, -1.0]
    rv[:] = [4.0, 0.25]
    fused.as_array(bn.weight.value)[:] = [2.0, 3.0]
    fused.as_array(bn.bias.value)[:] = [0.5, 0.0]
    x = rand(5, 2)
    bn.eval()
    expected = (x - [1.0, -1.0]) / np.sqrt(np.array([4.0, 0.25]) + 1e-5) * [2.0, 3.0] + [0.5, 0.0]
    np.testing.assert_allclose(bn(t(x)).to_numpy(), expected, rtol=1e-10)
    np.testing.assert_allclose(bn.running_mean.to_numpy(), [1.0, -1.0])  # untouched in eval
    bn.train()
    train_out = bn(t(x)).to_numpy()
    assert not np.allclose(train_out, expected)
    np.testing.assert_allclose(train_out.mean(axis=0), [0.5, 0.0], atol=1e-10)  # batch stats, then affine


def test_batchnorm_cumulative_average_when_momentum_is_none() -> None:
    bn = layers.BatchNorm1d(1, momentum=None, backend=B)
    batches = [rand(4, 1, seed=s) for s in range(3)]
    for x in batches:
        bn(t(x))
    np.testing.assert_allclose(bn.running_mean.to_numpy(), [np.mean([b.mean() for b in batches])], rtol=1e-10)


def test_batchnorm_backward() -> None:
    def train_mode(x: Tensor, w: Tensor, b: Tensor) -> Tensor:
        return fused.batch_norm(x, None, None, w, b, training=True) * t(rand(3, 2, 2))  # non-uniform weights

    check_all_grads(train_mode, rand(3, 2, 2), rand(2) + 1, rand(2))
    mean, var = t(np.array([0.5, -0.5])), t(np.array([2.0, 0.5]))

    def eval_mode(x: Tensor, w: Tensor, b: Tensor) -> Tensor:
        return fused.batch_norm(x, mean, var, w, b, training=False) * t(rand(3, 2))

    check_all_grads(eval_mode, rand(3, 2), rand(2), rand(2))
    grad_check(train_mode, t(rand(3, 2, 2)), t(rand(2) + 1), t(rand(2)))


def test_batchnorm_rejects_wrong_shapes() -> None:
    with pytest.raises(ValueError, match="BatchNorm2d"):
        layers.BatchNorm2d(3, backend=B)(t(rand(4, 3)))


def test_layernorm_forward_and_backward() -> None:
    ln = layers.LayerNorm((2, 3), backend=B)
    fused.as_array(ln.weight.value)[...] = rand(2, 3)
    x = rand(4, 2, 3)
    flat = x.reshape(4, 6)
    norm = ((flat - flat.mean(1, keepdims=True)) / np.sqrt(flat.var(1, keepdims=True) + 1e-5)).reshape(x.shape)
    np.testing.assert_allclose(ln(t(x)).to_numpy(), norm * ln.weight.value.to_numpy(), rtol=1e-10, atol=1e-12)
    weights = t(rand(4, 3))
    check_all_grads(lambda x, w, b: fused.layer_norm(x, (3,), w, b) * weights, rand(4, 3), rand(3), rand(3))


# ## Embedding


def test_embedding_forward_backward_and_padding() -> None:
    np.random.seed(4)
    emb = layers.Embedding(5, 3, padding_idx=0, backend=B)
    w = emb.weight.value.to_numpy()
    assert np.all(w[0] == 0)
    idx = np.array([[1, 2, 1], [0, 4, 1]])
    np.testing.assert_allclose(emb(idx).to_numpy(), w[idx])
    (emb(idx) * t(rand(2, 3, 3))).sum().backward()
    g = emb.weight.value.grad.to_numpy()
    expected = np.zeros_like(w)
    np.add.at(expected, idx.reshape(-1), rand(2, 3, 3).reshape(-1, 3))
    expected[0] = 0.0
    np.testing.assert_allclose(g, expected, rtol=1e-12)
    with pytest.raises(IndexError):
        emb(np.array([5]))


def test_embedding_from_pretrained_is_frozen() -> None:
    vectors = rand(4, 2).astype(np.float32)
    emb = layers.Embedding.from_pretrained(vectors, backend=B)
    assert emb.weight.value.dtype == np.float32
    np.testing.assert_array_equal(emb(minitorch.tensor([3.0, 1.0])).to_numpy(), vectors[[3, 1]])
    assert not emb.weight.value.requires_grad()
    trainable = layers.Embedding.from_pretrained(vectors, freeze=False, backend=B)
    assert trainable.weight.value.requires_grad()


# ## Dropout, activations, reshaping


def test_dropout_train_and_eval() -> None:
    random.seed(0)
    drop = layers.Dropout(0.25)
    x = t(np.ones((200, 50)))
    out = drop(x).to_numpy()
    assert abs((out == 0).mean() - 0.25) < 0.02
    np.testing.assert_allclose(out[out != 0], 1 / 0.75)
    drop.eval()
    assert drop(x) is x
    with pytest.raises(ValueError):
        layers.Dropout(1.5)


def test_fused_dropout_gradient_is_its_mask_and_random_seed_repeats_it() -> None:
    x = t(rand(40, 30), True)
    random.seed(3)
    out = fused.dropout(x, 0.3)
    kept = out.to_numpy() != 0
    np.testing.assert_allclose(out.to_numpy()[kept], x.to_numpy()[kept] / 0.7, rtol=1e-12)
    assert abs(1 - kept.mean() - 0.3) < 0.05
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.to_numpy(), kept / 0.7)
    random.seed(3)
    np.testing.assert_array_equal(fused.dropout(x, 0.3).to_numpy(), out.to_numpy())
    assert fused.dropout(x, 0.0) is x
    with pytest.raises(ValueError, match="rate"):
        fused.dropout(x, 1.0)


def test_a_traced_dropout_is_the_course_mul_by_a_constant_mask() -> None:
    model = minitorch.Sequential(layers.Linear(4, 3, backend=B), layers.Dropout(0.5))
    counts = minitorch.trace(model, t(rand(2, 4))).op_counts()  # training mode: dropout on
    assert counts.get("Mul") == 1 and "Dropout" not in counts


ACTIVATIONS = [
    (layers.ReLU(), lambda x: np.maximum(x, 0)),
    (layers.ReLU6(), lambda x: np.clip(x, 0, 6)),
    (layers.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    (layers.Tanh(), np.tanh),
    (layers.GELU(), lambda x: 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))),
    (layers.Softmax(dim=1), lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True)),
    (layers.LogSoftmax(dim=-1), lambda x: x - np.log(np.exp(x).sum(-1, keepdims=True))),
    (layers.Identity(), lambda x: x),
]


@pytest.mark.parametrize("layer,reference", ACTIVATIONS, ids=lambda v: type(v).__name__)
def test_activation_forward_and_backward(layer: minitorch.Module, reference: Callable) -> None:
    x = rand(3, 4) * 4  # spans ReLU6's upper kink too
    x[0, 0] = 7.0
    # The course's log is log(x + 1e-6) (operators.log), so LogSoftmax is accurate to ~1e-6.
    atol = 1e-5 if isinstance(layer, layers.LogSoftmax) else 1e-12
    np.testing.assert_allclose(layer(t(x)).to_numpy(), reference(x), rtol=1e-10, atol=atol)
    weights = t(rand(3, 4, seed=1))
    smooth = rand(3, 4) + 0.3  # away from the kinks at 0 and 6
    check_all_grads(lambda v: layer(v) * weights, smooth, rtol=1e-4)


def test_flatten_sequential_and_module_list() -> None:
    model = layers.Sequential(layers.Flatten(), layers.Linear(12, 5, backend=B), layers.ReLU(),
                              layers.Linear(5, 2, backend=B))
    assert len(model) == 4 and isinstance(model[1], layers.Linear) and isinstance(model[-1], layers.Linear)
    assert [name for name, _ in model.named_parameters()] == ["1.weight", "1.bias", "3.weight", "3.bias"]
    x = rand(2, 3, 2, 2)
    h = np.maximum(x.reshape(2, 12) @ model[1].weight.value.to_numpy().T + model[1].bias.value.to_numpy(), 0)
    expected = h @ model[3].weight.value.to_numpy().T + model[3].bias.value.to_numpy()
    np.testing.assert_allclose(model(t(x)).to_numpy(), expected, rtol=1e-10)
    assert len(model[1:]) == 3
    assert layers.Flatten(0, 1)(t(rand(2, 3, 4))).shape == (6, 4)
    blocks = layers.ModuleList([layers.ReLU(), layers.Tanh()])
    assert len(blocks) == 2 and len(list(blocks)) == 2
    with pytest.raises(NotImplementedError):
        blocks(t(x))
    assert "Linear(in_features=12, out_features=5, bias=True)" in repr(model)


def test_pooling_layers_match_numpy() -> None:
    x = rand(2, 3, 4, 6)
    blocks = x.reshape(2, 3, 2, 2, 3, 2)
    np.testing.assert_allclose(layers.MaxPool2d(2)(t(x)).to_numpy(), blocks.max(axis=(3, 5)))
    np.testing.assert_allclose(layers.AvgPool2d(2)(t(x)).to_numpy(), blocks.mean(axis=(3, 5)), rtol=1e-12)
    np.testing.assert_allclose(layers.AdaptiveAvgPool2d(1)(t(x)).to_numpy(), x.mean(axis=(2, 3), keepdims=True),
                               rtol=1e-12)


# ## Parity with PyTorch (when installed)


def test_layers_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    np.random.seed(5)
    x = rand(4, 3, 5, 5)
    conv = layers.Conv2d(3, 6, 3, stride=2, padding=1, groups=3, backend=B)
    tconv = torch.nn.Conv2d(3, 6, 3, stride=2, padding=1, groups=3).double()
    tconv.load_state_dict({k: torch.from_numpy(v.to_numpy()) for k, v in conv.state_dict().items()})
    np.testing.assert_allclose(conv(t(x)).to_numpy(), tconv(torch.from_numpy(x)).detach().numpy(), rtol=1e-10)
    bn, tbn = layers.BatchNorm2d(3, backend=B), torch.nn.BatchNorm2d(3).double()
    for _ in range(2):
        np.testing.assert_allclose(bn(t(x)).to_numpy(), tbn(torch.from_numpy(x)).detach().numpy(), rtol=1e-8,
                                   atol=1e-10)
    for key, value in tbn.state_dict().items():
        np.testing.assert_allclose(bn.state_dict()[key].to_numpy(), value.numpy(), rtol=1e-10)
    gelu = torch.nn.functional.gelu(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(layers.GELU()(t(x)).to_numpy(), gelu, rtol=1e-10, atol=1e-12)
