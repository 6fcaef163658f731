"""The forward-only blocked convolution (``kernels/conv_blocked.py``) against the im2col path.

Every way of cutting the output into blocks (bands of rows, groups of
images, the output channels split in parts, a plain 1x1's columns read in
place) must give the im2col convolution's numbers, with the epilogue
``clip(acc * scale + shift + residual, lo, hi)`` applied.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch
from minitorch.fast_conv import conv2d
from minitorch.kernels import conv_blocked, conv_kernels
from minitorch.tensor import Tensor
from minitorch.tensor_data import TensorData


@pytest.fixture
def small_blocks() -> Iterator[None]:
    """Blocks of 4 to 16 columns: tiny images then take every cutting path."""
    saved = conv_blocked.MIN_COLS, conv_blocked.MAX_COLS
    conv_blocked.MIN_COLS, conv_blocked.MAX_COLS = 4, 16
    yield
    conv_blocked.MIN_COLS, conv_blocked.MAX_COLS = saved


@st.composite
def convolutions(draw: st.DrawFn) -> dict:
    """A dense convolution's input, weight and geometry (any padding per side, stride, dilation)."""
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    pads = tuple(draw(st.integers(0, 2)) for _ in range(4))
    reach = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    height = draw(st.integers(max(1, reach[0] - pads[0] - pads[1]), 9))
    width = draw(st.integers(max(1, reach[1] - pads[2] - pads[3]), 9))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    batch, cin, cout = draw(st.integers(1, 4)), draw(st.integers(1, 5)), draw(st.sampled_from([1, 3, 40, 70]))
    out_hw = ((height + pads[0] + pads[1] - reach[0]) // stride[0] + 1,
              (width + pads[2] + pads[3] - reach[1]) // stride[1] + 1)
    return dict(x=rng.standard_normal((batch, cin, height, width)),
                w=rng.standard_normal((cout, cin, *kernel)),
                out_hw=out_hw, geometry=(stride, pads, dilation), rng=rng)


def _reference(c: dict, scale: np.ndarray, shift: np.ndarray, residual: np.ndarray, lo: float,
               hi: float) -> np.ndarray:
    out, _ = conv_kernels.conv_forward(c["x"], c["w"], 1, c["out_hw"], c["geometry"])
    return np.clip(out * scale[:, None, None] + shift[:, None, None] + residual, lo, hi)


@pytest.mark.parametrize("tiny", [False, True])
@given(c=convolutions(), with_residual=st.booleans(), clip=st.sampled_from([None, (0.0, np.inf), (-0.5, 0.5)]))
@settings(max_examples=40, deadline=None)
def test_blocked_equals_im2col_with_the_epilogue(tiny: bool, c: dict, with_residual: bool,
                                                 clip: tuple) -> None:
    saved = conv_blocked.MIN_COLS, conv_blocked.MAX_COLS
    if tiny:
        conv_blocked.MIN_COLS, conv_blocked.MAX_COLS = 4, 16
    try:
        cout = c["w"].shape[0]
        scale, shift = c["rng"].standard_normal(cout), c["rng"].standard_normal(cout)
        shape = (c["x"].shape[0], cout, *c["out_hw"])
        residual = c["rng"].standard_normal(shape) if with_residual else np.zeros(shape)
        lo, hi = clip if clip is not None else (-np.inf, np.inf)
        got = conv_blocked.conv_forward_blocked(c["x"], c["w"], c["out_hw"], c["geometry"], scale,
                                                shift, (lo, hi), residual if with_residual else None)
        np.testing.assert_allclose(got, _reference(c, scale, shift, residual, lo, hi), atol=1e-10)
    finally:
        conv_blocked.MIN_COLS, conv_blocked.MAX_COLS = saved


@pytest.mark.parametrize("batch,out_hw,depth,cout", [(1, (7, 7), 4608, 512), (32, (7, 7), 4608, 512),
                                                     (1, (56, 56), 576, 64), (3, (2, 5), 8, 40)])
def test_block_plan_covers_the_output_and_keeps_threads_busy(batch: int, out_hw: tuple, depth: int,
                                                             cout: int) -> None:
    images, rows, parts = conv_blocked.block_plan(batch, out_hw, depth, cout, 4, threads=2)
    assert images == 1 or rows == out_hw[0]
    blocks = -(-batch // images) * -(-out_hw[0] // rows)
    assert blocks * images * rows >= batch * out_hw[0]
    assert blocks * parts >= 4 or parts == max(1, cout // 32)


def test_defaults_are_the_identity_epilogue(small_blocks: None) -> None:
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 3, 6, 5)).astype(np.float32), rng.standard_normal((4, 3, 1, 1)).astype(np.float32)
    geometry = ((1, 1), (0, 0, 0, 0), (1, 1))  # a plain 1x1: its columns are read in place
    want, _ = conv_kernels.conv_forward(x, w, 1, (6, 5), geometry)
    got = conv_blocked.conv_forward_blocked(x, w, (6, 5), geometry)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def _tensor(a: np.ndarray, grad: bool = False) -> Tensor:
    t = Tensor(TensorData(a.reshape(-1), a.shape), backend=minitorch.FastTensorBackend)
    if grad:
        t.requires_grad_(True)
    return t


@pytest.mark.parametrize("stride,padding", [(1, 1), (2, (0, 1, 1, 0))])
def test_conv2d_without_weight_gradient_takes_the_blocked_path(stride: int, padding: object) -> None:
    """``no_grad`` and a frozen weight give the same numbers as a forward that keeps ``cols``,
    and a frozen weight's layer still passes its input gradient back."""
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((3, 4, 12, 12)), rng.standard_normal((6, 4, 3, 3)), rng.standard_normal(6)
    xt, wt, bt = _tensor(x, grad=True), _tensor(w, grad=True), _tensor(b)
    want = conv2d(xt, wt, bt, stride=stride, padding=padding)
    with minitorch.no_grad():
        got = conv2d(xt, wt, bt, stride=stride, padding=padding)
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), atol=1e-12)
    frozen = conv2d(xt, _tensor(w), bt, stride=stride, padding=padding)  # blocked forward, then backward
    np.testing.assert_allclose(frozen.to_numpy(), want.to_numpy(), atol=1e-12)
    want.sum().backward()
    grad_x = xt.grad.to_numpy().copy()
    xt.zero_grad_()
    frozen.sum().backward()
    np.testing.assert_allclose(xt.grad.to_numpy(), grad_x, atol=1e-12)
