"""Module 2: the differentiable functions on tensors, and the ways to make tensors.

Each ``Function`` pairs a ``forward`` (run by the backend's kernels on raw,
history-free tensors) with a ``backward`` that turns the gradient of the
output into one gradient per input. ``Function.apply`` connects them to the
graph, exactly as ``ScalarFunction.apply`` does for ``Scalar``.

A backward may return a gradient of a broadcast shape; ``Tensor.expand``
sums it back to its input's shape, so no Function has to think about
broadcasting in its backward.
"""

from __future__ import annotations

import random
from typing import Any, Callable, Optional, Tuple, Union

import numpy as np

from . import recording
from .autodiff import Context, is_grad_enabled, no_grad  # noqa: F401  (re-exported)
from .tensor import History, Tensor, real_array
from .tensor_data import DTypeLike, TensorData, UserShape, index_view, resolve_dtype
from .tensor_ops import SimpleBackend, TensorBackend

__all__ = ["Function", "arange", "ones", "rand", "tensor", "zeros"]

# ## The Function base class


def wrap_tuple(x: Any) -> Tuple[Any, ...]:
    """Turn a single value into a one-element tuple; leave tuples alone."""
    return x if isinstance(x, tuple) else (x,)


class Function:
    """A tensor function that knows its own derivative.

    Subclasses define ``forward(ctx, *inputs)`` and ``backward(ctx, grad_output)``
    as static methods. Inputs may mix tensors with constants (a dim, a shape);
    ``backward`` returns one gradient per input, and may leave out those of
    trailing constants.
    """

    @classmethod
    def _backward(cls, ctx: Context, grad_out: Tensor) -> Tuple[Any, ...]:
        return wrap_tuple(cls.backward(ctx, grad_out))  # type: ignore[attr-defined]

    @classmethod
    def _forward(cls, ctx: Context, *inps: Any) -> Tensor:
        return cls.forward(ctx, *inps)  # type: ignore[attr-defined]

    @classmethod
    def apply(cls, *vals: Any) -> Tensor:
        """Run ``forward`` on history-free copies of the inputs and record the call.

        A tracer (``minitorch.trace``), when one is watching, sees the call as one node.
        """
        w = recording.watcher()
        if w is not None:
            return w.call(cls.__name__, cls._apply, vals, {})
        return cls._apply(*vals)

    @classmethod
    def _apply(cls, *vals: Any) -> Tensor:
        """``apply`` itself, unwatched: what a traced graph replays."""
        raw_vals = []
        need_grad = False
        for v in vals:
            if isinstance(v, Tensor):
                need_grad = need_grad or v.requires_grad()
                raw_vals.append(v.detach())
            else:
                raw_vals.append(v)
        need_grad = need_grad and is_grad_enabled()
        ctx = Context(not need_grad)
        c = cls._forward(ctx, *raw_vals)
        back = History(cls, ctx, vals) if need_grad else None
        return Tensor(c._tensor, back, backend=c.backend)


# ## Elementwise functions


class Neg(Function):
    """Negation: f(a) = -a."""

    @staticmethod
    def forward(ctx: Context, t1: Tensor) -> Tensor:
        """Compute ``-t1`` element-wise.

        Use the backend's ``neg_map`` kernel (``t1.f.neg_map``).

        Args:
            ctx: the call's context; nothing needs saving.
            t1: a tensor of any shape and float dtype.

        Returns:
            A new tensor of ``t1``'s shape and dtype.
        """
        # BEGIN SOLUTION task2_3
        return t1.f.neg_map(t1)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        """Gradient of ``-t1``.

        d/dx (-x) = -1, so each entry's gradient is ``-grad_output``.

        Args:
            ctx: the context (nothing was saved).
            grad_output: the gradient of the final output with respect to this call's
                result; same shape as that result.

        Returns:
            ``-grad_output``, same shape.
        """
        # BEGIN SOLUTION task2_4
        return grad_output.f.neg_map(grad_output)
        # END SOLUTION


