"""The benchmark data set: one provincial committee office and N incoming documents over three years.

Written straight with ``bulk_create`` (2,000 documents and their assignments per transaction), not
through ``incoming.services``: this is fixture data; the services' own speed is the registration figure.
Import only after ``django.setup()``.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from bench.dbsetup import marker_scope
from core.models import Counter
from core.vn import fold, normalize_symbol
from demo.names import person_name
from documents.models import DocType, Register, RegisterKind
from incoming.models import Assignment, IncomingDocument
from orgs.models import Organization, Role, RoleAssignment, Unit, User
from orgs.selectors import today

ORG_NAME = "Tỉnh ủy Sông Lam"
CLERK = "vanthu"
LEADER = "lanhdao"
SPECIALIST = "chuyenvien01"  # the specialist whose queue is measured
PASSWORD = "Bench@2026"  # fictional accounts of a throw-away database

UNITS = [  # (name, abbreviation); the first is the office, the parent of the others
    ("Văn phòng Tỉnh ủy", "VPTU"),
    ("Phòng Tổng hợp", "TH"),
    ("Phòng Hành chính - Lưu trữ", "HCLT"),
    ("Phòng Tài chính - Quản trị", "TCQT"),
    ("Phòng Công nghệ thông tin", "CNTT"),
]
SPECIALISTS_PER_UNIT = [0, 9, 8, 8, 8]  # 33 specialists + clerk + 2 leaders + 4 heads = 40 people

ISSUERS = [  # (name, abbreviation in number-symbols, weight)
    ("Ban Chấp hành Trung ương", "TW", 3),
    ("Văn phòng Trung ương Đảng", "VPTW", 10),
    ("Ban Tổ chức Trung ương", "BTCTW", 12),
    ("Ban Tuyên giáo và Dân vận Trung ương", "BTGDVTW", 8),
    ("Ủy ban Kiểm tra Trung ương", "UBKTTW", 6),
    ("Ban Nội chính Trung ương", "BNCTW", 4),
    ("Ban Chính sách, chiến lược Trung ương", "BCSCLTW", 4),
    ("Đảng ủy Chính phủ", "ĐU", 5),
    ("Ủy ban nhân dân tỉnh Sông Lam", "UBND", 14),
    ("Huyện ủy Hưng Nguyên", "HU", 10),
    ("Thành ủy Vinh Lam", "TU", 10),
    ("Đảng ủy Khối các cơ quan tỉnh", "ĐUK", 8),
]
DOC_TYPES = {  # party-profile code -> weight
    "CV": 30,
    "BC": 15,
    "TB": 12,
    "GM": 10,
    "KH": 8,
    "QĐ": 6,
    "HD": 5,
    "NQ": 3,
    "KL": 3,
    "TTr": 3,
    "CTr": 3,
    "CT": 2,
}
TOPICS = [
    "về công tác tổ chức cán bộ quý {q} năm {y}",
    "về việc triển khai Nghị quyết Đại hội đại biểu toàn quốc lần thứ XIV của Đảng",
    "về kiểm tra, giám sát việc thực hiện quy chế dân chủ ở cơ sở",
    "về công tác chuẩn bị đại hội đảng bộ các cấp nhiệm kỳ 2025 - 2030",
    "về tổng kết công tác xây dựng Đảng năm {y}",
    "về chuyển đổi số trong các cơ quan Đảng",
    "về phòng, chống tham nhũng, lãng phí, tiêu cực",
    "về công tác dân vận của hệ thống chính trị",
    "về sắp xếp tổ chức bộ máy tinh gọn, hoạt động hiệu lực, hiệu quả",
    "về công tác phát triển đảng viên 6 tháng đầu năm {y}",
    "về kết quả thu, nộp và quản lý đảng phí năm {y}",
    "về công tác bảo vệ chính trị nội bộ",
    "mời dự hội nghị sơ kết công tác quý {q} năm {y}",
    "về công tác thi đua, khen thưởng năm {y}",
    "về ứng dụng công nghệ thông tin, bảo đảm an toàn thông tin mạng",
    "về phòng, chống thiên tai, tìm kiếm cứu nạn mùa mưa bão năm {y}",
    "về chương trình công tác toàn khóa của Ban Chấp hành Đảng bộ tỉnh",
    "về tuyên truyền kỷ niệm ngày thành lập Đảng Cộng sản Việt Nam",
    "về thực hiện chế độ thông tin, báo cáo định kỳ",
    "về việc lấy ý kiến góp ý dự thảo văn kiện",
]
SIGNERS = [
    ("Nguyễn Văn An", "Phó Trưởng ban"),
    ("Trần Thị Bình", "Chánh Văn phòng"),
    ("Lê Quốc Cường", "Phó Chánh Văn phòng"),
    ("Phạm Minh Dũng", "Trưởng ban"),
    ("Hoàng Thị Hạnh", "Phó Bí thư"),
    ("Võ Đức Long", "Chủ tịch"),
]
URGENCIES = {"normal": 80, "urgent": 12, "very_urgent": 6, "flash": 2}

BATCH_SIZE = 2000
OPEN_SHARE = 0.15  # 12 % in progress + 3 % presented or just registered
IN_PROGRESS_SHARE = 0.12
OVERDUE_SHARE_OF_IN_PROGRESS = 0.05
SPECIALIST_OPEN = 100  # open items of the measured specialist (at most half of all in-progress ones)
SPECIALIST_DONE_WEIGHT = 0.04  # share of completed documents the measured specialist handled


@dataclass
class Cast:
    org: Organization
    register: Register
    clerk: User
    leader: User
    specialist: User
    specialists: list[User]
    heads: dict[int, User]  # unit id -> head
    doc_types: list[DocType]
    doc_type_weights: list[int]


@dataclass
class Plan:
    """One document to write (plain values; model objects are built per batch)."""

    arrival: date
    status: str = "completed"
    due: date | None = None
    specialist: int = -1  # index into Cast.specialists; -1 = no assignment
    overdue: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _create_directory(rng: random.Random) -> Cast:
    org = Organization.objects.create(
        name=ORG_NAME,
        abbreviation="TU",
        kind="provincial_committee",
        identifier="000.00.00.H99",
        uses_system=True,
    )
    office = Unit.objects.create(organization=org, name=UNITS[0][0], abbreviation=UNITS[0][1])
    units = [office] + [
        Unit.objects.create(organization=org, name=name, abbreviation=abbr, parent=office)
        for name, abbr in UNITS[1:]
    ]
    register = Register.objects.create(
        organization=org, kind=RegisterKind.INCOMING, name="Sổ đăng ký văn bản đến"
    )
    hashed = make_password(PASSWORD)  # one hash for everyone: 40 PBKDF2 runs would cost seconds
    people: list[tuple[User, list[str]]] = []
    names: set[str] = set()

    def person(username: str, unit: Unit | None, roles: list[str], clearance: str) -> User:
        full_name = person_name(rng)
        while full_name in names:
            full_name = person_name(rng)
        names.add(full_name)
        user = User(
            username=username,
            password=hashed,
            full_name=full_name,
            organization=org,
            unit=unit,
            clearance=clearance,
            email=f"{username}@example.test",
        )
        people.append((user, roles))
        return user

    clerk = person(CLERK, office, [Role.CLERK], "secret")
    leader = person(LEADER, office, [Role.OFFICE_LEADER], "top_secret")
    person("phochanh", office, [Role.OFFICE_LEADER], "top_secret")
    heads = {
        unit.pk: person(f"truongphong{i}", unit, [Role.UNIT_HEAD], "confidential")
        for i, unit in enumerate(units[1:], start=1)
    }
    specialists: list[User] = []
    for unit, count in zip(units, SPECIALISTS_PER_UNIT, strict=True):
        for _ in range(count):
            specialists.append(
                person(f"chuyenvien{len(specialists) + 1:02d}", unit, [Role.SPECIALIST], "confidential")
            )
    User.objects.bulk_create([u for u, _ in people])
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=u, role=role, organization=org) for u, roles in people for role in roles]
    )
    by_code = {t.code: t for t in DocType.objects.filter(profile="party", code__in=list(DOC_TYPES))}
    doc_types = [by_code[code] for code in DOC_TYPES if code in by_code]
    return Cast(
        org=org,
        register=register,
        clerk=clerk,
        leader=leader,
        specialist=specialists[0],
        specialists=specialists,
        heads=heads,
        doc_types=doc_types,
        doc_type_weights=[DOC_TYPES[t.code] for t in doc_types],
    )


def _plan(total: int, rng: random.Random, now: date, n_specialists: int) -> list[Plan]:
    """Arrival dates over three calendar years (up to today), statuses, deadlines and assignees."""
    start = date(now.year - 2, 1, 1)
    span = (now - start).days
    plans = sorted(
        (Plan(start + timedelta(days=rng.randint(0, span))) for _ in range(total)), key=lambda p: p.arrival
    )
    # Open documents are mostly recent ones: weighted sampling without replacement (Efraimidis-Spirakis).
    keys = [rng.random() ** (1.0 / math.exp(-(now - p.arrival).days / 120.0)) for p in plans]
    open_idx = sorted(range(total), key=keys.__getitem__, reverse=True)[: round(total * OPEN_SHARE)]
    n_progress = round(total * IN_PROGRESS_SHARE)
    in_progress = open_idx[:n_progress]
    others = open_idx[n_progress:]
    for i in others[: len(others) // 2]:
        plans[i].status = "submitted"
        plans[i].due = now + timedelta(days=rng.randint(1, 30)) if rng.random() < 0.5 else None
    for i in others[len(others) // 2 :]:
        plans[i].status = "registered"
    for i in in_progress:
        plans[i].status = "in_progress"
        plans[i].due = now + timedelta(days=rng.randint(0, 45))
    eligible = [i for i in in_progress if (now - plans[i].arrival).days >= 7]
    for i in rng.sample(eligible, min(len(eligible), round(n_progress * OVERDUE_SHARE_OF_IN_PROGRESS))):
        p = plans[i]
        p.overdue = True
        p.due = min(p.arrival + timedelta(days=rng.randint(3, 30)), now - timedelta(days=1))
    # Assignees: the measured specialist gets a realistic queue, the others share the rest.
    mine = set(rng.sample(in_progress, min(SPECIALIST_OPEN, len(in_progress) // 2)))
    for i in in_progress:
        plans[i].specialist = 0 if i in mine else rng.randint(1, n_specialists - 1)
    for p in plans:
        if p.status == "completed":
            p.specialist = 0 if rng.random() < SPECIALIST_DONE_WEIGHT else rng.randint(1, n_specialists - 1)
            if rng.random() < 0.6:
                p.due = p.arrival + timedelta(days=rng.randint(5, 30))
            done = min(p.arrival + timedelta(days=rng.randint(1, 25)), now)
            p.extra["completed_at"] = timezone.make_aware(datetime.combine(done, dtime(16, 30)))
    return plans


def _document(
    plan: Plan, number: int, issuer: int, symbol_seq: int, rng: random.Random, cast: Cast
) -> IncomingDocument:
    doc_type = rng.choices(cast.doc_types, weights=cast.doc_type_weights)[0]
    issuer_name, issuer_abbr, _ = ISSUERS[issuer]
    number_symbol = f"{symbol_seq}-{doc_type.abbreviation or doc_type.code}/{issuer_abbr}"
    y = plan.arrival.year
    subject = f"{doc_type.name} " + rng.choice(TOPICS).format(q=(plan.arrival.month - 1) // 3 + 1, y=y)
    signer, position = rng.choice(SIGNERS)
    secrecy = "confidential" if rng.random() < 0.03 else "none"
    issued = plan.arrival - timedelta(days=rng.randint(0, 10))
    search_text = fold(" ".join([number_symbol, issuer_name, subject, signer, doc_type.name, str(number)]))
    return IncomingDocument(
        organization=cast.org,
        register=cast.register,
        year=y,
        arrival_number=number,
        arrival_date=plan.arrival,
        issuer_name=issuer_name,
        number_symbol=number_symbol,
        symbol_key=normalize_symbol(number_symbol),
        issued_date=issued,
        doc_type=doc_type,
        subject=subject,
        signer_name=signer,
        signer_position=position,
        urgency=_weighted(rng, URGENCIES),
        secrecy=secrecy,
        due_date=plan.due,
        channel=rng.choice(["paper", "electronic", "exchange"]),
        page_count=rng.randint(1, 12),
        status=plan.status,
        created_by=cast.clerk,
        completed_at=plan.extra.get("completed_at"),
        search_text=search_text,
    )


def _write_batch(plans: list[Plan], docs: list[IncomingDocument], cast: Cast) -> tuple[int, int]:
    IncomingDocument.objects.bulk_create(docs, batch_size=BATCH_SIZE)
    unit_rows: list[Assignment] = []
    person_of: list[tuple[Plan, IncomingDocument]] = []
    for plan, doc in zip(plans, docs, strict=True):
        if plan.specialist < 0:
            continue
        specialist = cast.specialists[plan.specialist]
        done = plan.status == "completed"
        unit_rows.append(
            Assignment(
                document=doc,
                role="lead",
                unit_id=specialist.unit_id,
                deadline=plan.due,
                instruction="Giao phòng chủ trì tham mưu xử lý.",
                assigned_by=cast.leader,
                status="done" if done else "forwarded",
                finished_at=plan.extra.get("completed_at"),
            )
        )
        person_of.append((plan, doc))
    Assignment.objects.bulk_create(unit_rows, batch_size=BATCH_SIZE)
    person_rows = []
    for (plan, doc), parent in zip(person_of, unit_rows, strict=True):
        specialist = cast.specialists[plan.specialist]
        person_rows.append(
            Assignment(
                document=doc,
                role="lead",
                person=specialist,
                parent=parent,
                deadline=plan.due,
                assigned_by=cast.heads[specialist.unit_id],  # type: ignore[index]
                status="done" if plan.status == "completed" else "pending",
                finished_at=plan.extra.get("completed_at"),
            )
        )
    Assignment.objects.bulk_create(person_rows, batch_size=BATCH_SIZE)
    return len(docs), len(unit_rows) + len(person_rows)


def load(total: int, *, seed: int = 2026, progress: Callable[[str], None] = print) -> dict[str, Any]:
    """Write the whole data set into a freshly migrated database and mark it as loaded."""
    rng = random.Random(seed)
    started = time.perf_counter()
    now = today()
    with transaction.atomic():
        cast = _create_directory(rng)
    plans = _plan(total, rng, now, len(cast.specialists))
    numbers: dict[int, int] = {}
    symbol_seq: dict[tuple[int, int], int] = {}
    issuer_weights = [w for *_, w in ISSUERS]
    written_docs = written_assignments = 0
    for offset in range(0, total, BATCH_SIZE):
        chunk = plans[offset : offset + BATCH_SIZE]
        docs = []
        for plan in chunk:
            year = plan.arrival.year
            numbers[year] = numbers.get(year, 0) + 1
            issuer = rng.choices(range(len(ISSUERS)), weights=issuer_weights)[0]
            seq = symbol_seq[(issuer, year)] = symbol_seq.get((issuer, year), 0) + 1  # issuer's own numbering
            docs.append(_document(plan, numbers[year], issuer, seq, rng, cast))
        with transaction.atomic():
            d, a = _write_batch(chunk, docs, cast)
        written_docs += d
        written_assignments += a
        if (offset // BATCH_SIZE) % 10 == 9 or offset + BATCH_SIZE >= total:
            rate = written_docs / (time.perf_counter() - started)
            progress(
                f"  … {written_docs:,} documents, {written_assignments:,} assignments ({rate:,.0f} docs/s)"
            )
    with transaction.atomic():
        Counter.objects.bulk_create(
            [Counter(scope=cast.register.counter_scope(y), last_number=n) for y, n in numbers.items()]
        )
    load_seconds = time.perf_counter() - started
    analyze_started = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # what autovacuum would do soon after such a load
            cursor.execute("VACUUM ANALYZE")
    analyze_seconds = time.perf_counter() - analyze_started
    Counter.objects.create(scope=marker_scope(total), last_number=total)
    return {
        "seconds": round(load_seconds, 2),
        "docs_per_second": round(total / load_seconds),
        "assignments": written_assignments,
        "analyze_seconds": round(analyze_seconds, 2),
    }


def describe() -> dict[str, Any]:
    """Counts that characterise the loaded data set (as seen today)."""
    now = today()
    docs = IncomingDocument.objects
    specialist = User.objects.get(username=SPECIALIST)
    open_ = ("pending", "forwarded")
    return {
        "documents": docs.count(),
        "assignments": Assignment.objects.count(),
        "completed": docs.filter(status="completed").count(),
        "in_progress": docs.filter(status="in_progress").count(),
        "submitted_or_registered": docs.filter(status__in=["submitted", "registered"]).count(),
        "overdue_open": docs.filter(status__in=["submitted", "in_progress"], due_date__lt=now).count(),
        "specialist_open_items": Assignment.objects.filter(person=specialist, status__in=open_).count(),
        "specialist_done_items": Assignment.objects.filter(person=specialist, status="done").count(),
        "users": User.objects.count(),
        "today": now.isoformat(),
    }
