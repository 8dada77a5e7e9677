"""Electronic copies (bản sao điện tử, NĐ 30 §25–27): sao y, sao lục, trích sao, signed by the organisation.

A copy is made by an organisation from a document it holds: an issued outgoing document, an incoming
document (a paper original scanned to PDF gives a "paper→e" sao y), or — for a sao lục — a sao y copy.
``source_outgoing`` / ``source_incoming`` always name the original document (for a sao lục, the original
of its sao y), so visibility follows the original; ``source_copy`` is the sao y a sao lục was made from.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from documents.models import Attachment, DocType, Urgency
from orgs.models import Organization, Secrecy


class CopyForm(models.TextChoices):
    SAO_Y = "sao_y", "Sao y"
    SAO_LUC = "sao_luc", "Sao lục"
    TRICH_SAO = "trich_sao", "Trích sao"


# The text of the copy stamp (NĐ 30 PL-I Part II.I, cell 14) and the type codes of each form (PL-III).
STAMP_LABELS = {CopyForm.SAO_Y: "SAO Y", CopyForm.SAO_LUC: "SAO LỤC", CopyForm.TRICH_SAO: "TRÍCH SAO"}
STATE_TYPE_CODES = {CopyForm.SAO_Y: "SY", CopyForm.SAO_LUC: "SL", CopyForm.TRICH_SAO: "TrS"}
PARTY_TYPE_CODE = "BS"


class SourceKind(models.TextChoices):
    OUTGOING = "outgoing", "Văn bản đi"
    INCOMING = "incoming", "Văn bản đến"
    COPY = "copy", "Bản sao y"


class Copy(models.Model):
    organization = models.ForeignKey(
        Organization, verbose_name="cơ quan sao", on_delete=models.PROTECT, related_name="copies"
    )
    form = models.CharField("hình thức sao", max_length=12, choices=CopyForm.choices)
    doc_type = models.ForeignKey(DocType, verbose_name="loại bản sao", on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField("năm")
    number = models.PositiveIntegerField("số")
    number_symbol = models.CharField("số, ký hiệu bản sao", max_length=60)
    numbering_scope = models.CharField(max_length=80, editable=False)

    source_kind = models.CharField("sao từ", max_length=10, choices=SourceKind.choices)
    source_outgoing = models.ForeignKey(
        "outgoing.OutgoingDocument",
        verbose_name="văn bản đi gốc",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="copies",
    )
    source_incoming = models.ForeignKey(
        "incoming.IncomingDocument",
        verbose_name="văn bản đến gốc",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="copies",
    )
    source_copy = models.ForeignKey(
        "self",
        verbose_name="bản sao y được sao lục",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="derived",
    )
    source_file = models.ForeignKey(
        Attachment, verbose_name="tệp được sao", on_delete=models.PROTECT, related_name="+"
    )
    source_sha256 = models.CharField(max_length=64)
    from_paper = models.BooleanField("bản gốc giấy được số hóa", default=False)
    # what the register shows about the original (kept as it was when the copy was made)
    source_type_name = models.CharField("tên loại văn bản gốc", max_length=100)
    source_number_symbol = models.CharField("số, ký hiệu văn bản gốc", max_length=60, blank=True)
    source_date = models.DateField("ngày văn bản gốc", null=True, blank=True)
    source_issuer_name = models.CharField("cơ quan ban hành văn bản gốc", max_length=255)
    subject = models.CharField("trích yếu", max_length=500)
    urgency = models.CharField("độ khẩn", max_length=20, choices=Urgency.choices, default=Urgency.NORMAL)

    pages = models.CharField("trang trích sao", max_length=200, blank=True)
    page_count = models.PositiveIntegerField("số trang", null=True, blank=True)
    # set in the creating transaction, right after the row (the attachment is owned by the copy's id)
    file = models.ForeignKey(
        Attachment, verbose_name="tệp bản sao", null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người quyết định sao",
        on_delete=models.PROTECT,
        related_name="copies_decided",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người sao", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("thời điểm sao", auto_now_add=True)

    # copies of secret documents are refused (NĐ 30 §27.2): a copy is never restricted
    secrecy = Secrecy.NONE
    is_restricted = False
    signer = None

    class Meta:
        verbose_name = "bản sao"
        verbose_name_plural = "bản sao"
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["numbering_scope", "number"], name="uniq_copy_number"),
            models.CheckConstraint(condition=Q(form__in=CopyForm.values), name="copy_form_valid"),
            models.CheckConstraint(
                condition=Q(source_kind__in=SourceKind.values), name="copy_source_kind_valid"
            ),
            models.CheckConstraint(
                condition=(Q(source_outgoing__isnull=False) & Q(source_incoming__isnull=True))
                | (Q(source_outgoing__isnull=True) & Q(source_incoming__isnull=False)),
                name="copy_one_original",
            ),
            models.CheckConstraint(
                condition=(Q(form=CopyForm.SAO_LUC) & Q(source_copy__isnull=False) & Q(source_kind="copy"))
                | (~Q(form=CopyForm.SAO_LUC) & Q(source_copy__isnull=True) & ~Q(source_kind="copy")),
                name="copy_sao_luc_from_copy",
            ),
        ]
        indexes = [models.Index(fields=["organization", "year", "number"], name="copy_register_order")]

    def __str__(self) -> str:
        return f"{self.get_form_display()} số {self.number_symbol}"

    @property
    def issued_at(self) -> datetime:
        """What ``incoming.services.receive_internal`` reads of the document it delivers."""
        return self.created_at

    @property
    def source_label(self) -> str:
        """ "Báo cáo số 105-BC/BTCTW ngày 05/01/2026 của Ban Tổ chức Trung ương" """
        parts = [self.source_type_name]
        if self.source_number_symbol:
            parts.append(f"số {self.source_number_symbol}")
        if self.source_date:
            parts.append(f"ngày {self.source_date:%d/%m/%Y}")
        parts.append(f"của {self.source_issuer_name}")
        return " ".join(parts)


class CopyRecipient(models.Model):
    """ "Nơi nhận" of a copy: an organisation of this installation (it receives the copy as an incoming
    document) or a free-text name."""

    copy = models.ForeignKey(Copy, on_delete=models.CASCADE, related_name="recipients")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("nơi nhận", max_length=255)
    incoming = models.ForeignKey(
        "incoming.IncomingDocument", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = "nơi nhận bản sao"
        verbose_name_plural = "nơi nhận bản sao"

    def __str__(self) -> str:
        return self.name
