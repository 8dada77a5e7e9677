from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from documents.models import Channel, DocType, Register, Urgency
from incoming.states import AssignmentRole, AssignmentStatus, Status
from orgs.models import Organization, Secrecy, Unit


class IncomingDocument(models.Model):
    """A registered incoming document: every column of the incoming register and NĐ 30 PL-VI metadata."""

    organization = models.ForeignKey(
        Organization, verbose_name="cơ quan nhận", on_delete=models.PROTECT, related_name="incoming_documents"
    )
    register = models.ForeignKey(
        Register, verbose_name="sổ", on_delete=models.PROTECT, related_name="incoming"
    )
    year = models.PositiveSmallIntegerField("năm")
    arrival_number = models.PositiveIntegerField("số đến")
    arrival_date = models.DateField("ngày đến")
    received_at = models.DateTimeField("thời điểm vào sổ", auto_now_add=True)
    issuer = models.ForeignKey(
        Organization,
        verbose_name="cơ quan ban hành",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issued_incoming",
    )
    issuer_name = models.CharField("cơ quan ban hành", max_length=200)
    number_symbol = models.CharField("số, ký hiệu", max_length=60)
    symbol_key = models.CharField(max_length=60, db_index=True, editable=False)
    issued_date = models.DateField("ngày văn bản")
    doc_type = models.ForeignKey(DocType, verbose_name="loại văn bản", on_delete=models.PROTECT)
    subject = models.CharField("trích yếu", max_length=500)
    signer_name = models.CharField("người ký", max_length=50, blank=True)
    signer_position = models.CharField("chức vụ người ký", max_length=100, blank=True)
    urgency = models.CharField("độ khẩn", max_length=20, choices=Urgency.choices, default=Urgency.NORMAL)
    secrecy = models.CharField("độ mật", max_length=20, choices=Secrecy.choices, default=Secrecy.NONE)
    due_date = models.DateField("hạn giải quyết", null=True, blank=True)
    channel = models.CharField(
        "hình thức nhận", max_length=20, choices=Channel.choices, default=Channel.PAPER
    )
    page_count = models.PositiveIntegerField("số trang", null=True, blank=True)
    language = models.CharField("ngôn ngữ", max_length=30, default="Tiếng Việt")
    description = models.CharField("ghi chú", max_length=500, blank=True)
    status = models.CharField("trạng thái", max_length=20, choices=Status.choices, default=Status.REGISTERED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người vào sổ", on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField("hoàn thành lúc", null=True, blank=True)
    completion_note = models.TextField("kết quả xử lý", blank=True)
    reply_number_symbol = models.CharField("số, ký hiệu văn bản trả lời", max_length=60, blank=True)
    search_text = models.TextField(editable=False, blank=True)

    class Meta:
        verbose_name = "văn bản đến"
        verbose_name_plural = "văn bản đến"
        constraints = [
            models.UniqueConstraint(
                fields=["register", "year", "arrival_number"], name="uniq_arrival_number"
            ),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="incoming_status_valid"),
            models.CheckConstraint(condition=Q(urgency__in=Urgency.values), name="incoming_urgency_valid"),
            models.CheckConstraint(condition=Q(secrecy__in=Secrecy.values), name="incoming_secrecy_valid"),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "due_date"]),
            models.Index(fields=["organization", "-arrival_date", "-arrival_number"]),
            models.Index(fields=["register", "year", "arrival_number"], name="incoming_register_order"),
            models.Index(fields=["organization", "symbol_key"], name="incoming_org_symbol"),
        ]

    def __str__(self) -> str:
        return f"{self.arrival_number} — {self.number_symbol}"

    @property
    def is_restricted(self) -> bool:
        return self.secrecy != Secrecy.NONE


class Assignment(models.Model):
    """One routing instruction: a unit or a person leads, supports or is informed, with a deadline."""

    document = models.ForeignKey(IncomingDocument, on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField("vai trò", max_length=10, choices=AssignmentRole.choices)
    unit = models.ForeignKey(
        Unit,
        verbose_name="đơn vị",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incoming_assignments",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="cá nhân",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incoming_assignments",
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    deadline = models.DateField("hạn xử lý", null=True, blank=True)
    instruction = models.TextField("ý kiến chỉ đạo", blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        "trạng thái", max_length=12, choices=AssignmentStatus.choices, default=AssignmentStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=False) | Q(person__isnull=False), name="assignment_has_target"
            ),
            models.CheckConstraint(
                condition=Q(status__in=AssignmentStatus.values), name="assignment_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["person", "status"]),
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["document", "parent"], name="assignment_document_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.target_name}"

    @property
    def target_name(self) -> str:
        if self.person_id:
            return str(self.person)
        return str(self.unit)


class Event(models.Model):
    """The processing trail of a document (TraceHeaderList): who did what, when, from which status."""

    document = models.ForeignKey(IncomingDocument, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=30)
    note = models.TextField(blank=True)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} @ {self.at}"
