"""Status of an incoming document and the allowed transitions."""

from __future__ import annotations

from django.db import models

from core.states import check


class Status(models.TextChoices):
    REGISTERED = "registered", "Đã vào sổ"
    SUBMITTED = "submitted", "Chờ phân phối"
    RETURNED = "returned", "Bị trả lại văn thư"
    IN_PROGRESS = "in_progress", "Đang xử lý"
    COMPLETED = "completed", "Đã hoàn thành"
    RECALLED = "recalled", "Đã bị thu hồi"


OPEN_STATUSES = (Status.REGISTERED, Status.SUBMITTED, Status.RETURNED, Status.IN_PROGRESS)

# action -> (allowed from, to); ``None`` as target keeps the current status.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "submit": ((Status.REGISTERED, Status.RETURNED), Status.SUBMITTED),
    "update": ((Status.REGISTERED, Status.RETURNED), None),
    "assign": ((Status.SUBMITTED, Status.IN_PROGRESS), Status.IN_PROGRESS),
    "return_to_clerk": ((Status.SUBMITTED,), Status.RETURNED),
    "return_to_leader": ((Status.IN_PROGRESS,), Status.SUBMITTED),
    "forward": ((Status.IN_PROGRESS,), None),
    "return_to_unit": ((Status.IN_PROGRESS,), None),
    "note": ((Status.IN_PROGRESS, Status.SUBMITTED), None),
    "acknowledge": ((Status.IN_PROGRESS,), None),
    "complete": ((Status.IN_PROGRESS,), Status.COMPLETED),
    "reopen": ((Status.COMPLETED,), Status.IN_PROGRESS),
    "recall": (
        (Status.REGISTERED, Status.SUBMITTED, Status.RETURNED, Status.IN_PROGRESS, Status.COMPLETED),
        Status.RECALLED,
    ),
}


def check_transition(action: str, current: str) -> str:
    return check(TRANSITIONS, Status, action, current)


class AssignmentRole(models.TextChoices):
    LEAD = "lead", "Chủ trì"
    SUPPORT = "support", "Phối hợp"
    INFO = "info", "Để biết"


class AssignmentStatus(models.TextChoices):
    PENDING = "pending", "Chờ xử lý"
    FORWARDED = "forwarded", "Đã giao chuyên viên"
    DONE = "done", "Đã xong"
    RETURNED = "returned", "Đã trả lại"
    CLOSED = "closed", "Đã đóng"


OPEN_ASSIGNMENT = (AssignmentStatus.PENDING, AssignmentStatus.FORWARDED)
