"""GET /search — one search over every document the caller may see (search.selectors)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from api.common import iso, parse_date
from core.errors import InvalidInput
from search import registry
from search.selectors import MAX_PAGE_SIZE, Filters, search

router = Router(tags=["Tìm kiếm"])


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
    page: int = 1,
    page_size: int = 20,
) -> dict[str, Any]:
    """Full text and metadata, with or without diacritics; the exact number-symbol first. ``snippet``
    is HTML: escaped text with the matched words in ``<mark>``. ``total`` counts only documents the
    caller may see, up to 1000 (``total_exact`` is false beyond)."""
    if kind and kind not in registry.kinds():
        raise InvalidInput(
            "Loại văn bản tìm kiếm không hợp lệ.", details={"kind": ", ".join(registry.kinds())}
        )
    if not 1 <= page <= 10_000:
        raise InvalidInput("Số trang không hợp lệ.", details={"page": "1–10000"})
    filters = Filters(
        kind=kind,
        doc_type=doc_type.strip(),
        issuer=issuer.strip(),
        status=status.strip(),
        date_from=parse_date(request.GET.get("from", from_), "from"),
        date_to=parse_date(to, "to"),
    )
    result = search(request.user, q, filters, page=page, page_size=min(max(page_size, 1), MAX_PAGE_SIZE))
    return {
        "items": [
            {
                "id": hit.id,
                "kind": hit.kind,
                "number_symbol": hit.number_symbol,
                "subject": hit.subject,
                "issuer": hit.issuer,
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
        "took_ms": result.took_ms,
    }
