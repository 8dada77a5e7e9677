"""The outgoing screens: a draft made in the form, approved in three steps, issued and received."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import make_pdf
from incoming.models import IncomingDocument
from outgoing.models import OutgoingDocument
from outgoing.tests.conftest import OutgoingWorld, ow  # noqa: F401  (fixture)
from web.tests.helpers import login

pytestmark = pytest.mark.django_db


def test_draft_to_issue_through_the_screens(ow: OutgoingWorld) -> None:  # noqa: F811
    w = ow.w
    specialist = login(w.specialist)
    assert "Dự thảo văn bản đi" in specialist.get("/van-ban-di/du-thao-moi/").content.decode()
    response = specialist.post(
        "/van-ban-di/du-thao-moi/",
        {
            "file": SimpleUploadedFile("thong-bao.pdf", make_pdf("thong bao"), "application/pdf"),
            "doc_type": "TB",
            "subject": "Thông báo lịch làm việc của Thường trực Tỉnh ủy",
            "urgency": "normal",
            "secrecy": "none",
            "signer_capacity": "on_behalf",
            "internal": [str(w.other_org.pk)],
            "external": "Báo Sông Lam\nĐài Phát thanh và Truyền hình tỉnh",
        },
    )
    assert response.status_code == 302
    doc = OutgoingDocument.objects.get()
    assert list(doc.recipients.values_list("name", flat=True)) == [
        w.other_org.name,
        "Báo Sông Lam",
        "Đài Phát thanh và Truyền hình tỉnh",
    ]
    specialist.post(f"/van-ban-di/{doc.pk}/submit/")
    for user in (w.head, w.leader, ow.secretary):
        client = login(user)
        page = client.get("/van-ban-di/").content.decode()
        assert "Chờ tôi duyệt, ký" in page
        client.post(f"/van-ban-di/{doc.pk}/approve/", {"note": "Đồng ý"})
    clerk = login(w.clerk)
    assert "Chờ cấp số, phát hành" in clerk.get("/van-ban-di/").content.decode()
    page = clerk.post(f"/van-ban-di/{doc.pk}/issue/", follow=True).content.decode()
    assert "Đã cấp số 01-TB/TU và phát hành." in page
    assert "Đã chuyển vào hệ thống của nơi nhận" in page and "Gửi qua bưu điện" in page
    received = IncomingDocument.objects.get(organization=w.other_org)
    assert login(w.outsider).get(f"/van-ban-den/{received.pk}/").status_code == 200


def test_others_cannot_open_a_draft_and_errors_are_shown(ow: OutgoingWorld) -> None:  # noqa: F811
    doc = ow.draft()
    assert login(ow.w.specialist2).get(f"/van-ban-di/{doc.pk}/").status_code == 404
    page = login(ow.w.specialist).post(f"/van-ban-di/{doc.pk}/version/", follow=True).content.decode()
    assert "Vui lòng chọn tệp phiên bản mới." in page


def test_recall_from_the_document_page(ow: OutgoingWorld) -> None:  # noqa: F811
    from outgoing.services import outgoing_issue

    doc = outgoing_issue(actor=ow.w.clerk, document=ow.approved())
    clerk = login(ow.w.clerk)
    assert "Thu hồi văn bản" in clerk.get(f"/van-ban-di/{doc.pk}/").content.decode()
    page = clerk.post(
        f"/van-ban-di/{doc.pk}/recall/", {"reason": "Sai thể thức"}, follow=True
    ).content.decode()
    assert "Đã thu hồi văn bản" in page and "Đã thu hồi" in page
    received = IncomingDocument.objects.get(organization=ow.w.other_org)
    assert "Đã bị thu hồi" in login(ow.w.outsider).get(f"/van-ban-den/{received.pk}/").content.decode()
