from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from documents.models import DocType, Register, Urgency
from orgs.models import Organization, Role, Secrecy, Unit
from outgoing.states import Decision, DeliveryStatus, SignerCapacity, Status


class CommitteeTerm(models.Model):
    """A Party committee term (nhiệm kỳ): Party documents are numbered per type through it (HD 36)."""

    organization = models.ForeignKey(
        Organization, verbose_name="cấp ủy", on_delete=models.PROTECT, related_name="terms"
    )
    name = models.CharField("nhiệm kỳ", max_length=50, help_text="Ví dụ: 2025–2030")
    start_date = models.DateField("từ ngày")
    end_date = models.DateField("đến ngày")

    class Meta:
        verbose_name = "nhiệm kỳ cấp ủy"
        verbose_name_plural = "nhiệm kỳ cấp ủy"
        ordering = ["organization__name", "-start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="term_dates")
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.name}"


class ApprovalRoute(models.Model):
    """The approval chain of an organization, for one document type or (type empty) for all others."""

    organization = models.ForeignKey(
        Organization, verbose_name="cơ quan", on_delete=models.PROTECT, related_name="approval_routes"
    )
    doc_type = models.ForeignKey(
        DocType,
        verbose_name="loại văn bản",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text="Để trống: áp dụng cho mọi loại khác.",
    )

    class Meta:
        verbose_name = "quy trình duyệt"
        verbose_name_plural = "quy trình duyệt"
        constraints = [models.UniqueConstraint(fields=["organization", "doc_type"], name="uniq_route")]

    def __str__(self) -> str:
        return f"{self.organization} — {self.doc_type or 'mọi loại'}"


class ApprovalRouteStep(models.Model):
    route = models.ForeignKey(ApprovalRoute, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField("thứ tự")
    role = models.CharField(
        "vai trò duyệt",
        max_length=30,
        choices=Role.choices,
        blank=True,
        help_text="Trưởng phòng: trưởng đơn vị soạn thảo; lãnh đạo: của cơ quan.",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="hoặc người duyệt",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_signer = models.BooleanField("bước ký", default=False, help_text="Bước cuối: người ký văn bản.")

    class Meta:
        ordering = ["route", "position"]
        constraints = [
            models.UniqueConstraint(fields=["route", "position"], name="uniq_route_step"),
            models.CheckConstraint(condition=~Q(role="") | Q(person__isnull=False), name="step_has_approver"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.person or self.get_role_display()}"


class OutgoingDocument(models.Model):
    organization = models.ForeignKey(
        Organization,
        verbose_name="cơ quan ban hành",
        on_delete=models.PROTECT,
        related_name="outgoing_documents",
    )
    drafting_unit = models.ForeignKey(
        Unit,
        verbose_name="đơn vị soạn thảo",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    drafter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người soạn thảo",
        on_delete=models.PROTECT,
        related_name="drafts",
    )
    doc_type = models.ForeignKey(DocType, verbose_name="loại văn bản", on_delete=models.PROTECT)
    subject = models.CharField("trích yếu", max_length=500)
    urgency = models.CharField("độ khẩn", max_length=20, choices=Urgency.choices, default=Urgency.NORMAL)
    secrecy = models.CharField("độ mật", max_length=20, choices=Secrecy.choices, default=Secrecy.NONE)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người ký",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signer_capacity = models.CharField(
        "thẩm quyền ký", max_length=20, choices=SignerCapacity.choices, default=SignerCapacity.OWN
    )
    status = models.CharField("trạng thái", max_length=20, choices=Status.choices, default=Status.DRAFT)
    route = models.ForeignKey(
        ApprovalRoute, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    current_step = models.PositiveSmallIntegerField(default=0)
    register = models.ForeignKey(
        Register, null=True, blank=True, on_delete=models.PROTECT, related_name="outgoing"
    )
    numbering_scope = models.CharField(max_length=120, blank=True, editable=False)
    number = models.PositiveIntegerField("số", null=True, blank=True)
    number_symbol = models.CharField("số, ký hiệu", max_length=60, blank=True)
    issued_at = models.DateTimeField("phát hành lúc", null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reply_to = models.ForeignKey(
        "incoming.IncomingDocument",
        verbose_name="trả lời văn bản đến",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replies",
    )
    # after issuance (outgoing/after_issue.py): a replacement (content error, a document of the same form)
    # or a correction (format or procedure error, by a công văn); the reason is the new draft's
    replaces = models.ForeignKey(
        "self",
        verbose_name="thay thế văn bản",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replacements",
    )
    replaced_by = models.ForeignKey(
        "self",
        verbose_name="bị thay thế bởi",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    corrects = models.ForeignKey(
        "self",
        verbose_name="đính chính văn bản",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    corrected_by = models.ForeignKey(
        "self",
        verbose_name="được đính chính bởi",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Văn bản đính chính phát hành gần nhất.",
    )
    after_issue_reason = models.CharField("lý do thay thế, đính chính", max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = "văn bản đi"
        verbose_name_plural = "văn bản đi"
        constraints = [
            models.UniqueConstraint(
                fields=["numbering_scope", "number"],
                condition=Q(number__isnull=False),
                name="uniq_outgoing_number",
            ),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="outgoing_status_valid"),
        ]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["status", "current_step"]),
            models.Index(fields=["-created_at", "-id"], name="outgoing_newest_first"),
        ]

    def __str__(self) -> str:
        return self.number_symbol or f"Dự thảo #{self.pk}"

    @property
    def is_restricted(self) -> bool:
        return self.secrecy != Secrecy.NONE


class Version(models.Model):
    """One version of the draft: an attachment (documents.Attachment, owner kind "outgoing") and its hash."""

    document = models.ForeignKey(OutgoingDocument, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField("phiên bản")
    attachment = models.OneToOneField("documents.Attachment", on_delete=models.PROTECT, related_name="+")
    sha256 = models.CharField(max_length=64)
    note = models.CharField("ghi chú", max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document", "number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="uniq_version")]

    def __str__(self) -> str:
        return f"v{self.number}"


class Approval(models.Model):
    """A decision at one step, bound to the exact version (hash) it was given on."""

    document = models.ForeignKey(OutgoingDocument, on_delete=models.CASCADE, related_name="approvals")
    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="approvals")
    step = models.PositiveSmallIntegerField()
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.step}: {self.decision}"


class Recipient(models.Model):
    """Nơi nhận: an organization of this installation (delivered at once) or an outside name."""

    document = models.ForeignKey(OutgoingDocument, on_delete=models.CASCADE, related_name="recipients")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=255)
    status = models.CharField(max_length=20, choices=DeliveryStatus.choices, blank=True)
    incoming = models.ForeignKey(
        "incoming.IncomingDocument", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
