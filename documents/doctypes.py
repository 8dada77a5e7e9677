"""Document types of both profiles with their abbreviations (NĐ 30 PL-III; HD 36 / 66-QĐ/TW practice).

This is reference data loaded by a migration; offices edit it in the administration screens.
"""

PARTY = [
    ("NQ", "Nghị quyết", "NQ"),
    ("QĐ", "Quyết định", "QĐ"),
    ("CT", "Chỉ thị", "CT"),
    ("KL", "Kết luận", "KL"),
    ("QC", "Quy chế", "QC"),
    ("QĐi", "Quy định", "QĐi"),
    ("TT", "Thông tri", "TT"),
    ("HD", "Hướng dẫn", "HD"),
    ("TB", "Thông báo", "TB"),
    ("TC", "Thông cáo", "TC"),
    ("BC", "Báo cáo", "BC"),
    ("KH", "Kế hoạch", "KH"),
    ("CTr", "Chương trình", "CTr"),
    ("ĐA", "Đề án", "ĐA"),
    ("TTr", "Tờ trình", "TTr"),
    ("CV", "Công văn", "CV"),
    ("BB", "Biên bản", "BB"),
    ("GM", "Giấy mời", "GM"),
    ("BS", "Bản sao", "BS"),
    ("QTr", "Quy trình", "QTr"),
]

STATE = [
    ("NQ", "Nghị quyết", "NQ"),
    ("QĐ", "Quyết định", "QĐ"),
    ("CT", "Chỉ thị", "CT"),
    ("QC", "Quy chế", "QC"),
    ("QyĐ", "Quy định", "QyĐ"),
    ("TC", "Thông cáo", "TC"),
    ("TB", "Thông báo", "TB"),
    ("HD", "Hướng dẫn", "HD"),
    ("CTr", "Chương trình", "CTr"),
    ("KH", "Kế hoạch", "KH"),
    ("PA", "Phương án", "PA"),
    ("ĐA", "Đề án", "ĐA"),
    ("DA", "Dự án", "DA"),
    ("BC", "Báo cáo", "BC"),
    ("BB", "Biên bản", "BB"),
    ("TTr", "Tờ trình", "TTr"),
    ("HĐ", "Hợp đồng", "HĐ"),
    ("CV", "Công văn", ""),
    ("CĐ", "Công điện", "CĐ"),
    ("BGN", "Bản ghi nhớ", "BGN"),
    ("BTT", "Bản thỏa thuận", "BTT"),
    ("GUQ", "Giấy ủy quyền", "GUQ"),
    ("GM", "Giấy mời", "GM"),
    ("GGT", "Giấy giới thiệu", "GGT"),
    ("GNP", "Giấy nghỉ phép", "GNP"),
    ("PG", "Phiếu gửi", "PG"),
    ("PC", "Phiếu chuyển", "PC"),
    ("PB", "Phiếu báo", "PB"),
    ("SY", "Bản sao y", "SY"),
    ("TrS", "Bản trích sao", "TrS"),
    ("SL", "Bản sao lục", "SL"),
]


def load(model: type) -> None:
    """Create the missing types (used by the data migration, and by tests after a database flush)."""
    for profile, rows in (("party", PARTY), ("state", STATE)):
        for code, name, abbreviation in rows:
            model.objects.get_or_create(  # type: ignore[attr-defined]
                profile=profile, code=code, defaults={"name": name, "abbreviation": abbreviation}
            )
