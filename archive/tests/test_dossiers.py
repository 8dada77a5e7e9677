"""The file plan and dossiers: plan copy, open from the plan, a document in two dossiers, closing counts
and immutability, reopening by the office leader, exports (PDF order and index page, XML parse-back)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import date

import pdfplumber
import pytest

from archive import exports, services
from archive.models import Dossier, DossierItem, PlanItem
from archive.selectors import dossier_entries, dossiers_with_document, plan_rows
from archive.tests.conftest import ArchiveWorld
from core.errors import InvalidInput, NotAllowed, WrongState
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_plan_rows_and_copy_to_next_year(aw: ArchiveWorld) -> None:
    # given the 2026 plan with a heading and one dossier kept 20 years
    services.plan_item_add(
        actor=aw.w.clerk,
        plan=aw.plan,
        data=services.PlanItemInput(code="02.TCCB", title="Hồ sơ quy hoạch cán bộ", retention_years=""),
    )
    rows = plan_rows(aw.plan)
    assert [r["item"].code for r in rows if "item" in r] == ["02.TCCB", "01.TCCB"]
    # when the clerk copies it to 2027
    plan27 = services.plan_copy(actor=aw.w.clerk, plan=aw.plan, year=2027)
    # then the headings and dossiers come along, codes and retention kept
    copied = {i.code: i for i in PlanItem.objects.filter(plan=plan27)}
    heading = copied["01.TCCB"].heading
    assert heading is not None
    assert copied["01.TCCB"].retention == "20 năm" and copied["02.TCCB"].retention == "Vĩnh viễn"
    assert heading.title == "Tổ chức, cán bộ" and heading.plan == plan27
    assert AuditEvent.objects.filter(action="archive.plan_copy").count() == 1
    with pytest.raises(Exception, match="đã có danh mục"):
        services.plan_copy(actor=aw.w.clerk, plan=aw.plan, year=2027)


def test_open_from_plan_takes_its_fields(aw: ArchiveWorld) -> None:
    dossier = aw.dossier()
    assert (dossier.code, dossier.year, dossier.retention_years) == ("01.TCCB", 2026, 20)
    assert dossier.title == "Hồ sơ thử" and dossier.creator == aw.w.specialist
    assert AuditEvent.objects.filter(action="archive.dossier_open", target_id=str(dossier.pk)).exists()


def test_one_document_in_two_dossiers_without_copying(aw: ArchiveWorld) -> None:
    doc = aw.incoming()
    first, second = aw.dossier(), aw.dossier(code="05.TH", title="Hồ sơ tổng hợp")
    for dossier in (first, second):
        services.dossier_add_document(actor=aw.w.clerk, dossier=dossier, kind="incoming", document_id=doc.pk)
    assert DossierItem.objects.filter(incoming=doc).count() == 2
    assert set(dossiers_with_document(aw.w.leader, "incoming", doc.pk)) == {first, second}
    with pytest.raises(Exception, match="đã có trong hồ sơ"):
        services.dossier_add_document(actor=aw.w.clerk, dossier=first, kind="incoming", document_id=doc.pk)


def test_close_counts_and_then_no_changes_until_reopened(aw: ArchiveWorld) -> None:
    dossier = aw.dossier()
    doc = aw.incoming(pages=2)
    out = aw.outgoing()
    rec = aw.record(pages=3)
    for kind, pk in (("incoming", doc.pk), ("outgoing", out.pk), ("archive", rec.pk)):
        services.dossier_add_document(actor=aw.w.clerk, dossier=dossier, kind=kind, document_id=pk)
    out_pages = out.issued_file.stored.page_count
    closed = services.dossier_close(actor=aw.w.clerk, dossier=dossier)
    assert closed.status == "closed" and closed.doc_total == 3
    assert closed.page_total == 2 + 3 + out_pages
    assert closed.end_date == max(e.date for e in dossier_entries(closed) if e.date)
    assert closed.transfer_due == closed.end_date.replace(year=closed.end_date.year + 1)
    # immutable while closed
    other = aw.incoming(number_symbol="7-CV/BTCTW")
    before = (DossierItem.objects.count(), AuditEvent.objects.count())
    with pytest.raises(WrongState):
        services.dossier_add_document(actor=aw.w.clerk, dossier=closed, kind="incoming", document_id=other.pk)
    with pytest.raises(WrongState):
        services.dossier_remove_document(
            actor=aw.w.clerk, dossier=closed, kind="incoming", document_id=doc.pk
        )
    with pytest.raises(WrongState):
        services.dossier_update(actor=aw.w.clerk, dossier=closed, changes={"title": "Khác"})
    assert (DossierItem.objects.count(), AuditEvent.objects.count()) == before
    # reopening is the office leader's, with a reason, audited
    with pytest.raises(NotAllowed):
        services.dossier_reopen(actor=aw.w.clerk, dossier=closed, reason="Bổ sung")
    with pytest.raises(InvalidInput):
        services.dossier_reopen(actor=aw.w.leader, dossier=closed, reason=" ")
    reopened = services.dossier_reopen(actor=aw.w.leader, dossier=closed, reason="Bổ sung văn bản")
    assert reopened.status == "open"
    event = AuditEvent.objects.get(action="archive.dossier_reopen")
    assert event.actor == aw.w.leader and event.data["reason"] == "Bổ sung văn bản"
    services.dossier_add_document(actor=aw.w.clerk, dossier=reopened, kind="incoming", document_id=other.pk)


def test_secrecy_follows_the_documents(aw: ArchiveWorld) -> None:
    dossier = aw.dossier()
    secret = aw.incoming(secrecy="confidential", number_symbol="9-BC/BTCTW")
    services.dossier_add_document(actor=aw.w.clerk, dossier=dossier, kind="incoming", document_id=secret.pk)
    dossier.refresh_from_db()
    assert dossier.secrecy == "confidential"
    services.dossier_remove_document(
        actor=aw.w.clerk, dossier=dossier, kind="incoming", document_id=secret.pk
    )
    dossier.refresh_from_db()
    assert dossier.secrecy == "none"


def test_close_refuses_an_empty_dossier(aw: ArchiveWorld) -> None:
    with pytest.raises(InvalidInput, match="chưa có văn bản"):
        services.dossier_close(actor=aw.w.clerk, dossier=aw.dossier())


def _filled(aw: ArchiveWorld) -> Dossier:
    dossier = aw.dossier()
    late = aw.w.register(number_symbol="30-CV/BTCTW", pdf=_pdf("LATE", 1), arrival=date(2026, 1, 5))
    early = aw.record(issued=date(2019, 3, 1), pages=2)
    middle = aw.record(issued=date(2021, 7, 9), pages=1)
    for kind, pk in (("incoming", late.pk), ("archive", early.pk), ("archive", middle.pk)):
        services.dossier_add_document(actor=aw.w.clerk, dossier=dossier, kind=kind, document_id=pk)
    return dossier


def _pdf(text: str, pages: int) -> bytes:
    from conftest import make_pdf

    return make_pdf(text, pages=pages)


def test_dossier_pdf_index_page_then_documents_in_date_order(aw: ArchiveWorld) -> None:
    dossier = _filled(aw)
    data, name, content_type = exports.export_dossier(aw.w.leader, dossier.pk, "pdf")
    assert content_type == "application/pdf" and name.endswith(".pdf")
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        texts = [p.extract_text() or "" for p in pdf.pages]
    assert "MỤC LỤC VĂN BẢN" in texts[0] and "01.TCCB" in texts[0]
    index = texts[0]
    assert index.index("01/03/2019") < index.index("09/07/2021") < index.index("05/01/2026")
    body = texts[1:]
    assert len(body) == 2 + 1 + 1
    assert body[0].startswith("Bao cao tong ket - 1") and body[1].startswith("Bao cao tong ket - 2")
    assert body[2].startswith("Bao cao tong ket - 1") and body[3].startswith("LATE - 1")
    assert AuditEvent.objects.filter(action="archive.dossier_export_pdf").count() == 1


def test_dossier_xml_parses_back_with_the_pl_vi_fields(aw: ArchiveWorld) -> None:
    dossier = _filled(aw)
    data, _name, _ = exports.export_dossier(aw.w.leader, dossier.pk, "xml")
    root = ET.fromstring(data)  # noqa: S314 - our own output
    assert root.tag == "File"
    assert root.findtext("FileCode/OrganId") == "000.00.00.H99"
    assert root.findtext("FileCode/FileCatalog") == "2026"
    assert root.findtext("FileCode/FileNotation") == "01.TCCB"
    assert root.findtext("Title") == "Hồ sơ thử" and root.findtext("Maintenance") == "20 năm"
    assert root.findtext("DocTotal") == "3"
    docs = root.findall("Documents/Document")
    assert [d.findtext("DocOrdinal") for d in docs] == ["1", "2", "3"]
    assert [d.findtext("IssuedDate") for d in docs] == ["2019-03-01", "2021-07-09", "2026-01-05"]
    assert (docs[2].findtext("CodeNumber"), docs[2].findtext("CodeNotation")) == ("30", "CV/BTCTW")
    assert docs[2].get("kind") == "incoming" and docs[2].findtext("ArrivalNumber")
    computer_file = docs[0].find("ComputerFiles/ComputerFile")
    assert computer_file is not None and computer_file.get("sha256")
