"""Second readings of the left header zone (intake.zones): which fields trigger one, which reading is
taken; one real OCR run on a generated faded scan whose number line the first reading damages."""

from __future__ import annotations

from typing import Any

import pytest

from intake import zones
from intake.extract import Sources, extract

PAGE = "ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nQUYẾT ĐỊNH\nTổ chức hội nghị sơ kết\n"
RIGHT = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nLâm Đồng, ngày 21 tháng 01 năm 2024\n"
DAMAGED = "ỦY BAN NHÂN DÂN\nTỈNH LÂM ĐỒNG\nSố: 454/Q = T\n"  # the number line lost "Đ-UBND"
GOOD = "ỦY BAN NHÂN DÂN\nTỈNH LÂM ĐỒNG\nSố: 454/QĐ-UBND\n"


def _reader(texts: list[str], calls: list[zones.Variant]) -> Any:
    def read(pdf: bytes, variant: zones.Variant) -> str:
        calls.append(variant)
        return texts[len(calls) - 1]

    return read


def test_failing_fields() -> None:
    assert zones.failing_fields(extract(Sources(PAGE, GOOD, RIGHT))) == []
    assert zones.failing_fields(extract(Sources(PAGE, DAMAGED, RIGHT))) == ["number_symbol"]
    # the people's committee without its place line
    lost = "ỦY BAN NHÂN DÂN\nSố: 454/QĐ-UBND\n"
    assert zones.failing_fields(extract(Sources("", lost, RIGHT))) == ["issuer_name"]
    truncated = "ỦY BAN NHÂN DÂN\nTỈNH LÂM ĐỒNG\nSố: 454/QĐ-UBN\n"
    assert zones.failing_fields(extract(Sources("", truncated, RIGHT))) == ["number_symbol"]


def test_first_reading_that_validates_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[zones.Variant] = []
    # the second reading is damaged otherwise (no number at all), the third one validates
    second = "ỦY BAN NHÂN DÂN\nTỈNH LÂM ĐỒNG\nSố454QĐ-UBND\n"
    monkeypatch.setattr(zones, "read_left_zone", _reader([second, GOOD, "never read"], calls))
    result = zones.extract_checked(b"%PDF", Sources(PAGE, DAMAGED, RIGHT))
    assert result.value("number_symbol") == "454/QĐ-UBND"
    assert result.value("doc_type") == "QĐ"  # taken with the number: the type code is on its line
    assert result.value("issuer_name") == "Ủy ban nhân dân tỉnh Lâm Đồng"
    assert calls == list(zones.VARIANTS[:2])


def test_valid_fields_cost_no_second_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[zones.Variant] = []
    monkeypatch.setattr(zones, "read_left_zone", _reader([DAMAGED], calls))
    result = zones.extract_checked(b"%PDF", Sources(PAGE, GOOD, RIGHT))
    assert result.value("number_symbol") == "454/QĐ-UBND"
    assert calls == []


def test_no_reading_validates_keeps_the_first(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[zones.Variant] = []
    monkeypatch.setattr(zones, "read_left_zone", _reader([DAMAGED] * len(zones.VARIANTS), calls))
    result = zones.extract_checked(b"%PDF", Sources(PAGE, DAMAGED, RIGHT))
    assert result.value("number_symbol") == "454/Q"
    assert result.fields["number_symbol"].line.startswith("Số: 454/Q")
    assert len(calls) == len(zones.VARIANTS)


def test_a_failing_second_reading_never_fails_the_extraction(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(pdf: bytes, variant: zones.Variant) -> str:
        raise OSError("tesseract missing")

    monkeypatch.setattr(zones, "read_left_zone", broken)
    result = zones.extract_checked(b"%PDF", Sources(PAGE, DAMAGED, RIGHT))
    assert result.value("issuer_name") == "Ủy ban nhân dân tỉnh Lâm Đồng"


@pytest.mark.slow
def test_faded_generated_scan_number_line_read_again() -> None:
    """Held-out seed 99, scan 5: a faded, speckled 150-dpi TIFF of a State decision. The first reading
    of its header loses the end of the number line (the type code with it); the second reading, larger
    and with its contrast stretched, has it whole."""
    from intake import ocr
    from intake.testing.scans import make_scan, varied

    doc, options = varied(6, 99)[5]
    assert (doc.number_symbol, options["fade"], options["dpi"]) == ("454/QĐ-UBND", 1.0, 150)
    pdf = ocr.image_to_pdf(make_scan(doc, fmt="tiff", **options))
    pages, header = ocr.read_scan(pdf)
    sources = Sources("\f".join(pages), header.left, header.right)
    first = extract(sources)
    assert "number_symbol" in zones.failing_fields(first)  # what the first reading gives is damaged
    result = zones.extract_checked(pdf, sources)
    assert result.value("number_symbol") == "454/QĐ-UBND"
    assert result.value("doc_type") == "QĐ"
    assert result.value("issuer_name") == "Ủy ban nhân dân tỉnh Lâm Đồng"


def test_two_readings_of_the_number_disagree_a_third_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    # seed 555: the zone read "§ố61/TB-UBND" (a digit lost), the page "Số: 611/TB-UBN" (the end lost)
    zone = "ỦY BAN NHÂN DÂN\nTỈNH HÀ TĨNH\n§ố61/TB-UBND\n"
    page = "ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố: 611/TB-UBN\nTHÔNG BÁO\n"
    first = extract(Sources(page, zone, ""))
    assert first.value("number_symbol") == "61/TB-UBND"
    assert zones.failing_fields(first) == ["number_symbol"]  # valid, but unsure: the readings disagree
    calls: list[zones.Variant] = []
    # a third number agrees with neither: not taken; then one that agrees with the page's number
    readings = [zone.replace("61", "67"), zone.replace("61", "611"), "never read"]
    monkeypatch.setattr(zones, "read_left_zone", _reader(readings, calls))
    result = zones.extract_checked(b"%PDF", Sources(page, zone, ""))
    assert result.value("number_symbol") == "611/TB-UBND"
    assert not result.fields["number_symbol"].unsure
    assert len(calls) == 2
