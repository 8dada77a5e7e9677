"""Highlighted snippets: found on the folded text, cut from the original (diacritics kept), escaped, then
marked. The output is safe HTML: only ``<mark>`` comes from us, everything else is escaped text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from django.utils.html import escape

WIDTH = 220
MAX_SCAN = 50_000  # characters of a document's text searched for the snippet
_MARKS = re.compile("[\u0300-\u036f]")  # combining diacritical marks (a regex: str.translate with a
# deletion table is ~10× slower on Vietnamese text)


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    low = ch.lower().replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", low) if not unicodedata.combining(c))


def _fold_with_map(text: str) -> tuple[str, list[int]]:
    """The folded text (as ``core.vn.fold``, without whitespace collapsing) and, for each folded
    character, the index of the original character it came from."""
    if text.isascii():
        return text.lower(), list(range(len(text)))
    # fast path: NFC Vietnamese folds one character to one character, so positions do not move
    quick = _MARKS.sub("", unicodedata.normalize("NFD", text.lower().replace("đ", "d")))
    if len(quick) == len(text) and quick.isascii():
        return quick, list(range(len(text)))
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        folded = _fold_char(ch)
        out.append(folded)
        where.extend([i] * len(folded))
    return "".join(out), where


def _spans(text: str, terms: Sequence[str]) -> list[tuple[int, int]]:
    """Original-text spans of the whole words that fold to one of the terms."""
    if not terms or not text:
        return []
    folded, where = _fold_with_map(text)
    pattern = re.compile(
        r"(?<![^\W_])(?:"
        + "|".join(re.escape(t) for t in sorted(set(terms), key=len, reverse=True))
        + r")(?![^\W_])"
    )
    spans = []
    for m in pattern.finditer(folded):
        spans.append((where[m.start()], where[m.end() - 1] + 1))
    return spans


def highlight(text: str, terms: Sequence[str]) -> str:
    """The whole text, escaped, with the terms marked."""
    return _mark(text, _spans(text, terms), 0, len(text))


def _mark(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    parts: list[str] = []
    pos = start
    for a, b in spans:
        if a < start or b > end or a < pos:
            continue
        parts.append(escape(text[pos:a]))
        parts.append(f"<mark>{escape(text[a:b])}</mark>")
        pos = b
    parts.append(escape(text[pos:end]))
    return "".join(parts)


def snippet(text: str, terms: Sequence[str], width: int = WIDTH) -> str:
    """A window of about ``width`` characters around the densest cluster of terms, escaped and marked;
    the beginning of the text when no term is in it."""
    text = " ".join(text[:MAX_SCAN].split())
    if not text:
        return ""
    if not text.isascii():  # composed letters, stray marks dropped: folding keeps positions (fast path)
        text = _MARKS.sub("", unicodedata.normalize("NFC", text))
    spans = _spans(text, terms)
    if not spans:
        cut = text[:width]
        return escape(cut) + ("…" if len(text) > width else "")
    best, best_count, last = spans[0][0], 0, 0
    for first, (a, _) in enumerate(spans):  # the window starting at a term that holds the most terms
        last = max(last, first)
        while last + 1 < len(spans) and spans[last + 1][0] < a + width:
            last += 1
        if last - first + 1 > best_count:
            best, best_count = a, last - first + 1
    start = max(0, best - width // 4)
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < best else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > best else end
    return ("…" if start > 0 else "") + _mark(text, spans, start, end) + ("…" if end < len(text) else "")
