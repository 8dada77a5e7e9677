"""Saved searches: a user keeps a named search (the query string of the search page)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.db import transaction

from core.errors import InvalidInput, NotFound
from search.models import SavedSearch

KEYS = ("q", "kind", "doc_type", "issuer", "status", "from", "to", "dossier", "order")
MAX_PER_USER = 50


def clean_query(query: str) -> str:
    """Only the search parameters, in a fixed order (no page, no foreign keys)."""
    pairs = dict(parse_qsl(query, keep_blank_values=False))
    return urlencode([(k, pairs[k][:200]) for k in KEYS if pairs.get(k)])


def saved_search_create(*, owner: Any, name: str, query: str) -> SavedSearch:
    name = " ".join(name.split())[:100]
    query = clean_query(query)
    if not name:
        raise InvalidInput("Vui lòng đặt tên cho tìm kiếm.", details={"name": "bắt buộc"})
    if not query:
        raise InvalidInput("Chưa có điều kiện tìm kiếm để lưu.", details={"query": "trống"})
    with transaction.atomic():
        if SavedSearch.objects.filter(owner=owner).count() >= MAX_PER_USER:
            raise InvalidInput(f"Mỗi người lưu tối đa {MAX_PER_USER} tìm kiếm.", code="too_many")
        saved, _ = SavedSearch.objects.update_or_create(owner=owner, name=name, defaults={"query": query})
    return saved


def saved_search_delete(*, owner: Any, pk: int) -> None:
    deleted, _ = SavedSearch.objects.filter(owner=owner, pk=pk).delete()
    if not deleted:
        raise NotFound("Không tìm thấy tìm kiếm đã lưu.")
