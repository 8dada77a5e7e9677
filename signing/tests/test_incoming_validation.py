"""Incoming registration validates its PDFs' signatures in the worker; the result on the page and the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from api.tests.helpers import authed
from conftest import World, make_pdf
from core import worker
from documents.models import Attachment
from signing.models import FileValidation
from signing.tests.conftest import Certs
from signing.tests.helpers import signed_and_sealed

pytestmark = pytest.mark.django_db


def validation_tasks() -> list[Any]:
    return list(DBTaskResult.objects.filter(task_path="signing.tasks.validate_file"))


def tamper(signed: bytes) -> bytes:
    at = signed.index(b"/MediaBox") + len(b"/MediaBox [ 0 0 ")
    return signed[:at] + (b"4" if signed[at : at + 1] != b"4" else b"5") + signed[at + 1 :]


def attachment_of(doc: Any) -> Attachment:
    return Attachment.objects.get(owner_kind="incoming", owner_id=doc.pk, position=0)


def page(user: Any, doc: Any) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/van-ban-den/{doc.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_registering_a_signed_pdf_queues_one_validation_that_finds_it_valid(
    world: World, certs: Certs, ten_pages: bytes
) -> None:
    # given a PDF signed by the leader and sealed by the organisation
    signed = signed_and_sealed(world, certs, ten_pages)
    # when the clerk registers it
    doc = world.register(pdf=signed)
    # then exactly one validation is queued, and the page says it is being checked (with a poll)
    assert len(validation_tasks()) == 1
    row = FileValidation.objects.get(stored=attachment_of(doc).stored)
    assert row.is_pending and row.verdict == "pending"
    html = page(world.clerk, doc)
    assert "Đang kiểm tra…" in html and 'hx-trigger="every 3s"' in html
    # when the worker runs the queue
    assert worker.run_pending() == 2  # the validation, and the search index reading the file's text
    # then the stored verdict is valid, and running it again changes nothing (idempotent)
    row.refresh_from_db()
    assert (row.verdict, row.reason, row.is_pending) == ("valid", "Tất cả chữ ký hợp lệ.", False)
    assert [s["signer"] for s in row.report["signatures"]] == ["Trần Văn Lãnh", "Tỉnh ủy Sông Lam"]
    validated_at = row.validated_at
    from signing.services import file_validate

    assert file_validate(row.stored_id).validated_at == validated_at  # type: ignore[union-attr]
    # and the page shows a green "Hợp lệ" badge with each signature's details, no more polling
    html = page(world.clerk, doc)
    assert 'class="badge text-bg-success sig-verdict" data-verdict="valid">Hợp lệ' in html
    assert 'hx-trigger="every 3s"' not in html
    assert "Trần Văn Lãnh" in html and "Tỉnh ủy Sông Lam" in html
    assert "Chữ ký bao trùm toàn bộ tài liệu." in html and "Chưa bị thu hồi" in html
    assert "Kiểm tra lại" in html


def test_the_same_file_registered_twice_is_validated_once(
    world: World, certs: Certs, ten_pages: bytes
) -> None:
    signed = signed_and_sealed(world, certs, ten_pages)
    world.register(pdf=signed, number_symbol="1-BC/BTCTW")
    world.register(pdf=signed, number_symbol="2-BC/BTCTW")
    assert len(validation_tasks()) == 1 and FileValidation.objects.count() == 1


def test_tampered_pdf_is_invalid_with_the_reason(world: World, certs: Certs, ten_pages: bytes) -> None:
    # given a signed PDF with one byte changed, registered
    doc = world.register(pdf=tamper(signed_and_sealed(world, certs, ten_pages)))
    # when the worker validates it
    worker.run_pending()
    # then it is invalid and the page says why, in red
    row = FileValidation.objects.get(stored=attachment_of(doc).stored)
    assert row.verdict == "invalid"
    assert row.reason.startswith("Trần Văn Lãnh: Tài liệu đã bị sửa sau khi ký")
    html = page(world.leader, doc)
    assert 'text-bg-danger sig-verdict" data-verdict="invalid">Không hợp lệ' in html
    assert "Tài liệu đã bị sửa sau khi ký (nội dung không khớp với chữ ký)." in html


def test_unsigned_pdf_and_other_files(world: World, ten_pages: bytes) -> None:
    # given an unsigned PDF registered
    doc = world.register(pdf=ten_pages)
    worker.run_pending()
    row = FileValidation.objects.get(stored=attachment_of(doc).stored)
    # then: unsigned, shown as a grey badge
    assert (row.verdict, row.reason) == ("unsigned", "Tệp không có chữ ký số.")
    html = page(world.clerk, doc)
    assert 'text-bg-secondary sig-verdict" data-verdict="unsigned">Không có chữ ký số' in html


def test_files_added_on_update_are_validated_but_not_other_types(world: World) -> None:
    from incoming.services import incoming_update

    doc = world.register()
    worker.run_pending()
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    incoming_update(
        actor=world.clerk,
        document=doc,
        changes={},
        uploads=[("phu-luc.pdf", make_pdf("Phụ lục")), ("anh.png", png)],
    )
    # one more validation: the PDF; nothing for the image
    assert len(validation_tasks()) == 2
    assert FileValidation.objects.count() == 2


def test_a_rolled_back_registration_queues_nothing(world: World, ten_pages: bytes) -> None:
    from django.db import transaction

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        world.register(pdf=ten_pages)
        raise Boom
    assert validation_tasks() == [] and not FileValidation.objects.exists()


def test_revalidation_after_a_trust_anchor_is_added(world: World, certs: Certs, ten_pages: bytes) -> None:
    from signing.models import TrustAnchor

    # given a signed document validated while its root was not trusted: indeterminate
    TrustAnchor.objects.update(is_active=False)
    doc = world.register(pdf=signed_and_sealed(world, certs, ten_pages))
    worker.run_pending()
    row = FileValidation.objects.get(stored=attachment_of(doc).stored)
    assert row.verdict == "indeterminate"
    html = page(world.clerk, doc)
    assert 'text-bg-warning sig-verdict" data-verdict="indeterminate">Không xác định' in html
    # when the root is trusted again and a user asks "Kiểm tra lại" (HTMX)
    TrustAnchor.objects.update(is_active=True)
    client = Client()
    client.force_login(world.specialist2)  # not allowed to see the document: 404
    assert client.post(f"/tep/{attachment_of(doc).pk}/kiem-tra-lai/").status_code == 404
    client.force_login(world.clerk)
    response = client.post(f"/tep/{attachment_of(doc).pk}/kiem-tra-lai/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Đang kiểm tra…" in response.content.decode()
    worker.run_pending()
    # then the poll returns the new verdict
    poll = client.get(f"/tep/{attachment_of(doc).pk}/chu-ky/").content.decode()
    assert 'data-verdict="valid">Hợp lệ' in poll


def test_api_returns_the_stored_validation_and_hides_invisible_files(
    world: World, certs: Certs, ten_pages: bytes
) -> None:
    doc = world.register(pdf=signed_and_sealed(world, certs, ten_pages))
    url = f"/api/v1/files/{attachment_of(doc).pk}/signatures"
    clerk = authed(Client(), "vanthu")
    assert clerk.get(url).json()["verdict"] == "pending"
    worker.run_pending()
    body = clerk.get(url).json()
    # the shape of POST /signatures/validate, plus when it was made
    assert body["verdict"] == "valid" and body["pending"] is False and "+07:00" in body["validated_at"]
    assert [(s["signer"], s["role"], s["status"]) for s in body["signatures"]] == [
        ("Trần Văn Lãnh", "person", "valid"),
        ("Tỉnh ủy Sông Lam", "seal", "valid"),
    ]
    assert body["signatures"][0]["certificate"]["organization"] == "Tỉnh ủy Sông Lam"
    # another organisation, a missing file, anonymous
    assert authed(Client(), "ngoai").get(url).status_code == 404
    assert clerk.get("/api/v1/files/987654/signatures").status_code == 404
    assert Client().get(url).status_code == 401
    # re-validation through the API
    response = clerk.post(url + "/revalidate")
    assert response.status_code == 202 and response.json()["verdict"] == "pending"
    worker.run_pending()
    assert clerk.get(url).json()["verdict"] == "valid"
