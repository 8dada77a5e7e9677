"""Thin HTML views for outgoing documents: parse, call a selector or a service, render."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, NotFound
from core.vn import sort_key
from documents.models import DocType, Urgency
from documents.selectors import document_get_for_user
from orgs.models import Organization, Role, Secrecy, User
from orgs.selectors import people_with_roles
from outgoing import after_issue, annexes, selectors, services, signatures
from outgoing.drafting.rules import CORE_TYPES, LETTER_TYPES
from outgoing.models import OutgoingDocument, Version
from outgoing.permissions import may_approve_step, may_change_after_issue, may_issue, may_recall
from outgoing.states import RenditionStatus, SignerCapacity, Status, Steering
from signing.selectors import signature_report_context
from web.archive_views import document_dossiers_context
from web.copies_views import document_copies_context
from web.forms import DATE_ATTRS, DATE_ERRORS


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _doc(request: HttpRequest, pk: int, need: str = "view") -> OutgoingDocument:
    try:
        doc: OutgoingDocument = document_get_for_user(_user(request), "outgoing", pk, need=need)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return doc


SOURCES = [("template", "Soạn theo mẫu"), ("upload", "Tải tệp của tôi (.docx/.pdf)")]
SIGNER_ROLES: set[str] = {Role.COMMITTEE_LEADER, Role.OFFICE_LEADER}


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.RadioSelect | forms.HiddenInput):
            continue
        css = (
            "form-select" if isinstance(field.widget, forms.Select | forms.SelectMultiple) else "form-control"
        )
        field.widget.attrs.setdefault("class", css)


def _signer_label(user: User) -> str:
    return f"{user.display_name} — {user.position.name}" if user.position else user.display_name


class DraftForm(forms.Form):
    """Step 2 of "Dự thảo mới": the form of one document type, drafted from its template or uploaded."""

    doc_type = forms.ChoiceField(
        label="Loại văn bản",
        widget=forms.HiddenInput,
        error_messages={
            "required": "Vui lòng chọn loại văn bản.",
            "invalid_choice": "Loại văn bản không hợp lệ.",
        },
    )
    source = forms.ChoiceField(
        label="Cách soạn", choices=SOURCES, required=False, initial="template", widget=forms.RadioSelect
    )
    subject = forms.CharField(
        label="Trích yếu",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Vui lòng nhập trích yếu."},
    )
    addressees = forms.CharField(
        label="Kính gửi (mỗi dòng một nơi)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    content = forms.CharField(
        label="Nội dung",
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Mỗi dòng là một đoạn văn; số, ngày tháng để trống — văn thư cấp khi phát hành.",
    )
    file = forms.FileField(
        label="Tệp dự thảo (.docx hoặc .pdf)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".docx,.pdf"}),
    )
    signer = forms.ChoiceField(label="Người ký", required=False)
    signer_capacity = forms.ChoiceField(label="Thẩm quyền ký", choices=SignerCapacity.choices)
    urgency = forms.ChoiceField(label="Độ khẩn", choices=Urgency.choices)
    secrecy = forms.ChoiceField(label="Độ mật", choices=Secrecy.choices)
    response_due = forms.DateField(
        label="Hạn xử lý đề nghị nơi nhận",
        required=False,
        widget=forms.DateInput(format="%d/%m/%Y", attrs=DATE_ATTRS),
        error_messages=DATE_ERRORS,
        help_text="Ngày nơi nhận cần trả lời, báo cáo (nếu có); gửi liên thông kèm văn bản.",
    )
    steering = forms.TypedChoiceField(
        label="Tính chất chỉ đạo",
        choices=Steering.choices,
        coerce=int,
        initial=Steering.NONE,
        required=False,
        empty_value=int(Steering.NONE),  # type: ignore[arg-type]  # (a form without the field: none)
    )
    internal = forms.MultipleChoiceField(
        label="Nơi nhận trong hệ thống", required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    external = forms.CharField(
        label="Nơi nhận khác (mỗi dòng một nơi)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self, *args: object, organization: Organization, letter: bool = False, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        types = DocType.objects.filter(profile=organization.profile, is_active=True).order_by("name")
        self.fields["doc_type"].choices = [(t.code, t.name) for t in types]  # type: ignore[attr-defined]
        if not letter:
            del self.fields["addressees"]
        signers = people_with_roles(SIGNER_ROLES, {organization.pk}).filter(organization=organization)
        ordered = sorted(
            signers.select_related("position"),
            key=lambda u: (u.position.rank if u.position else 999, sort_key(u.display_name)),
        )
        self.fields["signer"].choices = [  # type: ignore[attr-defined]
            ("", "— chưa chọn (người ký duyệt ở bước cuối) —"),
            *[(str(u.pk), _signer_label(u)) for u in ordered],
        ]
        others = Organization.objects.filter(uses_system=True, merged_into__isnull=True).exclude(
            pk=organization.pk
        )
        self.fields["internal"].choices = [  # type: ignore[attr-defined]
            (str(o.pk), o.name) for o in sorted(others, key=lambda o: sort_key(o.name))
        ]
        _style(self)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        mode = data.get("source") or ("upload" if data.get("file") else "template")
        data["source"] = mode
        if mode == "upload" and not data.get("file"):
            self.add_error("file", "Vui lòng chọn tệp dự thảo.")
        if mode == "template" and not str(data.get("content") or "").strip():
            self.add_error("content", "Vui lòng nhập nội dung văn bản.")
        return data

    def draft(self) -> services.Draft:
        data = self.cleaned_data
        recipients: list[dict[str, object]] = [{"organization_id": int(pk)} for pk in data["internal"]]
        recipients += [{"name": line} for line in _lines(data["external"])]
        fields: dict[str, object] | None = None
        if data["source"] == "template":
            fields = {"content": data["content"]}
            if _lines(data.get("addressees") or ""):
                fields["addressees"] = _lines(data["addressees"])
        return services.Draft(
            doc_type=data["doc_type"],
            subject=data["subject"],
            urgency=data["urgency"],
            secrecy=data["secrecy"],
            signer_id=int(data["signer"]) if data["signer"] else None,
            signer_capacity=data["signer_capacity"],
            recipients=recipients,
            fields=fields,
            response_due=data.get("response_due"),
            steering=data["steering"],
        )


class FieldsForm(forms.Form):
    """ "Sửa nội dung": the template fields of the latest version, edited into a new version."""

    addressees = forms.CharField(
        label="Kính gửi (mỗi dòng một nơi)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    content = forms.CharField(
        label="Nội dung",
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text="Mỗi dòng là một đoạn văn.",
        error_messages={"required": "Vui lòng nhập nội dung văn bản."},
    )
    note = forms.CharField(
        label="Ghi chú phiên bản",
        required=False,
        max_length=500,
        help_text="Ví dụ: tiếp thu ý kiến góp ý. Để trống: “Dự thảo lần N”.",
    )

    def __init__(self, *args: object, letter: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not letter:
            del self.fields["addressees"]
        _style(self)

    def fields_from(self, previous: dict[str, object]) -> dict[str, object]:
        """The previous fields (an office template's own variables too) with the edited text."""
        data = self.cleaned_data
        fields = {**previous, "content": data["content"]}
        if "addressees" in self.fields:
            fields["addressees"] = _lines(data["addressees"])
        return fields


AFTER_ISSUE_DIALOGS = [
    (
        "replace",
        "Thay thế văn bản",
        "Văn bản có sai sót về nội dung: tạo dự thảo văn bản cùng hình thức để thay thế (sao lại tệp đã "
        "phát hành làm phiên bản 1). Khi văn bản thay thế được phát hành, văn bản này chuyển sang "
        "“Đã bị thay thế” và các nơi nhận trong hệ thống được báo.",
        "Tạo dự thảo thay thế",
    ),
    (
        "correct",
        "Đính chính văn bản",
        "Văn bản có sai sót về thể thức, kỹ thuật trình bày hoặc thủ tục ban hành: tạo dự thảo công văn "
        "đính chính. Khi công văn được phát hành, các nơi nhận trong hệ thống được báo.",
        "Tạo dự thảo đính chính",
    ),
]


@login_required
def outgoing_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    docs = selectors.outgoing_list(
        user,
        status=request.GET.get("status") or None,
        q=request.GET.get("q") or None,
        mine=request.GET.get("mine") == "1",
    )[:100]
    return render(
        request,
        "web/outgoing_list.html",
        {
            "docs": docs,
            "statuses": Status.choices,
            "params": request.GET,
            "awaiting": selectors.awaiting_approval(user),
            "awaiting_review": selectors.awaiting_review(user),
            "to_issue": list(selectors.to_issue(user)[:50]),
        },
    )


def type_groups(organization: Organization) -> tuple[list[DocType], list[DocType]]:
    """Step 1 of "Dự thảo mới": the profile's active types, the main ones first in their usual order."""
    types = list(DocType.objects.filter(profile=organization.profile, is_active=True))
    order = {code: i for i, code in enumerate(CORE_TYPES)}
    main = sorted((t for t in types if t.code in order), key=lambda t: order[t.code])
    others = sorted((t for t in types if t.code not in order), key=lambda t: sort_key(t.name))
    return main, others


@login_required
def outgoing_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    organization = user.organization
    if organization is None:
        raise Http404()
    code = request.POST.get("doc_type") if request.method == "POST" else request.GET.get("loai")
    doc_type = (
        DocType.objects.filter(profile=organization.profile, is_active=True, code=code).first()
        if code
        else None
    )
    reply_to = _reply_to(request)
    if doc_type is None and request.method != "POST":
        main, others = type_groups(organization)
        return render(
            request, "web/outgoing_new_type.html", {"main": main, "others": others, "reply_to": reply_to}
        )
    letter = doc_type is not None and doc_type.code in LETTER_TYPES
    form = DraftForm(
        request.POST or None,
        request.FILES or None,
        organization=organization,
        letter=letter,
        initial={"doc_type": code, "signer_capacity": SignerCapacity.ON_BEHALF},
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"] if form.cleaned_data["source"] == "upload" else None
        data = form.draft()
        data.reply_to_id = reply_to.pk if reply_to is not None else None
        try:
            doc = services.outgoing_create(
                actor=user,
                data=data,
                upload=(upload.name, upload.read()) if upload is not None else None,
            )
        except ApplicationError as exc:
            for name, text in exc.details.items():  # the field the service refused, beside it
                if name in form.fields and isinstance(text, str):
                    form.add_error(name, text)
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Đã tạo dự thảo.")
            return HttpResponseRedirect(reverse("web:outgoing_detail", args=[doc.pk]))
    return render(
        request,
        "web/outgoing_new.html",
        {"form": form, "doc_type": doc_type, "letter": letter, "reply_to": reply_to},
    )


def _reply_to(request: HttpRequest) -> Any:
    """The incoming document a draft answers (?tra_loi=<id>), through the door: 404 if not visible."""
    raw = request.POST.get("tra_loi") or request.GET.get("tra_loi") or ""
    if not raw:
        return None
    if not raw.isdecimal():
        raise Http404()
    try:
        return document_get_for_user(_user(request), "incoming", int(raw))
    except NotFound as exc:
        raise Http404(exc.message) from exc


def viewer_context(user: User, doc: OutgoingDocument, latest: Version | None) -> dict[str, object]:
    """What the document page shows in its viewer: the issued PDF, or the latest version's rendition."""
    finalizing = doc.status == Status.ISSUED and doc.issued_file_id is None
    rendering = latest is not None and latest.pdf_status == RenditionStatus.PENDING
    if doc.issued_file_id:
        pdf_id: int | None = doc.issued_file_id
    elif latest is not None and latest.pdf_status == RenditionStatus.READY:
        pdf_id = latest.pdf_id
    else:
        pdf_id = None
    can_finalize = finalizing and may_issue(user, doc)
    seal_secret = can_finalize and signatures.needs_seal_secret(doc)
    return {
        "doc": doc,
        "latest": latest,
        "finalizing": finalizing,
        "can_finalize": can_finalize,
        "seal_secret": seal_secret,
        # a signed document to seal waits for the clerk's password: no polling over the password field
        "pending": (finalizing and not seal_secret) or (rendering and not doc.issued_file_id),
        "pdf_id": pdf_id,
    }


@login_required
def outgoing_viewer(request: HttpRequest, pk: int) -> HttpResponse:
    """The viewer alone: polled by HTMX every 2 s while the PDF is being made."""
    user = _user(request)
    doc = _doc(request, pk)
    latest = doc.versions.select_related("attachment__stored").order_by("-number").first()
    return render(request, "web/_outgoing_viewer.html", viewer_context(user, doc, latest))


@login_required
def outgoing_edit_fields(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Sửa nội dung" of a draft made from a template: a new version rendered from the edited fields."""
    user = _user(request)
    doc = _doc(request, pk)
    latest = doc.versions.order_by("-number").first()
    if latest is None or latest.fields is None:
        messages.error(request, "Dự thảo này không soạn theo mẫu: hãy tải lên tệp phiên bản mới.")
        return HttpResponseRedirect(reverse("web:outgoing_detail", args=[doc.pk]))
    letter = doc.doc_type.code in LETTER_TYPES
    previous = latest.fields
    initial = {
        "content": previous.get("content", ""),
        "addressees": "\n".join(previous.get("addressees") or []),
    }
    form = FieldsForm(request.POST or None, letter=letter, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.outgoing_add_version(
                actor=user, document=doc, fields=form.fields_from(previous), note=form.cleaned_data["note"]
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Đã tạo phiên bản {version.number}; bản PDF sẽ có sau giây lát.")
            return HttpResponseRedirect(reverse("web:outgoing_detail", args=[doc.pk]))
    return render(
        request,
        "web/outgoing_edit_fields.html",
        {"doc": doc, "form": form, "next_number": latest.number + 1},
    )


def detail_context(user: User, doc: OutgoingDocument) -> dict[str, object]:
    step = selectors.current_step(doc) if doc.status == Status.PENDING_APPROVAL else None
    versions = list(doc.versions.select_related("attachment__stored", "created_by").order_by("-number"))
    latest = versions[0] if versions else None
    return {
        **viewer_context(user, doc, latest),
        "versions": versions,
        "approvals": doc.approvals.select_related("approver", "version"),
        "recipients": doc.recipients.select_related("incoming"),
        "can_edit": doc.status == Status.DRAFT and doc.drafter_id == user.pk,
        "can_decide": step is not None and may_approve_step(user, doc, step),
        "step": step,
        "can_issue": doc.status == Status.APPROVED and may_issue(user, doc),
        "can_recall": doc.status == Status.ISSUED and may_recall(user, doc),
        "can_change": doc.status == Status.ISSUED and may_change_after_issue(user, doc),
        "after_issue_dialogs": AFTER_ISSUE_DIALOGS,
        "corrections": doc.corrections.exclude(issued_at__isnull=True).order_by("issued_at", "id"),
        "annexes": doc.annexes.select_related("attachment"),
        **_signing_context(user, doc, step, latest),
        # the verdict on the signed and the issued PDF, as for any received PDF
        **signature_report_context([f for f in (doc.issued_file, doc.signed_file) if f is not None]),
        **document_copies_context(user, "outgoing", doc),
        **document_dossiers_context(user, "outgoing", doc),
    }


def _signing_context(
    user: User, doc: OutgoingDocument, step: Any, latest: Version | None
) -> dict[str, object]:
    """ "Ký số" for the signer who has a certificate; the seal password for the clerk; who signed."""
    from outgoing.token_signing import token_certificates

    signer_step = step is not None and step.is_signer and may_approve_step(user, doc, step)
    certificates = list(signatures.server_key_certificates(user)) if signer_step else []
    return {
        "sign_certificates": certificates,
        "token_certificates": list(token_certificates(user)) if signer_step else [],
        "sign_version": latest,
        "issue_seal_secret": doc.status == Status.APPROVED
        and may_issue(user, doc)
        and signatures.needs_seal_secret(doc),
        "signature_events": signatures.signature_events(doc),
    }


@login_required
def outgoing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from web.outgoing_review_views import review_context

    user = _user(request)
    doc = _doc(request, pk)
    from web.exchange_views import deliveries_context

    context = {**detail_context(user, doc), **review_context(user, doc), **deliveries_context(user, doc)}
    return render(request, "web/outgoing_detail.html", context)


@login_required
@require_POST
def outgoing_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = _user(request)
    doc = _doc(request, pk)
    done = {
        "version": "Đã thêm phiên bản mới.",
        "submit": "Đã trình duyệt.",
        "approve": "Đã duyệt.",
        "sign": "Đã ký số văn bản; văn bản chờ văn thư cấp số, đóng dấu và phát hành.",
        "reject": "Đã trả lại dự thảo.",
        "issue": "Đã cấp số và phát hành.",
        "recall": "Đã thu hồi văn bản; các nơi nhận trong hệ thống đã được báo.",
        "replace": "Đã tạo dự thảo văn bản thay thế; sửa nội dung rồi trình duyệt như văn bản mới.",
        "correct": "Đã tạo dự thảo công văn đính chính; bổ sung nội dung rồi trình duyệt.",
        "finalize": "Đã hoàn tất bản phát hành và chuyển đến các nơi nhận.",
        "annex_add": "Đã thêm phụ lục.",
        "annex_remove": "Đã bỏ phụ lục.",
    }
    try:
        if action == "version":
            upload = request.FILES.get("file")
            if upload is None:
                raise ApplicationError("Vui lòng chọn tệp phiên bản mới.")
            services.outgoing_add_version(
                actor=user,
                document=doc,
                upload=(upload.name or "du-thao", upload.read()),
                note=request.POST.get("note", ""),
            )
        elif action == "annex_add":
            upload = request.FILES.get("file")
            if upload is None:
                raise ApplicationError("Vui lòng chọn tệp phụ lục.")
            annexes.annex_add(
                actor=user,
                document=doc,
                upload=(upload.name or "phu-luc", upload.read()),
                title=request.POST.get("title", ""),
            )
        elif action == "annex_remove":
            annex_id = request.POST.get("annex_id", "")
            if not annex_id.isdecimal():
                raise ApplicationError("Phụ lục không hợp lệ.")
            annexes.annex_remove(actor=user, document=doc, annex_id=int(annex_id))
        elif action == "submit":
            services.outgoing_submit(actor=user, document=doc)
        elif action == "approve":
            services.outgoing_approve(actor=user, document=doc, note=request.POST.get("note", ""))
        elif action == "sign":
            certificate = request.POST.get("certificate_id", "")
            signatures.outgoing_sign(
                actor=user,
                document=doc,
                secret=request.POST.get("secret", ""),
                certificate_id=int(certificate) if certificate.isdecimal() else None,
                version_sha256=request.POST.get("version_sha256") or None,
                note=request.POST.get("note", ""),
            )
        elif action == "reject":
            services.outgoing_reject(actor=user, document=doc, reason=request.POST.get("reason", ""))
        elif action == "issue":
            doc = services.outgoing_issue(actor=user, document=doc, secret=request.POST.get("secret", ""))
            done["issue"] = f"Đã cấp số {doc.number_symbol} và phát hành."
        elif action == "finalize":
            doc = services.outgoing_finalize_issue(
                document_id=doc.pk, actor=user, secret=request.POST.get("secret", "")
            )
            if doc.issued_file_id is None:
                raise ApplicationError("Văn bản chưa ở trạng thái phát hành nên không hoàn tất được.")
        elif action == "recall":
            services.outgoing_recall(actor=user, document=doc, reason=request.POST.get("reason", ""))
        elif action in ("replace", "correct"):
            start = (
                after_issue.outgoing_start_replacement
                if action == "replace"
                else after_issue.outgoing_start_correction
            )
            doc = start(actor=user, document=doc, reason=request.POST.get("reason", ""))
        else:
            raise Http404()
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done[action])
    return HttpResponseRedirect(reverse("web:outgoing_detail", args=[doc.pk]))