class Inv(Function):
    """Inverse: f(a) = 1 / a."""

    @staticmethod
    def forward(ctx: Context, t1: Tensor) -> Tensor:
        """Compute ``1 / t1`` element-wise.

        Use the backend's ``inv_map`` kernel (``t1.f.inv_map``).

        Args:
            ctx: the call's context; save ``t1``: the derivative needs it.
            t1: a tensor of any shape and float dtype.

        Returns:
            A new tensor of ``t1``'s shape and dtype.
        """
        # BEGIN SOLUTION task2_3
        ctx.save_for_backward(t1)
        return t1.f.inv_map(t1)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        """Gradient of ``1 / t1``.

        d/dx (1/x) = -1/x^2; the result is ``grad_output`` times
        that, entry by entry (the ``inv_back_zip`` kernel).

        Args:
            ctx: the context ``forward`` filled; ``ctx.saved_values`` holds ``t1``.
            grad_output: the gradient of the final output with respect to this call's
                result; same shape as that result.

        Returns:
            ``-grad_output / t1**2``, of ``t1``'s shape.
        """
        # BEGIN SOLUTION task2_4
        (t1,) = ctx.saved_values
        return grad_output.f.inv_back_zip(t1, grad_output)
        # END SOLUTION


class Add(Function):
    """Addition with broadcasting: f(a, b) = a + b."""

    @staticmethod
    def forward(ctx: Context, t1: Tensor, t2: Tensor) -> Tensor:
        """Add two tensors element-wise, broadcasting their shapes (``t1.f.add_zip``).

        Args:
            ctx: the call's context; nothing needs saving.
            t1: a tensor.
            t2: a tensor whose shape broadcasts with ``t1``'s (e.g. ``(3, 1)`` and ``(4,)``).

        Returns:
            ``t1 + t2``, of the broadcast shape (``(3, 4)`` in the example).
        """
        # BEGIN SOLUTION task2_3
        return t1.f.add_zip(t1, t2)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tuple[Tensor, Tensor]:
        """Gradients of ``t1 + t2``: d/dt1 = d/dt2 = 1, so each input receives ``grad_output``.

        Return it unchanged for both: when an input was broadcast, ``Tensor.expand``
        (called by the autodiff machinery) sums the gradient back to its shape.

        Args:
            ctx: the context (nothing was saved).
            grad_output: the gradient of the result, of the broadcast shape.

        Returns:
            ``(grad_output, grad_output)``.
        """
        # BEGIN SOLUTION task2_4
        return grad_output, grad_output
        # END SOLUTION


