"""``model.summary()``: the table of layers, output shapes and parameter counts.

::

    Model: "sequential"
    _________________________________________________________________
     Layer (type)                Output Shape              Param #
    =================================================================
     flatten (Flatten)           (None, 784)               0
    ...
    =================================================================
    Total params: 101,770
    Trainable params: 101,770
    Non-trainable params: 0
    _________________________________________________________________

Keras counts a layer's non-trained state (BatchNorm's moving mean and
variance) as non-trainable parameters; here those are the layer's buffers.
"""

from __future__ import annotations

from typing import Any, List, Sequence, Tuple

__all__ = ["count_params", "summary_text"]

LINE = 65
COLUMNS = (29, 55, 65)  # Keras' positions 0.45, 0.85, 1.0 of the line


def count_params(layer: Any) -> Tuple[int, int]:
    """``(trainable, non_trainable)`` numbers of a layer (frozen weights and buffers are non-trainable)."""
    trainable = non_trainable = 0
    for p in layer.parameters():
        size = int(getattr(p.value, "size", 1))
        if hasattr(p.value, "requires_grad") and not p.value.requires_grad():
            non_trainable += size
        else:
            trainable += size
    for name, buffer in layer.named_buffers():
        if not name.endswith("num_batches_tracked"):
            non_trainable += int(getattr(buffer, "size", 1))
    return trainable, non_trainable


def _row(fields: Sequence[str]) -> str:
    line = ""
    for field, stop in zip(fields, COLUMNS):
        line = (line + " " + field if line == "" else line + field)[:stop]
        line += " " * (stop - len(line))
    return line.rstrip()


def summary_text(model: Any) -> str:
    """The summary table of a built ``keras.Sequential``."""
    lines: List[str] = [f'Model: "{model.name}"', "_" * LINE]
    lines.append(_row(["Layer (type)", "Output Shape", "Param #"]))
    lines.append("=" * LINE)
    total_trainable = total_frozen = 0
    layers = model.layers
    for i, layer in enumerate(layers):
        trainable, frozen = count_params(layer)
        total_trainable, total_frozen = total_trainable + trainable, total_frozen + frozen
        shape = "(None, " + ", ".join(str(s) for s in layer.output_shape) + ")"
        shape = shape.replace(", )", ")") if layer.output_shape else "(None,)"
        lines.append(_row([f"{layer.name} ({type(layer).__name__})", shape, str(trainable + frozen)]))
        if i < len(layers) - 1:
            lines.append("")
    lines.append("=" * LINE)
    lines.append(f"Total params: {total_trainable + total_frozen:,}")
    lines.append(f"Trainable params: {total_trainable:,}")
    lines.append(f"Non-trainable params: {total_frozen:,}")
    lines.append("_" * LINE)
    return "\n".join(lines)
