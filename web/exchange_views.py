"""Thin HTML views of liên thông: the clerk's arrivals (list, detail, "Vào sổ", "Trả lại", audited file
downloads), the outgoing document's status block polled by HTMX, and the administrators' dashboard."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.errors import ApplicationError, NotFound
from core.http import file_response
from documents.models import DocType, Urgency
from exchange import arrival_files, selectors, services
from exchange.models import InboxMessage, OutboxMessage
from orgs.models import User
from orgs.selectors import is_admin
from outgoing.states import Steering
from web.forms import DATE_ATTRS, DATE_ERRORS


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _arrival(request: HttpRequest, pk: int) -> InboxMessage:
    try:
        return selectors.arrival_get_for_user(_user(request), pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def arrival_row(m: InboxMessage) -> dict[str, Any]:
    """What the list and the page show of an arrival's header (dates as dates)."""
    h = m.header
    urgency = h.get("urgency") or "normal"
    return {
        "m": m,
        "pk": m.pk,
        "sender": h.get("sender", {}).get("name") or m.from_identifier,
        "sender_id": m.from_identifier,
        "number_symbol": h.get("number_symbol", ""),
        "issued_date": selectors.header_date(h.get("issued_date")),
        "due_date": selectors.header_date(h.get("due_date")),
        "type_name": h.get("type_name", ""),
        "subject": h.get("subject", ""),
        "signer": " ".join(p for p in (h.get("signer_position", ""), h.get("signer_name", "")) if p),
        "urgency": urgency,
        "urgency_label": Urgency(urgency).label if urgency in Urgency.values else urgency,
        "page_amount": h.get("page_amount"),
        "attachments": h.get("attachments", []),
        "steering_label": Steering(h["steering_type"]).label if h.get("steering_type") in (1, 2) else "",
        "replacement": m.business == 3,
        "state_label": selectors.ARRIVAL_STATE_LABELS.get(m.state, m.get_state_display()),
    }


@login_required
def arrival_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not selectors.may_see_arrivals(user):
        raise PermissionDenied("Chỉ văn thư và quản trị hệ thống xem được văn bản liên thông đến.")
    state = request.GET.get("state", "")
    qs = selectors.arrivals_visible_to(user)
    if state in selectors.ARRIVAL_STATE_LABELS:
        qs = qs.filter(state=state)
    else:
        state = ""
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "web/exchange_inbox.html",
        {
            "page": page,
            "rows": [arrival_row(m) for m in page.object_list],
            "state": state,
            "states": list(selectors.ARRIVAL_STATE_LABELS.items()),
            "query": f"state={state}" if state else "",
            "many_orgs": is_admin(user),
        },
    )


class ArrivalRegisterForm(forms.Form):
    """ "Vào sổ" of an arrival: what the clerk may correct; the rest comes from the signed package."""

    doc_type = forms.ChoiceField(label="Loại văn bản")
    subject = forms.CharField(
        label="Trích yếu nội dung",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Vui lòng nhập trích yếu."},
    )
    urgency = forms.ChoiceField(label="Độ khẩn", choices=Urgency.choices)
    due_date = forms.DateField(
        label="Hạn giải quyết",
        required=False,
        widget=forms.DateInput(format="%d/%m/%Y", attrs=DATE_ATTRS),
        error_messages=DATE_ERRORS,
    )

    def __init__(self, *args: Any, inbox: InboxMessage, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        profile = inbox.organization.profile if inbox.organization is not None else ""
        types = DocType.objects.filter(profile=profile, is_active=True).order_by("name")
        self.fields["doc_type"].choices = [(t.code, f"{t.name} ({t.code})") for t in types]  # type: ignore[attr-defined]
        self.fields["doc_type"].error_messages["invalid_choice"] = "Loại văn bản không hợp lệ."
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class ArrivalRejectForm(forms.Form):
    reason = forms.CharField(
        label="Lý do trả lại",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control", "maxlength": 1000}),
        error_messages={
            "required": "Vui lòng nhập lý do trả lại.",
            "max_length": "Lý do trả lại tối đa 1.000 ký tự.",
        },
    )


def _register_initial(inbox: InboxMessage) -> dict[str, Any]:
    h = inbox.header
    return {
        "doc_type": selectors.suggested_doc_type(inbox),
        "subject": h.get("subject", ""),
        "urgency": h.get("urgency") or "normal",
        "due_date": services.registration_due(selectors.header_date(h.get("due_date"))),
    }


def _detail(
    request: HttpRequest,
    inbox: InboxMessage,
    *,
    register_form: ArrivalRegisterForm | None = None,
    reject_form: ArrivalRejectForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    may_handle = selectors.may_handle_arrival(user, inbox)
    if may_handle and register_form is None:
        register_form = ArrivalRegisterForm(inbox=inbox, initial=_register_initial(inbox))
    row = arrival_row(inbox)
    return render(
        request,
        "web/exchange_arrival.html",
        {
            "a": row,
            "sig": arrival_files.signature_rows(inbox, row["attachments"]),
            "replies_to": selectors.replies_to(inbox),
            "inbox": inbox,
            "may_handle": may_handle,
            "register_form": register_form,
            "reject_form": reject_form or ArrivalRejectForm(),
            "reject_open": reject_form is not None,
        },
        status=status,
    )


@login_required
def arrival_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _arrival(request, pk))


@login_required
def arrival_signatures(request: HttpRequest, pk: int) -> HttpResponse:
    """The arrival's "Kiểm tra chữ ký số" block (the HTMX poll while the worker checks the files)."""
    inbox = _arrival(request, pk)
    sig = arrival_files.signature_rows(inbox, inbox.header.get("attachments", []))
    return render(request, "web/_arrival_signatures.html", {"inbox": inbox, "sig": sig})


def _form_errors(form: forms.Form, exc: ApplicationError) -> None:
    for field, text in exc.details.items():
        if field in form.fields and isinstance(text, str):
            form.add_error(field, text)
    form.add_error(None, exc.message)


def _refused(request: HttpRequest, inbox: InboxMessage, exc: ApplicationError, **shown: Any) -> HttpResponse:
    """The service refused: the form again with the reason, or — when the clerk may no longer act here
    (not a clerk of it, or another clerk handled it meanwhile) — the arrival's page with the message."""
    inbox.refresh_from_db()
    if not selectors.may_handle_arrival(_user(request), inbox):
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("web:exchange_arrival", args=[inbox.pk]))
    for form in shown.values():
        _form_errors(form, exc)
    return _detail(request, inbox, status=exc.status, **shown)


