"""The demo seed: accounts, gap-free numbering, a realistic status mix, real files, idempotence and
determinism."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Max, Min
from django.test.utils import override_settings
from django.utils import timezone
from pypdf import PdfReader

from core import audit, files
from core.models import Holiday, StoredFile
from demo.orgdata import DEMO_PASSWORD
from demo.plan import DEFAULT_SEED, build_plan
from documents.models import Attachment, Register
from incoming import selectors
from incoming.models import Event, IncomingDocument
from orgs.models import Delegation, Organization, RoleAssignment, User

TODAY = date(2026, 1, 20)  # the demo year spans 2025 and 2026
COUNT = 60

EXPECTED_ROLES = {
    "vanthu": "clerk",
    "lanhdao": "office_leader",
    "truongphong": "unit_head",
    "chuyenvien": "specialist",
    "bithu": "committee_leader",
    "ngoai": "clerk",
    "quantri": "admin",
}


def seed(*extra: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--documents", str(COUNT), "--today", TODAY.isoformat(), *extra, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded_module(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[Path]:
    """Seed once for the module, in a transaction rolled back at the end; returns the file store."""
    root = tmp_path_factory.mktemp("demo-seed")
    storages: dict[str, Any] = dict(settings.STORAGES)
    storages["default"] = {**storages["default"], "OPTIONS": {"location": str(root)}}
    with (
        django_db_blocker.unblock(),
        override_settings(STORAGES=storages, AUDIT_CHECKPOINT_PATH=root / "checkpoint.json"),
        transaction.atomic(),
    ):
        seed()
        yield root
        transaction.set_rollback(True)


@pytest.fixture
def seeded(seeded_module: Path, db: Any, settings: Any) -> Path:
    """The module's seeded database and its files (each test's changes are rolled back)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(seeded_module)}},
    }
    return seeded_module


@pytest.mark.django_db
def test_demo_accounts_log_in_with_their_roles(seeded: Path) -> None:
    main = Organization.objects.get(name="Tỉnh ủy Sông Lam")
    assert main.uses_system and main.identifier == "000.00.00.H99"
    for username, role in EXPECTED_ROLES.items():
        user = authenticate(username=username, password=DEMO_PASSWORD)
        assert user is not None, username
        roles = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
        assert role in roles, (username, roles)
    ngoai = User.objects.get(username="ngoai")
    assert ngoai.organization is not None and ngoai.organization.kind == "commune_committee"
    assert RoleAssignment.objects.filter(user=ngoai, role="clerk", organization=ngoai.organization).exists()
    admin = User.objects.get(username="quantri")
    assert admin.is_staff and admin.is_superuser
    assert User.objects.get(username="lanhdao").clearance == "top_secret"
    assert User.objects.get(username="chuyenvien").clearance == "none"
    other = User.objects.exclude(username__in=EXPECTED_ROLES).first()
    assert other is not None and other.check_password(DEMO_PASSWORD)
    assert 55 <= User.objects.count() <= 70
    identifiers = list(Organization.objects.values_list("identifier", flat=True))
    assert all(i and len(i) <= 35 for i in identifiers) and len(set(identifiers)) == len(identifiers)
    for org in Organization.objects.filter(uses_system=True):
        names = set(Register.objects.filter(organization=org).values_list("name", "kind", "for_secret"))
        assert names == {
            ("Sổ đăng ký văn bản đến", "incoming", False),
            ("Sổ đăng ký văn bản mật đến", "incoming", True),
            ("Sổ đăng ký văn bản đi", "outgoing", False),
        }
    assert (
        Holiday.objects.filter(date__year=2025).exists() and Holiday.objects.filter(date__year=2027).exists()
    )
    assert Delegation.objects.filter(grantor__username="lanhdao").exists()


@pytest.mark.django_db
def test_arrival_numbers_are_gap_free_and_restart_each_year(seeded: Path) -> None:
    assert IncomingDocument.objects.count() == COUNT
    groups = IncomingDocument.objects.values("register_id", "year").annotate(
        n=Count("id"), lo=Min("arrival_number"), hi=Max("arrival_number")
    )
    years = {g["year"] for g in groups}
    assert years == {2025, 2026}
    for group in groups:
        numbers = sorted(
            IncomingDocument.objects.filter(register_id=group["register_id"], year=group["year"]).values_list(
                "arrival_number", flat=True
            )
        )
        assert numbers == list(range(1, group["n"] + 1)), group
    normal = Register.objects.get(organization__name="Tỉnh ủy Sông Lam", kind="incoming", for_secret=False)
    first_2026 = (
        IncomingDocument.objects.filter(register=normal, year=2026).order_by("arrival_number").first()
    )
    last_2025 = IncomingDocument.objects.filter(register=normal, year=2025).order_by("arrival_number").last()
    assert first_2026 is not None and last_2025 is not None
    assert first_2026.arrival_number == 1 and last_2025.arrival_number > 1
    assert last_2025.arrival_date <= first_2026.arrival_date
    # registration order is chronological
    ordered = list(
        IncomingDocument.objects.filter(register=normal, year=2025)
        .order_by("arrival_number")
        .values_list("arrival_date", flat=True)
    )
    assert ordered == sorted(ordered)


