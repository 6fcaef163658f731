"""BERT's first two steps: from raw text to the words WordPiece will cut.

**Normalise** (``normalize_text``), in the order the reference implementation uses:

* clean: drop NUL, U+FFFD (the "undecodable byte" marker) and every control
  or format character (Unicode category C*), turn every whitespace character
  (tab, newline, no-break space, ideographic space ...) into a plain space;
* put spaces around each CJK ideograph, so every Chinese character becomes a
  word of its own (Chinese has no spaces between words, and the vocabulary
  holds single characters);
* strip accents: Unicode NFD writes "é" as "e" followed by U+0301 COMBINING
  ACUTE ACCENT (category Mn); dropping the Mn characters leaves "e";
* lower-case.

**Split** (``split_words``): on whitespace, then around every punctuation
character, which becomes a word of its own. BERT's punctuation is Unicode's
(categories P*) plus every printable non-alphanumeric ASCII character, so
"$", "+", "^", "`" and "~" split words too although Unicode calls them symbols.

Almost all English text is pure ASCII, where none of the Unicode work can
change anything: there a translate table, ``str.lower`` and one precompiled
regex do both steps at C speed.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalize_text", "split_words"]

# ASCII punctuation as BERT counts it: every printable non-alphanumeric
# character, so "$", "+", "^", "`" and "~" split words too (they are Unicode
# symbols, not punctuation, but BERT was trained with them split).
_ASCII_PUNCT = "".join(
    chr(c) for c in (*range(33, 48), *range(58, 65), *range(91, 97), *range(123, 127))
)
_ASCII_PUNCT_CLASS = r"!-/:-@\[-`{-~"
# The characters Unicode calls White_Space (what the reference Rust code splits on).
_WHITESPACE_RE = re.compile(
    "[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+"
)
# Pure-ASCII fast path: a word is a run of anything but whitespace/punctuation.
_ASCII_WORD_RE = re.compile(rf"[^\t\n\x0b\x0c\r {_ASCII_PUNCT_CLASS}]+|[{_ASCII_PUNCT_CLASS}]")
# clean_text for ASCII: control characters vanish, \t \n \r become spaces.
_ASCII_CLEAN = {c: None for c in (*range(0, 9), 11, 12, *range(14, 32), 127)} | {
    9: 32,
    10: 32,
    13: 32,
}
# CJK Unified Ideographs blocks (and their extensions / compatibility forms).
# Hangul and kana are not here: Korean and Japanese syllables are ordinary letters.
_CJK_RANGES = (
    (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F),
)  # fmt: skip

_CONTROL = frozenset({"Cc", "Cf", "Co", "Cs"})


def _is_punctuation(char: str) -> bool:
    """BERT's punctuation: ASCII ``!"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~`` or any Unicode P* category."""
    return char in _ASCII_PUNCT or unicodedata.category(char).startswith("P")


def _is_cjk(char: str) -> bool:
    """True for a Chinese ideograph (also used by Japanese kanji and Korean hanja)."""
    code = ord(char)
    return any(low <= code <= high for low, high in _CJK_RANGES)


def _is_removed(char: str) -> bool:
    """clean_text drops NUL, U+FFFD (the "undecodable byte" marker) and control characters.

    "Control" means Unicode categories Cc (control), Cf (format, e.g. the
    zero-width joiner), Co (private use) and Cs (lone surrogates), as the
    reference implementation counts them; unassigned code points (Cn) stay
    and end up as [UNK].
    """
    if char in "\t\n\r":
        return False  # whitespace, kept (as a space)
    return char == "\x00" or char == "\ufffd" or unicodedata.category(char) in _CONTROL


def normalize_text(
    text: str,
    *,
    clean_text: bool = True,
    handle_chinese_chars: bool = True,
    strip_accents: bool = True,
    lowercase: bool = True,
) -> str:
    """BERT's normaliser (``BertNormalizer``): clean, space out ideographs, strip accents, lower-case.

    Args:
        text: any string.
        clean_text: drop control characters, map whitespace to spaces.
        handle_chinese_chars: surround every CJK ideograph with spaces.
        strip_accents: remove combining marks after NFD decomposition.
        lowercase: lower-case every character.

    Returns:
        The normalised string (``"Café\\tNAÏVE"`` -> ``"cafe naive"``).
    """
    if text.isascii():  # no accents, no ideographs, no exotic spaces: the fast path
        if clean_text:
            text = text.translate(_ASCII_CLEAN)
        return text.lower() if lowercase else text
    if clean_text:
        text = "".join(" " if c.isspace() else c for c in text if not _is_removed(c))
    if handle_chinese_chars:
        text = "".join(f" {c} " if _is_cjk(c) else c for c in text)
    if strip_accents:
        nfd = unicodedata.normalize("NFD", text)
        text = "".join(c for c in nfd if unicodedata.category(c) != "Mn")
    if lowercase:
        # Character by character: str.lower turns a word-final "Σ" into "ς", BERT does not.
        text = "".join(c.lower() for c in text) if "Σ" in text else text.lower()
    return text


def split_words(text: str) -> list[str]:
    """BERT's pre-tokenizer: split normalised text on whitespace and around punctuation.

    Args:
        text: normalised text (``normalize_text``'s result).

    Returns:
        The words, e.g. ``"hello, world!"`` -> ``["hello", ",", "world", "!"]``.
    """
    if text.isascii():
        return _ASCII_WORD_RE.findall(text)
    words: list[str] = []
    for chunk in _WHITESPACE_RE.split(text):
        start = 0
        for i, char in enumerate(chunk):
            if _is_punctuation(char):
                if i > start:
                    words.append(chunk[start:i])
                words.append(char)
                start = i + 1
        if start < len(chunk):
            words.append(chunk[start:])
    return words
