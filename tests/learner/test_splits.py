"""minitorch.learner.splits: one validation splitter and one label vocabulary, for images and texts alike."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from minitorch.learner.splits import label_vocab, random_split


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 200), valid_pct=st.floats(0, 0.99), seed=st.integers(0, 2**16))
def test_random_split_partitions_the_items(n: int, valid_pct: float, seed: int) -> None:
    train, valid = random_split(n, valid_pct, seed)
    assert len(valid) == int(valid_pct * n)
    assert sorted(np.concatenate([train, valid]).tolist()) == list(range(n))
    assert list(train) == sorted(train) and list(valid) == sorted(valid)
    again = random_split(n, valid_pct, seed)
    assert np.array_equal(again[0], train) and np.array_equal(again[1], valid)


def test_valid_pct_zero_holds_out_nothing_and_bad_fractions_are_refused() -> None:
    train, valid = random_split(10, 0, seed=1)  # fast.ai's RandomSplitter(valid_pct=0)
    assert list(train) == list(range(10)) and len(valid) == 0
    for bad in (-0.1, 1, 1.5):
        with pytest.raises(ValueError, match=r"valid_pct must be in \[0, 1\)"):
            random_split(10, bad)


def test_label_vocab_sorts_and_merges_numpy_scalars() -> None:
    assert label_vocab(["dog", "cat", "dog", "bird"]) == ["bird", "cat", "dog"]
    assert label_vocab([np.int64(2), 1, 2, np.int64(0)]) == [0, 1, 2]
    assert label_vocab([True, False]) == [False, True]
    with pytest.raises(ValueError, match=r"labels mix types \(int, str\)"):
        label_vocab(["pos", 0])


# ## vision and text follow the same rules


def _tokenizer(tmp_path: Path):
    from tests.text.test_text_data import tiny_tokenizer_json
    from text.tokenizer import WordPieceTokenizer

    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps(tiny_tokenizer_json()), encoding="utf-8")
    return WordPieceTokenizer.from_file(path)


def test_images_and_texts_hold_out_the_same_rows_and_refuse_mixed_labels(tmp_path: Path) -> None:
    from text.data import TextDataLoaders
    from vision import ImageDataLoaders, Resize

    n, seed = 20, 7
    names = [f"img_{k:02d}.png" for k in range(n)]
    for name in names:
        Image.new("RGB", (8, 8), (k := int(name[4:6]) * 10, k, k)).save(tmp_path / name)
    labels = ["a" if k % 2 else "b" for k in range(n)]
    images = ImageDataLoaders.from_lists(tmp_path, names, labels, valid_pct=0.25, seed=seed,
                                         item_tfms=Resize(8))  # fmt: skip
    texts = TextDataLoaders.from_df({"text": names, "label": labels}, valid_pct=0.25, seed=seed,
                                    tokenizer=_tokenizer(tmp_path))  # fmt: skip
    assert sorted(p.name for p, _ in images.valid_ds.items) == sorted(texts.valid_ds.texts)
    assert images.vocab == texts.vocab == ["a", "b"]

    mixed = ["a" if k % 2 else 3 for k in range(n)]  # images sorted these by their text before
    with pytest.raises(ValueError, match="mix types"):
        ImageDataLoaders.from_lists(tmp_path, names, mixed, item_tfms=Resize(8))
    with pytest.raises(ValueError, match="mix types"):
        TextDataLoaders.from_df({"text": names, "label": mixed}, tokenizer=_tokenizer(tmp_path))
