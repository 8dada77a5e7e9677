"""Who sends documents to the Tỉnh ủy, what they are called and what they say (all generated, fictional).

Everything here is pure: a random.Random is passed in, so the same seed gives the same documents.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from demo.names import person_name
from demo.orgdata import BOARDS, COMMUNES, Directory, OrgSpec

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}

TYPE_NAMES = {
    "NQ": "Nghị quyết",
    "QĐ": "Quyết định",
    "CT": "Chỉ thị",
    "KL": "Kết luận",
    "QĐi": "Quy định",
    "HD": "Hướng dẫn",
    "TB": "Thông báo",
    "BC": "Báo cáo",
    "KH": "Kế hoạch",
    "CTr": "Chương trình",
    "TTr": "Tờ trình",
    "CV": "",
    "GM": "Giấy mời",
    "CĐ": "Công điện",
    "ĐA": "Đề án",
}


@dataclass(frozen=True)
class Signer:
    name: str
    position: str  # as registered: "Phó Chủ tịch Ủy ban nhân dân tỉnh"
    authority: str  # first line of the signature block: "KT. CHỦ TỊCH", "T/M BAN THƯỜNG VỤ", ""
    title: str  # second line: "PHÓ CHỦ TỊCH"


@dataclass(frozen=True)
class Issuer:
    org: OrgSpec
    level: str  # central | board | commune | state | state_central
    weight: float
    types: tuple[tuple[str, float, float], ...]  # (type code, weight, documents per day issued overall)
    signers: tuple[Signer, ...]
    cv_units: tuple[str, ...] = ()  # State công văn: drafting unit/field after the body code
    secret_weight: float = 0.0  # relative chance of sending a secret (MẬT/TỐI MẬT) document

    @property
    def profile(self) -> str:
        return self.org.profile

    @property
    def short(self) -> str:
        """How the body names itself in the text."""
        return self.org.name.replace(" tỉnh Sông Lam", "")


def _signers(rng: random.Random, rows: list[tuple[str, str, str]]) -> tuple[Signer, ...]:
    return tuple(Signer(person_name(rng), position, authority, title) for position, authority, title in rows)


def build_issuers(directory: Directory, seed: int) -> list[Issuer]:
    """The bodies that send documents to the Tỉnh ủy, with their habits."""
    rng = random.Random(f"{seed}:issuers")
    org = directory.org
    issuers: list[Issuer] = [
        Issuer(
            org("TW"),
            "central",
            3,
            (
                ("KL", 3, 0.6),
                ("QĐ", 2, 1.0),
                ("TB", 2, 0.4),
                ("CT", 1, 0.04),
                ("NQ", 1, 0.06),
                ("HD", 1, 0.1),
            ),
            _signers(
                rng,
                [
                    ("Thường trực Ban Bí thư", "T/M BAN BÍ THƯ", "THƯỜNG TRỰC BAN BÍ THƯ"),
                    ("Tổng Bí thư", "T/M BỘ CHÍNH TRỊ", "TỔNG BÍ THƯ"),
                ],
            ),
            secret_weight=2,
        ),
        Issuer(
            org("VPTW"),
            "central",
            6,
            (("CV", 6, 45.0), ("TB", 2, 0.8), ("HD", 1, 0.08), ("GM", 1, 2.0)),
            _signers(
                rng,
                [
                    ("Phó Chánh Văn phòng Trung ương Đảng", "K/T CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG"),
                    ("Chánh Văn phòng Trung ương Đảng", "", "CHÁNH VĂN PHÒNG"),
                ],
            ),
        ),
        Issuer(
            org("BTCTW"),
            "central",
            4,
            (("CV", 5, 12.0), ("HD", 2, 0.1), ("BC", 1, 0.8)),
            _signers(rng, [("Phó Trưởng Ban Tổ chức Trung ương", "K/T TRƯỞNG BAN", "PHÓ TRƯỞNG BAN")]),
            secret_weight=2,
        ),
        Issuer(
            org("BTGDVTW"),
            "central",
            3,
            (("CV", 4, 6.0), ("HD", 2, 0.15), ("KH", 1, 0.2)),
            _signers(
                rng, [("Phó Trưởng Ban Tuyên giáo và Dân vận Trung ương", "K/T TRƯỞNG BAN", "PHÓ TRƯỞNG BAN")]
            ),
        ),
        Issuer(
            org("UBKTTW"),
            "central",
            2,
            (("TB", 3, 0.6), ("CV", 3, 3.0), ("HD", 1, 0.05)),
            _signers(
                rng, [("Phó Chủ nhiệm Ủy ban Kiểm tra Trung ương", "T/M ỦY BAN KIỂM TRA", "PHÓ CHỦ NHIỆM")]
            ),
            secret_weight=2,
        ),
        Issuer(
            org("BNCTW"),
            "central",
            1.5,
            (("CV", 4, 3.0), ("HD", 1, 0.05), ("BC", 1, 0.3)),
            _signers(rng, [("Phó Trưởng Ban Nội chính Trung ương", "K/T TRƯỞNG BAN", "PHÓ TRƯỞNG BAN")]),
            secret_weight=3,
        ),
        Issuer(
            org("BCSCLTW"),
            "central",
            1,
            (("CV", 3, 2.0), ("BC", 1, 0.3)),
            _signers(
                rng,
                [("Phó Trưởng Ban Chính sách, chiến lược Trung ương", "K/T TRƯỞNG BAN", "PHÓ TRƯỞNG BAN")],
            ),
        ),
    ]
    for key, _name, _abbr, _ident, _body, head, deputy in BOARDS:
        head_person = next(p for p in directory.people if p.org == key and p.position == head)
        title_body = directory.org(key).name.replace(" Tỉnh ủy", "").replace(" tỉnh", "")
        head_authority = (
            "T/M ỦY BAN KIỂM TRA" if key == "UBKTTU" else ("T/M ĐẢNG ỦY" if key == "DUCQD" else "")
        )
        deputy_authority = (
            "T/M ỦY BAN KIỂM TRA"
            if key == "UBKTTU"
            else ("T/M ĐẢNG ỦY" if key == "DUCQD" else f"K/T {head.upper()}")
        )
        signers = (
            Signer(head_person.full_name, f"{head} {title_body}", head_authority, head.upper()),
            Signer(person_name(rng), f"{deputy} {title_body}", deputy_authority, deputy.upper()),
        )
        issuers.append(
            Issuer(
                org(key),
                "board",
                3,
                (("BC", 3, 0.6), ("CV", 4, 2.5), ("TTr", 2, 0.8), ("KH", 1, 0.15), ("TB", 1, 0.3)),
                signers,
                secret_weight=3 if key in ("BTCTU", "UBKTTU", "BNCTU") else 0,
            )
        )
    for key, _word, _place in COMMUNES:
        secretary = next(p for p in directory.people if p.org == key and p.position == "Bí thư")
        signers = (
            Signer(secretary.full_name, f"Bí thư {directory.org(key).name}", "T/M ĐẢNG ỦY", "BÍ THƯ"),
            Signer(person_name(rng), f"Phó Bí thư {directory.org(key).name}", "T/M ĐẢNG ỦY", "PHÓ BÍ THƯ"),
        )
        issuers.append(
            Issuer(
                org(key),
                "commune",
                1.6,
                (("BC", 4, 0.4), ("CV", 3, 0.6), ("TTr", 1, 0.15), ("NQ", 1, 0.03), ("KH", 1, 0.1)),
                signers,
            )
        )
    issuers += [
        Issuer(
            org("VPCP"),
            "state_central",
            1.5,
            (("CV", 5, 30.0), ("TB", 2, 1.5)),
            _signers(
                rng, [("Phó Chủ nhiệm Văn phòng Chính phủ", "KT. BỘ TRƯỞNG, CHỦ NHIỆM", "PHÓ CHỦ NHIỆM")]
            ),
            cv_units=("TH", "KTTH", "NN", "KGVX", "V.I"),
        ),
        Issuer(
            org("UBND"),
            "state",
            10,
            (
                ("CV", 8, 16.0),
                ("QĐ", 4, 8.0),
                ("KH", 2, 1.0),
                ("BC", 3, 1.5),
                ("TB", 2, 1.0),
                ("CT", 0.3, 0.05),
                ("CĐ", 0.4, 0.05),
            ),
            _signers(
                rng,
                [
                    ("Chủ tịch Ủy ban nhân dân tỉnh", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
                    ("Phó Chủ tịch Ủy ban nhân dân tỉnh", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"),
                    ("Phó Chủ tịch Ủy ban nhân dân tỉnh", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"),
                ],
            ),
            cv_units=("VX", "KT", "NC", "TH", "CN", "NN"),
        ),
        Issuer(
            org("HDND"),
            "state",
            2,
            (("NQ", 3, 0.3), ("BC", 2, 0.2), ("TB", 1, 0.2)),
            _signers(
                rng,
                [
                    ("Chủ tịch Hội đồng nhân dân tỉnh", "", "CHỦ TỊCH"),
                    ("Phó Chủ tịch Hội đồng nhân dân tỉnh", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"),
                ],
            ),
        ),
        Issuer(
            org("CAT"),
            "state",
            2,
            (("CV", 4, 10.0), ("BC", 3, 1.0), ("KH", 1, 0.3)),
            _signers(
                rng,
                [
                    ("Giám đốc Công an tỉnh", "", "GIÁM ĐỐC"),
                    ("Phó Giám đốc Công an tỉnh", "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"),
                ],
            ),
            cv_units=("PA03", "PV01", "PC06", "PX01"),
            secret_weight=4,
        ),
    ]
    for key, fields in (
        ("SNV", ("TCBC", "CCVC", "XDCQ", "TĐKT")),
        ("STC", ("QLNS", "TCĐT", "QLG")),
        ("SGDDT", ("GDTrH", "GDMN", "KTQLCL")),
        ("SYT", ("NVY", "KHTC", "NVD")),
        ("SNNMT", ("TL", "QLĐĐ", "MT")),
        ("SVHTTDL", ("QLVH", "DL", "TDTT")),
        ("SKHCN", ("QLKH", "CNTT")),
        ("TTT", ("NV1", "GQKN")),
    ):
        head = "Chánh Thanh tra" if key == "TTT" else "Giám đốc Sở"
        deputy = "Phó Chánh Thanh tra" if key == "TTT" else "Phó Giám đốc Sở"
        issuers.append(
            Issuer(
                org(key),
                "state",
                1.6,
                (("CV", 5, 6.0), ("BC", 2, 0.6), ("KH", 1, 0.3), ("HD", 1, 0.1)),
                _signers(
                    rng,
                    [
                        (head, "", head.replace(" Sở", "").upper()),
                        (deputy, "KT. " + head.replace(" Sở", "").upper(), deputy.replace(" Sở", "").upper()),
                    ],
                ),
                cv_units=fields,
            )
        )
    return issuers


# --- subjects ---------------------------------------------------------------------------------------------

PARTY_TOPICS = [
    "công tác xây dựng, chỉnh đốn Đảng và hệ thống chính trị",
    "công tác kiểm tra, giám sát và thi hành kỷ luật đảng",
    "công tác dân vận của hệ thống chính trị",
    "công tác phòng, chống tham nhũng, lãng phí, tiêu cực",
    "chuyển đổi số trong các cơ quan Đảng",
    "sắp xếp, tinh gọn tổ chức bộ máy của hệ thống chính trị",
    "vận hành mô hình chính quyền địa phương hai cấp",
    "học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
    "công tác phát triển đảng viên",
    "công tác bảo vệ chính trị nội bộ",
    "công tác tuyên truyền, giáo dục chính trị tư tưởng",
    "công tác cán bộ và quản lý cán bộ",
    "công tác tiếp công dân, giải quyết khiếu nại, tố cáo",
    "công tác thông tin đối ngoại",
    "công tác văn thư, lưu trữ của Đảng",
    "công tác nội chính và cải cách tư pháp",
    "công tác quốc phòng, quân sự địa phương",
]
STATE_TOPICS = [
    "thu ngân sách nhà nước",
    "giải ngân vốn đầu tư công",
    "cải cách hành chính và chuyển đổi số",
    "xây dựng nông thôn mới",
    "giảm nghèo bền vững",
    "phòng, chống thiên tai, tìm kiếm cứu nạn",
    "bảo đảm an ninh, trật tự an toàn xã hội",
    "quản lý, sử dụng đất đai và tài nguyên khoáng sản",
    "phòng, chống dịch bệnh và chăm sóc sức khỏe nhân dân",
    "phát triển giáo dục và đào tạo",
    "quản lý, sử dụng tài sản công",
    "phát triển du lịch và bảo tồn di sản văn hóa",
    "bảo đảm trật tự an toàn giao thông",
    "thực hiện chính sách đối với người có công",
    "phát triển kinh tế tư nhân",
    "bảo vệ môi trường và ứng phó biến đổi khí hậu",
]
FINANCE_TOPICS = ["quản lý, sử dụng tài sản công", "thu ngân sách nhà nước", "giải ngân vốn đầu tư công"]
ARCHIVE_TOPICS = ["công tác văn thư, lưu trữ của Đảng"]
REFERENCES = [
    (
        "Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị về đột phá phát triển khoa học, công nghệ, "
        "đổi mới sáng tạo và chuyển đổi số quốc gia",
        "Nghị quyết số 57-NQ/TW của Bộ Chính trị",
    ),
    (
        "Nghị quyết số 18-NQ/TW ngày 25/10/2017 của Ban Chấp hành Trung ương Đảng khóa XII về một số vấn đề "
        "về tiếp tục đổi mới, sắp xếp tổ chức bộ máy của hệ thống chính trị tinh gọn, "
        "hoạt động hiệu lực, hiệu quả",
        "Nghị quyết số 18-NQ/TW của Ban Chấp hành Trung ương khóa XII",
    ),
    (
        "Chỉ thị số 05-CT/TW ngày 15/5/2016 của Bộ Chính trị về đẩy mạnh học tập và làm theo "
        "tư tưởng, đạo đức, "
        "phong cách Hồ Chí Minh",
        "Chỉ thị số 05-CT/TW của Bộ Chính trị",
    ),
    (
        "Quy định số 22-QĐ/TW ngày 28/7/2021 của Ban Chấp hành Trung ương về công tác kiểm tra, giám sát và "
        "kỷ luật của Đảng",
        "Quy định số 22-QĐ/TW của Ban Chấp hành Trung ương",
    ),
    (
        "Nghị quyết số 66-NQ/TW ngày 30/4/2025 của Bộ Chính trị về đổi mới công tác xây dựng và thi hành "
        "pháp luật đáp ứng yêu cầu phát triển đất nước trong kỷ nguyên mới",
        "Nghị quyết số 66-NQ/TW của Bộ Chính trị",
    ),
    (
        "Nghị quyết số 68-NQ/TW ngày 04/5/2025 của Bộ Chính trị về phát triển kinh tế tư nhân",
        "Nghị quyết số 68-NQ/TW của Bộ Chính trị",
    ),
]
DRAFTS = [
    "Báo cáo chính trị trình Đại hội",
    "Quy chế làm việc của Ban Chấp hành Đảng bộ tỉnh",
    "Đề án chuyển đổi số trong các cơ quan Đảng tỉnh",
    "Chương trình làm việc toàn khóa",
    "Quy định về chức năng, nhiệm vụ của cơ quan tham mưu, giúp việc",
    "Kế hoạch kiểm tra, giám sát năm",
    "Nghị quyết về phát triển kinh tế - xã hội",
    "Đề án sắp xếp đơn vị sự nghiệp công lập",
]
ACTIVITIES = [
    "lớp bồi dưỡng cập nhật kiến thức cho cán bộ diện Ban Thường vụ Tỉnh ủy quản lý",
    "Đoàn kiểm tra liên ngành",
    "hội thi báo cáo viên giỏi",
    "Đoàn công tác khảo sát thực tế",
    "lớp tập huấn nghiệp vụ văn thư, lưu trữ",
    "tổ biên tập văn kiện",
    "Hội đồng thẩm định đề án",
    "lớp tập huấn ứng dụng trí tuệ nhân tạo trong công tác tham mưu",
]
CONFERENCES = [
    "Hội nghị trực tuyến toàn quốc quán triệt, triển khai các nghị quyết của Trung ương",
    "Hội nghị sơ kết công tác xây dựng Đảng",
    "Hội nghị giao ban công tác văn phòng cấp ủy khu vực miền Trung",
    "Hội nghị đối thoại giữa người đứng đầu cấp ủy với Nhân dân",
    "Hội nghị tổng kết công tác kiểm tra, giám sát",
    "Hội nghị báo cáo viên tháng",
    "Hội thảo khoa học về chuyển đổi số trong hệ thống chính trị",
]
STORMS = [
    "bão số {n}",
    "mưa lớn, lũ quét, sạt lở đất",
    "áp thấp nhiệt đới trên Biển Đông",
    "đợt rét đậm, rét hại",
]


ANNIVERSARIES = [
    # (month, day, text with {n} = years since, {y} = year)
    (2, 3, 1930, "kỷ niệm {n} năm Ngày thành lập Đảng Cộng sản Việt Nam (03/02/1930 - 03/02/{y})"),
    (4, 30, 1975, "kỷ niệm {n} năm Ngày giải phóng miền Nam, thống nhất đất nước (30/4/1975 - 30/4/{y})"),
    (5, 19, 1890, "kỷ niệm {n} năm Ngày sinh Chủ tịch Hồ Chí Minh (19/5/1890 - 19/5/{y})"),
    (7, 27, 1947, "kỷ niệm {n} năm Ngày Thương binh - Liệt sĩ (27/7/1947 - 27/7/{y})"),
    (
        9,
        2,
        1945,
        "kỷ niệm {n} năm Cách mạng Tháng Tám thành công và Quốc khánh nước Cộng hòa xã hội chủ nghĩa "
        "Việt Nam (02/9/1945 - 02/9/{y})",
    ),
    (10, 18, 1930, "kỷ niệm {n} năm Ngày truyền thống Văn phòng cấp ủy (18/10/1930 - 18/10/{y})"),
    (11, 18, 1930, "kỷ niệm {n} năm Ngày truyền thống Mặt trận Tổ quốc Việt Nam (18/11/1930 - 18/11/{y})"),
    (12, 22, 1944, "kỷ niệm {n} năm Ngày thành lập Quân đội nhân dân Việt Nam (22/12/1944 - 22/12/{y})"),
]


def anniversaries(issued: date) -> list[str]:
    """Anniversaries falling in the four months after ``issued`` (what a plan issued then would prepare)."""
    found = []
    for month, day, origin, text in ANNIVERSARIES:
        when = date(issued.year, month, day)
        if when < issued:
            when = date(issued.year + 1, month, day)
        if (when - issued).days <= 120:
            found.append(text.format(n=when.year - origin, y=when.year))
    return found or [
        text.format(n=issued.year + 1 - origin, y=issued.year + 1)
        for month, day, origin, text in ANNIVERSARIES[:1]
    ]


def period_of(day: date, rng: random.Random) -> str:
    """The reporting period a report issued on ``day`` plausibly covers."""
    q = (day.month - 1) // 3 + 1
    prev_q, prev_y = (q - 1, day.year) if q > 1 else (4, day.year - 1)
    first_month_of_quarter = day.month in (1, 4, 7, 10)
    choices = [
        f"quý {ROMAN[prev_q]} năm {prev_y}" if first_month_of_quarter else f"quý {ROMAN[q]} năm {day.year}",
        f"tháng {day.month if day.day > 20 else (day.month - 1 or 12)} năm "
        f"{day.year if day.day > 20 or day.month > 1 else day.year - 1}",
    ]
    if day.month in (6, 7):
        choices.append(f"6 tháng đầu năm {day.year}")
    if day.month in (9, 10):
        choices.append(f"9 tháng năm {day.year}")
    if day.month in (11, 12):
        choices.append(f"năm {day.year}")
    if day.month == 1:
        choices.append(f"năm {day.year - 1}")
    return rng.choice(choices)


def leadership(level: str) -> str:
    return {
        "central": "Bộ Chính trị",
        "board": "Ban Thường vụ Tỉnh ủy",
        "commune": "Ban Thường vụ Đảng ủy",
        "state": "Chủ tịch Ủy ban nhân dân tỉnh",
        "state_central": "Thủ tướng Chính phủ",
    }[level]


def topic_for(issuer: Issuer, rng: random.Random) -> str:
    if issuer.profile == "party":
        return rng.choice(PARTY_TOPICS) if rng.random() < 0.8 else rng.choice(STATE_TOPICS)
    return rng.choice(STATE_TOPICS) if rng.random() < 0.85 else rng.choice(PARTY_TOPICS)


def subject_for(issuer: Issuer, code: str, issued: date, topic: str, rng: random.Random) -> str:
    """A realistic trích yếu for a document of type ``code``."""
    y = issued.year
    lead = leadership(issuer.level)
    _ref_full, ref_short = rng.choice(REFERENCES)
    if code == "BC":
        options = [
            f"Báo cáo kết quả thực hiện nhiệm vụ {period_of(issued, rng)}",
            f"Báo cáo kết quả {topic} {period_of(issued, rng)}",
            f"Báo cáo sơ kết {rng.choice([1, 2, 3, 5])} năm thực hiện {ref_short}",
            f"Báo cáo tình hình {topic} {period_of(issued, rng)}",
        ]
        if issued.month in (11, 12, 1):
            options.append(
                f"Báo cáo tổng kết {topic} năm {y if issued.month > 6 else y - 1} và phương hướng, "
                f"nhiệm vụ năm {y + 1 if issued.month > 6 else y}"
            )
        text = rng.choice(options)
    elif code == "KH":
        text = rng.choice(
            [
                f"Kế hoạch tổ chức các hoạt động {rng.choice(anniversaries(issued))}",
                f"Kế hoạch triển khai thực hiện {ref_short}",
                f"Kế hoạch kiểm tra, giám sát {topic} năm {y}",
                f"Kế hoạch thực hiện {topic} năm {y}",
            ]
        )
    elif code == "TB":
        text = rng.choice(
            [
                f"Thông báo kết luận của {lead} về {topic}",
                f"Thông báo ý kiến chỉ đạo của {lead} về {topic}",
                f"Thông báo kết luận của {lead} tại buổi làm việc về {topic}",
            ]
        )
        if issuer.level == "board":
            text = rng.choice(
                [
                    f"Thông báo kết luận của Ban Thường vụ Tỉnh ủy về {topic}",
                    f"Thông báo kết quả kiểm tra {topic}",
                ]
            )
    elif code == "CV":
        text = rng.choice(
            [
                f"Về việc triển khai {topic}",
                f"Về việc đề nghị báo cáo kết quả {topic} {period_of(issued, rng)}",
                f"Về việc góp ý dự thảo {rng.choice(DRAFTS)}",
                f"Về việc cử cán bộ tham gia {rng.choice(ACTIVITIES)}",
                f"Về việc tăng cường {topic}",
                f"Về việc chuẩn bị nội dung phục vụ {rng.choice(CONFERENCES)}",
                f"Về việc cung cấp thông tin, số liệu về {topic}",
                f"Về việc tổ chức các hoạt động {rng.choice(anniversaries(issued))}",
            ]
        )
    elif code == "HD":
        text = rng.choice(
            [
                f"Hướng dẫn thực hiện {ref_short}",
                f"Hướng dẫn {topic} năm {y}",
                f"Hướng dẫn tổ chức các hoạt động {rng.choice(anniversaries(issued))}",
            ]
        )
    elif code == "NQ":
        if issuer.level == "commune":
            text = f"Nghị quyết về lãnh đạo thực hiện nhiệm vụ {period_of(issued, rng)}"
        else:
            text = f"Nghị quyết về {topic}"
    elif code == "QĐ":
        if issuer.profile == "state":
            text = rng.choice(
                [
                    f"Quyết định về việc phê duyệt Kế hoạch {topic} năm {y}",
                    f"Quyết định về việc giao chỉ tiêu {topic} năm {y}",
                    f"Quyết định về việc thành lập Tổ công tác về {topic}",
                    f"Quyết định ban hành Quy chế phối hợp trong {topic}",
                ]
            )
        else:
            text = rng.choice(
                [
                    f"Quyết định thành lập Đoàn kiểm tra, giám sát về {topic}",
                    f"Quyết định ban hành Quy chế phối hợp trong {topic}",
                    f"Quyết định thành lập Ban Chỉ đạo {topic}",
                ]
            )
    elif code == "CT":
        text = (
            f"Chỉ thị về tăng cường sự lãnh đạo của Đảng đối với {topic}"
            if issuer.profile == "party"
            else f"Chỉ thị về tăng cường {topic}"
        )
    elif code == "KL":
        text = rng.choice(
            [
                f"Kết luận của Bộ Chính trị về tiếp tục thực hiện {ref_short}",
                f"Kết luận của Ban Bí thư về {topic}",
            ]
        )
    elif code == "GM":
        text = f"Giấy mời dự {rng.choice(CONFERENCES)}"
    elif code == "TTr":
        text = rng.choice(
            [
                f"Tờ trình về việc đề nghị phê duyệt kế hoạch {topic} năm {y}",
                f"Tờ trình về việc đề nghị cho ý kiến {rng.choice(DRAFTS)}",
                "Tờ trình về việc đề nghị kiện toàn chức danh cấp ủy",
                f"Tờ trình về việc đề nghị bổ sung kinh phí thực hiện {topic}",
            ]
        )
    elif code == "CĐ":
        storm = rng.choice(STORMS).format(n=rng.randint(1, 12))
        text = f"Công điện về việc chủ động ứng phó với {storm}"
    else:
        text = f"Về {topic}"
    return text


def summary_line(code: str, subject: str) -> str:
    """The summary printed under the type name: the subject without the leading type name."""
    name = TYPE_NAMES.get(code, "")
    if name and subject.startswith(name + " "):
        rest = subject[len(name) + 1 :]
        return rest[0].upper() + rest[1:]
    if subject.startswith("Về việc "):
        return "V/v " + subject[len("Về việc ") :]
    return subject


TASKS = [
    "Tiếp tục quán triệt, tuyên truyền sâu rộng chủ trương của Đảng, chính sách, pháp luật "
    "của Nhà nước về {t} "
    "đến cán bộ, đảng viên và Nhân dân; tạo sự thống nhất cao về nhận thức và hành động.",
    "Cấp ủy, người đứng đầu các cơ quan, đơn vị chịu trách nhiệm trực tiếp lãnh đạo, chỉ đạo {t}; "
    "xác định đây "
    "là nhiệm vụ trọng tâm, thường xuyên, gắn với việc thực hiện nhiệm vụ chính trị của địa phương.",
    "Rà soát, sửa đổi, bổ sung các quy chế, quy định liên quan đến {t}; kịp thời tháo gỡ khó khăn, vướng mắc "
    "phát sinh trong quá trình tổ chức thực hiện.",
    "Tăng cường kiểm tra, giám sát việc thực hiện {t}; kịp thời biểu dương, khen thưởng tập thể, cá nhân có "
    "thành tích tiêu biểu, chấn chỉnh những tồn tại, hạn chế.",
    "Đẩy mạnh ứng dụng công nghệ thông tin, chuyển đổi số trong {t}; bảo đảm kết nối, chia sẻ dữ liệu thông "
    "suốt giữa các cơ quan trong hệ thống chính trị.",
    "Bố trí đủ nguồn lực, kinh phí, cán bộ có năng lực, kinh nghiệm để thực hiện {t}; chú trọng đào tạo, "
    "bồi dưỡng, nâng cao trình độ chuyên môn, nghiệp vụ.",
    "Định kỳ 6 tháng, hằng năm sơ kết, đánh giá kết quả thực hiện {t}, rút ra bài học kinh nghiệm và đề xuất "
    "giải pháp cho thời gian tiếp theo.",
    "Phát huy vai trò của Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội trong giám sát, "
    "phản biện xã hội "
    "đối với {t}.",
]


def body_for(
    issuer: Issuer,
    code: str,
    subject: str,
    topic: str,
    issued: date,
    deadline_hint: date,
    rng: random.Random,
    *,
    long: bool = False,
) -> list[str]:
    """Two to four paragraphs of plausible body text; ``long`` adds numbered tasks (two pages or more)."""
    ref_full, _ = rng.choice(REFERENCES)
    me = issuer.short
    lower = subject[0].lower() + subject[1:]
    opening = rng.choice(
        [
            f"Thực hiện {ref_full}, {me} {'báo cáo' if code == 'BC' else 'thông tin'} như sau:",
            f"Căn cứ Chương trình công tác năm {issued.year} của {leadership(issuer.level)}, "
            f"{me} triển khai nội dung {lower} như sau:",
            f"Để tiếp tục nâng cao chất lượng, hiệu quả {topic}, {me} đề nghị các cơ quan, đơn vị quan tâm "
            f"thực hiện một số nội dung sau:",
        ]
    )
    pct = rng.randint(82, 118)
    middle = rng.choice(
        [
            f"Trong thời gian qua, các cấp ủy, tổ chức đảng đã tập trung lãnh đạo, chỉ đạo {topic}, đạt được "
            f"nhiều kết quả quan trọng; nhiều chỉ tiêu đạt và vượt kế hoạch, ước đạt {pct}% kế hoạch năm. "
            f"Tuy nhiên, việc triển khai ở một số nơi còn chậm, chưa đồng bộ, chất lượng chưa cao.",
            f"Qua theo dõi, tổng hợp, việc thực hiện {topic} cơ bản bảo đảm tiến độ đề ra; công tác phối hợp "
            f"giữa các cơ quan, đơn vị ngày càng chặt chẽ. Một số khó khăn, vướng mắc phát sinh "
            f"cần được tháo gỡ "
            f"kịp thời để không ảnh hưởng đến kết quả chung.",
            "Nội dung chi tiết được nêu tại phụ lục kèm theo. Các cơ quan, đơn vị căn cứ chức năng, nhiệm vụ "
            "chủ động xây dựng kế hoạch cụ thể, phân công rõ người, rõ việc, rõ thời gian, rõ trách nhiệm.",
        ]
    )
    request = (
        f"Đề nghị các cơ quan, đơn vị liên quan nghiên cứu, triển khai thực hiện và báo cáo kết quả "
        f"về {me} trước ngày {deadline_hint:%d/%m/%Y} để tổng hợp, báo cáo theo quy định."
    )
    closing = (
        f"Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, đề nghị phản ánh về {me} để được "
        f"hướng dẫn, giải quyết kịp thời."
    )
    count = rng.choice([2, 3, 3, 4])
    paragraphs = [opening, middle, request, closing][:count] if count > 2 else [opening, request]
    if long:
        tasks = [
            f"{i}. {text.format(t=topic)}" for i, text in enumerate(rng.sample(TASKS, rng.randint(5, 8)), 1)
        ]
        paragraphs[1:1] = tasks
    return paragraphs


def copies_to(issuer: Issuer, rng: random.Random) -> list[str]:
    lines = ["Như trên,"] if rng.random() < 0.5 else ["Tỉnh ủy Sông Lam,"]
    if issuer.level == "central":
        lines.append("Các tỉnh ủy, thành ủy trực thuộc Trung ương,")
    elif issuer.level in ("state", "state_central"):
        lines.append("Thường trực Tỉnh ủy (để b/c),")
    else:
        lines.append("Thường trực Tỉnh ủy (để b/c),")
    lines.append("Lưu VT.")
    return lines
