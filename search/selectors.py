"""Searching: one statement per step, every one of them restricted to what the user may see.

The visibility rule of each kind (its provider's ``visible_to``, e.g. ``incoming_visible_to``) is
correlated with the index by primary key (``EXISTS (… WHERE id = entry.doc_id)``) inside the full-text
statement itself, so invisible documents never reach items, the count or the snippets, and the
database stops as soon as the page is full. Order: the exact number-symbol first, then relevance
(bm25 / ts_rank_cd) when the words match at most ``RANK_LIMIT`` documents, else newest indexed first.
The total is counted up to ``COUNT_LIMIT`` (then ``total_exact`` is false: "hơn 1.000 kết quả").
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import Exists, OuterRef, Q, QuerySet

from search import registry
from search.backends import get_backend
from search.models import Entry
from search.query import Parsed, parse, words
from search.snippets import highlight, snippet

COUNT_LIMIT = 1000
MAX_PAGE_SIZE = 100
MAX_EXACT = 50


@dataclass(frozen=True)
class Filters:
    kind: str = ""
    doc_type: str = ""
    issuer: str = ""
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None

    @property
    def any(self) -> bool:
        return bool(
            self.kind or self.doc_type or self.issuer or self.status or self.date_from or self.date_to
        )


@dataclass
class Hit:
    id: int
    kind: str
    kind_label: str
    number_symbol: str
    subject: str
    subject_html: str
    issuer: str
    date: date | None
    status: str
    status_label: str
    secrecy: str
    snippet: str
    url: str
    exact: bool = False


@dataclass
class Result:
    items: list[Hit] = field(default_factory=list)
    total: int = 0
    total_exact: bool = True
    took_ms: float = 0.0
    page: int = 1
    page_size: int = 20
    parsed: Parsed = field(default_factory=Parsed)

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def visible_entries(user: Any, kind: str = "") -> QuerySet[Entry]:
    """Index entries of documents the user may see: each kind's own filter, correlated by id."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Entry.objects.none()
    rule: Q | None = None
    for provider in registry.providers():
        if kind and provider.kind != kind:
            continue
        visible = provider.visible_to(user).filter(pk=OuterRef("doc_id")).order_by().values("pk")
        part = Q(kind=provider.kind) & Q(Exists(visible))
        rule = part if rule is None else rule | part
    return Entry.objects.filter(rule) if rule is not None else Entry.objects.none()


def _filtered(qs: QuerySet[Entry], filters: Filters) -> QuerySet[Entry]:
    if filters.doc_type:
        qs = qs.filter(doc_type=filters.doc_type)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.date_from:
        qs = qs.filter(date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(date__lte=filters.date_to)
    if filters.issuer:
        for word in words(filters.issuer)[:6]:
            qs = qs.filter(issuer_key__contains=word)
    return qs


def search(
    user: Any, q: str, filters: Filters | None = None, *, page: int = 1, page_size: int = 20
) -> Result:
    started = time.perf_counter()
    filters = filters or Filters()
    page = max(1, page)
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    parsed = parse(q)
    result = Result(page=page, page_size=page_size, parsed=parsed)
    if filters.kind and filters.kind not in registry.kinds():
        return result
    if parsed.empty and not filters.any:
        return result
    base = _filtered(visible_entries(user, filters.kind), filters)
    try:
        _run(result, base, parsed, filters)
    except EmptyResultSet:  # the user may see no document of any kind
        result.items, result.total = [], 0
    result.took_ms = round((time.perf_counter() - started) * 1000, 1)
    return result


def _run(result: Result, base: QuerySet[Entry], parsed: Parsed, filters: Filters) -> None:
    page, page_size = result.page, result.page_size
    offset = (page - 1) * page_size
    exact: list[int] = []
    if parsed.symbol_key:
        exact = list(
            base.filter(symbol_key=parsed.symbol_key)
            .order_by("-date", "-id")
            .values_list("id", flat=True)[:MAX_EXACT]
        )
    if parsed.empty:  # filters only: newest indexed first
        ids = list(base.order_by("-id").values_list("id", flat=True)[offset : offset + page_size])
        counted = len(base.order_by().values_list("id", flat=True)[: COUNT_LIMIT + 1])
    else:
        backend = get_backend()
        ranked = backend.candidates(parsed, backend.rank_limit + 1) <= backend.rank_limit
        ids = exact[offset : offset + page_size]
        if len(ids) < page_size:
            ids += backend.page(
                base,
                parsed,
                ranked=ranked,
                exclude=exact,
                offset=max(0, offset - len(exact)),
                limit=page_size - len(ids),
            )
        counted = len(exact) + backend.count(base, parsed, COUNT_LIMIT + 1 - len(exact), exclude=exact)
    result.total = min(counted, COUNT_LIMIT)
    result.total_exact = counted <= COUNT_LIMIT
    entries = Entry.objects.in_bulk(ids)
    terms = parsed.terms
    exact_set = set(exact)
    for entry_id in ids:
        entry = entries.get(entry_id)
        if entry is None:
            continue
        provider = registry.get(entry.kind)
        result.items.append(
            Hit(
                id=entry.doc_id,
                kind=entry.kind,
                kind_label=provider.label,
                number_symbol=entry.number_symbol,
                subject=entry.subject,
                subject_html=highlight(entry.subject, terms),
                issuer=entry.issuer,
                date=entry.date,
                status=entry.status,
                status_label=provider.status_label(entry.status),
                secrecy=entry.secrecy,
                snippet=snippet(entry.body, terms) if entry.body else "",
                url=provider.url(entry.doc_id),
                exact=entry_id in exact_set,
            )
        )
