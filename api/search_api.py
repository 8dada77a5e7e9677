"""GET /search — one search over every document the caller may see (search.selectors)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema

from api.common import iso, parse_date
from core.errors import InvalidInput
from core.http import file_response
from search import registry
from search.exports import export_results
from search.selectors import MAX_PAGE_SIZE, ORDER_CHOICES, RELEVANCE, Filters, search

router = Router(tags=["Tìm kiếm"])


class SearchParams(Schema):
    """The search and its filters, shared by ``GET /search`` and ``GET /search/export``."""

    q: str = ""
    kind: str = ""
    from_: str = ""  # also read as "from" (a Python keyword)
    to: str = ""
    doc_type: str = ""
    issuer: str = ""
    status: str = ""
    dossier: int | None = None
    order: str = RELEVANCE


def _filters(request: HttpRequest, p: SearchParams) -> Filters:
    if p.kind and p.kind not in registry.kinds():
        raise InvalidInput(
            "Loại văn bản tìm kiếm không hợp lệ.", details={"kind": ", ".join(registry.kinds())}
        )
    return Filters(
        kind=p.kind,
        doc_type=p.doc_type.strip(),
        issuer=p.issuer.strip(),
        status=p.status.strip(),
        date_from=parse_date(request.GET.get("from", p.from_), "from"),
        date_to=parse_date(p.to, "to"),
        dossier=p.dossier,
    )


def _order(order: str) -> str:
    if order not in dict(ORDER_CHOICES):
        raise InvalidInput("Thứ tự sắp xếp không hợp lệ.", details={"order": ", ".join(dict(ORDER_CHOICES))})
    return order


@router.get("/search")
def search_documents(
    request: HttpRequest,
    params: Query[SearchParams],
    page: int = 1,
    page_size: int = 20,
) -> dict[str, Any]:
    """Full text and metadata, with or without diacritics; the exact number-symbol first. ``snippet``
    is HTML: escaped text with the matched words in ``<mark>``. ``total`` counts only documents the
    caller may see, up to 1000 (``total_exact`` is false beyond). ``dossier``: only documents of that
    archive dossier; ``order``: relevance (default), newest or oldest (by the document's date)."""
    filters = _filters(request, params)
    if not 1 <= page <= 10_000:
        raise InvalidInput("Số trang không hợp lệ.", details={"page": "1–10000"})
    result = search(
        request.user,
        params.q,
        filters,
        page=page,
        page_size=min(max(page_size, 1), MAX_PAGE_SIZE),
        order=_order(params.order),
    )
    return {
        "items": [
            {
                "id": hit.id,
                "kind": hit.kind,
                "number_symbol": hit.number_symbol,
                "subject": hit.subject,
                "issuer": hit.issuer,
                "doc_type": hit.doc_type_name,
                "date": iso(hit.date),
                "status": hit.status,
                "snippet": hit.snippet,
                "exact": hit.exact,
            }
            for hit in result.items
        ],
        "total": result.total,
        "total_exact": result.total_exact,
        "page": result.page,
        "page_size": result.page_size,
        "order": result.order,
        "took_ms": result.took_ms,
    }


@router.get("/search/export")
def search_export(request: HttpRequest, params: Query[SearchParams], format: str = "pdf") -> HttpResponse:
    """The same search as ``GET /search`` (same parameters, no paging) as a .docx or .pdf list of every
    result the caller may see, up to 5,000 rows (the title says when more were left out); audited."""
    filters = _filters(request, params)
    export = export_results(request.user, params.q, filters, order=_order(params.order), fmt=format)
    return file_response(
        export.data, name=export.name, content_type=export.content_type, inline=False, restricted=True
    )
