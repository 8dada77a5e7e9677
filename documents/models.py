from __future__ import annotations

from django.conf import settings
from django.db import models

from orgs.models import Organization, Profile, Secrecy  # noqa: F401  (Secrecy re-exported for documents)


class Urgency(models.TextChoices):
    NORMAL = "normal", "Thường"
    URGENT = "urgent", "Khẩn"
    VERY_URGENT = "very_urgent", "Thượng khẩn"
    FLASH = "flash", "Hỏa tốc"


URGENCY_RANK = {Urgency.NORMAL: 0, Urgency.URGENT: 1, Urgency.VERY_URGENT: 2, Urgency.FLASH: 3}


class Channel(models.TextChoices):
    PAPER = "paper", "Bản giấy"
    ELECTRONIC = "electronic", "Điện tử"
    EMAIL = "email", "Thư điện tử"
    EXCHANGE = "exchange", "Liên thông"
    INTERNAL = "internal", "Nội bộ hệ thống"


class DocType(models.Model):
    """A document type of one profile, with its abbreviation used in number-symbols (data, not code)."""

    profile = models.CharField("khối", max_length=10, choices=Profile.choices)
    code = models.CharField("mã", max_length=12)
    name = models.CharField("tên loại", max_length=100)
    abbreviation = models.CharField(
        "chữ viết tắt", max_length=12, blank=True, help_text="Để trống với công văn khối Nhà nước (NĐ 30)."
    )
    is_active = models.BooleanField("đang dùng", default=True)

    class Meta:
        verbose_name = "loại văn bản"
        verbose_name_plural = "loại văn bản"
        ordering = ["profile", "name"]
        constraints = [models.UniqueConstraint(fields=["profile", "code"], name="uniq_doctype_code")]

    def __str__(self) -> str:
        return self.name


class RegisterKind(models.TextChoices):
    INCOMING = "incoming", "Văn bản đến"
    OUTGOING = "outgoing", "Văn bản đi"


class NumberingPeriod(models.TextChoices):
    YEAR = "year", "Theo năm dương lịch"
    TERM = "term", "Theo nhiệm kỳ cấp ủy"


class Register(models.Model):
    organization = models.ForeignKey(
        Organization, verbose_name="cơ quan", on_delete=models.PROTECT, related_name="registers"
    )
    kind = models.CharField("loại sổ", max_length=10, choices=RegisterKind.choices)
    name = models.CharField("tên sổ", max_length=200)
    period = models.CharField(
        "kỳ đánh số", max_length=10, choices=NumberingPeriod.choices, default=NumberingPeriod.YEAR
    )
    for_secret = models.BooleanField("sổ văn bản mật", default=False)
    is_active = models.BooleanField("đang dùng", default=True)

    class Meta:
        verbose_name = "sổ đăng ký"
        verbose_name_plural = "sổ đăng ký"
        ordering = ["organization__name", "kind", "name"]

    def __str__(self) -> str:
        return self.name

    def counter_scope(self, year: int) -> str:
        return f"register:{self.pk}:{year}"


class Attachment(models.Model):
    """A file of a document (incoming, later outgoing); access always goes through the owner document."""

    stored = models.ForeignKey("core.StoredFile", on_delete=models.PROTECT, related_name="attachments")
    name = models.CharField("tên tệp", max_length=200)
    owner_kind = models.CharField(max_length=20)
    owner_id = models.BigIntegerField()
    position = models.PositiveSmallIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["owner_kind", "owner_id"])]
        verbose_name = "tệp đính kèm"
        verbose_name_plural = "tệp đính kèm"

    def __str__(self) -> str:
        return self.name
