"""What the user typed, folded into words and phrases the same way the index folds text.

``"dak nong"`` and ``"Đắk Nông"`` give the same words (``core.vn.fold``: lower case, no diacritics,
đ → d), so a query with or without diacritics finds text with or without them. Text in double quotes
is a phrase; a query that looks like a number-symbol ("12-TB/TU", "Số 50/BC-UBND") is also looked up
exactly by its normalised key (``core.vn.normalize_symbol``).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from core.vn import fold, normalize_symbol

MAX_WORDS = 12
_WORD = re.compile(r"[^\W_]+")
_PHRASE = re.compile(r'"([^"]*)"')
_SYMBOL = re.compile(r"^(so:?)?[0-9]+[a-z0-9]*[-/][a-z0-9./-]*[a-z][a-z0-9./-]*$")


def words(text: str) -> list[str]:
    """The folded words of a text, exactly as they are indexed."""
    return _WORD.findall(fold(text))


def index_text(text: str) -> str:
    return " ".join(words(text))


PAIR_WORDS = (
    8_000  # words of each document whose pairs and triples are indexed (PostgreSQL: 16,383 positions)
)
MAX_PAIR = 100  # longer pairs (OCR garbage) are not indexed


def pairs(folded: Sequence[str]) -> list[str]:
    """The adjacent word pairs of folded words, one token each ("dak_nong")."""
    return [f"{a}_{b}" for a, b in pairwise(folded) if len(a) + len(b) < MAX_PAIR]


def triples(folded: Sequence[str]) -> list[str]:
    """The runs of three adjacent words, one token each ("cong_tac_to")."""
    return [
        f"{a}_{b}_{c}"
        for a, b, c in zip(folded, folded[1:], folded[2:], strict=False)
        if len(a) + len(b) + len(c) < MAX_PAIR
    ]


TRIPLE_BUCKETS = 1 << 20


def hashed_triples(folded: Sequence[str]) -> list[str]:
    """Each run of three adjacent words as one of ``TRIPLE_BUCKETS`` keys ("_t" + 5 hex digits; no word
    or pair starts with "_"). PostgreSQL indexes these instead of the triples themselves: few distinct keys
    keep its GIN build near the pairs' cost, and ANDed with a phrase's pairs they leave a handful of
    documents (the phrase's, plus ~300 a million by chance) for the position check."""
    return [f"_t{zlib.crc32(t.encode()) & (TRIPLE_BUCKETS - 1):05x}" for t in triples(folded)]


def phrase_tokens(phrase: Sequence[str], *, with_triples: bool = True) -> list[str]:
    """What a phrase is looked up as: two words — their pair; three — their triple (one token: exact,
    from a short list, even when every word is common); more — the phrase of its triples. Vietnamese
    words are mostly two or three syllables, so most searches are such phrases. Without triples (the
    PostgreSQL index, see ``search.backends``): the phrase of its pairs."""
    if len(phrase) == 2 or not with_triples:
        return pairs(phrase)
    return triples(phrase)


def pair_text(*columns: str, with_triples: bool = True, with_hashed_triples: bool = False) -> str:
    """The pairs, then (``with_triples``) the triples, of each column's folded text (none spans two
    columns), over at most ``PAIR_WORDS`` words: the tokens of the ``pairs`` full-text column, in this
    order (positions)."""
    runs: list[list[str]] = []
    budget = PAIR_WORDS
    for column in columns:
        found = column.split(maxsplit=budget)[:budget]
        runs.append(found)
        budget -= len(found)
        if budget <= 0:
            break
    tokens = [p for run in runs for p in pairs(run)]
    if with_triples:
        tokens += [t for run in runs for t in triples(run)]
    if with_hashed_triples:
        tokens += [k for run in runs for k in hashed_triples(run)]
    return " ".join(tokens)


@dataclass(frozen=True)
class Parsed:
    words: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    symbol_key: str = ""

    @property
    def empty(self) -> bool:
        return not self.words and not self.phrases

    @property
    def terms(self) -> list[str]:
        """Every folded word to highlight."""
        return self.words + [w for p in self.phrases for w in p]


def parse(q: str) -> Parsed:
    q = (q or "").strip()[:500]
    folded = fold(q)
    symbol_key = normalize_symbol(q) if _SYMBOL.match(re.sub(r"\s+", "", folded)) else ""
    phrases: list[list[str]] = []
    for found in _PHRASE.findall(q):
        phrase = words(found)
        if len(phrase) > 1:
            phrases.append(phrase[:MAX_WORDS])
    rest = _PHRASE.sub(" ", q)
    plain = words(rest) + [p[0] for p in (words(f) for f in _PHRASE.findall(q)) if len(p) == 1]
    if symbol_key and not phrases:
        # a number-symbol also matches as a phrase of its parts ("12 tb tu"), never as loose words
        parts = words(symbol_key)
        phrases, plain = ([parts[:MAX_WORDS]], []) if len(parts) > 1 else ([], parts)
    unique: list[str] = []
    for word in plain:
        if word not in unique:
            unique.append(word)
    return Parsed(words=unique[:MAX_WORDS], phrases=phrases[:4], symbol_key=symbol_key[:60])
