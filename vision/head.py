"""The new head a pretrained body gets for transfer learning (fast.ai's ``create_head``).

A body pretrained on ImageNet turns an image into a feature map ``(B, nf, h,
w)``. The head turns that into ``n_out`` scores for *your* classes::

    AdaptiveConcatPool2d   (B, nf, h, w) -> (B, 2*nf, 1, 1): max and average pooling, side by side
    Flatten                -> (B, 2*nf)
    BatchNorm1d(2*nf), Dropout(ps/2), Linear(2*nf, 512, bias=False), ReLU
    BatchNorm1d(512),  Dropout(ps),   Linear(512, n_out, bias=False)

Concatenating max and average pooling gives the head both "is this feature
anywhere?" and "how much of it is there?"; the BatchNorms keep the scale of
pretrained features from mattering; the Linears need no bias because a
BatchNorm (which has one) comes right before each.
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence

from minitorch import (
    BatchNorm1d,
    Dropout,
    Flatten,
    Linear,
    Module,
    ReLU,
    Sequential,
    Tensor,
    cat,
)
from minitorch.nn import adaptive_avg_pool2d, adaptive_max_pool2d


class AdaptiveConcatPool2d(Module):
    """``cat([adaptive_max_pool2d(x, size), adaptive_avg_pool2d(x, size)], dim=1)``: twice the channels."""

    def __init__(self, size: int = 1) -> None:
        super().__init__()
        self.size = size

    def forward(self, x: Tensor) -> Tensor:
        return cat([adaptive_max_pool2d(x, self.size), adaptive_avg_pool2d(x, self.size)], dim=1)

    def extra_repr(self) -> str:
        return f"size={self.size}"


class AdaptiveAvgPoolFlat(Module):
    """Global average pooling without concatenation (``concat_pool=False``)."""

    def forward(self, x: Tensor) -> Tensor:
        return adaptive_avg_pool2d(x, 1)


def create_head(
    nf: int,
    n_out: int,
    lin_ftrs: Optional[Sequence[int]] = None,
    ps: float = 0.5,
    concat_pool: bool = True,
    first_bn: bool = True,
    bn_final: bool = False,
    dtype: Any = "float32",
) -> Sequential:
    """The classification head for a body with ``nf`` output channels.

    Args:
        nf: channels of the body's feature map.
        n_out: number of classes.
        lin_ftrs: sizes of the hidden linear layers (default ``[512]``).
        ps: dropout of the last layer; the earlier ones use ``ps / 2``.
        concat_pool: use max+average pooling (doubles the features).
        first_bn: start with a BatchNorm on the pooled features.
        bn_final: end with a BatchNorm on the outputs.
        dtype: the parameters' dtype (float32 like the pretrained bodies).

    Returns:
        A ``Sequential`` (pool, flatten, then BatchNorm/Dropout/Linear blocks).
    """
    pooled = 2 * nf if concat_pool else nf
    sizes = [pooled] + list(lin_ftrs if lin_ftrs is not None else [512]) + [n_out]
    dropouts = [ps / 2] * (len(sizes) - 2) + [ps]
    layers: List[Module] = [AdaptiveConcatPool2d() if concat_pool else AdaptiveAvgPoolFlat(), Flatten()]
    for i, (n_in, n_next, p) in enumerate(zip(sizes[:-1], sizes[1:], dropouts)):
        with_bn = first_bn or i > 0
        if with_bn:
            layers.append(BatchNorm1d(n_in, dtype=dtype))
        if p:
            layers.append(Dropout(p))
        layers.append(Linear(n_in, n_next, bias=not with_bn, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(ReLU())
    if bn_final:
        layers.append(BatchNorm1d(sizes[-1], dtype=dtype))
    return Sequential(*layers)


__all__ = ["AdaptiveConcatPool2d", "AdaptiveAvgPoolFlat", "create_head"]
