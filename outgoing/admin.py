"""Administration of approval routes, committee terms and the offices' document templates."""

from __future__ import annotations

import io
import zipfile
from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from docxtpl import DocxTemplate
from jinja2 import TemplateError

from core import files
from core.admin_audit import AuditedAdmin
from core.errors import ApplicationError
from documents.models import DocType
from outgoing.drafting import builder
from outgoing.models import ApprovalRoute, ApprovalRouteStep, CommitteeTerm, DocumentTemplate


class StepInline(admin.TabularInline):
    model = ApprovalRouteStep
    extra = 1
    autocomplete_fields = ("person",)


@admin.register(ApprovalRoute)
class ApprovalRouteAdmin(AuditedAdmin):
    list_display = ("organization", "doc_type")
    autocomplete_fields = ("organization",)
    inlines = [StepInline]


@admin.register(CommitteeTerm)
class CommitteeTermAdmin(AuditedAdmin):
    list_display = ("organization", "name", "start_date", "end_date")
    autocomplete_fields = ("organization",)


# Variables the built-in templates use; an office's own template may add its own (filled from the
# draft's fields of the same name).
TEMPLATE_VARIABLES = [
    ("number_line", "dòng số, ký hiệu (số để trống đến khi cấp số)"),
    ("place_date", "địa danh, ngày tháng năm"),
    ("issuing_body", "tên cơ quan ban hành (viết hoa)"),
    ("parent_body", "tên cơ quan cấp trên (viết hoa, có thể trống)"),
    ("type_name", "tên loại văn bản (viết hoa)"),
    ("subject", "trích yếu"),
    ("letter_subject", "“V/v …” của công văn"),
    ("paragraphs", "các đoạn nội dung: {%p for p in paragraphs %}{{ p }}{%p endfor %}"),
    ("addressees", "danh sách “Kính gửi” (công văn)"),
    ("recipients", "các dòng “Nơi nhận”"),
    ("authority", "quyền hạn ký: T/M, K/T, T/L… (TM., KT., TL.…)"),
    ("position", "chức vụ người ký"),
    ("signer_name", "họ tên người ký"),
    ("secrecy_mark", "dấu độ mật (MẬT, TỐI MẬT…)"),
    ("urgency_mark", "dấu độ khẩn (KHẨN, THƯỢNG KHẨN, HỎA TỐC)"),
    ("draft_note", "“Dự thảo lần N” (trống trên bản phát hành)"),
]


def variables_help() -> str:
    items = format_html_join("", "<li><code>{{{{ {} }}}}</code> — {}</li>", TEMPLATE_VARIABLES)
    return format_html(
        "Tệp .docx có các thẻ trường docxtpl; hệ thống điền khi tạo dự thảo và khi phát hành. "
        "Nên bắt đầu từ <a href='{}'>mẫu mặc định</a> rồi sửa trong Word hoặc LibreOffice. Các biến:"
        "<ul class='mt-1'>{}</ul>Ngoài ra có thể dùng biến riêng (ví dụ <code>{{{{ ghi_chu }}}}</code>): "
        "giá trị lấy từ trường cùng tên của dự thảo.",
        reverse("admin:outgoing_documenttemplate_defaults"),
        items,
    )


