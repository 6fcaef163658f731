"""Inference fusion: a convolution, its BatchNorm, activation and residual sum as one pass.

In evaluation a BatchNorm is a fixed per-channel affine map ``y = x * s + t``
(see ``minitorch.graph.fold``), a ReLU or ReLU6 a clip, and a residual
block adds its shortcut before the last ReLU. Run one after another, each
reads and writes the whole feature map: for ResNet-18 at batch 32 the
BatchNorms, ReLUs and sums cost a fifth of the forward pass, all of it
memory traffic. The blocked convolution
(:func:`minitorch.kernels.conv_blocked.conv_forward_blocked`) applies
``clip(acc * s + t + residual, lo, hi)`` to each block of sums while they
are still in the cache, so all of that comes free.

Models opt in where their blocks are built (``BasicBlock``, ``ConvBN``)::

    if fusable(self, x):
        return conv_bn(x, self.conv, self.bn, clip=(0.0, inf), residual=shortcut)
    ...  # the composed layers, as before

:func:`fusable` holds only when nothing can tell the difference: the
module is in evaluation mode, no gradient will be recorded and no tracer
is watching (so ``minitorch.trace``, ONNX export and ``fold_batchnorm`` see
the composed layers). The numbers equal the composed layers' up to rounding.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple

import numpy as np

from .. import fast_ops, recording
from ..autodiff import is_grad_enabled
from ..fast_conv import _use_direct, conv2d, conv_spec, from_array, to_array
from ..kernels import channel_kernels, conv_blocked, conv_kernels
from ..module import Module
from ..tensor import Tensor
from .fused import clamp

__all__ = ["fusable", "bn_affine", "conv_bn", "declared", "run_sequence"]


def fusable(module: Module, *inputs: Tensor) -> bool:
    """Whether ``module`` may run its fused inference path on ``inputs``.

    True in evaluation mode when no gradient will be recorded (inside
    ``no_grad()``, or nothing involved requires one), nobody is tracing,
    and the toolkit's fast kernels are on (``course_kernels()`` runs the
    student's own).
    """
    if module.training or recording.watcher() is not None or not fast_ops.USE_BLAS:
        return False
    if not is_grad_enabled():
        return True
    return not any(t.requires_grad() for t in inputs) and not any(
        p.value.requires_grad() for p in module.parameters()
    )


def bn_affine(bn: Optional[Module]) -> Optional[Tuple[Any, Any]]:
    """``(scale, shift)`` with ``bn(x) = x * scale + shift`` per channel, or None when there is none.

    Args:
        bn: None (the identity), or a module with an ``eval_affine()`` method
            (an eval-mode ``BatchNorm``, ``fold_batchnorm``'s leftover).

    Returns:
        The map (arrays or scalars, broadcast over the channels), or None for
        any other module and a BatchNorm that uses batch statistics.
    """
    if bn is None:
        return 1.0, 0.0
    affine = getattr(bn, "eval_affine", None)
    return affine() if callable(affine) else None


def conv_bn(x: Tensor, conv: Any, bn: Optional[Module] = None,
            clip: Optional[Tuple[float, float]] = None, residual: Optional[Tensor] = None) -> Tensor:
    """``clip(bn(conv(x)) + residual, lo, hi)`` for inference, in one pass where it can.

    Call it only where :func:`fusable` holds: the result records no gradient.

    Args:
        x: ``(B, Cin, H, W)``.
        conv: a 2-D convolution layer (its ``conv_padding`` gives the padding).
        bn: its BatchNorm (eval mode), a folded one, or None.
        clip: ``(lo, hi)``, e.g. ``(0, inf)`` for a ReLU, ``(0, 6)`` for ReLU6; None: no clip.
        residual: ``(B, Cout, OH, OW)`` added before the clip, or None.

    Returns:
        ``(B, Cout, OH, OW)``, a constant tensor on ``x``'s backend.
    """
    affine = bn_affine(bn)
    if affine is None or conv.dims != 2:  # not a fixed affine map: the layers one by one
        out = conv(x) if bn is None else bn(conv(x))
        out = out if residual is None else out + residual
        return out if clip is None else clamp(out, clip[0], clip[1])
    weight = conv.weight.value
    padding = conv.conv_padding(x)
    spec = conv_spec(tuple(x.shape), tuple(weight.shape), None, conv.stride, padding,
                     conv.dilation, conv.groups, 2)
    dtype = np.promote_types(x.dtype, weight.dtype)
    channels = conv.out_channels
    scale, shift = (np.full(channels, v, np.float64) if np.ndim(v) == 0 else v for v in affine)
    if conv.bias is not None:  # bn(conv + b) = conv * s + (b * s + t)
        shift = shift + to_array(conv.bias.value, np.float64) * scale
    lo, hi = clip if clip is not None else (-np.inf, np.inf)
    res = None if residual is None else to_array(residual, dtype)
    fast = not _use_direct(tuple(x.shape), tuple(weight.shape), spec)
    if fast and spec.groups == 1:
        out = conv_blocked.conv_forward_blocked(
            to_array(x, dtype), to_array(weight, dtype), spec.out_hw, spec.geometry,
            scale.astype(dtype), shift.astype(dtype), (lo, hi), res)
        return from_array(out, x)
    if fast and res is None and weight.shape[1] == 1 and spec.groups == x.shape[1] > 1:
        # Depthwise: the scale goes into the (small) weight, shift and clip into the store.
        w = to_array(weight, np.float64) * scale.reshape(-1, 1, 1, 1)
        out = conv_kernels.depthwise(to_array(x, dtype), w.astype(dtype), spec.out_hw, spec.geometry,
                                     shift.astype(dtype), (lo, hi))
        return from_array(out, x)
    # Small and grouped convolutions: their own kernels, then one pass for the rest.
    y = to_array(conv2d(x, weight, None, conv.stride, padding, conv.dilation, conv.groups), dtype)
    planes = y.reshape(y.shape[0], y.shape[1], -1)
    if res is not None:  # rare (no model here has a residual after such a convolution)
        planes = planes * scale.astype(dtype)[:, None] + res.reshape(planes.shape)
        scale = np.ones_like(scale)
    out = channel_kernels.scale_shift(np.ascontiguousarray(planes), scale, shift, lo, hi)
    return from_array(out.reshape(y.shape), x)


def declared(m: Module, attr: str) -> Any:
    """``m``'s class attribute ``attr`` if its class runs the ``forward`` of the class that declares it.

    Layers state what they are in inference by a class attribute (``Conv2d.fused_conv``,
    ``ReLU.fused_clip``, ``BatchNorm.eval_affine``); a subclass that overrides ``forward``
    may compute something else, so it is run as it is (None here).
    """
    owner = next((c for c in type(m).__mro__ if attr in c.__dict__), None)
    if owner is None or type(m).forward is not owner.forward:
        return None
    return getattr(m, attr)


def _affine_layer(m: Module) -> bool:
    """Whether ``m`` is a BatchNorm-like layer whose eval output is its ``eval_affine()`` map."""
    affine = declared(m, "eval_affine")
    return affine is not None and affine() is not None


def run_sequence(modules: Sequence[Module], x: Tensor) -> Tensor:
    """``Sequential``'s forward where :func:`fusable` holds: each 2-D convolution runs
    together with a BatchNorm and a ReLU/ReLU6 right after it (:func:`conv_bn`).

    Layers are recognised by what they declare (:func:`declared`): ``fused_conv``,
    ``eval_affine``, ``fused_clip``; a subclass with its own ``forward`` runs as it is.
    """
    modules = list(modules)
    i = 0
    while i < len(modules):
        m = modules[i]
        if declared(m, "fused_conv"):
            j = i + 1
            bn = modules[j] if j < len(modules) and _affine_layer(modules[j]) else None
            j += bn is not None
            clip = declared(modules[j], "fused_clip") if j < len(modules) else None
            j += clip is not None
            if j > i + 1:
                x = conv_bn(x, m, bn, clip)
                i = j
                continue
        x = m(x)
        i += 1
    return x