class Mul(Function):
    """Multiplication with broadcasting: f(a, b) = a * b."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, b: Tensor) -> Tensor:
        """Multiply two tensors element-wise, broadcasting their shapes (``a.f.mul_zip``).

        Save both inputs: each one is the other's derivative.

        Args:
            ctx: the call's context (``ctx.save_for_backward``).
            a: a tensor.
            b: a tensor whose shape broadcasts with ``a``'s.

        Returns:
            ``a * b``, of the broadcast shape.
        """
        # BEGIN SOLUTION task2_3
        ctx.save_for_backward(a, b)
        return a.f.mul_zip(a, b)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tuple[Tensor, Tensor]:
        """Gradients of ``a * b``: d/da = b and d/db = a, times ``grad_output``.

        The results may have the broadcast shape; ``Tensor.expand`` reduces them to
        each input's shape afterwards.

        Args:
            ctx: the context ``forward`` filled; ``ctx.saved_values`` holds ``(a, b)``.
            grad_output: the gradient of the result, of the broadcast shape.

        Returns:
            ``(grad_output * b, grad_output * a)``.
        """
        # BEGIN SOLUTION task2_4
        a, b = ctx.saved_values
        f = grad_output.f
        return f.mul_zip(grad_output, b), f.mul_zip(grad_output, a)
        # END SOLUTION


class Sigmoid(Function):
    """The logistic function: f(a) = 1 / (1 + e^-a)."""

    @staticmethod
    def forward(ctx: Context, t1: Tensor) -> Tensor:
        """Compute ``sigmoid(t1) = 1 / (1 + e^-t1)`` element-wise.

        Use the backend's ``sigmoid_map`` kernel (``t1.f.sigmoid_map``).

        Args:
            ctx: the call's context; save the *output*: the derivative is
                written in terms of it.
            t1: a tensor of any shape and float dtype.

        Returns:
            A new tensor of ``t1``'s shape and dtype.
        """
        # BEGIN SOLUTION task2_3
        out = t1.f.sigmoid_map(t1)
        ctx.save_for_backward(out)
        return out
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        """Gradient of ``sigmoid(t1)``.

        d/dx sigmoid(x) = sigmoid(x) (1 - sigmoid(x));
        the result is ``grad_output`` times that, entry by entry.

        Args:
            ctx: the context ``forward`` filled; ``ctx.saved_values`` holds ``sigmoid(t1)``.
            grad_output: the gradient of the final output with respect to this call's
                result; same shape as that result.

        Returns:
            ``grad_output * s * (1 - s)`` with ``s = sigmoid(t1)``; ``t1``'s shape.
        """
        # BEGIN SOLUTION task2_4
        (out,) = ctx.saved_values
        # d sigmoid(x) / dx = sigmoid(x) * (1 - sigmoid(x)): reuse the forward's output.
        return out * (-out + 1.0) * grad_output
        # END SOLUTION


class ReLU(Function):
    """Rectified linear unit: f(a) = max(a, 0)."""

    @staticmethod
    def forward(ctx: Context, t1: Tensor) -> Tensor:
        """Compute ``relu(t1) = max(t1, 0)`` element-wise.

        Use the backend's ``relu_map`` kernel (``t1.f.relu_map``).

        Args:
            ctx: the call's context; save ``t1``: its sign decides the derivative.
            t1: a tensor of any shape and float dtype.

        Returns:
            A new tensor of ``t1``'s shape and dtype.
        """
        # BEGIN SOLUTION task2_3
        ctx.save_for_backward(t1)
        return t1.f.relu_map(t1)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        """Gradient of ``relu(t1)``.

        1 where ``t1 > 0``, 0 elsewhere (0 at ``t1 == 0`` too);
        the ``relu_back_zip`` kernel applies it to ``grad_output``.

        Args:
            ctx: the context ``forward`` filled; ``ctx.saved_values`` holds ``t1``.
            grad_output: the gradient of the final output with respect to this call's
                result; same shape as that result.

        Returns:
            ``grad_output`` where ``t1 > 0``, else 0; ``t1``'s shape.
        """
        # BEGIN SOLUTION task2_4
        (t1,) = ctx.saved_values
        return grad_output.f.relu_back_zip(t1, grad_output)
        # END SOLUTION


class Log(Function):
    """Natural logarithm: f(a) = log(a)."""

    @staticmethod
    def forward(ctx: Context, t1: Tensor) -> Tensor:
        """Compute the natural logarithm ``log(t1 + EPS)`` element-wise.

        Use the backend's ``log_map`` kernel (``t1.f.log_map``).
        ``operators.log`` adds ``EPS`` (1e-6) so that ``log(0)`` stays finite.

        Args:
            ctx: the call's context; save ``t1``: the derivative needs it.
            t1: a tensor of any shape and float dtype.

        Returns:
            A new tensor of ``t1``'s shape and dtype.
        """
        # BEGIN SOLUTION task2_3
        ctx.save_for_backward(t1)
        return t1.f.log_map(t1)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        """Gradient of ``log(t1)``.

        d/dx log(x) = 1 / x; the result is ``grad_output``
        times that, entry by entry (``log_back_zip``, which also adds ``EPS``).

        Args:
            ctx: the context ``forward`` filled; ``ctx.saved_values`` holds ``t1``.
            grad_output: the gradient of the final output with respect to this call's
                result; same shape as that result.

        Returns:
            ``grad_output / (t1 + EPS)``, of ``t1``'s shape.
        """
        # BEGIN SOLUTION task2_4
        (t1,) = ctx.saved_values
        return grad_output.f.log_back_zip(t1, grad_output)
        # END SOLUTION


class Exp(Function):
    """Exponential: f(a) = e^a."""

    @staticmethod
    def forward(ctx: Context, t1: Tensor) -> Tensor:
        """Compute ``e^t1`` element-wise.

        Use the backend's ``exp_map`` kernel (``t1.f.exp_map``).

        Args:
            ctx: the call's context; save the *output*: ``e^x`` is its own derivative.
            t1: a tensor of any shape and float dtype.

        Returns:
            A new tensor of ``t1``'s shape and dtype.
        """
        # BEGIN SOLUTION task2_3
        out = t1.f.exp_map(t1)
        ctx.save_for_backward(out)
        return out
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        """Gradient of ``e^t1``.

        d/dx e^x = e^x; the result is ``grad_output`` times the saved output.

        Args:
            ctx: the context ``forward`` filled; ``ctx.saved_values`` holds ``e^t1``.
            grad_output: the gradient of the final output with respect to this call's
                result; same shape as that result.

        Returns:
            ``grad_output * e^t1``, of ``t1``'s shape.
        """
        # BEGIN SOLUTION task2_4
        (out,) = ctx.saved_values
        return grad_output.f.mul_zip(out, grad_output)
        # END SOLUTION


# ## Comparisons: piecewise constant, so their gradient is zero


class LT(Function):
    """``1.0`` where ``a < b``, else ``0.0``."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, b: Tensor) -> Tensor:
        """``1.0`` where ``a < b``, else ``0.0``, element-wise with broadcasting (``a.f.lt_zip``).

        The result is a float tensor of 1.0/0.0 (not bools), so it can take part in
        arithmetic. Save both input shapes: ``backward`` returns zeros of those shapes.

        Args:
            ctx: the call's context (``ctx.save_for_backward(a.shape, b.shape)``).
            a: a tensor.
            b: a tensor whose shape broadcasts with ``a``'s.

        Returns:
            A tensor of the broadcast shape of ``a`` and ``b``.
        """
        # BEGIN SOLUTION task2_3
        ctx.save_for_backward(a.shape, b.shape)
        return a.f.lt_zip(a, b)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tuple[Tensor, Tensor]:
        """Gradients of a comparison: it is flat almost everywhere, so both are zero.

        Args:
            ctx: the context ``forward`` filled; its saved values are ``a.shape``
                and ``b.shape``.
            grad_output: the gradient of the result (only its backend and dtype matter).

        Returns:
            ``(zeros of a.shape, zeros of b.shape)`` (e.g. ``grad_output.zeros(shape)``).
        """
        # BEGIN SOLUTION task2_4
        a_shape, b_shape = ctx.saved_values
        return grad_output.zeros(a_shape), grad_output.zeros(b_shape)
        # END SOLUTION


