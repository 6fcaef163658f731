"""Module 4 tests: conv1d (task 4.1) and conv2d (task 4.2), against a numpy reference.

The graded tests run the readable kernels (``CONV_IMPL = "direct"``); the
unmarked ones at the end check the fast paths (im2col + BLAS, depthwise)
that real sizes take, and agree with PyTorch when it is installed. Every
backward is checked against central differences (float64) and against the
reference's own gradients.
"""

from __future__ import annotations

import contextlib
from typing import Any, Dict, Iterator, Optional, Tuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minitorch import fast_conv
from minitorch.fast_conv import Conv1dFun, Conv2dFun, conv1d, conv2d
from minitorch.grad_check import grad_check
from minitorch.tensor import Tensor
from minitorch.tensor_functions import tensor
from tests.tensor_strategies import tensors

# ## A numpy reference, written from the definition


def reference_sides(padding: Any, kernel: Tuple[int, int], stride: Tuple[int, int],
                    dilation: Tuple[int, int]) -> Tuple[int, int, int, int]:
    """(top, bottom, left, right) for any padding argument of conv2d."""
    span = [d * (k - 1) for k, d in zip(kernel, dilation)]
    if padding is None:
        return 0, span[0], 0, span[1]
    if padding == "valid":
        return 0, 0, 0, 0
    if padding == "same":
        return span[0] // 2, span[0] - span[0] // 2, span[1] // 2, span[1] - span[1] // 2
    if isinstance(padding, int):
        return padding, padding, padding, padding
    if len(padding) == 2:
        return padding[0], padding[0], padding[1], padding[1]
    return tuple(padding)  # type: ignore[return-value]


def _patches(xp: np.ndarray, kh: int, kw: int, out_hw: Tuple[int, int], stride: Tuple[int, int],
             dilation: Tuple[int, int]) -> Tuple[slice, slice]:
    rows = slice(kh * dilation[0], kh * dilation[0] + stride[0] * (out_hw[0] - 1) + 1, stride[0])
    cols = slice(kw * dilation[1], kw * dilation[1] + stride[1] * (out_hw[1] - 1) + 1, stride[1])
    return rows, cols


