"""BERT, a stack of Transformer encoder layers, and the all-MiniLM-L6-v2 sentence encoder.

BERT (Devlin et al., 2018) reads a whole sentence at once. Each token id
becomes a vector (its word embedding + the embedding of its position + the
embedding of its segment, then LayerNorm), and ``L`` identical *layers*
refine all the vectors together::

    x -> self-attention -> dense -> dropout -> (+ x) -> LayerNorm     tokens look at each other
      -> dense (H -> 4H) -> GELU -> dense (4H -> H) -> dropout -> (+ x) -> LayerNorm
                                                                      each token on its own

Self-attention (:mod:`text.models.attention`) lets every token gather
information from every other token; padding is masked out, so a sentence's
outputs do not depend on how much padding shares its batch. The feed-forward
part then transforms each token's vector separately. Each sub-layer adds its
result to its input (the *residual*) and normalises: BERT is "post-LN".

The model's output is one vector per token, ``last_hidden_state`` of shape
``(B, T, H)``. all-MiniLM-L6-v2 (6 layers, ``H = 384``, 12 heads) was trained
so that the mean of those vectors over the real tokens, scaled to length 1
(:func:`sentence_embeddings`), puts sentences that mean the same close
together: their cosine similarity is their dot product.

Names: modules are named for reading (``encoder.layers.3.attention.query``,
``attention_norm``, ``intermediate``); published checkpoints use Hugging
Face's deeper nesting (``encoder.layer.3.attention.self.query``,
``attention.output.LayerNorm``), which :data:`text.models.minilm.HF_BERT_RENAMES`
maps onto ours when :func:`text.models.minilm.load_minilm` reads the real weights.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields
from typing import Any, List, Mapping, Optional, Tuple, Union

import numpy as np

from minitorch.backends import layer_backend
from minitorch.layers.fused import as_array, from_array
from minitorch.layers.modules import GELU, Dropout, Embedding, LayerNorm, Linear, ModuleList
from minitorch.module import Module
from minitorch.tensor import Tensor
from minitorch.tensor_data import DTypeLike
from minitorch.tensor_ops import TensorBackend

from .attention import additive_mask, fused_attention, scaled_dot_product_attention

PathLike = Union[str, "os.PathLike[str]"]

# ## Configuration


@dataclass(frozen=True)
class BertConfig:
    """The sizes of a BERT model, with the field names of Hugging Face's ``config.json``.

    The defaults are BERT-base's; :meth:`from_json` reads a checkpoint's file.

    Attributes:
        vocab_size: rows of the word embedding (WordPiece vocabulary size).
        hidden_size: ``H``, the length of every token's vector.
        num_hidden_layers: ``L``, how many encoder layers are stacked.
        num_attention_heads: attention heads per layer (must divide ``H``).
        intermediate_size: the width of each layer's feed-forward part (``4H``).
        max_position_embeddings: the longest sequence the model can read.
        type_vocab_size: how many segment ids there are (sentence A / B).
        layer_norm_eps: added to the variance in every LayerNorm.
        hidden_dropout_prob: dropout after embeddings and each sub-layer.
        attention_probs_dropout_prob: dropout on the attention weights.
        hidden_act: the feed-forward activation; only ``"gelu"`` (exact, erf).
        initializer_range: the standard deviation of freshly initialised weights.
        pad_token_id: the id of ``[PAD]``.
    """

    vocab_size: int = 30522
    hidden_size: int = 768
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1
    hidden_act: str = "gelu"
    initializer_range: float = 0.02
    pad_token_id: int = 0

    def __post_init__(self) -> None:
        if self.hidden_size % self.num_attention_heads:
            raise ValueError(
                f"hidden_size {self.hidden_size} must be divisible by "
                f"num_attention_heads {self.num_attention_heads}"
            )
        if self.hidden_act != "gelu":
            raise ValueError(
                f"hidden_act {self.hidden_act!r} is not supported: this BERT uses the exact "
                "(erf) GELU, hidden_act='gelu'"
            )

    @property
    def head_size(self) -> int:
        """``d = H / heads``, the size of one attention head."""
        return self.hidden_size // self.num_attention_heads

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "BertConfig":
        """A config from a dict, ignoring keys that are not fields (``architectures``, ...)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})

    @classmethod
    def from_json(cls, path: PathLike) -> "BertConfig":
        """Read a Hugging Face ``config.json``.

        Args:
            path: the file.

        Returns:
            The config; unknown keys are ignored.
        """
        with open(path, encoding="utf-8") as f:
            return cls.from_dict(json.load(f))


# ## Checking inputs (ids are integers: they stay numpy arrays, never tensors)