class EQ(Function):
    """``1.0`` where ``a == b``, else ``0.0``."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, b: Tensor) -> Tensor:
        """``1.0`` where ``a == b``, else ``0.0``, element-wise with broadcasting (``a.f.eq_zip``).

        The result is a float tensor of 1.0/0.0 (not bools), so it can take part in
        arithmetic. Save both input shapes: ``backward`` returns zeros of those shapes.

        Args:
            ctx: the call's context (``ctx.save_for_backward(a.shape, b.shape)``).
            a: a tensor.
            b: a tensor whose shape broadcasts with ``a``'s.

        Returns:
            A tensor of the broadcast shape of ``a`` and ``b``.
        """
        # BEGIN SOLUTION task2_3
        ctx.save_for_backward(a.shape, b.shape)
        return a.f.eq_zip(a, b)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tuple[Tensor, Tensor]:
        """Gradients of a comparison: it is flat almost everywhere, so both are zero.

        Args:
            ctx: the context ``forward`` filled; its saved values are ``a.shape``
                and ``b.shape``.
            grad_output: the gradient of the result (only its backend and dtype matter).

        Returns:
            ``(zeros of a.shape, zeros of b.shape)`` (e.g. ``grad_output.zeros(shape)``).
        """
        # BEGIN SOLUTION task2_4
        a_shape, b_shape = ctx.saved_values
        return grad_output.zeros(a_shape), grad_output.zeros(b_shape)
        # END SOLUTION


class IsClose(Function):
    """``1.0`` where ``|a - b| < 1e-2``, else ``0.0``."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, b: Tensor) -> Tensor:
        """``1.0`` where ``|a - b| < 1e-2``, else ``0.0``, element-wise with broadcasting.

        Use the backend's ``is_close_zip`` (``operators.is_close`` on each pair). The
        input shapes are already saved above, for ``backward`` (which returns zeros).

        Args:
            ctx: the call's context.
            a: a tensor.
            b: a tensor whose shape broadcasts with ``a``'s.

        Returns:
            A float tensor of 1.0/0.0 of the broadcast shape.
        """
        ctx.save_for_backward(a.shape, b.shape)
        # BEGIN SOLUTION task2_3
        return a.f.is_close_zip(a, b)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tuple[Tensor, Tensor]:
        a_shape, b_shape = ctx.saved_values
        return grad_output.zeros(a_shape), grad_output.zeros(b_shape)


