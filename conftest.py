"""Shared fixtures: named personas in a small organization, PDF bytes, and test isolation."""

from __future__ import annotations

import io
import os
import queue
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API in browser tests

# fixtures shared by several apps' tests: smtp_server (a real SMTP server on loopback)
pytest_plugins = ["notifications.tests.smtp"]


def make_pdf(text: str = "Văn bản thử nghiệm", pages: int = 1) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=1)
    for page in range(pages):
        pdf.drawString(72, 720, f"{text.encode('ascii', 'replace').decode()} - {page + 1}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def drain(results: Any, processes: list[Any], limit: float = 240.0) -> list[tuple[str, Any]]:
    """Everything the workers reported, collected until all of them have exited (or the limit passed)."""
    outcomes: list[tuple[str, Any]] = []
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and (any(p.is_alive() for p in processes) or not results.empty()):
        try:
            outcomes.append(results.get(timeout=0.5))
        except queue.Empty:
            continue
    for process in processes:
        process.join(timeout=10)
    return outcomes


@pytest.fixture(autouse=True)
def _isolated_files(settings: Any, tmp_path: Any) -> None:
    settings.AUDIT_CHECKPOINT_PATH = tmp_path / "audit-checkpoint.json"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.core.cache import cache

    from incoming import selectors

    cache.clear()
    selectors._NEAR_DUE_CACHE.clear()  # holidays differ between tests


@pytest.fixture(autouse=True)
def _require_postgres(request: Any) -> None:
    if request.node.get_closest_marker("postgres"):
        from django.db import connection

        if connection.vendor != "postgresql":
            if os.environ.get("REQUIRE_POSTGRES"):
                pytest.fail("PostgreSQL run required but the database is not PostgreSQL")
            pytest.skip("needs PostgreSQL (set DATABASE_URL)")


class World:
    """A provincial committee with an office, a commune, and one persona per role."""

    def __init__(self) -> None:
        from documents import doctypes
        from documents.models import DocType, Register, RegisterKind
        from orgs.models import Organization, Role, RoleAssignment, Unit, User

        doctypes.load(DocType)  # a transactional test's flush removes the migration's reference data

        self.org = Organization.objects.create(
            name="Tỉnh ủy Sông Lam",
            abbreviation="TU",
            kind="provincial_committee",
            identifier="000.00.00.H99",
            uses_system=True,
        )
        self.other_org = Organization.objects.create(
            name="Đảng ủy xã Hưng Lộc",
            abbreviation="ĐU",
            kind="commune_committee",
            parent=self.org,
            uses_system=True,
        )
        self.issuer = Organization.objects.create(
            name="Ban Tổ chức Trung ương", abbreviation="BTCTW", kind="central"
        )
        self.office = Unit.objects.create(
            organization=self.org, name="Văn phòng Tỉnh ủy", abbreviation="VPTU"
        )
        self.unit = Unit.objects.create(
            organization=self.org, name="Phòng Tổng hợp", abbreviation="TH", parent=self.office
        )
        self.unit2 = Unit.objects.create(
            organization=self.org, name="Phòng Tài chính", abbreviation="TC", parent=self.office
        )
        for org in (self.org, self.other_org):
            Register.objects.create(
                organization=org, kind=RegisterKind.INCOMING, name="Sổ đăng ký văn bản đến"
            )
        Register.objects.create(
            organization=self.org,
            kind=RegisterKind.INCOMING,
            for_secret=True,
            name="Sổ đăng ký văn bản mật đến",
        )

        def person(
            username: str, full_name: str, org: Any, unit: Any, roles: list[str], clearance: str = "none"
        ) -> Any:
            user = User.objects.create_user(
                username=username,
                password="Demo@2026",
                full_name=full_name,
                organization=org,
                unit=unit,
                clearance=clearance,
                email=f"{username}@example.test",
            )
            for role in roles:
                RoleAssignment.objects.create(user=user, role=role, organization=org)
            return user

        self.clerk = person("vanthu", "Nguyễn Thị Vân", self.org, self.office, [Role.CLERK], "secret")
        self.leader = person(
            "lanhdao", "Trần Văn Lãnh", self.org, self.office, [Role.OFFICE_LEADER], "top_secret"
        )
        self.head = person(
            "truongphong", "Lê Văn Trưởng", self.org, self.unit, [Role.UNIT_HEAD], "confidential"
        )
        self.specialist = person(
            "chuyenvien", "Phạm Thị Chuyên", self.org, self.unit, [Role.SPECIALIST], "confidential"
        )
        self.specialist2 = person("chuyenvien2", "Đỗ Văn Hai", self.org, self.unit, [Role.SPECIALIST])
        self.head2 = person("truongphong2", "Võ Văn Tài", self.org, self.unit2, [Role.UNIT_HEAD])
        self.outsider = person(
            "ngoai", "Hoàng Văn Ngoại", self.other_org, None, [Role.CLERK, Role.OFFICE_LEADER], "top_secret"
        )
        self.norole = person("khongvaitro", "Bùi Thị Không", self.org, self.unit2, [])
        self.lowclear = person(
            "vanthu2",
            "Ngô Thị Thấp",
            self.org,
            self.office,
            [Role.CLERK, Role.OFFICE_LEADER, Role.UNIT_HEAD],
            "none",
        )
        self.admin = person("quantri", "Quản Trị Viên", self.org, None, [Role.ADMIN])

    def register(
        self,
        *,
        secrecy: str = "none",
        urgency: str = "normal",
        number_symbol: str = "105-BC/BTCTW",
        pdf: bytes | None = None,
        due: date | None = None,
        arrival: date | None = None,
    ) -> Any:
        from incoming.services import Registration, incoming_register

        result = incoming_register(
            actor=self.clerk,
            organization=self.org,
            data=Registration(
                issuer_name=self.issuer.name,
                number_symbol=number_symbol,
                issued_date=min(date(2026, 1, 5), arrival or date(2026, 1, 5)),
                doc_type="BC",
                subject="Báo cáo về công tác tổ chức",
                signer_name="Nguyễn Văn A",
                signer_position="Phó Trưởng ban",
                urgency=urgency,
                secrecy=secrecy,
                due_date=due,
                arrival_date=arrival,
            ),
            uploads=[("bao-cao.pdf", pdf or make_pdf(number_symbol))],
        )
        return result.document

    def distributed(self, **kwargs: Any) -> Any:
        """A document presented, distributed to Phòng Tổng hợp (lead) and passed to the specialist."""
        from django.utils import timezone

        from incoming.services import AssignmentInput, incoming_assign, incoming_forward, incoming_submit

        # the lead unit's deadline: a month ahead, never before the arrival date (today), which is refused
        deadline = timezone.localdate() + timedelta(days=31)
        doc = self.register(**kwargs)
        incoming_submit(actor=self.clerk, document=doc)
        incoming_assign(
            actor=self.leader,
            document=doc,
            instruction="Giao Phòng Tổng hợp chủ trì",
            items=[
                AssignmentInput(role="lead", unit_id=self.unit.pk, deadline=deadline),
                AssignmentInput(role="support", unit_id=self.unit2.pk),
            ],
        )
        incoming_forward(actor=self.head, document=doc, person_ids=[self.specialist.pk])
        doc.refresh_from_db()
        return doc


@pytest.fixture
def world(db: Any) -> World:
    return World()


@pytest.fixture
def pdf_bytes() -> Callable[..., bytes]:
    return make_pdf
