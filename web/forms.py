from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from core import audit, ratelimit
from core.errors import TooManyAttempts
from core.middleware import client_ip
from documents.models import Channel, DocType, Urgency
from incoming.states import AssignmentRole
from orgs.models import Organization, Secrecy

DATE_ATTRS = {
    "placeholder": "dd/mm/yyyy",
    "inputmode": "numeric",
    "autocomplete": "off",
    "pattern": r"\d{1,2}/\d{1,2}/\d{4}",
}
DATE_ERRORS = {"invalid": "Ngày không hợp lệ (định dạng dd/mm/yyyy).", "required": "Vui lòng nhập ngày."}


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Sai tên đăng nhập hoặc mật khẩu.",
        "inactive": "Tài khoản đã bị khóa.",
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request) if self.request else None
        try:
            ratelimit.check(username, ip)
        except TooManyAttempts as exc:
            raise forms.ValidationError(exc.message, code="too_many") from exc
        try:
            result = super().clean()
        except forms.ValidationError:
            ratelimit.failed(username, ip)
            audit.record(
                actor=None, action="auth.login_failed", data={"username": username[:150], "via": "web"}
            )
            raise
        ratelimit.succeeded(username, ip)
        audit.record(actor=self.get_user(), action="auth.login", data={"via": "web"})
        return result


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ".pdf,.docx,.xlsx,.png,.jpg,.jpeg,.tif,.tiff"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


REGISTRATION_FIELDS = (
    "issuer_name",
    "number_symbol",
    "issued_date",
    "doc_type",
    "subject",
    "signer_name",
    "signer_position",
    "urgency",
    "secrecy",
    "due_date",
    "channel",
    "page_count",
    "arrival_date",
    "description",
)


