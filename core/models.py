from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One row of the append-only, hash-chained audit log (UPDATE and DELETE are refused by triggers)."""

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80)
    target_type = models.CharField(max_length=80, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    organization_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["target_type", "target_id"])]
        verbose_name = "sự kiện nhật ký"
        verbose_name_plural = "nhật ký kiểm toán"

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class AuditHead(models.Model):
    """The single row that serialises appends to the chain (locked by every writer)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"head #{self.seq}"


class StoredFile(models.Model):
    """A file's bytes, stored once by their sha256 (content-addressed)."""

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.BigIntegerField()
    content_type = models.CharField(max_length=120)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "tệp lưu trữ"
        verbose_name_plural = "tệp lưu trữ"

    def __str__(self) -> str:
        return self.sha256

    @property
    def storage_name(self) -> str:
        return blob_name(self.sha256)


def blob_name(sha256: str) -> str:
    return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"


class Counter(models.Model):
    """A gap-free counter (register + period), incremented inside the registering transaction."""

    scope = models.CharField(max_length=120, unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.scope}={self.last_number}"


class Holiday(models.Model):
    """A non-working day besides Saturdays and Sundays (configurable by the administrator)."""

    date = models.DateField(unique=True, verbose_name="ngày")
    name = models.CharField(max_length=200, verbose_name="tên ngày nghỉ")

    class Meta:
        ordering = ["date"]
        verbose_name = "ngày nghỉ lễ"
        verbose_name_plural = "ngày nghỉ lễ"

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.name}"


class ApiToken(models.Model):
    """A bearer token for the API; only its sha256 is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = "mã truy cập API"
        verbose_name_plural = "mã truy cập API"

    def __str__(self) -> str:
        return f"token of {self.user_id}"
