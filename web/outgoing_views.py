"""Thin HTML views for outgoing documents: parse, call a selector or a service, render."""

from __future__ import annotations

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
from incoming.permissions import is_leader_of
from orgs.models import Organization, Secrecy, User
from outgoing import after_issue, selectors, services
from outgoing.models import OutgoingDocument
from outgoing.permissions import may_approve_step, may_change_after_issue, may_issue
from outgoing.states import SignerCapacity, Status


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _doc(request: HttpRequest, pk: int, need: str = "view") -> OutgoingDocument:
    try:
        doc: OutgoingDocument = document_get_for_user(_user(request), "outgoing", pk, need=need)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return doc


class DraftForm(forms.Form):
    file = forms.FileField(
        label="Tệp dự thảo (.docx hoặc .pdf)",
        widget=forms.ClearableFileInput(attrs={"accept": ".docx,.pdf"}),
        error_messages={"required": "Vui lòng chọn tệp dự thảo."},
    )
    doc_type = forms.ChoiceField(label="Loại văn bản")
    subject = forms.CharField(
        label="Trích yếu",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Vui lòng nhập trích yếu."},
    )
    urgency = forms.ChoiceField(label="Độ khẩn", choices=Urgency.choices)
    secrecy = forms.ChoiceField(label="Độ mật", choices=Secrecy.choices)
    signer_capacity = forms.ChoiceField(label="Thẩm quyền ký", choices=SignerCapacity.choices)
    internal = forms.MultipleChoiceField(
        label="Nơi nhận trong hệ thống", required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    external = forms.CharField(
        label="Nơi nhận khác (mỗi dòng một nơi)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: object, organization: Organization, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        types = DocType.objects.filter(profile=organization.profile, is_active=True).order_by("name")
        choices = [("", "— chọn loại —"), *[(t.code, t.name) for t in types]]
        self.fields["doc_type"].choices = choices  # type: ignore[attr-defined]
        others = Organization.objects.filter(uses_system=True, merged_into__isnull=True).exclude(
            pk=organization.pk
        )
        self.fields["internal"].choices = [  # type: ignore[attr-defined]
            (str(o.pk), o.name) for o in sorted(others, key=lambda o: sort_key(o.name))
        ]
        for field in self.fields.values():
            css = (
                "form-select"
                if isinstance(field.widget, forms.Select | forms.SelectMultiple)
                else "form-control"
            )
            field.widget.attrs.setdefault("class", css)


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


@login_required
def outgoing_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user.organization is None:
        raise Http404()
    form = DraftForm(request.POST or None, request.FILES or None, organization=user.organization)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        recipients = [{"organization_id": int(pk)} for pk in data["internal"]]
        recipients += [{"name": line.strip()} for line in data["external"].splitlines() if line.strip()]
        upload = data["file"]
        try:
            doc = services.outgoing_create(
                actor=user,
                upload=(upload.name, upload.read()),
                data=services.Draft(
                    doc_type=data["doc_type"],
                    subject=data["subject"],
                    urgency=data["urgency"],
                    secrecy=data["secrecy"],
                    signer_capacity=data["signer_capacity"],
                    recipients=recipients,
                ),
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Đã tạo dự thảo.")
            return HttpResponseRedirect(reverse("web:outgoing_detail", args=[doc.pk]))
    return render(request, "web/outgoing_new.html", {"form": form})


def detail_context(user: User, doc: OutgoingDocument) -> dict[str, object]:
    step = selectors.current_step(doc) if doc.status == Status.PENDING_APPROVAL else None
    versions = list(doc.versions.select_related("attachment__stored", "created_by").order_by("-number"))
    return {
        "doc": doc,
        "versions": versions,
        "latest": versions[0] if versions else None,
        "approvals": doc.approvals.select_related("approver", "version"),
        "recipients": doc.recipients.select_related("incoming"),
        "can_edit": doc.status == Status.DRAFT and doc.drafter_id == user.pk,
        "can_decide": step is not None and may_approve_step(user, doc, step),
        "step": step,
        "can_issue": doc.status == Status.APPROVED and may_issue(user, doc),
        "can_recall": doc.status == Status.ISSUED
        and (may_issue(user, doc) or is_leader_of(user, doc.organization_id)),
        "can_change": doc.status == Status.ISSUED and may_change_after_issue(user, doc),
        "after_issue_dialogs": AFTER_ISSUE_DIALOGS,
        "corrections": doc.corrections.exclude(issued_at__isnull=True).order_by("issued_at", "id"),
    }


@login_required
def outgoing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from web.outgoing_review_views import review_context

    user = _user(request)
    doc = _doc(request, pk)
    context = {**detail_context(user, doc), **review_context(user, doc)}
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
        "reject": "Đã trả lại dự thảo.",
        "issue": "Đã cấp số và phát hành.",
        "recall": "Đã thu hồi văn bản; các nơi nhận trong hệ thống đã được báo.",
        "replace": "Đã tạo dự thảo văn bản thay thế; sửa nội dung rồi trình duyệt như văn bản mới.",
        "correct": "Đã tạo dự thảo công văn đính chính; bổ sung nội dung rồi trình duyệt.",
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
        elif action == "submit":
            services.outgoing_submit(actor=user, document=doc)
        elif action == "approve":
            services.outgoing_approve(actor=user, document=doc, note=request.POST.get("note", ""))
        elif action == "reject":
            services.outgoing_reject(actor=user, document=doc, reason=request.POST.get("reason", ""))
        elif action == "issue":
            doc = services.outgoing_issue(actor=user, document=doc)
            done["issue"] = f"Đã cấp số {doc.number_symbol} và phát hành."
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
