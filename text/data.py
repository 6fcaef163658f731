"""Labelled text to batches of token ids: ``TextDataLoaders`` (fast.ai's, for a WordPiece encoder).

A pretrained encoder such as MiniLM reads token ids, so the texts are
tokenised once, when the data set is built (all 67k SST-2 sentences take 2-4
seconds on two cores), and every batch is then cut from those ids::

    dls = TextDataLoaders.from_csv(path, "texts.csv", text_col="text", label_col="label")
    input_ids, attention_mask, labels = dls.one_batch()
    dls.show_batch()

A batch is ``(input_ids, attention_mask, labels)``: int64 numpy arrays of
shapes ``(B, T)``, ``(B, T)`` and ``(B,)``, padded with the tokenizer's
``[PAD]`` id to the longest text *of that batch* (``T`` varies from batch to
batch); the mask is 1 on real tokens and 0 on padding. ``dls.n_inp == 2`` tells
the Learner that the first two are inputs: it calls
``model(input_ids, attention_mask)`` and ``loss_func(pred, labels)``. A data
set without labels (a test set) gives just the two inputs.

Padding is wasted work, so ``SortedDataLoader`` puts texts of similar length
together (fast.ai's ``SortedDL``): the training order is shuffled, cut into
chunks of ~50 batches, each chunk sorted by length and cut into batches, and
the batches shuffled, which keeps the order random but the padding small. The
validation loader visits texts longest first. **Predictions then come in that
sorted order**: ``learn.get_preds()`` returns rows (and targets) in loader
order; ``dls.valid.unsort(preds)`` puts them back in data set order, or build
the loaders with ``sort=False`` to keep data set order throughout.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, List, Optional, Tuple, Union

import numpy as np

from minitorch.learner.data import DataLoader, DataLoaders, Dataset
from minitorch.learner.splits import label_vocab, random_split
from text import tables
from text.tables import flags, plain, read_table, read_text_folder, require_column
from text.tokenizer import WordPieceTokenizer, minilm_tokenizer

if TYPE_CHECKING:  # only a type here: importing the catalogue is not needed to read texts
    from minitorch.hub.datasets.loaders.types import TextSplits

__all__ = ["TextDataset", "SortedDataLoader", "TextDataLoaders"]

PathLike = Union[str, Path]


@functools.lru_cache(maxsize=1)
def _default_tokenizer() -> WordPieceTokenizer:
    """One shared MiniLM tokenizer: its word cache makes every later data set faster."""
    return minilm_tokenizer()


class TextDataset(Dataset):
    """Texts tokenised once, with optional integer labels: ``ds[i]`` -> ``(ids, mask, label)``.

    Args:
        texts: the texts (strings).
        labels: one class index per text, or None for an unlabelled (test) set.
        tokenizer: a ``WordPieceTokenizer`` (default: the all-MiniLM-L6-v2 one).
        max_length: keep at most this many tokens per text, [CLS] and [SEP]
            included (None: the tokenizer's ``model_max_length``).

    Attributes:
        ids: one int64 array of token ids per text, unpadded.
        labels: int64 array of class indices, or None.
        texts: the texts as given.

    Raises:
        ValueError: no texts, a text that is not a string, or labels of another count.
    """

    def __init__(
        self,
        texts: Sequence[str],
        labels: Optional[Sequence[int]] = None,
        tokenizer: Optional[WordPieceTokenizer] = None,
        max_length: Optional[int] = 128,
    ) -> None:
        texts = list(texts)
        if not texts:
            raise ValueError("TextDataset got no texts: check the file, split or column you read")
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise ValueError(
                    f"text {i} is {text!r} ({type(text).__name__}), not a string: "
                    "drop or fill missing texts first"
                )
        if labels is not None and len(labels) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels: give one label per text")
        self.tokenizer = _default_tokenizer() if tokenizer is None else tokenizer
        self.max_length = max_length
        self.texts = texts
        self.labels = None if labels is None else np.asarray(labels, dtype=np.int64)
        rows = [self.tokenizer.encode(text, max_length=max_length) for text in texts]
        self._lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
        flat = np.array(list(itertools.chain.from_iterable(rows)), dtype=np.int64)
        # Views into one flat array: a batch is filled from them in one assignment.
        self.ids: List[np.ndarray] = np.split(flat, np.cumsum(self._lengths)[:-1])

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def lengths(self) -> np.ndarray:
        """The number of tokens of every text (int64, special tokens included)."""
        return self._lengths

    @property
    def has_labels(self) -> bool:
        return self.labels is not None

    def __getitem__(self, i: int) -> Tuple[Any, ...]:
        ids = self.ids[i]
        mask = np.ones_like(ids)
        return (ids, mask) if self.labels is None else (ids, mask, self.labels[i])

    def get_batch(self, indices: Sequence[int]) -> Tuple[np.ndarray, ...]:
        """Texts ``indices`` as a padded rectangle.

        Args:
            indices: positions in the data set.

        Returns:
            ``(input_ids, attention_mask, labels)`` (int64, shapes ``(B, T)``,
            ``(B, T)``, ``(B,)``), ``T`` the longest of these texts; without
            labels just the first two.
        """
        indices = np.asarray(indices, dtype=np.int64)
        lengths = self._lengths[indices]
        real = np.arange(int(lengths.max(initial=0))) < lengths[:, None]
        input_ids = np.full(real.shape, self.tokenizer.pad_token_id, dtype=np.int64)
        if len(indices):
            input_ids[real] = np.concatenate([self.ids[i] for i in indices])
        mask = real.astype(np.int64)
        return (input_ids, mask) if self.labels is None else (input_ids, mask, self.labels[indices])

    def __repr__(self) -> str:
        kind = "labelled" if self.has_labels else "unlabelled"
        return f"TextDataset({len(self)} {kind} texts, mean length {self._lengths.mean():.1f} tokens)"


class SortedDataLoader(DataLoader):
    """A ``DataLoader`` that batches texts of similar length together (fast.ai's ``SortedDL``).

    Training (``shuffle=True``): shuffle, cut into chunks of ``chunk_batches``
    batches, sort each chunk by length (longest first), cut it into batches,
    then shuffle the batches. Validation (``shuffle=False``): longest first.
    With ``sort=False`` it is a plain ``DataLoader`` (data set order when not shuffled).

    Args:
        dataset: a ``TextDataset`` (anything with ``lengths`` and ``get_batch``).
        batch_size: texts per batch.
        shuffle: a new random order every epoch (repeatable with ``seed``).
        drop_last: skip the one batch smaller than ``batch_size``.
        seed: epoch ``e`` always uses the same order for the same seed.
        sort: group texts by length (False: the base class's order).
        chunk_batches: how many batches' worth of texts are sorted together
            when shuffling: more gives less padding, fewer more randomness.
        **kwargs: passed to ``DataLoader`` (``backend``, ``item_tfm``...).

    ``get_preds`` gathers rows in loader order; ``unsort`` restores data set order.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 32,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: Optional[int] = None,
        sort: bool = True,
        chunk_batches: int = 50,
        **kwargs: Any,
    ) -> None:
        super().__init__(dataset, batch_size, shuffle, drop_last, seed, **kwargs)
        if chunk_batches < 1:
            raise ValueError(f"chunk_batches must be a positive integer, got {chunk_batches!r}")
        self.sort = sort
        self.chunk_batches = int(chunk_batches)

    def batch_indices(self, epoch: Optional[int] = None) -> List[np.ndarray]:
        """The indices of each batch of ``epoch`` (default: the next one)."""
        if not self.sort:
            return super().batch_indices(epoch)
        lengths, bs, rng = np.asarray(self.dataset.lengths), self.batch_size, None
        if self.shuffle:
            epoch = self.epoch if epoch is None else epoch
            rng = np.random.default_rng(None if self.seed is None else [self.seed, epoch])
            perm, chunk = rng.permutation(self.n), bs * self.chunk_batches
        else:  # one chunk: the whole set
            perm, chunk = np.arange(self.n), max(self.n, 1)
        batches: List[np.ndarray] = []
        for start in range(0, self.n, chunk):
            part = perm[start : start + chunk]
            part = part[np.argsort(-lengths[part], kind="stable")]  # longest first, ties kept in order
            batches += [part[i : i + bs] for i in range(0, len(part), bs)]
        if self.drop_last and batches and len(batches[-1]) < bs:
            batches.pop()  # only the last chunk can end in a short batch
        return batches if rng is None else [batches[i] for i in rng.permutation(len(batches))]

    def order(self, epoch: Optional[int] = None) -> np.ndarray:
        """The example indices visited in ``epoch``, batch after batch."""
        if not self.sort:
            return super().order(epoch)
        batches = self.batch_indices(epoch)
        return np.concatenate(batches) if batches else np.zeros(0, dtype=np.int64)

    def unsort(self, rows: Any, epoch: Optional[int] = None) -> np.ndarray:
        """Put rows gathered in loader order (``get_preds``' output) back in data set order.

        Args:
            rows: an array with one row per example, in the order this loader
                visited them (``preds``, ``targets``, ``losses`` ...).
            epoch: the pass they came from. Default: the last pass run when
                shuffling (``get_preds`` runs one), any pass otherwise (the
                unshuffled order is the same in every epoch).

        Returns:
            ``out`` with ``out[i]`` the row of data set example ``i``.

        Raises:
            ValueError: the row count is not the number of examples visited.
        """
        if epoch is None:
            epoch = max(self.epoch - 1, 0) if self.shuffle else 0
        order = self.order(epoch)
        rows = np.asarray(rows)
        if len(rows) != self.n or len(order) != self.n:
            raise ValueError(
                f"unsort needs one row per example ({self.n}), got {len(rows)} rows for "
                f"{len(order)} visited examples: gather over a whole pass with drop_last=False"
            )
        out = np.empty_like(rows)
        out[order] = rows
        return out


class TextDataLoaders(DataLoaders):
    """Training and validation loaders of labelled texts (fast.ai's ``TextDataLoaders``).

    Build it with a class method: ``from_lists``, ``from_splits`` (a
    ``datasets.load("sst2")`` result), ``from_df``, ``from_csv`` or
    ``from_folder``. Batches are ``(input_ids, attention_mask, labels)``; see
    the module docstring for shapes and for the sorted validation order.

    Args:
        train, valid: the loaders (over ``TextDataset``s).
        vocab: the class names, in label order (``dls.c`` is their number).
        tokenizer: the tokenizer (default: the training set's).
        path: the data folder (``Learner`` saves models under it).
    """

    n_inp = 2  # (input_ids, attention_mask) go to the model; labels to the loss

    def __init__(
        self,
        train: DataLoader,
        valid: DataLoader,
        vocab: Optional[Sequence[Any]] = None,
        tokenizer: Optional[WordPieceTokenizer] = None,
        path: PathLike = ".",
    ) -> None:
        super().__init__(train, valid, vocab, path)
        self.tokenizer = train.dataset.tokenizer if tokenizer is None else tokenizer

    def onnx_example(self, n: int = 2) -> Tuple[np.ndarray, np.ndarray]:
        """``n`` training texts padded to the longest length allowed, for ``Learner.export_onnx`` to trace.

        An exported graph fixes every size but the batch, so it is traced at the
        data's ``max_length`` (not one batch's longest text): a deployment pads
        every text to that length, ``tokenizer(texts, padding="max_length", max_length=T)``
        with ``T`` read from the file's input shape.

        Returns:
            ``(input_ids, attention_mask)``, int64 ``(n, T)``.
        """
        length = self.train_ds.max_length or self.tokenizer.model_max_length
        enc = self.tokenizer(self.train_ds.texts[:n], padding="max_length", max_length=length)
        return enc["input_ids"], enc["attention_mask"]

    def test_dl(self, texts: Sequence[str], labels: Optional[Sequence[Any]] = None,
                bs: Optional[int] = None, sort: bool = False) -> SortedDataLoader:
        """A loader over new texts, tokenised like the training ones (for ``get_preds(dl=...)``).

        Args:
            texts: the texts.
            labels: their classes (names in ``vocab`` or indices), or None.
            bs: the batch size (default: the validation loader's).
            sort: longest first (less padding, but rows need ``unsort``).

        Returns:
            An unshuffled loader; batches are ``(input_ids, attention_mask[, labels])``.
        """
        y = None if labels is None else _encode_labels(list(labels), self.vocab, "test")
        ds = TextDataset(texts, y, self.tokenizer, self.train_ds.max_length)
        return SortedDataLoader(ds, bs or self.valid.batch_size, shuffle=False, sort=sort)

    def show_batch(self, max_n: int = 5, max_chars: int = 100, valid: bool = False) -> List[Tuple[str, Any]]:
        """Print the first texts of a batch, decoded from their ids, with their class.

        Args:
            max_n: the most rows (at most one batch).
            max_chars: cut longer texts to this many characters.
            valid: show a validation batch instead of a training one.

        Returns:
            The rows shown, as ``(text, class)`` pairs.
        """
        loader = self.valid if valid else self.train
        ids, _, labels = loader.fetch(loader.batch_indices(loader.epoch)[0])
        texts = self.tokenizer.batch_decode(ids[:max_n])
        clip = lambda t: t if len(t) <= max_chars else t[: max_chars - 1] + "…"  # noqa: E731
        rows = [(clip(t), self.vocab[y] if self.vocab else int(y)) for t, y in zip(texts, labels)]
        width = min(max_chars, max(len("text"), *(len(t) for t, _ in rows)))
        print(f"{'text':<{width}}  category")
        for text, label in rows:
            print(f"{text:<{width}}  {label}")
        return rows

    # ## Building

    @classmethod
    def from_lists(
        cls,
        train_texts: Sequence[str],
        train_labels: Sequence[Any],
        valid_texts: Sequence[str],
        valid_labels: Sequence[Any],
        classes: Optional[Sequence[Any]] = None,
        tokenizer: Optional[WordPieceTokenizer] = None,
        bs: int = 32,
        val_bs: Optional[int] = None,
        max_length: Optional[int] = 128,
        seed: Optional[int] = None,
        sort: bool = True,
        shuffle: bool = True,
        path: PathLike = ".",
        **kwargs: Any,
    ) -> "TextDataLoaders":
        """Loaders from texts and labels in lists; every other constructor ends here.

        Args:
            train_texts, train_labels, valid_texts, valid_labels: the data.
                Labels are class names, or class indices when ``classes``
                holds names that are not integers (as ``datasets.load`` gives).
            classes: the class names in label order (default: the sorted
                distinct training labels).
            tokenizer: a ``WordPieceTokenizer`` (default: all-MiniLM-L6-v2's).
            bs: the training batch size.
            val_bs: the validation batch size (default ``2 * bs``: no gradients to keep).
            max_length: tokens kept per text, [CLS] and [SEP] included.
            seed: makes the training order repeatable.
            sort: batch texts of similar length together (validation: longest first).
            shuffle: shuffle the training texts each epoch.
            path: the data folder.
            **kwargs: passed to both ``SortedDataLoader``s.

        Raises:
            ValueError: no texts, texts and labels of different counts, or a
                label that is not one of ``classes``.
        """
        tokenizer = _default_tokenizer() if tokenizer is None else tokenizer
        train_labels, valid_labels = list(train_labels), list(valid_labels)
        if len(train_texts) == 0 or len(valid_texts) == 0:
            what = "training" if len(train_texts) == 0 else "validation"
            raise ValueError(f"no {what} texts: check the file, folder or column, or use valid_pct=0.2")
        vocab = label_vocab(train_labels) if classes is None else list(classes)
        train_ds = TextDataset(train_texts, _encode_labels(train_labels, vocab, "train"), tokenizer, max_length)
        valid_ds = TextDataset(valid_texts, _encode_labels(valid_labels, vocab, "valid"), tokenizer, max_length)
        train = SortedDataLoader(train_ds, bs, shuffle=shuffle, seed=seed, sort=sort, **kwargs)
        valid = SortedDataLoader(valid_ds, val_bs or 2 * bs, shuffle=False, sort=sort, **kwargs)
        return cls(train, valid, vocab, tokenizer, path)

    @classmethod
    def from_splits(cls, splits: TextSplits, **kwargs: Any) -> "TextDataLoaders":
        """Loaders from ``datasets.load("sst2")`` or ``datasets.load("imdb_sample")``.

        Args:
            splits: a ``TextSplits`` (``train``/``valid`` lists of ``(text, label)``, ``classes``).
            **kwargs: as for :meth:`from_lists` (``bs``, ``seed``, ``tokenizer``...).
        """
        classes = kwargs.pop("classes", None) or list(splits.classes) or None
        train, valid = splits.train, splits.valid
        return cls.from_lists([t for t, _ in train], [y for _, y in train],
                              [t for t, _ in valid], [y for _, y in valid], classes=classes, **kwargs)  # fmt: skip

    @classmethod
    def from_df(
        cls,
        rows: Any,
        text_col: Union[str, int] = "text",
        label_col: Union[str, int] = "label",
        valid_col: Union[str, int, None] = "is_valid",
        valid_pct: float = 0.2,
        seed: Optional[int] = None,
        **kwargs: Any,
    ) -> "TextDataLoaders":
        """Loaders from a table: a dict of column lists, a list of row dicts, or a pandas DataFrame.

        Args:
            rows: the table (a DataFrame is read through ``rows.to_dict("list")``).
            text_col, label_col: the column names of the texts and the labels.
            valid_col: a column of True/False flags marking validation rows.
                When the table has no such column and this is the default
                ``"is_valid"`` (or None), ``valid_pct`` of the rows are held
                out at random instead; a column you name must exist.
            valid_pct: the fraction held out at random without a ``valid_col``.
            seed: makes the random split and the training order repeatable.
            **kwargs: as for :meth:`from_lists`.

        Raises:
            ValueError: a missing column (the message lists the ones there are), or bad flags.
        """
        columns = tables.columns(rows)
        # Column labels are strings here; pandas numbers the columns of a headerless file.
        text_col, label_col = str(text_col), str(label_col)
        valid_col = None if valid_col is None else str(valid_col)
        for name in (text_col, label_col):
            require_column(columns, name)
        texts, labels = columns[text_col], columns[label_col]
        if valid_col is not None and (valid_col in columns or valid_col != "is_valid"):
            require_column(columns, valid_col)
            is_valid = flags(columns[valid_col], valid_col)
        else:
            is_valid = _random_valid(len(texts), valid_pct, seed)
        return cls.from_lists(
            _pick(texts, ~is_valid), _pick(labels, ~is_valid),
            _pick(texts, is_valid), _pick(labels, is_valid), seed=seed, **kwargs,
        )  # fmt: skip

    @classmethod
    def from_csv(
        cls,
        path: PathLike,
        csv_fname: str = "texts.csv",
        text_col: Union[str, int] = "text",
        label_col: Union[str, int] = "label",
        valid_col: Union[str, int, None] = "is_valid",
        valid_pct: float = 0.2,
        delimiter: Optional[str] = None,
        seed: Optional[int] = None,
        encoding: str = "utf-8",
        header: Optional[int] = 0,
        **kwargs: Any,
    ) -> "TextDataLoaders":
        """Loaders from a CSV or TSV file with a header row (fast.ai's IMDB sample: ``label,text,is_valid``).

        Args:
            path: the data folder (or the file itself).
            csv_fname: the file's name inside ``path``.
            text_col, label_col, valid_col, valid_pct: as for :meth:`from_df`.
            delimiter: the field separator (default: a tab for ``.tsv``, else a
                comma). Tab-separated files are read without quoting, as GLUE
                writes them (a sentence may hold a ``"``).
            seed: makes the random split and the training order repeatable.
            encoding: the file's text encoding (``"latin-1"``, ``"cp1252"``...).
            header: ``0`` (the first row names the columns) or ``None`` (no
                header row: name the columns by number, as pandas does,
                e.g. ``text_col=1, label_col=0``).
            **kwargs: as for :meth:`from_lists`. Labels that are all whole
                numbers ("0", "1") become ints.

        Raises:
            FileNotFoundError: no such file (the message names it).
            ValueError: a file that is not valid in ``encoding`` (the message
                names it and suggests ``encoding=``), an empty file, a short
                row, or a missing column.
        """
        path = Path(path)
        file = path if path.is_file() else path / csv_fname
        if not file.is_file():
            raise FileNotFoundError(f"{file} not found: pass the folder as path and the file name as csv_fname")
        columns = read_table(file, delimiter, encoding, header)
        text_col, label_col = str(text_col), str(label_col)  # numbered columns are "0", "1"...
        if label_col in columns and all(v.strip().lstrip("-").isdigit() for v in columns[label_col]):
            columns[label_col] = [int(v) for v in columns[label_col]]
        kwargs.setdefault("path", file.parent)
        return cls.from_df(columns, text_col, label_col, valid_col, valid_pct, seed, **kwargs)

    @classmethod
    def from_folder(
        cls,
        path: PathLike,
        train: str = "train",
        valid: str = "test",
        classes: Optional[Sequence[str]] = None,
        valid_pct: Optional[float] = None,
        seed: Optional[int] = None,
        encoding: str = "utf-8",
        **kwargs: Any,
    ) -> "TextDataLoaders":
        """Loaders from ``.txt`` files in ``path/<split>/<class>/`` (the IMDB layout): class = folder name.

        Args:
            path: the data folder.
            train, valid: the split folders (``valid`` is unused with ``valid_pct``).
            classes: the class folders to read, in label order (default: every
                folder of ``path/train`` holding .txt files, sorted). Name them
                to skip other folders, like IMDB's ``unsup``.
            valid_pct: instead of a ``valid`` folder, hold out this fraction of
                the training texts at random.
            seed: makes the split and the training order repeatable.
            encoding: the text files' encoding.
            **kwargs: as for :meth:`from_lists`.

        Raises:
            FileNotFoundError: a missing folder (the message names it).
            ValueError: no .txt files, or one not valid in ``encoding`` (named).
        """
        path = Path(path)
        train_texts, train_labels, found = read_text_folder(path / train, classes, encoding)
        classes = list(classes) if classes is not None else found
        if valid_pct is None:
            valid_texts, valid_labels, _ = read_text_folder(path / valid, classes, encoding)
        else:
            held = _random_valid(len(train_texts), valid_pct, seed)
            valid_texts, valid_labels = _pick(train_texts, held), _pick(train_labels, held)
            train_texts, train_labels = _pick(train_texts, ~held), _pick(train_labels, ~held)
        kwargs.setdefault("path", path)
        return cls.from_lists(train_texts, train_labels, valid_texts, valid_labels,
                              classes=classes, seed=seed, **kwargs)  # fmt: skip


# --------------------------------------------------------------------- helpers


def _is_index(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _encode_labels(labels: Sequence[Any], classes: Optional[Sequence[Any]], what: str) -> np.ndarray:
    """Class indices for ``labels``: names are looked up in ``classes``; ints are indices
    when the class names themselves are not ints (``datasets.load`` gives indices and names)."""
    classes = list(classes) if classes is not None else label_vocab(labels)
    if not any(_is_index(c) for c in classes) and all(_is_index(y) for y in labels):
        y = np.asarray(labels, dtype=np.int64)
        bad = np.flatnonzero((y < 0) | (y >= len(classes)))
        if len(bad):
            raise ValueError(
                f"{what} label {int(y[bad[0]])} (row {int(bad[0])}) is not a class index: "
                f"there are {len(classes)} classes {classes}"
            )
        return y
    index = {plain(c): i for i, c in enumerate(classes)}
    out = np.empty(len(labels), dtype=np.int64)
    for row, label in enumerate(labels):
        i = index.get(plain(label))
        if i is None:
            raise ValueError(
                f"{what} label {label!r} (row {row}) is not one of the classes {classes}: "
                "fix the label, or pass classes= listing every class"
            )
        out[row] = i
    return out


def _random_valid(n: int, valid_pct: float, seed: Optional[int]) -> np.ndarray:
    """A mask of the ``int(valid_pct * n)`` rows :func:`minitorch.learner.splits.random_split` holds out."""
    mask = np.zeros(n, dtype=bool)
    mask[random_split(n, valid_pct, seed)[1]] = True
    return mask


def _pick(values: Sequence[Any], mask: np.ndarray) -> List[Any]:
    return [v for v, keep in zip(values, mask) if keep]
