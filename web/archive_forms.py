"""Edit forms of the archive screens: dossier metadata, one archive record with its scan, a file-plan
heading and a planned dossier. Field checks here give Vietnamese messages; the business rules stay in
``archive.services`` (whose refusals are shown on the same form)."""

from __future__ import annotations

from typing import Any

from django import forms

from archive.models import Rights
from core.errors import ApplicationError
from orgs.models import Secrecy
from web.forms import DATE_ATTRS, DATE_ERRORS

REQUIRED = "Vui lòng nhập {}."


def _text(label: str, max_length: int, *, required: bool = True, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        error_messages={
            "required": REQUIRED.format(label.lower()),
            "max_length": f"{label} tối đa {max_length} ký tự.",
        },
        **kwargs,
    )


def _date(label: str, *, required: bool = True, **kwargs: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.TextInput(attrs=DATE_ATTRS),
        error_messages=DATE_ERRORS,
        **kwargs,
    )


def _retention() -> forms.CharField:
    return forms.CharField(
        label="Thời hạn bảo quản (năm)",
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "Để trống: vĩnh viễn"}),
        help_text="Số năm từ 1 đến 100; để trống là vĩnh viễn.",
    )


class StyledForm(forms.Form):
    """Bootstrap classes on every widget, and a service refusal shown on its field and above the form."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def refuse(self, exc: ApplicationError) -> None:
        for name, text in (exc.details or {}).items():
            if name in self.fields and isinstance(text, str) and text != "bắt buộc":
                self.add_error(name, exc.message)
                return
        self.add_error(None, exc.message)


class DossierForm(StyledForm):
    code = _text("Số và ký hiệu hồ sơ", 20)
    title = _text("Tiêu đề hồ sơ", 500)
    start_date = _date("Thời gian bắt đầu")
    end_date = _date("Thời gian kết thúc", required=False)
    retention_years = _retention()
    rights = forms.ChoiceField(label="Chế độ sử dụng", choices=Rights.choices)
    creator_id = forms.TypedChoiceField(label="Người lập hồ sơ", coerce=int)
    language = _text("Ngôn ngữ", 50, required=False)
    description = _text("Chú giải", 500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, keepers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["creator_id"].choices = keepers  # type: ignore[attr-defined]


class RecordForm(StyledForm):
    """One document of a legacy archive, with its scan (PDF, TIFF, JPEG, PNG)."""

    organization = forms.TypedChoiceField(label="Cơ quan", coerce=int)
    number_symbol = _text("Số, ký hiệu", 60, required=False)
    issued_date = _date("Ngày văn bản")
    issuer_name = _text("Cơ quan ban hành", 200)
    type_name = _text("Tên loại văn bản", 100, widget=forms.TextInput(attrs={"list": "doc-types"}))
    subject = _text("Trích yếu", 500, widget=forms.Textarea(attrs={"rows": 3}))
    signer_name = _text("Người ký", 50, required=False)
    signer_position = _text("Chức vụ người ký", 100, required=False)
    page_count = forms.IntegerField(
        label="Số trang",
        required=False,
        min_value=1,
        max_value=99999,
        error_messages={
            "invalid": "Số trang phải là số.",
            "min_value": "Số trang từ 1 đến 99999.",
            "max_value": "Số trang từ 1 đến 99999.",
        },
        help_text="Để trống: đếm từ tệp PDF.",
    )
    secrecy = forms.ChoiceField(label="Độ mật", choices=Secrecy.choices, initial=Secrecy.NONE)
    language = _text("Ngôn ngữ", 30, required=False, initial="Tiếng Việt")
    description = _text("Ghi chú", 500, required=False)
    scan = forms.FileField(
        label="Tệp quét",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.tif,.tiff,.jpg,.jpeg,.png"}),
        help_text="PDF, TIFF, JPEG hoặc PNG.",
    )
    dossier = forms.TypedChoiceField(label="Đưa vào hồ sơ (không bắt buộc)", coerce=int, required=False)

    def __init__(
        self,
        *args: Any,
        orgs: list[tuple[int, str]],
        dossiers: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = orgs  # type: ignore[attr-defined]
        self.fields["dossier"].choices = [("", "—"), *dossiers]  # type: ignore[attr-defined]


class HeadingForm(StyledForm):
    number = _text("Số đề mục", 10, help_text="I, II… cho đề mục lớn; 1, 2… cho đề mục nhỏ.")
    title = _text("Tên đề mục", 500)
    abbreviation = _text("Ký hiệu đề mục lớn", 20, required=False)


class PlanItemForm(StyledForm):
    code = _text("Số và ký hiệu hồ sơ", 20)
    title = _text("Tiêu đề hồ sơ", 500)
    retention_years = _retention()
    heading_id = forms.TypedChoiceField(label="Đề mục", coerce=int, required=False, empty_value=None)
    responsible_unit_id = forms.TypedChoiceField(
        label="Đơn vị lập hồ sơ", coerce=int, required=False, empty_value=None
    )
    responsible_person_id = forms.TypedChoiceField(
        label="Người lập hồ sơ", coerce=int, required=False, empty_value=None
    )
    note = _text("Ghi chú", 500, required=False)

    def __init__(
        self,
        *args: Any,
        headings: list[tuple[int, str]],
        units: list[tuple[int, str]],
        people: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, choices in (
            ("heading_id", headings),
            ("responsible_unit_id", units),
            ("responsible_person_id", people),
        ):
            self.fields[name].choices = [("", "—"), *choices]  # type: ignore[attr-defined]
