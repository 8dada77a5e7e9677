"""Signing statistics: share of issued outgoing documents signed by a person, sealed by the organisation."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.tests.helpers import authed
from conftest import World
from documents.models import DocType
from orgs.models import User
from outgoing.models import OutgoingDocument
from signing.models import SignatureEvent
from signing.selectors import signature_statistics
from signing.tests.conftest import Certs

pytestmark = pytest.mark.django_db


def issued(world: World, org: Any, day: date, signer: Any, n: int) -> OutgoingDocument:
    return OutgoingDocument.objects.create(
        organization=org,
        drafter=world.specialist,
        doc_type=DocType.objects.filter(code="BC").first(),  # type: ignore[misc]
        subject=f"Báo cáo số {n}",
        signer=signer,
        status="issued",
        number=n,
        number_symbol=f"{n}-BC/TU",
        issued_at=timezone.make_aware(datetime(day.year, day.month, day.day, 9)),
        issued_by=world.clerk,
    )


def sign(doc: OutgoingDocument, certs: Certs, world: World, *roles: str) -> None:
    for role in roles:
        SignatureEvent.objects.create(
            role=role,
            certificate=certs.person if role == "person" else certs.org,
            actor=world.leader if role == "person" else world.clerk,
            field_name=role,
            sha256_before="0" * 64,
            sha256_after="1" * 64,
            document_kind="outgoing",
            document_id=doc.pk,
        )


@pytest.fixture
def documents(world: World, certs: Certs) -> World:
    """In the first quarter of 2026, Tỉnh ủy: person+seal, person only, seal only, none (and a draft and a
    stamp-only that count as issued without signature); in May, one more with both. Another organisation
    (Ban Tổ chức, outside the leader's view): two signed by both."""
    q1 = date(2026, 2, 10)
    both = issued(world, world.org, q1, world.leader, 1)
    sign(both, certs, world, "person", "seal")
    person_only = issued(world, world.org, q1, world.leader, 2)
    sign(person_only, certs, world, "person", "person")  # two person signatures: still one document
    seal_only = issued(world, world.org, q1, world.head, 3)
    sign(seal_only, certs, world, "seal")
    issued(world, world.org, q1, world.head, 4)
    stamp = issued(world, world.org, q1, None, 5)
    sign(stamp, certs, world, "stamp")
    draft = issued(world, world.org, q1, world.leader, 6)
    OutgoingDocument.objects.filter(pk=draft.pk).update(status="draft", issued_at=None)
    may = issued(world, world.org, date(2026, 5, 4), world.leader, 7)
    sign(may, certs, world, "person", "seal")
    for n in (8, 9):
        other = issued(world, world.issuer, q1, world.outsider, n)
        sign(other, certs, world, "person", "seal")
    return world


def fresh(user: Any) -> User:
    return User.objects.get(pk=user.pk)


def test_counts_and_shares_per_period_organisation_and_signer(documents: World) -> None:
    w = documents
    stats = signature_statistics(fresh(w.leader), date(2026, 1, 1), date(2026, 3, 31))
    # five issued in Q1 that the leader may see: 2 with a person's signature, 2 sealed, 1 both, 2 none
    total = stats["total"]
    assert (total["total"], total["person"], total["seal"], total["both"], total["none"]) == (5, 2, 2, 1, 2)
    assert (total["person_pct"], total["seal_pct"], total["both_pct"], total["none_pct"]) == (
        40.0,
        40.0,
        20.0,
        40.0,
    )
    # per organisation: only the leader's own (Ban Tổ chức's documents not counted)
    assert [(r["name"], r["total"], r["person"], r["seal"], r["both"]) for r in stats["organizations"]] == [
        (w.org.name, 5, 2, 2, 1)
    ]
    # per signer, sorted in Vietnamese order
    assert [(r["name"], r["total"], r["person"], r["seal"], r["both"]) for r in stats["signers"]] == [
        ("Lê Văn Trưởng", 2, 0, 1, 0),
        ("Trần Văn Lãnh", 2, 2, 1, 1),
        ("(chưa ghi người ký)", 1, 0, 0, 0),
    ]
    assert stats["signers"][1]["person_pct"] == 100.0 and stats["signers"][1]["both_pct"] == 50.0
    # the whole year: the May document too
    year = signature_statistics(fresh(w.leader), date(2026, 1, 1), date(2026, 12, 31))["total"]
    assert (year["total"], year["person"], year["seal"], year["both"]) == (6, 3, 3, 2)
    assert year["both_pct"] == round(100 * 2 / 6, 1)
    # May alone
    may = signature_statistics(fresh(w.leader), date(2026, 5, 1), date(2026, 5, 31))["total"]
    assert (may["total"], may["both"], may["both_pct"]) == (1, 1, 100.0)
    # the other organisation's leader sees only theirs
    other = signature_statistics(fresh(w.outsider), date(2026, 1, 1), date(2026, 12, 31))
    assert [(r["name"], r["total"], r["both"]) for r in other["organizations"]] == [(w.issuer.name, 2, 2)]


def test_query_count_does_not_grow_with_documents(documents: World, certs: Certs) -> None:
    w = documents

    def queries() -> int:
        user = fresh(w.leader)
        with CaptureQueriesContext(connection) as ctx:
            signature_statistics(user, date(2026, 1, 1), date(2026, 12, 31))
        return len(ctx)

    before = queries()
    for n in range(20, 40):
        sign(issued(w, w.org, date(2026, 6, 1), w.leader, n), certs, w, "person", "seal")
    assert queries() == before


def test_page_and_api_authorisation(documents: World) -> None:
    w = documents
    # the leader: the page with the default period (this year) and a chosen one
    client = Client()
    client.force_login(w.leader)
    html = client.get("/thong-ke/ky-so/?from=01/01/2026&to=31/03/2026").content.decode()
    assert 'id="stat-total">5<' in html and "40,0 %" in html and "Thống kê ký số văn bản đi" in html
    assert client.get("/thong-ke/ky-so/").status_code == 200
    bad = client.get("/thong-ke/ky-so/?from=31/02/2026", follow=True).content.decode()
    assert "Từ ngày không hợp lệ" in bad
    # a specialist (no leader or clerk role) and a person without role: 403; anonymous: to the login page
    for user in (w.specialist, w.norole):
        other = Client()
        other.force_login(user)
        assert other.get("/thong-ke/ky-so/").status_code == 403
    assert Client().get("/thong-ke/ky-so/").status_code == 302
    # API
    api = authed(Client(), "vanthu")
    body = api.get("/api/v1/statistics/signatures?from=2026-01-01&to=2026-03-31").json()
    assert body["total"]["total"] == 5 and body["from"] == "2026-01-01"
    assert api.get("/api/v1/statistics/signatures?from=2026-13-01").status_code == 400
    assert api.get("/api/v1/statistics/signatures?from=2026-05-01&to=2026-01-01").status_code == 400
    assert authed(Client(), "chuyenvien").get("/api/v1/statistics/signatures").status_code == 403
    assert Client().get("/api/v1/statistics/signatures").status_code == 401
    theirs = authed(Client(), "ngoai").get("/api/v1/statistics/signatures?from=2026-01-01&to=2026-12-31")
    assert theirs.json()["total"]["total"] == 2
