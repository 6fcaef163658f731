"""BERT with tensor inputs, so that a trace (and an ONNX export) sees the whole computation.

:class:`~text.models.bert.BertModel` takes token ids and the padding mask as
numpy arrays and turns the mask into the scores' offset with numpy: the
right thing for running it, but a trace would record that offset as a
constant of one batch's shape. :class:`TensorInputBert` takes both as
tensors and computes the offset with tensor ops, so the ids feed a ``Gather``
and the mask an ``Add`` in the exported graph, for any batch size::

    minitorch.onnx.export(TensorInputBert(model), (ids, mask), "minilm.onnx")

:class:`TensorInputClassifier` does the same for a whole text classifier
(encoder, mean pooling, head): ``TextClassifier.traceable()`` returns one,
and ``Learner.export_onnx`` traces that instead of the numpy-input model.
"""

from __future__ import annotations

import numpy as np

from minitorch.layers import Sequential
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


def masked_mean(hidden: Tensor, attention_mask: Tensor) -> Tensor:
    """:func:`~text.models.bert.mean_pool` with tensor ops only, so a trace records it.

    Args:
        hidden: ``(B, T, H)`` token vectors.
        attention_mask: ``(B, T)`` float tensor, 1 for tokens and 0 for padding.

    Returns:
        ``(B, H)``: each row's average over its real tokens (a row of padding only gives 0, as in ``mean_pool``).
    """
    batch, length, width = hidden.shape
    count = attention_mask.sum(1).view(batch, 1)
    count = count + (count == 0.0)  # never divide by 0: an all-padding row sums to 0 anyway
    return (hidden * attention_mask.view(batch, length, 1)).sum(1).view(batch, width) / count


class TensorInputClassifier(Module):
    """``head(masked_mean(bert(ids, mask), mask))`` from tensor inputs: a text classifier, traceable.

    Args:
        bert: the classifier's encoder (its weights are shared, not copied).
        head: the classifier's head (shared too).
    """

    def __init__(self, bert: BertModel, head: Sequential) -> None:
        super().__init__()
        self.bert = TensorInputBert(bert)
        self.head = head

    def forward(self, input_ids: Tensor, attention_mask: Tensor) -> Tensor:
        return self.head(masked_mean(self.bert(input_ids, attention_mask), attention_mask))


__all__ = ["TensorInputBert", "TensorInputClassifier", "masked_mean"]
