"""Administration: certificates (PKCS#12 uploaded with its password; key material never shown), the trust
list, and the read-only record of signatures."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from core.admin_audit import AuditedAdmin, ReadOnlyAdmin
from core.errors import ApplicationError
from signing import selectors, services
from signing.models import Certificate, SignatureEvent, TrustAnchor


class CertificateImportForm(forms.ModelForm):
    pkcs12_file = forms.FileField(label="Tệp khóa ký PKCS#12 (.p12, .pfx)")
    password = forms.CharField(
        label="Mật khẩu của tệp",
        widget=forms.PasswordInput,
        help_text="Chỉ dùng để kiểm tra tệp, không được lưu.",
    )
    image = forms.FileField(
        label="Ảnh chữ ký hoặc con dấu (PNG nền trong suốt)",
        required=False,
        help_text="Bỏ trống: hệ thống tạo ảnh mẫu (chữ ký màu xanh, dấu màu đỏ).",
    )

    class Meta:
        model = Certificate
        fields = ("person", "organization", "seal_size_mm")

    def clean(self) -> dict[str, Any]:
        """Every refusal of ``certificate_import_pkcs12`` as a form error (never a 500 on saving)."""
        data = super().clean() or {}
        if bool(data.get("person")) == bool(data.get("organization")):
            raise forms.ValidationError("Chọn đúng một chủ sở hữu: một người hoặc một cơ quan.")
        upload = data.get("pkcs12_file")
        if upload is not None and data.get("password") is not None:
            try:
                services.check_pkcs12(upload.read(), data["password"])
            except ApplicationError as exc:
                self.add_error("password" if exc.code == "wrong_password" else "pkcs12_file", exc.message)
            finally:
                upload.seek(0)
        image = data.get("image")
        if image is not None:
            try:
                services.check_image(image.read())
            except ApplicationError as exc:
                self.add_error("image", exc.message)
            finally:
                image.seek(0)
        return data


@admin.register(Certificate)
class CertificateAdmin(AuditedAdmin):
    list_display = ("subject_cn", "person", "organization", "kind", "not_after", "expiry", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("subject_cn", "serial_hex", "person__full_name", "organization__name")
    autocomplete_fields = ("person", "organization")
    readonly_fields = (
        "kind",
        "subject_cn",
        "serial_hex",
        "issuer_cn",
        "not_before",
        "not_after",
        "pkcs11_module",
        "pkcs11_token_label",
        "pkcs11_key_label",
        "created_at",
        "created_by",
    )
    fields = ("person", "organization", *readonly_fields, "seal_size_mm", "is_active")

    @admin.display(description="thời hạn")
    def expiry(self, obj: Certificate) -> str:
        return selectors.EXPIRY_LABELS[selectors.expiry_state(obj)]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = CertificateImportForm
            kwargs["fields"] = None
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("person", "organization", "pkcs12_file", "password", "image", "seal_size_mm")
        return self.fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields + (("person", "organization") if obj else ())

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        image = data.get("image")
        created = services.certificate_import_pkcs12(  # the form has checked the file and its password
            actor=request.user,  # type: ignore[arg-type]
            owner=data["person"] or data["organization"],
            data=data["pkcs12_file"].read(),
            password=data["password"],
            image=image.read() if image else None,
            seal_size_mm=float(data.get("seal_size_mm") or 35),
        )
        obj.pk = created.pk
        obj.__dict__.update({k: v for k, v in created.__dict__.items() if not k.startswith("_")})


class TrustAnchorForm(forms.ModelForm):
    certificate_file = forms.FileField(label="Chứng thư gốc (.cer, .crt, .pem, .der)")

    class Meta:
        model = TrustAnchor
        fields = ("name",)

    def clean_certificate_file(self) -> Any:
        from cryptography import x509

        upload = self.cleaned_data["certificate_file"]
        raw = upload.read()
        upload.seek(0)
        try:
            if raw.lstrip().startswith(b"-----BEGIN"):
                x509.load_pem_x509_certificate(raw)
            else:
                x509.load_der_x509_certificate(raw)
        except ValueError as exc:
            raise forms.ValidationError("Tệp không phải chứng thư số (X.509) hợp lệ.") from exc
        return upload


@admin.register(TrustAnchor)
class TrustAnchorAdmin(AuditedAdmin):
    list_display = ("name", "not_after", "is_active", "sha256")
    readonly_fields = ("sha256", "not_after", "created_at")

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = TrustAnchorForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("name", "certificate_file")
        return ("name", "sha256", "not_after", "created_at", "is_active")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj else ()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.trust_anchor_add(
            actor=request.user,  # type: ignore[arg-type]
            name=form.cleaned_data["name"],
            certificate=form.cleaned_data["certificate_file"].read(),
        )
        obj.pk = created.pk
        obj.__dict__.update({k: v for k, v in created.__dict__.items() if not k.startswith("_")})


@admin.register(SignatureEvent)
class SignatureEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "role", "certificate", "actor", "document_kind", "document_id")
    list_filter = ("role",)
    readonly_fields = [f.name for f in SignatureEvent._meta.fields]
