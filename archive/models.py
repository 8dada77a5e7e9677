"""Dossiers (hồ sơ) and the archive: the yearly file plan, dossiers, their documents, archive records of a
legacy archive, transfers to the archive (nộp lưu) and bulk imports.

NĐ 30 §28–31 and PL-V (file plan, closing, hand-over), PL-VI Part II.III (metadata of a file).
A document joins a dossier through a ``DossierItem`` link, never by copying, so one document sits in many
dossiers (PL-VI Part I.III 4e).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from archive.states import DossierStatus, ImportStatus
from documents.models import Attachment, DocType
from orgs.models import Organization, Secrecy, Unit

PERMANENT = "Vĩnh viễn"


def retention_label(years: int | None) -> str:
    """PL-VI "Maintenance": "Vĩnh viễn" or "N năm"."""
    return PERMANENT if years is None else f"{years} năm"


class Rights(models.TextChoices):
    """Chế độ sử dụng (PL-VI Part II.III, field 4)."""

    PUBLIC = "public", "Sử dụng rộng rãi"
    LIMITED = "limited", "Hạn chế sử dụng"
    SECRET = "secret", "Mật"


class FilePlan(models.Model):
    """Danh mục hồ sơ of one organisation for one year."""

    organization = models.ForeignKey(
        Organization, verbose_name="cơ quan", on_delete=models.PROTECT, related_name="file_plans"
    )
    year = models.PositiveSmallIntegerField("năm")
    title = models.CharField("tên danh mục", max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "danh mục hồ sơ"
        verbose_name_plural = "danh mục hồ sơ"
        ordering = ["organization_id", "-year"]
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="uniq_file_plan_year")]

    def __str__(self) -> str:
        return f"Danh mục hồ sơ năm {self.year}"


class PlanHeading(models.Model):
    """A heading of the plan: major headings numbered I, II…, minor ones 1, 2… (``parent`` set)."""

    plan = models.ForeignKey(FilePlan, on_delete=models.CASCADE, related_name="headings")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    number = models.CharField("số đề mục", max_length=10)
    title = models.CharField("tên đề mục", max_length=500)
    abbreviation = models.CharField("ký hiệu đề mục lớn", max_length=20, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "đề mục"
        verbose_name_plural = "đề mục"

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class PlanItem(models.Model):
    """One planned dossier: code (Số và ký hiệu hồ sơ), title, retention, who makes it."""

    plan = models.ForeignKey(FilePlan, on_delete=models.CASCADE, related_name="items")
    heading = models.ForeignKey(
        PlanHeading, null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    code = models.CharField("số và ký hiệu hồ sơ", max_length=20)
    title = models.CharField("tiêu đề hồ sơ", max_length=500)
    retention_years = models.PositiveSmallIntegerField(
        "thời hạn bảo quản (năm)", null=True, blank=True, help_text="Để trống: vĩnh viễn."
    )
    responsible_unit = models.ForeignKey(
        Unit, verbose_name="đơn vị lập", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người lập",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField("ghi chú", max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "hồ sơ trong danh mục"
        verbose_name_plural = "hồ sơ trong danh mục"
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="uniq_plan_item_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def retention(self) -> str:
        return retention_label(self.retention_years)


class Transfer(models.Model):
    """A hand-over of closed dossiers to the agency archive (nộp lưu), with its lists and minutes."""

    organization = models.ForeignKey(
        Organization, verbose_name="cơ quan", on_delete=models.PROTECT, related_name="archive_transfers"
    )
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người giao", on_delete=models.PROTECT, related_name="+"
    )
    giver_unit = models.CharField("đơn vị giao", max_length=255, blank=True)
    receiver_name = models.CharField("người nhận (lưu trữ cơ quan)", max_length=100)
    note = models.CharField("ghi chú", max_length=500, blank=True)
    at = models.DateTimeField("thời điểm giao nhận", auto_now_add=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = "lần nộp lưu"
        verbose_name_plural = "lần nộp lưu"

    def __str__(self) -> str:
        return f"Nộp lưu #{self.pk}"


class Dossier(models.Model):
    """A file (hồ sơ): PL-VI Part II.III."""

    organization = models.ForeignKey(
        Organization, verbose_name="cơ quan", on_delete=models.PROTECT, related_name="dossiers"
    )
    plan_item = models.ForeignKey(
        PlanItem,
        verbose_name="theo danh mục",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    year = models.PositiveSmallIntegerField("năm hình thành hồ sơ")  # FileCatalog
    code = models.CharField("số và ký hiệu hồ sơ", max_length=20)  # FileNotation
    title = models.CharField("tiêu đề hồ sơ", max_length=500)
    retention_years = models.PositiveSmallIntegerField("thời hạn bảo quản (năm)", null=True, blank=True)
    rights = models.CharField("chế độ sử dụng", max_length=10, choices=Rights.choices, default=Rights.LIMITED)
    secrecy = models.CharField("độ mật", max_length=20, choices=Secrecy.choices, default=Secrecy.NONE)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người lập hồ sơ", on_delete=models.PROTECT, related_name="+"
    )
    language = models.CharField("ngôn ngữ", max_length=50, default="Tiếng Việt")
    start_date = models.DateField("thời gian bắt đầu")
    end_date = models.DateField("thời gian kết thúc", null=True, blank=True)
    description = models.CharField("chú giải", max_length=500, blank=True)
    status = models.CharField(
        "trạng thái", max_length=12, choices=DossierStatus.choices, default=DossierStatus.OPEN
    )
    doc_total = models.PositiveIntegerField("tổng số văn bản", default=0)
    page_total = models.PositiveIntegerField("tổng số trang", default=0)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    transfer_due = models.DateField("hạn nộp lưu", null=True, blank=True)
    transfer_reminded_for = models.DateField(null=True, blank=True, editable=False)
    transfer = models.ForeignKey(
        Transfer, null=True, blank=True, on_delete=models.PROTECT, related_name="dossiers"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "code", "id"]
        verbose_name = "hồ sơ"
        verbose_name_plural = "hồ sơ"
        constraints = [
            models.UniqueConstraint(fields=["organization", "year", "code"], name="uniq_dossier_code"),
            models.CheckConstraint(
                condition=Q(status__in=DossierStatus.values), name="archive_dossier_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def retention(self) -> str:
        return retention_label(self.retention_years)

    @property
    def is_restricted(self) -> bool:
        return self.secrecy != Secrecy.NONE

    @property
    def number_symbol(self) -> str:  # what notifications print for a "document"
        return self.code

    @property
    def subject(self) -> str:
        return self.title


class ArchiveRecord(models.Model):
    """A document of a legacy archive, neither incoming nor outgoing here (kind ``archive``)."""

    organization = models.ForeignKey(
        Organization, verbose_name="cơ quan", on_delete=models.PROTECT, related_name="archive_records"
    )
    number_symbol = models.CharField("số, ký hiệu", max_length=60, blank=True)
    issued_date = models.DateField("ngày văn bản")
    issuer_name = models.CharField("cơ quan ban hành", max_length=200)
    doc_type = models.ForeignKey(
        DocType, verbose_name="loại văn bản", null=True, blank=True, on_delete=models.PROTECT
    )
    type_name = models.CharField("tên loại văn bản", max_length=100)
    subject = models.CharField("trích yếu", max_length=500)
    signer_name = models.CharField("người ký", max_length=50, blank=True)
    signer_position = models.CharField("chức vụ người ký", max_length=100, blank=True)
    language = models.CharField("ngôn ngữ", max_length=30, default="Tiếng Việt")
    page_count = models.PositiveIntegerField("số trang", null=True, blank=True)
    secrecy = models.CharField("độ mật", max_length=20, choices=Secrecy.choices, default=Secrecy.NONE)
    description = models.CharField("ghi chú", max_length=500, blank=True)
    file = models.ForeignKey(
        Attachment, verbose_name="tệp quét", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    import_job = models.ForeignKey(
        "ImportJob", null=True, blank=True, on_delete=models.PROTECT, related_name="records"
    )
    import_row = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_date", "id"]
        verbose_name = "tài liệu lưu trữ"
        verbose_name_plural = "tài liệu lưu trữ"
        constraints = [
            # a resumed import never creates a row twice
            models.UniqueConstraint(fields=["import_job", "import_row"], name="uniq_archive_import_row"),
        ]

    def __str__(self) -> str:
        return f"{self.number_symbol} {self.subject}".strip()

    @property
    def is_restricted(self) -> bool:
        return self.secrecy != Secrecy.NONE


class DossierItem(models.Model):
    """One document in one dossier: a link to an incoming, outgoing or archive document (no copy)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="items")
    incoming = models.ForeignKey(
        "incoming.IncomingDocument", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outgoing = models.ForeignKey(
        "outgoing.OutgoingDocument", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    record = models.ForeignKey(
        ArchiveRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="dossier_items"
    )
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "văn bản trong hồ sơ"
        verbose_name_plural = "văn bản trong hồ sơ"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(incoming__isnull=False, outgoing__isnull=True, record__isnull=True)
                    | Q(incoming__isnull=True, outgoing__isnull=False, record__isnull=True)
                    | Q(incoming__isnull=True, outgoing__isnull=True, record__isnull=False)
                ),
                name="archive_item_one_document",
            ),
            models.UniqueConstraint(fields=["dossier", "incoming"], name="uniq_dossier_incoming"),
            models.UniqueConstraint(fields=["dossier", "outgoing"], name="uniq_dossier_outgoing"),
            models.UniqueConstraint(fields=["dossier", "record"], name="uniq_dossier_record"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}:{self.kind}:{self.document_id}"

    @property
    def kind(self) -> str:
        return "incoming" if self.incoming_id else "outgoing" if self.outgoing_id else "archive"

    @property
    def document_id(self) -> int:
        return int(self.incoming_id or self.outgoing_id or self.record_id or 0)


