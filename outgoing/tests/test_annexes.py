"""Annexes (phụ lục) in files of their own: drafter only, drafts only, delivered with the document."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from api.tests.helpers import client_for
from conftest import make_pdf
from core.errors import ApplicationError, InvalidInput, NotAllowed, WrongState
from core.models import AuditEvent, StoredFile
from documents.models import Attachment
from incoming.models import IncomingDocument
from outgoing import annexes, services
from outgoing.models import Annex
from outgoing.tests.conftest import OutgoingWorld
from outgoing.tests.helpers import PERSONAS

pytestmark = pytest.mark.django_db


def test_annexes_travel_with_the_issued_document(ow: OutgoingWorld) -> None:
    w = ow.w
    # given a draft with two annexes, one removed again
    doc = ow.draft(recipients=[{"organization_id": w.other_org.pk}])
    first = annexes.annex_add(
        actor=w.specialist, document=doc, upload=("phu-luc-1.pdf", make_pdf("phu luc 1")), title="Phụ lục I"
    )
    second = annexes.annex_add(
        actor=w.specialist, document=doc, upload=("phu-luc-2.pdf", make_pdf("phu luc 2")), title="Phụ lục II"
    )
    assert (first.position, second.position) == (1, 2)
    annexes.annex_remove(actor=w.specialist, document=doc, annex_id=first.pk)
    assert list(doc.annexes.values_list("title", flat=True)) == ["Phụ lục II"]
    assert AuditEvent.objects.filter(action="outgoing.annex_remove").exists()
    # when it is submitted, annexes are frozen with it
    services.outgoing_submit(actor=w.specialist, document=doc)
    with pytest.raises(WrongState):
        annexes.annex_add(
            actor=w.specialist, document=doc, upload=("x.pdf", make_pdf("x")), title="Phụ lục III"
        )
    for person in (w.head, w.leader, ow.secretary):
        services.outgoing_approve(actor=person, document=doc)
    services.outgoing_issue(actor=w.clerk, document=doc)
    # then the commune receives the issued PDF and the annex, in that order
    received = IncomingDocument.objects.get(organization=w.other_org)
    files = list(Attachment.objects.filter(owner_kind="incoming", owner_id=received.pk).order_by("position"))
    doc.refresh_from_db()
    assert [f.stored_id for f in files] == [doc.issued_file.stored_id, second.attachment.stored_id]
    # and the API lists the annex among the issued files, after the issued PDF
    data = client_for(w.specialist).get(f"/api/v1/outgoing/{doc.pk}").json()
    assert [a["title"] for a in data["annexes"]] == ["Phụ lục II"]
    assert data["files"][1]["id"] == second.attachment_id


def test_refused_annexes_store_nothing(ow: OutgoingWorld) -> None:
    w = ow.w
    doc = ow.draft()
    blobs = StoredFile.objects.count()
    with pytest.raises(InvalidInput):
        annexes.annex_add(actor=w.specialist, document=doc, upload=("a.pdf", make_pdf("a")), title="  ")
    with pytest.raises(ApplicationError) as broken:
        annexes.annex_add(actor=w.specialist, document=doc, upload=("a.pdf", b"%PDF-1.4 broken"), title="PL")
    assert "không phải là PDF hợp lệ" in broken.value.message
    with pytest.raises(NotAllowed):
        annexes.annex_add(actor=w.head, document=doc, upload=("a.pdf", make_pdf("a")), title="Phụ lục")
    assert not Annex.objects.exists() and StoredFile.objects.count() == blobs


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("operation", ["add", "remove"])
def test_annex_authorization_matrix(ow: OutgoingWorld, operation: str, persona: str) -> None:
    w = ow.w
    doc = ow.draft(secrecy="confidential" if persona == "secrecy_too_high" else "none", recipients=[])
    existing = annexes.annex_add(
        actor=w.specialist, document=doc, upload=("pl.pdf", make_pdf("pl")), title="Phụ lục I"
    )
    user: Any = {
        "anonymous": None,
        "other_organization": w.outsider,
        "no_role": w.norole,
        "secrecy_too_high": w.lowclear,
        "allowed": w.specialist,
    }[persona]
    before = (Annex.objects.count(), StoredFile.objects.count(), AuditEvent.objects.count())
    client = client_for(user)
    if operation == "add":
        upload = SimpleUploadedFile("pl2.pdf", make_pdf("pl2"), "application/pdf")
        response = client.post(f"/api/v1/outgoing/{doc.pk}/annexes", {"file": upload, "title": "Phụ lục II"})
    else:
        response = client.delete(f"/api/v1/outgoing/{doc.pk}/annexes/{existing.pk}")
    if persona == "allowed":
        assert response.status_code == (201 if operation == "add" else 204), response.content
        assert Annex.objects.count() == (2 if operation == "add" else 0)
        return
    assert response.status_code == (401 if persona == "anonymous" else 404), response.content
    assert (Annex.objects.count(), StoredFile.objects.count(), AuditEvent.objects.count()) == before