# ## Reductions


def _reduce_all(a: Tensor, reduce: Callable[[Tensor, int], Tensor]) -> Tensor:
    """Fold every dimension of ``a`` with ``reduce``; the result has shape ``(1,)``."""
    out = a.f.id_map(a) if a.dims == 0 else a  # a 0-d input is copied, never shared
    for dim in range(a.dims):
        out = reduce(out, dim)
    return out._new(TensorData(out._tensor._storage[:1], (1,)))


class Sum(Function):
    """Sum over one dim (kept, with size 1) or over all (shape ``(1,)``)."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, dim: Optional[int]) -> Tensor:
        """Sum ``a`` over one dimension, or over all of them.

        ``Tensor.sum`` has already checked ``dim`` and made it non-negative. One dim:
        the backend's ``add_reduce`` keeps that dim with size 1, so ``(3, 2)`` summed
        over dim 0 is ``(1, 2)``. All dims (``dim is None``): the result has shape
        ``(1,)``, also for a 0-d input; the helper ``_reduce_all`` above does this.

        Args:
            ctx: the call's context; nothing needs saving.
            a: a tensor of any shape.
            dim: an ``int`` in ``[0, a.dims)``, or ``None`` for every dim.

        Returns:
            The sums, of ``a``'s dtype: ``a.shape`` with ``dim`` set to 1, or ``(1,)``.
        """
        # BEGIN SOLUTION task2_3
        if dim is None:
            return _reduce_all(a, a.f.add_reduce)
        return a.f.add_reduce(a, dim)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        """Gradient of a sum: each input entry adds to its sum once, so its derivative is 1.

        Every entry's gradient is therefore the ``grad_output`` entry of its sum.
        ``grad_output`` has the kept size-1 dim (or shape ``(1,)``); the autodiff
        machinery broadcasts a gradient back to the input's shape with
        ``Tensor.expand``, so this method need not copy anything.

        Args:
            ctx: the context (nothing was saved).
            grad_output: the gradient of the sums, of the result's shape.

        Returns:
            A gradient whose shape broadcasts to the input's shape.
        """
        # BEGIN SOLUTION task2_4
        # Every input entry adds to its sum once; ``expand`` broadcasts the
        # gradient back over the summed dimension(s).
        return grad_output
        # END SOLUTION


class All(Function):
    """``1.0`` if every entry (over one dim, or all) is non-zero, else ``0.0``."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, dim: Optional[int]) -> Tensor:
        """``1.0`` if every entry is non-zero (over ``dim``, or over all), else ``0.0``.

        Treat "non-zero" exactly: ``-2.5`` counts as true, ``0.0`` as false, and
        the result must be exactly 1.0 or 0.0 (a product of 1.0/0.0 flags with the
        backend's ``mul_reduce`` is one way). The input shape is already saved
        above, for ``backward`` (which returns zeros).

        Args:
            ctx: the call's context.
            a: a tensor of any shape.
            dim: an ``int`` in ``[0, a.dims)`` (kept with size 1, as ``Sum``), or
                ``None`` for every dim (shape ``(1,)``; see ``_reduce_all``).

        Returns:
            A float tensor of 1.0/0.0: ``a.shape`` with ``dim`` set to 1, or ``(1,)``.
        """
        ctx.save_for_backward(a.shape)
        # BEGIN SOLUTION task2_3
        # 1.0 where a != 0 (as "(a == 0) == 0"), so the product is exactly 0 or 1.
        zero = a.zeros((1,))
        nonzero = a.f.eq_zip(a.f.eq_zip(a, zero), zero)
        if dim is None:
            return _reduce_all(nonzero, a.f.mul_reduce)
        return a.f.mul_reduce(nonzero, dim)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (a_shape,) = ctx.saved_values
        return grad_output.zeros(a_shape)


