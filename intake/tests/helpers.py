"""Small real scans for the intake tests (generated: both layouts, kept to 1–2 pages at modest DPI)."""

from __future__ import annotations

from datetime import date
from functools import cache

from intake.testing.scans import Doc, make_scan

PAGE3_PHRASE = "Cụm từ riêng ở trang cuối để tìm kiếm"


def party_doc(pages: int = 1) -> Doc:
    return Doc(
        layout="party",
        header=["ĐẢNG BỘ TỈNH ĐẮK NÔNG", "TỈNH ỦY"],
        issuer="Tỉnh ủy Đắk Nông",
        number_symbol="127-TB/TU",
        doc_type_code="TB",
        doc_type="THÔNG BÁO",
        issued=date(2026, 3, 5),
        place="Đắk Nông",
        subject="Kết luận của Ban Thường vụ về công tác chuyển đổi số",
        signer="Trần Thị Mai",
        signer_position="PHÓ BÍ THƯ",
        on_behalf="T/M BAN THƯỜNG VỤ",
        urgency="KHẨN",
        pages=pages,
        extra={"marker": PAGE3_PHRASE},
    )


# the must-show journey (bench/journey.py, web/tests/test_browser_intake.py): a three-page scanned letter
# with a phrase printed on page 3 only
JOURNEY_PHRASE = "Phòng Lưu trữ bàn giao hồ sơ Phước Sơn"


def journey_doc() -> Doc:
    doc = party_doc(3)
    doc.extra = {"markers": {2: "Trang hai của thông báo.", 3: f"Đề nghị {JOURNEY_PHRASE} trước ngày 30/6."}}
    return doc


@cache
def journey_scan(dpi: int = 150) -> bytes:
    """The three-page letter as a multi-page scan PDF, slightly askew."""
    return make_scan(journey_doc(), fmt="pdf", dpi=dpi, rotate=0.5, noise=0.0)


@cache
def party_scan(fmt: str = "pdf", pages: int = 1) -> bytes:
    return make_scan(party_doc(pages), fmt=fmt, dpi=150, rotate=0.7, noise=0.0)
