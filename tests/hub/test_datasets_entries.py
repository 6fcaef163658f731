"""The data catalogue's entry files: what a malformed one says."""

from __future__ import annotations

from pathlib import Path

import pytest

from minitorch.hub.datasets import catalogue

GOOD = '''
name = "tiny"
title = "Tiny"
description = "Two numbers."
license = "CC0"
citation = "nobody"
homepage = "https://example.org"
layout = "numbers.csv"

[loader]
function = "load_labelled_csv"
file = "numbers.csv"

[[files]]
path = "numbers.csv"
sha256 = "00000000"
origin = { archive = "tiny.zip", member = "tiny/numbers.csv" }

[archives."tiny.zip"]
urls = ["https://example.org/tiny.zip"]
md5 = "0123456789abcdef0123456789abcdef"
'''


def read(tmp_path: Path, text: str, known: dict | None = None):
    path = tmp_path / "01_tiny.toml"
    path.write_text(text, encoding="utf-8")
    return catalogue.read_entry(path, known or {})


def test_an_entry_file_becomes_a_dataset(tmp_path: Path) -> None:
    entry = read(tmp_path, GOOD)
    assert entry.name == "tiny" and entry.cache_subdir == "datasets/tiny"
    (file,) = entry.files
    assert file.origin.archive.urls == ("https://example.org/tiny.zip",)
    assert file.origin.name == "tiny/numbers.csv" and not file.origin.same_bytes
    (tmp_path / "numbers.csv").write_text("label,text,is_valid\n1,one,False\n0,zero,True\n")
    splits = entry.loader(tmp_path)
    assert splits.train == [("one", 1)] and splits.valid == [("zero", 0)]


def test_a_variant_takes_license_citation_and_homepage_from_its_canonical_entry(tmp_path: Path) -> None:
    mnist = catalogue.get("mnist")
    text = GOOD.replace('license = "CC0"\ncitation = "nobody"\nhomepage = "https://example.org"\n',
                        'variant_of = "mnist"\n')  # fmt: skip
    entry = read(tmp_path, text, {"mnist": mnist})
    assert (entry.license, entry.citation, entry.homepage) == (mnist.license, mnist.citation, mnist.homepage)
    with pytest.raises(ValueError, match="01_tiny.toml: variant_of 'mnist' must name an entry listed before"):
        read(tmp_path, text)


@pytest.mark.parametrize(
    "change, message",
    [
        (('title = "Tiny"', 'titel = "Tiny"'), r"unknown keys \['titel'\]"),
        (('sha256 = "00000000"', 'sha = "0"'), r"\[\[files\]\] 1: unknown keys \['sha'\]"),
        (('function = "load_labelled_csv"', 'function = "eval"'), "function 'eval' is not one of"),
        (('archive = "tiny.zip"', 'archive = "other.zip"'), "origin archive 'other.zip' has no"),
        (('description = "Two numbers."\n', ""), "description"),
    ],
)
def test_a_malformed_entry_names_its_file_and_the_problem(tmp_path: Path, change, message) -> None:
    with pytest.raises(ValueError, match=message) as info:
        read(tmp_path, GOOD.replace(*change))
    assert "01_tiny.toml" in str(info.value)