# ## Layout: new views of the same numbers


class Permute(Function):
    """Reorder the dims (a view of the same storage)."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, order: Tuple[int, ...]) -> Tensor:
        """Reorder the dims of ``a`` without copying: dim ``i`` of the result is dim
        ``order[i]`` of ``a`` (``TensorData.permute`` from Task 2.1 does the work).

        ``order`` is already saved above, for ``backward``. The result shares
        ``a``'s storage (build it with ``a._new(tensor_data)``).

        Args:
            ctx: the call's context.
            a: a tensor.
            order: a permutation of ``range(a.dims)``, e.g. ``(2, 0, 1)`` turns shape
                ``(1, 2, 3)`` into ``(3, 1, 2)``.

        Returns:
            A view of ``a`` with shape ``tuple(a.shape[o] for o in order)``.
        """
        ctx.save_for_backward(order)
        # BEGIN SOLUTION task2_3
        return a._new(a._tensor.permute(*order))
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        """Gradient of a permutation: move the gradient's dims back where they came from.

        Dim ``i`` of the result was dim ``order[i]`` of the input, so permute
        ``grad_output`` by the *inverse* permutation (the ``inv`` with
        ``inv[order[i]] == i``). Only the layout changes; no number does.

        Args:
            ctx: the context ``forward`` filled; its saved value is ``order``.
            grad_output: the gradient of the permuted result.

        Returns:
            A tensor of the input's shape (a view of ``grad_output`` is fine).
        """
        # BEGIN SOLUTION task2_4
        (order,) = ctx.saved_values
        # Undo the permutation: dim order[i] of the input became dim i.
        inverse = [0] * len(order)
        for i, o in enumerate(order):
            inverse[o] = i
        return grad_output._new(grad_output._tensor.permute(*inverse))
        # END SOLUTION


class View(Function):
    """The same contiguous numbers with a new shape (a view)."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, shape: Tuple[int, ...]) -> Tensor:
        """The same numbers with a new shape, sharing ``a``'s storage (no copy).

        The checks above guarantee that ``a`` is contiguous and that ``shape`` holds
        exactly ``a.size`` entries, so entry ``k`` of ``a`` in row-major order is
        entry ``k`` of the result: build a ``TensorData`` on ``a``'s storage with
        the new shape, and wrap it with ``a._new``. ``a.shape`` is already saved.

        Args:
            ctx: the call's context.
            a: a contiguous tensor.
            shape: the new shape, non-negative ints whose product is ``a.size``
                (``Tensor.view`` has already resolved any ``-1``).

        Returns:
            A tensor of shape ``shape`` and ``a``'s dtype that shares its storage.
        """
        size = 1
        for s in shape:
            size *= s
        if size != a.size or any(s < 0 for s in shape):
            raise ValueError(f"cannot view shape {a.shape} ({a.size} entries) as {shape}")
        if not a._tensor.is_contiguous():
            raise ValueError(
                f"view() needs a contiguous tensor, but shape {a.shape} has strides "
                f"{a._tensor.strides}; call .contiguous() first"
            )
        ctx.save_for_backward(a.shape)
        # BEGIN SOLUTION task2_3
        # Contiguous: entry k sits at position k, whatever the shape.
        return a._new(TensorData(a._tensor._storage[: a.size], shape))
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        """Gradient of a view: the same numbers, reshaped back to the input's shape.

        ``grad_output`` need not be contiguous; make it so before viewing it.

        Args:
            ctx: the context ``forward`` filled; its saved value is the input's shape.
            grad_output: the gradient of the viewed result.

        Returns:
            A tensor of the input's shape holding ``grad_output``'s entries in order.
        """
        # BEGIN SOLUTION task2_4
        (original,) = ctx.saved_values
        return grad_output.contiguous().view(*original)
        # END SOLUTION


