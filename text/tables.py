"""Reading labelled texts from tables and folders, for ``TextDataLoaders``.

- :func:`columns`: a dict of column lists, from a dict, a list of row dicts
  or anything with ``to_dict("list")`` (a pandas DataFrame, without importing pandas);
- :func:`read_table`: a CSV/TSV file, with a header row or without one
  (GLUE's ``.tsv`` files are tab-separated and unquoted);
- :func:`read_text`: a file's text, or an error naming it and suggesting ``encoding=``;
- :func:`read_text_folder`: ``root/<class>/*.txt`` (the IMDB layout);
- :func:`flags`: an ``is_valid`` column as booleans.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any, List, Optional, Tuple

import numpy as np

from minitorch.learner.splits import plain


def columns(rows: Any) -> dict:
    """A dict of column lists, from one, from a list of row dicts, or from a DataFrame."""
    if not isinstance(rows, dict) and hasattr(rows, "to_dict"):
        rows = rows.to_dict("list")  # pandas, without importing it
    if isinstance(rows, dict):
        columns = {str(k): list(v) for k, v in rows.items()}
        sizes = {k: len(v) for k, v in columns.items()}
        if len(set(sizes.values())) > 1:
            raise ValueError(f"columns of different lengths {sizes}: every column needs one value per row")
        return columns
    if isinstance(rows, Sequence) and not isinstance(rows, str):
        if not rows or not all(isinstance(r, dict) for r in rows):
            raise TypeError("a list table must hold one dict per row, e.g. {'text': ..., 'label': ...}")
        names = list(rows[0])
        for number, row in enumerate(rows):
            missing = [n for n in names if n not in row]
            if missing:
                raise ValueError(f"row {number} lacks {missing}: every row needs the columns {names}")
        return {str(n): [r[n] for r in rows] for n in names}
    raise TypeError(
        f"cannot read a table from {type(rows).__name__}: pass a dict of column lists, "
        "a list of row dicts, or a pandas DataFrame"
    )


def require_column(columns: dict, name: str) -> None:
    if name not in columns:
        raise ValueError(
            f"no column {name!r}; the columns are {list(columns)}: pass text_col=, label_col= or valid_col="
        )


_TRUE, _FALSE = {"true", "1", "yes", "y", "t"}, {"false", "0", "no", "n", "f", ""}


def flags(values: Sequence[Any], name: str) -> np.ndarray:
    """True/False flags from bools, 0/1 or strings like "True"/"False"."""
    out = np.empty(len(values), dtype=bool)
    for row, v in enumerate(values):
        v = plain(v)
        word = v.strip().lower() if isinstance(v, str) else None
        if isinstance(v, (bool, int)) and v in (0, 1):
            out[row] = bool(v)
        elif word in _TRUE or word in _FALSE:
            out[row] = word in _TRUE
        else:
            raise ValueError(f"column {name!r} row {row} holds {v!r}: use True/False (or 1/0)")
    return out


def read_text(file: Path, encoding: str = "utf-8") -> str:
    """The whole text of a file, or a ValueError that names the file and the fix.

    Args:
        file: a text file.
        encoding: its encoding (``"latin-1"``, ``"cp1252"``...; UTF-8 by default).

    Returns:
        The decoded text.

    Raises:
        ValueError: the bytes are not valid in ``encoding``; says where and
            suggests ``encoding=``.
    """
    data = file.read_bytes()
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        bad = data[error.start : error.start + 1].hex()
        raise ValueError(
            f"{file} is not valid {encoding}: byte 0x{bad} at offset {error.start} "
            f"({error.reason}). Pass encoding= with the file's encoding, e.g. "
            "encoding='latin-1' or encoding='cp1252'"
        ) from None


def read_table(
    file: Path, delimiter: Optional[str], encoding: str = "utf-8", header: Optional[int] = 0
) -> dict:
    """A CSV/TSV file as a dict of column lists (of strings).

    Args:
        file: the CSV (comma) or TSV (tab, unquoted) file.
        delimiter: the field separator (default: a tab for ``.tsv``, else a comma).
        encoding: the file's text encoding.
        header: ``0``: the first row names the columns; ``None``: there is no
            header row and the columns are named ``"0"``, ``"1"``... as pandas numbers them.

    Returns:
        column name -> the column's values.

    Raises:
        ValueError: an undecodable or empty file, or a row with the wrong number of fields.
    """
    if header not in (0, None):
        raise ValueError(f"header={header!r}: use 0 (the first row names the columns) or None")
    delimiter = delimiter or ("\t" if file.suffix.lower() == ".tsv" else ",")
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    reader = csv.reader(io.StringIO(read_text(file, encoding), newline=""), delimiter=delimiter,
                        quoting=quoting)
    rows = filter(None, reader)  # skip blank lines
    first = next(rows, None)
    if not first:
        raise ValueError(f"{file} is empty: it needs a header row naming the columns, or pass header=None")
    names = first if header == 0 else [str(k) for k in range(len(first))]
    body = [] if header == 0 else [first]
    for row in rows:
        if len(row) != len(names):
            raise ValueError(
                f"{file}:{reader.line_num}: {len(row)} fields, expected {len(names)} "
                f"({names}): check delimiter= and the quoting"
            )
        body.append(row)
    return {name: [row[k] for row in body] for k, name in enumerate(names)}


def read_text_folder(
    root: Path, classes: Optional[Sequence[str]], encoding: str = "utf-8"
) -> Tuple[List[str], List[str], List[str]]:
    """The ``.txt`` files of ``root/<class>/``: ``(texts, class names, classes found)``."""
    if not root.is_dir():
        raise FileNotFoundError(
            f"{root} does not exist: from_folder reads <path>/<train>/<class>/*.txt and "
            "<path>/<valid>/<class>/*.txt; pass train=/valid= with your folder names, or valid_pct=0.2"
        )
    if classes is None:
        classes = sorted(d.name for d in root.iterdir() if d.is_dir() and any(d.glob("*.txt")))
    texts, labels = [], []
    for name in classes:
        files = sorted((root / name).glob("*.txt"))
        texts += [read_text(f, encoding) for f in files]
        labels += [name] * len(files)
    if not texts:
        raise ValueError(f"no .txt files in {root}/<class>/ for the classes {list(classes)}")
    return texts, labels, list(classes)


__all__ = ["plain", "columns", "require_column", "flags", "read_text", "read_table", "read_text_folder"]
