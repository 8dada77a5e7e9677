"""Metadata extraction: pure functions over OCR text (no OCR runs here)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from intake.extract import Extraction, Sources, extract
from intake.extract.text import name_case

DATA = Path(__file__).parent / "data"
# the OCR of the shared samples (/work/shared/samples/scans): page text and the two header zones
SAMPLES = sorted(DATA.glob("scan-*.json"))


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_samples_key_fields(path: Path) -> None:
    # Given the OCR of a sample scan
    sample = json.loads(path.read_text(encoding="utf-8"))
    truth = sample["truth"]
    # When the metadata is extracted
    result = extract(Sources(sample["text"], sample["header_left"], sample["header_right"]))
    # Then the fields with a target match exactly
    assert result.value("number_symbol") == truth["number_symbol"]
    assert result.value("issued_date") == date.fromisoformat(truth["issued_date"])
    assert result.value("issuer_name") == truth["issuer"]
    assert result.value("doc_type") == truth["doc_type_code"]
    assert result.value("place") == truth["place"]
    assert result.value("signer_name") == truth["signer"]
    assert result.value("signer_position") == truth["signer_position"]
    assert result.profile == truth["issuer_kind"]


def test_samples_subject_rate() -> None:
    hits = 0
    for path in SAMPLES:
        sample = json.loads(path.read_text(encoding="utf-8"))
        result = extract(Sources(sample["text"], sample["header_left"], sample["header_right"]))
        hits += " ".join(result.value("subject").split()) == " ".join(sample["truth"]["subject"].split())
    assert hits / len(SAMPLES) >= 0.9


STATE_CV = """ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
HUYỆN ĐỊNH HÓA Độc lập - Tự do - Hạnh phúc
Số: 12/UBND-VX Thái Nguyên, ngày 5 tháng 3 năm 2026
V/v triển khai tiêm chủng mở rộng

