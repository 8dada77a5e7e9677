"""The "must show" journey (issue 3) through the API only, as a new API user would, for three documents:
a Party thông báo and a Party công văn of the provincial committee, and a State quyết định.

Draft from the template with JSON fields → two reviewers comment → version 2 with edited fields, the
comments answered in it → compare v1/v2 → submit → three approval steps (the third signs) → issue →
the issued PDF listed first → delivery receipt → the recipient's clerk finds the incoming document
(channel internal, same number-symbol) and downloads the file, which carries number, date and v2 text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import World
from core import worker
from outgoing.states import SignerCapacity
from outgoing.tests.conftest import OutgoingWorld, StateWorld
from outgoing.tests.pdftext import page_text

pytestmark = pytest.mark.django_db

V1 = "Ban Thường vụ Tỉnh ủy yêu cầu triển khai nội dung dự thảo lần một."
V2 = "Nội dung đã sửa theo góp ý: triển khai trước ngày 15 tháng 12."


def login(username: str) -> Client:
    """POST /auth/token with the password, then every call with the Bearer token."""
    response = Client().post(
        "/api/v1/auth/token",
        data={"username": username, "password": "Demo@2026"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return Client(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")


def post(client: Client, url: str, body: dict[str, Any] | None = None, status: int = 200) -> Any:
    response = client.post(url, data=body or {}, content_type="application/json")
    assert response.status_code == status, (url, response.content)
    return response.json()


def get(client: Client, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, (url, response.content)
    return response.json()


def content_of(response: Any) -> bytes:
    assert response.status_code == 200
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


@dataclass
class Case:
    doc_type: str
    subject: str
    drafter: str
    reviewers: list[Any]
    approvers: list[Any]  # the three steps; the last one signs
    signer: Any
    capacity: str
    clerk: str
    internal: Any  # the recipient organization inside the installation
    internal_clerk: str
    number_symbol: str
    extra_fields: dict[str, Any] = field(default_factory=dict)


def party_notice(ow: OutgoingWorld) -> Case:
    w = ow.w
    return Case(
        doc_type="TB",
        subject="Kết luận của Ban Thường vụ Tỉnh ủy về chuyển đổi số",
        drafter=w.specialist.username,
        reviewers=[w.head2, w.specialist2],
        approvers=[w.head, w.leader, ow.secretary],
        signer=ow.secretary,
        capacity=SignerCapacity.ON_BEHALF,
        clerk=w.clerk.username,
        internal=w.other_org,
        internal_clerk=w.outsider.username,
        number_symbol="01-TB/TU",
    )


def party_letter(ow: OutgoingWorld) -> Case:
    w = ow.w
    ow.by_order_route("CV")  # T/L: the Chánh Văn phòng signs after a committee leader agreed
    return Case(
        doc_type="CV",
        subject="Tổ chức hội nghị sơ kết công tác chuyển đổi số",
        drafter=w.specialist.username,
        reviewers=[w.head2, w.specialist2],
        approvers=[w.head, ow.secretary, w.leader],
        signer=w.leader,
        capacity=SignerCapacity.BY_ORDER,
        clerk=w.clerk.username,
        internal=w.other_org,
        internal_clerk=w.outsider.username,
        number_symbol="01-CV/TU",
        extra_fields={"addressees": ["Các ban đảng Tỉnh ủy", "Các đảng ủy trực thuộc Tỉnh ủy"]},
    )


def state_decision(ow: OutgoingWorld) -> Case:
    s = StateWorld(ow.w)
    return Case(
        doc_type="QĐ",
        subject="Về việc ban hành Quy chế quản lý văn bản điện tử",
        drafter=s.drafter.username,
        reviewers=[s.office, s.chair],
        approvers=[s.head, s.office, s.deputy],
        signer=s.deputy,
        capacity=SignerCapacity.DEPUTY,
        clerk=s.clerk.username,
        internal=ow.w.org,  # the provincial committee receives the People's Committee's decision
        internal_clerk=ow.w.clerk.username,
        number_symbol="01/QĐ-UBND",
    )


def _vietnamese_date(on: Any) -> str:
    month = f"{on.month:02d}" if on.month <= 2 else str(on.month)
    return f"ngày {on.day:02d} tháng {month} năm {on.year}"


@pytest.mark.parametrize("make_case", [party_notice, party_letter, state_decision], ids=["TB", "CV", "QD"])
def test_must_show_journey_through_the_api(world: World, ow: OutgoingWorld, make_case: Any) -> None:
    world.org.place_name = "Sông Lam"
    world.org.save()
    case: Case = make_case(ow)
    drafter = login(case.drafter)

    # given a draft made from the type's template with JSON fields
    created = post(
        drafter,
        "/api/v1/outgoing",
        {
            "doc_type": case.doc_type,
            "subject": case.subject,
            "signer_id": case.signer.pk,
            "signer_capacity": case.capacity,
            "recipients": [{"organization_id": case.internal.pk}, {"name": "Báo Sông Lam"}],
            "fields": {"content": V1, **case.extra_fields},
        },
        status=201,
    )
    pk = created["id"]
    v1 = created["versions"][0]
    assert created["status"] == "draft" and v1["number"] == 1 and v1["from_template"]
    assert v1["fields"]["content"] == V1

    # when the drafter asks two reviewers, and both comment on version 1
    deadline = (timezone.localdate() + timedelta(days=5)).isoformat()
    asked = post(
        drafter,
        f"/api/v1/outgoing/{pk}/reviews",
        {"reviewer_ids": [r.pk for r in case.reviewers], "deadline": deadline},
        status=201,
    )
    assert len(asked["reviews"]) == 1
    comments = []
    for number, reviewer in enumerate(case.reviewers, start=1):
        client = login(reviewer.username)
        assert pk in [d["id"] for d in get(client, "/api/v1/outgoing")["items"]]
        comment = post(
            client,
            f"/api/v1/outgoing/{pk}/comments",
            {"version_id": v1["id"], "text": f"Góp ý {number}: nêu rõ thời hạn triển khai."},
            status=201,
        )
        comments.append(comment["id"])

    # and the drafter posts version 2 with edited fields and answers the comments in it
    v2 = post(
        drafter,
        f"/api/v1/outgoing/{pk}/versions",
        {"fields": {"content": V2, **case.extra_fields}, "note": "Sửa theo góp ý"},
        status=201,
    )
    assert v2["number"] == 2 and v2["fields"]["content"] == V2
    for cid in comments:
        answered = post(
            drafter,
            f"/api/v1/outgoing/{pk}/comments/{cid}/answer",
            {"text": "Đã tiếp thu, bổ sung thời hạn.", "version_id": v2["id"]},
        )
        assert answered["id"] == cid and answered["answer"]["answered_in"] == 2
    assert worker.run_pending() >= 2  # the PDFs of both versions

    # then comparing v1 and v2 shows the edit
    diff = get(drafter, f"/api/v1/outgoing/{pk}/compare?a={v1['id']}&b={v2['id']}")
    assert any(V2 in line["text"] for line in diff["lines"] if line["op"] == "insert")
    assert any(V1 in line["text"] for line in diff["lines"] if line["op"] == "delete")

    # when it is submitted and approved through three steps, the third by the signer
    assert post(drafter, f"/api/v1/outgoing/{pk}/submit")["status"] == "pending_approval"
    for step, approver in enumerate(case.approvers, start=1):
        approved = post(login(approver.username), f"/api/v1/outgoing/{pk}/approve", {"note": "Đồng ý"})
        assert approved["approvals"][-1]["step"] == step
    assert approved["status"] == "approved" and approved["signer"]["id"] == case.signer.pk
    assert [a["version"] for a in approved["approvals"]] == [2, 2, 2]

    # and the clerk issues it
    clerk = login(case.clerk)
    issued = post(clerk, f"/api/v1/outgoing/{pk}/issue")
    assert issued["status"] == "issued" and issued["number_symbol"] == case.number_symbol
    worker.run_pending()

    # then the document lists the issued PDF first, then the approved version
    shown = get(drafter, f"/api/v1/outgoing/{pk}")
    assert shown["number_symbol"] == case.number_symbol
    assert shown["files"][0]["content_type"] == "application/pdf"
    assert shown["files"][0]["id"] not in (v1["file_id"], v2["file_id"])
    assert shown["files"][1]["id"] == v2["file_id"]
    assert all(c["answer"] for c in shown["comments"])

    # and the deliveries show the internal recipient's receipt
    deliveries = get(clerk, f"/api/v1/outgoing/{pk}/deliveries")
    internal = next(d for d in deliveries if d["organization_id"] == case.internal.pk)
    assert internal["status_code"] == "delivered" and internal["incoming_id"] and internal["at"]
    assert internal["processing_status"] == "registered"
    assert next(d for d in deliveries if d["recipient"] == "Báo Sông Lam")["status_code"] == "sent_post"

    # and the recipient's clerk sees the new incoming document, internal, with the same number-symbol
    receiver = login(case.internal_clerk)
    items = get(receiver, "/api/v1/incoming")["items"]
    received = next(i for i in items if i["number_symbol"] == case.number_symbol)
    assert received["channel"] == "internal" and received["id"] == internal["incoming_id"]
    document = get(receiver, f"/api/v1/incoming/{received['id']}")
    assert document["channel"] == "internal" and document["subject"] == case.subject
    data = content_of(receiver.get(f"/api/v1/files/{document['files'][0]['id']}/content?download=true"))
    text = page_text(data)
    on = timezone.localdate()
    assert case.number_symbol in text and _vietnamese_date(on) in text
    assert V2 in text.replace("\n", " ") and V1 not in text.replace("\n", " ")
