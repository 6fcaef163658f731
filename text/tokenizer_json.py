"""Reading a Hugging Face ``tokenizer.json`` (and the model zip that holds one).

A ``tokenizer.json`` describes a whole tokenization pipeline as data. For
BERT-style models it looks like this (vocab shortened)::

    {
      "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                "max_input_chars_per_word": 100, "vocab": {"[PAD]": 0, ..., "hello": 7592, ...}},
      "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                     "strip_accents": null, "lowercase": true},
      "pre_tokenizer": {"type": "BertPreTokenizer"},
      "post_processor": {"type": "TemplateProcessing",
                         "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                                    {"Sequence": {"id": "A", "type_id": 0}},
                                    {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
                         "pair": [... "$A" ..., then {"Sequence": {"id": "B", "type_id": 1}} ...],
                         "special_tokens": {"[CLS]": {"ids": [101], "tokens": ["[CLS]"]}, ...}},
      "truncation": {"max_length": 128, ...}, "padding": {"pad_id": 0, "pad_token": "[PAD]", ...},
      "added_tokens": [{"id": 0, "content": "[PAD]", "special": true, ...}, ...],
      "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true}
    }

This module turns that into the keyword arguments of
:class:`text.tokenizer.WordPieceTokenizer`, refusing (with the file's name)
anything that is not BERT's pipeline rather than tokenizing it wrongly.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

__all__ = [
    "parse_json",
    "read_model_zip",
    "read_tokenizer_file",
    "settings_from_json",
    "templates_from_json",
]


def parse_json(raw: str | bytes, source: str) -> Any:
    """json.loads with an error that names the file."""
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{source} is not valid JSON: {error}") from error


def settings_from_json(
    data: Any, source: str, model_max_length: int | None, config: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Translate a parsed tokenizer.json into ``WordPieceTokenizer`` keyword arguments.

    Args:
        data: the parsed JSON.
        source: the file's name, for error messages.
        model_max_length: the caller's choice, or None for the file's
            ``truncation.max_length``, else ``config["model_max_length"]``, else 512.
        config: a parsed tokenizer_config.json from beside the file, if any.

    Returns:
        Keyword arguments for ``WordPieceTokenizer(...)``.

    Raises:
        ValueError: the model is not WordPiece, or a step is not BERT's.
    """
    model = data.get("model") if isinstance(data, dict) else None
    if (
        not isinstance(model, dict)
        or model.get("type", "WordPiece") != "WordPiece"
        or "vocab" not in model
    ):
        kind = model.get("type") if isinstance(model, dict) else None
        raise ValueError(
            f"{source} is not a WordPiece tokenizer.json (model type {kind!r}): "
            "this class reads BERT-style tokenizers; BPE/Unigram ones need another tokenizer"
        )
    vocab = model["vocab"]
    if not isinstance(vocab, dict):
        raise ValueError(
            f"{source}: model.vocab must map tokens to ids (got {type(vocab).__name__})"
        )
    settings: dict[str, Any] = {
        "vocab": vocab,
        "unk_token": model.get("unk_token", "[UNK]"),
        "continuing_subword_prefix": model.get("continuing_subword_prefix", "##"),
        "max_input_chars_per_word": model.get("max_input_chars_per_word", 100),
    }
    normalizer = data.get("normalizer")
    if normalizer is None:
        settings.update(
            lowercase=False, strip_accents=False, clean_text=False, handle_chinese_chars=False
        )
    elif normalizer.get("type") == "BertNormalizer":
        settings.update(
            lowercase=normalizer.get("lowercase", True),
            strip_accents=normalizer.get("strip_accents"),
            clean_text=normalizer.get("clean_text", True),
            handle_chinese_chars=normalizer.get("handle_chinese_chars", True),
        )
    else:
        raise ValueError(
            f"{source}: normalizer {normalizer.get('type')!r} is not supported (only BertNormalizer)"
        )
    pre_tokenizer = data.get("pre_tokenizer")
    if pre_tokenizer is not None and pre_tokenizer.get("type") != "BertPreTokenizer":
        raise ValueError(
            f"{source}: pre_tokenizer {pre_tokenizer.get('type')!r} is not supported (only BertPreTokenizer)"
        )
    settings.update(templates_from_json(data.get("post_processor"), source))
    added = [t for t in data.get("added_tokens") or [] if t.get("content") in vocab]
    if added:
        settings["special_tokens"] = [t["content"] for t in added]
        settings["skip_tokens"] = [t["content"] for t in added if t.get("special")]
    padding = data.get("padding") or {}
    if "pad_token" in padding:
        settings["pad_token"] = padding["pad_token"]
    if model_max_length is None:
        model_max_length = (
            (data.get("truncation") or {}).get("max_length")
            or (config or {}).get("model_max_length")
            or 512
        )
    settings["model_max_length"] = int(model_max_length)
    decoder = data.get("decoder") or {}
    settings["cleanup_decoded"] = bool(decoder.get("cleanup", True))
    return settings


