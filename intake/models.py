"""An intake job (one scan on its way through the OCR pipeline) and the OCR result of a stored file."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import StoredFile
from intake.states import Source, Status, Step


class OcrResult(models.Model):
    """The OCR of one original file (content-addressed: the same scan is recognised once).

    ``pdfa`` is the PDF/A with a text layer kept beside the original; ``text`` is its text, page by page
    separated by form feeds, for search and for metadata extraction."""

    original = models.OneToOneField(StoredFile, on_delete=models.PROTECT, related_name="ocr_result")
    pdfa = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="ocr_of")
    text = models.TextField(blank=True)
    page_count = models.PositiveIntegerField(default=0)
    language = models.CharField(max_length=20, default="vie")
    seconds = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "kết quả nhận dạng"
        verbose_name_plural = "kết quả nhận dạng"

    def __str__(self) -> str:
        return f"OCR {self.original_id} -> {self.pdfa_id}"


class IntakeJob(models.Model):
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.UPLOAD)
    original_name = models.CharField(max_length=200)
    original = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="intake_jobs")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    step = models.CharField(max_length=10, choices=Step.choices, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    error_code = models.CharField(max_length=60, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    result = models.ForeignKey(
        OcrResult, null=True, blank=True, on_delete=models.PROTECT, related_name="jobs"
    )
    # the metadata read from the first pages: {"field": {"value", "confidence"}} (intake.extract)
    metadata = models.JSONField(default=dict, blank=True)
    document = models.ForeignKey(
        "incoming.IncomingDocument", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "lượt tiếp nhận bản quét"
        verbose_name_plural = "lượt tiếp nhận bản quét"
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="intake_job_status_valid"),
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=100), name="intake_job_progress_range"
            ),
            # a finished job always points at its result: never "done" without the PDF/A and text
            models.CheckConstraint(
                condition=~Q(status__in=[Status.DONE, Status.REGISTERED]) | Q(result__isnull=False),
                name="intake_job_done_has_result",
            ),
        ]
        indexes = [models.Index(fields=["organization", "status", "-created_at"])]

    def __str__(self) -> str:
        return f"intake #{self.pk} {self.original_name} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (Status.DONE, Status.FAILED, Status.REGISTERED)


class MailOrigin(models.Model):
    """Where a job taken from the intake mailbox came from (``intake.mailbox``).

    One row per (message, attachment), written in the job's transaction: the unique key makes a second
    pass over the same message (a crash before it was moved away) create nothing twice."""

    job = models.OneToOneField(IntakeJob, on_delete=models.CASCADE, related_name="mail")
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    # sha256 of the Message-ID (which may be long): the key; the Message-ID itself is kept for display
    message_key = models.CharField(max_length=64)
    message_id = models.TextField()
    attachment_sha256 = models.CharField(max_length=64)
    sender = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    mailbox = models.CharField(max_length=300, blank=True)  # user@host/folder it was read from

    class Meta:
        verbose_name = "nguồn thư điện tử"
        verbose_name_plural = "nguồn thư điện tử"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "message_key", "attachment_sha256"], name="intake_mail_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sender} — {self.subject}"
