from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from documents.models import DocType, Register, Urgency
from orgs.models import Organization, Role, Secrecy, Unit
from outgoing.states import Decision, DeliveryStatus, RenditionStatus, SignerCapacity, Status, Steering


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
    # what the recipients are asked: handle by this date (edXML DueDate; the receiver's "hạn giải quyết"
    # is filled from it), and whether it directs their work (SteeringType)
    response_due = models.DateField("hạn xử lý đề nghị", null=True, blank=True)
    steering = models.PositiveSmallIntegerField("tính chất chỉ đạo", choices=Steering.choices, default=0)
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
    issued_file = models.ForeignKey(
        "documents.Attachment",
        verbose_name="bản phát hành",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="PDF có số, ngày và nơi nhận; trống trong giây lát sau khi cấp số.",
    )
    signed_file = models.ForeignKey(
        "documents.Attachment",
        verbose_name="bản đã ký số",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="PDF của phiên bản được duyệt, có trường số, ngày và chữ ký số của người ký.",
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
    fields = models.JSONField(
        "trường của mẫu", null=True, blank=True, help_text="Có khi dự thảo được tạo từ mẫu văn bản."
    )
    pdf = models.ForeignKey(
        "documents.Attachment",
        verbose_name="bản PDF",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    pdf_status = models.CharField(
        max_length=10, choices=RenditionStatus.choices, default=RenditionStatus.READY
    )
    pdf_error = models.CharField(max_length=500, blank=True)
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


class DocumentTemplate(models.Model):
    """An office's own .docx template for a document type (docxtpl tags); the built-in one otherwise."""

    organization = models.ForeignKey(
        Organization,
        verbose_name="cơ quan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="document_templates",
        help_text="Để trống: dùng chung cho mọi cơ quan của hệ thống.",
    )
    doc_type = models.ForeignKey(DocType, verbose_name="loại văn bản", on_delete=models.PROTECT)
    stored = models.ForeignKey("core.StoredFile", verbose_name="tệp mẫu", on_delete=models.PROTECT)
    name = models.CharField("tên tệp", max_length=200)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "mẫu văn bản"
        verbose_name_plural = "mẫu văn bản"
        constraints = [
            models.UniqueConstraint(fields=["organization", "doc_type"], name="uniq_template"),
            models.UniqueConstraint(
                fields=["doc_type"], condition=Q(organization__isnull=True), name="uniq_shared_template"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.doc_type} — {self.organization or 'dùng chung'}"


class ReviewRound(models.Model):
    """A request for comments (góp ý dự thảo) on one version of a draft, with a deadline."""

    document = models.ForeignKey(OutgoingDocument, on_delete=models.CASCADE, related_name="review_rounds")
    version = models.ForeignKey(
        Version, verbose_name="phiên bản xin ý kiến", on_delete=models.PROTECT, related_name="review_rounds"
    )
    deadline = models.DateField("hạn góp ý")
    note = models.TextField("nội dung xin ý kiến", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed = models.BooleanField("đã kết thúc", default=False)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "đợt xin ý kiến"
        verbose_name_plural = "đợt xin ý kiến"
        ordering = ["document", "created_at", "id"]

    def __str__(self) -> str:
        return f"Xin ý kiến {self.document} (v{self.version.number}) hạn {self.deadline:%d/%m/%Y}"


class ReviewRequest(models.Model):
    """Who is asked in a round: a person, an organization of this installation (its clerks and
    leaders answer), or an outside organization by name (the drafter records its reply)."""

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="requests")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người góp ý",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="review_requests",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name="cơ quan góp ý",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outside_name = models.CharField("cơ quan ngoài hệ thống", max_length=255, blank=True)
    responded_at = models.DateTimeField("đã góp ý lúc", null=True, blank=True)
    reminded_at = models.DateTimeField("đã nhắc lúc", null=True, blank=True)

    class Meta:
        verbose_name = "người, cơ quan được xin ý kiến"
        verbose_name_plural = "người, cơ quan được xin ý kiến"
        ordering = ["round", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(reviewer__isnull=False) & Q(organization__isnull=True) & Q(outside_name=""))
                | (Q(reviewer__isnull=True) & Q(organization__isnull=False) & Q(outside_name=""))
                | (Q(reviewer__isnull=True) & Q(organization__isnull=True) & ~Q(outside_name="")),
                name="review_request_one_target",
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.reviewer_id:
            return str(self.reviewer)
        if self.organization_id:
            return str(self.organization)
        return self.outside_name


class Comment(models.Model):
    """A comment bound to the version it was given on, and the drafter's answer (tiếp thu, giải trình)."""

    document = models.ForeignKey(OutgoingDocument, on_delete=models.CASCADE, related_name="comments")
    version = models.ForeignKey(
        Version, verbose_name="phiên bản", on_delete=models.PROTECT, related_name="comments"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    on_behalf_of = models.ForeignKey(
        Organization,
        verbose_name="thay mặt cơ quan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    on_behalf_of_name = models.CharField("thay mặt cơ quan (ngoài hệ thống)", max_length=255, blank=True)
    text = models.TextField("ý kiến")
    created_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField("trả lời, giải trình", blank=True)
    answered_in = models.ForeignKey(
        Version,
        verbose_name="tiếp thu ở phiên bản",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="answers",
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "ý kiến góp ý"
        verbose_name_plural = "ý kiến góp ý"
        ordering = ["document", "created_at", "id"]

    def __str__(self) -> str:
        return f"Ý kiến #{self.pk} (v{self.version.number})"

    @property
    def source(self) -> str:
        """Whose opinion it is, as people read it."""
        if self.on_behalf_of_name:
            return self.on_behalf_of_name
        if self.on_behalf_of_id:
            return f"{self.on_behalf_of} ({self.author})"
        return str(self.author)


class Annex(models.Model):
    """A phụ lục in a file of its own (NĐ 30 PL-I: annexes in separate files are signed one by one)."""

    document = models.ForeignKey(OutgoingDocument, on_delete=models.CASCADE, related_name="annexes")
    attachment = models.OneToOneField("documents.Attachment", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("tên phụ lục", max_length=300)
    position = models.PositiveSmallIntegerField("thứ tự")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "phụ lục"
        verbose_name_plural = "phụ lục"
        ordering = ["document", "position", "id"]

    def __str__(self) -> str:
        return self.title
