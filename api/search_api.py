"""GET /search — one search over every document the caller may see (search.selectors)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router

from api.common import iso, parse_date
from core.errors import InvalidInput
from core.http import file_response
from search import registry
from search.exports import export_results
from search.selectors import MAX_PAGE_SIZE, ORDER_CHOICES, RELEVANCE, Filters, search

router = Router(tags=["Tìm kiếm"])


def _filters(
    request: HttpRequest,
    kind: str,
    doc_type: str,
    issuer: str,
    status: str,
    from_: str,
    to: str,
    dossier: int | None,
) -> Filters:
    if kind and kind not in registry.kinds():
        raise InvalidInput(
            "Loại văn bản tìm kiếm không hợp lệ.", details={"kind": ", ".join(registry.kinds())}
        )
    return Filters(
        kind=kind,
        doc_type=doc_type.strip(),
        issuer=issuer.strip(),
        status=status.strip(),
        date_from=parse_date(request.GET.get("from", from_), "from"),  # "from" is a Python keyword
        date_to=parse_date(to, "to"),
        dossier=dossier,
    )


def _order(order: str) -> str:
    if order not in dict(ORDER_CHOICES):
        raise InvalidInput("Thứ tự sắp xếp không hợp lệ.", details={"order": ", ".join(dict(ORDER_CHOICES))})
    return order


@router.get("/search")
def search_documents(
    request: HttpRequest,
    q: str = "",
    kind: str = "",
    from_: str = "",
    to: str = "",
    doc_type: str = "",
    issuer: str = "",
    status: str = "",
    dossier: int | None = None,
    order: str = RELEVANCE,
    page: int = 1,
    page_size: int = 20,
) -> dict[str, Any]:
    """Full text and metadata, with or without diacritics; the exact number-symbol first. ``snippet``
    is HTML: escaped text with the matched words in ``<mark>``. ``total`` counts only documents the
    caller may see, up to 1000 (``total_exact`` is false beyond). ``dossier``: only documents of that
    archive dossier; ``order``: relevance (default), newest or oldest (by the document's date)."""
    filters = _filters(request, kind, doc_type, issuer, status, from_, to, dossier)
    if not 1 <= page <= 10_000:
        raise InvalidInput("Số trang không hợp lệ.", details={"page": "1–10000"})
    result = search(
        request.user,
        q,
        filters,
        page=page,
        page_size=min(max(page_size, 1), MAX_PAGE_SIZE),
        order=_order(order),
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
def search_export(
    request: HttpRequest,
    format: str = "pdf",
    q: str = "",
    kind: str = "",
    from_: str = "",
    to: str = "",
    doc_type: str = "",
    issuer: str = "",
    status: str = "",
    dossier: int | None = None,
    order: str = RELEVANCE,
) -> HttpResponse:
    """The same search as ``GET /search`` (same parameters, no paging) as a .docx or .pdf list of every
    result the caller may see, up to 5,000 rows (the title says when more were left out); audited."""
    filters = _filters(request, kind, doc_type, issuer, status, from_, to, dossier)
    export = export_results(request.user, q, filters, order=_order(order), fmt=format)
    return file_response(
        export.data, name=export.name, content_type=export.content_type, inline=False, restricted=True
    )