class ImportJob(models.Model):
    """A bulk import of a legacy archive: a spreadsheet of metadata and a folder of scans."""

    organization = models.ForeignKey(
        Organization, verbose_name="cơ quan", on_delete=models.PROTECT, related_name="archive_imports"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    spreadsheet = models.ForeignKey("core.StoredFile", on_delete=models.PROTECT, related_name="+")
    spreadsheet_name = models.CharField(max_length=200)
    dossier = models.ForeignKey(
        Dossier,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="đưa vào hồ sơ",
    )
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    done_rows = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    failure = models.CharField(max_length=500, blank=True)
    # the runner's last sign of life: a RUNNING job whose heartbeat is older than importing.LEASE is free
    # to be taken over (its runner died); a fresh one is refused to a second runner
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "đợt nhập tài liệu lưu trữ"
        verbose_name_plural = "đợt nhập tài liệu lưu trữ"

    def __str__(self) -> str:
        return f"Nhập {self.spreadsheet_name}"

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == ImportStatus.DONE else 0
        return min(100, (self.done_rows + self.error_rows) * 100 // self.total_rows)


class ImportScan(models.Model):
    """One scan file uploaded with an import, by its name in the folder."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="scans")
    name = models.CharField(max_length=200)
    stored = models.ForeignKey("core.StoredFile", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "name"], name="uniq_import_scan_name")]

    def __str__(self) -> str:
        return self.name


class ImportRowError(models.Model):
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="errors")
    row = models.PositiveIntegerField()
    message = models.CharField(max_length=500)

    class Meta:
        ordering = ["row"]
        constraints = [models.UniqueConstraint(fields=["job", "row"], name="uniq_import_error_row")]

    def __str__(self) -> str:
        return f"{self.row}: {self.message}"
