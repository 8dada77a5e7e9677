"""The copies API: the authorisation matrix (denied cases change nothing) and a round trip."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from copies.models import Copy
from copies.tests.conftest import SECRET, CopyWorld
from core import tokens
from core.models import AuditEvent, Counter, StoredFile
from incoming.models import IncomingDocument
from signing.models import SignatureEvent

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    if user is None:
        return Client()
    key, _ = tokens.issue(user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def body(cw: CopyWorld, source: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "source_kind": "incoming",
        "source_id": source.pk,
        "form": "sao_y",
        "decided_by": cw.w.leader.pk,
        "recipients": [{"organization_id": cw.w.other_org.pk}, {"name": "Báo Sông Lam"}],
        "secret": SECRET,
        **overrides,
    }


def snapshot() -> tuple[Any, ...]:
    return (
        Copy.objects.count(),
        IncomingDocument.objects.count(),
        StoredFile.objects.count(),
        SignatureEvent.objects.count(),
        AuditEvent.objects.filter(action__startswith="copy").count(),
        sorted(Counter.objects.values_list("scope", "last_number")),
    )


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("anonymous", 401),
        ("other_organization", 404),  # cannot see the source: answered like a missing one
        ("no_role", 404),
        ("specialist", 403),  # handles the document, but only clerks copy
        ("clerk", 201),
    ],
)
def test_create_authorisation_matrix(cw: CopyWorld, persona: str, status: int) -> None:
    # given a document distributed to the specialist (so they see it)
    source = cw.w.distributed()
    user = {
        "anonymous": None,
        "other_organization": cw.w.outsider,
        "no_role": cw.w.norole,
        "specialist": cw.w.specialist,
        "clerk": cw.w.clerk,
    }[persona]
    before = snapshot()
    # when the persona asks for a copy
    response = client_for(user).post("/api/v1/copies", data=body(cw, source), content_type="application/json")
    # then only the clerk gets it; everyone else changes nothing
    assert response.status_code == status, response.content
    if status == 201:
        assert response.json()["number_symbol"] == "01-BS/TU"
        assert Copy.objects.count() == 1
    else:
        assert response.json()["code"] in {"not_authenticated", "not_found", "not_allowed"}
        assert snapshot() == before


def test_api_round_trip(cw: CopyWorld) -> None:
    source = cw.incoming()
    clerk = client_for(cw.w.clerk)
    # a trích sao of pages 2-3, sent inside and outside the system
    response = clerk.post(
        "/api/v1/copies",
        data=body(cw, source, form="trich_sao", pages="2-3"),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["form"] == "trich_sao" and created["pages"] == "2-3" and created["page_count"] == 2
    assert created["decided_by"]["id"] == cw.w.leader.pk
    assert created["original"]["number_symbol"] == "105-BC/BTCTW"
    assert [r["delivered"] for r in created["recipients"]] == [True, False]
    # read back, listed in the year's register, its file downloadable and its signature valid
    one = clerk.get(f"/api/v1/copies/{created['id']}").json()
    assert one == created
    listed = clerk.get(f"/api/v1/copies?year={created['year']}").json()
    assert [c["id"] for c in listed["items"]] == [created["id"]] and listed["total"] == 1
    assert clerk.get(f"/api/v1/copies?year={created['year'] - 1}").json()["total"] == 0
    content = clerk.get(f"/api/v1/files/{created['file']['id']}/content")
    assert content.status_code == 200 and content["Content-Type"] == "application/pdf"
    verdict = clerk.get(f"/api/v1/files/{created['file']['id']}/signatures").json()
    assert verdict["verdict"] in {"valid", "pending"}
    # a sao lục of it through the API too
    response = clerk.post(
        "/api/v1/copies",
        data=body(cw, source, source_kind="copy", source_id=created["id"], form="sao_luc", recipients=[]),
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "sao_luc_needs_sao_y"
    # the recipient's clerk sees the copy; a specialist of the copying body who never saw the source does not
    assert client_for(cw.w.outsider).get(f"/api/v1/copies/{created['id']}").status_code == 200
    assert client_for(cw.w.specialist2).get(f"/api/v1/copies/{created['id']}").status_code == 404
    # wrong input answers in Vietnamese with a code
    bad = clerk.post("/api/v1/copies", data=body(cw, source, secret="sai"), content_type="application/json")
    assert bad.status_code == 400 and bad.json()["message"]
