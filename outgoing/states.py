"""Status of an outgoing document and the allowed transitions."""

from __future__ import annotations

from django.db import models

from core.states import check


class Status(models.TextChoices):
    DRAFT = "draft", "Dự thảo"
    PENDING_APPROVAL = "pending_approval", "Chờ duyệt"
    APPROVED = "approved", "Đã duyệt, chờ phát hành"
    ISSUED = "issued", "Đã phát hành"
    RECALLED = "recalled", "Đã thu hồi"
    REPLACED = "replaced", "Đã bị thay thế"


TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "add_version": ((Status.DRAFT,), None),
    "change_annexes": ((Status.DRAFT,), None),  # frozen once submitted: approvals cover them too
    "submit": ((Status.DRAFT,), Status.PENDING_APPROVAL),
    "approve": ((Status.PENDING_APPROVAL,), None),  # the last step moves it to APPROVED
    "reject": ((Status.PENDING_APPROVAL,), Status.DRAFT),
    "issue": ((Status.APPROVED,), Status.ISSUED),
    "recall": ((Status.ISSUED,), Status.RECALLED),
    # after issuance (outgoing/after_issue.py): a replacement or a correction is started on an issued
    # document; the replacement's issuance replaces it (also after a recall: "thu hồi, ban hành thay thế")
    "start_replacement": ((Status.ISSUED,), None),
    "start_correction": ((Status.ISSUED,), None),
    "replace": ((Status.ISSUED, Status.RECALLED), Status.REPLACED),
}


def check_transition(action: str, current: str) -> str:
    return check(TRANSITIONS, Status, action, current)


class Steering(models.IntegerChoices):
    """Whether the document directs the recipients' work (edXML SteeringType, regulations §4.3)."""

    NONE = 0, "Không phải văn bản chỉ đạo"
    DIRECTIVE = 1, "Văn bản chỉ đạo"
    REPORT = 2, "Báo cáo kết quả thực hiện chỉ đạo"


class SignerCapacity(models.TextChoices):
    """How the signer signs (HD 36 with a slash, NĐ 30 with a dot)."""

    OWN = "own", "Ký trực tiếp"
    ON_BEHALF = "on_behalf", "Thay mặt (T/M, TM.)"
    DEPUTY = "deputy", "Ký thay (K/T, KT.)"
    BY_ORDER = "by_order", "Thừa lệnh (T/L, TL.)"
    ACTING = "acting", "Quyền (Q.)"
    DELEGATED = "delegated", "Thừa ủy quyền (T/UQ, TUQ.)"


class RenditionStatus(models.TextChoices):
    """The PDF of a version: made from the .docx by LibreOffice in a worker task."""

    PENDING = "pending", "Đang tạo bản PDF"
    READY = "ready", "Đã có bản PDF"
    FAILED = "failed", "Không tạo được bản PDF"


class Decision(models.TextChoices):
    APPROVED = "approved", "Đồng ý"
    REJECTED = "rejected", "Trả lại"


class DeliveryStatus(models.TextChoices):
    DELIVERED = "delivered", "Đã chuyển vào hệ thống của nơi nhận"
    QUEUED_EXCHANGE = "queued_exchange", "Chờ gửi qua trục liên thông"
    SENT_POST = "sent_post", "Gửi qua bưu điện"


# Review rounds (góp ý dự thảo) keep the status; they are allowed only while the text can still change.
REVIEW_TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "request_review": ((Status.DRAFT,), None),
    "close_review": ((Status.DRAFT, Status.PENDING_APPROVAL), None),
    "comment": ((Status.DRAFT, Status.PENDING_APPROVAL), None),
    "answer_comment": ((Status.DRAFT, Status.PENDING_APPROVAL), None),
}


def check_review(action: str, current: str) -> str:
    return check(REVIEW_TRANSITIONS, Status, action, current)
