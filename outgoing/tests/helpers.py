"""Outgoing test helpers shared by the test modules (here and in web/): personas of the authorisation
matrices, a long content, .docx drafts."""

from __future__ import annotations

import io
from typing import Any

from outgoing.models import OutgoingDocument
from outgoing.services import Draft, outgoing_create
from outgoing.tests.conftest import OutgoingWorld

PERSONAS = ["anonymous", "other_organization", "no_role", "secrecy_too_high", "allowed"]


def persona_user(ow: OutgoingWorld, persona: str, allowed: str) -> Any:
    return {
        "anonymous": None,
        "other_organization": ow.w.outsider,
        "no_role": ow.w.norole,
        "secrecy_too_high": ow.w.lowclear,
        "allowed": getattr(ow.w, allowed),
    }[persona]


CONTENT = "\n".join(
    f"Đoạn {i}: Ban Thường vụ Tỉnh ủy yêu cầu các cấp ủy, tổ chức đảng tập trung lãnh đạo, chỉ đạo "
    f"thực hiện tốt nhiệm vụ chuyển đổi số trong cơ quan đảng, bảo đảm an toàn thông tin & tiến độ."
    for i in range(1, 16)
)


V1 = [
    "THÔNG BÁO",
    "Kết luận của Ban Thường vụ Tỉnh ủy về công tác cán bộ",
    "1. Giao Ban Tổ chức chuẩn bị nhân sự trước ngày 15/01/2027.",
    "2. Văn phòng Tỉnh ủy theo dõi, đôn đốc.",
]


V2 = [
    "THÔNG BÁO",
    "Kết luận của Ban Thường vụ Tỉnh ủy về công tác cán bộ",
    "1. Giao Ban Tổ chức chuẩn bị nhân sự trước ngày 31/01/2027.",
    "2. Văn phòng Tỉnh ủy theo dõi, đôn đốc.",
    "3. Ủy ban Kiểm tra giám sát việc thực hiện.",
]


def make_docx(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_draft(ow: OutgoingWorld, *, secrecy: str = "none") -> OutgoingDocument:
    return outgoing_create(
        actor=ow.w.specialist,
        data=Draft(doc_type="TB", subject="Thông báo kết luận về công tác cán bộ", secrecy=secrecy),
        upload=("thong-bao.docx", make_docx(V1)),
    )
