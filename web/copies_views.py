"""Thin HTML views for electronic copies: the "Tạo bản sao" form, the copy page, the copy register."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from copies import selectors, services
from copies.models import Copy, CopyForm
from core.errors import ApplicationError, NotFound
from core.http import file_response
from core.vn import sort_key
from documents.selectors import document_get_for_user
from orgs.models import Organization, User
from orgs.selectors import today
from reports import exports
from signing.selectors import signature_report_context

KINDS = ("outgoing", "incoming", "copy")
SOURCE_PAGES = {
    "outgoing": "web:outgoing_detail",
    "incoming": "web:incoming_detail",
    "copy": "web:copy_detail",
}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _get(request: HttpRequest, kind: str, pk: int) -> Any:
    if kind not in KINDS:
        raise Http404()
    try:
        return document_get_for_user(_user(request), kind, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class NewCopyForm(forms.Form):
    form = forms.ChoiceField(label="Hình thức sao", widget=forms.RadioSelect)
    pages = forms.CharField(
        label="Trang trích sao",
        required=False,
        max_length=200,
        help_text="Chỉ với trích sao, ví dụ: 1-3, 5.",
        widget=forms.TextInput(attrs={"placeholder": "1-3, 5", "inputmode": "numeric"}),
    )
    file = forms.ChoiceField(label="Tệp được sao", required=False)
    decided_by = forms.ChoiceField(
        label="Người quyết định sao", error_messages={"required": "Vui lòng chọn người quyết định sao."}
    )
    internal = forms.MultipleChoiceField(
        label="Nơi nhận trong hệ thống", required=False, widget=forms.SelectMultiple(attrs={"size": 5})
    )
    external = forms.CharField(
        label="Nơi nhận khác (mỗi dòng một nơi)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    secret = forms.CharField(
        label="Mật khẩu khóa ký của cơ quan",
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        error_messages={"required": "Vui lòng nhập mật khẩu khóa ký của cơ quan."},
    )

    def __init__(self, *args: Any, kind: str, source: Any, organization_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kind == "copy":
            forms_offered = [(CopyForm.SAO_LUC.value, CopyForm.SAO_LUC.label)]
        else:
            forms_offered = [(f.value, f.label) for f in (CopyForm.SAO_Y, CopyForm.TRICH_SAO)]
        field: Any = self.fields["form"]
        field.choices = forms_offered
        self.initial.setdefault("form", forms_offered[0][0])
        files = selectors.pdf_files(kind, source)
        if len(files) > 1:
            self.fields["file"].choices = [(str(f.pk), f.name) for f in files]  # type: ignore[attr-defined]
        else:
            del self.fields["file"]
        leaders = selectors.deciders(organization_id)
        self.fields["decided_by"].choices = [  # type: ignore[attr-defined]
            ("", "— chọn lãnh đạo —"),
            *[
                (str(u.pk), f"{u.display_name} — {u.position.name}" if u.position else u.display_name)
                for u in leaders
            ],
        ]
        others = Organization.objects.filter(uses_system=True, merged_into__isnull=True).exclude(
            pk=organization_id
        )
        self.fields["internal"].choices = [  # type: ignore[attr-defined]
            (str(o.pk), o.name) for o in sorted(others, key=lambda o: sort_key(o.name))
        ]
        for name, item in self.fields.items():
            if name == "form":
                continue
            css = (
                "form-select"
                if isinstance(item.widget, forms.Select | forms.SelectMultiple)
                else "form-control"
            )
            item.widget.attrs.setdefault("class", css)

    def request(self, kind: str, source: Any) -> services.CopyRequest:
        data = self.cleaned_data
        recipients: list[dict[str, Any]] = [{"organization_id": int(pk)} for pk in data["internal"]]
        recipients += [{"name": line} for line in _lines(data["external"])]
        return services.CopyRequest(
            source_kind=kind,
            source_id=source.pk,
            form=data["form"],
            decided_by_id=int(data["decided_by"]),
            pages=data["pages"] if data["form"] == CopyForm.TRICH_SAO else "",
            file_id=int(data["file"]) if data.get("file") else None,
            recipients=recipients,
        )


@login_required
def copy_new(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    user = _user(request)
    source = _get(request, kind, pk)
    if not selectors.may_copy_document(user, kind, source):
        messages.error(request, "Bạn không tạo được bản sao của văn bản này.")
        return HttpResponseRedirect(reverse(SOURCE_PAGES[kind], args=[source.pk]))
    organization_id = selectors.copying_organization_id(source)
    form = NewCopyForm(request.POST or None, kind=kind, source=source, organization_id=organization_id)
    if request.method == "POST" and form.is_valid():
        try:
            copy = services.copy_create(
                actor=user, data=form.request(kind, source), secret=form.cleaned_data["secret"]
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Đã tạo {copy.get_form_display().lower()} số {copy.number_symbol}.")
            return HttpResponseRedirect(reverse("web:copy_detail", args=[copy.pk]))
    return render(
        request,
        "web/copy_new.html",
        {
            "form": form,
            "kind": kind,
            "source": source,
            "source_url": reverse(SOURCE_PAGES[kind], args=[source.pk]),
        },
    )


@login_required
def copy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    copy: Copy = _get(request, "copy", pk)
    original_kind = "outgoing" if copy.source_outgoing_id else "incoming"
    original_id = copy.source_outgoing_id or copy.source_incoming_id
    try:  # link the original only for those who may open it
        document_get_for_user(user, original_kind, original_id or 0, need="view")
        original_url: str | None = reverse(SOURCE_PAGES[original_kind], args=[original_id])
    except NotFound:
        original_url = None
    return render(
        request,
        "web/copy_detail.html",
        {
            "copy": copy,
            "recipients": copy.recipients.select_related("incoming"),
            "original_url": original_url,
            "can_sao_luc": copy.form == CopyForm.SAO_Y and selectors.may_copy_document(user, "copy", copy),
            "derived": selectors.copy_visible_to(user).filter(source_copy=copy).order_by("number"),
            **signature_report_context([copy.file] if copy.file else []),
        },
    )


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("nam", "")
    return int(raw) if raw.isdecimal() and 2000 <= int(raw) <= 2100 else today().year


@login_required
def copy_register(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not selectors.may_see_register(user):
        raise Http404()
    year = _year(request)
    return render(
        request,
        "web/copy_register.html",
        {
            "rows": selectors.register_rows(user, year),
            "year": year,
            "years": range(today().year, today().year - 6, -1),
        },
    )


@login_required
def copy_register_export(request: HttpRequest) -> HttpResponse:
    try:
        export = exports.copy_register_export(
            _user(request), _year(request), fmt=request.GET.get("format", "pdf")
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("web:copy_register"))
    return file_response(
        export.data, name=export.name, content_type=export.content_type, inline=False, restricted=True
    )


def document_copies_context(user: User, kind: str, doc: Any) -> dict[str, Any]:
    """For the incoming and outgoing pages: whether "Tạo bản sao" is offered, and the copies made."""
    return {
        "copy_kind": kind,
        "can_copy": selectors.may_copy_document(user, kind, doc),
        "doc_copies": selectors.copies_of(user, kind, doc.pk),
    }