class Copy(Function):
    """A contiguous copy."""

    @staticmethod
    def forward(ctx: Context, a: Tensor) -> Tensor:
        """A contiguous copy of ``a`` (the backend's ``id_map`` writes a fresh tensor).

        Args:
            ctx: the call's context; nothing needs saving.
            a: a tensor of any shape and layout.

        Returns:
            A new contiguous tensor, equal to ``a``, of its shape and dtype.
        """
        # BEGIN SOLUTION task2_3
        return a.f.id_map(a)
        # END SOLUTION

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        """Gradient of a copy: the identity, d/dx x = 1.

        Args:
            ctx: the context (nothing was saved).
            grad_output: the gradient of the copy.

        Returns:
            ``grad_output`` unchanged.
        """
        # BEGIN SOLUTION task2_4
        return grad_output
        # END SOLUTION


class GetItem(Function):
    """``t[key]`` for a key that selects a view (slices, partial indices)."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, key: Any) -> Tensor:
        ctx.save_for_backward(a.shape, key)
        view = index_view(a._tensor, key)
        assert isinstance(view, TensorData)
        return a._new(view)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        a_shape, key = ctx.saved_values
        # The gradient is zero outside the selection; inside it, grad_output.
        grad = grad_output.zeros(a_shape)
        grad_output.f.id_map(grad_output, out=grad._new(index_view(grad._tensor, key)))
        return grad


class Cast(Function):
    """Convert to another dtype (float32/float64)."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, dtype: np.dtype) -> Tensor:
        ctx.save_for_backward(a.dtype)
        return a.f.id_map(a, out=a.zeros(a.shape, dtype=dtype))

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tensor:
        (dtype,) = ctx.saved_values
        return grad_output.f.id_map(grad_output, out=grad_output.zeros(dtype=dtype))


# ## Matrix multiply


def _transpose(t: Tensor) -> Tensor:
    """Swap the last two dims (a view)."""
    order = list(range(t.dims))
    order[-2], order[-1] = order[-1], order[-2]
    return t._new(t._tensor.permute(*order))


class MatMul(Function):
    """Batched matrix product ``a @ b``."""

    @staticmethod
    def forward(ctx: Context, a: Tensor, b: Tensor) -> Tensor:
        ctx.save_for_backward(a, b)
        return a.f.matrix_multiply(a, b)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Tuple[Tensor, Tensor]:
        a, b = ctx.saved_values
        f = grad_output.f
        # For C = A B: dA = dC B^T and dB = A^T dC (batch dims summed by expand).
        return (
            f.matrix_multiply(grad_output, _transpose(b)),
            f.matrix_multiply(_transpose(a), grad_output),
        )


# ## Making tensors


