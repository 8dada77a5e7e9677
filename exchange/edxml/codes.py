"""Code tables of edXML (QCVN 102:2016 as implemented across the national exchange axis, regulations §4.3)."""

from __future__ import annotations

from enum import IntEnum, StrEnum

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
DS = "http://www.w3.org/2000/09/xmldsig#"
XLINK = "http://www.w3.org/1999/xlink"
PREFIX = "edXML"

DATE_FORMAT = "%Y/%m/%d"  # PromulgationDate, DueDate, DocumentId
TIMESTAMP_FORMAT = "%Y/%m/%d %H:%M:%S"  # TraceHeader and Status timestamps, Vietnam time
TIMEZONE = "Asia/Ho_Chi_Minh"


class StatusCode(StrEnum):
    """Processing status sent back to the sender (``StatusCode``)."""

    ARRIVED = "01"  # the receiving system has it, the clerk has not acted
    REJECTED = "02"  # returned (with a reason); also: a recall order refused
    ACCEPTED = "03"  # registered (vào sổ); also: a recall order accepted
    ASSIGNED = "04"  # a leader assigned its handling
    IN_PROGRESS = "05"
    DONE = "06"
    RECALL_REQUESTED = "13"
    RECALL_DONE = "15"  # recall / update accepted
    RECALL_REFUSED = "16"  # recall / update refused (or the document is unknown)

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS: dict[StatusCode, str] = {
    StatusCode.ARRIVED: "Đã đến",
    StatusCode.REJECTED: "Từ chối tiếp nhận",
    StatusCode.ACCEPTED: "Đã tiếp nhận",
    StatusCode.ASSIGNED: "Đã phân công",
    StatusCode.IN_PROGRESS: "Đang xử lý",
    StatusCode.DONE: "Hoàn thành",
    StatusCode.RECALL_REQUESTED: "Yêu cầu lấy lại",
    StatusCode.RECALL_DONE: "Đồng ý thu hồi / cập nhật",
    StatusCode.RECALL_REFUSED: "Không đồng ý thu hồi / cập nhật",
}


class Business(IntEnum):
    """``Bussiness/BussinessDocType`` (the standard's spelling): what the package does."""

    NEW = 0
    RECALL = 1
    UPDATE = 2
    REPLACE = 3


class Priority(IntEnum):
    """``OtherInfo/Priority``: 0 Thường … 3 Hỏa tốc; 4 (Hỏa tốc hẹn giờ) has no ND30 level."""

    NORMAL = 0
    URGENT = 1
    VERY_URGENT = 2
    FLASH = 3
    FLASH_TIMED = 4


class SteeringType(IntEnum):
    NONE = 0  # not a steering document
    STEERING = 1
    STEERING_REPORT = 2


# our urgency (outgoing/incoming ``urgency`` values) ⇄ Priority
URGENCY_TO_PRIORITY = {
    "normal": Priority.NORMAL,
    "urgent": Priority.URGENT,
    "very_urgent": Priority.VERY_URGENT,
    "flash": Priority.FLASH,
}


def urgency_of(priority: int) -> str:
    """Our urgency for a received Priority (4, "hẹn giờ", read as flash; unknown values as normal)."""
    if priority >= Priority.FLASH:
        return "flash"
    for urgency, value in URGENCY_TO_PRIORITY.items():
        if value == priority:
            return urgency
    return "normal"
