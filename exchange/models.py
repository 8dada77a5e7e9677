"""The exchange's directory (installations, organisations and their certificates), this installation's
signing identities, and the outbox, inbox and status history of edXML messages."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from exchange.states import InState, Kind, OutState


class Node(models.Model):
    """An installation of dieuhanh (or another system) reachable at ``endpoint``."""

    name = models.CharField("tên", max_length=200)
    endpoint = models.URLField(
        "địa chỉ liên thông", max_length=300, help_text="Ví dụ https://tinhuy.example.vn"
    )
    is_hub = models.BooleanField("là trục chuyển tiếp", default=False)
    # the certificates this installation signs its reports "could not deliver onward" with (a hub
    # publishes its own in the directory): such a status 02 about an organisation it routes is accepted
    relay_certificates_pem = models.TextField("chứng thư số báo lỗi chuyển tiếp (PEM)", blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "hệ thống liên thông"
        verbose_name_plural = "hệ thống liên thông"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from exchange.directory import plain_http_refused

        if self.endpoint and plain_http_refused(self.endpoint):
            message = (
                "Địa chỉ liên thông phải dùng HTTPS (https://…): gói tin và danh bạ không được truyền "
                "qua kết nối không mã hóa."
            )
            raise ValidationError({"endpoint": message})


class EntrySource(models.TextChoices):
    LOCAL = "local", "Quản trị khai báo"
    HUB = "hub", "Lấy từ trục liên thông"


class DirectoryEntry(models.Model):
    """An organisation of another installation: where its packages go (the next hop) and the certificates
    its packages must be signed with. An entry an administrator configured (``local``) is never changed
    by the hub's listing; only entries taken from it (``hub``) follow it."""

    organization = models.OneToOneField(
        "orgs.Organization", on_delete=models.PROTECT, related_name="exchange_entry", verbose_name="cơ quan"
    )
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="entries", verbose_name="gửi qua")
    certificates_pem = models.TextField("chứng thư số (PEM)", blank=True)
    active = models.BooleanField("đang liên thông", default=True)
    source = models.CharField("nguồn", max_length=5, choices=EntrySource.choices, default=EntrySource.LOCAL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "cơ quan liên thông"
        verbose_name_plural = "danh bạ liên thông"

    def __str__(self) -> str:
        return str(self.organization)


class Identity(models.Model):
    """The key an organisation of this installation signs its packages and statuses with: entrusted to
    the server (encrypted at rest by ``signing.storage``) so that the dispatcher signs without a person.
    It is not the document's legal signature (the PAdES seal inside the PDF is)."""

    organization = models.OneToOneField(
        "orgs.Organization", on_delete=models.PROTECT, related_name="exchange_identity"
    )
    key_encrypted = models.BinaryField(editable=False)  # PKCS#8 PEM, Fernet
    certificate_pem = models.TextField()  # the certificate, then its chain
    fingerprint = models.CharField(max_length=64)
    not_after = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "khóa ký gói tin liên thông"
        verbose_name_plural = "khóa ký gói tin liên thông"

    def __str__(self) -> str:
        return f"{self.organization} ({self.fingerprint[:12]})"


class OutboxMessage(models.Model):
    message_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    business = models.PositiveSmallIntegerField(null=True, blank=True)
    status_code = models.CharField(max_length=2, blank=True)
    from_identifier = models.CharField(max_length=35)
    to_identifier = models.CharField(max_length=35)
    document_id = models.CharField(max_length=200)
    outgoing = models.ForeignKey(
        "outgoing.OutgoingDocument", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient = models.ForeignKey(
        "outgoing.Recipient", null=True, blank=True, on_delete=models.PROTECT, related_name="exchange_out"
    )
    inbox = models.ForeignKey(
        "InboxMessage", null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    description = models.TextField(blank=True)  # status messages: the Description sent
    package = models.ForeignKey("core.StoredFile", null=True, blank=True, on_delete=models.PROTECT)
    state = models.CharField(max_length=15, choices=OutState.choices)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="exchange_out_due"),
            # "an earlier message for the same recipient and document is unsent" (dispatch._earlier_unsent),
            # asked for every row claimed and every due row listed: without it, a scan of the whole outbox
            models.Index(fields=["to_identifier", "document_id", "kind"], name="exchange_out_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in OutState]), name="exchange_out_state_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.document_id} → {self.to_identifier} ({self.state})"


class InboxMessage(models.Model):
    message_id = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    business = models.PositiveSmallIntegerField(null=True, blank=True)
    status_code = models.CharField(max_length=2, blank=True)
    from_identifier = models.CharField(max_length=35)
    to_identifier = models.CharField(max_length=35)
    organization = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    document_id = models.CharField(max_length=200)
    header = models.JSONField(default=dict)  # what the clerk's form is filled from
    # the attachments stored as files (content id → StoredFile id, None for one that is not a readable
    # PDF) by the worker after the arrival, for their signatures to be validated while it waits
    # (``arrival_files.prepare``); {} until then, None when there is nothing to prepare
    files = models.JSONField(default=None, null=True, blank=True)
    package = models.ForeignKey("core.StoredFile", on_delete=models.PROTECT)
    signer_sha256 = models.CharField(max_length=64)
    state = models.CharField(max_length=15, choices=InState.choices)
    incoming = models.ForeignKey(
        "incoming.IncomingDocument", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            # a message id is the sender's: two senders may use the same one
            models.UniqueConstraint(
                fields=["from_identifier", "message_id", "to_identifier"], name="exchange_in_message_once"
            ),
            # the same document from the same sender to the same recipient is one document, even when the
            # sender signed it again with a new message id
            models.UniqueConstraint(
                fields=["from_identifier", "to_identifier", "document_id", "business"],
                condition=Q(kind=Kind.PACKAGE, business__in=[0, 3]),  # new, replace (notices may repeat)
                name="exchange_in_one_document",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.document_id} ← {self.from_identifier} ({self.state})"


class ExchangeStatus(models.Model):
    """One status a recipient reported for an outgoing document (history; the latest is current)."""

    recipient = models.ForeignKey(
        "outgoing.Recipient", on_delete=models.CASCADE, related_name="exchange_statuses"
    )
    code = models.CharField(max_length=2)
    description = models.TextField(blank=True)
    staff = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()  # the recipient's Timestamp
    received_at = models.DateTimeField(auto_now_add=True)
    inbox = models.OneToOneField(InboxMessage, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.code} {self.at:%d/%m/%Y %H:%M}"
