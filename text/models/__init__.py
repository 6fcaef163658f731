"""Pretrained text encoders built from minitorch layers, named so published weights load.

- :mod:`text.models.attention`: multi-head scaled dot-product attention, composed
  from tensor operations and as one fused graph node.
- :mod:`text.models.bert`: BERT (``BertModel``), mean pooling and ``sentence_embeddings``;
- :mod:`text.models.minilm`: published weights: Hugging Face names -> ours
  (``HF_BERT_RENAMES``), all-MiniLM-L6-v2 from its package or hub files (``load_minilm``).
- :mod:`text.models.traceable`: BERT with tensor inputs, for tracing and ONNX export.
"""

from .attention import additive_mask, fused_attention, scaled_dot_product_attention
from .bert import (
    BertConfig,
    BertEmbeddings,
    BertEncoder,
    BertLayer,
    BertModel,
    BertPooler,
    BertSelfAttention,
    l2_normalize,
    mean_pool,
    sentence_embeddings,
)
from .minilm import HF_BERT_RENAMES, load_hf_weights, load_minilm, minilm_files
from .traceable import TensorInputBert, TensorInputClassifier, masked_mean

__all__ = [
    "HF_BERT_RENAMES",
    "BertConfig",
    "BertEmbeddings",
    "BertEncoder",
    "BertLayer",
    "BertModel",
    "BertPooler",
    "BertSelfAttention",
    "TensorInputBert",
    "TensorInputClassifier",
    "additive_mask",
    "fused_attention",
    "l2_normalize",
    "load_hf_weights",
    "load_minilm",
    "masked_mean",
    "mean_pool",
    "minilm_files",
    "scaled_dot_product_attention",
    "sentence_embeddings",
]
