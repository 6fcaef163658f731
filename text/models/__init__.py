"""Pretrained text encoders built from minitorch layers, named so published weights load.

- :mod:`text.models.attention`: multi-head scaled dot-product attention, composed
  from tensor operations and as one fused graph node.
- :mod:`text.models.bert`: BERT (``BertModel``) and the all-MiniLM-L6-v2 sentence
  encoder (``load_minilm``, ``sentence_embeddings``).
"""

from .attention import additive_mask, fused_attention, scaled_dot_product_attention
from .bert import (
    HF_BERT_RENAMES,
    BertConfig,
    BertEmbeddings,
    BertEncoder,
    BertLayer,
    BertModel,
    BertPooler,
    BertSelfAttention,
    l2_normalize,
    load_hf_weights,
    load_minilm,
    mean_pool,
    minilm_files,
    sentence_embeddings,
)

__all__ = [
    "HF_BERT_RENAMES",
    "BertConfig",
    "BertEmbeddings",
    "BertEncoder",
    "BertLayer",
    "BertModel",
    "BertPooler",
    "BertSelfAttention",
    "additive_mask",
    "fused_attention",
    "l2_normalize",
    "load_hf_weights",
    "load_minilm",
    "mean_pool",
    "minilm_files",
    "scaled_dot_product_attention",
    "sentence_embeddings",
]
