"""The review screens: ask for comments, the reviewer's queue and comment, the answer (HTMX), comparison."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from outgoing.models import Comment, ReviewRequest, ReviewRound
from outgoing.tests.conftest import OutgoingWorld, ow  # noqa: F401  (fixture)
from outgoing.tests.helpers import V1, V2, docx_draft, make_docx
from web.tests.helpers import login

pytestmark = pytest.mark.django_db


def test_review_round_through_the_screens(ow: OutgoingWorld) -> None:  # noqa: F811
    w = ow.w
    doc = docx_draft(ow)
    drafter = login(w.specialist)
    # given the draft page, the drafter sees the form to ask for comments
    page = drafter.get(f"/van-ban-di/{doc.pk}/").content.decode()
    assert "Xin ý kiến góp ý" in page and "Hạn góp ý" in page and w.outsider.display_name in page
    # when a deadline in the past is sent, the form says why and nothing is created
    past = (timezone.localdate() - timedelta(days=1)).strftime("%d/%m/%Y")
    refused = drafter.post(
        f"/van-ban-di/{doc.pk}/xin-y-kien/", {"reviewers": [str(w.specialist2.pk)], "deadline": past}
    )
    assert refused.status_code == 400 and "đã qua" in refused.content.decode()
    assert ReviewRound.objects.count() == 0
    # when the drafter asks a colleague, another organization and an outside body by a dd/mm/yyyy deadline
    deadline = timezone.localdate() + timedelta(days=7)
    response = drafter.post(
        f"/van-ban-di/{doc.pk}/xin-y-kien/",
        {
            "reviewers": [str(w.specialist2.pk)],
            "organizations": [str(w.other_org.pk)],
            "outside": "Sở Tư pháp\n",
            "deadline": deadline.strftime("%d/%m/%Y"),
            "note": "Đề nghị góp ý.",
        },
        follow=True,
    )
    assert f"Đã gửi xin ý kiến góp ý, hạn {deadline:%d/%m/%Y}." in response.content.decode()
    assert ReviewRequest.objects.count() == 3
    # then the reviewer from the other organization finds it in the queue and comments on version 1
    reviewer = login(w.outsider)
    listing = reviewer.get("/van-ban-di/").content.decode()
    assert "Dự thảo chờ tôi góp ý" in listing and doc.subject in listing
    page = reviewer.get(f"/van-ban-di/{doc.pk}/").content.decode()
    assert "Ý kiến góp ý của bạn" in page and "chưa góp ý" in page
    assert "Trình duyệt" not in page and "Gửi xin ý kiến" not in page
    v1 = doc.versions.get()
    reviewer.post(f"/van-ban-di/{doc.pk}/y-kien/", {"text": "Bổ sung mục 3.", "version_id": str(v1.pk)})
    comment = Comment.objects.get()
    assert comment.on_behalf_of == w.other_org
    assert "Dự thảo chờ tôi góp ý" not in reviewer.get("/van-ban-di/").content.decode()
    # a person who was not asked gets nothing and the page has no comment form
    assert login(w.head2).get(f"/van-ban-di/{doc.pk}/").status_code == 404
    clerk_page = login(w.clerk).get(f"/van-ban-di/{doc.pk}/").content.decode()
    assert "Ý kiến góp ý của bạn" not in clerk_page
    # the drafter records the outside body's opinion, uploads v2 and answers through HTMX
    drafter.post(
        f"/van-ban-di/{doc.pk}/y-kien/",
        {"text": "Nhất trí.", "version_id": str(v1.pk), "on_behalf_of": "Sở Tư pháp"},
    )
    assert Comment.objects.filter(on_behalf_of_name="Sở Tư pháp").exists()
    drafter.post(
        f"/van-ban-di/{doc.pk}/version/",
        {"file": SimpleUploadedFile("v2.docx", make_docx(V2)), "note": "Tiếp thu ý kiến"},
    )
    v2 = doc.versions.get(number=2)
    fragment = drafter.post(
        f"/van-ban-di/{doc.pk}/y-kien/{comment.pk}/tra-loi/",
        {"text": "Đã bổ sung mục 3.", "version_id": str(v2.pk)},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "tiếp thu ở phiên bản 2" in fragment and "Đã bổ sung mục 3." in fragment
    assert "<html" not in fragment
    page = reviewer.get(f"/van-ban-di/{doc.pk}/").content.decode()
    assert "Ý kiến trên phiên bản 1" in page and "Đã bổ sung mục 3." in page and "So sánh phiên bản" in page
    # and the comparison page highlights the changed lines
    compared = reviewer.get(f"/van-ban-di/{doc.pk}/so-sanh/?a={v1.pk}&b={v2.pk}").content.decode()
    assert "+2 dòng thêm" in compared and "−1 dòng bỏ" in compared
    assert f"<del>{V1[2]}</del>" in compared and f"<ins>{V2[4]}</ins>" in compared
    # without a choice the last two versions are compared
    assert "+2 dòng thêm" in reviewer.get(f"/van-ban-di/{doc.pk}/so-sanh/").content.decode()


def test_answer_errors_are_shown_and_change_nothing(ow: OutgoingWorld) -> None:  # noqa: F811
    from outgoing import reviews

    w = ow.w
    doc = docx_draft(ow)
    reviews.review_request(
        actor=w.specialist,
        document=doc,
        deadline=timezone.localdate() + timedelta(days=3),
        reviewer_ids=[w.specialist2.pk],
    )
    comment = reviews.comment_add(actor=w.specialist2, document=doc, version_id=None, text="Sửa tiêu đề.")
    v1 = doc.versions.get()
    fragment = (
        login(w.specialist)
        .post(
            f"/van-ban-di/{doc.pk}/y-kien/{comment.pk}/tra-loi/",
            {"text": "Đã sửa", "version_id": str(v1.pk)},
            HTTP_HX_REQUEST="true",
        )
        .content.decode()
    )
    assert "Phiên bản tiếp thu phải mới hơn phiên bản 1" in fragment
    # the reviewer cannot answer (no form, and a forged post is refused)
    assert "/tra-loi/" not in login(w.specialist2).get(f"/van-ban-di/{doc.pk}/").content.decode()
    forged = login(w.specialist2).post(
        f"/van-ban-di/{doc.pk}/y-kien/{comment.pk}/tra-loi/", {"text": "x"}, HTTP_HX_REQUEST="true"
    )
    assert "/tra-loi/" not in forged.content.decode()  # the redrawn comment offers no answer form
    response = login(w.specialist2).post(
        f"/van-ban-di/{doc.pk}/y-kien/{comment.pk}/tra-loi/", {"text": "Tự trả lời"}, follow=True
    )
    assert "Chỉ người soạn thảo mới trả lời ý kiến góp ý." in response.content.decode()
    comment.refresh_from_db()
    assert comment.answer == "" and comment.answered_at is None