class DocumentTemplateForm(forms.ModelForm):
    upload = forms.FileField(
        label="Tệp mẫu (.docx)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".docx"}),
        help_text="Chọn tệp để thay mẫu hiện tại (để trống: giữ nguyên).",
    )

    class Meta:
        model = DocumentTemplate
        fields = ("organization", "doc_type")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        organization, doc_type = data.get("organization"), data.get("doc_type")
        if organization is not None and doc_type is not None and organization.profile != doc_type.profile:
            self.add_error("doc_type", "Loại văn bản không thuộc khối của cơ quan.")
        upload = data.get("upload")
        self.checked: files.CheckedFile | None = None
        if upload is None:
            if self.instance.pk is None:
                self.add_error("upload", "Vui lòng chọn tệp mẫu .docx.")
            return data
        try:
            checked = files.validate(
                upload.name or "mau.docx", upload.read(), allowed=frozenset({files.DOCX})
            )
            DocxTemplate(io.BytesIO(checked.data)).get_undeclared_template_variables()
        except ApplicationError as exc:
            self.add_error("upload", exc.message)
        except TemplateError as exc:
            self.add_error("upload", f"Mẫu có thẻ trường không hợp lệ ({exc}).")
        else:
            self.checked = checked
        return data


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(AuditedAdmin):
    form = DocumentTemplateForm
    list_display = ("doc_type", "profile", "owner", "name", "updated_at", "updated_by")
    list_filter = ("doc_type__profile",)
    search_fields = ("doc_type__name", "organization__name", "name")
    autocomplete_fields = ("organization",)
    readonly_fields = ("current_file", "updated_by", "updated_at")
    actions = ["download_defaults"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["organization", "doc_type", "upload"]
        if obj is not None:
            fields += ["current_file", "updated_by", "updated_at"]
        return [(None, {"fields": fields, "description": variables_help()})]

    @admin.display(description="khối", ordering="doc_type__profile")
    def profile(self, obj: DocumentTemplate) -> str:
        return str(obj.doc_type.get_profile_display())

    @admin.display(description="cơ quan", ordering="organization__name")
    def owner(self, obj: DocumentTemplate) -> str:
        return obj.organization.name if obj.organization else "Dùng chung"

    @admin.display(description="tệp mẫu hiện tại")
    def current_file(self, obj: DocumentTemplate) -> str:
        if obj.pk is None:
            return "—"
        url = reverse("admin:outgoing_documenttemplate_file", args=[obj.pk])
        return format_html("<a href='{}'>{}</a>", url, obj.name)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with files.atomic_with_files():
            if form.checked is not None:
                obj.stored = files.store(form.checked)
                obj.name = form.checked.name
            obj.updated_by = request.user
            super().save_model(request, obj, form, change)

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("mau-mac-dinh/", wrap(self.defaults_view), name="outgoing_documenttemplate_defaults"),
            path(
                "mau-mac-dinh/<str:profile>/<str:code>/",
                wrap(self.default_file_view),
                name="outgoing_documenttemplate_default",
            ),
            path("<int:pk>/tep/", wrap(self.file_view), name="outgoing_documenttemplate_file"),
            *super().get_urls(),
        ]

    def _docx(self, data: bytes, name: str) -> HttpResponse:
        response = HttpResponse(data, content_type=files.DOCX)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return response

    def defaults_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        types = DocType.objects.filter(is_active=True).order_by("profile", "name")
        context = {
            **self.admin_site.each_context(request),
            "title": "Tải mẫu mặc định",
            "opts": self.model._meta,
            "types": types,
            "variables": variables_help(),
        }
        return render(request, "admin/outgoing/documenttemplate/defaults.html", context)

    def default_file_view(self, request: HttpRequest, profile: str, code: str) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        if not DocType.objects.filter(profile=profile, code=code).exists():
            raise Http404("Không có loại văn bản này.")
        return self._docx(builder.default_template(profile, code), f"{profile}-{code}.docx")

    def file_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        record = DocumentTemplate.objects.filter(pk=pk).select_related("stored").first()
        if record is None:
            raise Http404("Không có mẫu này.")
        return self._docx(files.open_blob(record.stored), record.name)

    @admin.action(description="Tải mẫu mặc định của các loại văn bản đã chọn")
    def download_defaults(self, request: HttpRequest, queryset: QuerySet[DocumentTemplate]) -> HttpResponse:
        kinds = sorted({(t.doc_type.profile, t.doc_type.code) for t in queryset.select_related("doc_type")})
        if len(kinds) == 1:
            profile, code = kinds[0]
            return self._docx(builder.default_template(profile, code), f"{profile}-{code}.docx")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for profile, code in kinds:
                archive.writestr(f"{profile}-{code}.docx", builder.default_template(profile, code))
        response = HttpResponse(buffer.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = "attachment; filename=mau-mac-dinh.zip"
        return response
