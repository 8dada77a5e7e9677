from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet

from core.errors import InvalidInput


def parse_date(value: str | None, field: str, *, required: bool = False) -> date | None:
    if value is None or value == "":
        if required:
            raise InvalidInput(f"Thiếu trường bắt buộc: {field}.", details={field: "bắt buộc"})
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(
            f"Ngày không hợp lệ ở trường {field} (định dạng YYYY-MM-DD).", details={field: value}
        ) from exc


def paginate(qs: QuerySet[Any] | list[Any], page: int, page_size: int) -> tuple[list[Any], int]:
    page = min(max(page, 1), 1_000_000)
    page_size = min(max(page_size, 1), 200)
    total = qs.count() if isinstance(qs, QuerySet) else len(qs)
    start = (page - 1) * page_size
    return list(qs[start : start + page_size]), total


def iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def optional_json(request: Any) -> dict[str, Any]:
    """The JSON object of an action's request, or {} when the client sent no body (POST /…/submit)."""
    import json

    from core.errors import InvalidInput

    if not (request.content_type or "").startswith("application/json") or not request.body:
        return {}
    try:
        data = json.loads(request.body)
    except ValueError as exc:
        raise InvalidInput("Nội dung JSON không hợp lệ.") from exc
    if not isinstance(data, dict):
        raise InvalidInput("Nội dung phải là một đối tượng JSON.")
    return data
