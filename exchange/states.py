"""States of the exchange's outbox and inbox, and the transitions each service may make."""

from __future__ import annotations

from django.db import models

from core.errors import WrongState


class Kind(models.TextChoices):
    PACKAGE = "package", "Gói văn bản"
    STATUS = "status", "Trạng thái xử lý"


class OutState(models.TextChoices):
    AWAITING_FILE = "awaiting_file", "Chờ tệp phát hành"
    PENDING = "pending", "Chờ gửi"
    SENDING = "sending", "Đang gửi"
    SENT = "sent", "Đã gửi"
    FAILED = "failed", "Gửi lỗi"
    CANCELLED = "cancelled", "Đã hủy"


class InState(models.TextChoices):
    ARRIVED = "arrived", "Đã đến, chờ văn thư"
    REGISTERED = "registered", "Đã vào sổ"
    REJECTED = "rejected", "Đã trả lại"
    WITHDRAWN = "withdrawn", "Bị thu hồi"
    HANDLED = "handled", "Đã xử lý tự động"
    RELAYED = "relayed", "Đã chuyển tiếp"


OUT_TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "file_ready": ((OutState.AWAITING_FILE,), OutState.PENDING),
    "claim": ((OutState.PENDING,), OutState.SENDING),
    "delivered": ((OutState.SENDING,), OutState.SENT),
    "retry": ((OutState.SENDING,), OutState.PENDING),
    "fail": ((OutState.SENDING,), OutState.FAILED),
    "resend": ((OutState.FAILED,), OutState.PENDING),
    "cancel": ((OutState.AWAITING_FILE, OutState.PENDING, OutState.FAILED), OutState.CANCELLED),
}

IN_TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "register": ((InState.ARRIVED,), InState.REGISTERED),
    "reject": ((InState.ARRIVED,), InState.REJECTED),
    "withdraw": ((InState.ARRIVED,), InState.WITHDRAWN),
}


def check(table: dict[str, tuple[tuple[str, ...], str]], action: str, current: str) -> str:
    allowed, after = table[action]
    if current not in allowed:
        raise WrongState("Thao tác không phù hợp với trạng thái hiện tại của gói tin liên thông.")
    return after