@login_required
@require_POST
def arrival_register(request: HttpRequest, pk: int) -> HttpResponse:
    inbox = _arrival(request, pk)
    form = ArrivalRegisterForm(request.POST, inbox=inbox)
    if not form.is_valid():
        return _detail(request, inbox, register_form=form, status=400)
    try:
        result = services.inbox_register(actor=_user(request), inbox=inbox, changes=dict(form.cleaned_data))
    except ApplicationError as exc:
        return _refused(request, inbox, exc, register_form=form)
    doc = result.document
    messages.success(request, f"Đã vào sổ: số đến {doc.arrival_number} — {doc.number_symbol}.")
    for warning in result.warnings:
        messages.warning(request, warning["message"])
    return HttpResponseRedirect(reverse("web:incoming_detail", args=[doc.pk]))


@login_required
@require_POST
def arrival_reject(request: HttpRequest, pk: int) -> HttpResponse:
    inbox = _arrival(request, pk)
    form = ArrivalRejectForm(request.POST)
    if not form.is_valid():
        return _detail(request, inbox, reject_form=form, status=400)
    try:
        services.inbox_reject(actor=_user(request), inbox=inbox, reason=form.cleaned_data["reason"])
    except ApplicationError as exc:
        return _refused(request, inbox, exc, reject_form=form)
    messages.success(request, "Đã trả lại văn bản cho nơi gửi; nơi gửi nhận được lý do trả lại.")
    return HttpResponseRedirect(reverse("web:exchange_arrival", args=[inbox.pk]))


@login_required
@require_GET
def arrival_file(request: HttpRequest, pk: int, content_id: str) -> HttpResponse:
    try:
        found = selectors.arrival_file_for_user(_user(request), pk, content_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return file_response(
        found.data,
        name=found.name,
        content_type=found.content_type,
        inline=request.GET.get("download") != "1",
        restricted=True,
    )


# --- the sender's status block on the outgoing document page -----------------------------------------


def deliveries_context(user: User, doc: Any) -> dict[str, Any]:
    rows = selectors.deliveries_for(doc.pk) if doc.issued_at is not None else []
    return {
        "exchange_rows": rows,
        "exchange_polling": any(not r.final for r in rows),
        "exchange_recipient_ids": {r.recipient_id for r in rows},
        "exchange_admin": bool(rows) and is_admin(user),
    }


@login_required
@require_GET
def outgoing_deliveries(request: HttpRequest, pk: int) -> HttpResponse:
    """The "Gửi liên thông" block alone: polled by HTMX every 3 s while a recipient's story goes on."""
    from web.outgoing_views import _doc

    doc = _doc(request, pk)
    return render(
        request, "web/_exchange_deliveries.html", {"doc": doc, **deliveries_context(_user(request), doc)}
    )


@login_required
@require_POST
def outbox_resend(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Gửi lại" a failed message (administrators only: 404 for others, as for a missing one)."""
    user = _user(request)
    if not is_admin(user):
        raise Http404()
    message = OutboxMessage.objects.filter(pk=pk).first()
    if message is None:
        raise Http404()
    try:
        services.resend(actor=user, message=message)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Đã đưa gói tin gửi {message.to_identifier} vào hàng đợi gửi lại.")
    if request.POST.get("next") == "dashboard" or message.outgoing_id is None:
        return HttpResponseRedirect(reverse("web:exchange_dashboard"))
    return HttpResponseRedirect(reverse("web:outgoing_detail", args=[message.outgoing_id]))


# --- the administrators' dashboard -------------------------------------------------------------------


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if not is_admin(_user(request)):
        raise PermissionDenied("Chỉ quản trị hệ thống xem được bảng theo dõi liên thông.")
    return render(request, "web/exchange_dashboard.html", {"stats": selectors.exchange_stats()})
