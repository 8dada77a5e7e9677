"""POST /signatures/validate and GET /certificates/mine."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from api.tests.helpers import authed
from conftest import World
from documents.models import Attachment
from signing.tests.conftest import Certs
from signing.tests.helpers import signed_and_sealed

pytestmark = pytest.mark.django_db
URL = "/api/v1/signatures/validate"


def upload(client: Client, data: bytes, name: str = "van-ban.pdf") -> Any:
    return client.post(URL, {"file": SimpleUploadedFile(name, data, content_type="application/pdf")})


def test_validate_upload_valid_tampered_unsigned_not_pdf(
    world: World, certs: Certs, ten_pages: bytes
) -> None:
    client = authed(Client(), "chuyenvien")
    signed = signed_and_sealed(world, certs, ten_pages)
    # valid: both signatures with their details
    body = upload(client, signed).json()
    assert body["verdict"] == "valid" and body["reason"] == "Tất cả chữ ký hợp lệ."
    assert [(s["signer"], s["role"], s["verdict"]) for s in body["signatures"]] == [
        ("Trần Văn Lãnh", "person", "valid"),
        ("Tỉnh ủy Sông Lam", "seal", "valid"),
    ]
    first = body["signatures"][0]
    assert first["intact"] and first["trusted"] and not first["revoked"] and "+07:00" in first["signed_at"]
    assert (
        first["certificate"]["subject"].endswith("Trần Văn Lãnh")
        or "Trần Văn Lãnh" in first["certificate"]["subject"]
    )
    assert body["signatures"][1]["covers_whole_document"] is True
    # tampered
    at = signed.index(b"/MediaBox") + len(b"/MediaBox [ 0 0 ")
    tampered = signed[:at] + (b"4" if signed[at : at + 1] != b"4" else b"5") + signed[at + 1 :]
    body = upload(client, tampered).json()
    assert body["verdict"] == "invalid"
    assert body["signatures"][0]["reason"].startswith("Tài liệu đã bị sửa sau khi ký")
    # unsigned
    body = upload(client, ten_pages).json()
    assert (body["verdict"], body["reason"], body["signatures"]) == (
        "unsigned",
        "Tệp không có chữ ký số.",
        [],
    )
    # not a PDF: 400 in Vietnamese
    response = upload(client, b"PK\x03\x04 zip", "a.docx")
    assert response.status_code == 400
    assert response.json() == {"code": "not_pdf", "message": "Tệp không phải là PDF.", "details": {}}
    # nothing sent
    response = client.post(URL, {})
    assert response.status_code == 400 and response.json()["code"] == "missing_file"


def test_validate_needs_a_token_and_a_visible_file(world: World, certs: Certs, ten_pages: bytes) -> None:
    # anonymous: 401
    assert upload(Client(), ten_pages).status_code == 401
    # an attachment of a document the caller may see: validated
    doc = world.register(pdf=signed_and_sealed(world, certs, ten_pages))
    attachment = Attachment.objects.get(owner_kind="incoming", owner_id=doc.pk)
    clerk = authed(Client(), "vanthu")
    response = clerk.post(URL, {"file_id": attachment.pk})
    assert response.status_code == 200 and response.json()["verdict"] == "valid"
    # the same attachment for someone of another organisation: 404, as for a missing one
    outsider = authed(Client(), "ngoai")
    assert outsider.post(URL, {"file_id": attachment.pk}).status_code == 404
    assert outsider.post(URL, {"file_id": 987654}).status_code == 404


def test_certificates_mine(world: World, certs: Certs) -> None:
    leader = authed(Client(), "lanhdao").get("/api/v1/certificates/mine").json()
    assert [(c["owner"], c["subject"], c["expiry"]) for c in leader] == [("person", "Trần Văn Lãnh", "ok")]
    assert "+07:00" in leader[0]["not_after"] and leader[0]["expiry_label"] == "Còn hiệu lực"
    clerk = authed(Client(), "vanthu").get("/api/v1/certificates/mine").json()
    assert [(c["owner"], c["owner_name"]) for c in clerk] == [("organization", "Tỉnh ủy Sông Lam")]
    assert Client().get("/api/v1/certificates/mine").status_code == 401
