"""Dossier status and its transition table (checked by ``core.states.check``)."""

from __future__ import annotations

from django.db import models

from core.states import Table


class DossierStatus(models.TextChoices):
    OPEN = "open", "Đang lập"
    CLOSED = "closed", "Đã kết thúc"
    TRANSFERRED = "transferred", "Đã nộp lưu"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Chờ chạy"
    RUNNING = "running", "Đang nhập"
    DONE = "done", "Hoàn thành"
    FAILED = "failed", "Bị gián đoạn"


# action: (statuses it is allowed from, status after it; None keeps the status)
DOSSIER_TRANSITIONS: Table = {
    "edit": ((DossierStatus.OPEN,), None),
    "add_document": ((DossierStatus.OPEN,), None),
    "remove_document": ((DossierStatus.OPEN,), None),
    "close": ((DossierStatus.OPEN,), DossierStatus.CLOSED),
    "reopen": ((DossierStatus.CLOSED,), DossierStatus.OPEN),
    "transfer": ((DossierStatus.CLOSED,), DossierStatus.TRANSFERRED),
}