@pytest.mark.django_db
def test_status_mix_queues_and_backdated_history(seeded: Path) -> None:
    statuses = set(IncomingDocument.objects.values_list("status", flat=True))
    assert {"completed", "in_progress", "registered", "submitted", "returned"} <= statuses
    overdue = IncomingDocument.objects.filter(status="in_progress", due_date__lt=TODAY)
    assert overdue.exists()
    completed = IncomingDocument.objects.filter(status="completed")
    assert completed.count() > COUNT // 2
    assert not completed.filter(completed_at__isnull=True).exists()
    # every demo role has something to do
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(selectors, "today", lambda: TODAY)
        queues = {u: selectors.queue(User.objects.get(username=u)) for u in EXPECTED_ROLES}
        assert queues["vanthu"]["to_submit"].exists()
        assert queues["lanhdao"]["to_distribute"].exists()
        assert queues["truongphong"]["to_forward"].exists()
        assert queues["chuyenvien"]["to_process"].count() >= 2
    # history was moved to the plan's moments, in order, on the arrival day, never after "today"
    for doc in IncomingDocument.objects.all():
        moments = list(Event.objects.filter(document=doc).order_by("id").values_list("action", "at"))
        assert moments[0][0] == "register"
        assert timezone.localtime(moments[0][1]).date() == doc.arrival_date
        stamps = [at for _, at in moments]
        assert stamps == sorted(stamps), doc.number_symbol
        assert timezone.localtime(stamps[-1]).date() <= TODAY
    # the audit log stays intact (never updated)
    assert audit.verify_chain().ok


@pytest.mark.django_db
def test_every_document_has_a_valid_unique_pdf(seeded: Path) -> None:
    seen: set[str] = set()
    for doc in IncomingDocument.objects.all():
        attachments = list(
            Attachment.objects.filter(owner_kind="incoming", owner_id=doc.pk).select_related("stored")
        )
        assert attachments, doc.number_symbol
        main = attachments[0]
        data = files.open_blob(main.stored)
        checked = files.validate(main.name, data)
        assert checked.content_type == files.PDF and data.rstrip().endswith(b"%%EOF")
        assert doc.page_count is not None and doc.page_count >= (checked.page_count or 0)
        text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
        assert doc.number_symbol in text
        seen.add(main.stored.sha256)
    assert len(seen) == COUNT  # each PDF is unique
    assert StoredFile.objects.count() == Attachment.objects.count()


@pytest.mark.django_db
def test_if_empty_does_nothing_the_second_time(seeded: Path) -> None:
    counts = (
        Organization.objects.count(),
        User.objects.count(),
        IncomingDocument.objects.count(),
        Event.objects.count(),
        Holiday.objects.count(),
    )
    out = seed("--if-empty")
    assert "bỏ qua" in out
    assert counts == (
        Organization.objects.count(),
        User.objects.count(),
        IncomingDocument.objects.count(),
        Event.objects.count(),
        Holiday.objects.count(),
    )


@pytest.mark.django_db
def test_seed_is_deterministic(seeded: Path) -> None:
    stored = list(
        IncomingDocument.objects.order_by("received_at", "id").values_list(
            "number_symbol", "subject", "status"
        )
    )
    first = build_plan(DEFAULT_SEED, TODAY, COUNT)
    again = build_plan(DEFAULT_SEED, TODAY, COUNT)
    planned = [(d.number_symbol, d.subject, d.final) for d in first.documents]
    assert planned == [(d.number_symbol, d.subject, d.final) for d in again.documents]
    assert [s for s, _, _ in stored] == [s for s, _, _ in planned]
    assert [subject for _, subject, _ in stored] == [subject for _, subject, _ in planned]
    other = build_plan(DEFAULT_SEED + 1, TODAY, COUNT)
    assert [d.number_symbol for d in other.documents] != [s for s, _, _ in planned]


@pytest.mark.django_db
def test_organizations_carry_their_heading_and_drafts_come_from_templates(seeded: Path) -> None:
    from outgoing.models import OutgoingDocument

    main = Organization.objects.get(name="Tỉnh ủy Sông Lam")
    assert (main.heading_name, main.place_name, main.head_title, main.collective_name) == (
        "TỈNH ỦY SÔNG LAM",
        "Sông Lam",
        "Bí thư",
        "Ban Thường vụ",
    )
    commune = Organization.objects.get(name="Đảng ủy phường Bến Thủy")
    assert commune.heading_parent == "ĐẢNG BỘ TỈNH SÔNG LAM" and commune.place_name == "Bến Thủy"
    assert commune.head_title == "Bí thư" and commune.collective_name == "Đảng ủy"
    assert Organization.objects.get(abbreviation="UBKTTU").head_title == "Chủ nhiệm"
    assert Organization.objects.get(abbreviation="SNV").heading_parent == "UBND TỈNH SÔNG LAM"
    # the provincial committee has drafts made from its templates: one in approval, one still a draft
    drafts = OutgoingDocument.objects.filter(organization=main)
    assert set(drafts.values_list("status", flat=True)) == {"draft", "pending_approval"}
    for doc in drafts:
        version = doc.versions.get()
        assert (
            version.fields and version.attachment.name.endswith(".docx") and version.pdf_status == "pending"
        )
    letter = drafts.get(doc_type__code="CV")
    fields = letter.versions.get().fields
    assert fields is not None and fields["addressees"] == [
        "Các ban đảng Tỉnh ủy",
        "Các đảng ủy trực thuộc Tỉnh ủy",
    ]
