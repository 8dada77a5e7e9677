"""Status of an intake job and the allowed transitions."""

from __future__ import annotations

from django.db import models

from core.states import check


class Status(models.TextChoices):
    QUEUED = "queued", "Đang chờ xử lý"
    RUNNING = "running", "Đang nhận dạng"
    DONE = "done", "Đã nhận dạng xong"
    FAILED = "failed", "Không nhận dạng được"
    REGISTERED = "registered", "Đã vào sổ"


class Source(models.TextChoices):
    UPLOAD = "upload", "Tải lên"
    FOLDER = "folder", "Thư mục quét"
    EMAIL = "email", "Thư điện tử"


class Step(models.TextChoices):
    """The pipeline's steps, in order (the job records the one it is in, or the one that failed)."""

    PREPARE = "prepare", "Chuẩn bị tệp"
    OCR = "ocr", "Làm sạch trang và nhận dạng chữ"
    EXTRACT = "extract", "Đọc thông tin văn bản"
    STORE = "store", "Lưu bản PDF/A"


# action -> (allowed from, to); RUNNING -> RUNNING is a retry after a worker crash.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "start": ((Status.QUEUED, Status.RUNNING), Status.RUNNING),
    "finish": ((Status.RUNNING,), Status.DONE),
    "fail": ((Status.QUEUED, Status.RUNNING), Status.FAILED),
    "retry": ((Status.FAILED,), Status.QUEUED),
    "register": ((Status.DONE,), Status.REGISTERED),
}


def check_transition(action: str, current: str) -> str:
    return check(TRANSITIONS, Status, action, current)
