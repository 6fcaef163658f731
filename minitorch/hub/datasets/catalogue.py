"""The catalogue: one entry per data set, read from one TOML file per data set.

The entries are data, in ``entries/NN_<name>.toml`` beside this module
(shipped as package data); ``NN`` orders the listing. Add a data set by
adding a file. A file holds:

- the data set's words: ``name``, ``title``, ``description``, ``license``,
  ``citation``, ``homepage``, ``layout`` (for humans), and optionally
  ``aliases``, ``notes``, ``variant_of`` (a variant takes the license,
  citation and homepage of the entry it varies unless it states its own);
- where the files come from: ``mirror`` (its folder under a mirror),
  ``system_mirrors``, ``[[files]]`` (path, urls, md5, sha256,
  content_sha256, size, split, unpack, origin), a pinned ``[manifest]``
  listing many files, and ``[archives."name"]`` that files are published in
  (``origin = { archive = "SST-2.zip", member = "SST-2/train.tsv" }``);
- ``[loader]``: the :mod:`.loaders` function that reads the cache folder
  (``function``), the file to hand it instead of the folder (``file``), and
  its other arguments.

Checksums are pinned there, never computed on the fly: md5 where the
publisher gives only an md5 (MNIST, CIFAR-10, Imagenette...), sha256 of the
exact bytes wherever we know them. An entry whose offline copy differs from
the published files (the CIFAR-10 JPEGs, the 224-pixel Imagenette subset, the
first 50,000 GloVe words) is its own *variant* entry with its own checksums,
so a checksum never vouches for bytes it was not computed on.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from . import loaders
from .entry import DataFile, Dataset, Member

ENTRY_KEYS = {
    "name", "title", "aliases", "variant_of", "description", "license", "citation", "homepage",
    "mirror", "system_mirrors", "splits", "notes", "layout", "loader", "manifest", "files",
    "archives",
}  # fmt: skip
FILE_KEYS = {"path", "urls", "md5", "sha256", "content_sha256", "size", "split", "unpack", "origin"}
INHERITED = ("license", "citation", "homepage")  # a variant's default: the canonical entry's


@dataclass(frozen=True, eq=False)  # compared and hashed as itself (its kwargs hold dicts)
class Loader:
    """An entry's loader: ``loader(root, **kwargs)`` calls a function of :mod:`.loaders`.

    Attributes:
        function: the function's name in :mod:`minitorch.hub.datasets.loaders`.
        file: a file inside the cache folder to pass instead of the folder.
        kwargs: the entry's arguments (a caller's keyword arguments override them).
    """

    function: str
    file: str | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __call__(self, root: str | Path, **kwargs: Any) -> Any:
        read = getattr(loaders, self.function)
        return read(Path(root) / self.file if self.file else root, **{**self.kwargs, **kwargs})


def _check_keys(where: str, table: dict, allowed: set[str]) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ValueError(f"{where}: unknown keys {unknown}; allowed: {sorted(allowed)}")


def _file(where: str, table: dict, archives: dict[str, DataFile]) -> DataFile:
    """A ``[[files]]`` table (or a manifest or archive) as a DataFile."""
    _check_keys(where, table, FILE_KEYS)
    table = dict(table)
    origin = table.pop("origin", None)
    if origin is not None:
        _check_keys(f"{where} origin", origin, {"archive", "member", "same_bytes"})
        if origin["archive"] not in archives:
            raise ValueError(f"{where}: origin archive {origin['archive']!r} has no "
                             f"[archives.{origin['archive']!r}] table")  # fmt: skip
        table["origin"] = Member(archives[origin["archive"]], origin["member"],
                                 origin.get("same_bytes", False))  # fmt: skip
    if "urls" in table:
        table["urls"] = tuple(table["urls"])
    return DataFile(**table)


def _loader(where: str, table: dict) -> Loader:
    kwargs = dict(table)
    function, file = kwargs.pop("function", None), kwargs.pop("file", None)
    if function not in loaders.__all__ or not function.startswith("load_"):
        known = [n for n in loaders.__all__ if n.startswith("load_")]
        raise ValueError(f"{where}: [loader] function {function!r} is not one of {known}")
    return Loader(function, file, kwargs)


def read_entry(path: Any, known: dict[str, Dataset]) -> Dataset:
    """Read one entry file.

    Args:
        path: the TOML file (a path or an importlib.resources traversable).
        known: the entries read so far (a variant's canonical entry must be among them).

    Raises:
        ValueError: an unknown key, a missing one, or a reference that leads nowhere;
            the message names the file.
    """
    where = getattr(path, "name", str(path))
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    _check_keys(where, data, ENTRY_KEYS)
    canonical = data.get("variant_of")
    if canonical is not None:
        if canonical not in known:
            raise ValueError(f"{where}: variant_of {canonical!r} must name an entry listed before it")
        data = {**{k: getattr(known[canonical], k) for k in INHERITED}, **data}
    archives = {name: _file(f"{where} [archives.{name!r}]", {"path": name, **table}, {})
                for name, table in data.pop("archives", {}).items()}  # fmt: skip
    files = tuple(_file(f"{where} [[files]] {i}", t, archives)
                  for i, t in enumerate(data.pop("files", []), start=1))  # fmt: skip
    manifest = data.pop("manifest", None)
    try:
        return Dataset(
            **{k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k != "loader"},
            files=files,
            manifest=_file(f"{where} [manifest]", manifest, {}) if manifest else None,
            loader=_loader(where, data.get("loader", {})),
        )
    except TypeError as error:  # a required key is missing
        raise ValueError(f"{where}: {error}") from None


def read_catalogue() -> dict[str, Dataset]:
    """Every entry file of ``entries/``, in file-name order, by name."""
    found: dict[str, Dataset] = {}
    folder = resources.files(__package__).joinpath("entries")
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if path.name.endswith(".toml"):
            entry = read_entry(path, found)
            if entry.name in found:
                raise ValueError(f"{path.name}: a data set named {entry.name!r} is listed twice")
            found[entry.name] = entry
    return found


CATALOGUE: dict[str, Dataset] = read_catalogue()
"""Every entry by name. Add a data set by adding a file to ``entries/``."""

_ALIASES = {alias.lower(): entry.name for entry in CATALOGUE.values() for alias in entry.aliases}


def get(name: str) -> Dataset:
    """Find an entry by name or alias (case-insensitive; ``-`` and ``_`` are the same).

    Raises:
        KeyError: no such data set; the message lists the known names.
    """
    key = name.strip().lower()
    for candidate in (key, key.replace("-", "_")):
        if candidate in CATALOGUE:
            return CATALOGUE[candidate]
        if candidate in _ALIASES:
            return CATALOGUE[_ALIASES[candidate]]
    raise KeyError(f"no data set named {name!r}; known: {', '.join(sorted(CATALOGUE))}")


def variants(name: str) -> list[Dataset]:
    """The entries that are variants of ``name`` (e.g. imagenette -> imagenette_224_subset)."""
    return [e for e in CATALOGUE.values() if e.variant_of == get(name).name]


__all__ = ["CATALOGUE", "Loader", "get", "read_catalogue", "read_entry", "variants"]
