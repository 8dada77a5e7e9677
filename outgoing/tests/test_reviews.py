"""Review rounds on drafts (góp ý dự thảo): ask, comment, answer in a new version, compare, remind."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from api.tests.helpers import client_for
from core import worker as core_worker
from core.calendar import add_working_days
from core.errors import InvalidInput, NotAllowed, NotFound, WrongState
from core.models import AuditEvent
from documents.selectors import document_get_for_user
from notifications.tests.smtp import Inbox, wait_for
from outgoing import reviews
from outgoing.models import Comment, OutgoingDocument, ReviewRequest, ReviewRound, Version
from outgoing.selectors import awaiting_review
from outgoing.services import outgoing_add_version, outgoing_submit
from outgoing.tests.conftest import OutgoingWorld
from outgoing.tests.helpers import PERSONAS, V1, V2, docx_draft, make_docx

pytestmark = pytest.mark.django_db


def in_days(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)


def test_full_round_comments_answered_in_the_next_version_and_compared(ow: OutgoingWorld) -> None:
    w = ow.w
    # given a draft (v1) sent for comments to a colleague, another organization's leader and an outside body
    doc = docx_draft(ow)
    v1 = doc.versions.get()
    review = reviews.review_request(
        actor=w.specialist,
        document=doc,
        deadline=in_days(5),
        reviewer_ids=[w.specialist2.pk, w.outsider.pk],
        outside_names=["Sở Tư pháp"],
        note="Đề nghị góp ý trước hạn.",
    )
    assert review.version == v1 and review.requests.count() == 3
    assert w.specialist2.notifications.filter(kind="review", text__contains="Xin ý kiến góp ý").exists()
    assert w.outsider.notifications.filter(kind="review").exists()
    # when both reviewers comment on v1 and the drafter records the outside body's opinion
    first = reviews.comment_add(
        actor=w.specialist2, document=doc, version_id=v1.pk, text="Nên lùi hạn chuẩn bị nhân sự."
    )
    second = reviews.comment_add(
        actor=w.outsider, document=doc, version_id=v1.pk, text="Bổ sung vai trò Ủy ban Kiểm tra."
    )
    third = reviews.comment_add(
        actor=w.specialist, document=doc, version_id=None, text="Thống nhất.", on_behalf_of="sở tư pháp"
    )
    assert third.on_behalf_of_name == "Sở Tư pháp" and third.version == v1
    assert not ReviewRequest.objects.filter(round=review, responded_at__isnull=True).exists()
    assert w.specialist.notifications.filter(text__contains="Có ý kiến góp ý mới").count() == 2
    # and the drafter uploads v2 answering them
    v2 = outgoing_add_version(
        actor=w.specialist, document=doc, upload=("thong-bao-v2.docx", make_docx(V2)), note="Tiếp thu ý kiến"
    )
    for comment in (first, second):
        reviews.comment_answer(
            actor=w.specialist, document=doc, comment_id=comment.pk, text="Đã tiếp thu.", version_id=v2.pk
        )
    # then the comments stay on v1 with their answers in v2
    answered = list(Comment.objects.filter(document=doc, answered_in=v2).values_list("pk", flat=True))
    assert sorted(answered) == sorted([first.pk, second.pk])
    assert w.specialist2.notifications.filter(text__contains="đã trả lời ý kiến").exists()
    # and comparing v1 with v2 shows exactly the changed lines
    diff = reviews.versions_compare(doc, v1.pk, v2.pk)
    assert diff["a"]["number"] == 1 and diff["b"]["number"] == 2
    changed = [(line["op"], line["text"]) for line in diff["lines"] if line["op"] != "equal"]
    assert changed == [
        ("delete", V1[2]),
        ("insert", V2[2]),
        ("insert", V2[4]),
    ]
    assert diff["counts"] == {"equal": 3, "insert": 2, "delete": 1}
    assert AuditEvent.objects.filter(action="outgoing.comment_answer").count() == 2


def test_compare_reads_pdf_versions_too(ow: OutgoingWorld) -> None:
    from conftest import make_pdf

    # given a PDF draft and a second PDF version
    doc = ow.draft(text="Noi dung ban dau", recipients=[])
    v2 = outgoing_add_version(
        actor=ow.w.specialist, document=doc, upload=("v2.pdf", make_pdf("Noi dung da sua"))
    )
    v1 = doc.versions.get(number=1)
    # when they are compared
    diff = reviews.versions_compare(doc, v1.pk, v2.pk)
    # then the old line is deleted and the new one inserted
    assert [line["op"] for line in diff["lines"]] == ["delete", "insert"]
    assert "Noi dung da sua" in diff["lines"][1]["text"]


def test_deadline_in_the_past_is_refused_and_nothing_is_created(ow: OutgoingWorld) -> None:
    doc = docx_draft(ow)
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as error:
        reviews.review_request(
            actor=ow.w.specialist, document=doc, deadline=in_days(-1), reviewer_ids=[ow.w.specialist2.pk]
        )
    assert "deadline" in error.value.details and "đã qua" in error.value.message
    assert ReviewRound.objects.count() == 0 and AuditEvent.objects.count() == events


def test_only_the_drafter_asks_and_only_on_a_draft(ow: OutgoingWorld) -> None:
    w = ow.w
    doc = docx_draft(ow)
    with pytest.raises(NotAllowed):
        reviews.review_request(
            actor=w.head, document=doc, deadline=in_days(3), reviewer_ids=[w.specialist2.pk]
        )
    outgoing_submit(actor=w.specialist, document=doc)
    with pytest.raises(WrongState):
        reviews.review_request(
            actor=w.specialist, document=doc, deadline=in_days(3), reviewer_ids=[w.specialist2.pk]
        )
    assert ReviewRound.objects.count() == 0


def test_non_reviewer_comment_is_refused_and_nothing_changes(ow: OutgoingWorld) -> None:
    w = ow.w
    doc = docx_draft(ow)
    reviews.review_request(
        actor=w.specialist, document=doc, deadline=in_days(3), reviewer_ids=[w.specialist2.pk]
    )
    before = (
        Comment.objects.count(),
        AuditEvent.objects.count(),
        ReviewRequest.objects.filter(responded_at__isnull=False).count(),
    )
    for person in (w.head2, w.norole, w.outsider):
        with pytest.raises(NotAllowed):
            reviews.comment_add(actor=person, document=doc, version_id=None, text="Ý kiến không được mời.")
    # the drafter cannot comment as someone who was not asked either
    with pytest.raises(InvalidInput):
        reviews.comment_add(
            actor=w.specialist, document=doc, version_id=None, text="x", on_behalf_of="Sở Tài chính"
        )
    after = (
        Comment.objects.count(),
        AuditEvent.objects.count(),
        ReviewRequest.objects.filter(responded_at__isnull=False).count(),
    )
    assert after == before


def test_approvers_on_the_chain_may_comment_and_closed_rounds_take_no_more(ow: OutgoingWorld) -> None:
    w = ow.w
    doc = docx_draft(ow)
    review = reviews.review_request(
        actor=w.specialist, document=doc, deadline=in_days(3), reviewer_ids=[w.specialist2.pk]
    )
    outgoing_submit(actor=w.specialist, document=doc)
    # the unit head (step 1) comments while the draft waits for approval
    comment = reviews.comment_add(actor=w.head, document=doc, version_id=None, text="Rà soát lại mục 1.")
    assert comment.version.number == 1
    reviews.review_close(actor=w.specialist, document=doc, round_id=review.pk)
    with pytest.raises(NotAllowed):
        reviews.comment_add(actor=w.specialist2, document=doc, version_id=None, text="Muộn.")
    # a reviewer may read the draft but never approves it
    with pytest.raises(NotAllowed):
        from outgoing.services import outgoing_approve

        outgoing_approve(actor=w.specialist2, document=doc)


def test_answer_must_point_to_a_later_version(ow: OutgoingWorld) -> None:
    w = ow.w
    doc = docx_draft(ow)
    v1 = doc.versions.get()
    reviews.review_request(
        actor=w.specialist, document=doc, deadline=in_days(3), reviewer_ids=[w.specialist2.pk]
    )
    comment = reviews.comment_add(actor=w.specialist2, document=doc, version_id=v1.pk, text="Sửa tiêu đề.")
    with pytest.raises(InvalidInput):
        reviews.comment_answer(
            actor=w.specialist, document=doc, comment_id=comment.pk, text="Đã sửa", version_id=v1.pk
        )
    with pytest.raises(NotAllowed):
        reviews.comment_answer(actor=w.specialist2, document=doc, comment_id=comment.pk, text="Tự trả lời")
    comment.refresh_from_db()
    assert comment.answer == "" and comment.answered_at is None
    # an answer without a new version (giải trình) is fine
    reviews.comment_answer(
        actor=w.specialist, document=doc, comment_id=comment.pk, text="Giữ nguyên vì đúng mẫu."
    )
    comment.refresh_from_db()
    assert comment.answer == "Giữ nguyên vì đúng mẫu." and comment.answered_in is None


def test_reviewer_from_another_organization_reads_the_draft(ow: OutgoingWorld) -> None:
    w = ow.w
    doc = docx_draft(ow)
    # given a leader of another organization who cannot see the draft
    with pytest.raises(NotFound):
        document_get_for_user(w.outsider, "outgoing", doc.pk)
    # when the drafter asks that organization for comments
    reviews.review_request(
        actor=w.specialist, document=doc, deadline=in_days(3), organization_ids=[w.other_org.pk]
    )
    assert awaiting_review(w.outsider) == [doc]
    # then its clerks and leaders are told, read the draft and its versions, and answer for it
    assert w.outsider.notifications.filter(kind="review").exists()
    assert document_get_for_user(w.outsider, "outgoing", doc.pk) == doc
    response = client_for(w.outsider).get(f"/api/v1/files/{doc.versions.get().attachment_id}/content")
    assert response.status_code == 200
    comment = reviews.comment_add(actor=w.outsider, document=doc, version_id=None, text="Nhất trí.")
    assert comment.on_behalf_of == w.other_org
    assert awaiting_review(w.outsider) == []


def test_uncleared_person_cannot_be_asked_on_a_secret_draft(ow: OutgoingWorld) -> None:
    w = ow.w
    doc = docx_draft(ow, secrecy="confidential")
    with pytest.raises(InvalidInput) as error:
        reviews.review_request(
            actor=w.specialist, document=doc, deadline=in_days(3), reviewer_ids=[w.specialist2.pk]
        )
    assert "Mật" in error.value.message and ReviewRequest.objects.count() == 0
    with pytest.raises(NotFound):
        document_get_for_user(w.specialist2, "outgoing", doc.pk)
    # a cleared person can be asked, and their read of the secret draft is audited
    reviews.review_request(
        actor=w.specialist, document=doc, deadline=in_days(3), reviewer_ids=[w.outsider.pk]
    )
    document_get_for_user(w.outsider, "outgoing", doc.pk)
    assert AuditEvent.objects.filter(action="outgoing.read.view", actor=w.outsider).exists()


def test_reminder_the_working_day_before_the_deadline_once(
    ow: OutgoingWorld,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from notifications.reminders import send_reminders

    w = ow.w
    today = timezone.localdate()
    doc = docx_draft(ow)
    far = reviews.review_request(
        actor=w.specialist, document=doc, deadline=add_working_days(today, 3), reviewer_ids=[w.head2.pk]
    )
    reviews.review_request(
        actor=w.specialist,
        document=doc,
        deadline=add_working_days(today, 1),
        reviewer_ids=[w.specialist2.pk, w.outsider.pk],
        outside_names=["Sở Tư pháp"],
    )
    reviews.comment_add(actor=w.outsider, document=doc, version_id=None, text="Nhất trí.")
    core_worker.run_pending()  # the requests' own e-mails go first
    wait_for(smtp_server, 1)
    smtp_server.messages.clear()
    # when the reminders run on the working day before the deadline
    with django_capture_on_commit_callbacks(execute=True):
        sent = send_reminders(today)
    # then who has not commented is reminded (the drafter for the outside body), in the app and by e-mail
    assert sent["review"] == 2
    assert w.specialist2.notifications.filter(kind="review_due", text__contains="Sắp hết hạn góp ý").exists()
    assert not w.outsider.notifications.filter(kind="review_due").exists()
    assert not w.head2.notifications.filter(kind="review_due").exists()
    assert w.specialist.notifications.filter(kind="review_due", text__contains="Sở Tư pháp").exists()
    assert core_worker.run_pending() >= 1  # the e-mail is sent by the worker, after the commit
    wait_for(smtp_server, 2)
    recipients = {rcpt for message in smtp_server.messages for rcpt in message.rcpt_tos}
    assert {"chuyenvien2@example.test", "chuyenvien@example.test"} <= recipients
    assert "khongvaitro@example.test" not in recipients and "ngoai@example.test" not in recipients
    # and running again sends nothing more
    count = len(smtp_server.messages)
    with django_capture_on_commit_callbacks(execute=True):
        again = send_reminders(today)
    assert again["review"] == 0
    assert len(smtp_server.messages) == count
    assert ReviewRequest.objects.filter(round=far, reminded_at__isnull=False).count() == 0


# --- the API --------------------------------------------------------------------------------------


def test_review_round_through_the_api(ow: OutgoingWorld) -> None:
    w = ow.w
    doc = docx_draft(ow)
    drafter = client_for(w.specialist)
    asked = drafter.post(
        f"/api/v1/outgoing/{doc.pk}/reviews",
        data={
            "reviewer_ids": [w.specialist2.pk],
            "organization_ids": [w.other_org.pk],
            "outside_names": ["Sở Tư pháp"],
            "deadline": in_days(4).isoformat(),
            "note": "Xin ý kiến",
        },
        content_type="application/json",
    )
    assert asked.status_code == 201, asked.content
    round_data = asked.json()["reviews"][0]
    assert round_data["version"] == 1 and round_data["deadline"] == in_days(4).isoformat()
    assert [r["outside_name"] for r in round_data["requests"]] == [None, None, "Sở Tư pháp"]
    v1 = asked.json()["versions"][0]["id"]
    commented = client_for(w.specialist2).post(
        f"/api/v1/outgoing/{doc.pk}/comments",
        data={"version_id": v1, "text": "Đề nghị sửa mục 1."},
        content_type="application/json",
    )
    assert commented.status_code == 201, commented.content
    cid = commented.json()["id"]
    assert commented.json()["version"] == 1 and commented.json()["answer"] is None
    on_behalf = drafter.post(
        f"/api/v1/outgoing/{doc.pk}/comments",
        data={"version_id": v1, "text": "Nhất trí.", "on_behalf_of": "Sở Tư pháp"},
        content_type="application/json",
    )
    assert on_behalf.json()["on_behalf_of"] == {"organization_id": None, "name": "Sở Tư pháp"}
    v2 = drafter.post(
        f"/api/v1/outgoing/{doc.pk}/versions",
        {"file": SimpleUploadedFile("v2.docx", make_docx(V2)), "note": "Tiếp thu"},
    )
    assert v2.status_code == 201, v2.content
    answered = drafter.post(
        f"/api/v1/outgoing/{doc.pk}/comments/{cid}/answer",
        data={"text": "Đã tiếp thu.", "version_id": v2.json()["id"]},
        content_type="application/json",
    )
    assert answered.status_code == 200, answered.content
    assert answered.json()["answer"]["answered_in"] == 2
    detail = client_for(w.specialist2).get(f"/api/v1/outgoing/{doc.pk}").json()
    assert [(c["version"], c["text"]) for c in detail["comments"]] == [
        (1, "Đề nghị sửa mục 1."),
        (1, "Nhất trí."),
    ]
    assert detail["comments"][0]["answer"]["text"] == "Đã tiếp thu."
    assert detail["reviews"][0]["requests"][0]["responded_at"]
    compared = client_for(w.specialist2).get(f"/api/v1/outgoing/{doc.pk}/compare?a={v1}&b={v2.json()['id']}")
    assert compared.status_code == 200
    assert compared.json()["counts"] == {"equal": 3, "insert": 2, "delete": 1}
    # errors come through the usual mapping
    late = drafter.post(
        f"/api/v1/outgoing/{doc.pk}/reviews",
        data={"reviewer_ids": [w.specialist2.pk], "deadline": in_days(-2).isoformat()},
        content_type="application/json",
    )
    assert (
        late.status_code == 400
        and late.json()["code"] == "invalid_input"
        and "deadline" in late.json()["details"]
    )
    wrong_version = drafter.post(
        f"/api/v1/outgoing/{doc.pk}/comments/{cid}/answer",
        data={"text": "x", "version_id": v1},
        content_type="application/json",
    )
    assert wrong_version.status_code == 400
    outsider_compare = client_for(w.head2).get(f"/api/v1/outgoing/{doc.pk}/compare?a={v1}&b={v1}")
    assert outsider_compare.status_code == 404


# --- authorisation matrix ------------------------------------------------------------------------


def _with_round(ow: OutgoingWorld, secrecy: str) -> OutgoingDocument:
    doc = docx_draft(ow, secrecy=secrecy)
    reviews.review_request(
        actor=ow.w.specialist, document=doc, deadline=in_days(3), reviewer_ids=[ow.w.head.pk]
    )
    return doc


def _review(ow: OutgoingWorld, secrecy: str) -> tuple[OutgoingDocument, str, str, Any]:
    doc = docx_draft(ow, secrecy=secrecy)
    payload = {"reviewer_ids": [ow.w.head.pk], "deadline": in_days(3).isoformat()}
    return doc, "post", f"/api/v1/outgoing/{doc.pk}/reviews", payload


def _comment(ow: OutgoingWorld, secrecy: str) -> tuple[OutgoingDocument, str, str, Any]:
    doc = _with_round(ow, secrecy)
    payload = {"version_id": doc.versions.get().pk, "text": "Ý kiến góp ý."}
    return doc, "post", f"/api/v1/outgoing/{doc.pk}/comments", payload


def _answer(ow: OutgoingWorld, secrecy: str) -> tuple[OutgoingDocument, str, str, Any]:
    doc = _with_round(ow, secrecy)
    comment = reviews.comment_add(actor=ow.w.head, document=doc, version_id=None, text="Sửa mục 2.")
    return doc, "post", f"/api/v1/outgoing/{doc.pk}/comments/{comment.pk}/answer", {"text": "Đã tiếp thu."}


def _compare(ow: OutgoingWorld, secrecy: str) -> tuple[OutgoingDocument, str, str, Any]:
    doc = _with_round(ow, secrecy)
    v2 = outgoing_add_version(actor=ow.w.specialist, document=doc, upload=("v2.docx", make_docx(V2)))
    v1 = doc.versions.get(number=1)
    return doc, "get", f"/api/v1/outgoing/{doc.pk}/compare?a={v1.pk}&b={v2.pk}", None


OPERATIONS: dict[str, tuple[Callable[[OutgoingWorld, str], tuple[OutgoingDocument, str, str, Any]], str]] = {
    "review": (_review, "specialist"),
    "comment": (_comment, "head"),
    "answer": (_answer, "specialist"),
    "compare": (_compare, "head"),
}


def snapshot(doc: OutgoingDocument) -> tuple[Any, ...]:
    return (
        ReviewRound.objects.filter(document=doc).count(),
        ReviewRequest.objects.filter(round__document=doc).count(),
        ReviewRequest.objects.filter(round__document=doc, responded_at__isnull=False).count(),
        Comment.objects.filter(document=doc).count(),
        list(Comment.objects.filter(document=doc).values_list("answer", "answered_at")),
        Version.objects.filter(document=doc).count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_review_authorization_matrix(ow: OutgoingWorld, operation: str, persona: str) -> None:
    setup, allowed = OPERATIONS[operation]
    doc, method, url, payload = setup(ow, "confidential" if persona == "secrecy_too_high" else "none")
    user = {
        "anonymous": None,
        "other_organization": ow.w.outsider,
        "no_role": ow.w.norole,
        "secrecy_too_high": ow.w.lowclear,
        "allowed": getattr(ow.w, allowed),
    }[persona]
    before = snapshot(doc)
    client = client_for(user)
    if method == "get":
        response = client.get(url)
    else:
        response = client.post(url, data=payload, content_type="application/json")
    if persona == "allowed":
        assert response.status_code in (200, 201), response.content
        if operation != "compare":
            assert snapshot(doc) != before
        return
    assert response.status_code == (401 if persona == "anonymous" else 404), (persona, response.content)
    assert snapshot(doc) == before


def test_visible_but_not_asked_is_403_and_changes_nothing(ow: OutgoingWorld) -> None:
    # the organization's clerk sees every draft of it but was not asked and is not on the chain
    doc = _with_round(ow, "none")
    before = snapshot(doc)
    response = client_for(ow.w.clerk).post(
        f"/api/v1/outgoing/{doc.pk}/comments", data={"text": "x"}, content_type="application/json"
    )
    assert response.status_code == 403 and response.json()["code"] == "not_allowed"
    response = client_for(ow.w.head).post(
        f"/api/v1/outgoing/{doc.pk}/reviews",
        data={"reviewer_ids": [ow.w.specialist2.pk], "deadline": in_days(2).isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert snapshot(doc) == before