def _integer_array(values: Any, name: str) -> np.ndarray:
    """``values`` (a list, array or tensor) as an int64 ``(batch, seq_len)`` array."""
    array = np.asarray(values.to_numpy() if isinstance(values, Tensor) else values)
    if array.ndim != 2:
        raise ValueError(
            f"{name} must have shape (batch, seq_len), got shape {array.shape}; "
            "for a single sentence pass ids[None]"
        )
    if array.dtype.kind == "f" and not np.all(array == np.round(array)):
        raise ValueError(f"{name} must hold whole numbers, got dtype {array.dtype} with fractions")
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold integers, got dtype {array.dtype}")
    return array.astype(np.int64)


def _check_range(array: np.ndarray, name: str, limit: int, what: str) -> None:
    if array.size and (array.min() < 0 or array.max() >= limit):
        bad = array.max() if array.max() >= limit else array.min()
        raise ValueError(
            f"{name} must lie in [0, {limit}) ({what}), got {bad} in an array of shape "
            f"{array.shape}"
        )


def check_inputs(
    config: BertConfig, input_ids: Any, attention_mask: Any = None, token_type_ids: Any = None
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate a batch before any kernel runs.

    Args:
        config: the model's sizes.
        input_ids: ``(B, T)`` token ids.
        attention_mask: ``(B, T)``, 1 for real tokens and 0 for padding (None: all 1).
        token_type_ids: ``(B, T)`` segment ids (None: all 0).

    Returns:
        ``(input_ids, attention_mask, token_type_ids)`` as int64 arrays.

    Raises:
        ValueError: naming the shape or value that does not fit.
    """
    ids = _integer_array(input_ids, "input_ids")
    if ids.shape[1] > config.max_position_embeddings:
        raise ValueError(
            f"input_ids has shape {ids.shape}: {ids.shape[1]} tokens, but the model has "
            f"max_position_embeddings={config.max_position_embeddings}; truncate the sequences"
        )
    _check_range(ids, "input_ids", config.vocab_size, "the vocabulary size")
    arrays = [ids]
    for name, values, default, limit in (
        ("attention_mask", attention_mask, 1, 2),
        ("token_type_ids", token_type_ids, 0, config.type_vocab_size),
    ):
        array = (
            np.full(ids.shape, default, np.int64)
            if values is None
            else _integer_array(values, name)
        )
        if array.shape != ids.shape:
            raise ValueError(f"{name} has shape {array.shape}, but input_ids has shape {ids.shape}")
        _check_range(
            array, name, limit, "0 = padding, 1 = token" if limit == 2 else "type_vocab_size"
        )
        arrays.append(array)
    return arrays[0], arrays[1], arrays[2]


# ## The layers


class BertEmbeddings(Module):
    """Token id -> vector: word + position + segment embeddings, then LayerNorm and dropout.

    Args:
        config: the sizes.
        backend, dtype: where and in what precision the parameters live.
    """

    def __init__(
        self, config: BertConfig, backend: Optional[TensorBackend] = None, dtype: DTypeLike = None
    ) -> None:
        super().__init__()
        H = config.hidden_size
        self.word_embeddings = Embedding(config.vocab_size, H, backend=backend, dtype=dtype)
        self.position_embeddings = Embedding(
            config.max_position_embeddings, H, backend=backend, dtype=dtype
        )
        self.token_type_embeddings = Embedding(
            config.type_vocab_size, H, backend=backend, dtype=dtype
        )
        self.layer_norm = LayerNorm(H, eps=config.layer_norm_eps, backend=backend, dtype=dtype)
        self.dropout = Dropout(config.hidden_dropout_prob)

    def forward(self, input_ids: np.ndarray, token_type_ids: np.ndarray) -> Tensor:
        """Args: ``(B, T)`` int arrays (checked by :func:`check_inputs`). Returns: ``(B, T, H)``."""
        words = self.word_embeddings(input_ids)
        # Position t gets row t; one (T, H) table broadcast over the batch.
        positions = self.position_embeddings(np.arange(input_ids.shape[1]))
        segments = self.token_type_embeddings(token_type_ids)
        return self.dropout(self.layer_norm(words + positions + segments))


class BertSelfAttention(Module):
    """Multi-head scaled dot-product self-attention (without the output projection).

    Args:
        config: the sizes.
        backend, dtype: where and in what precision the parameters live.

    Attributes:
        query, key, value: the three ``H -> H`` linear maps.
    """

    def __init__(
        self, config: BertConfig, backend: Optional[TensorBackend] = None, dtype: DTypeLike = None
    ) -> None:
        super().__init__()
        H = config.hidden_size
        self.heads, self.head_size = config.num_attention_heads, config.head_size
        self.query = Linear(H, H, backend=backend, dtype=dtype)
        self.key = Linear(H, H, backend=backend, dtype=dtype)
        self.value = Linear(H, H, backend=backend, dtype=dtype)
        self.dropout_p = config.attention_probs_dropout_prob

    def forward(
        self, x: Tensor, mask: Optional[Tensor] = None, output_attentions: bool = False
    ) -> Tuple[Tensor, Optional[Tensor]]:
        """Let every token attend to every (unmasked) token.

        Args:
            x: ``(B, T, H)``.
            mask: ``(B, 1, 1, T)`` added to the scores (:func:`additive_mask`), or None.
            output_attentions: also return the weights (runs the composed
                version; otherwise the faster fused one).

        Returns:
            ``(context, probs)``: ``(B, T, H)`` (the heads' outputs side by side)
            and the weights ``(B, heads, T, T)`` before dropout, or None.
        """
        p = self.dropout_p if self.training else 0.0
        q, k, v = self.query(x), self.key(x), self.value(x)
        if output_attentions:
            return scaled_dot_product_attention(q, k, v, self.heads, mask, dropout_p=p)
        return fused_attention(q, k, v, self.heads, mask, dropout_p=p), None

    def extra_repr(self) -> str:
        return f"heads={self.heads}, head_size={self.head_size}"


class BertLayer(Module):
    """One encoder layer: attention, then a feed-forward network; each adds and normalises.

    Args:
        config: the sizes.
        backend, dtype: where and in what precision the parameters live.
    """

    def __init__(
        self, config: BertConfig, backend: Optional[TensorBackend] = None, dtype: DTypeLike = None
    ) -> None:
        super().__init__()
        H, eps = config.hidden_size, config.layer_norm_eps
        self.attention = BertSelfAttention(config, backend, dtype)
        self.attention_output = Linear(H, H, backend=backend, dtype=dtype)
        self.attention_norm = LayerNorm(H, eps=eps, backend=backend, dtype=dtype)
        self.intermediate = Linear(H, config.intermediate_size, backend=backend, dtype=dtype)
        self.activation = GELU()
        self.output = Linear(config.intermediate_size, H, backend=backend, dtype=dtype)
        self.output_norm = LayerNorm(H, eps=eps, backend=backend, dtype=dtype)
        self.dropout = Dropout(config.hidden_dropout_prob)

    def forward(
        self, x: Tensor, mask: Optional[Tensor] = None, output_attentions: bool = False
    ) -> Tuple[Tensor, Optional[Tensor]]:
        """As :meth:`BertSelfAttention.forward`, but ``x`` goes through the whole layer."""
        context, probs = self.attention(x, mask, output_attentions)
        x = self.attention_norm(x + self.dropout(self.attention_output(context)))
        h = self.activation(self.intermediate(x))
        x = self.output_norm(x + self.dropout(self.output(h)))
        return x, probs


class BertEncoder(Module):
    """``num_hidden_layers`` :class:`BertLayer`\\ s, applied in turn."""

    def __init__(
        self, config: BertConfig, backend: Optional[TensorBackend] = None, dtype: DTypeLike = None
    ) -> None:
        super().__init__()
        self.layers = ModuleList(
            [BertLayer(config, backend, dtype) for _ in range(config.num_hidden_layers)]
        )

    def forward(
        self, x: Tensor, mask: Optional[Tensor] = None, output_attentions: bool = False
    ) -> Tuple[Tensor, List[Tensor]]:
        """Returns: the last layer's ``(B, T, H)`` and, if asked, each layer's attention weights."""
        all_probs = []
        for layer in self.layers:
            x, probs = layer(x, mask, output_attentions)
            if probs is not None:
                all_probs.append(probs)
        return x, all_probs


class BertPooler(Module):
    """``tanh(dense(h[CLS]))``: the first token's vector as a summary (for BERT's pretraining)."""

    def __init__(
        self, config: BertConfig, backend: Optional[TensorBackend] = None, dtype: DTypeLike = None
    ) -> None:
        super().__init__()
        self.dense = Linear(config.hidden_size, config.hidden_size, backend=backend, dtype=dtype)

    def forward(self, hidden: Tensor) -> Tensor:
        """Args: ``(B, T, H)``. Returns: ``(B, H)``."""
        z = self.dense(hidden[:, 0])
        return (z * 2.0).sigmoid() * 2.0 - 1.0  # tanh(z) = 2 sigmoid(2z) - 1


class BertModel(Module):
    """BERT's encoder: embeddings, ``L`` layers, and the (unused by default) pooler.

    Args:
        config: the sizes.
        backend: the tensors' backend (default: ``layer_backend()``).
        dtype: the parameters' precision (pretrained weights are float32).
        initialize: draw BERT's initial weights (:meth:`init_weights`); skip
            it when pretrained weights will overwrite them anyway.

    Call ``model(input_ids, attention_mask, token_type_ids)`` for the
    ``(B, T, H)`` last hidden state.
    """

    def __init__(
        self,
        config: BertConfig,
        backend: Optional[TensorBackend] = None,
        dtype: DTypeLike = "float32",
        initialize: bool = True,
    ) -> None:
        super().__init__()
        backend = layer_backend() if backend is None else backend
        self.config = config
        self.embeddings = BertEmbeddings(config, backend, dtype)
        self.encoder = BertEncoder(config, backend, dtype)
        self.pooler = BertPooler(config, backend, dtype)
        if initialize:
            self.init_weights()

    def init_weights(self) -> None:
        """BERT's initialisation: weights ``N(0, initializer_range)``, biases 0, LayerNorm 1 and 0.

        Random numbers come from numpy's global generator (``np.random.seed``).
        """
        std = self.config.initializer_range
        for _, module in self.named_modules():
            if isinstance(module, (Linear, Embedding)):
                w = as_array(module.weight.value)
                w[...] = np.random.normal(0.0, std, size=w.shape)
            if isinstance(module, Linear) and module.bias is not None:
                as_array(module.bias.value)[...] = 0.0

    def forward(
        self,
        input_ids: Any,
        attention_mask: Any = None,
        token_type_ids: Any = None,
        output_attentions: bool = False,
    ) -> Any:
        """Encode a batch of token ids.

        Args:
            input_ids: ``(B, T)`` integer ids (a numpy array or nested list).
            attention_mask: ``(B, T)``, 1 for tokens and 0 for padding (None: no padding).
            token_type_ids: ``(B, T)`` segment ids (None: all sentence A).
            output_attentions: also return each layer's attention weights.

        Returns:
            ``last_hidden_state``, a ``(B, T, H)`` tensor; with
            ``output_attentions``, ``(last_hidden_state, attentions)`` where
            ``attentions`` is a list of ``L`` numpy arrays ``(B, heads, T, T)``.

        Raises:
            ValueError: an id outside the vocabulary, a sequence longer than
                ``max_position_embeddings``, or shapes that differ.
        """
        ids, mask, types = check_inputs(self.config, input_ids, attention_mask, token_type_ids)
        x = self.embeddings(ids, types)
        hidden, probs = self.encoder(x, additive_mask(mask, x), output_attentions)
        if output_attentions:
            return hidden, [p.to_numpy() for p in probs]
        return hidden

    def num_parameters(self) -> int:
        """How many numbers training can change (embeddings and pooler included)."""
        return sum(p.value.size for p in self.parameters())


# ## Sentence embeddings


def mean_pool(hidden: Tensor, attention_mask: Any = None) -> Tensor:
    """The average of each sequence's token vectors over its real (unmasked) tokens.

    Args:
        hidden: ``(B, T, H)``.
        attention_mask: ``(B, T)``, 1 for tokens and 0 for padding (None: all tokens).

    Returns:
        ``(B, H)``; gradients flow back to ``hidden``.
    """
    B, T, H = hidden.shape
    mask = (
        np.ones((B, T))
        if attention_mask is None
        else np.asarray(
            attention_mask.to_numpy() if isinstance(attention_mask, Tensor) else attention_mask
        )
    )
    if mask.shape != (B, T):
        raise ValueError(f"attention_mask has shape {mask.shape}, hidden has shape {hidden.shape}")
    weights = mask.astype(hidden.dtype) / np.maximum(mask.sum(axis=1, keepdims=True), 1).astype(
        hidden.dtype
    )
    return (hidden * from_array(weights[:, :, None], hidden)).sum(1).view(B, H)


def l2_normalize(x: Tensor, eps: float = 1e-12) -> Tensor:
    """Each row of ``(B, H)`` scaled to length 1: ``x / max(|x|, eps)``."""
    norm_sq = (x * x).sum(1)
    # 1/|x| = exp(-log(|x|^2) / 2): composed from exp and log, which minitorch has.
    inv_norm = ((norm_sq + eps * eps).log() * -0.5).exp()
    return x * inv_norm


def sentence_embeddings(
    model: BertModel, input_ids: Any, attention_mask: Any = None, token_type_ids: Any = None
) -> Tensor:
    """all-MiniLM-L6-v2's sentence vectors: mean pooling, then L2 normalisation.

    The dot product of two such vectors is their cosine similarity. Wrap the
    call in ``minitorch.no_grad()`` when you only need the numbers.

    Args:
        model: a :class:`BertModel` (usually from :func:`load_minilm`).
        input_ids, attention_mask, token_type_ids: as for :meth:`BertModel.forward`.

    Returns:
        ``(B, H)``, each row of length 1.
    """
    hidden = model(input_ids, attention_mask, token_type_ids)
    return l2_normalize(mean_pool(hidden, attention_mask))


__all__ = [
    "BertConfig", "BertEmbeddings", "BertSelfAttention", "BertLayer", "BertEncoder", "BertPooler",
    "BertModel", "check_inputs", "additive_mask", "mean_pool", "l2_normalize", "sentence_embeddings",
]
