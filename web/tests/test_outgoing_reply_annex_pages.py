"""Screens: annexes on the draft page; replying to an incoming document and completing it by the reply."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import make_pdf
from outgoing.models import Annex, OutgoingDocument
from outgoing.tests.conftest import OutgoingWorld, ow  # noqa: F401  (fixture)
from web.tests.helpers import login

pytestmark = pytest.mark.django_db


def test_drafter_adds_and_removes_an_annex_on_the_page(ow: OutgoingWorld) -> None:  # noqa: F811
    w = ow.w
    doc = ow.draft()
    page = login(w.specialist)
    response = page.post(
        f"/van-ban-di/{doc.pk}/annex_add/",
        {"title": "Phụ lục I", "file": SimpleUploadedFile("pl1.pdf", make_pdf("pl"), "application/pdf")},
        follow=True,
    )
    html = response.content.decode()
    assert "Đã thêm phụ lục." in html and "Phụ lục I" in html
    annex = Annex.objects.get(document=doc)
    # someone who may not see the draft gets "not found", and nothing changes
    outsider = login(w.outsider).post(f"/van-ban-di/{doc.pk}/annex_remove/", {"annex_id": annex.pk})
    assert outsider.status_code == 404 and Annex.objects.filter(pk=annex.pk).exists()
    missing = page.post(f"/van-ban-di/{doc.pk}/annex_add/", {"title": "Phụ lục II"}, follow=True)
    assert "Vui lòng chọn tệp phụ lục." in missing.content.decode()
    page.post(f"/van-ban-di/{doc.pk}/annex_remove/", {"annex_id": annex.pk})
    assert not Annex.objects.filter(document=doc).exists()


def test_reply_drafted_from_the_incoming_page_completes_it(ow: OutgoingWorld) -> None:  # noqa: F811
    w = ow.w
    incoming = w.distributed()  # led by Phòng Tổng hợp, passed to the specialist
    specialist = login(w.specialist)
    html = specialist.get(f"/van-ban-den/{incoming.pk}/").content.decode()
    assert f"/van-ban-di/du-thao-moi/?tra_loi={incoming.pk}" in html
    step1 = specialist.get(f"/van-ban-di/du-thao-moi/?tra_loi={incoming.pk}").content.decode()
    assert f"tra_loi={incoming.pk}" in step1  # the type cards keep the link
    form = specialist.get(f"/van-ban-di/du-thao-moi/?loai=CV&tra_loi={incoming.pk}").content.decode()
    assert "Trả lời văn bản đến số" in form and incoming.number_symbol in form
    specialist.post(
        f"/van-ban-di/du-thao-moi/?loai=CV&tra_loi={incoming.pk}",
        {
            "tra_loi": incoming.pk,
            "source": "upload",
            "file": SimpleUploadedFile("tra-loi.pdf", make_pdf("tra loi"), "application/pdf"),
            "doc_type": "CV",
            "subject": "Trả lời về công tác tổ chức",
            "urgency": "normal",
            "secrecy": "none",
            "signer_capacity": "on_behalf",
            "internal": [],
            "external": "Ban Tổ chức Trung ương",
        },
    )
    reply = OutgoingDocument.objects.get(subject="Trả lời về công tác tổ chức")
    assert reply.reply_to_id == incoming.pk
    from outgoing.services import outgoing_approve, outgoing_issue, outgoing_submit

    outgoing_submit(actor=w.specialist, document=reply)
    for person in (w.head, w.leader, ow.secretary):
        outgoing_approve(actor=person, document=reply)
    outgoing_issue(actor=w.clerk, document=reply)
    reply.refresh_from_db()
    html = specialist.get(f"/van-ban-den/{incoming.pk}/").content.decode()
    assert f"Hoàn thành bằng văn bản trả lời số {reply.number_symbol}" in html
    specialist.post(
        f"/van-ban-den/{incoming.pk}/complete/", {"result_document_id": reply.pk, "note": "Đã trả lời"}
    )
    incoming.refresh_from_db()
    assert incoming.status == "completed" and incoming.reply_number_symbol == reply.number_symbol


def test_reply_to_an_invisible_incoming_document_is_404(ow: OutgoingWorld) -> None:  # noqa: F811
    incoming = ow.w.register()
    assert login(ow.w.outsider).get(f"/van-ban-di/du-thao-moi/?tra_loi={incoming.pk}").status_code == 404
    assert login(ow.w.specialist).get("/van-ban-di/du-thao-moi/?tra_loi=abc").status_code == 404
