"""Fitting someone else's weights to our model: rename, transpose, compare.

A pretrained checkpoint rarely matches a model's parameter names one to one.
The same EfficientNet is ``_blocks.0._depthwise_conv.weight`` in one code base
and ``blocks.0.0.conv_dw.weight`` in another; ``nn.DataParallel`` prefixes
everything with ``module.``; TensorFlow stores a dense layer's kernel as
``(in, out)`` where PyTorch and minitorch use ``(out, in)``. Porting weights is
therefore three small steps, each a plain function on ``dict[str, array]``:

1. :func:`rename_keys` with an ordered table of regex rules;
2. :func:`transpose_keys` for the layouts that differ;
3. :func:`compare_state_dicts` to see what still does not fit, as a
   :class:`StateDictReport` that prints the missing, unexpected and
   wrong-shaped keys.

Example::

    rules = [
        (r"^module\\.", ""),                       # DataParallel prefix
        (r"^_blocks\\.(\\d+)\\.", r"blocks.\\1."),  # _blocks.3. -> blocks.3.
        (r"_bn(\\d)", r"bn\\1"),
    ]
    weights = rename_keys(load_checkpoint("efficientnet.pth"), rules)
    report = compare_state_dicts(model_shapes, weights)
    print(report)            # or report.raise_if_incompatible()
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

__all__ = [
    "rename_keys",
    "strip_prefix",
    "transpose_keys",
    "StateDictReport",
    "compare_state_dicts",
]

T = TypeVar("T")

RenameRule = tuple[str, str]
"""``(regex, replacement)`` as for :func:`re.sub`; ``\\1`` refers to groups."""


def rename_keys(state: Mapping[str, T], rules: Sequence[RenameRule]) -> dict[str, T]:
    """Rename every key by applying the rules in order, each to the result of the last.

    Args:
        state: name -> value; the values are passed through untouched.
        rules: ``(pattern, replacement)`` pairs, applied with :func:`re.sub`
            (every match in the key). Anchor with ``^``/``$`` for prefixes and
            suffixes; a key that no rule matches keeps its name.

    Returns:
        A new dict in the original order.

    Raises:
        ValueError: two keys end up with the same name (the message names both).
    """
    compiled = [(re.compile(pattern), replacement) for pattern, replacement in rules]
    renamed: dict[str, T] = {}
    origin: dict[str, str] = {}
    for key, value in state.items():
        new = key
        for pattern, replacement in compiled:
            new = pattern.sub(replacement, new)
        if new in renamed:
            raise ValueError(f"rename rules map both {origin[new]!r} and {key!r} to {new!r}")
        renamed[new], origin[new] = value, key
    return renamed


def strip_prefix(state: Mapping[str, T], prefix: str) -> dict[str, T]:
    """Drop ``prefix`` from the keys that start with it (e.g. ``"module."``)."""
    return rename_keys(state, [("^" + re.escape(prefix), "")])


def transpose_keys(
    state: Mapping[str, np.ndarray],
    pattern: str,
    axes: Sequence[int] | None = None,
) -> dict[str, np.ndarray]:
    """Transpose the arrays whose key matches ``pattern`` (searched anywhere in the key).

    Args:
        state: name -> array.
        pattern: a regex, e.g. ``r"\\.kernel$"`` or ``r"^fc\\.weight$"``.
        axes: the permutation, as for :func:`numpy.transpose`; ``None`` reverses
            the axes (a matrix transpose). TensorFlow's conv kernels are
            ``(H, W, in, out)``; ours are ``(out, in, H, W)``: ``axes=(3, 2, 0, 1)``.

    Returns:
        A new dict; transposed arrays are C-contiguous (copied when the layout
        changes), the others are the same objects.

    Raises:
        ValueError: ``axes`` does not fit a matching array's number of dimensions.
    """
    regex = re.compile(pattern)
    out: dict[str, np.ndarray] = {}
    for key, array in state.items():
        if regex.search(key):
            if axes is not None and len(axes) != np.ndim(array):
                raise ValueError(
                    f"{key!r} has shape {np.shape(array)}; axes {tuple(axes)} need "
                    f"{len(axes)} dimensions"
                )
            array = np.asarray(np.transpose(array, axes), order="C")
        out[key] = array
    return out


@dataclass
class StateDictReport:
    """How a loaded state dict fits the one a model expects.

    Attributes:
        missing_keys: the model wants them, the file does not have them.
        unexpected_keys: the file has them, the model has no such parameter.
        shape_mismatches: ``(key, expected shape, loaded shape)``.
    """

    missing_keys: list[str] = field(default_factory=list)
    unexpected_keys: list[str] = field(default_factory=list)
    shape_mismatches: list[tuple[str, tuple[int, ...], tuple[int, ...]]] = field(
        default_factory=list
    )

    @property
    def ok(self) -> bool:
        """True when every key is present, known and of the right shape."""
        return not (self.missing_keys or self.unexpected_keys or self.shape_mismatches)

    def __str__(self) -> str:
        if self.ok:
            return "state dict matches: every key present with the right shape"
        lines = []
        if self.missing_keys:
            lines.append(f"missing keys ({len(self.missing_keys)}), in the model but not the file:")
            lines += [f"  {key}" for key in self.missing_keys]
        if self.unexpected_keys:
            lines.append(
                f"unexpected keys ({len(self.unexpected_keys)}), in the file but not the model:"
            )
            lines += [f"  {key}" for key in self.unexpected_keys]
        if self.shape_mismatches:
            lines.append(f"shape mismatches ({len(self.shape_mismatches)}), expected vs loaded:")
            lines += [
                f"  {key}: {expected} vs {loaded}"
                for key, expected, loaded in self.shape_mismatches
            ]
        return "\n".join(lines)

    def raise_if_incompatible(self) -> None:
        """Raise ``ValueError`` carrying this report unless :attr:`ok`."""
        if not self.ok:
            raise ValueError(
                f"the weights do not fit the model:\n{self}\n"
                "Rename keys with minitorch.io.rename_keys, or transpose layouts "
                "with minitorch.io.transpose_keys."
            )


def _shape(value: Any) -> tuple[int, ...]:
    if isinstance(value, tuple | list) and all(isinstance(d, int) for d in value):
        return tuple(value)
    return tuple(np.shape(value))


def compare_state_dicts(
    expected: Mapping[str, Any],
    loaded: Mapping[str, Any],
    ignore: Iterable[str] = (),
) -> StateDictReport:
    """Compare a model's expected parameters with loaded ones, key by key.

    Args:
        expected: name -> array, or name -> shape tuple (what the model has).
        loaded: name -> array (what the file has).
        ignore: regexes of keys to leave out on both sides, e.g.
            ``[r"num_batches_tracked$"]``.

    Returns:
        A :class:`StateDictReport`; keys keep the order of ``expected`` / ``loaded``.
    """
    skip = [re.compile(p) for p in ignore]

    def kept(key: str) -> bool:
        return not any(regex.search(key) for regex in skip)

    report = StateDictReport()
    for key, value in expected.items():
        if not kept(key):
            continue
        if key not in loaded:
            report.missing_keys.append(key)
        elif _shape(value) != _shape(loaded[key]):
            report.shape_mismatches.append((key, _shape(value), _shape(loaded[key])))
    report.unexpected_keys = [key for key in loaded if key not in expected and kept(key)]
    return report