def _shape_arg(shape: Union[int, UserShape]) -> Tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(s) for s in shape)


def _filled(
    shape: Union[int, UserShape],
    value: float,
    backend: TensorBackend,
    dtype: DTypeLike,
    requires_grad: bool,
) -> Tensor:
    shape = _shape_arg(shape)
    storage = np.full(int(np.prod(shape, dtype=np.int64)), value, dtype=resolve_dtype(dtype))
    out = Tensor(TensorData(storage, shape), backend=backend)
    return out.requires_grad_(True) if requires_grad else out


def zeros(
    shape: Union[int, UserShape],
    backend: TensorBackend = SimpleBackend,
    dtype: DTypeLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of zeros.

    Args:
        shape: its shape, e.g. ``(2, 3)`` (an int for 1-D).
        backend: the backend that runs its operations.
        dtype: ``float64`` (default) or ``float32``.
        requires_grad: make it a leaf that collects ``.grad``.
    """
    return _filled(shape, 0.0, backend, dtype, requires_grad)


def ones(
    shape: Union[int, UserShape],
    backend: TensorBackend = SimpleBackend,
    dtype: DTypeLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of ones (arguments as for :func:`zeros`)."""
    return _filled(shape, 1.0, backend, dtype, requires_grad)


def rand(
    shape: Union[int, UserShape],
    backend: TensorBackend = SimpleBackend,
    requires_grad: bool = False,
    dtype: DTypeLike = None,
) -> Tensor:
    """Uniform random numbers in ``[0, 1)`` from Python's ``random`` (seed it with ``random.seed``).

    Args:
        shape: its shape.
        backend: the backend that runs its operations.
        requires_grad: make it a leaf that collects ``.grad``.
        dtype: ``float64`` (default) or ``float32``.
    """
    shape = _shape_arg(shape)
    size = int(np.prod(shape, dtype=np.int64))
    storage = np.array([random.random() for _ in range(size)], dtype=resolve_dtype(dtype))
    out = Tensor(TensorData(storage, shape), backend=backend)
    return out.requires_grad_(True) if requires_grad else out


def arange(
    start: float,
    stop: Optional[float] = None,
    step: float = 1.0,
    backend: TensorBackend = SimpleBackend,
    dtype: DTypeLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """``start, start + step, ...`` up to (not including) ``stop``, like ``numpy.arange``.

    With one argument, counts from 0: ``arange(3)`` is ``[0., 1., 2.]``.
    """
    values = np.arange(start, stop, step) if stop is not None else np.arange(start)
    return tensor(values, backend=backend, requires_grad=requires_grad, dtype=dtype)


def tensor(
    ls: Any,
    backend: TensorBackend = SimpleBackend,
    requires_grad: bool = False,
    dtype: DTypeLike = None,
) -> Tensor:
    """A tensor holding a copy of ``ls``.

    Args:
        ls: a number, a (nested, rectangular) list of numbers, a numpy array
            or a tensor.
        backend: the backend that runs its operations.
        requires_grad: make it a leaf that collects ``.grad``.
        dtype: ``float64`` or ``float32``; by default float32 arrays and
            tensors stay float32 and everything else becomes float64.

    Raises:
        ValueError: for ragged lists.
        TypeError: for values that are not real numbers (None, strings,
            complex numbers, objects), naming the first one or the dtype.
    """
    if isinstance(ls, Tensor):
        ls = ls.to_numpy()
    default = np.dtype(np.float64)
    if isinstance(ls, np.ndarray) and ls.dtype == np.float32:
        default = ls.dtype
    try:
        raw = real_array(ls, "tensor()")
    except ValueError as error:  # numpy refuses ragged nesting
        raise ValueError(f"tensor() needs numbers in a rectangular nested list: {error}") from error
    array = np.array(raw, dtype=resolve_dtype(dtype, default))
    out = Tensor(TensorData(array.reshape(-1), array.shape), backend=backend)
    return out.requires_grad_(True) if requires_grad else out
