"""What ``pip install`` puts into site-packages must not shadow a well-known library.

A top-level package of ours named ``datasets`` would hide Hugging Face's
``datasets`` (or be hidden by it), depending on which was installed last.
These tests read the packages setuptools would install from pyproject.toml,
so they need no build and install nothing.
"""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path

import pytest
from setuptools import find_packages

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))

WELL_KNOWN = {
    "datasets", "transformers", "tokenizers", "huggingface_hub", "torch", "torchvision",
    "torchaudio", "torchtext", "timm", "tensorflow", "keras", "jax", "flax", "sklearn",
    "fastai", "onnx", "onnxruntime", "numpy", "scipy", "pandas", "PIL", "cv2", "models",
    "data", "utils", "tests",
}  # fmt: skip
"""Import names of libraries found in most practitioners' environments, and generic names."""


def installed_top_level_names() -> set[str]:
    """The top-level packages ``pip install .`` would create, from ``[tool.setuptools.packages.find]``."""
    include = PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = find_packages(where=str(REPO), include=include)
    return {name.split(".")[0] for name in packages}


def test_no_installed_package_shares_a_well_known_import_name() -> None:
    names = installed_top_level_names()
    assert "minitorch" in names  # the listing works at all
    assert not names & WELL_KNOWN, f"these would shadow other libraries: {sorted(names & WELL_KNOWN)}"


def test_top_level_names_are_the_ones_the_design_chose() -> None:
    assert installed_top_level_names() == {"minitorch", "vision", "text"}


@pytest.mark.parametrize("script", sorted(PYPROJECT["project"]["scripts"]))
def test_console_scripts_point_at_functions_that_exist(script: str) -> None:
    module, _, function = PYPROJECT["project"]["scripts"][script].partition(":")
    assert callable(getattr(importlib.import_module(module), function))


def test_package_data_ships_every_data_file_the_code_reads() -> None:
    """The catalogue's TOML entries and ImageNet's class table must be in the wheel."""
    shipped = set()
    for package, patterns in PYPROJECT["tool"]["setuptools"]["package-data"].items():
        folder = REPO.joinpath(*package.split("."))
        shipped |= {path for pattern in patterns for path in folder.glob(pattern)}
    needed = set((REPO / "minitorch" / "hub" / "datasets" / "entries").glob("*.toml"))
    needed.add(REPO / "vision" / "imagenet_classes.tsv")
    assert len(needed) > 2 and needed <= shipped, sorted(map(str, needed - shipped))
