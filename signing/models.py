"""Certificates (with their keys or where the keys are), the trust list and the record of signatures."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class CertificateKind(models.TextChoices):
    PKCS12 = "pkcs12", "Tệp PKCS#12 lưu trên máy chủ (mã hóa)"
    PKCS11 = "pkcs11", "Thiết bị ký PKCS#11 gắn với máy chủ (HSM)"
    CLIENT = "client", "Thiết bị ký (token) của người ký — ký hai bước"


class SignatureRole(models.TextChoices):
    PERSON = "person", "Chữ ký của người có thẩm quyền"
    SEAL = "seal", "Chữ ký số của cơ quan (dấu)"
    STAMP = "stamp", "Chữ ký số của cơ quan trên phụ lục, bản sao"


class Certificate(models.Model):
    """A signing certificate of one person or one organisation (never both), with where its key lives."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người ký",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name="cơ quan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
    )
    kind = models.CharField("nơi giữ khóa", max_length=10, choices=CertificateKind.choices)
    subject_cn = models.CharField("chủ thể", max_length=255)
    serial_hex = models.CharField("số hiệu", max_length=80)
    issuer_cn = models.CharField("tổ chức cấp", max_length=255)
    not_before = models.DateTimeField("hiệu lực từ")
    not_after = models.DateTimeField("hiệu lực đến")
    certificate_der = models.BinaryField("chứng thư số (DER)", editable=False)
    chain_der = models.JSONField("chuỗi chứng thư (DER, base64)", default=list, editable=False)
    # PKCS#12 bytes encrypted with signing.storage (Fernet, HKDF from SIGNING_STORAGE_KEY); its own
    # password is never stored: the signer types it at signing time.
    pkcs12_encrypted = models.BinaryField(default=b"", editable=False)
    pkcs11_module = models.CharField("thư viện PKCS#11", max_length=255, blank=True)
    pkcs11_token_label = models.CharField("nhãn thiết bị (token)", max_length=100, blank=True)
    pkcs11_key_label = models.CharField("nhãn khóa", max_length=100, blank=True)
    signature_image = models.BinaryField("ảnh chữ ký (PNG, màu xanh)", default=b"", editable=False)
    seal_image = models.BinaryField("ảnh con dấu (PNG, màu đỏ)", default=b"", editable=False)
    seal_size_mm = models.DecimalField("đường kính con dấu (mm)", max_digits=4, decimal_places=1, default=35)
    is_active = models.BooleanField("đang dùng", default=True)
    # Remote signing (signing/remote.py): the owner entrusted the key's password/PIN to the server, which
    # uses it only for a request the owner confirms with a one-time code. Encrypted like the PKCS#12.
    remote_secret_encrypted = models.BinaryField(default=b"", editable=False)
    remote_enabled_at = models.DateTimeField("cho phép ký từ xa từ", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("ngày tạo", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "chứng thư số"
        verbose_name_plural = "chứng thư số"
        ordering = ["-not_after"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(person__isnull=False) & Q(organization__isnull=True))
                | (Q(person__isnull=True) & Q(organization__isnull=False)),
                name="signing_certificate_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[c.value for c in CertificateKind]), name="signing_certificate_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_cn} ({self.serial_hex[:16]})"

    @property
    def owner(self) -> object:
        return self.person if self.person_id else self.organization

    def is_expired(self, at: object = None) -> bool:
        return (at or timezone.now()) > self.not_after  # type: ignore[operator]

    @property
    def remote_enabled(self) -> bool:
        return self.remote_enabled_at is not None and bool(self.remote_secret_encrypted)


class TrustAnchor(models.Model):
    """A root certificate we trust (the trust list): the demo root now, the national roots later."""

    name = models.CharField("tên", max_length=255)
    certificate_der = models.BinaryField("chứng thư gốc (DER)", editable=False)
    sha256 = models.CharField("dấu vân tay SHA-256", max_length=64, unique=True, editable=False)
    not_after = models.DateTimeField("hiệu lực đến", null=True, editable=False)
    is_active = models.BooleanField("đang tin cậy", default=True)
    created_at = models.DateTimeField("ngày thêm", default=timezone.now)

    class Meta:
        verbose_name = "chứng thư gốc tin cậy"
        verbose_name_plural = "danh sách tin cậy"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SignatureEvent(models.Model):
    """One signature applied by the system: what was signed, by which certificate, who asked."""

    role = models.CharField("loại chữ ký", max_length=10, choices=SignatureRole.choices)
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("thời điểm ký", default=timezone.now)
    field_name = models.CharField("trường chữ ký", max_length=100)
    sha256_before = models.CharField(max_length=64)
    sha256_after = models.CharField(max_length=64)
    document_kind = models.CharField(max_length=20, blank=True)
    document_id = models.BigIntegerField(null=True, blank=True)
    attachment_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "lần ký số"
        verbose_name_plural = "nhật ký ký số"
        ordering = ["-at"]
        indexes = [models.Index(fields=["document_kind", "document_id"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=[c.value for c in SignatureRole]), name="signing_event_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} — {self.at:%d/%m/%Y %H:%M}"


class FileValidation(models.Model):
    """The stored validation of one file's signatures. Files are content-addressed (one StoredFile per
    distinct content), so one row serves every document that carries the same file. ``requested_at``
    after ``validated_at`` (or no ``validated_at``) means a validation is queued."""

    PENDING = "pending"

    stored = models.OneToOneField(
        "core.StoredFile", on_delete=models.CASCADE, primary_key=True, related_name="signature_validation"
    )
    verdict = models.CharField("kết quả", max_length=20, default=PENDING)
    reason = models.CharField("lý do", max_length=500, blank=True)
    report = models.JSONField("báo cáo chi tiết", default=dict, blank=True)
    requested_at = models.DateTimeField("yêu cầu kiểm tra lúc", default=timezone.now)
    validated_at = models.DateTimeField("kiểm tra lúc", null=True, blank=True)

    class Meta:
        verbose_name = "kết quả kiểm tra chữ ký của tệp"
        verbose_name_plural = "kết quả kiểm tra chữ ký của tệp"

    def __str__(self) -> str:
        return f"{self.stored_id}: {self.verdict}"

    @property
    def is_pending(self) -> bool:
        return self.validated_at is None or self.requested_at > self.validated_at


class CertificateReminder(models.Model):
    """One expiry reminder per certificate and threshold (``30d``, ``7d``, ``expired``): sent once."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="reminders")
    threshold = models.CharField(max_length=10)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "nhắc hết hạn chứng thư số"
        verbose_name_plural = "nhắc hết hạn chứng thư số"
        constraints = [
            models.UniqueConstraint(fields=["certificate", "threshold"], name="signing_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.threshold}"


class RemoteStatus(models.TextChoices):
    PENDING = "pending", "Chờ người ký xác nhận"
    SIGNING = "signing", "Đã xác nhận, đang ký"
    SIGNED = "signed", "Đã ký"
    DECLINED = "declined", "Người ký từ chối"
    CANCELLED = "cancelled", "Đã hủy yêu cầu"
    EXPIRED = "expired", "Hết thời gian xác nhận"
    FAILED = "failed", "Không ký được"


class RemoteMethod(models.TextChoices):
    TOTP = "totp", "Mã trên ứng dụng xác thực của điện thoại"
    EMAIL = "email", "Mã gửi qua thư điện tử"


class SignatureRequest(models.Model):
    """A request to sign one exact file remotely: it waits until the signer confirms it with a one-time
    code (or declines it, or it expires). ``sha256`` binds it to the version the requester saw."""

    token = models.CharField(max_length=43, unique=True, editable=False)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="remote_requests")
    document_kind = models.CharField(max_length=20)
    document_id = models.BigIntegerField()
    sha256 = models.CharField("mã băm phiên bản cần ký", max_length=64)
    title = models.CharField("nội dung cần ký", max_length=500)
    url = models.CharField("trang của văn bản", max_length=300, blank=True)
    method = models.CharField("cách xác nhận", max_length=10, choices=RemoteMethod.choices)
    code_hash = models.CharField(max_length=64, blank=True, editable=False)  # e-mailed codes only
    status = models.CharField(
        "trạng thái", max_length=10, choices=RemoteStatus.choices, default=RemoteStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField("số lần nhập sai", default=0)
    reason = models.CharField("lý do", max_length=500, blank=True)
    created_at = models.DateTimeField("yêu cầu lúc", default=timezone.now)
    expires_at = models.DateTimeField("hết hạn lúc")
    decided_at = models.DateTimeField("xử lý lúc", null=True, blank=True)

    class Meta:
        verbose_name = "yêu cầu ký từ xa"
        verbose_name_plural = "yêu cầu ký từ xa"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["signer", "status"]),
            models.Index(fields=["document_kind", "document_id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in RemoteStatus]), name="signing_request_status"
            ),
            # one open request per document at a time: a new one replaces (cancels) the old one
            models.UniqueConstraint(
                fields=["document_kind", "document_id"],
                condition=Q(status="pending"),
                name="signing_request_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title[:60]} — {self.get_status_display()}"

    def is_open(self, at: object = None) -> bool:
        return self.status == RemoteStatus.PENDING and (at or timezone.now()) < self.expires_at  # type: ignore[operator]

    @property
    def is_waiting(self) -> bool:
        """Not answered yet as far as the requester is concerned (waiting for the code, or signing)."""
        return self.status in (RemoteStatus.PENDING, RemoteStatus.SIGNING)


class ClientSigningSession(models.Model):
    """Two-step signing with the signer's own token: the server prepared the PDF with an empty signature
    container and the attributes to sign; it waits (a few minutes) for the token's signature."""

    token = models.CharField(max_length=43, unique=True, editable=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="client_sessions")
    role = models.CharField(max_length=10, choices=SignatureRole.choices)
    document_kind = models.CharField(max_length=20, blank=True)
    document_id = models.BigIntegerField(null=True, blank=True)
    expected_sha256 = models.CharField("phiên bản cần ký", max_length=64, blank=True)
    field_name = models.CharField(max_length=100)
    sha256_before = models.CharField(max_length=64)
    prepared_pdf = models.BinaryField(default=b"", editable=False)
    to_sign = models.BinaryField(editable=False)
    document_digest = models.BinaryField(editable=False)
    region_start = models.BigIntegerField()
    region_end = models.BigIntegerField()
    box = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "phiên ký hai bước"
        verbose_name_plural = "phiên ký hai bước"
        indexes = [models.Index(fields=["document_kind", "document_id"])]

    def __str__(self) -> str:
        return f"{self.document_kind} {self.document_id} ({self.created_at:%d/%m/%Y %H:%M})"
