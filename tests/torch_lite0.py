"""EfficientNet-Lite0 written independently in torch.nn, with the published checkpoint's names.

Used only where PyTorch is installed: the zoo's parity test (``test_vision_zoo``)
and the speed comparison ``bench/bench_vision.py``. It follows the measured
conventions (TF "SAME" padding, BatchNorm eps 1e-3, ReLU6, no squeeze-excitation)
without sharing any code with ``vision/models``.
"""

from __future__ import annotations

from typing import Any


def torch_lite0(torch: Any, same_padding: bool = True) -> Any:
    """EfficientNet-Lite0 in torch.nn with the checkpoint's own (lukemelas) names.

    Args:
        torch: the torch module.
        same_padding: TF "SAME" padding (``F.pad`` before each convolution), as
            these checkpoints need; False pads ``k // 2`` on every side inside the
            convolution (timm's ``efficientnet_lite0`` layout: the same FLOPs, the
            fastest a PyTorch user would write, but not these weights' numbers).
    """
    nn, F = torch.nn, torch.nn.functional

    class SameConv(nn.Conv2d):
        def forward(self, x: Any) -> Any:
            pads = []
            for n, k, s in ((x.shape[3], self.kernel_size[1], self.stride[1]),
                            (x.shape[2], self.kernel_size[0], self.stride[0])):
                total = max((-(-n // s) - 1) * s + k - n, 0)
                pads += [total // 2, total - total // 2]  # the odd pixel right/bottom
            return super().forward(F.pad(x, pads))

    def SymConv(c_in: int, c_out: int, k: int, stride: int = 1, groups: int = 1,
                bias: bool = False) -> Any:
        return nn.Conv2d(c_in, c_out, k, stride, padding=k // 2, groups=groups, bias=bias)

    if not same_padding:
        SameConv = SymConv  # noqa: F811, N806 - the same call sites, symmetric padding

    def bn(c: int) -> Any:
        return nn.BatchNorm2d(c, eps=1e-3)

    class Block(nn.Module):
        def __init__(self, c_in: int, c_out: int, k: int, s: int, e: int) -> None:
            super().__init__()
            mid = c_in * e
            if e != 1:
                self._expand_conv, self._bn0 = SameConv(c_in, mid, 1, bias=False), bn(mid)
            self._depthwise_conv = SameConv(mid, mid, k, stride=s, groups=mid, bias=False)
            self._bn1 = bn(mid)
            self._project_conv, self._bn2 = SameConv(mid, c_out, 1, bias=False), bn(c_out)
            self.expand, self.skip = e != 1, s == 1 and c_in == c_out

        def forward(self, x: Any) -> Any:
            h = F.relu6(self._bn0(self._expand_conv(x))) if self.expand else x
            h = self._bn2(self._project_conv(F.relu6(self._bn1(self._depthwise_conv(h)))))
            return h + x if self.skip else h

    class Lite0(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self._conv_stem, self._bn0 = SameConv(3, 32, 3, stride=2, bias=False), bn(32)
            stages = [(1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40),
                      (3, 3, 2, 6, 40, 80), (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192),
                      (1, 3, 1, 6, 192, 320)]
            blocks = []
            for repeats, k, s, e, c_in, c_out in stages:
                for r in range(repeats):
                    blocks.append(Block(c_in if r == 0 else c_out, c_out, k, s if r == 0 else 1, e))
            self._blocks = nn.ModuleList(blocks)
            self._conv_head, self._bn1 = SameConv(320, 1280, 1, bias=False), bn(1280)
            self._fc = nn.Linear(1280, 1000)

        def forward(self, x: Any) -> Any:
            x = F.relu6(self._bn0(self._conv_stem(x)))
            for block in self._blocks:
                x = block(x)
            x = F.relu6(self._bn1(self._conv_head(x)))
            return self._fc(x.mean(dim=(2, 3)))

    return Lite0()
