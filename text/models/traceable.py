"""BERT with tensor inputs, so that a trace (and an ONNX export) sees the whole computation.

:class:`~text.models.bert.BertModel` takes token ids and the padding mask as
numpy arrays and turns the mask into the scores' offset with numpy: the
right thing for running it, but a trace would record that offset as a
constant of one batch's shape. :class:`TensorInputBert` takes both as
tensors and computes the offset with tensor ops, so the ids feed a ``Gather``
and the mask an ``Add`` in the exported graph, for any batch size::

    minitorch.onnx.export(TensorInputBert(model), (ids, mask), "minilm.onnx")
"""

from __future__ import annotations

import numpy as np

from minitorch.module import Module
from minitorch.tensor import Tensor

from .bert import BertModel


class TensorInputBert(Module):
    """``bert``'s last hidden state ``(B, T, H)`` from tensor ``input_ids`` and ``attention_mask`` ``(B, T)``.

    Every token is in segment 0 (sentence A), as :class:`BertModel` assumes
    when ``token_type_ids`` is None. The ids are whole numbers held in a float
    tensor (exact below 2**24, far above BERT's vocabulary).
    """

    def __init__(self, bert: BertModel) -> None:
        super().__init__()
        self.bert = bert

    def forward(self, input_ids: Tensor, attention_mask: Tensor) -> Tensor:
        emb = self.bert.embeddings
        batch, length = input_ids.shape
        words = emb.word_embeddings(input_ids)
        # One (T, H) table each for positions and segment 0, broadcast over the batch.
        positions = emb.position_embeddings(np.arange(length))
        segments = emb.token_type_embeddings(np.zeros(length, np.int64))
        x = emb.dropout(emb.layer_norm(words + positions + segments))
        # additive_mask's offset as tensor ops: 0 for tokens, the dtype's most negative number for padding.
        offset = (1.0 - attention_mask) * float(np.finfo(x.dtype).min)
        hidden, _ = self.bert.encoder(x, offset.view(batch, 1, 1, length))
        return hidden


__all__ = ["TensorInputBert"]
