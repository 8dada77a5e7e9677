"""Searching: one full-text statement per search, restricted to what the user may see.

The visibility rule of each kind (its provider's ``visible_to``, e.g. ``incoming_visible_to``) is
correlated with the index by primary key (``EXISTS (… WHERE id = entry.doc_id)``) inside the full-text
statement itself, so invisible documents never reach items, the count, the snippets or an export.

One statement finds the visible matches in date order, at most ``COUNT_LIMIT + 1`` of them: that is
the count ("hơn 1.000 kết quả" beyond) and the pages. Order: the exact number-symbol first, then
relevance (bm25 / ts_rank_cd over those matches) when at most ``RANK_LIMIT`` match, else newest
document first; or, on request, by the document's date (``order="newest"`` / ``"oldest"``). A large
result set costs no more than a small one: the database walks the date order and stops at the limit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr

from search import registry
from search.backends import ORDERS, get_backend
from search.models import Entry
from search.query import Parsed, parse, words
from search.snippets import MAX_SCAN, highlight, snippet

COUNT_LIMIT = 1000
MAX_PAGE_SIZE = 100
MAX_EXACT = 50
RELEVANCE = "relevance"
ORDER_CHOICES = ((RELEVANCE, "Phù hợp nhất"), ("newest", "Ngày mới nhất"), ("oldest", "Ngày cũ nhất"))
EXPORT_LIMIT = 5000  # rows of an export


@dataclass(frozen=True)
class Filters:
    kind: str = ""
    doc_type: str = ""
    issuer: str = ""
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None
    dossier: int | None = None  # archive dossier (hồ sơ) holding the documents

    @property
    def any(self) -> bool:
        return bool(
            self.kind
            or self.doc_type
            or self.issuer
            or self.status
            or self.date_from
            or self.date_to
            or self.dossier
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
    doc_type_name: str
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
    order: str = RELEVANCE
    parsed: Parsed = field(default_factory=Parsed)

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def visible_entries(user: Any, kind: str = "") -> QuerySet[Entry]:
    """Index entries of documents the user may see: each kind's own filter, correlated by id.

    The correlation is a scalar subquery (``(SELECT id … WHERE id = doc_id LIMIT 1) IS NOT NULL``), not
    ``EXISTS``: PostgreSQL turns an ``EXISTS`` under ``OR`` into a hashed subplan that first reads every
    document the user may see (170 ms at 100,000 documents, growing with the archive), where a probe by
    primary key per candidate row costs microseconds and the scan stops at the limit."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Entry.objects.none()
    qs = Entry.objects.all()
    rule: Q | None = None
    for provider in registry.providers():
        if kind and provider.kind != kind:
            continue
        visible = provider.visible_to(user).filter(pk=OuterRef("doc_id")).order_by().values("pk")[:1]
        name = f"visible_{provider.kind}"
        qs = qs.alias(**{name: Subquery(visible)})
        part = Q(kind=provider.kind) & Q(**{f"{name}__isnull": False})
        rule = part if rule is None else rule | part
    return qs.filter(rule) if rule is not None else Entry.objects.none()


def _filtered(user: Any, qs: QuerySet[Entry], filters: Filters) -> QuerySet[Entry]:
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
    if filters.dossier:
        members = registry.group_members("dossier", user, filters.dossier)
        rule = Q()
        for kind, doc_ids in members.items():
            rule |= Q(kind=kind, doc_id__in=doc_ids)
        qs = qs.filter(rule) if members else qs.none()
    return qs


def search(
    user: Any,
    q: str,
    filters: Filters | None = None,
    *,
    page: int = 1,
    page_size: int = 20,
    order: str = RELEVANCE,
) -> Result:
    started = time.perf_counter()
    filters = filters or Filters()
    page = max(1, page)
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    order = order if order in ORDERS else RELEVANCE
    parsed = parse(q)
    result = Result(page=page, page_size=page_size, parsed=parsed, order=order)
    if filters.kind and filters.kind not in registry.kinds():
        return result
    if parsed.empty and not filters.any:
        return result
    try:
        ids, exact = _ordered_ids(user, parsed, filters, order, result, COUNT_LIMIT)
        result.items = _hits(ids, exact, parsed, snippets=True)
    except EmptyResultSet:  # the user may see no document of any kind
        result.items, result.total = [], 0
    result.took_ms = round((time.perf_counter() - started) * 1000, 1)
    return result


def search_all(
    user: Any, q: str, filters: Filters | None = None, *, order: str = RELEVANCE, limit: int = EXPORT_LIMIT
) -> Result:
    """Every result the user may see (up to ``limit``; ``total_exact`` false beyond), in the order of
    the search page, without snippets: what an export lists."""
    filters = filters or Filters()
    order = order if order in ORDERS else RELEVANCE
    parsed = parse(q)
    result = Result(page=1, page_size=limit, parsed=parsed, order=order)
    if (filters.kind and filters.kind not in registry.kinds()) or (parsed.empty and not filters.any):
        return result
    try:
        ids, exact = _ordered_ids(user, parsed, filters, order, result, limit)
        result.items = _hits(ids, exact, parsed, snippets=False)
    except EmptyResultSet:
        result.items, result.total = [], 0
    return result


