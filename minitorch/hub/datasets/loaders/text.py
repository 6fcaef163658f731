"""Labelled text sets stored as TSV (GLUE's SST-2) or CSV (fast.ai's IMDB sample).

Texts are returned exactly as stored (SST-2 sentences are already tokenised
and keep their trailing space); cleaning them is the tokenizer's job.
"""

from __future__ import annotations

import csv
from pathlib import Path

from .types import TextSplits

__all__ = ["read_tsv", "load_sst2", "load_labelled_csv"]


def read_tsv(path: str | Path) -> list[dict[str, str]]:
    """Read a GLUE-style TSV: a header row, then one tab-separated row per line.

    GLUE files are not CSV-quoted (a sentence may contain ``"``), so each line
    is split on tabs and nothing else.
    """
    with open(path, encoding="utf-8") as fh:
        header = fh.readline().rstrip("\r\n").split("\t")
        rows = []
        for number, line in enumerate(fh, start=2):
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) != len(header):
                raise ValueError(f"{path}:{number}: {len(fields)} fields, header has {len(header)}")
            rows.append(dict(zip(header, fields)))
    return rows


def load_sst2(root: str | Path) -> TextSplits:
    """Load GLUE SST-2: ``train.tsv`` and ``dev.tsv`` (sentence, label) and ``test.tsv``.

    Returns:
        :class:`TextSplits`: ``train`` (67,349), ``valid`` = dev (872), ``test``
        (1,821 unlabelled sentences); labels 0 = negative, 1 = positive.
    """
    root = Path(root)

    def labelled(name: str) -> list[tuple[str, int]]:
        path = root / name
        return [(r["sentence"], int(r["label"])) for r in read_tsv(path)] if path.exists() else []

    test = root / "test.tsv"
    return TextSplits(
        train=labelled("train.tsv"),
        valid=labelled("dev.tsv"),
        test=[r["sentence"] for r in read_tsv(test)] if test.exists() else [],
        classes=["negative", "positive"],
    )


def load_labelled_csv(
    path: str | Path,
    text_col: str = "text",
    label_col: str = "label",
    valid_col: str | None = "is_valid",
) -> TextSplits:
    """Load a CSV with a text column, a label column and a train/valid flag.

    This is fast.ai's ``TextDataLoaders.from_csv`` layout (IMDB sample:
    ``label,text,is_valid``).

    Args:
        path: the CSV file (quoted as the csv module writes it).
        text_col, label_col: column names.
        valid_col: a column of ``True``/``False``; rows marked True go to
            ``valid``. None puts every row in ``train``.

    Returns:
        :class:`TextSplits` with classes = the sorted distinct labels.
    """
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if rows and (text_col not in rows[0] or label_col not in rows[0]):
        raise ValueError(f"{path}: columns {list(rows[0])} lack {text_col!r} or {label_col!r}")
    classes = sorted({r[label_col] for r in rows})
    label = {c: i for i, c in enumerate(classes)}
    train, valid = [], []
    for r in rows:
        is_valid = valid_col is not None and r[valid_col].strip().lower() in {"true", "1"}
        (valid if is_valid else train).append((r[text_col], label[r[label_col]]))
    return TextSplits(train=train, valid=valid, test=[], classes=classes)
