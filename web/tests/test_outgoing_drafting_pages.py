"""The drafting screens: 'Dự thảo mới' by type (template or upload), the draft page's PDF states,
'Sửa nội dung' into a new version, and 'Hoàn tất phát hành'."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import make_pdf
from core import worker
from core.files import open_blob
from documents.models import Attachment
from outgoing.models import OutgoingDocument, Version
from outgoing.tests.conftest import OutgoingWorld, ow  # noqa: F401  (fixture)
from outgoing.tests.pdftext import page_text
from web.tests.helpers import login

pytestmark = pytest.mark.django_db

CONTENT = "Văn phòng Tỉnh ủy thông báo lịch làm việc tuần tới.\nĐề nghị các đồng chí bố trí thời gian dự họp."


def template_draft(ow: OutgoingWorld, doc_type: str = "TB", content: str = CONTENT) -> Any:  # noqa: F811
    from outgoing.services import Draft, outgoing_create

    return outgoing_create(
        actor=ow.w.specialist,
        data=Draft(
            doc_type=doc_type,
            subject="Lịch làm việc của Thường trực Tỉnh ủy",
            signer_id=ow.secretary.pk,
            signer_capacity="on_behalf",
            recipients=[{"organization_id": ow.w.other_org.pk}],
            fields={"content": content},
        ),
    )


def test_step_one_lists_the_main_types_first_then_the_others(ow: OutgoingWorld) -> None:  # noqa: F811
    # given a specialist of a Party committee
    page = login(ow.w.specialist).get("/van-ban-di/du-thao-moi/").content.decode()
    # then the main types come first, in their usual order, the rest under "Loại khác"
    main, others = page.split('id="other-types"')
    order = ["Nghị quyết", "Quyết định", "Chỉ thị", "Kết luận", "Quy định", "Hướng dẫn", "Báo cáo"]
    order += ["Kế hoạch", "Chương trình", "Thông báo", "Tờ trình", "Công văn", "Giấy mời", "Biên bản"]
    positions = [main.index(f">{name}<") for name in order]
    assert positions == sorted(positions)
    assert "Thông tri" in others and "Thông tri" not in main
    assert "?loai=CV" in main


def test_letter_from_the_template_through_the_wizard(ow: OutgoingWorld) -> None:  # noqa: F811
    w = ow.w
    client = login(w.specialist)
    # given the form of a công văn, which asks for "Kính gửi"
    form = client.get("/van-ban-di/du-thao-moi/?loai=CV").content.decode()
    assert (
        "Kính gửi (mỗi dòng một nơi)" in form and "Soạn theo mẫu" in form and ow.secretary.full_name in form
    )
    # when the drafter fills it and keeps "Soạn theo mẫu"
    response = client.post(
        "/van-ban-di/du-thao-moi/",
        {
            "doc_type": "CV",
            "source": "template",
            "subject": "Đề nghị báo cáo kết quả chuyển đổi số",
            "addressees": "Các đảng ủy trực thuộc\n\nCác ban đảng Tỉnh ủy",
            "content": CONTENT,
            "signer": str(ow.secretary.pk),
            "signer_capacity": "on_behalf",
            "urgency": "urgent",
            "secrecy": "none",
            "internal": [str(w.other_org.pk)],
            "external": "Báo Sông Lam",
        },
    )
    # then version 1 is the template rendered from those fields, its PDF on the way
    assert response.status_code == 302
    doc = OutgoingDocument.objects.get()
    assert doc.doc_type.code == "CV" and doc.signer == ow.secretary and doc.urgency == "urgent"
    version = doc.versions.get()
    assert version.fields == {
        "content": CONTENT,
        "addressees": ["Các đảng ủy trực thuộc", "Các ban đảng Tỉnh ủy"],
    }
    assert version.attachment.name.endswith(".docx") and version.pdf_status == "pending"
    assert version.note == "Dự thảo lần 1"
    assert list(doc.recipients.values_list("name", flat=True)) == [w.other_org.name, "Báo Sông Lam"]


def test_wizard_errors_are_vietnamese_and_nothing_is_stored(ow: OutgoingWorld) -> None:  # noqa: F811
    client = login(ow.w.specialist)
    base = {"doc_type": "TB", "signer_capacity": "own", "urgency": "normal", "secrecy": "none"}
    # when the template path has neither subject nor content
    page = client.post("/van-ban-di/du-thao-moi/", {**base, "source": "template"}).content.decode()
    assert "Vui lòng nhập trích yếu." in page and "Vui lòng nhập nội dung văn bản." in page
    # when the upload path has no file
    page = client.post(
        "/van-ban-di/du-thao-moi/", {**base, "source": "upload", "subject": "Thông báo"}
    ).content.decode()
    assert "Vui lòng chọn tệp dự thảo." in page
    # when the type is not one of the organization's
    page = client.post(
        "/van-ban-di/du-thao-moi/", {**base, "doc_type": "XX", "content": "x"}
    ).content.decode()
    assert "Loại văn bản không hợp lệ." in page
    # then nothing was written
    assert not OutgoingDocument.objects.exists() and not Version.objects.exists()
    assert not Attachment.objects.exists()


def test_upload_path_with_the_explicit_choice(ow: OutgoingWorld) -> None:  # noqa: F811
    response = login(ow.w.specialist).post(
        "/van-ban-di/du-thao-moi/",
        {
            "doc_type": "TB",
            "source": "upload",
            "subject": "Thông báo",
            "content": "ignored when a file is uploaded",
            "file": SimpleUploadedFile("tb.pdf", make_pdf("tb"), "application/pdf"),
            "signer_capacity": "own",
            "urgency": "normal",
            "secrecy": "none",
        },
    )
    assert response.status_code == 302
    version = Version.objects.get()
    assert (
        version.fields is None and version.pdf_status == "ready" and version.pdf_id == version.attachment_id
    )


def test_draft_page_polls_while_pending_then_shows_the_viewer(ow: OutgoingWorld) -> None:  # noqa: F811
    # given a template draft whose PDF is not made yet
    doc = template_draft(ow)
    client = login(ow.w.specialist)
    page = client.get(f"/van-ban-di/{doc.pk}/").content.decode()
    viewer_url = f"/van-ban-di/{doc.pk}/ban-xem/"
    assert f'hx-get="{viewer_url}"' in page and 'hx-trigger="every 2s"' in page
    assert "Đang tạo bản PDF của phiên bản 1" in page and "Sửa nội dung" in page
    assert "(.docx)" in page
    fragment = client.get(viewer_url).content.decode()
    assert 'hx-trigger="every 2s"' in fragment and "<html" not in fragment
    # when the worker makes it
    worker.run_pending()
    version = doc.versions.get()
    # then the fragment stops polling and carries the viewer of the PDF
    fragment = client.get(viewer_url).content.decode()
    assert "hx-trigger" not in fragment and 'class="pdf-frame"' in fragment
    assert f'data-src="/tep/{version.pdf_id}/"' in fragment
    assert f'href="/tep/{version.pdf_id}/?download=1"' in fragment
    assert f'href="/tep/{version.attachment_id}/?download=1"' in fragment
    # and others than the drafter's circle cannot poll it
    assert login(ow.w.specialist2).get(viewer_url).status_code == 404


def test_draft_page_says_when_the_pdf_failed(ow: OutgoingWorld, settings: Any) -> None:  # noqa: F811
    settings.LIBREOFFICE_BIN = "/bin/false"
    doc = template_draft(ow)
    worker.run_pending()
    page = login(ow.w.specialist).get(f"/van-ban-di/{doc.pk}/").content.decode()
    assert "Không tạo được bản PDF của phiên bản 1" in page and "LibreOffice" in page
    assert "hx-trigger" not in page


def test_edit_fields_makes_version_two_with_the_new_text(ow: OutgoingWorld) -> None:  # noqa: F811
    doc = template_draft(ow, "CV")
    doc.versions.update(fields={"content": CONTENT, "addressees": ["Các ban đảng"], "ghi_chu": "giữ"})
    client = login(ow.w.specialist)
    # given the form, prefilled with the latest version's fields
    form = client.get(f"/van-ban-di/{doc.pk}/sua-noi-dung/").content.decode()
    assert "Văn phòng Tỉnh ủy thông báo lịch làm việc tuần tới." in form and "Các ban đảng" in form
    assert "Tạo phiên bản 2" in form
    # an empty text is refused, nothing added
    page = client.post(f"/van-ban-di/{doc.pk}/sua-noi-dung/", {"content": " "}).content.decode()
    assert "Vui lòng nhập nội dung văn bản." in page and doc.versions.count() == 1
    # when the drafter edits the text
    response = client.post(
        f"/van-ban-di/{doc.pk}/sua-noi-dung/",
        {"content": "Nội dung đã tiếp thu góp ý của Ban Tổ chức.", "addressees": "Các ban đảng\nCác đảng ủy"},
    )
    assert response.status_code == 302
    second = doc.versions.get(number=2)
    assert second.note == "Dự thảo lần 2"
    assert second.fields == {
        "content": "Nội dung đã tiếp thu góp ý của Ban Tổ chức.",
        "addressees": ["Các ban đảng", "Các đảng ủy"],
        "ghi_chu": "giữ",
    }
    # then its PDF carries the new text and says which draft it is
    worker.run_pending()
    second.refresh_from_db()
    text = page_text(open_blob(second.pdf.stored))
    assert "Nội dung đã tiếp thu góp ý của Ban Tổ chức." in text and "Dự thảo lần 2" in text
    assert "lịch làm việc tuần tới" not in text
    # and nobody else may (a draft not yet submitted is the drafter's alone)
    assert login(ow.w.head).post(f"/van-ban-di/{doc.pk}/sua-noi-dung/", {"content": "x"}).status_code == 404
    assert doc.versions.count() == 2


def test_uploaded_draft_has_no_edit_fields_form(ow: OutgoingWorld) -> None:  # noqa: F811
    doc = ow.draft()
    client = login(ow.w.specialist)
    assert "Sửa nội dung" not in client.get(f"/van-ban-di/{doc.pk}/").content.decode()
    page = client.get(f"/van-ban-di/{doc.pk}/sua-noi-dung/", follow=True).content.decode()
    assert "không soạn theo mẫu" in page


def test_finalize_button_for_clerks_only(ow: OutgoingWorld, settings: Any) -> None:  # noqa: F811
    from outgoing.services import outgoing_approve, outgoing_issue, outgoing_submit

    w = ow.w
    doc = template_draft(ow)
    outgoing_submit(actor=w.specialist, document=doc)
    for approver in (w.head, w.leader, ow.secretary):
        outgoing_approve(actor=approver, document=doc)
    # given a document numbered while LibreOffice was down: issued, without its issued PDF yet
    settings.LIBREOFFICE_BIN = "/bin/false"
    doc = outgoing_issue(actor=w.clerk, document=doc)
    assert doc.status == "issued" and doc.issued_file_id is None
    drafter, clerk = login(w.specialist), login(w.clerk)
    page = drafter.get(f"/van-ban-di/{doc.pk}/").content.decode()
    assert "Đang hoàn tất bản phát hành…" in page and 'hx-trigger="every 2s"' in page
    assert "Hoàn tất phát hành" not in page.replace("Đang hoàn tất bản phát hành", "")
    assert 'id="btn-finalize"' in clerk.get(f"/van-ban-di/{doc.pk}/").content.decode()
    settings.LIBREOFFICE_BIN = ""
    # when the drafter posts it anyway, it is refused and nothing changes
    page = drafter.post(f"/van-ban-di/{doc.pk}/finalize/", follow=True).content.decode()
    assert "Chỉ văn thư của cơ quan mới hoàn tất phát hành." in page
    doc.refresh_from_db()
    assert doc.issued_file_id is None
    # when the clerk presses it
    page = clerk.post(f"/van-ban-di/{doc.pk}/finalize/", follow=True).content.decode()
    # then the issued PDF is made and shown first
    assert "Đã hoàn tất bản phát hành và chuyển đến các nơi nhận." in page
    doc.refresh_from_db()
    assert doc.issued_file_id is not None
    assert f'data-src="/tep/{doc.issued_file_id}/"' in page and "bản phát hành (PDF)" in page
    assert "Số 01-TB/TU" in page_text(open_blob(doc.issued_file.stored))
    assert 'id="btn-finalize"' not in page


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_draft_page_query_count_does_not_grow_with_versions(ow: OutgoingWorld) -> None:  # noqa: F811
    from outgoing.services import outgoing_add_version

    doc = ow.draft()
    client = login(ow.w.specialist)
    url = f"/van-ban-di/{doc.pk}/"
    client.get(url)
    small = _queries(client, url)
    for i in range(4):
        outgoing_add_version(actor=ow.w.specialist, document=doc, upload=(f"v{i}.pdf", make_pdf(f"v{i}")))
    assert _queries(client, url) == small


def test_the_deadline_asked_of_recipients_and_the_steering_are_kept_and_shown(
    ow: OutgoingWorld,  # noqa: F811
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    client = login(ow.w.specialist)
    base = {
        "doc_type": "TB", "source": "template", "subject": "Thông báo", "content": "Nội dung",
        "signer_capacity": "own", "urgency": "normal", "secrecy": "none", "steering": "1",
    }  # fmt: skip
    # a date in the past is refused beside the field, in Vietnamese, and nothing is stored
    yesterday = (timezone.localdate() - timedelta(days=1)).strftime("%d/%m/%Y")
    page = client.post("/van-ban-di/du-thao-moi/", {**base, "response_due": yesterday}).content.decode()
    assert "Hạn xử lý đề nghị không được trước ngày hôm nay." in page
    page = client.post("/van-ban-di/du-thao-moi/", {**base, "response_due": "31/02/2027"}).content.decode()
    assert "Ngày không hợp lệ (định dạng dd/mm/yyyy)." in page
    assert not OutgoingDocument.objects.exists()
    due = timezone.localdate() + timedelta(days=12)
    response = client.post("/van-ban-di/du-thao-moi/", {**base, "response_due": due.strftime("%d/%m/%Y")})
    assert response.status_code == 302
    doc = OutgoingDocument.objects.get()
    assert (doc.response_due, doc.steering) == (due, 1)
    html = client.get(response["Location"]).content.decode()
    assert f"hạn xử lý đề nghị: {due:%d/%m/%Y}" in html and "Văn bản chỉ đạo" in html
