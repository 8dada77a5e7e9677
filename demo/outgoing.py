"""A few outgoing drafts of the provincial committee, made from the templates through the real services,
so that the drafting screens show something: a notice in approval, a letter still being drafted, a plan
waiting for the head of the unit. Their PDFs are made by the worker (tasks enqueued here)."""

from __future__ import annotations

from dataclasses import dataclass

from demo.orgdata import MAIN_ORG, Created
from outgoing.models import OutgoingDocument
from outgoing.services import Draft, outgoing_approve, outgoing_create, outgoing_submit
from outgoing.states import SignerCapacity


@dataclass(frozen=True)
class DraftSpec:
    doc_type: str
    subject: str
    content: tuple[str, ...]
    recipients: tuple[str, ...]  # organization keys of the demo
    outside: tuple[str, ...] = ()
    addressees: tuple[str, ...] = ()
    submit: bool = False
    approvals: int = 0  # steps already approved (truongphong, then lanhdao)


DRAFTS = [
    DraftSpec(
        "TB",
        "Lịch làm việc của Thường trực Tỉnh ủy tháng tới",
        (
            "Thường trực Tỉnh ủy thông báo lịch làm việc định kỳ với các ban đảng, đảng ủy trực thuộc:",
            "Thứ Hai hằng tuần: giao ban Thường trực Tỉnh ủy với lãnh đạo các ban đảng Tỉnh ủy.",
            "Thứ Năm tuần thứ hai: làm việc với các đảng ủy phường về tiến độ thực hiện nghị quyết đại hội.",
            "Đề nghị các cơ quan, đơn vị chuẩn bị nội dung và gửi về Văn phòng Tỉnh ủy trước hai ngày.",
        ),
        ("BTCTU", "UBKTTU", "DU_BENTHUY", "DU_TRUONGTHI"),
        outside=("Báo Sông Lam",),
        submit=True,
        approvals=1,
    ),
    DraftSpec(
        "CV",
        "Đề nghị báo cáo kết quả chuyển đổi số trong cơ quan đảng năm nay",
        (
            "Thực hiện chương trình công tác năm, Ban Thường vụ Tỉnh ủy đề nghị các cơ quan, đơn vị báo cáo "
            "kết quả chuyển đổi số, trọng tâm là việc gửi, nhận văn bản điện tử và ký số.",
            "Báo cáo gửi về Văn phòng Tỉnh ủy (qua Phòng Tổng hợp) trước ngày 25 của tháng cuối quý.",
        ),
        ("BTCTU", "BTGDVTU", "DU_BENTHUY"),
        addressees=("Các ban đảng Tỉnh ủy", "Các đảng ủy trực thuộc Tỉnh ủy"),
    ),
    DraftSpec(
        "KH",
        "Tổ chức hội nghị sơ kết công tác văn thư, lưu trữ sáu tháng",
        (
            "Mục đích: đánh giá công tác văn thư, lưu trữ; rút kinh nghiệm quản lý văn bản điện tử.",
            "Thời gian, địa điểm: một buổi, tại Hội trường Tỉnh ủy.",
            "Phân công: Văn phòng Tỉnh ủy chuẩn bị báo cáo; các đảng ủy trực thuộc tham luận.",
        ),
        ("DU_BENTHUY", "DU_HUNGLOC"),
        submit=True,
    ),
]


def seed_outgoing(created: Created) -> list[OutgoingDocument]:
    users, orgs = created.users, created.orgs
    drafter, signer = users["chuyenvien"], users["bithu"]
    approvers = [users["truongphong"], users["lanhdao"]]
    made: list[OutgoingDocument] = []
    for spec in DRAFTS:
        fields: dict[str, object] = {"content": "\n".join(spec.content)}
        if spec.addressees:
            fields["addressees"] = list(spec.addressees)
        doc = outgoing_create(
            actor=drafter,
            data=Draft(
                doc_type=spec.doc_type,
                subject=spec.subject,
                signer_id=signer.pk,
                signer_capacity=SignerCapacity.ON_BEHALF,
                recipients=[{"organization_id": orgs[key].pk} for key in spec.recipients]
                + [{"name": name} for name in spec.outside],
                fields=fields,
            ),
        )
        assert doc.organization_id == orgs[MAIN_ORG].pk
        if spec.submit:
            outgoing_submit(actor=drafter, document=doc)
            for approver in approvers[: spec.approvals]:
                outgoing_approve(actor=approver, document=doc, note="Đồng ý, trình lãnh đạo.")
        made.append(doc)
    return made
