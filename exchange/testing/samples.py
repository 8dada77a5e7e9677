"""A sample edXML package with every field filled (tests and bench/exchange.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

from exchange.edxml.codes import Business, Priority, SteeringType
from exchange.edxml.model import (
    Attachment,
    BusinessInfo,
    MessageHeader,
    Organ,
    Package,
    Replacement,
    ResponseFor,
    Signer,
    Staff,
    TraceHeader,
    document_id,
    split_number_symbol,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PROVINCE = Organ(
    organ_id="000.00.12.H99",
    organ_name="Văn phòng Tỉnh ủy Sông Lam",
    organization_in_charge="Tỉnh ủy Sông Lam",
    address="Số 1 Đường Lê Lợi, TP. Sông Lam",
    email="vanthu@tinhuy.songlam.vn",
    telephone="0238 3000 001",
    website="tinhuy.songlam.vn",
)
COMMUNE = Organ(organ_id="000.12.31.H99", organ_name="Đảng ủy xã Hòa Bình")
DISTRICT = Organ(organ_id="000.12.00.H99", organ_name="Huyện ủy Đông Sơn")
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def package(**changes: object) -> Package:
    header = MessageHeader(
        sender=PROVINCE,
        recipients=(COMMUNE, DISTRICT),
        code=split_number_symbol("12-TB/TU"),
        place="Sông Lam",
        promulgation_date=dt.date(2026, 11, 30),
        type_code="TB",
        type_name="Thông báo",
        subject="Kết luận của Thường trực Tỉnh ủy về công tác chuyển đổi số năm 2026 & kế hoạch <2027>",
        document_id=document_id("000.00.12.H99", dt.date(2026, 11, 30), "12-TB/TU"),
        signer=Signer(competence="T/M BAN THƯỜNG VỤ", position="PHÓ BÍ THƯ", full_name="Lê Thị Đào"),
        due_date=dt.date.today() + dt.timedelta(days=15),  # ahead of any arrival date (never stale)
        to_places=("Đảng ủy xã Hòa Bình,", "Huyện ủy Đông Sơn,", "Lưu: VT, TH."),
        priority=Priority.VERY_URGENT,
        promulgation_amount=3,
        page_amount=2,
        appendixes=("Phụ lục: Danh mục nhiệm vụ",),
        response_for=(
            ResponseFor(
                organ_id="000.12.31.H99",
                code="45-BC/ĐU",
                promulgation_date=dt.date(2026, 11, 20),
                document_id="000.12.31.H99,2026/11/20,45-BC/ĐU",
            ),
        ),
        steering_type=SteeringType.STEERING,
    )
    value = Package(
        message_id="5d0f3c1e-7b8a-4c2d-9e1f-0a1b2c3d4e5f",
        header=header,
        traces=(TraceHeader("000.00.12.H99", dt.datetime(2026, 11, 30, 9, 15, 2, tzinfo=VN)),),
        business=BusinessInfo(
            kind=Business.REPLACE,
            reason="Thay thế do sai sót về số liệu",
            staff=Staff(department="Phòng Tổng hợp", staff="Nguyễn Văn An", mobile="0912000111"),
            replacements=(
                Replacement("000.00.12.H99,2026/11/25,10-TB/TU", ("000.12.31.H99", "000.12.00.H99")),
            ),
        ),
        attachments=(
            Attachment("a1", "12-TB-TU.pdf", "application/pdf", PDF, "Văn bản chính"),
            Attachment(
                "a2", "Phụ lục đính kèm.pdf", "application/pdf", b"%PDF-1.4\nphu luc\n%%EOF", "Phụ lục"
            ),
        ),
    )
    return replace(value, **changes)  # type: ignore[arg-type]
