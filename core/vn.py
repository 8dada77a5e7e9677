"""Vietnamese text helpers: diacritic folding (including đ → d) and alphabetical sorting."""

from __future__ import annotations

import re
import unicodedata

_ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_ORDER = {ch: i for i, ch in enumerate(_ALPHABET)}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # huyền hỏi ngã sắc nặng
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter
_MARKS = dict.fromkeys(range(0x300, 0x370))  # combining diacritical marks


def fold(text: str) -> str:
    """Lower-case, strip every diacritic and map đ to d: "Tỉnh ủy Đắk Nông" → "tinh uy dak nong"."""
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    text = text.translate(_MARKS)  # Vietnamese marks, at C speed (the search index folds whole files)
    if not text.isascii():
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", text).strip()


def normalize_symbol(number_symbol: str) -> str:
    """A lookup key for a number-symbol: folded, no spaces, no "Số:" ("Số 105-BC/TU" → "105-bc/tu")."""
    value = fold(number_symbol)
    value = re.sub(r"^so\s*:?\s*", "", value)
    return re.sub(r"\s+", "", value)


def sort_key(text: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Key for Vietnamese alphabetical order: letters first (a < ă < â < b … d < đ), tones second."""
    letters: list[int] = []
    tones: list[int] = []
    for ch in unicodedata.normalize("NFC", text.lower()):
        decomposed = unicodedata.normalize("NFD", ch)
        base = decomposed[0]
        marks = decomposed[1:]
        letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in _LETTER_MARKS))
        tone = next((_TONES[m] for m in marks if m in _TONES), 0)
        if letter in _ORDER:
            letters.append(100 + _ORDER[letter])
        else:
            letters.append(1000 + ord(letter))
        tones.append(tone)
    return tuple(letters), tuple(tones)