Kính gửi: Các xã, thị trấn
Ủy ban nhân dân huyện đề nghị các xã triển khai ngay.
Nơi nhận: KT. CHỦ TỊCH
- Như trên, PHÓ CHỦ TỊCH
- Lưu: VT.
Lê Quang Vinh
"""


def test_state_cong_van_without_zones() -> None:
    result = extract(Sources(STATE_CV))
    assert result.profile == "state"
    assert result.value("number_symbol") == "12/UBND-VX"
    assert result.value("doc_type") == "CV"
    assert result.value("issued_date") == date(2026, 3, 5)
    assert result.value("place") == "Thái Nguyên"
    assert result.value("issuer_name") == "Ủy ban nhân dân huyện Định Hóa"
    assert result.value("subject") == "Triển khai tiêm chủng mở rộng"
    assert result.value("signer_name") == "Lê Quang Vinh"
    assert result.value("signer_position") == "PHÓ CHỦ TỊCH"
    # merged header columns are read with less certainty than the zones
    assert result.fields["issuer_name"].confidence < 0.75


def test_state_decree_number_with_year_and_marks() -> None:
    left = "BỘ NỘI VỤ\nSố: 15/2026/QĐ-BNV\nMẬT\nTHƯỢNG KHẨN\n"
    right = (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nHà Nội, ngày 01 tháng 02 năm 2026\n"
    )
    text = left + "\nQUYẾT ĐỊNH\nVề việc ban hành quy chế làm việc\n\nCăn cứ Luật Tổ chức Chính phủ;\n"
    result = extract(Sources(text, left, right))
    assert result.value("number_symbol") == "15/2026/QĐ-BNV"
    assert result.value("doc_type") == "QĐ"
    assert result.fields["doc_type"].confidence > 0.9  # title and number agree
    assert result.value("issuer_name") == "Bộ Nội vụ"
    assert result.value("urgency") == "very_urgent"
    assert result.value("secrecy") == "confidential"
    assert result.value("subject") == "Về việc ban hành quy chế làm việc"


def test_party_number_read_with_ocr_slips() -> None:
    # "Số" read as "Sô", a letter O for a zero, Đ read as the Icelandic eth, the bar of Đ lost in "QD"
    left = "HUYỆN ỦY ĐỊNH HÓA\n*\nSô 1O5-QD/HÐU\n"
    result = extract(Sources(left + "\nQUYẾT ĐỊNH\nvề công tác cán bộ\n", left, ""))
    assert result.value("number_symbol") == "105-QĐ/HĐU"
    assert result.value("doc_type") == "QĐ"
    assert result.value("issuer_name") == "Huyện ủy Định Hóa"


def test_running_text_is_not_a_mark() -> None:
    text = "TỈNH ỦY SÔNG LAM\nSố 3-CV/TU\nCác tài liệu mật phải được bảo quản; công việc khẩn trương.\n"
    result = extract(Sources(text))
    assert result.value("urgency") == "normal"
    assert result.value("secrecy") == "none"


def test_nothing_readable() -> None:
    result = extract(Sources("@@@ ~~~\n\n"))
    assert all(result.fields[name].confidence < 0.75 for name in ("number_symbol", "issuer_name", "subject"))
    assert Extraction.from_json(result.as_json()).value("number_symbol") == ""


@pytest.mark.parametrize(
    ("upper", "expected"),
    [
        ("TỈNH UỶ ĐỒNG THÁP", "Tỉnh ủy Đồng Tháp"),
        ("BAN TUYÊN GIÁO TỈNH ỦY SÔNG LAM", "Ban Tuyên giáo Tỉnh ủy Sông Lam"),
        ("ĐẢNG ỦY PHƯỜNG TÂN AN", "Đảng ủy phường Tân An"),
        ("SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG", "Sở Tài nguyên và Môi trường"),
        ("ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI", "Ủy ban nhân dân thành phố Hà Nội"),
    ],
)
def test_name_case(upper: str, expected: str) -> None:
    assert name_case(upper) == expected


def test_round_trip_json() -> None:
    sample = json.loads(SAMPLES[0].read_text(encoding="utf-8"))
    result = extract(Sources(sample["text"], sample["header_left"], sample["header_right"]))
    again = Extraction.from_json(json.loads(json.dumps(result.as_json())))
    assert again.value("issued_date") == result.value("issued_date")
    assert again.fields["subject"].confidence == round(result.fields["subject"].confidence, 2)


def test_header_debris_from_a_skewed_generated_scan() -> None:
    # What Tesseract gave for the header zones of a generated State scan (rotated, 150 dpi): debris,
    # words glued together, the start of the national title caught at the end of the issuer line
    left = "vo Tràng __ ỦYBANNHÂNDÂN CỘN\n¬ _ TỈNH HÀ TĨNH\n¬ Số: 565/TB-UBND ¡\n"
    right = "N CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM ___ |\nỘC  Hà Tỉnh, ngày 08 tháng 02 năm 2025 - _.\n"
    result = extract(Sources(left + "THÔNG BÁO\nTriển khai công tác\n", left, right))
    assert result.value("issuer_name") == "Ủy ban nhân dân tỉnh Hà Tĩnh"  # "TĨNH" of the place kept
    assert result.value("number_symbol") == "565/TB-UBND"
    assert result.value("place") == "Hà Tĩnh"  # the header's spelling, debris dropped


def test_party_place_spelled_as_in_header() -> None:
    left = "ĐẢNG BỘ TỈNH LÂM ĐỒNG Ì\nĐẢNG ỦY XÃ HƯNG LỘC ¡,\n+\nSố 432-TB/ĐU\n"
    right = ")NG_ ĐẢNG CỘNG SẢN VIỆT NAM\nỘC  Lậm Đồng, ngày 05 tháng 06 năm 2024\n"
    result = extract(Sources(left, left, right))
    assert result.value("issuer_name") == "Đảng ủy xã Hưng Lộc"
    assert result.value("place") == "Lâm Đồng"
    assert result.value("issued_date") == date(2024, 6, 5)


def test_short_debris_around_header_names() -> None:
    left = "TB ỦY BAN NHÂN DÂN\nTỈNH CÀ MAU\nSố: 7/KH-UBND\n"
    assert extract(Sources(left, left, "")).value("issuer_name") == "Ủy ban nhân dân tỉnh Cà Mau"
    left = "TỈNH ỦY THÁI NGUYÊN\nBAN TỔ CHỨC TỊ\n*\nSố 12-KH/BTCTU\n"
    assert extract(Sources(left, left, "")).value("issuer_name") == "Ban Tổ chức Tỉnh ủy Thái Nguyên"
    left = "ĐẢNG BỘ TỈNH LONG AN\nĐẢNG ỦY PHƯỜNG TÂN AN\n*\nSố 3-TB/ĐU\n"
    assert extract(Sources(left, left, "")).value("issuer_name") == "Đảng ủy phường Tân An"


def test_number_line_read_with_a_semicolon_ends_the_issuer_block() -> None:
    left = "ỦY BANNHÂN DÂN CỘN\n¬ _ TỈNH LÂM ĐỒNG\n¬ Số; 565/TB-UBND ¡\n_ ¬ THÔN!\n"
    result = extract(Sources(left, left, ""))
    assert result.value("issuer_name") == "Ủy ban nhân dân tỉnh Lâm Đồng"
    assert result.value("number_symbol") == "565/TB-UBND"


@pytest.mark.parametrize(
    ("number", "place", "issuer"),
    [
        ("127-TB/TU", "Đắk Nông", "Tỉnh ủy Đắk Nông"),
        ("12-HD/BTGTU", "Sông Lam", "Ban Tuyên giáo Tỉnh ủy Sông Lam"),
        ("05-KH/BTCHU", "Hưng Nguyên", "Ban Tổ chức Huyện ủy Hưng Nguyên"),
        ("30-BC/TU", "Hà Nội", "Thành ủy Hà Nội"),
        ("15-CV/VPTW", "", "Văn phòng Trung ương Đảng"),
        ("05-QC/BTCTU-BDVTU", "Cà Mau", "Ban Tổ chức Tỉnh ủy Cà Mau"),  # joint: the first body
        ("434-TB/ĐU", "Hưng Lộc", ""),  # which Đảng ủy is not told by the code
        ("127-TB/TU", "", ""),  # no place, no name
    ],
)
def test_issuer_named_by_the_number_symbol(number: str, place: str, issuer: str) -> None:
    from intake.extract.core import issuer_from_symbol

    assert issuer_from_symbol(number, place) == issuer


def _party_text(header: str, number: str) -> str:
    return (
        f"{header}\n*\nSố {number} Cà Mau, ngày 12 tháng 05 năm 2025\n\nBÁO CÁO\n"
        "kết quả công tác tháng 5\n\nNội dung báo cáo.\n"
    )


def test_weak_issuer_header_falls_back_on_the_number_symbol() -> None:
    # a damaged "TỈNH ỦY" (diacritics lost): the spelling the symbol names, sure enough
    damaged = extract(Sources("", _party_text("ĐẢNG BỘ TỈNH CÀ MAU\nTĨNH UY", "45-BC/TU")))
    assert damaged.value("issuer_name") == "Tỉnh ủy Cà Mau"
    # nothing readable above the number: the symbol's issuer, left for the clerk to confirm
    empty = extract(Sources(_party_text("", "45-BC/BTGTU")))
    assert empty.value("issuer_name") == "Ban Tuyên giáo Tỉnh ủy Cà Mau"
    assert empty.fields["issuer_name"].unsure
    # a header that names another body: kept as read, but marked unsure
    other = extract(Sources(_party_text("TỈNH ỦY CÀ MAU\nBAN DÂN VẬN", "45-BC/TU")))
    assert other.value("issuer_name") == "Ban Dân vận Tỉnh ủy Cà Mau"
    assert other.fields["issuer_name"].unsure
    # the agreeing case is sure
    agreeing = extract(Sources(_party_text("ĐẢNG BỘ TỈNH CÀ MAU\nTỈNH ỦY", "45-BC/TU")))
    assert agreeing.value("issuer_name") == "Tỉnh ủy Cà Mau"
    assert not agreeing.fields["issuer_name"].unsure


def test_issuer_place_spaced_as_the_date_line() -> None:
    # "CÀ MAU" letter-spaced in the header and read as one word (a code that names no body: ĐU)
    result = extract(Sources(_party_text("ĐẢNG BỘ TỈNH CÀMAU\nTỈNH ỦY", "45-BC/ĐU")))
    assert result.value("issuer_name") == "Tỉnh ủy Cà Mau"


def test_signer_position_without_debris_before_it() -> None:
    from intake.extract.core import _upper_tail

    assert _upper_tail("THỦ DU PHÓ BÍ THƯ") == "PHÓ BÍ THƯ"
    assert _upper_tail("- Như trên, PHÓ BÍ THƯ") == "PHÓ BÍ THƯ"
    assert _upper_tail("ỦY VIÊN BAN THƯỜNG VỤ") == "ỦY VIÊN BAN THƯỜNG VỤ"
    assert _upper_tail("Nơi nhận: CHÁNH VĂN PHÒNG") == "CHÁNH VĂN PHÒNG"


def test_state_header_debris_before_the_level_word() -> None:
    text = (
        "ỦY BAN NHÂN DÂN\nGCỘ TỈNH HÀ TĨNH\nSố: 45/UBND-VX\nV/v báo cáo tháng 5\n"
        "Hà Tĩnh, ngày 12 tháng 05 năm 2025\n"
    )
    assert extract(Sources("", text, "")).value("issuer_name") == "Ủy ban nhân dân tỉnh Hà Tĩnh"


def test_issuer_words_joined_in_the_zone_split_as_the_page_reads_them() -> None:
    zone = "ĐẢNG BỘ TỈNH CÀ MAU\nĐẢNG ỦY XÃ HƯNGLỘC\n*\nSố 45-BC/ĐU\n"
    page = "ĐẢNG BỘ TỈNH CÀ MAU ĐẢNG CỘNG SẢN VIỆT NAM\nĐẢNG ỦY XÃ HƯNG LỘC\n*\nSố 45-BC/ĐU\n\nBÁO CÁO\n"
    assert extract(Sources(page, zone, "")).value("issuer_name") == "Đảng ủy xã Hưng Lộc"


def test_subject_stops_at_the_body_paragraph() -> None:
    text = "Số: 45/BC-UBND\n\nBÁO CÁO\nKết quả công tác tháng 5\nCác cơ quan phối hợp, gửi Văn phòng.\n"
    assert extract(Sources(text)).value("subject") == "Kết quả công tác tháng 5"
    state = (
        "Số: 45/KH-UBND\n\nKẾ HOẠCH\nTriển khai công tác chuyển đổi số năm 2025\n"
        "Việc tiếp nhận, xử lý văn bản trên môi trường mạng được duy trì thường xuyên, bảo\n"
        "đảm đúng thời hạn.\n"
    )
    assert extract(Sources(state)).value("subject") == "Triển khai công tác chuyển đổi số năm 2025"


def test_degraded_state_header_from_a_faded_generated_scan() -> None:
    # the zones of synthetic scans: the national title's edge read into the left column, words joined
    zone = "ỦY BAN NHÂN DÂN GCỘ\n\nTỈNH HÀ TĨNH\n\nSố: 905/KH-UBND\nKẾ H\n"
    page = "ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n\nTỈNH HÀ TĨNH Độc lập - Tự do - Hạnh phúc\n"
    assert extract(Sources(page, zone, "")).value("issuer_name") == "Ủy ban nhân dân tỉnh Hà Tĩnh"
    zone = "= .— -.» .. ỦY BANNHÂN DÂN , GỘN\nóc . TÍNHĐĂKNÔNG  -\n\nca 2... ` §ố: 550/BC:UBND -. “\n"
    page = "ỦY BAN NHÂN DÂN . CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nTỈNH ĐẮK:'NÔNG Độc lập - Tự do\n"
    assert extract(Sources(page, zone, "")).value("issuer_name") == "Ủy ban nhân dân tỉnh Đắk Nông"


def test_stamp_and_issuer_words_kept_out_of_issuer_and_place() -> None:
    zone = "ĐẢNG BỘ TỈNH SÔNG LAM\nTHƯỢNG KHẨN\nĐẢNG ỦY XÃ HƯNG LỘC\n*\nSố 12-BC/ĐU\n"
    right = "ĐẢNG CỘNG SẢN VIỆT NAM\nĐẢNG ỦY XÃ HƯNG LỘC Sông Lam, ngày 03 tháng 04 năm 2026\n"
    result = extract(Sources("", zone, right))
    assert result.value("issuer_name") == "Đảng ủy xã Hưng Lộc"
    assert result.value("place") == "Sông Lam"
    assert result.value("urgency") == "very_urgent"


def test_number_line_without_its_slashes_ends_the_issuer_block() -> None:
    zone = "ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NGÃI\n472TBUBND\n"
    assert extract(Sources("", zone, "")).value("issuer_name") == "Ủy ban nhân dân tỉnh Quảng Ngãi"


# --- validation, and the reading that validates (development corpora seeds 99, 7 and 555) ---------


@pytest.mark.parametrize(
    ("value", "profile", "valid"),
    [
        ("12-TB/TU", "party", True),
        ("05-QC/BTCTU-BDVTU", "party", True),
        ("08-QĐi/TW", "party", True),
        ("12-XY/TU", "party", False),  # no such Party type code
        ("12/TB-TU", "party", False),  # State punctuation in a Party number
        ("15/QĐ-BNV", "state", True),
        ("12/UBND-VX", "state", True),  # công văn: body and unit, no type code
        ("15/2020/NĐ-CP", "state", True),
        ("454/Q", "state", False),  # the end of the number line lost
        ("454/QĐ", "state", False),
        ("", "state", False),
    ],
)
def test_number_symbol_shape(value: str, profile: str, valid: bool) -> None:
    from intake.extract.validate import number_symbol_valid

    assert number_symbol_valid(value, profile) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("Ủy ban nhân dân tỉnh Hà Tĩnh", True),
        ("Huyện ủy Đầm Dơi", True),
        ("Ban Tuyên giáo và Dân vận Tỉnh ủy Cà Mau", True),
        ("Sở Nội vụ tỉnh Hà Tĩnh", True),
        ("Văn phòng Trung ương Đảng", True),
        ("Ủy ban nhân dân", False),  # the place line lost
        ("Ủy ban nhân dân Tnhhàtĩnh", False),  # "TỈNH HÀ TĨNH" read as one word
        ("Huyện ủy YENHưng Nguyên", False),  # debris glued to the place
        ("Tỉìnhủy Sông Lam", False),
        ("Đảng bộ tỉnh Quảng Ngãi", False),  # the parent line alone
        ("Thực hiện chương trình", False),
    ],
)
def test_issuer_shape(value: str, valid: bool) -> None:
    from intake.extract.validate import issuer_valid

    assert issuer_valid(value) is valid


def test_state_symbol_truncated_against_the_issuer() -> None:
    from intake.extract.validate import symbol_matches_issuer

    ubnd = "Ủy ban nhân dân tỉnh Hà Tĩnh"
    assert not symbol_matches_issuer("611/TB-UBN", ubnd)
    assert symbol_matches_issuer("611/TB-UBND", ubnd)
    assert symbol_matches_issuer("12/UBND-VX", ubnd)
    assert symbol_matches_issuer("12/BNV-VP", "Bộ Nội vụ")


def test_header_place_kept_when_the_date_line_loses_a_word() -> None:
    # seed 99: the right zone read "pàm Dợi, ngày …" (place "Dơi"); the symbol's issuer built on it was
    # taken over the header's correct "HUYỆN ỦY ĐẦM DƠI"
    left = "ĐẢNG BỘ TỈNH QUẢNG NGÃI\nHUYỆN ỦY ĐẦM DƠI\n%\nSố 794-TB/HU\nTHÔN\n"
    right = "›NGÃI: ĐẢNG CỘNG SẢN VIỆT NAM\nƠI... pàm Dợi, ngày 17 tháng 12 năm 2024\nTHÔNG BÁO\n"
    result = extract(Sources(left, left, right))
    assert result.value("issuer_name") == "Huyện ủy Đầm Dơi"
    assert result.value("place") == "Đầm Dơi"


@pytest.mark.parametrize("dated", ["YENHưng Nguyên", "Nguyên", "Hưng Nguyễn"])
def test_header_place_kept_when_the_date_line_is_damaged(dated: str) -> None:
    left = "ĐẢNG BỘ TỈNH LÂM ĐỒNG\nHUYỆN ỦY HƯNG NGUYÊN,\noi\nSố 943-TB/HU\n"
    right = f"ỒNG ĐẢNG CỘNG SẢN VIỆT NAM\n, {dated}, ngày 05 tháng 03 năm 2025\n"
    result = extract(Sources(left, left, right))
    assert result.value("issuer_name") == "Huyện ủy Hưng Nguyên"
    assert result.value("place") == "Hưng Nguyên"


def test_other_place_in_the_date_line_is_not_replaced() -> None:
    # a commune's Party committee dates its documents in the province: not a damaged reading
    left = "ĐẢNG BỘ TỈNH SÔNG LAM\nĐẢNG ỦY XÃ HƯNG LỘC\n*\nSố 12-BC/ĐU\n"
    right = "ĐẢNG CỘNG SẢN VIỆT NAM\nSông Lam, ngày 03 tháng 04 năm 2026\n"
    result = extract(Sources(left, left, right))
    assert (result.value("issuer_name"), result.value("place")) == ("Đảng ủy xã Hưng Lộc", "Sông Lam")


def test_page_reading_taken_when_the_zone_reading_does_not_validate() -> None:
    # seed 555: the zone lost the "TỈNH CÀ MAU" line and the slash of the number; the page has both
    zone = "cv... ỦY BAN NHÂN DÂN. CỘN\n¬ Số: 335UBND-VX.... -\n"
    page = (
        "ỦY BAN NHÂN DÂN: CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nTỈNH CÀ MAU Độc lập - Tự do\nSố: 335/UBND-VX\n"
    )
    result = extract(Sources(page, zone, ""))
    assert result.value("issuer_name") == "Ủy ban nhân dân tỉnh Cà Mau"
    assert result.value("number_symbol") == "335/UBND-VX"
    # the zone lost the issuer's own line under the parent: the page's "TĨNH UY" is repaired
    zone = "¬. ĐÁNG BỘ TỈNH QUẢNG NGÃI. :\n¬...  ..\n"
    page = (
        "ĐẮNG BỘ TỈNH QUẢNG NGÃI. ĐẢNG CỘNG SẢN VIỆT NAM\n"
        "TĨNH UY Quảng Ngãi, ngày 17 tháng 01 năm 2026\n*\nSố 436-KH/TU\n"
    )
    assert extract(Sources(page, zone, "")).value("issuer_name") == "Tỉnh ủy Quảng Ngãi"


def test_symbol_issuer_replaces_a_header_that_reads_as_no_name() -> None:
    zone = "CS TỈÌNHỦY SÔNG LAM\n.. _ Số 846GM/BTCTU\n"
    page = "TỈNH ỦY SÔNG LAM ĐẢNG CỘNG SẢN VIỆT NAM\nBẠN TỔ CHỨC:\n\n+»\n\nSố 846-GM/BTCTU -\n"
    right = "M ĐẢNGGỘNGSẢNVIỆTNAM  -\n____ Sông Lam, ngày 09 tháng 11 năm 2025 -\n"
    result = extract(Sources(page, zone, right))
    assert result.value("number_symbol") == "846-GM/BTCTU"
    assert result.value("issuer_name") == "Ban Tổ chức Tỉnh ủy Sông Lam"


@pytest.mark.parametrize(
    "line",
    [
        "Bắc Giang, ngày-09 tháng 07 năm 2026",
        "Quảng Ngãi, ngày 09 thắng 07 năm 2026",
        "Lâm Đồng, hgày 09 tháng 07 năm 2026.",
        "Cà Mau, ngày09 tháng 07 năm:2026",
    ],
)
def test_date_line_with_tone_and_punctuation_slips(line: str) -> None:
    assert extract(Sources("", "", line)).value("issued_date") == date(2026, 7, 9)


def test_number_with_its_s_lost_or_read_as_a_section_sign() -> None:
    assert extract(Sources("ố: 326/UBND-VX\n")).value("number_symbol") == "326/UBND-VX"
    assert extract(Sources("§ố 12-TB/TU\n")).value("number_symbol") == "12-TB/TU"


def test_cong_van_summary_from_the_zone_with_its_continuation() -> None:
    # seed 99: the page joined the summary's first line to the right column's date
    zone = (
        "ỦY BAN NHÂN DÂN\nTỈNH LÂM ĐỒNG\nSố: 238/UBND-VX ]\nV/v chuẩn bị nội dung hội nghị Ban Chấp\n\n"
        "hành lần thứ mười\nKính gửi: Các ‹\n"
    )
    page = (
        "ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố: 238/UBND-VX\n"
        "V/v chuẩn bị nội dung hội nghị Ban Chấp âm Đồng, ngày Z8 tháng 06 năm 20\nhành lần thứ mười\n\n"
        "Kính gửi: Các cơ quan, đơn vị\n"
    )
    result = extract(Sources(page, zone, ""))
    assert result.value("doc_type") == "CV"
    assert result.value("subject") == "Chuẩn bị nội dung hội nghị Ban Chấp hành lần thứ mười"


def test_cong_van_summary_word_clipped_by_the_zone_edge() -> None:
    zone = '| TỈNHCÀMAU _\n| " -_ Số: 286/UBND-VX-\npin V/v chuẩn bị nội dung hội nghị Ban Chí\n'
    zone += "hành lần thứ mười\n"
    page = "Số: 286/UBND-VX\nV/v chuẩn bị nội dung hội nghị Ban Chấp 8 JÁqu, ngày dng 07 năm\n"
    page += "hành lần thứ mười\n"
    subject = extract(Sources(page, zone, "")).value("subject")
    assert subject == "Chuẩn bị nội dung hội nghị Ban Chấp hành lần thứ mười"


def test_stamps_stay_out_of_number_issuer_subject() -> None:
    zone = "ỦY BAN NHÂN DÂN\nTỈNH HÀ TĨNH\nSố: 605/TB-UBND\nHỎA TỐC\n\nTHÔI\n"
    page = "Số: 605/TB-UBND\n\nHỎA TỐC\n\nTHÔNG BÁO ˆ\nTổ chức hội nghị sơ kết công tác\n\n"
    page += "Việc tiếp nhận văn bản.\n"
    result = extract(Sources(page, zone, ""))
    assert result.value("number_symbol") == "605/TB-UBND"
    assert result.value("issuer_name") == "Ủy ban nhân dân tỉnh Hà Tĩnh"
    assert (result.value("doc_type"), result.value("subject")) == ("TB", "Tổ chức hội nghị sơ kết công tác")
    assert result.value("urgency") == "flash"
    cong_van = "Số: 12/UBND-VX\nV/v triển khai công tác\nKHẨN\nKính gửi: Các cơ quan\n"
    result = extract(Sources(cong_van, "ỦY BAN NHÂN DÂN\nTỈNH HÀ TĨNH\n" + cong_van, ""))
    assert result.value("subject") == "Triển khai công tác"
    assert result.value("urgency") == "urgent"