def reference_conv2d(x: np.ndarray, w: np.ndarray, grad: Optional[np.ndarray] = None,
                     stride: Tuple[int, int] = (1, 1), sides: Tuple[int, ...] = (0, 0, 0, 0),
                     dilation: Tuple[int, int] = (1, 1), groups: int = 1) -> Tuple[np.ndarray, ...]:
    """Output, and with ``grad`` the gradients of ``sum(out * grad)`` for x and w."""
    top, bottom, left, right = sides
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    out_channels, group_channels, kernel_h, kernel_w = w.shape
    out_hw = ((xp.shape[2] - dilation[0] * (kernel_h - 1) - 1) // stride[0] + 1,
              (xp.shape[3] - dilation[1] * (kernel_w - 1) - 1) // stride[1] + 1)
    per_group = out_channels // groups
    out = np.zeros((x.shape[0], out_channels, *out_hw))
    grad_xp, grad_w = np.zeros_like(xp), np.zeros_like(w)
    for g in range(groups):
        ins = slice(g * group_channels, (g + 1) * group_channels)
        outs = slice(g * per_group, (g + 1) * per_group)
        for kh in range(kernel_h):
            for kw in range(kernel_w):
                rows, cols = _patches(xp, kh, kw, out_hw, stride, dilation)
                patch = xp[:, ins, rows, cols]
                out[:, outs] += np.einsum("bchw,oc->bohw", patch, w[outs, :, kh, kw])
                if grad is not None:
                    grad_w[outs, :, kh, kw] += np.einsum("bchw,bohw->oc", patch, grad[:, outs])
                    grad_xp[:, ins, rows, cols] += np.einsum("bohw,oc->bchw", grad[:, outs],
                                                             w[outs, :, kh, kw])
    if grad is None:
        return (out,)
    grad_x = grad_xp[:, :, top:top + x.shape[2], left:left + x.shape[3]]
    return out, grad_x, grad_w


# ## Random convolutions


@st.composite
def conv_cases(draw: st.DrawFn, dims: int, extra_size: int = 3) -> Dict[str, Any]:
    """A random, valid convolution: shapes, settings and a data seed."""
    groups = draw(st.integers(1, 3))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    stride = draw(st.integers(1, 2))
    dilation = draw(st.integers(1, 2))
    choices = [None, "valid", draw(st.integers(0, 2)),
               tuple(draw(st.integers(0, 2)) for _ in range(2 * dims))]
    if stride == 1:
        choices.append("same")
    padding = draw(st.sampled_from(choices))
    reach = [dilation * (k - 1) + 1 for k in kernel]
    size = tuple(draw(st.integers(r, r + extra_size)) for r in reach)
    return dict(batch=draw(st.integers(1, 2)), cin=cin, cout=cout, kernel=kernel, size=size,
                stride=stride, dilation=dilation, padding=padding, groups=groups,
                seed=draw(st.integers(0, 2**16)))


def make_case(case: Dict[str, Any], dtype: Any = np.float64, bias: bool = False
              ) -> Tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]:
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal((case["batch"], case["cin"], *case["size"])).astype(dtype)
    w = rng.standard_normal((case["cout"], case["cin"] // case["groups"], *case["kernel"])).astype(dtype)
    b = rng.standard_normal(case["cout"]).astype(dtype) if bias else None
    return x, w, b


def run_reference(case: Dict[str, Any], x: np.ndarray, w: np.ndarray,
                  grad: Optional[np.ndarray] = None) -> Tuple[np.ndarray, ...]:
    """The reference for a conv1d or conv2d case (1-D as images of height 1)."""
    dims = len(case["kernel"])
    padding = case["padding"]
    if dims == 1:
        x, w = x[:, :, None, :], w[:, :, None, :]
        grad = None if grad is None else grad[:, :, None, :]
        if isinstance(padding, tuple):  # (left, right) -> (0, 0, left, right)
            padding = (0, 0, *padding)
        elif isinstance(padding, int):
            padding = (0, 0, padding, padding)
    kernel = w.shape[2:]
    stride = (1, case["stride"]) if dims == 1 else (case["stride"], case["stride"])
    dilation = (1, case["dilation"]) if dims == 1 else (case["dilation"], case["dilation"])
    sides = reference_sides(padding, kernel, stride, dilation)
    results = reference_conv2d(x, w, grad, stride, sides, dilation, case["groups"])
    return tuple(r[:, :, 0] for r in results) if dims == 1 else results


def apply_case(case: Dict[str, Any], x: Tensor, w: Tensor, b: Optional[Tensor] = None) -> Tensor:
    fn = conv1d if len(case["kernel"]) == 1 else conv2d
    return fn(x, w, b, stride=case["stride"], padding=case["padding"], dilation=case["dilation"],
              groups=case["groups"])


@contextlib.contextmanager
def using(impl: str) -> Iterator[None]:
    """Run the ``direct`` (graded) kernels or the ``gemm`` fast paths, whatever the size."""
    saved = fast_conv.CONV_IMPL
    fast_conv.CONV_IMPL = impl
    try:
        yield
    finally:
        fast_conv.CONV_IMPL = saved


def check_forward(case: Dict[str, Any], dtype: Any) -> None:
    x, w, b = make_case(case, dtype, bias=True)
    out = apply_case(case, Tensor.from_numpy(x), Tensor.from_numpy(w), Tensor.from_numpy(b))
    (expected,) = run_reference(case, x, w)[:1]
    expected = expected + b.reshape(1, -1, *([1] * (expected.ndim - 2)))
    assert out.dtype == dtype
    assert out.shape == expected.shape
    tol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(out.to_numpy(), expected, rtol=tol, atol=tol)


def check_backward(case: Dict[str, Any], dtype: Any = np.float64) -> None:
    """Gradients of x, w and bias against the reference's (any dtype)."""
    x, w, b = make_case(case, dtype, bias=True)
    tx, tw, tb = (Tensor.from_numpy(a, requires_grad=True) for a in (x, w, b))
    out = apply_case(case, tx, tw, tb)
    grad = np.random.default_rng(1).standard_normal(out.shape).astype(dtype)
    out.backward(Tensor.from_numpy(grad))
    _, grad_x, grad_w = run_reference(case, x, w, grad)
    tol = 1e-3 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(tx.grad.to_numpy(), grad_x.reshape(x.shape), rtol=tol, atol=tol)
    np.testing.assert_allclose(tw.grad.to_numpy(), grad_w.reshape(w.shape), rtol=tol, atol=tol)
    axes = (0, *range(2, grad.ndim))
    np.testing.assert_allclose(tb.grad.to_numpy(), grad.sum(axis=axes), rtol=tol, atol=tol)


def grad_check_case(case: Dict[str, Any]) -> None:
    x, w, b = make_case(case, bias=True)
    grad_check(lambda a, v, c: apply_case(case, a, v, c), Tensor.from_numpy(x),
               Tensor.from_numpy(w), Tensor.from_numpy(b))


# ## Task 4.1: conv1d


@pytest.mark.task4_1
def test_conv1d_simple() -> None:
    t = tensor([0, 1, 2, 3]).view(1, 1, 4)
    t.requires_grad_(True)
    t2 = tensor([[1, 2, 3]]).view(1, 1, 3)
    out = Conv1dFun.apply(t, t2)
    assert out.shape == (1, 1, 4), f"conv1d of width 4 (kernel 3, padded at the end) keeps width 4: expected (1, 1, 4), got {out.shape}"
    # The course's convolution: the kernel anchored at each output, zeros past the end.
    assert out.to_numpy().tolist() == [[[0 * 1 + 1 * 2 + 2 * 3, 1 * 1 + 2 * 2 + 3 * 3, 2 * 1 + 3 * 2, 3 * 1]]], f"expected [[[8, 14, 8, 3]]] (kernel anchored at each output, zeros past the end), got {out.to_numpy().tolist()}"


@pytest.mark.task4_1
@given(tensors(shape=(1, 1, 6)), tensors(shape=(1, 1, 4)))
@settings(max_examples=10)
def test_conv1d(input: Tensor, weight: Tensor) -> None:
    grad_check(Conv1dFun.apply, input, weight)


@pytest.mark.task4_1
@given(tensors(shape=(2, 2, 6)), tensors(shape=(3, 2, 2)))
@settings(max_examples=10)
def test_conv1d_channel(input: Tensor, weight: Tensor) -> None:
    grad_check(Conv1dFun.apply, input, weight)


@pytest.mark.task4_1
@given(conv_cases(dims=1), st.sampled_from([np.float64, np.float32]))
@settings(max_examples=30)
def test_conv1d_matches_numpy(case: Dict[str, Any], dtype: Any) -> None:
    with using("direct"):
        check_forward(case, dtype)


@pytest.mark.task4_1
@given(conv_cases(dims=1))
@settings(max_examples=10)
def test_conv1d_grad(case: Dict[str, Any]) -> None:
    with using("direct"):
        grad_check_case(case)
        check_backward(case)


@pytest.mark.task4_1
def test_conv1d_padding_modes() -> None:
    with using("direct"):
        x = Tensor.from_numpy(np.arange(10.0).reshape(1, 2, 5))
        w = Tensor.from_numpy(np.ones((3, 2, 3)))
        assert conv1d(x, w).shape == (1, 3, 5), f"default padding keeps the width: expected (1, 3, 5), got {conv1d(x, w).shape}"
        assert conv1d(x, w, padding="valid").shape == (1, 3, 3), f"padding='valid': expected (1, 3, 3), got {conv1d(x, w, padding='valid').shape}"
        assert conv1d(x, w, padding="same").shape == (1, 3, 5), f"padding='same': expected (1, 3, 5), got {conv1d(x, w, padding='same').shape}"
        assert conv1d(x, w, padding=(0, 2)).to_numpy().tolist() == conv1d(x, w).to_numpy().tolist(), "padding=(0, 2) should equal the default (kernel - 1 zeros at the end)"
        assert conv1d(x, w, stride=2, padding=1).shape == (1, 3, 3), f"stride=2, padding=1: expected (1, 3, 3), got {conv1d(x, w, stride=2, padding=1).shape}"
        assert conv1d(x, w, padding=(1,), dilation=2).shape == (1, 3, 3), f"padding=(1,), dilation=2: expected (1, 3, 3), got {conv1d(x, w, padding=(1,), dilation=2).shape}"


# Not graded: argument checking is the framework's code, not Task 4.1's kernel.
def test_conv1d_errors() -> None:
    x, w = Tensor.from_numpy(np.ones((1, 4, 5))), Tensor.from_numpy(np.ones((2, 4, 3)))
    with pytest.raises(ValueError, match=r"input \(4, 5\)"):
        conv1d(x.view(4, 5), w)
    with pytest.raises(ValueError, match="groups"):
        conv1d(x, Tensor.from_numpy(np.ones((2, 3, 3))))
    with pytest.raises(ValueError, match="groups"):
        conv1d(x, Tensor.from_numpy(np.ones((3, 2, 3))), groups=2)
    with pytest.raises(ValueError, match="bias"):
        conv1d(x, w, Tensor.from_numpy(np.ones(3)))
    with pytest.raises(ValueError, match="does not fit"):
        conv1d(x, Tensor.from_numpy(np.ones((2, 4, 7))), padding=0)
    with pytest.raises(ValueError, match="same"):
        conv1d(x, w, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding"):
        conv1d(x, w, padding=(1, 2, 3))


# ## Task 4.2: conv2d


@pytest.mark.task4_2
def test_conv2d_simple() -> None:
    t = tensor([[0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3]]).view(1, 1, 4, 4)
    t.requires_grad_(True)
    t2 = tensor([[1, 1], [1, 1]]).view(1, 1, 2, 2)
    t2.requires_grad_(True)
    out = Conv2dFun.apply(t, t2)
    # Sums of 2x2 blocks; the last row and column overhang into zeros.
    assert out.to_numpy()[0, 0].tolist() == [[2, 6, 10, 6], [2, 6, 10, 6], [2, 6, 10, 6], [1, 3, 5, 3]], f"expected sums of 2x2 blocks [[2, 6, 10, 6]] * 3 + [[1, 3, 5, 3]], got {out.to_numpy()[0, 0].tolist()}"
    out.sum().backward()
    grad_check(Conv2dFun.apply, t, t2)


@pytest.mark.task4_2
@given(tensors(shape=(2, 1, 6, 6)), tensors(shape=(1, 1, 2, 4)))
@settings(max_examples=5)
def test_conv2d(input: Tensor, weight: Tensor) -> None:
    grad_check(Conv2dFun.apply, input, weight)


@pytest.mark.task4_2
@given(tensors(shape=(2, 2, 6, 6)), tensors(shape=(3, 2, 2, 4)))
@settings(max_examples=5)
def test_conv2d_channel(input: Tensor, weight: Tensor) -> None:
    grad_check(Conv2dFun.apply, input, weight)


@pytest.mark.task4_2
@given(conv_cases(dims=2), st.sampled_from([np.float64, np.float32]))
@settings(max_examples=40)
def test_conv2d_matches_numpy(case: Dict[str, Any], dtype: Any) -> None:
    with using("direct"):
        check_forward(case, dtype)


@pytest.mark.task4_2
@given(conv_cases(dims=2))
@settings(max_examples=10)
def test_conv2d_grad(case: Dict[str, Any]) -> None:
    with using("direct"):
        grad_check_case(case)
        check_backward(case)


GROUPED_CASES = {
    "depthwise": dict(groups=4, cin=4, cout=4, kernel=(3, 3), stride=1, padding=1),
    "depthwise x2": dict(groups=3, cin=3, cout=6, kernel=(3, 3), stride=2, padding=1),
    "depthwise 5x5 stride 2": dict(groups=2, cin=2, cout=2, kernel=(5, 5), stride=2, padding=2),
    "grouped": dict(groups=2, cin=4, cout=6, kernel=(2, 3), stride=1, padding=(1, 0)),
    "tf same stride 2": dict(groups=1, cin=2, cout=3, kernel=(3, 3), stride=2, padding=(0, 1, 0, 1)),
    "dilated": dict(groups=1, cin=2, cout=2, kernel=(3, 3), stride=1, padding="same", dilation=2),
    "1x1": dict(groups=1, cin=3, cout=4, kernel=(1, 1), stride=1, padding=0),
    "1x1 stride 2": dict(groups=1, cin=3, cout=4, kernel=(1, 1), stride=2, padding=0),
}


def grouped_case(name: str) -> Dict[str, Any]:
    case = dict(batch=2, size=(7, 8), dilation=1, seed=3)
    case.update(GROUPED_CASES[name])
    return case


@pytest.mark.task4_2
@pytest.mark.parametrize("name", list(GROUPED_CASES))
def test_conv2d_groups_stride_padding(name: str) -> None:
    with using("direct"):
        case = grouped_case(name)
        check_forward(case, np.float64)
        check_backward(case)


@pytest.mark.task4_2
def test_conv2d_tf_same_padding() -> None:
    with using("direct"):
        # TensorFlow's SAME with stride 2 on an even size puts the extra zero at the bottom/right.
        x = np.random.default_rng(0).standard_normal((1, 1, 6, 6))
        w = np.random.default_rng(1).standard_normal((1, 1, 3, 3))
        out = conv2d(Tensor.from_numpy(x), Tensor.from_numpy(w), stride=2, padding=(0, 1, 0, 1))
        padded = np.pad(x, ((0, 0), (0, 0), (0, 1), (0, 1)))
        expected = [[(padded[0, 0, 2 * i:2 * i + 3, 2 * j:2 * j + 3] * w[0, 0]).sum() for j in range(3)]
                    for i in range(3)]
        np.testing.assert_allclose(out.to_numpy()[0, 0], expected)


# Not graded: argument checking is the framework's code, not Task 4.2's kernel.
def test_conv2d_errors() -> None:
    x = Tensor.from_numpy(np.ones((1, 4, 5, 5)))
    with pytest.raises(ValueError, match=r"\(1, 4, 5, 5\)"):
        conv2d(x, Tensor.from_numpy(np.ones((2, 4, 3))))
    with pytest.raises(ValueError, match=r"weight \(2, 3, 3, 3\)"):
        conv2d(x, Tensor.from_numpy(np.ones((2, 3, 3, 3))))
    with pytest.raises(ValueError, match="groups=3"):
        conv2d(x, Tensor.from_numpy(np.ones((3, 1, 3, 3))), groups=3)
    with pytest.raises(ValueError, match="stride"):
        conv2d(x, Tensor.from_numpy(np.ones((2, 4, 3, 3))), stride=0)
    with pytest.raises(ValueError, match="negative"):
        conv2d(x, Tensor.from_numpy(np.ones((2, 4, 3, 3))), padding=(-1, 0))


# ## The fast paths (not graded): im2col + BLAS and the depthwise kernels


@given(conv_cases(dims=2), st.sampled_from([np.float64, np.float32]))
@settings(max_examples=40)
def test_fast_conv2d_matches_numpy(case: Dict[str, Any], dtype: Any) -> None:
    with using("gemm"):
        check_forward(case, dtype)
        check_backward(case, dtype)


@given(conv_cases(dims=1), st.sampled_from([np.float64, np.float32]))
@settings(max_examples=20)
def test_fast_conv1d_matches_numpy(case: Dict[str, Any], dtype: Any) -> None:
    with using("gemm"):
        check_forward(case, dtype)
        check_backward(case, dtype)


@pytest.mark.parametrize("name", list(GROUPED_CASES))
def test_fast_groups_stride_padding(name: str) -> None:
    with using("gemm"):
        case = grouped_case(name)
        for dtype in (np.float64, np.float32):
            check_forward(case, dtype)
            check_backward(case, dtype)
        grad_check_case(case)


@pytest.mark.parametrize("stride,size,padding", [(3, (8, 11), 1), (3, (9, 10), (0, 2, 1, 2))])
def test_fast_depthwise_strides_beyond_two(stride: Any, size: Tuple[int, int], padding: Any) -> None:
    """The depthwise kernels' phases (one per column of the stride) for stride 3, odd widths and paddings."""
    case = dict(batch=2, size=size, dilation=1, seed=5, groups=3, cin=3, cout=6, kernel=(5, 5),
                stride=stride, padding=padding)
    with using("gemm"):
        for dtype in (np.float64, np.float32):
            check_forward(case, dtype)
            check_backward(case, dtype)


def test_auto_takes_the_fast_path_on_large_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    case = dict(batch=4, cin=8, cout=8, kernel=(3, 3), size=(20, 20), stride=1, dilation=1,
                padding=1, groups=1, seed=0)
    x, w, _ = make_case(case, np.float32)
    calls = []
    monkeypatch.setattr(fast_conv, "tensor_conv2d", lambda *args: calls.append(args))
    out = apply_case(case, Tensor.from_numpy(x), Tensor.from_numpy(w))
    assert not calls, "a large problem should not run the direct kernel"
    np.testing.assert_allclose(out.to_numpy(), run_reference(case, x, w)[0], rtol=1e-4, atol=1e-4)


def test_gradients_only_where_needed() -> None:
    with using("gemm"):
        case = grouped_case("depthwise x2")
        x, w, _ = make_case(case)
        tx, tw = Tensor.from_numpy(x), Tensor.from_numpy(w, requires_grad=True)
        out = apply_case(case, tx, tw)
        grad = np.ones(out.shape)
        out.backward(Tensor.from_numpy(grad))
        assert tx.grad is None
        np.testing.assert_allclose(tw.grad.to_numpy(), run_reference(case, x, w, grad)[2], atol=1e-10)


@pytest.mark.parametrize("impl", ["direct", "gemm"])
def test_non_contiguous_inputs(monkeypatch: pytest.MonkeyPatch, impl: str) -> None:
    monkeypatch.setattr(fast_conv, "CONV_IMPL", impl)
    x = np.random.default_rng(0).standard_normal((5, 6, 2, 3))
    w = np.random.default_rng(1).standard_normal((3, 3, 4, 3))
    tx = Tensor.from_numpy(x).permute(2, 3, 0, 1)  # (2, 3, 5, 6), not contiguous
    tw = Tensor.from_numpy(w).permute(2, 3, 0, 1)  # (4, 3, 3, 3)
    assert not tx.is_contiguous() and not tw.is_contiguous()
    out = conv2d(tx, tw, padding=1)
    expected = reference_conv2d(tx.to_numpy(), tw.to_numpy(), sides=(1, 1, 1, 1))[0]
    np.testing.assert_allclose(out.to_numpy(), expected, atol=1e-10)


def test_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for groups, cin, cout, stride, padding in [(1, 3, 8, 1, 1), (8, 8, 8, 2, 1), (2, 4, 6, 2, 0),
                                               (8, 8, 16, 1, 2)]:
        x = rng.standard_normal((3, cin, 13, 11)).astype(np.float32)
        w = rng.standard_normal((cout, cin // groups, 3, 3)).astype(np.float32)
        tx, tw = Tensor.from_numpy(x, requires_grad=True), Tensor.from_numpy(w, requires_grad=True)
        out = conv2d(tx, tw, stride=stride, padding=padding, groups=groups)
        out.sum().backward()
        rx, rw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
        ref = torch.nn.functional.conv2d(rx, rw, stride=stride, padding=padding, groups=groups)
        ref.sum().backward()
        np.testing.assert_allclose(out.to_numpy(), ref.detach().numpy(), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(tx.grad.to_numpy(), rx.grad.numpy(), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(tw.grad.to_numpy(), rw.grad.numpy(), rtol=1e-3, atol=1e-3)


# ## The course's kernels compute the gradients too (not graded: framework code)


@pytest.mark.parametrize(
    "shape, kernel, settings",
    [
        ((2, 3, 7, 6), (4, 3, 3, 2), dict(padding=None)),
        ((2, 3, 9, 8), (2, 3, 3, 3), dict(stride=2, padding=1)),
        ((1, 2, 10, 9), (3, 2, 2, 3), dict(stride=(2, 3), padding=(2, 1), dilation=(2, 1))),
        ((2, 2, 6, 6), (2, 2, 3, 3), dict(padding="same", dilation=2)),
        ((2, 3, 11), (4, 3, 3), dict(stride=2, padding=2, dilation=2)),
        ((2, 3, 8), (2, 3, 4), dict(padding=None)),
    ],
)
def test_direct_backward_matches_im2col(shape, kernel, settings) -> None:
    """The graded kernel's gradients (``direct_backward``) equal im2col's, for any geometry."""
    from minitorch import fast_conv
    from minitorch.kernels import conv_kernels

    rng = np.random.default_rng(0)
    x, w = rng.normal(size=shape), rng.normal(size=kernel)
    dims = len(shape) - 2
    spec = fast_conv.conv_spec(shape, kernel, None, settings.get("stride", 1),
                               settings.get("padding"), settings.get("dilation", 1), 1, dims)
    go = rng.normal(size=(shape[0], kernel[0], *spec.out_hw))
    x4, w4 = (x[:, :, None, :], w[:, :, None, :]) if dims == 1 else (x, w)
    got_x, got_w = fast_conv.direct_backward(go, x4, w4, spec, True, True)
    want_x, want_w = conv_kernels.conv_backward(go, x4, w4, None, 1, spec.geometry,
                                                want_x=True, want_weight=True)
    np.testing.assert_allclose(got_x, want_x, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(got_w, want_w, rtol=1e-10, atol=1e-10)


def test_course_kernels_route_training_through_the_graded_kernels(monkeypatch) -> None:
    """Inside course_kernels() a Conv2d + Linear step runs the graded matmul and conv kernels."""
    from minitorch import fast_conv, fast_ops
    from minitorch.backends import FastTensorBackend
    from minitorch.layers import modules as layers

    calls = {"matmul": 0, "conv": 0, "blas": 0}
    for module, name, key in ((fast_ops, "tensor_matrix_multiply", "matmul"),
                              (fast_conv, "tensor_conv2d", "conv"),
                              (fast_ops, "blas_matrix_multiply", "blas")):
        original = getattr(module, name)

        def counted(*args, _original=original, _key=key):
            calls[_key] += 1
            return _original(*args)

        monkeypatch.setattr(module, name, counted)
    np.random.seed(0)
    conv, linear = layers.Conv2d(1, 4, 3, padding=1), layers.Linear(4 * 8 * 8, 3)
    x = Tensor.from_numpy(np.random.default_rng(1).normal(size=(16, 1, 8, 8)),
                          backend=FastTensorBackend)
    with fast_ops.course_kernels():
        out = linear(conv(x).relu().view(16, 4 * 8 * 8))
        out.sum().backward()
    assert calls["blas"] == 0, "course_kernels() must not call BLAS"
    assert calls["matmul"] >= 3, f"forward and both backward products: {calls}"
    assert calls["conv"] >= 2, f"the forward and grad_w convolutions: {calls}"
    assert fast_ops.USE_BLAS, "the setting comes back after the block"
