"""Module 4 tests: pooling (task 4.3), max/argmax/softmax/dropout (task 4.4), general pooling.

Forward results are compared with numpy written from the definitions,
gradients with central differences (float64). The general pooling tests at
the end (not graded) also agree with PyTorch when it is installed.

Most tests run on SimpleBackend: these functions only combine backend
operations (or run their own kernels), and FastOps has its own tests; one
test runs on each backend, so that a cold numba cache does not have to
compile FastOps for float32 and float64 just for this file.
"""

from __future__ import annotations

import math
import random
from typing import Any, Callable, Optional, Tuple

import numpy as np
import pytest
from hypothesis import given, settings

from minitorch import nn
from minitorch.backends import FastTensorBackend
from minitorch.grad_check import grad_check
from minitorch.tensor import Tensor
from minitorch.tensor_ops import SimpleBackend
from tests.strategies import assert_close
from tests.tensor_strategies import tensors


def random_tensor(shape: Tuple[int, ...], seed: int = 0, dtype: Any = np.float64,
                  backend: Any = SimpleBackend) -> Tensor:
    """Distinct standard-normal values (no ties, so every max has one clear winner)."""
    values = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return Tensor.from_numpy(values, backend=backend)


# ## Task 4.3: tile and avgpool2d


@pytest.mark.task4_3
@pytest.mark.parametrize("kernel", [(1, 1), (2, 2), (2, 3), (4, 1)])
def test_tile(kernel: Tuple[int, int]) -> None:
    t = random_tensor((2, 3, 4, 6))
    x = t.to_numpy()
    tiled, new_height, new_width = nn.tile(t, kernel)
    kh, kw = kernel
    assert (new_height, new_width) == (4 // kh, 6 // kw), f"tile of (4, 6) by {kernel} should give {(4 // kh, 6 // kw)} tiles, got {(new_height, new_width)}"
    assert tiled.shape == (2, 3, new_height, new_width, kh * kw), f"expected tiled shape {(2, 3, new_height, new_width, kh * kw)}, got {tiled.shape}"
    for i in range(new_height):
        for j in range(new_width):
            expected = x[:, :, i * kh:(i + 1) * kh, j * kw:(j + 1) * kw].reshape(2, 3, -1)
            np.testing.assert_array_equal(tiled.to_numpy()[:, :, i, j], expected)


@pytest.mark.task4_3
def test_tile_errors() -> None:
    with pytest.raises(ValueError, match="divide"):
        nn.tile(random_tensor((1, 1, 4, 5)), (2, 2))
    with pytest.raises(ValueError, match="divide"):
        nn.avgpool2d(random_tensor((1, 1, 3, 4)), (2, 2))
    with pytest.raises(ValueError, match=r"\(B, C, H, W\)"):
        nn.tile(random_tensor((4, 4)), (2, 2))


@pytest.mark.task4_3
@given(tensors(shape=(1, 1, 4, 4)))
@settings(max_examples=20)
def test_avg(t: Tensor) -> None:
    out = nn.avgpool2d(t, (2, 2))
    assert_close(out[0, 0, 0, 0], sum([t[0, 0, i, j] for i in range(2) for j in range(2)]) / 4.0,
                 "avgpool2d(t, (2, 2))[0, 0, 0, 0]")
    out = nn.avgpool2d(t, (2, 1))
    assert_close(out[0, 0, 0, 0], sum([t[0, 0, i, j] for i in range(2) for j in range(1)]) / 2.0,
                 "avgpool2d(t, (2, 1))[0, 0, 0, 0]")
    out = nn.avgpool2d(t, (1, 2))
    assert_close(out[0, 0, 0, 0], sum([t[0, 0, i, j] for i in range(1) for j in range(2)]) / 2.0,
                 "avgpool2d(t, (1, 2))[0, 0, 0, 0]")
    grad_check(lambda t: nn.avgpool2d(t, (2, 2)), t)


def tiles_reference(x: np.ndarray, kernel: Tuple[int, int], reduce: Callable[..., np.ndarray]) -> np.ndarray:
    b, c, h, w = x.shape
    kh, kw = kernel
    return reduce(x.reshape(b, c, h // kh, kh, w // kw, kw), axis=(3, 5))


@pytest.mark.task4_3
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kernel", [(2, 2), (3, 1), (1, 4), (3, 4)])
def test_avgpool2d_matches_numpy(kernel: Tuple[int, int], dtype: Any) -> None:
    t = random_tensor((2, 2, 6, 8), dtype=dtype)
    out = nn.avgpool2d(t, kernel)
    assert out.dtype == dtype, f"avgpool2d should keep the dtype {np.dtype(dtype)}, got {out.dtype}"
    np.testing.assert_allclose(out.to_numpy(), tiles_reference(t.to_numpy(), kernel, np.mean), rtol=1e-5)
    if dtype == np.float64:
        grad_check(lambda a: nn.avgpool2d(a, kernel), t)


# ## Task 4.4: max, argmax, softmax, logsoftmax, dropout, maxpool2d


@pytest.mark.task4_4
@given(tensors(shape=(2, 3, 4)))
@settings(max_examples=20)
def test_max(t: Tensor) -> None:
    x = t.to_numpy()
    for dim in range(3):
        out = nn.max(t, dim)
        np.testing.assert_array_equal(out.to_numpy(), x.max(axis=dim, keepdims=True))
    assert_close(nn.max(t, 2)[0, 0, 0], max(t[0, 0, i] for i in range(4)), "max(t, 2)[0, 0, 0]")
    assert nn.max(t).to_numpy().tolist() == [x.max()], f"max() over everything should be [{x.max()}] (shape (1,)), got {nn.max(t).to_numpy().tolist()}"


@pytest.mark.task4_4
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_max_grad(dim: int) -> None:
    grad_check(lambda a: nn.max(a, dim), random_tensor((2, 3, 4), seed=dim + 5))
    grad_check(lambda a: nn.max(a), random_tensor((2, 3), seed=1))


@pytest.mark.task4_4
def test_max_ties_share_the_gradient() -> None:
    t = Tensor.from_numpy(np.array([[3.0, 1.0, 3.0], [0.0, 2.0, 1.0]]), requires_grad=True)
    nn.max(t, 1).sum().backward()
    assert t.grad.to_numpy().tolist() == [[0.5, 0.0, 0.5], [0.0, 1.0, 0.0]], f"tied maxima share the gradient: expected [[0.5, 0.0, 0.5], [0.0, 1.0, 0.0]], got {t.grad.to_numpy().tolist()}"


@pytest.mark.task4_4
def test_argmax() -> None:
    t = random_tensor((3, 4, 5), seed=2)
    x = t.to_numpy()
    for dim in (0, 1, 2, -1):
        out = nn.argmax(t, dim)
        assert out.shape == t.shape, f"argmax(dim={dim}) should keep the shape {t.shape}, got {out.shape}"
        expected = (x == x.max(axis=dim, keepdims=True)).astype(float)
        np.testing.assert_array_equal(out.to_numpy(), expected)
    ties = Tensor.from_numpy(np.array([[1.0, 5.0, 5.0]]))
    assert nn.argmax(ties, 1).to_numpy().tolist() == [[0.0, 1.0, 1.0]], f"argmax of [[1, 5, 5]] along 1 marks every tie: expected [[0, 1, 1]], got {nn.argmax(ties, 1).to_numpy().tolist()}"


@pytest.mark.task4_4
@given(tensors(shape=(1, 1, 4, 4)))
@settings(max_examples=20)
def test_max_pool(t: Tensor) -> None:
    out = nn.maxpool2d(t, (2, 2))
    assert_close(out[0, 0, 0, 0], max([t[0, 0, i, j] for i in range(2) for j in range(2)]),
                 "maxpool2d(t, (2, 2))[0, 0, 0, 0]")
    out = nn.maxpool2d(t, (2, 1))
    assert_close(out[0, 0, 0, 0], max([t[0, 0, i, j] for i in range(2) for j in range(1)]),
                 "maxpool2d(t, (2, 1))[0, 0, 0, 0]")
    out = nn.maxpool2d(t, (1, 2))
    assert_close(out[0, 0, 0, 0], max([t[0, 0, i, j] for i in range(1) for j in range(2)]),
                 "maxpool2d(t, (1, 2))[0, 0, 0, 0]")


@pytest.mark.task4_4
@pytest.mark.parametrize("kernel", [(2, 2), (3, 1), (1, 4)])
def test_maxpool2d_matches_numpy(kernel: Tuple[int, int]) -> None:
    t = random_tensor((2, 2, 6, 8), seed=3)
    out = nn.maxpool2d(t, kernel)
    np.testing.assert_array_equal(out.to_numpy(), tiles_reference(t.to_numpy(), kernel, np.max))
    grad_check(lambda a: nn.maxpool2d(a, kernel), t)


@pytest.mark.task4_4
@given(tensors())
@settings(max_examples=20)
def test_drop(t: Tensor) -> None:
    q = nn.dropout(t, 0.0)
    idx = q._tensor.sample()
    assert q[idx] == t[idx], f"dropout(rate=0) should keep every entry: at {idx} expected {t[idx]}, got {q[idx]}"
    q = nn.dropout(t, 1.0)
    assert q[q._tensor.sample()] == 0.0, "dropout(rate=1) should zero every entry"
    q = nn.dropout(t, 1.0, ignore=True)
    idx = q._tensor.sample()
    assert q[idx] == t[idx], f"dropout(ignore=True) should return the input: at {idx} expected {t[idx]}, got {q[idx]}"


@pytest.mark.task4_4
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_dropout_keeps_the_expected_value(dtype: Any) -> None:
    t = Tensor.from_numpy(np.ones((100, 100), dtype=dtype))
    t.requires_grad_(True)
    random.seed(4)
    out = nn.dropout(t, 0.3)
    assert out.dtype == dtype, f"dropout should keep the dtype {np.dtype(dtype)}, got {out.dtype}"
    values = out.to_numpy()
    kept = values != 0
    assert abs(kept.mean() - 0.7) < 0.03, f"rate 0.3 should keep about 70% of the entries, kept {kept.mean():.1%}"
    np.testing.assert_allclose(values[kept], 1 / 0.7, rtol=1e-6)
    out.sum().backward()
    np.testing.assert_array_equal(t.grad.to_numpy(), values)  # d out / d t is the scaled mask
    random.seed(4)
    np.testing.assert_array_equal(nn.dropout(t, 0.3).to_numpy(), values)  # reproducible
    with pytest.raises(ValueError, match="rate"):
        nn.dropout(t, 1.5)


@pytest.mark.task4_4
@given(tensors(shape=(1, 1, 4, 4)))
@settings(max_examples=20)
def test_softmax(t: Tensor) -> None:
    q = nn.softmax(t, 3)
    x = q.sum(dim=3)
    assert_close(x[0, 0, 0, 0], 1.0, "softmax(t, 3) summed over dim 3")
    q = nn.softmax(t, 1)
    x = q.sum(dim=1)
    assert_close(x[0, 0, 0, 0], 1.0, "softmax(t, 1) summed over dim 1")
    grad_check(lambda a: nn.softmax(a, dim=2), t)


@pytest.mark.task4_4
@given(tensors(shape=(1, 1, 4, 4)))
@settings(max_examples=20)
def test_log_softmax(t: Tensor) -> None:
    q = nn.softmax(t, 3)
    q2 = nn.logsoftmax(t, 3).exp()
    for i in q._tensor.indices():
        assert_close(q[i], q2[i], f"softmax(t, 3) (got) vs logsoftmax(t, 3).exp() (expected) at {i}")
    grad_check(lambda a: nn.logsoftmax(a, dim=2), t)


def numpy_log_softmax(x: np.ndarray, dim: int) -> np.ndarray:
    shifted = x - x.max(axis=dim, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))


@pytest.mark.task4_4
@pytest.mark.parametrize("backend", [SimpleBackend, FastTensorBackend], ids=["simple", "fast"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_matches_numpy(dim: int, backend: Any) -> None:
    t = random_tensor((3, 4, 5), seed=6, backend=backend) * 10.0
    expected = numpy_log_softmax(t.to_numpy(), dim)
    # log adds 1e-6 to its argument (operators.log), hence the tolerance
    np.testing.assert_allclose(nn.logsoftmax(t, dim).to_numpy(), expected, atol=2e-6)
    np.testing.assert_allclose(nn.softmax(t, dim).to_numpy(), np.exp(expected), atol=1e-12)
    grad_check(lambda a: nn.softmax(a, dim), t)
    grad_check(lambda a: nn.logsoftmax(a, dim), t)


@pytest.mark.task4_4
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_is_stable(dtype: Any) -> None:
    t = Tensor.from_numpy(np.array([[1000.0, 0.0, -1000.0], [-1e4, -1e4, -1e4]], dtype=dtype))
    soft, log_soft = nn.softmax(t, 1).to_numpy(), nn.logsoftmax(t, 1).to_numpy()
    assert soft.dtype == log_soft.dtype == dtype, f"softmax/logsoftmax should keep the dtype {np.dtype(dtype)}, got {soft.dtype} and {log_soft.dtype}"
    assert np.isfinite(soft).all() and np.isfinite(log_soft).all(), f"softmax and logsoftmax of large inputs should stay finite, got {soft.tolist()} and {log_soft.tolist()}"
    np.testing.assert_allclose(soft, [[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-6)
    np.testing.assert_allclose(log_soft[0], [0.0, -1000.0, -2000.0], atol=1e-5)


# ## General pooling (not graded): PyTorch's semantics


def out_size(size: int, kernel: int, stride: int, padding: int, ceil_mode: bool) -> int:
    span = size + 2 * padding - kernel
    out = (math.ceil(span / stride) if ceil_mode else span // stride) + 1
    return out - 1 if ceil_mode and (out - 1) * stride >= size + padding else out


def reference_pool(x: np.ndarray, kernel: Tuple[int, int], stride: Tuple[int, int],
                   padding: Tuple[int, int], is_max: bool, ceil_mode: bool = False,
                   count_include_pad: bool = True) -> np.ndarray:
    """PyTorch's max_pool2d/avg_pool2d, one window at a time."""
    h, w = x.shape[2:]
    out_h = out_size(h, kernel[0], stride[0], padding[0], ceil_mode)
    out_w = out_size(w, kernel[1], stride[1], padding[1], ceil_mode)
    out = np.zeros((*x.shape[:2], out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            r, c = i * stride[0] - padding[0], j * stride[1] - padding[1]
            window = x[:, :, max(r, 0):min(r + kernel[0], h), max(c, 0):min(c + kernel[1], w)]
            if is_max:
                out[:, :, i, j] = window.max(axis=(2, 3))
            else:
                area = (min(r + kernel[0], h + padding[0]) - r) * (min(c + kernel[1], w + padding[1]) - c)
                divisor = area if count_include_pad else window.shape[2] * window.shape[3]
                out[:, :, i, j] = window.sum(axis=(2, 3)) / divisor
    return out


def reference_adaptive(x: np.ndarray, out_hw: Tuple[int, int], is_max: bool) -> np.ndarray:
    h, w = x.shape[2:]
    out = np.zeros((*x.shape[:2], *out_hw))
    for i in range(out_hw[0]):
        for j in range(out_hw[1]):
            rows = slice(i * h // out_hw[0], math.ceil((i + 1) * h / out_hw[0]))
            cols = slice(j * w // out_hw[1], math.ceil((j + 1) * w / out_hw[1]))
            window = x[:, :, rows, cols]
            out[:, :, i, j] = window.max(axis=(2, 3)) if is_max else window.mean(axis=(2, 3))
    return out


POOL_CASES = [
    # kernel, stride, padding, ceil_mode, count_include_pad
    ((2, 2), None, (0, 0), False, True),
    ((3, 3), (2, 2), (1, 1), False, True),
    ((3, 3), (2, 2), (1, 1), True, True),
    ((3, 2), (2, 1), (1, 0), True, False),
    ((2, 3), (1, 2), (0, 1), False, False),
    ((3, 3), (3, 3), (0, 0), True, True),
]


@pytest.mark.parametrize("is_max", [True, False], ids=["max", "avg"])
@pytest.mark.parametrize("case", POOL_CASES)
def test_pool2d_matches_reference(case: Tuple[Any, ...], is_max: bool) -> None:
    kernel, stride, padding, ceil_mode, count_include_pad = case
    t = random_tensor((2, 3, 7, 8), seed=7)
    if is_max:
        out = nn.max_pool2d(t, kernel, stride, padding, ceil_mode)
    else:
        out = nn.avg_pool2d(t, kernel, stride, padding, ceil_mode, count_include_pad)
    expected = reference_pool(t.to_numpy(), kernel, stride or kernel, padding, is_max, ceil_mode,
                              count_include_pad)
    np.testing.assert_allclose(out.to_numpy(), expected, atol=1e-12)
    pool: Callable[[Tensor], Tensor] = (
        (lambda a: nn.max_pool2d(a, kernel, stride, padding, ceil_mode)) if is_max else
        (lambda a: nn.avg_pool2d(a, kernel, stride, padding, ceil_mode, count_include_pad)))
    grad_check(pool, t)


@pytest.mark.parametrize("is_max", [True, False], ids=["max", "avg"])
@pytest.mark.parametrize("output_size", [(1, 1), (3, 5), (5, 4), (7, 8), (10, 3), (None, 3), 2])
def test_adaptive_pool2d_matches_reference(output_size: Any, is_max: bool) -> None:
    t = random_tensor((2, 3, 7, 8), seed=8)
    pool = nn.adaptive_max_pool2d if is_max else nn.adaptive_avg_pool2d
    out = pool(t, output_size)
    size = (output_size, output_size) if isinstance(output_size, int) else output_size
    out_hw = (size[0] or 7, size[1] or 8)
    np.testing.assert_allclose(out.to_numpy(), reference_adaptive(t.to_numpy(), out_hw, is_max),
                               atol=1e-12)
    grad_check(lambda a: pool(a, output_size), t)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_global_pooling(dtype: Any) -> None:
    t = random_tensor((2, 3, 5, 4), seed=9, dtype=dtype)
    avg, top = nn.global_avg_pool2d(t), nn.global_max_pool2d(t)
    assert avg.shape == top.shape == (2, 3, 1, 1) and avg.dtype == top.dtype == dtype
    np.testing.assert_allclose(avg.to_numpy(), t.to_numpy().mean(axis=(2, 3), keepdims=True), rtol=1e-6)
    np.testing.assert_array_equal(top.to_numpy(), t.to_numpy().max(axis=(2, 3), keepdims=True))


def test_pooling_errors() -> None:
    t = random_tensor((1, 2, 5, 5))
    with pytest.raises(ValueError, match="B, C, H, W"):
        nn.max_pool2d(random_tensor((2, 5, 5)), 2)
    with pytest.raises(ValueError, match="half"):
        nn.max_pool2d(t, 2, padding=2)
    with pytest.raises(ValueError, match="larger"):
        nn.avg_pool2d(t, 7)
    with pytest.raises(ValueError, match="output_size"):
        nn.adaptive_avg_pool2d(t, 0)
    with pytest.raises(ValueError, match="kernel_size"):
        nn.max_pool2d(t, (2, 2, 2))


def test_pooling_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(10).standard_normal((2, 4, 11, 9)).astype(np.float32)
    calls: Any = [
        (lambda a: nn.max_pool2d(a, 3, 2, 1), lambda a: torch.nn.functional.max_pool2d(a, 3, 2, 1)),
        (lambda a: nn.avg_pool2d(a, 3, 2, 1, True), lambda a: torch.nn.functional.avg_pool2d(a, 3, 2, 1, True)),
        (lambda a: nn.adaptive_avg_pool2d(a, (4, 5)),
         lambda a: torch.nn.functional.adaptive_avg_pool2d(a, (4, 5))),
        (lambda a: nn.adaptive_max_pool2d(a, 3), lambda a: torch.nn.functional.adaptive_max_pool2d(a, 3)),
    ]
    for ours, theirs in calls:
        t = Tensor.from_numpy(x.copy(), requires_grad=True)
        ref = torch.tensor(x, requires_grad=True)
        out, expected = ours(t), theirs(ref)
        grad: Optional[np.ndarray] = np.random.default_rng(11).standard_normal(expected.shape).astype(np.float32)
        out.backward(Tensor.from_numpy(grad))
        expected.backward(torch.tensor(grad))
        np.testing.assert_allclose(out.to_numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(t.grad.to_numpy(), ref.grad.numpy(), rtol=1e-5, atol=1e-6)
