"""NaN, infinities and zeros flow through every backend as IEEE 754 arithmetic (numpy) says.

Real data holds NaNs and infs. The pure-Python backend used to raise where
the compiled one returned nan/inf (``math.log(-1)``, ``math.exp(1000)``,
``1 / 0``), and ``relu`` turned NaN into 0, hiding it. Here random small
expressions with such values mixed in must give numpy's answer on
``SimpleBackend`` and ``FastTensorBackend`` alike: same NaN positions, same
signed infinities, close finite values.
"""

from __future__ import annotations

import math
from typing import Callable, Dict, List, Tuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitorch
from minitorch import Scalar
from minitorch.kernels import channel_kernels
from minitorch.kernels.jit import kernel
from minitorch.layers import fused
from minitorch.operators import EPS
from minitorch.tensor import Tensor

BACKENDS = {"simple": minitorch.SimpleBackend, "fast": minitorch.FastTensorBackend}

# Special values are drawn often; the finite ones stay small so that sums do
# not overflow in one summation order and not in another.
values = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0, -1.0, -EPS]),
    st.floats(-20.0, 20.0),
)

Op = Tuple[Callable[..., Tensor], Callable[..., np.ndarray]]

# name: (minitorch, numpy reference)
UNARY: Dict[str, Op] = {
    "neg": (lambda t: -t, np.negative),
    "relu": (lambda t: t.relu(), lambda a: np.maximum(a, 0.0)),
    "sigmoid": (lambda t: t.sigmoid(), lambda a: 1.0 / (1.0 + np.exp(-a))),
    "log": (lambda t: t.log(), lambda a: np.log(a + EPS)),
    "exp": (lambda t: t.exp(), np.exp),
    "inv": (lambda t: 1.0 / t, lambda a: 1.0 / a),
    "sum": (lambda t: t.sum(0), lambda a: np.sum(a, axis=0, keepdims=True)),
    "max": (lambda t: minitorch.max(t, 0), lambda a: np.max(a, axis=0, keepdims=True)),
}
BINARY: Dict[str, Op] = {
    "add": (lambda t, u: t + u, np.add),
    "sub": (lambda t, u: t - u, np.subtract),
    "mul": (lambda t, u: t * u, np.multiply),
    # minitorch divides by multiplying with the inverse: 0 * inf is nan, as 0 / 0.
    "div": (lambda t, u: t / u, lambda a, b: a * (1.0 / b)),
    "lt": (lambda t, u: t < u, lambda a, b: (a < b).astype(np.float64)),
    "eq": (lambda t, u: t == u, lambda a, b: (a == b).astype(np.float64)),
}


@st.composite
def expressions(draw: st.DrawFn) -> Tuple[np.ndarray, np.ndarray, List[Tuple[str, str]]]:
    """Two ``(rows, cols)`` arrays with special values mixed in and up to three operations on them."""
    rows, cols = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    a, b = (np.array(draw(st.lists(values, min_size=rows * cols, max_size=rows * cols))).reshape(rows, cols)
            for _ in range(2))
    steps = draw(st.lists(st.one_of(st.tuples(st.just("unary"), st.sampled_from(sorted(UNARY))),
                                    st.tuples(st.just("binary"), st.sampled_from(sorted(BINARY)))),
                          min_size=1, max_size=3))
    return a, b, steps


def run(x: np.ndarray, y: np.ndarray, steps: List[Tuple[str, str]], backend: minitorch.TensorBackend) -> np.ndarray:
    """Apply ``steps`` to ``x`` (binary ones take ``y``, broadcast) in minitorch."""
    t, u = minitorch.tensor(x.tolist(), backend=backend), minitorch.tensor(y.tolist(), backend=backend)
    for kind, name in steps:
        t = UNARY[name][0](t) if kind == "unary" else BINARY[name][0](t, u)
    return t.to_numpy()


def reference(x: np.ndarray, y: np.ndarray, steps: List[Tuple[str, str]]) -> np.ndarray:
    """The same steps in numpy."""
    with np.errstate(all="ignore"):
        for kind, name in steps:
            x = UNARY[name][1](x) if kind == "unary" else BINARY[name][1](x, y)
    return x


@settings(max_examples=60, deadline=None)
@given(expressions())
def test_backends_agree_with_numpy_on_nan_inf_and_zeros(case: Tuple[np.ndarray, np.ndarray, list]) -> None:
    x, y, steps = case
    expected = reference(x, y, steps)
    for name, backend in BACKENDS.items():
        got = run(x, y, steps, backend)
        # assert_allclose compares NaN positions and signed infinities exactly.
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12, err_msg=f"{name}: {steps}")


@pytest.mark.parametrize("backend", list(BACKENDS.values()), ids=list(BACKENDS))
def test_max_and_relu_keep_nan(backend: minitorch.TensorBackend) -> None:
    t = minitorch.tensor([[1.0, math.nan], [math.nan, -2.0], [3.0, 4.0]], backend=backend)
    assert np.isnan(minitorch.max(t, 1).to_numpy().ravel()).tolist() == [True, True, False]
    assert np.isnan(t.relu().to_numpy()).sum() == 2
    assert math.isnan(minitorch.max(t).item())


def test_scalar_autodiff_follows_ieee() -> None:
    assert math.isnan(Scalar(-1.0).log().data)
    assert Scalar(1000.0).exp().data == math.inf
    assert (Scalar(1.0) / Scalar(0.0)).data == math.inf
    assert math.isnan(Scalar(math.nan).relu().data)


@kernel(fastmath=True)
def _clip_kernel(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """A clamp written with comparisons, the way fast-math flags can break it."""
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        v = x[i]
        out[i] = lo if v < lo else (hi if v > hi else v)
    return out


def test_kernels_fastmath_keeps_nan_and_inf() -> None:
    # numba's own fastmath=True promises "no NaN": this loop then returned 0.0 for NaN.
    x = np.array([math.nan, -1.0, 3.0, 8.0, math.inf, -math.inf])
    np.testing.assert_array_equal(_clip_kernel(x, 0.0, 6.0), [math.nan, 0, 3, 6, 6, 0])


def test_fused_clamp_keeps_nan_and_passes_its_gradient() -> None:
    x = np.array([math.nan, -1.0, 3.0, 8.0, math.inf, -math.inf])
    np.testing.assert_array_equal(channel_kernels.clamp_forward(x, 0.0, 6.0), [math.nan, 0, 3, 6, 6, 0])
    np.testing.assert_array_equal(channel_kernels.clamp_backward(np.ones(6), x, 0.0, 6.0), [1, 0, 1, 0, 0, 0])
    t = minitorch.tensor(x.tolist())
    assert math.isnan(fused.clamp(t, 0.0, 6.0).to_numpy()[0])


def test_batch_norm_with_clip_keeps_nan_in_forward_and_gradients() -> None:
    x = np.array([[[1.0, 2.0]], [[math.nan, 0.5]]])
    y = channel_kernels.scale_shift(x, np.ones(1), np.zeros(1), 0.0, 6.0)
    assert math.isnan(y[1, 0, 0]) and y[0, 0, 1] == 2.0
    # A NaN activation must not be dropped from the gradient sums (it was: ``lo < NaN < hi`` is False).
    _, sum_gx, sum_g = channel_kernels.batch_norm_backward(np.ones_like(x), x, np.zeros(1), np.ones(1),
                                                           np.ones(1), False, y, 0.0, 6.0)
    assert sum_g[0] == 4.0 and math.isnan(sum_gx[0])
