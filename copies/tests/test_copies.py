"""Making electronic copies: the signed copy, its stamp, trích sao pages, numbering, refusals, delivery."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from copies.models import Copy, CopyRecipient
from copies.services import CopyRequest, copy_create
from copies.tests.conftest import SECRET, CopyWorld, appearance_text, stamp_widgets
from core.errors import InvalidInput, NotAllowed
from core.files import open_blob
from core.models import AuditEvent, Counter, StoredFile
from incoming.models import IncomingDocument
from signing.models import SignatureEvent
from signing.validation import validate_pdf

pytestmark = pytest.mark.django_db

ISO_VN = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$")


def request(cw: CopyWorld, source: Any, form: str = "sao_y", **kwargs: Any) -> CopyRequest:
    kind = {"OutgoingDocument": "outgoing", "IncomingDocument": "incoming", "Copy": "copy"}[
        type(source).__name__
    ]
    return CopyRequest(
        source_kind=kind, source_id=source.pk, form=form, decided_by_id=cw.w.leader.pk, **kwargs
    )


def make(cw: CopyWorld, source: Any, form: str = "sao_y", **kwargs: Any) -> Copy:
    return copy_create(actor=cw.w.clerk, data=request(cw, source, form, **kwargs), secret=SECRET)


def pdf_of(copy: Copy) -> bytes:
    assert copy.file is not None
    return open_blob(copy.file.stored)


def test_sao_y_of_an_issued_signed_document_validates_with_the_copy_stamp_top_right(cw: CopyWorld) -> None:
    # given an issued document signed by the head and sealed by the organisation
    source = cw.issued()
    # when the clerk makes a sao y decided by the office leader
    copy = make(cw, source)
    # then it is numbered in the copies' sequence with the Party "BS" symbol
    assert (copy.number, copy.number_symbol, copy.year) == (
        1,
        "01-BS/TU",
        timezone.localdate(copy.created_at).year,
    )
    assert copy.decided_by == cw.w.leader and copy.source_outgoing == source and copy.page_count == 3
    pdf = pdf_of(copy)
    # and every signature validates: the head's, the seal, and the organisation's copy signature
    report = validate_pdf(pdf)
    assert report.verdict == "valid", report
    assert [(s.role, s.verdict) for s in report.signatures][-1] == ("stamp", "valid")
    assert len(report.signatures) == 3 and report.signatures[-1].covers_whole_document
    # and the stamp is at the top right of page 1, no image, with the exact text
    from pypdf import PdfReader

    [(page, rect, annot)] = stamp_widgets(pdf)
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert page == 0
    assert rect[2] == pytest.approx(float(box.width) - 20, abs=0.1)
    assert rect[3] == pytest.approx(float(box.height) - 20, abs=0.1)
    lines = [line.strip() for line in appearance_text(annot).splitlines() if line.strip()]
    assert lines[:2] == ["SAO Y", "TỈNH ỦY SÔNG LAM"], lines
    assert len(lines) == 3 and ISO_VN.match(lines[2]), lines
    # and the signature, the copy and its audit are recorded
    event = SignatureEvent.objects.get(document_kind="copy", document_id=copy.pk)
    assert event.role == "stamp" and event.certificate == cw.seal and event.actor == cw.w.clerk
    audit = AuditEvent.objects.filter(action="copy.create").get()
    assert audit.data["number_symbol"] == "01-BS/TU" and audit.data["decided_by"] == cw.w.leader.pk


def test_trich_sao_holds_only_the_chosen_pages(cw: CopyWorld) -> None:
    from pypdf import PdfReader

    # given a registered incoming document of 4 pages (a scanned paper original)
    source = cw.incoming()
    # when the clerk extracts pages 2 and 4
    copy = make(cw, source, "trich_sao", pages="4, 2")
    # then the copy has exactly those pages, in order, signed and stamped "TRÍCH SAO"
    pdf = pdf_of(copy)
    texts = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]
    assert [t.strip().rsplit(" ", 1)[-1] for t in texts] == ["2", "4"]
    assert copy.pages == "2, 4" and copy.page_count == 2 and copy.from_paper
    assert validate_pdf(pdf).verdict == "valid"
    [(page, _rect, annot)] = stamp_widgets(pdf)
    assert page == 0 and appearance_text(annot).splitlines()[0].strip() == "TRÍCH SAO"


@pytest.mark.parametrize("pages", ["", "0", "5", "3-1", "a", "1,,x"])
def test_trich_sao_refuses_bad_pages(cw: CopyWorld, pages: str) -> None:
    source = cw.incoming()
    with pytest.raises(InvalidInput):
        make(cw, source, "trich_sao", pages=pages)
    assert not Copy.objects.exists() and not Counter.objects.filter(scope__startswith="copies:").exists()


def test_numbering_is_common_to_all_forms_gap_free_and_restarts_on_1_january(
    cw: CopyWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    import copies.services

    source = cw.incoming()
    # the last day of this year, then the first of the next (whatever the year the tests run in)
    last_day = date(timezone.localdate().year, 12, 31)
    monkeypatch.setattr(copies.services, "today", lambda: last_day)
    sao_y = make(cw, source)
    # a wrong password in between takes no number
    with pytest.raises(InvalidInput):
        copy_create(actor=cw.w.clerk, data=request(cw, source), secret="sai-mat-khau")
    trich = make(cw, source, "trich_sao", pages="1")
    sao_luc = make(cw, sao_y, "sao_luc")
    assert [(c.form, c.number_symbol) for c in (sao_y, trich, sao_luc)] == [
        ("sao_y", "01-BS/TU"),
        ("trich_sao", "02-BS/TU"),
        ("sao_luc", "03-BS/TU"),
    ]
    assert sao_luc.source_copy == sao_y and sao_luc.source_incoming == source
    # the sao lục's stamp sits right below the sao y's, both readable, both signatures valid
    (_, first, sy), (_, second, sl) = stamp_widgets(pdf_of(sao_luc))
    assert appearance_text(sy).splitlines()[0].strip() == "SAO Y"
    assert appearance_text(sl).splitlines()[0].strip() == "SAO LỤC"
    assert second[3] == pytest.approx(first[1] - 4, abs=0.2) and second[2] == first[2]
    report = validate_pdf(pdf_of(sao_luc))
    assert [s.verdict for s in report.signatures] == ["valid", "valid"]
    # when the year turns, the sequence starts again from 01
    new_year = last_day + timedelta(days=1)
    monkeypatch.setattr(copies.services, "today", lambda: new_year)
    next_year = make(cw, source)
    assert (next_year.year, next_year.number_symbol) == (new_year.year, "01-BS/TU")


def test_state_profile_symbols_use_the_form() -> None:
    from copies.numbering import format_number_symbol
    from documents.models import DocType
    from orgs.models import Organization

    org = Organization(name="Ủy ban nhân dân tỉnh Sông Lam", abbreviation="UBND", profile="state")
    assert format_number_symbol(org, DocType(code="SY", abbreviation="SY"), 5) == "05/SY-UBND"
    assert format_number_symbol(org, DocType(code="TrS", abbreviation="TrS"), 12) == "12/TrS-UBND"
    party = Organization(name="Văn phòng Tỉnh ủy", abbreviation="VPTU", profile="party")
    assert format_number_symbol(party, DocType(code="BS", abbreviation="BS"), 24) == "24-BS/VPTU"


def snapshot() -> tuple[Any, ...]:
    return (
        Copy.objects.count(),
        CopyRecipient.objects.count(),
        IncomingDocument.objects.count(),
        StoredFile.objects.count(),
        SignatureEvent.objects.count(),
        AuditEvent.objects.count(),
        sorted(Counter.objects.values_list("scope", "last_number")),
    )


@pytest.mark.parametrize("secrecy", ["confidential", "secret"])
def test_secret_documents_are_refused(cw: CopyWorld, secrecy: str) -> None:
    source = cw.incoming(secrecy=secrecy)
    before = snapshot()
    with pytest.raises(NotAllowed) as refused:
        make(cw, source)
    assert refused.value.code == "secret_document" and "bí mật nhà nước" in refused.value.message
    # nothing changed but the audited read of the restricted document
    after = snapshot()
    assert after[:5] == before[:5] and after[6] == before[6]
    new_events = AuditEvent.objects.order_by("-seq")[: after[5] - before[5]]
    assert [e.action for e in new_events] == ["incoming.read.file"]


def test_wrong_password_stores_nothing_and_takes_no_number(cw: CopyWorld) -> None:
    source = cw.issued()
    before = snapshot()
    with pytest.raises(InvalidInput):
        copy_create(actor=cw.w.clerk, data=request(cw, source), secret="sai-mat-khau")
    assert snapshot() == before
    assert make(cw, source).number == 1


def test_a_failure_after_signing_rolls_back_number_file_and_record(
    cw: CopyWorld, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    from pathlib import Path

    import copies.services

    source = cw.incoming()
    before = snapshot()
    blobs = {
        p.name for p in Path(settings.STORAGES["default"]["OPTIONS"]["location"]).rglob("*") if p.is_file()
    }

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("delivery failed")

    monkeypatch.setattr(copies.services, "_deliver", broken)
    with pytest.raises(RuntimeError):
        make(cw, source, recipients=[{"organization_id": cw.w.other_org.pk}])
    assert snapshot() == before
    after = {
        p.name for p in Path(settings.STORAGES["default"]["OPTIONS"]["location"]).rglob("*") if p.is_file()
    }
    assert after == blobs  # the signed copy's blob was removed with the transaction


def test_internal_recipient_receives_the_copy_as_an_incoming_document(cw: CopyWorld) -> None:
    source = cw.issued()
    copy = make(cw, source, recipients=[{"organization_id": cw.w.other_org.pk}, {"name": "Báo Sông Lam"}])
    internal, outside = copy.recipients.order_by("id")
    assert outside.name == "Báo Sông Lam" and outside.incoming is None
    received = internal.incoming
    assert received is not None and received.organization == cw.w.other_org
    assert (received.number_symbol, received.channel, received.issuer_name) == (
        "01-BS/TU",
        "internal",
        "Tỉnh ủy Sông Lam",
    )
    assert received.subject == source.subject
    assert received.description.startswith(f"Sao y số 01-BS/TU của Thông báo số {source.number_symbol}")
    from documents.models import Attachment

    attachment = Attachment.objects.get(owner_kind="incoming", owner_id=received.pk)
    assert attachment.stored_id == copy.file.stored_id  # type: ignore[union-attr]
    # and the recipient's clerk sees the copy itself too, the recipient's specialist does not
    from copies.selectors import copy_visible_to

    assert list(copy_visible_to(cw.w.outsider)) == [copy]
    assert list(copy_visible_to(cw.w.specialist2)) == []


@pytest.mark.parametrize(
    ("form", "kind", "code"),
    [("sao_luc", "incoming", "sao_luc_needs_sao_y"), ("sao_y", "copy", "copy_of_copy")],
)
def test_forms_must_match_their_source(cw: CopyWorld, form: str, kind: str, code: str) -> None:
    source = cw.incoming()
    if kind == "copy":
        source = make(cw, source)
    with pytest.raises(InvalidInput) as refused:
        make(cw, source, form)
    assert refused.value.code == code


def test_decider_must_be_a_leader_of_the_organisation(cw: CopyWorld) -> None:
    source = cw.incoming()
    for decider in (cw.w.specialist, cw.w.outsider, None):
        data = request(cw, source)
        data.decided_by_id = decider.pk if decider else None
        with pytest.raises(InvalidInput) as refused:
            copy_create(actor=cw.w.clerk, data=data, secret=SECRET)
        assert refused.value.code == "decider_required"
    assert not Copy.objects.exists()
