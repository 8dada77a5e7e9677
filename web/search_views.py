"""The search page: one box over every document the user may see, filters, snippets, saved searches."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from archive.selectors import dossier_search_choices
from core.errors import ApplicationError
from core.http import file_response
from documents.models import DocType
from search import registry
from search.exports import export_results
from search.models import SavedSearch
from search.selectors import EXPORT_LIMIT, ORDER_CHOICES, RELEVANCE, Filters, search
from search.services import saved_search_create, saved_search_delete
from web.forms import DATE_ATTRS
from web.views import _parse_date, _user

PAGE_SIZE = 20


class _Pager:
    """What ``web/_pager.html`` reads, for a result whose total may be capped."""

    def __init__(self, number: int, num_pages: int) -> None:
        self.number = number
        self.paginator = self
        self.num_pages = num_pages

    def has_other_pages(self) -> bool:
        return self.num_pages > 1

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.num_pages

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


def _filters(request: HttpRequest, *, warn: bool) -> Filters:
    params = request.GET
    if warn:
        for key, label in (("from", "Từ ngày"), ("to", "Đến ngày")):
            if params.get(key) and _parse_date(params[key]) is None:
                messages.error(
                    request, f"{label} không hợp lệ (định dạng dd/mm/yyyy); bộ lọc này được bỏ qua."
                )
    kind = params.get("kind", "")
    dossier = params.get("dossier", "")
    return Filters(
        kind=kind if kind in registry.kinds() else "",
        doc_type=params.get("doc_type", "").strip(),
        issuer=params.get("issuer", "").strip(),
        status=params.get("status", "").strip(),
        date_from=_parse_date(params.get("from", "")),
        date_to=_parse_date(params.get("to", "")),
        dossier=int(dossier) if dossier.isascii() and dossier.isdecimal() and len(dossier) < 12 else None,
    )


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    params = request.GET
    filters = _filters(request, warn=True)
    try:
        number = max(1, min(int(params.get("page", "1")), 10_000))
    except ValueError:
        number = 1
    q = params.get("q", "")
    order = params.get("order", RELEVANCE)
    result = search(request.user, q, filters, page=number, page_size=PAGE_SIZE, order=order)
    query = params.copy()
    query.pop("page", None)
    statuses: dict[str, str] = {}
    for provider in registry.providers():
        if not filters.kind or provider.kind == filters.kind:
            for value, label in provider.statuses:
                statuses.setdefault(value, label)
    return render(
        request,
        "web/search.html",
        {
            "result": result,
            "page": _Pager(result.page, result.num_pages),
            "params": params,
            "query": query.urlencode(),
            "searched": bool(q.strip()) or filters.any,
            "kinds": [(p.kind, p.label) for p in registry.providers()],
            "statuses": sorted(statuses.items(), key=lambda item: item[1]),
            "doc_types": DocType.objects.filter(is_active=True)
            .order_by("name")
            .values("code", "name")
            .distinct(),
            "dossiers": dossier_search_choices(_user(request)),
            "orders": ORDER_CHOICES,
            "export_limit": EXPORT_LIMIT,
            "date_attrs": DATE_ATTRS,
            "saved": SavedSearch.objects.filter(owner_id=request.user.pk),
        },
    )


@login_required
def search_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Every result the user may see (up to ``EXPORT_LIMIT``) as .docx or .pdf; audited."""
    params = request.GET
    try:
        export = export_results(
            request.user,
            params.get("q", ""),
            _filters(request, warn=False),
            order=params.get("order", RELEVANCE),
            fmt=fmt,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("web:search") + "?" + params.urlencode())
    return file_response(
        export.data, name=export.name, content_type=export.content_type, inline=False, restricted=True
    )


@login_required
@require_POST
def saved_search_save(request: HttpRequest) -> HttpResponse:
    query = request.POST.get("query", "")
    try:
        saved_search_create(owner=request.user, name=request.POST.get("name", ""), query=query)
        messages.success(request, "Đã lưu tìm kiếm.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(reverse("web:search") + "?" + query)


@login_required
@require_POST
def saved_search_remove(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        saved_search_delete(owner=request.user, pk=pk)
        messages.success(request, "Đã xóa tìm kiếm đã lưu.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(reverse("web:search"))
