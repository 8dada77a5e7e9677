"""The demo organization tree, units, positions, people, roles, registers, holidays and delegations.

``build_directory`` is pure (same seed, same people); ``create_directory`` writes it to the database.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from core.models import Holiday
from demo.holidays import holidays_around
from demo.names import person_name, username_for
from documents.models import NumberingPeriod, Register, RegisterKind
from orgs.models import (
    Delegation,
    DelegationKind,
    Organization,
    OrganizationKind,
    Position,
    Profile,
    Role,
    RoleAssignment,
    Secrecy,
    Unit,
    User,
)

DEMO_PASSWORD = "Demo@2026"  # noqa: S105  (published demo credential)
EMAIL_DOMAIN = "songlam.example"
MAIN_ORG = "TU"
PROVINCE = "Sông Lam"


@dataclass(frozen=True)
class OrgSpec:
    key: str
    name: str
    abbreviation: str
    identifier: str
    kind: str
    profile: str
    parent: str | None = None
    uses_system: bool = False
    address: str = ""
    phone: str = ""
    # how the body is printed in a document header (parent line, body line) and its place name
    header_parent: str = ""
    header_body: str = ""
    place: str = PROVINCE
    # who signs for the body: the head's title, and the collective a "T/M" signature speaks for
    head_title: str = ""
    collective: str = ""


@dataclass(frozen=True)
class UnitSpec:
    key: str
    name: str
    abbreviation: str
    parent: str | None = None


@dataclass(frozen=True)
class PersonSpec:
    username: str
    full_name: str
    org: str
    position: str
    roles: tuple[str, ...]
    clearance: str = Secrecy.NONE
    unit: str | None = None
    demo: bool = False
    is_staff: bool = False
    is_superuser: bool = False


@dataclass
class Directory:
    orgs: list[OrgSpec]
    units: list[UnitSpec]
    positions: dict[str, list[tuple[str, int]]]
    people: list[PersonSpec]
    by_username: dict[str, PersonSpec] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_username = {p.username: p for p in self.people}

    def org(self, key: str) -> OrgSpec:
        return next(o for o in self.orgs if o.key == key)


CENTRAL = [
    # key, name, abbreviation, identifier, header body line
    ("TW", "Ban Chấp hành Trung ương", "TW", "000.00.00.D00", "BAN CHẤP HÀNH TRUNG ƯƠNG"),
    ("VPTW", "Văn phòng Trung ương Đảng", "VPTW", "000.00.01.D00", "VĂN PHÒNG"),
    ("BTCTW", "Ban Tổ chức Trung ương", "BTCTW", "000.00.02.D00", "BAN TỔ CHỨC"),
    (
        "BTGDVTW",
        "Ban Tuyên giáo và Dân vận Trung ương",
        "BTGDVTW",
        "000.00.03.D00",
        "BAN TUYÊN GIÁO VÀ DÂN VẬN",
    ),
    ("UBKTTW", "Ủy ban Kiểm tra Trung ương", "UBKTTW", "000.00.04.D00", "ỦY BAN KIỂM TRA"),
    ("BNCTW", "Ban Nội chính Trung ương", "BNCTW", "000.00.05.D00", "BAN NỘI CHÍNH"),
    (
        "BCSCLTW",
        "Ban Chính sách, chiến lược Trung ương",
        "BCSCLTW",
        "000.00.06.D00",
        "BAN CHÍNH SÁCH, CHIẾN LƯỢC",
    ),
]

BOARDS = [
    # key, name, abbreviation, identifier, header body, head position, deputy position
    ("BTCTU", "Ban Tổ chức Tỉnh ủy", "BTCTU", "000.00.01.H99", "BAN TỔ CHỨC", "Trưởng ban", "Phó Trưởng ban"),
    (
        "BTGDVTU",
        "Ban Tuyên giáo và Dân vận Tỉnh ủy",
        "BTGDVTU",
        "000.00.02.H99",
        "BAN TUYÊN GIÁO VÀ DÂN VẬN",
        "Trưởng ban",
        "Phó Trưởng ban",
    ),
    (
        "UBKTTU",
        "Ủy ban Kiểm tra Tỉnh ủy",
        "UBKTTU",
        "000.00.03.H99",
        "ỦY BAN KIỂM TRA",
        "Chủ nhiệm",
        "Phó Chủ nhiệm",
    ),
    (
        "BNCTU",
        "Ban Nội chính Tỉnh ủy",
        "BNCTU",
        "000.00.04.H99",
        "BAN NỘI CHÍNH",
        "Trưởng ban",
        "Phó Trưởng ban",
    ),
    (
        "DUCQD",
        "Đảng ủy các cơ quan Đảng tỉnh",
        "ĐUCQĐ",
        "000.00.05.H99",
        "ĐẢNG ỦY CÁC CƠ QUAN ĐẢNG TỈNH",
        "Bí thư",
        "Phó Bí thư",
    ),
]

COMMUNES = [
    # key, kind word, place name
    ("DU_BENTHUY", "phường", "Bến Thủy"),
    ("DU_TRUONGTHI", "phường", "Trường Thi"),
    ("DU_LAMSON", "phường", "Lam Sơn"),
    ("DU_CUALAM", "phường", "Cửa Lam"),
    ("DU_HUNGLOC", "xã", "Hưng Lộc"),
    ("DU_THANHLAM", "xã", "Thanh Lam"),
    ("DU_VANDIEN", "xã", "Vân Diên"),
    ("DU_KIMLIEN", "xã", "Kim Liên"),
    ("DU_HONGSON", "xã", "Hồng Sơn"),
    ("DU_YENHOA", "xã", "Yên Hòa"),
]

STATE = [
    # key, name, abbreviation, identifier, parent, header parent, header body, place
    ("VPCP", "Văn phòng Chính phủ", "VPCP", "000.00.00.G22", None, "", "VĂN PHÒNG CHÍNH PHỦ", "Hà Nội"),
    (
        "UBND",
        "Ủy ban nhân dân tỉnh Sông Lam",
        "UBND",
        "000.00.31.H99",
        None,
        "",
        "ỦY BAN NHÂN DÂN TỈNH SÔNG LAM",
        PROVINCE,
    ),
    (
        "HDND",
        "Hội đồng nhân dân tỉnh Sông Lam",
        "HĐND",
        "000.00.32.H99",
        None,
        "",
        "HỘI ĐỒNG NHÂN DÂN TỈNH SÔNG LAM",
        PROVINCE,
    ),
    (
        "CAT",
        "Công an tỉnh Sông Lam",
        "CAT",
        "000.00.33.H99",
        None,
        "BỘ CÔNG AN",
        "CÔNG AN TỈNH SÔNG LAM",
        PROVINCE,
    ),
    (
        "SNV",
        "Sở Nội vụ tỉnh Sông Lam",
        "SNV",
        "000.01.31.H99",
        "UBND",
        "UBND TỈNH SÔNG LAM",
        "SỞ NỘI VỤ",
        PROVINCE,
    ),
    (
        "STC",
        "Sở Tài chính tỉnh Sông Lam",
        "STC",
        "000.02.31.H99",
        "UBND",
        "UBND TỈNH SÔNG LAM",
        "SỞ TÀI CHÍNH",
        PROVINCE,
    ),
    (
        "SGDDT",
        "Sở Giáo dục và Đào tạo tỉnh Sông Lam",
        "SGDĐT",
        "000.03.31.H99",
        "UBND",
        "UBND TỈNH SÔNG LAM",
        "SỞ GIÁO DỤC VÀ ĐÀO TẠO",
        PROVINCE,
    ),
    (
        "SYT",
        "Sở Y tế tỉnh Sông Lam",
        "SYT",
        "000.04.31.H99",
        "UBND",
        "UBND TỈNH SÔNG LAM",
        "SỞ Y TẾ",
        PROVINCE,
    ),
    (
        "SNNMT",
        "Sở Nông nghiệp và Môi trường tỉnh Sông Lam",
        "SNNMT",
        "000.05.31.H99",
        "UBND",
        "UBND TỈNH SÔNG LAM",
        "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG",
        PROVINCE,
    ),
    (
        "SVHTTDL",
        "Sở Văn hóa, Thể thao và Du lịch tỉnh Sông Lam",
        "SVHTTDL",
        "000.06.31.H99",
        "UBND",
        "UBND TỈNH SÔNG LAM",
        "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH",
        PROVINCE,
    ),
    (
        "SKHCN",
        "Sở Khoa học và Công nghệ tỉnh Sông Lam",
        "SKHCN",
        "000.07.31.H99",
        "UBND",
        "UBND TỈNH SÔNG LAM",
        "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
        PROVINCE,
    ),
    (
        "TTT",
        "Thanh tra tỉnh Sông Lam",
        "TTT",
        "000.08.31.H99",
        "UBND",
        "UBND TỈNH SÔNG LAM",
        "THANH TRA TỈNH",
        PROVINCE,
    ),
]

CENTRAL_HEADS = {"TW": "Tổng Bí thư", "VPTW": "Chánh Văn phòng", "UBKTTW": "Chủ nhiệm"}
STATE_HEADS = {
    "VPCP": "Bộ trưởng, Chủ nhiệm",
    "UBND": "Chủ tịch",
    "HDND": "Chủ tịch",
    "TTT": "Chánh Thanh tra",
}
STATE_COLLECTIVES = {"UBND": "Ủy ban nhân dân", "HDND": "Thường trực Hội đồng nhân dân"}

UNITS = [
    UnitSpec("VPTU", "Văn phòng Tỉnh ủy", "VPTU"),
    UnitSpec("TH", "Phòng Tổng hợp", "TH", "VPTU"),
    UnitSpec("HCQT", "Phòng Hành chính – Quản trị", "HCQT", "VPTU"),
    UnitSpec("TC", "Phòng Tài chính", "TC", "VPTU"),
    UnitSpec("LT", "Phòng Lưu trữ", "LT", "VPTU"),
]
PHONG = ["TH", "HCQT", "TC", "LT"]

MAIN_POSITIONS = [
    ("Bí thư", 1),
    ("Phó Bí thư", 2),
    ("Chánh Văn phòng", 10),
    ("Phó Chánh Văn phòng", 11),
    ("Trưởng phòng", 20),
    ("Phó Trưởng phòng", 21),
    ("Chuyên viên", 40),
    ("Văn thư", 45),
    ("Quản trị hệ thống", 50),
]

# The seven published demo accounts: username -> (full name, org, unit, position, roles, clearance)
DEMO_ACCOUNTS: list[PersonSpec] = [
    PersonSpec(
        "vanthu", "Nguyễn Thị Thu Hà", MAIN_ORG, "Văn thư", (Role.CLERK,), Secrecy.SECRET, "HCQT", True
    ),
    PersonSpec(
        "lanhdao",
        "Trần Văn Minh",
        MAIN_ORG,
        "Chánh Văn phòng",
        (Role.OFFICE_LEADER,),
        Secrecy.TOP_SECRET,
        "VPTU",
        True,
    ),
    PersonSpec(
        "truongphong",
        "Lê Thị Hồng Nhung",
        MAIN_ORG,
        "Trưởng phòng",
        (Role.UNIT_HEAD,),
        Secrecy.CONFIDENTIAL,
        "TH",
        True,
    ),
    PersonSpec(
        "chuyenvien", "Phạm Quốc Huy", MAIN_ORG, "Chuyên viên", (Role.SPECIALIST,), Secrecy.NONE, "TH", True
    ),
    PersonSpec(
        "bithu",
        "Hoàng Đức Thắng",
        MAIN_ORG,
        "Bí thư",
        (Role.COMMITTEE_LEADER,),
        Secrecy.TOP_SECRET,
        None,
        True,
    ),
    PersonSpec(
        "ngoai", "Võ Thị Lan", "DU_BENTHUY", "Văn thư", (Role.CLERK,), Secrecy.CONFIDENTIAL, None, True
    ),
    PersonSpec(
        "quantri",
        "Đặng Minh Khoa",
        MAIN_ORG,
        "Quản trị hệ thống",
        (Role.ADMIN,),
        Secrecy.NONE,
        "HCQT",
        True,
        is_staff=True,
        is_superuser=True,
    ),
]

# What the demo_logins box shows (role in Vietnamese, what to try first).
DEMO_LOGINS: list[tuple[str, str, str]] = [
    ("vanthu", "Văn thư (Phòng Hành chính – Quản trị)", "vào sổ, trình văn bản đến"),
    ("lanhdao", "Chánh Văn phòng (lãnh đạo Văn phòng)", "phân phối, giao xử lý"),
    ("truongphong", "Trưởng phòng Tổng hợp", "giao chuyên viên xử lý"),
    ("chuyenvien", "Chuyên viên Phòng Tổng hợp", "xử lý, hoàn thành"),
    ("bithu", "Bí thư Tỉnh ủy (lãnh đạo cấp ủy)", "theo dõi, chỉ đạo"),
    ("ngoai", "Văn thư Đảng ủy phường Bến Thủy", "cơ quan cấp dưới"),
    ("quantri", "Quản trị hệ thống", "danh mục, người dùng"),
]


def _orgs() -> list[OrgSpec]:
    orgs: list[OrgSpec] = []
    for key, name, abbr, ident, body in CENTRAL:
        orgs.append(
            OrgSpec(
                key,
                name,
                abbr,
                ident,
                OrganizationKind.CENTRAL,
                Profile.PARTY,
                parent=None if key == "TW" else "TW",
                address="Số 1A Hùng Vương, Ba Đình, Hà Nội",
                header_parent="" if key == "TW" else "BAN CHẤP HÀNH TRUNG ƯƠNG",
                header_body=body,
                place="Hà Nội",
                head_title=CENTRAL_HEADS.get(key, "Trưởng ban"),
                collective="Ban Chấp hành Trung ương" if key == "TW" else "",
            )
        )
    orgs.append(
        OrgSpec(
            MAIN_ORG,
            "Tỉnh ủy Sông Lam",
            "TU",
            "000.00.00.H99",
            OrganizationKind.PROVINCIAL_COMMITTEE,
            Profile.PARTY,
            parent="TW",
            uses_system=True,
            address="Số 9 đường Trường Thi, phường Trường Thi, tỉnh Sông Lam",
            phone="0238 3844 100",
            header_body="TỈNH ỦY SÔNG LAM",
            head_title="Bí thư",
            collective="Ban Thường vụ",
        )
    )
    for key, name, abbr, ident, body, head, _deputy in BOARDS:
        orgs.append(
            OrgSpec(
                key,
                name,
                abbr,
                ident,
                OrganizationKind.ADVISORY_BOARD,
                Profile.PARTY,
                parent=MAIN_ORG,
                uses_system=True,
                address="Khu cơ quan Tỉnh ủy, phường Trường Thi, tỉnh Sông Lam",
                header_parent="TỈNH ỦY SÔNG LAM",
                header_body=body,
                head_title=head,
                collective="Ban Thường vụ" if key == "DUCQD" else "",
            )
        )
    for index, (key, word, place) in enumerate(COMMUNES):
        orgs.append(
            OrgSpec(
                key,
                f"Đảng ủy {word} {place}",
                "ĐU",
                f"000.00.{21 + index:02d}.H99",
                OrganizationKind.COMMUNE_COMMITTEE,
                Profile.PARTY,
                parent=MAIN_ORG,
                uses_system=True,
                address=f"Trụ sở Đảng ủy {word} {place}, tỉnh Sông Lam",
                header_parent="ĐẢNG BỘ TỈNH SÔNG LAM",
                header_body=f"ĐẢNG ỦY {word.upper()} {place.upper()}",
                place=place,
                head_title="Bí thư",
                collective="Đảng ủy",
            )
        )
    for key, name, abbr, ident, parent, hparent, hbody, place in STATE:
        orgs.append(
            OrgSpec(
                key,
                name,
                abbr,
                ident,
                OrganizationKind.STATE_AGENCY,
                Profile.STATE,
                parent=parent,
                header_parent=hparent,
                header_body=hbody,
                place=place,
                head_title=STATE_HEADS.get(key, "Giám đốc"),
                collective=STATE_COLLECTIVES.get(key, ""),
            )
        )
    return orgs


def _positions() -> dict[str, list[tuple[str, int]]]:
    positions: dict[str, list[tuple[str, int]]] = {MAIN_ORG: MAIN_POSITIONS}
    for key, _name, _abbr, _ident, _body, head, deputy in BOARDS:
        positions[key] = [(head, 1), (deputy, 2), ("Chuyên viên", 40), ("Văn thư", 45)]
    for key, _word, _place in COMMUNES:
        positions[key] = [("Bí thư", 1), ("Phó Bí thư", 2), ("Chuyên viên", 40), ("Văn thư", 45)]
    return positions


def build_directory(seed: int) -> Directory:
    """Every organization, unit and person of the demo, deterministically from ``seed``."""
    rng = random.Random(f"{seed}:people")
    taken = {p.username for p in DEMO_ACCOUNTS}
    names = {p.full_name for p in DEMO_ACCOUNTS}
    people: list[PersonSpec] = list(DEMO_ACCOUNTS)

    def add(
        org: str,
        position: str,
        roles: tuple[str, ...],
        clearance: str = Secrecy.NONE,
        unit: str | None = None,
    ) -> PersonSpec:
        full_name = person_name(rng)
        while full_name in names:
            full_name = person_name(rng)
        names.add(full_name)
        spec = PersonSpec(username_for(full_name, taken), full_name, org, position, roles, clearance, unit)
        people.append(spec)
        return spec

    add(MAIN_ORG, "Phó Bí thư", (Role.COMMITTEE_LEADER,), Secrecy.TOP_SECRET)
    add(MAIN_ORG, "Phó Bí thư", (Role.COMMITTEE_LEADER,), Secrecy.TOP_SECRET)
    add(MAIN_ORG, "Phó Chánh Văn phòng", (Role.OFFICE_LEADER,), Secrecy.TOP_SECRET, "VPTU")
    add(MAIN_ORG, "Phó Chánh Văn phòng", (Role.OFFICE_LEADER,), Secrecy.SECRET, "VPTU")
    # Phòng Tổng hợp: the head is "truongphong"
    add(MAIN_ORG, "Phó Trưởng phòng", (Role.SPECIALIST,), Secrecy.SECRET, "TH")
    for clearance in (Secrecy.CONFIDENTIAL, Secrecy.CONFIDENTIAL, Secrecy.NONE, Secrecy.NONE, Secrecy.NONE):
        add(MAIN_ORG, "Chuyên viên", (Role.SPECIALIST,), clearance, "TH")
    # the other Phòng: head, deputy, specialists
    add(MAIN_ORG, "Trưởng phòng", (Role.UNIT_HEAD,), Secrecy.CONFIDENTIAL, "HCQT")
    add(MAIN_ORG, "Phó Trưởng phòng", (Role.SPECIALIST,), Secrecy.CONFIDENTIAL, "HCQT")
    add(MAIN_ORG, "Văn thư", (Role.CLERK,), Secrecy.SECRET, "HCQT")
    add(MAIN_ORG, "Chuyên viên", (Role.SPECIALIST,), Secrecy.NONE, "HCQT")
    add(MAIN_ORG, "Chuyên viên", (Role.SPECIALIST,), Secrecy.NONE, "HCQT")
    add(MAIN_ORG, "Trưởng phòng", (Role.UNIT_HEAD,), Secrecy.CONFIDENTIAL, "TC")
    add(MAIN_ORG, "Phó Trưởng phòng", (Role.SPECIALIST,), Secrecy.NONE, "TC")
    add(MAIN_ORG, "Chuyên viên", (Role.SPECIALIST,), Secrecy.NONE, "TC")
    add(MAIN_ORG, "Chuyên viên", (Role.SPECIALIST,), Secrecy.NONE, "TC")
    add(MAIN_ORG, "Trưởng phòng", (Role.UNIT_HEAD,), Secrecy.SECRET, "LT")
    add(MAIN_ORG, "Phó Trưởng phòng", (Role.SPECIALIST,), Secrecy.CONFIDENTIAL, "LT")
    add(MAIN_ORG, "Chuyên viên", (Role.SPECIALIST,), Secrecy.CONFIDENTIAL, "LT")
    add(MAIN_ORG, "Chuyên viên", (Role.SPECIALIST,), Secrecy.NONE, "LT")
    for key, _name, _abbr, _ident, _body, head, _deputy in BOARDS:
        add(key, head, (Role.OFFICE_LEADER,), Secrecy.SECRET)
        add(key, "Văn thư", (Role.CLERK,), Secrecy.CONFIDENTIAL)
        add(key, "Chuyên viên", (Role.SPECIALIST,), Secrecy.NONE)
    for key, _word, _place in COMMUNES:
        add(key, "Bí thư", (Role.COMMITTEE_LEADER,), Secrecy.SECRET)
        if key != "DU_BENTHUY":  # there the clerk is the demo account "ngoai"
            add(key, "Văn thư", (Role.CLERK,), Secrecy.CONFIDENTIAL)
    return Directory(_orgs(), list(UNITS), _positions(), people)


@dataclass(frozen=True)
class DelegationSpec:
    grantor: str
    grantee: str
    kind: str
    start: date
    end: date
    scope: str
    revoked: bool = False


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def delegation_specs(directory: Directory, today: date) -> list[DelegationSpec]:
    """A few delegations around ``today``: past trips and leave, one upcoming, one revoked."""
    deputies = [p.username for p in directory.people if p.position == "Phó Chánh Văn phòng"]
    vice_secretaries = [
        p.username for p in directory.people if p.org == MAIN_ORG and p.position == "Phó Bí thư"
    ]
    th_deputy = next(
        p.username for p in directory.people if p.unit == "TH" and p.position == "Phó Trưởng phòng"
    )
    trip = _monday(today - timedelta(days=70))
    leave = _monday(today - timedelta(days=40))
    upcoming = _monday(today + timedelta(days=14))
    revoked = _monday(today - timedelta(days=150))
    return [
        DelegationSpec(
            "lanhdao",
            deputies[0],
            DelegationKind.DELEGATION,
            trip,
            trip + timedelta(days=4),
            "Phân phối, chỉ đạo xử lý văn bản đến trong thời gian đồng chí Chánh Văn phòng đi công tác",
        ),
        DelegationSpec(
            "truongphong",
            th_deputy,
            DelegationKind.ACTING,
            leave,
            leave + timedelta(days=4),
            "Điều hành Phòng Tổng hợp trong thời gian đồng chí Trưởng phòng nghỉ phép",
        ),
        DelegationSpec(
            "bithu",
            vice_secretaries[0],
            DelegationKind.DELEGATION,
            upcoming,
            upcoming + timedelta(days=4),
            "Chủ trì giải quyết công việc thường xuyên của Thường trực Tỉnh ủy",
        ),
        DelegationSpec(
            "lanhdao",
            deputies[1],
            DelegationKind.DELEGATION,
            revoked,
            revoked + timedelta(days=2),
            "Ký thừa lệnh văn bản hành chính của Văn phòng",
            revoked=True,
        ),
    ]


@dataclass
class Created:
    """Database objects of the directory, by key."""

    orgs: dict[str, Organization]
    units: dict[str, Unit]
    users: dict[str, User]
    registers: list[Register]
    holidays: int
    delegations: int


def create_directory(directory: Directory, today: date) -> Created:
    """Write organizations, units, positions, people, roles, registers, holidays and delegations."""
    orgs: dict[str, Organization] = {}
    for spec in directory.orgs:
        orgs[spec.key] = Organization.objects.create(
            name=spec.name,
            abbreviation=spec.abbreviation,
            identifier=spec.identifier,
            kind=spec.kind,
            profile=spec.profile,
            parent=orgs[spec.parent] if spec.parent else None,
            uses_system=spec.uses_system,
            address=spec.address,
            phone=spec.phone,
            email=f"{spec.key.lower().replace('_', '.')}@{EMAIL_DOMAIN}" if spec.uses_system else "",
            heading_parent=spec.header_parent,
            heading_name=spec.header_body,
            place_name=spec.place,
            head_title=spec.head_title,
            collective_name=spec.collective,
        )
    units: dict[str, Unit] = {}
    for unit in directory.units:
        units[unit.key] = Unit.objects.create(
            organization=orgs[MAIN_ORG],
            name=unit.name,
            abbreviation=unit.abbreviation,
            parent=units[unit.parent] if unit.parent else None,
        )
    positions: dict[tuple[str, str], Position] = {}
    for org_key, items in directory.positions.items():
        for name, rank in items:
            positions[(org_key, name)] = Position.objects.create(
                organization=orgs[org_key], name=name, rank=rank
            )
    shared_hash = make_password(DEMO_PASSWORD)
    users: dict[str, User] = {}
    for person in directory.people:
        user = User(
            username=person.username,
            full_name=person.full_name,
            email=f"{person.username}@{EMAIL_DOMAIN}",
            organization=orgs[person.org],
            unit=units[person.unit] if person.unit else None,
            position=positions[(person.org, person.position)],
            clearance=person.clearance,
            is_staff=person.is_staff,
            is_superuser=person.is_superuser,
        )
        if person.demo:
            user.set_password(DEMO_PASSWORD)
        else:
            user.password = shared_hash
        user.save()
        users[person.username] = user
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(user=users[p.username], role=role, organization=orgs[p.org])
            for p in directory.people
            for role in p.roles
        ]
    )
    registers: list[Register] = []
    for spec in directory.orgs:
        if spec.uses_system:
            registers.append(
                Register.objects.create(
                    organization=orgs[spec.key],
                    kind=RegisterKind.INCOMING,
                    name="Sổ đăng ký văn bản đến",
                    period=NumberingPeriod.YEAR,
                )
            )
            registers.append(
                Register.objects.create(
                    organization=orgs[spec.key],
                    kind=RegisterKind.INCOMING,
                    name="Sổ đăng ký văn bản mật đến",
                    period=NumberingPeriod.YEAR,
                    for_secret=True,
                )
            )
    for spec in directory.orgs:
        if spec.uses_system:
            registers.append(setup_outgoing(orgs[spec.key], main=spec.key == MAIN_ORG))
    holidays = ensure_holidays(today)
    delegations = 0
    for delegation in delegation_specs(directory, today):
        Delegation.objects.create(
            grantor=users[delegation.grantor],
            grantee=users[delegation.grantee],
            kind=delegation.kind,
            start_date=delegation.start,
            end_date=delegation.end,
            scope=delegation.scope,
            revoked=delegation.revoked,
        )
        delegations += 1
    return Created(orgs, units, users, registers, holidays, delegations)


def setup_outgoing(organization: Organization, *, main: bool) -> Register:
    """An outgoing register, the committee term holding today (2025–2030 until 30/09/2030) and, for the
    provincial committee, the approval chain: head of the drafting unit → Chánh Văn phòng → committee
    leader who signs."""
    from outgoing.models import ApprovalRoute, ApprovalRouteStep, CommitteeTerm
    from outgoing.terms import term_holding

    name, start, end = term_holding(timezone.localdate())
    CommitteeTerm.objects.create(organization=organization, name=name, start_date=start, end_date=end)
    if main:
        route = ApprovalRoute.objects.create(organization=organization)
        ApprovalRouteStep.objects.create(route=route, position=1, role=Role.UNIT_HEAD)
        ApprovalRouteStep.objects.create(route=route, position=2, role=Role.OFFICE_LEADER)
        ApprovalRouteStep.objects.create(route=route, position=3, role=Role.COMMITTEE_LEADER, is_signer=True)
    return Register.objects.create(
        organization=organization,
        kind=RegisterKind.OUTGOING,
        name="Sổ đăng ký văn bản đi",
        period=NumberingPeriod.TERM,
    )


def ensure_holidays(today: date) -> int:
    """Create the holidays of the previous, current and next year (re-runnable); returns how many are new."""
    created = 0
    for day, name in holidays_around(today):
        _, new = Holiday.objects.get_or_create(date=day, defaults={"name": name})
        created += int(new)
    return created