def _ordered_ids(
    user: Any, parsed: Parsed, filters: Filters, order: str, result: Result, cap: int
) -> tuple[list[int], set[int]]:
    """The entry ids of the result's page (``result.page``/``page_size``) and the exact number-symbol
    hits; sets ``result.total`` (counted up to ``cap``) and ``total_exact``."""
    base = _filtered(user, visible_entries(user, filters.kind), filters)
    offset = (result.page - 1) * result.page_size
    end = offset + result.page_size
    by_date = ("date", "id") if order == "oldest" else ("-date", "-id")
    exact: list[int] = []
    if parsed.empty:  # filters only: by date
        window = list(base.order_by(*by_date).values_list("id", flat=True)[: max(cap + 1, end)])
        counted = len(window)
        ids = window[offset:end]
    else:
        if parsed.symbol_key:
            exact = list(
                base.filter(symbol_key=parsed.symbol_key)
                .order_by(*by_date)
                .values_list("id", flat=True)[:MAX_EXACT]
            )
        backend = get_backend()
        scan_order = "oldest" if order == "oldest" else "newest"
        found, matched = backend.find(
            base, parsed, order=scan_order, exclude=exact, cap=cap - len(exact), end=end
        )
        counted = len(exact) + matched
        if order == RELEVANCE and matched <= backend.rank_limit:  # ``found`` is every match
            found = _by_relevance(parsed, found)
        ordered = exact + found
        if end <= cap or counted <= cap:
            ids = ordered[offset:end]
        else:  # a page past the counted window (the API allows it): ask the database for it alone
            ids = backend.scan(
                base,
                parsed,
                order=scan_order,
                exclude=exact,
                offset=max(0, offset - len(exact)),
                limit=result.page_size,
            )
    result.total = min(counted, cap)
    result.total_exact = counted <= cap
    return ids, set(exact)


_URL_ID = 987_654_321_987  # a document id no URL contains otherwise
SYMBOL_WEIGHT, META_WEIGHT = 10, 4  # a word in the number-symbol, in the subject/issuer/type (text: 0)


def _by_relevance(parsed: Parsed, entry_ids: list[int]) -> list[int]:
    """The matches (all of which hold every word somewhere) ordered by where the words are: in the
    number-symbol, then in the subject, issuer or type (a phrase counting when it is whole there),
    then only in the files' text; ties keep the date order. Reads the small metadata columns only."""
    if len(entry_ids) < 2:
        return entry_ids
    score: dict[int, int] = {}
    for at in range(0, len(entry_ids), 900):
        part = Entry.objects.filter(id__in=entry_ids[at : at + 900])
        for pk, symbol, subject, issuer, type_name in part.values_list(
            "id", "number_symbol", "subject", "issuer", "doc_type_name"
        ):
            symbol_words = set(words(symbol))
            meta = " " + " ".join(words(f"{subject} {issuer} {type_name}")) + " "
            points = sum(SYMBOL_WEIGHT for w in parsed.words if w in symbol_words)
            points += sum(META_WEIGHT for w in parsed.words if f" {w} " in meta)
            points += sum(META_WEIGHT * len(p) for p in parsed.phrases if f" {' '.join(p)} " in meta)
            score[pk] = points
    return sorted(entry_ids, key=lambda pk: -score.get(pk, 0))


def _hits(ids: list[int], exact: set[int], parsed: Parsed, *, snippets: bool) -> list[Hit]:
    fields = ["id", "kind", "doc_id", "number_symbol", "subject", "issuer", "doc_type_name", "date"]
    fields += ["status", "secrecy"]
    rows: dict[int, dict[str, Any]] = {}
    chunk = 900  # SQLite's bound on query parameters
    for at in range(0, len(ids), chunk):
        part = Entry.objects.filter(id__in=ids[at : at + chunk])
        if snippets:
            part = part.annotate(text=Substr("body", 1, MAX_SCAN))
        for row in part.values(*fields, *(["text"] if snippets else [])):
            rows[row["id"]] = row
    terms = parsed.terms
    hits: list[Hit] = []
    urls: dict[str, str] = {}  # one reverse() per kind: the page's URL with a placeholder id
    for entry_id in ids:
        row = rows.get(entry_id)
        if row is None:
            continue
        provider = registry.get(row["kind"])
        if row["kind"] not in urls:
            urls[row["kind"]] = provider.url(_URL_ID)
        hits.append(
            Hit(
                id=row["doc_id"],
                kind=row["kind"],
                kind_label=provider.label,
                number_symbol=row["number_symbol"],
                subject=row["subject"],
                subject_html=highlight(row["subject"], terms) if snippets else "",
                issuer=row["issuer"],
                doc_type_name=row["doc_type_name"],
                date=row["date"],
                status=row["status"],
                status_label=provider.status_label(row["status"]),
                secrecy=row["secrecy"],
                snippet=snippet(row["text"], terms) if snippets and row["text"] else "",
                url=urls[row["kind"]].replace(str(_URL_ID), str(row["doc_id"]), 1),
                exact=entry_id in exact,
            )
        )
    return hits
