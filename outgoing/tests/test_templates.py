"""Drafting from templates: the generated PDFs are read back and checked against the layout rules.

HD 36 (Party) and NĐ 30 PL-I (State) sizes, styles and positions are asserted on the PDF itself —
fonts, sizes, bold/italic, which half of the page, vertical order — never against a stored copy.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pdfplumber
import pytest
from django.utils import timezone

from conftest import World
from core import worker
from core.files import open_blob
from outgoing.tests.conftest import OutgoingWorld, StateWorld
from outgoing.tests.helpers import CONTENT
from outgoing.tests.pdftext import Line, find, lines, page_text

PAGE_WIDTH = 595.3  # A4 in points
LEFT_MARGIN = 30 / 25.4 * 72  # 30 mm
RIGHT_MARGIN = 15 / 25.4 * 72
TEXT_CENTRE = (LEFT_MARGIN + PAGE_WIDTH - RIGHT_MARGIN) / 2


def _pdf(attachment: Any) -> bytes:
    return open_blob(attachment.stored)


def _left(line: Line) -> bool:
    return line.centre < PAGE_WIDTH / 2


def _right(line: Line) -> bool:
    return line.centre > PAGE_WIDTH / 2


def _vietnamese_date(on: date) -> str:
    month = f"{on.month:02d}" if on.month <= 2 else str(on.month)
    return f"ngày {on.day:02d} tháng {month} năm {on.year}"


def _draft(ow: OutgoingWorld, doc_type: str, **fields: Any) -> Any:
    from outgoing.services import Draft, outgoing_create
    from outgoing.states import SignerCapacity

    return outgoing_create(
        actor=ow.w.specialist,
        data=Draft(
            doc_type=doc_type,
            subject=fields.pop("subject", "Kết luận của Ban Thường vụ Tỉnh ủy về chuyển đổi số"),
            signer_id=fields.pop("signer", ow.secretary).pk,
            signer_capacity=fields.pop("capacity", SignerCapacity.ON_BEHALF),
            recipients=[{"organization_id": ow.w.other_org.pk}, {"name": "Báo Sông Lam"}],
            fields={"content": CONTENT, **fields},
        ),
    )


def _approve_and_issue(ow: OutgoingWorld, doc: Any, signer: Any | None = None) -> Any:
    from outgoing.services import outgoing_approve, outgoing_issue, outgoing_submit

    w = ow.w
    outgoing_submit(actor=w.specialist, document=doc)
    outgoing_approve(actor=w.head, document=doc)
    outgoing_approve(actor=w.leader, document=doc)
    outgoing_approve(actor=signer or ow.secretary, document=doc)
    outgoing_issue(actor=w.clerk, document=doc)
    doc.refresh_from_db()
    return doc


@pytest.fixture
def party(ow: OutgoingWorld) -> OutgoingWorld:
    from orgs.models import Position

    org = ow.w.org
    org.place_name = "Sông Lam"
    org.save()
    ow.secretary.position = Position.objects.create(organization=org, name="Phó Bí thư Tỉnh ủy", rank=2)
    ow.secretary.save()
    return ow


def test_party_notice_from_template_follows_hd36(party: OutgoingWorld) -> None:
    # given a notice drafted from the built-in Party template, signed "T/M Ban Thường vụ"
    doc = _draft(party, "TB")
    version = doc.versions.get()
    assert version.attachment.name.endswith(".docx") and version.fields["content"] == CONTENT
    assert version.pdf_status == "pending"
    # when the worker converts it
    assert worker.run_pending() >= 1
    version.refresh_from_db()
    assert version.pdf_status == "ready"
    draft = lines(_pdf(version.pdf))
    # then the draft leaves number and date blank for the clerk and says which draft it is
    number = find(draft, "-TB/TU")
    assert number.text.startswith("Số") and not any(ch.isdigit() for ch in number.text.split("-")[0])
    assert find(draft, "Dự thảo lần 1").italic
    assert "ngày" in find(draft, "Sông Lam, ngày").text and "tháng" in find(draft, "Sông Lam, ngày").text

    # when it is approved and issued
    doc = _approve_and_issue(party, doc)
    issued = _pdf(doc.issued_file)
    page = lines(issued)
    today = timezone.localdate()

    heading = find(page, "ĐẢNG CỘNG SẢN VIỆT NAM")
    assert heading.bold and heading.size == pytest.approx(15, abs=0.1) and _right(heading)
    body = find(page, "TỈNH ỦY SÔNG LAM")
    assert body.bold and body.size == pytest.approx(14, abs=0.1) and _left(body)
    assert abs(body.top - heading.top) < 3  # the two header cells start on the same line
    star = next(line for line in page if line.text == "*")
    assert _left(star) and star.top > body.top
    number = find(page, "Số 01-TB/TU")
    assert not number.bold and not number.italic and number.size == pytest.approx(14, abs=0.1)
    assert _left(number) and number.top > star.top
    place = find(page, f"Sông Lam, {_vietnamese_date(today)}")
    assert place.italic and place.size == pytest.approx(14, abs=0.1) and _right(place)
    assert place.top > heading.top
    type_name = find(page, "THÔNG BÁO")
    assert type_name.bold and type_name.size == pytest.approx(16, abs=0.1)
    assert abs(type_name.centre - TEXT_CENTRE) < 6 and type_name.top > number.top
    subject = find(page, "Kết luận của Ban Thường vụ Tỉnh ủy về chuyển đổi số")
    assert subject.bold and subject.size == pytest.approx(14, abs=0.1) and subject.top > type_name.top
    paragraph = find(page, "Đoạn 1:")
    assert paragraph.size == pytest.approx(14, abs=0.1) and not paragraph.bold
    assert paragraph.x0 == pytest.approx(LEFT_MARGIN + 12.7 / 25.4 * 72, abs=3)  # first-line indent
    assert "Dự thảo" not in page_text(issued)

    authority = find(page, "T/M BAN THƯỜNG VỤ")
    assert authority.bold and authority.size == pytest.approx(14, abs=0.1) and _right(authority)
    position = find(page, "PHÓ BÍ THƯ")  # under T/M only BÍ THƯ / PHÓ BÍ THƯ
    assert position.text == "PHÓ BÍ THƯ" and position.top > authority.top and position.page == authority.page
    name = find(page, "Lê Văn Bí")
    assert name.bold and name.size == pytest.approx(14, abs=0.1) and _right(name)
    assert name.top - position.top > 50  # room for the signature image and the seal
    recipients = find(page, "Nơi nhận:")
    assert _left(recipients) and recipients.size == pytest.approx(14, abs=0.1) and not recipients.bold
    assert abs(recipients.top - authority.top) < 15  # recipients and signer side by side
    first = find(page, "- Đảng ủy xã Hưng Lộc,")
    assert first.size == pytest.approx(12, abs=0.1) and first.top > recipients.top
    assert find(page, "- Lưu: VT, TH.").top > first.top

    with pdfplumber.open(io.BytesIO(issued)) as pdf:
        assert len(pdf.pages) == 2
        # HD 36: "Nơi nhận" is underlined
        page_of_recipients = pdf.pages[recipients.page]
        assert any(
            abs(rule["top"] - (recipients.top + recipients.size)) < 4 and rule["x0"] < recipients.x1
            for rule in page_of_recipients.lines + page_of_recipients.rects
        )
        # page numbers: none on page 1, "2" centred in the top margin of page 2
        first_page_top = [w for w in pdf.pages[0].extract_words() if w["top"] < 45]
        assert not first_page_top
        number_two = [w for w in pdf.pages[1].extract_words() if w["top"] < 50]
        assert [w["text"] for w in number_two] == ["2"]
        assert abs((number_two[0]["x0"] + number_two[0]["x1"]) / 2 - TEXT_CENTRE) < 6


def test_party_letter_has_vv_summary_and_addressees(party: OutgoingWorld) -> None:
    from outgoing.services import outgoing_approve, outgoing_issue, outgoing_submit
    from outgoing.states import SignerCapacity

    # T/L: the Chánh Văn phòng signs by order of the Standing Committee, after a committee leader agreed
    party.by_order_route("CV")
    doc = _draft(
        party,
        "CV",
        subject="Tổ chức hội nghị sơ kết công tác chuyển đổi số",
        capacity=SignerCapacity.BY_ORDER,
        signer=party.w.leader,
        addressees=["Các ban đảng Tỉnh ủy", "Các đảng ủy trực thuộc Tỉnh ủy"],
    )
    outgoing_submit(actor=party.w.specialist, document=doc)
    for person in (party.w.head, party.secretary, party.w.leader):
        outgoing_approve(actor=person, document=doc)
    outgoing_issue(actor=party.w.clerk, document=doc)
    doc.refresh_from_db()
    page = lines(_pdf(doc.issued_file))
    number = find(page, "Số 01-CV/TU")
    vv = find(page, "V/v tổ chức hội nghị sơ kết")
    assert vv.italic and vv.size == pytest.approx(12, abs=0.1) and _left(vv) and vv.top > number.top
    assert find(page, "Kính gửi:").top > vv.top
    assert find(page, "- Các ban đảng Tỉnh ủy;").top < find(page, "- Các đảng ủy trực thuộc Tỉnh ủy.").top
    assert "CÔNG VĂN" not in page_text(_pdf(doc.issued_file))
    assert find(page, "T/L BAN THƯỜNG VỤ").bold and find(page, "CHÁNH VĂN PHÒNG").top > 0
    assert find(page, "- Như trên,").size == pytest.approx(12, abs=0.1)


def test_state_decision_follows_nd30(world: World) -> None:
    from outgoing.services import (
        Draft,
        outgoing_approve,
        outgoing_create,
        outgoing_issue,
        outgoing_submit,
    )
    from outgoing.states import SignerCapacity

    s = StateWorld(world)
    doc = outgoing_create(
        actor=s.drafter,
        data=Draft(
            doc_type="QĐ",
            subject="Về việc ban hành Quy chế quản lý văn bản điện tử",
            signer_id=s.deputy.pk,
            signer_capacity=SignerCapacity.DEPUTY,
            recipients=[{"organization_id": world.org.pk}],
            fields={
                "content": "Căn cứ Nghị định số 30/2020/NĐ-CP;\nĐiều 1. Ban hành kèm theo Quyết định này."
            },
        ),
    )
    outgoing_submit(actor=s.drafter, document=doc)
    for person in (s.head, s.office, s.deputy):
        outgoing_approve(actor=person, document=doc)
    outgoing_issue(actor=s.clerk, document=doc)
    doc.refresh_from_db()
    issued = _pdf(doc.issued_file)
    page = lines(issued)

    motto_top = find(page, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert motto_top.bold and motto_top.size == pytest.approx(13, abs=0.1) and _right(motto_top)
    motto = find(page, "Độc lập - Tự do - Hạnh phúc")
    assert motto.bold and motto.size == pytest.approx(14, abs=0.1) and motto.top > motto_top.top
    body = find(page, "ỦY BAN NHÂN DÂN")
    assert body.bold and body.size == pytest.approx(13, abs=0.1) and _left(body)
    number = find(page, "Số: 01/QĐ-UBND")
    assert number.size == pytest.approx(13, abs=0.1) and _left(number) and not number.bold
    assert find(page, f"Sông Lam, {_vietnamese_date(timezone.localdate())}").italic
    type_name = find(page, "QUYẾT ĐỊNH")
    assert type_name.bold and type_name.size == pytest.approx(14, abs=0.1)
    assert abs(type_name.centre - TEXT_CENTRE) < 6
    assert find(page, "KT. CHỦ TỊCH").bold
    position = find(page, "PHÓ CHỦ TỊCH")
    assert position.bold and position.size == pytest.approx(14, abs=0.1)
    assert find(page, "Mai Văn Phó").bold
    recipients = find(page, "Nơi nhận:")
    assert recipients.bold and recipients.italic and recipients.size == pytest.approx(12, abs=0.1)
    listed = find(page, "- Tỉnh ủy Sông Lam;")
    assert listed.size == pytest.approx(11, abs=0.1) and not listed.bold
    assert find(page, "- Lưu: VT, VX.").size == pytest.approx(11, abs=0.1)
    # the Tỉnh ủy receives the issued PDF in its incoming register
    from incoming.models import IncomingDocument

    received = IncomingDocument.objects.get(organization=world.org, number_symbol="01/QĐ-UBND")
    assert received.channel == "internal"


def test_new_version_from_edited_fields_and_office_template(party: OutgoingWorld) -> None:
    from docx import Document

    from core import files
    from outgoing.models import DocumentTemplate
    from outgoing.services import outgoing_add_version

    # an office uploads its own template for notices, with its own variable
    own = Document()
    own.add_paragraph("{{ issuing_body }} | {{ number_line }} | {{ ghi_chu }}")
    own.add_paragraph("{%p for p in paragraphs %}")
    own.add_paragraph("{{ p }}")
    own.add_paragraph("{%p endfor %}")
    buffer = io.BytesIO()
    own.save(buffer)
    checked = files.validate("mau-thong-bao.docx", buffer.getvalue())
    from documents.models import DocType

    DocumentTemplate.objects.create(
        organization=party.w.org,
        doc_type=DocType.objects.get(profile="party", code="TB"),
        stored=files.store(checked),
        name=checked.name,
    )
    doc = _draft(party, "TB", ghi_chu="Mẫu riêng của Văn phòng")
    second = outgoing_add_version(
        actor=party.w.specialist,
        document=doc,
        fields={"content": "Nội dung đã sửa theo góp ý.", "ghi_chu": "Mẫu riêng của Văn phòng"},
        note="Sửa theo góp ý",
    )
    assert second.number == 2 and second.sha256 != doc.versions.get(number=1).sha256
    worker.run_pending()
    second.refresh_from_db()
    text = page_text(_pdf(second.pdf))
    assert "TỈNH ỦY SÔNG LAM | Số" in text and "Mẫu riêng của Văn phòng" in text
    assert "Nội dung đã sửa theo góp ý." in text and "Đoạn 1" not in text


def test_broken_template_and_missing_content_are_refused_with_nothing_stored(party: OutgoingWorld) -> None:
    from core.errors import InvalidInput
    from outgoing.models import OutgoingDocument, Version
    from outgoing.services import Draft, outgoing_create

    with pytest.raises(InvalidInput) as error:
        outgoing_create(
            actor=party.w.specialist,
            data=Draft(doc_type="TB", subject="Thông báo", fields={"content": "   "}),
        )
    assert "nội dung" in error.value.message
    with pytest.raises(InvalidInput):
        outgoing_create(actor=party.w.specialist, data=Draft(doc_type="TB", subject="Thông báo"))
    assert not OutgoingDocument.objects.exists() and not Version.objects.exists()


def test_converter_down_issues_then_worker_completes_once(party: OutgoingWorld, settings: Any) -> None:
    from incoming.models import IncomingDocument

    doc = _draft(party, "TB")
    worker.run_pending()
    settings.LIBREOFFICE_BIN = "/bin/false"  # LibreOffice fails while the clerk issues
    doc = _approve_and_issue(party, doc)
    assert doc.status == "issued" and doc.number == 1 and doc.issued_file is None
    assert not IncomingDocument.objects.filter(organization=party.w.other_org).exists()
    # a version converted while it is down records the failure in Vietnamese
    settings.LIBREOFFICE_BIN = ""
    # when the worker runs the finalize task written in the issuing transaction
    assert worker.run_pending() >= 1
    doc.refresh_from_db()
    assert doc.issued_file is not None and "Số 01-TB/TU" in page_text(_pdf(doc.issued_file))
    assert IncomingDocument.objects.filter(organization=party.w.other_org).count() == 1
    # and running it again delivers nothing twice
    from outgoing.services import outgoing_finalize_issue

    outgoing_finalize_issue(document_id=doc.pk)
    assert IncomingDocument.objects.filter(organization=party.w.other_org).count() == 1


def test_failed_conversion_is_recorded(party: OutgoingWorld, settings: Any) -> None:
    settings.LIBREOFFICE_BIN = "/bin/false"
    doc = _draft(party, "TB")
    worker.run_pending()
    version = doc.versions.get()
    assert version.pdf_status == "failed" and "LibreOffice" in version.pdf_error and version.pdf is None


def test_uploaded_pdf_gets_number_and_date_in_its_blanks(party: OutgoingWorld) -> None:
    """A drafter's own PDF with "Số      -TB/TU" and "ngày    tháng    năm" blanks is filled in."""
    from outgoing.services import Draft, outgoing_create
    from outgoing.tests.pdftext import letterhead_with_blanks

    doc = outgoing_create(
        actor=party.w.specialist,
        data=Draft(
            doc_type="TB", subject="Thông báo", recipients=[{"organization_id": party.w.other_org.pk}]
        ),
        upload=("thong-bao.pdf", letterhead_with_blanks()),
    )
    doc = _approve_and_issue(party, doc)
    words = []
    with pdfplumber.open(io.BytesIO(_pdf(doc.issued_file))) as issued:
        words = issued.pages[0].extract_words()
    on = doc.issued_at.astimezone().date()
    texts = [w["text"] for w in words]
    assert "01" in texts
    month = f"{on.month:02d}" if on.month <= 2 else str(on.month)
    assert f"{on.day:02d}" in texts and month in texts
    number = next(w for w in words if w["text"] == "01")
    assert 100 < number["x0"] < 140  # in the blank between "Số" and "-TB/TU"


def test_finalize_issued_requeues_when_the_task_failed_too(party: OutgoingWorld, settings: Any) -> None:
    from django.core.management import call_command

    from incoming.models import IncomingDocument

    doc = _draft(party, "TB")
    settings.LIBREOFFICE_BIN = "/bin/false"
    doc = _approve_and_issue(party, doc)
    worker.run_pending()  # the safety-net task fails as well while LibreOffice is down
    doc.refresh_from_db()
    assert doc.issued_file is None
    settings.LIBREOFFICE_BIN = ""
    out = io.StringIO()
    call_command("finalize_issued", older_than=0, stdout=out)
    assert "1 văn bản" in out.getvalue()
    worker.run_pending()
    doc.refresh_from_db()
    assert doc.issued_file is not None
    assert IncomingDocument.objects.filter(organization=party.w.other_org).count() == 1
    call_command("finalize_issued", older_than=0, stdout=io.StringIO())  # nothing left to do
    assert worker.run_pending() == 0