def templates_from_json(processor: dict[str, Any] | None, source: str) -> dict[str, Any]:
    """single_template/pair_template from a TemplateProcessing or BertProcessing post_processor."""
    if processor is None:
        return {"single_template": (("$A", 0),), "pair_template": (("$A", 0), ("$B", 1))}
    if processor.get("type") == "BertProcessing":
        cls, sep = processor["cls"][0], processor["sep"][0]
        return {
            "single_template": ((cls, 0), ("$A", 0), (sep, 0)),
            "pair_template": ((cls, 0), ("$A", 0), (sep, 0), ("$B", 1), (sep, 1)),
        }
    if processor.get("type") != "TemplateProcessing":
        raise ValueError(f"{source}: post_processor {processor.get('type')!r} is not supported")
    templates = {}
    for key in ("single", "pair"):
        template = []
        for entry in processor[key]:
            if "Sequence" in entry:
                template.append(
                    ("$" + entry["Sequence"]["id"], entry["Sequence"].get("type_id", 0))
                )
            else:
                special = entry["SpecialToken"]
                tokens = (
                    processor.get("special_tokens", {})
                    .get(special["id"], {})
                    .get("tokens", [special["id"]])
                )
                template += [(token, special.get("type_id", 0)) for token in tokens]
        templates[key + "_template"] = tuple(template)
    return templates


def read_tokenizer_file(path: str | os.PathLike[str]) -> Any:
    """Read and parse a tokenizer.json; FileNotFoundError/ValueError name the file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"tokenizer file not found: {path} (expected a tokenizer.json)")
    return parse_json(path.read_bytes(), str(path))


def read_model_zip(zip_path: str | os.PathLike[str]) -> tuple[Any, str, dict[str, Any]]:
    """Read the tokenizer.json (and tokenizer_config.json, if any) inside a model zip.

    Args:
        zip_path: a zip with ``tokenizer.json`` at its top or in a folder.

    Returns:
        ``(parsed tokenizer.json, its name for messages, parsed tokenizer_config.json or {})``.

    Raises:
        FileNotFoundError: no zip there, or no tokenizer.json in it.
        ValueError: a damaged zip or invalid JSON.
    """
    zip_path = Path(zip_path)
    if not zip_path.is_file():
        raise FileNotFoundError(f"model zip not found: {zip_path}")
    try:
        with zipfile.ZipFile(zip_path) as archive:
            names = archive.namelist()
            found = sorted((n for n in names if n.split("/")[-1] == "tokenizer.json"), key=len)
            if not found:
                raise FileNotFoundError(f"no tokenizer.json inside {zip_path}")
            source = f"{zip_path}!{found[0]}"
            data = parse_json(archive.read(found[0]), source)
            config_name = found[0][: -len("tokenizer.json")] + "tokenizer_config.json"
            config = (
                parse_json(archive.read(config_name), config_name) if config_name in names else {}
            )
    except zipfile.BadZipFile as error:
        raise ValueError(f"{zip_path} is not a readable zip file: {error}") from error
    return data, source, config if isinstance(config, dict) else {}
