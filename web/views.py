"""Thin HTML views: parse input, call a selector or a service, render. No business rules here."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, NotFound
from core.files import open_blob
from core.http import file_response
from core.vn import sort_key
from documents.models import Urgency
from documents.selectors import attachment_get_for_user, document_get_for_user
from incoming import selectors, services
from incoming.models import IncomingDocument
from incoming.permissions import heads_units, orgs_with_roles
from incoming.states import AssignmentRole, Status
from notifications.models import Notification
from orgs.models import Organization, Role, Unit, User
from orgs.selectors import working_lineage_ids
from outgoing import selectors as outgoing_selectors
from reports import exports as register_exports
from signing.selectors import signature_report_context
from web.archive_views import document_dossiers_context
from web.copies_views import document_copies_context
from web.forms import DATE_ATTRS, EditForm, LoginForm, RegistrationForm


class Login(LoginView):
    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _doc(request: HttpRequest, pk: int) -> IncomingDocument:
    try:
        doc: IncomingDocument = document_get_for_user(_user(request), "incoming", pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return doc


@login_required
def home(request: HttpRequest) -> HttpResponse:
    sections = selectors.queue(_user(request))
    titles = {
        "to_submit": "Văn bản chờ trình (văn thư)",
        "to_distribute": "Văn bản chờ phân phối",
        "to_forward": "Văn bản giao cho đơn vị, chờ chuyển chuyên viên",
        "to_process": "Văn bản tôi đang xử lý",
    }
    blocks = [
        {"key": key, "title": titles[key], "docs": list(qs[:50]), "total": qs.count()}
        for key, qs in sections.items()
    ]
    from signing.remote import pending_for

    return render(
        request, "web/home.html", {"blocks": blocks, "remote_requests": pending_for(_user(request))}
    )


def _parse_date(value: str) -> date | None:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


@login_required
def incoming_list(request: HttpRequest) -> HttpResponse:
    params = request.GET
    bad_dates = [
        label
        for key, label in (("from", "Từ ngày"), ("to", "Đến ngày"))
        if params.get(key) and _parse_date(params[key]) is None
    ]
    for label in bad_dates:
        messages.error(request, f"{label} không hợp lệ (định dạng dd/mm/yyyy); bộ lọc này được bỏ qua.")
    qs = selectors.incoming_list(
        _user(request),
        status=params.get("status") or None,
        q=params.get("q") or None,
        mine=params.get("mine") == "1",
        overdue=params.get("overdue") == "1",
        date_from=_parse_date(params.get("from", "")),
        date_to=_parse_date(params.get("to", "")),
        doc_type=params.get("doc_type") or None,
        urgency=params.get("urgency") or None,
        issuer=params.get("issuer") or None,
        number_symbol=params.get("number_symbol") or None,
    )
    page = Paginator(qs, 30).get_page(params.get("page"))
    query = params.copy()
    query.pop("page", None)
    from documents.models import DocType

    return render(
        request,
        "web/incoming_list.html",
        {
            "page": page,
            "params": params,
            "query": query.urlencode(),
            "statuses": Status.choices,
            "urgencies": Urgency.choices,
            "doc_types": DocType.objects.filter(is_active=True).order_by("name"),
            "date_attrs": DATE_ATTRS,
        },
    )


@login_required
def incoming_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    organization = user.organization
    if organization is None or organization.pk not in orgs_with_roles(user, {Role.CLERK}):
        messages.error(request, "Chỉ văn thư mới vào sổ văn bản đến.")
        return HttpResponseRedirect(reverse("web:home"))
    form = RegistrationForm(request.POST or None, request.FILES or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        uploads = [(f.name, f.read()) for f in data["files"]]
        try:
            result = services.incoming_register(
                actor=user,
                organization=organization,
                uploads=uploads,
                data=form.registration(),
            )
        except ApplicationError as exc:
            for field, text in exc.details.items():
                if field in form.fields and isinstance(text, str):
                    form.add_error(field, text)
            form.add_error(None, exc.message)
        else:
            doc = result.document
            messages.success(request, f"Đã vào sổ: số đến {doc.arrival_number} — {doc.number_symbol}.")
            for warning in result.warnings:
                messages.warning(request, warning["message"])
            if request.POST.get("next") == "again":
                return HttpResponseRedirect(reverse("web:incoming_new"))
            return HttpResponseRedirect(reverse("web:incoming_detail", args=[doc.pk]))
    issuers = sorted(
        Organization.objects.filter(merged_into__isnull=True).values_list("name", flat=True), key=sort_key
    )
    return render(request, "web/incoming_new.html", {"form": form, "issuers": issuers})


@login_required
def incoming_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    doc = _doc(request, pk)
    if "update" not in selectors.available_actions(user, doc):
        messages.error(request, "Chỉ văn thư sửa được thông tin khi văn bản chưa được phân phối.")
        return HttpResponseRedirect(reverse("web:incoming_detail", args=[doc.pk]))
    initial = {field: getattr(doc, field) for field in services.EDITABLE} | {"doc_type": doc.doc_type.code}
    form = EditForm(
        request.POST or None, request.FILES or None, organization=doc.organization, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {field: data[field] for field in [*services.EDITABLE, "doc_type"] if field in data}
        changes["description"] = changes.get("description") or ""
        try:
            services.incoming_update(
                actor=user, document=doc, changes=changes, uploads=[(f.name, f.read()) for f in data["files"]]
            )
        except ApplicationError as exc:
            for field, text in exc.details.items():
                if field in form.fields and isinstance(text, str):
                    form.add_error(field, text)
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Đã lưu thông tin sửa.")
            return HttpResponseRedirect(reverse("web:incoming_detail", args=[doc.pk]))
    return render(request, "web/incoming_edit.html", {"form": form, "doc": doc})


@login_required
def duplicate_check(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    orgs = orgs_with_roles(user, {Role.CLERK})
    ids = (
        selectors.possible_duplicates(
            orgs,
            issuer_name=request.GET.get("issuer_name", ""),
            number_symbol=request.GET.get("number_symbol", ""),
            sha256s=[],
        )
        if orgs
        else []
    )
    docs = selectors.incoming_visible_to(user).filter(pk__in=ids)[:5]
    return render(request, "web/_duplicates.html", {"docs": docs})


@login_required
def incoming_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    doc = _doc(request, pk)
    actions = selectors.available_actions(user, doc)
    org_ids = working_lineage_ids(doc.organization_id)
    units = sorted(
        Unit.objects.filter(organization_id__in=org_ids, is_active=True), key=lambda u: sort_key(u.name)
    )
    people = sorted(
        User.objects.filter(organization_id__in=org_ids, is_active=True).select_related("unit"),
        key=lambda u: sort_key(u.display_name.split()[-1]),
    )
    headed = heads_units(user)
    unit_people = [p for p in people if p.unit_id in headed and p.pk != user.pk]
    files = list(selectors.files(doc))
    return render(
        request,
        "web/incoming_detail.html",
        {
            "doc": doc,
            "actions": actions,
            "files": files,
            "main_file": files[0] if files else None,
            "assignments": selectors.assignments(doc),
            "events": selectors.history(doc),
            "units": units,
            "people": people,
            "unit_people": unit_people,
            "roles": AssignmentRole.choices,
            "deadline_state": selectors.deadline_state(doc),
            "date_attrs": DATE_ATTRS,
            # issued outgoing replies (lazy: queried only where the page offers completion)
            "issued_replies": outgoing_selectors.issued_replies(user, doc.pk),
            **signature_report_context(files),
            **document_copies_context(user, "incoming", doc),
            **document_dossiers_context(user, "incoming", doc),
        },
    )


def _post_dates(request: HttpRequest, key: str) -> date | None:
    value = request.POST.get(key, "").strip()
    if not value:
        return None
    parsed = _parse_date(value)
    if parsed is None:
        from core.errors import InvalidInput

        raise InvalidInput(f"Ngày không hợp lệ: “{value}” (định dạng dd/mm/yyyy).")
    return parsed


MAX_ASSIGNMENT_ROWS = 50


def _id(value: str) -> int | None:
    """A positive database id from form input, or None ("²".isdigit() is true, so check ASCII digits)."""
    value = value.strip()
    return int(value) if value.isascii() and value.isdecimal() and len(value) < 19 else None


def _assignment_rows(request: HttpRequest) -> list[services.AssignmentInput]:
    rows = []
    count = min(_id(request.POST.get("rows", "0")) or 0, MAX_ASSIGNMENT_ROWS)
    for index in range(count):
        target = request.POST.get(f"target_{index}", "")
        role = request.POST.get(f"role_{index}", "")
        if not target or not role:
            continue
        kind, _, raw_id = target.partition(":")
        target_id = _id(raw_id)
        if target_id is None:
            continue
        rows.append(
            services.AssignmentInput(
                role=role,
                unit_id=target_id if kind == "unit" else None,
                person_id=target_id if kind == "person" else None,
                deadline=_post_dates(request, f"deadline_{index}"),
            )
        )
    return rows


@login_required
@require_POST
def incoming_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = _user(request)
    doc = _doc(request, pk)
    post = request.POST
    done = {
        "submit": "Đã trình văn bản cho lãnh đạo.",
        "assign": "Đã phân phối văn bản.",
        "forward": "Đã chuyển văn bản cho chuyên viên.",
        "note": "Đã ghi ý kiến xử lý.",
        "acknowledge": "Đã đánh dấu hoàn thành phần việc của bạn.",
        "complete": "Đã hoàn thành xử lý văn bản.",
        "return": "Đã trả lại văn bản.",
    }
    try:
        if action == "submit":
            services.incoming_submit(actor=user, document=doc, note=post.get("note", ""))
        elif action == "assign":
            services.incoming_assign(
                actor=user,
                document=doc,
                items=_assignment_rows(request),
                instruction=post.get("instruction", ""),
            )
        elif action == "forward":
            services.incoming_forward(
                actor=user,
                document=doc,
                person_ids=[i for i in (_id(v) for v in post.getlist("person_ids")) if i is not None],
                deadline=_post_dates(request, "deadline"),
                instruction=post.get("instruction", ""),
            )
        elif action == "note":
            services.incoming_add_note(actor=user, document=doc, note=post.get("note", ""))
        elif action == "acknowledge":
            services.incoming_acknowledge(actor=user, document=doc, note=post.get("note", ""))
        elif action == "complete" and post.get("result_document_id", "").isdecimal():
            from outgoing.services import complete_incoming_with_reply

            reply = document_get_for_user(user, "outgoing", int(post["result_document_id"]))
            complete_incoming_with_reply(actor=user, incoming=doc, reply=reply, note=post.get("note", ""))
        elif action == "complete":
            services.incoming_complete(
                actor=user,
                document=doc,
                note=post.get("note", ""),
                reply_number_symbol=post.get("reply_number_symbol", ""),
            )
        elif action == "return":
            services.incoming_return(actor=user, document=doc, reason=post.get("reason", ""))
        else:
            raise Http404()
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done[action])
    if action in {"submit", "assign", "forward", "complete"} and "web:home" in post.get("next", ""):
        return HttpResponseRedirect(reverse("web:home"))
    return HttpResponseRedirect(reverse("web:incoming_detail", args=[doc.pk]))


@xframe_options_sameorigin
@login_required
def file_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        attachment, owner = attachment_get_for_user(_user(request), pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return file_response(
        open_blob(attachment.stored),
        name=attachment.name,
        content_type=attachment.stored.content_type,
        inline=request.GET.get("download") != "1",
        restricted=getattr(owner, "is_restricted", True),
    )


@login_required
def file_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The file "for printing": every page marked with who printed it and when (the stored file unchanged)."""
    from reports.printmark import printed_copy

    try:
        copy = printed_copy(_user(request), pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(request.headers.get("Referer") or reverse("web:home"))
    return file_response(
        copy.data, name=copy.name, content_type="application/pdf", restricted=copy.restricted
    )


class _CountedPaginator(Paginator):
    """A paginator told its count (the board counts its rows with its figures): no COUNT query."""

    def __init__(self, object_list: Any, per_page: int, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


@login_required
def overdue(request: HttpRequest) -> HttpResponse:
    params = request.GET
    state = params.get("state", "")
    if state not in selectors.BOARD_STATES:
        state = ""
    unit_id = _id(params.get("unit", ""))
    person_id = _id(params.get("person", ""))
    board = selectors.overdue_board(_user(request), state=state, unit_id=unit_id, person_id=person_id)
    page = _CountedPaginator(board.rows, selectors.BOARD_PAGE_SIZE, board.rows_total).get_page(
        params.get("page")
    )
    filters = {"unit": unit_id, "person": person_id}
    return render(
        request,
        "web/overdue.html",
        {
            "board": board,
            "page": page,
            "state": state,
            "unit_id": unit_id,
            "person_id": person_id,
            "unit_listed": unit_id is None or any(u.pk == unit_id for u in board.by_unit),
            "person_listed": person_id is None or any(p.pk == person_id for p in board.by_person),
            "filtered": unit_id is not None or person_id is not None,
            # the pager keeps every filter; the state tabs keep unit and person
            "query": urlencode({k: v for k, v in {**filters, "state": state}.items() if v}),
            "tab_query": urlencode({k: v for k, v in filters.items() if v}),
        },
    )


@login_required
def registers(request: HttpRequest) -> HttpResponse:
    from orgs.selectors import today

    year = today().year
    rows = [
        {"register": r, "last_number": register_exports.last_number_visible(_user(request), r, year)}
        for r in register_exports.registers_for(_user(request))
    ]
    return render(request, "web/registers.html", {"rows": rows, "year": year, "date_attrs": DATE_ATTRS})


@login_required
def register_export(request: HttpRequest, pk: int) -> HttpResponse:
    for key, label in (("from", "Từ ngày"), ("to", "Đến ngày")):
        if request.GET.get(key) and _parse_date(request.GET[key]) is None:
            messages.error(request, f"{label} không hợp lệ (định dạng dd/mm/yyyy).")
            return HttpResponseRedirect(reverse("web:registers"))
    try:
        export = register_exports.register_export(
            _user(request),
            pk,
            fmt=request.GET.get("format", "pdf"),
            kind=request.GET.get("kind", ""),
            date_from=_parse_date(request.GET.get("from", "")),
            date_to=_parse_date(request.GET.get("to", "")),
        )
        return file_response(
            export.data, name=export.name, content_type=export.content_type, inline=False, restricted=True
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("web:registers"))


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    items = list(Notification.objects.filter(user=_user(request))[:100])
    Notification.objects.filter(user=_user(request), read_at__isnull=True).update(read_at=timezone.now())
    return render(request, "web/notifications.html", {"items": items})