class RegistrationForm(forms.Form):
    files = MultipleFileField(  # type: ignore[assignment]
        label="Tệp văn bản (tệp đầu là văn bản chính)",
        error_messages={"required": "Vui lòng đính kèm tệp văn bản."},
    )
    issuer_name = forms.CharField(
        label="Cơ quan ban hành",
        max_length=200,
        widget=forms.TextInput(attrs={"list": "issuers", "autocomplete": "off"}),
        error_messages={"required": "Vui lòng nhập cơ quan ban hành."},
    )
    number_symbol = forms.CharField(
        label="Số, ký hiệu",
        max_length=60,
        widget=forms.TextInput(attrs={"placeholder": "105-BC/TU hoặc 12/UBND-VX"}),
        error_messages={"required": "Vui lòng nhập số, ký hiệu."},
    )
    issued_date = forms.DateField(
        label="Ngày văn bản",
        widget=forms.DateInput(format="%d/%m/%Y", attrs=DATE_ATTRS),
        error_messages=DATE_ERRORS,
    )
    doc_type = forms.ChoiceField(label="Loại văn bản")
    subject = forms.CharField(
        label="Trích yếu nội dung",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Vui lòng nhập trích yếu."},
    )
    signer_name = forms.CharField(label="Người ký", max_length=50, required=False)
    signer_position = forms.CharField(label="Chức vụ người ký", max_length=100, required=False)
    urgency = forms.ChoiceField(label="Độ khẩn", choices=Urgency.choices, initial=Urgency.NORMAL)
    secrecy = forms.ChoiceField(label="Độ mật", choices=Secrecy.choices, initial=Secrecy.NONE)
    channel = forms.ChoiceField(
        label="Hình thức nhận",
        choices=[c for c in Channel.choices if c[0] != "internal"],
        initial=Channel.PAPER,
    )
    arrival_date = forms.DateField(
        label="Ngày đến",
        required=False,
        widget=forms.DateInput(format="%d/%m/%Y", attrs=DATE_ATTRS),
        error_messages=DATE_ERRORS,
        help_text="Để trống là hôm nay.",
    )
    due_date = forms.DateField(
        label="Hạn giải quyết",
        required=False,
        widget=forms.DateInput(format="%d/%m/%Y", attrs=DATE_ATTRS),
        error_messages=DATE_ERRORS,
    )
    page_count = forms.IntegerField(
        label="Số trang",
        required=False,
        min_value=1,
        max_value=99999,
        error_messages={"invalid": "Số trang phải là số nguyên."},
    )
    description = forms.CharField(label="Ghi chú", max_length=500, required=False)

    def __init__(
        self,
        *args: Any,
        organization: Organization | None = None,
        suggestions: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """``suggestions``: the metadata read from a scan (``intake.extract.Extraction.as_json()``): the
        fields are pre-filled and those the reading is unsure of are highlighted for the clerk."""
        if suggestions:
            kwargs["initial"] = {**suggested_initial(suggestions), **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        profile = organization.profile if organization else "party"
        types = DocType.objects.filter(profile=profile, is_active=True).order_by("name")
        choices = [("", "— chọn loại —")] + [(t.code, f"{t.name} ({t.code})") for t in types]
        self.fields["doc_type"].choices = choices  # type: ignore[attr-defined]
        self.fields["doc_type"].error_messages["required"] = "Vui lòng chọn loại văn bản."
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
        self.fields["files"].widget.attrs["autofocus"] = True
        if suggestions:
            self.fields["files"].required = False
            self.fields["files"].label = "Thêm tệp (không bắt buộc; bản quét đã nhận dạng là văn bản chính)"
            del self.fields["files"].widget.attrs["autofocus"]
            mark_suggestions(self, suggestions)

    def registration(self) -> Any:
        """The cleaned fields as ``incoming.services.Registration`` (the registration page and intake)."""
        from incoming.services import Registration

        data = self.cleaned_data
        return Registration(**{name: data[name] for name in REGISTRATION_FIELDS})


SUGGESTED: tuple[str, ...] = ("issuer_name", "number_symbol", "issued_date", "doc_type", "subject")
SUGGESTED += ("signer_name", "signer_position", "urgency", "secrecy")


def suggested_initial(suggestions: dict[str, Any]) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    for name in SUGGESTED:
        item = suggestions.get(name)
        if isinstance(item, dict) and item.get("value"):
            value = item["value"]
            if name == "issued_date":
                try:
                    value = date.fromisoformat(value)
                except ValueError:
                    continue
            initial[name] = value
    return initial


def mark_suggestions(form: forms.Form, suggestions: dict[str, Any]) -> None:
    """Show how sure the reading is: unsure fields get a warning frame and a note to check them."""
    from intake.extract.core import UNSURE

    for name in SUGGESTED:
        item = suggestions.get(name)
        if name not in form.fields or not isinstance(item, dict):
            continue
        widget = form.fields[name].widget
        confidence = float(item.get("confidence") or 0)
        widget.attrs["data-confidence"] = f"{confidence:.2f}"
        if not item.get("value") or confidence < UNSURE:
            widget.attrs["class"] = (
                f"{widget.attrs.get('class', '')} border-warning bg-warning-subtle".strip()
            )
            widget.attrs["aria-describedby"] = f"hint_{name}"
            form.fields[name].help_text = (
                f"Máy chưa chắc chắn (độ tin cậy {confidence:.0%}) — hãy đối chiếu với bản quét."
                if item.get("value")
                else "Máy không đọc được trường này — hãy nhập theo bản quét."
            )
        else:
            form.fields[name].help_text = f"Đọc từ bản quét (độ tin cậy {confidence:.0%})."


class EditForm(RegistrationForm):
    """The registration form for corrections: files are optional (they are added, never replaced)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["files"].required = False
        self.fields["files"].label = "Thêm tệp (không bắt buộc)"
        for name in ("secrecy", "arrival_date"):
            del self.fields[name]


class AssignForm(forms.Form):
    instruction = forms.CharField(
        label="Ý kiến chỉ đạo", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Lý do",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Vui lòng nhập lý do."},
    )


ROLE_CHOICES = AssignmentRole.choices
