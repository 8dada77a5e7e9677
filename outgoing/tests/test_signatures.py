"""The signer signs the approved version, the clerk seals at issuance (issue 4, slice 2)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from api.tests.helpers import client_for
from conftest import make_pdf
from core import worker
from core.files import open_blob
from outgoing.models import Version
from outgoing.tests.helpers import PERSONAS, persona_user
from outgoing.tests.signing_world import Signed, snapshot
from signing.models import SignatureEvent
from signing.tests.conftest import (  # noqa: F401 - fixtures shared with the signing tests
    P12_PASSWORD,
    Pki,
    _signing_settings,
    font_dir,
    pki,
    trusted,
)
from signing.validation import validate_pdf

pytestmark = pytest.mark.django_db


def _stored(attachment: Any) -> Any:
    assert attachment is not None
    return attachment.stored


def fields_of(pdf: bytes) -> dict[str, Any]:
    from pypdf import PdfReader

    return {k: v.get("/V") for k, v in (PdfReader(io.BytesIO(pdf)).get_fields() or {}).items()}


def test_sign_then_issue_with_the_seal_validates_and_is_delivered(signed: Signed) -> None:
    from outgoing.drafting import formfields
    from outgoing.services import outgoing_issue
    from outgoing.signatures import outgoing_sign

    ow = signed.ow
    signed.add_seal()
    doc = signed.at_signer_step()
    # when the signer signs with the right password
    doc = outgoing_sign(actor=ow.secretary, document=doc, secret=P12_PASSWORD)
    # then the approved version is signed and locked (approved, waiting for the clerk)
    assert doc.status == "approved" and doc.signed_file_id is not None
    approval = doc.approvals.get(step=3)
    assert approval.approver == ow.secretary and approval.version == doc.versions.get()
    signed_pdf = open_blob(_stored(doc.signed_file))
    assert formfields.has_issue_fields(signed_pdf)
    assert [s.verdict for s in validate_pdf(signed_pdf).signatures] == ["valid"]
    # when the clerk issues with the seal password
    doc = outgoing_issue(actor=ow.w.clerk, document=doc, secret=P12_PASSWORD)
    assert doc.number_symbol == "01-TB/TU" and doc.issued_file_id is not None
    issued = open_blob(_stored(doc.issued_file))
    # then both signatures validate as valid: filling the number is form filling, not tampering
    report = validate_pdf(issued)
    assert [(s.role, s.signer, s.verdict) for s in report.signatures] == [
        ("person", "Lê Văn Bí", "valid"),
        ("seal", "Tỉnh ủy Sông Lam", "valid"),
    ], report
    assert report.signatures[0].modification_level == "FORM_FILLING"
    assert report.signatures[-1].covers_whole_document and report.verdict == "valid"
    # the number's digits are in the number field, the date in its fields
    values = fields_of(issued)
    assert values[formfields.NUMBER] == "01" and values[formfields.DAY] and values[formfields.MONTH]
    # the internal recipient received the sealed PDF
    recipient = doc.recipients.get(organization=ow.w.other_org)
    assert recipient.status == "delivered" and recipient.incoming is not None
    assert _main_attachment(recipient.incoming).stored_id == _stored(doc.issued_file).pk
    assert [e.role for e in SignatureEvent.objects.filter(document_kind="outgoing", document_id=doc.pk)] == [
        "seal",
        "person",
    ]
    # and the document page shows the verdict on the signed and the issued PDF once the worker checked them
    from django.test import Client

    from core import worker

    assert worker.run_pending() >= 2
    page = Client()
    page.force_login(ow.w.clerk)
    html = page.get(f"/van-ban-di/{doc.pk}/").content.decode()
    assert html.count('data-verdict="valid"') == 2 and "Lê Văn Bí" in html


def _main_attachment(incoming: Any) -> Any:
    from documents.models import Attachment

    return Attachment.objects.filter(owner_kind="incoming", owner_id=incoming.pk).order_by("position", "id")[
        0
    ]


def test_pdfsig_says_both_signatures_are_valid(signed: Signed, pki: Pki, tmp_path: Path) -> None:  # noqa: F811
    from outgoing.services import outgoing_issue
    from outgoing.signatures import outgoing_sign
    from signing.tests.helpers import nss_db, pdfsig

    signed.add_seal()
    doc = outgoing_sign(actor=signed.ow.secretary, document=signed.at_signer_step(), secret=P12_PASSWORD)
    doc = outgoing_issue(actor=signed.ow.w.clerk, document=doc, secret=P12_PASSWORD)
    path = tmp_path / "issued.pdf"
    path.write_bytes(open_blob(_stored(doc.issued_file)))
    theirs = pdfsig(path, nss_db(tmp_path, pki))
    assert [s["Signer Certificate Common Name"] for s in theirs] == ["Lê Văn Bí", "Tỉnh ủy Sông Lam"]
    assert [s["Signature Validation"] for s in theirs] == ["Signature is Valid.", "Signature is Valid."]


def test_wrong_signer_password_changes_nothing(signed: Signed) -> None:
    from core.errors import InvalidInput
    from outgoing.signatures import outgoing_sign

    doc = signed.at_signer_step()
    before = snapshot(doc)
    with pytest.raises(InvalidInput) as raised:
        outgoing_sign(actor=signed.ow.secretary, document=doc, secret="sai-mat-khau")
    assert raised.value.message == "Mật khẩu khóa ký không đúng."
    assert snapshot(doc) == before


def test_wrong_seal_password_numbers_nothing(signed: Signed) -> None:
    from core.errors import InvalidInput
    from outgoing.services import outgoing_issue
    from outgoing.signatures import outgoing_sign

    signed.add_seal()
    doc = outgoing_sign(actor=signed.ow.secretary, document=signed.at_signer_step(), secret=P12_PASSWORD)
    before = snapshot(doc)
    for secret in ("sai-mat-khau", ""):
        with pytest.raises(InvalidInput):
            outgoing_issue(actor=signed.ow.w.clerk, document=doc, secret=secret)
        assert snapshot(doc) == before


def test_worker_leaves_a_signed_document_to_seal_pending_then_the_clerk_finalizes(
    signed: Signed, settings: Any
) -> None:
    from outgoing.services import outgoing_finalize_issue, outgoing_issue
    from outgoing.signatures import outgoing_sign

    signed.add_seal()
    doc = outgoing_sign(actor=signed.ow.secretary, document=signed.at_signer_step(), secret=P12_PASSWORD)
    # given the synchronous finalize failed after the numbering commit (simulated: no secret reaches it)
    from unittest import mock

    with mock.patch("outgoing.services.outgoing_finalize_issue", side_effect=_fail):
        doc = outgoing_issue(actor=signed.ow.w.clerk, document=doc, secret=P12_PASSWORD)
    assert doc.status == "issued" and doc.issued_file_id is None
    # when the worker runs the finalize task: no password, so no unsealed file
    assert worker.run_pending() >= 1
    doc.refresh_from_db()
    assert doc.issued_file_id is None
    # then the clerk's "Hoàn tất phát hành" with the seal password completes it
    doc = outgoing_finalize_issue(document_id=doc.pk, actor=signed.ow.w.clerk, secret=P12_PASSWORD)
    report = validate_pdf(open_blob(_stored(doc.issued_file)))
    assert [s.verdict for s in report.signatures] == ["valid", "valid"]


def _fail(**_kwargs: Any) -> Any:
    from core.errors import ApplicationError

    raise ApplicationError("Bộ chuyển đổi tạm thời không hoạt động.")


def test_signed_without_seal_certificate_is_only_filled(signed: Signed) -> None:
    from outgoing.services import outgoing_issue
    from outgoing.signatures import outgoing_sign

    doc = outgoing_sign(actor=signed.ow.secretary, document=signed.at_signer_step(), secret=P12_PASSWORD)
    doc = outgoing_issue(actor=signed.ow.w.clerk, document=doc)
    report = validate_pdf(open_blob(_stored(doc.issued_file)))
    # the signature is intact and the filled number is form filling, but nothing signs it: the
    # validator says so rather than "valid" (the organisation should have a seal certificate)
    (person,) = report.signatures
    assert person.role == "person" and person.intact and person.trusted
    assert person.modification_level == "FORM_FILLING" and person.verdict == "indeterminate"


def test_pdf_annex_gets_the_text_stamp_when_sealed(signed: Signed) -> None:
    from outgoing.annexes import annex_add
    from outgoing.services import Draft, outgoing_approve, outgoing_create, outgoing_issue, outgoing_submit
    from outgoing.signatures import outgoing_sign

    ow = signed.ow
    signed.add_seal()
    doc = outgoing_create(
        actor=ow.w.specialist,
        data=Draft(doc_type="TB", subject="Thông báo có phụ lục", signer_id=ow.secretary.pk, recipients=[]),
        upload=("du-thao.pdf", make_pdf("du thao")),
    )
    annex_add(
        actor=ow.w.specialist, document=doc, upload=("phu-luc.pdf", make_pdf("phu luc")), title="Phụ lục I"
    )
    outgoing_submit(actor=ow.w.specialist, document=doc)
    outgoing_approve(actor=ow.w.head, document=doc)
    outgoing_approve(actor=ow.w.leader, document=doc)
    doc = outgoing_sign(actor=ow.secretary, document=doc, secret=P12_PASSWORD)
    doc = outgoing_issue(actor=ow.w.clerk, document=doc, secret=P12_PASSWORD)
    annex = doc.annexes.select_related("attachment__stored").get()
    report = validate_pdf(open_blob(annex.attachment.stored))
    assert [(s.role, s.verdict) for s in report.signatures] == [("stamp", "valid")]


def test_a_version_other_than_the_approved_one_cannot_be_signed(signed: Signed) -> None:
    from core.errors import Conflict
    from documents.models import Attachment
    from outgoing.signatures import outgoing_sign

    doc = signed.at_signer_step()
    v1 = doc.versions.get()
    # the page showed another version than the one approved
    before = snapshot(doc)
    with pytest.raises(Conflict) as raised:
        outgoing_sign(actor=signed.ow.secretary, document=doc, secret=P12_PASSWORD, version_sha256="0" * 64)
    assert raised.value.code == "version_mismatch"
    # a version slipped in after the earlier approvals (they bind to version 1)
    v2 = Version.objects.create(
        document=doc,
        number=2,
        attachment=Attachment.objects.create(
            stored=v1.pdf.stored, name="x.pdf", owner_kind="outgoing", owner_id=doc.pk
        ),
        sha256=v1.pdf.stored.sha256,
        pdf=v1.pdf,
        created_by=signed.ow.w.specialist,
    )
    with pytest.raises(Conflict):
        outgoing_sign(actor=signed.ow.secretary, document=doc, secret=P12_PASSWORD)
    v2.delete()
    assert snapshot(doc) == before


def test_signer_without_certificate_still_approves_plainly(signed: Signed) -> None:
    from core.errors import InvalidInput
    from outgoing.services import outgoing_approve, outgoing_issue
    from outgoing.signatures import outgoing_sign

    signed.person.is_active = False
    signed.person.save()
    doc = signed.at_signer_step()
    with pytest.raises(InvalidInput) as raised:
        outgoing_sign(actor=signed.ow.secretary, document=doc, secret=P12_PASSWORD)
    assert raised.value.code == "no_certificate"
    outgoing_approve(actor=signed.ow.secretary, document=doc)
    doc = outgoing_issue(actor=signed.ow.w.clerk, document=doc)
    assert doc.signed_file_id is None and doc.issued_file_id is not None


@pytest.mark.parametrize("persona", PERSONAS)
def test_sign_authorization_matrix(signed: Signed, persona: str) -> None:
    doc = signed.at_signer_step(
        secrecy="confidential" if persona == "secrecy_too_high" else "none", recipients=[]
    )
    user = persona_user(signed.ow, persona, "leader")
    if persona == "allowed":
        user = signed.ow.secretary
    before = snapshot(doc)
    response = client_for(user).post(
        f"/api/v1/outgoing/{doc.pk}/sign", data={"secret": P12_PASSWORD}, content_type="application/json"
    )
    if persona == "allowed":
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["status"] == "approved" and body["signed_file"]["id"]
        assert [(s["role"], s["signer"]["id"]) for s in body["signatures"]] == [("person", user.pk)]
        assert body["signatures"][0]["certificate"]["subject"] == "Lê Văn Bí"
        return
    assert response.status_code == (401 if persona == "anonymous" else 404), (persona, response.content)
    assert snapshot(doc) == before


def test_sign_page_offers_ky_so_and_signs(signed: Signed) -> None:
    doc = signed.at_signer_step()
    client = Client()
    client.force_login(signed.ow.secretary)
    page = client.get(f"/van-ban-di/{doc.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="form-sign"' in html and "Ký số" in html
    assert html.index('id="form-sign"') < html.index('id="btn-approve"')  # offered first
    assert 'name="secret"' in html and "hết hạn" in html
    response = client.post(
        f"/van-ban-di/{doc.pk}/sign/",
        {"secret": P12_PASSWORD, "version_sha256": doc.versions.get().sha256},
        follow=True,
    )
    assert "Đã ký số" in response.content.decode()
    doc.refresh_from_db()
    assert doc.status == "approved" and doc.signed_file_id
    # the clerk's issue form asks for the seal password when the organisation has a seal certificate
    signed.add_seal()
    clerk = Client()
    clerk.force_login(signed.ow.w.clerk)
    html = clerk.get(f"/van-ban-di/{doc.pk}/").content.decode()
    assert 'id="btn-issue"' in html and 'id="seal-secret"' in html
    assert "Đã ký số bởi" in html


def test_api_issue_accepts_the_seal_secret(signed: Signed) -> None:
    from outgoing.signatures import outgoing_sign

    signed.add_seal()
    doc = outgoing_sign(actor=signed.ow.secretary, document=signed.at_signer_step(), secret=P12_PASSWORD)
    client = client_for(signed.ow.w.clerk)
    wrong = client.post(
        f"/api/v1/outgoing/{doc.pk}/issue", data={"secret": "x"}, content_type="application/json"
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "wrong_password"
    ok = client.post(
        f"/api/v1/outgoing/{doc.pk}/issue", data={"secret": P12_PASSWORD}, content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["number_symbol"] == "01-TB/TU"
    assert [s["role"] for s in ok.json()["signatures"]] == ["person", "seal"]


def test_signing_a_document_not_waiting_for_signature_is_a_wrong_state(signed: Signed) -> None:
    from core.errors import WrongState
    from outgoing.signatures import outgoing_sign

    ow = signed.ow
    doc = ow.draft()  # still a draft: nothing to sign yet
    before = snapshot(doc)
    with pytest.raises(WrongState):
        outgoing_sign(actor=ow.secretary, document=doc, secret=P12_PASSWORD)
    assert snapshot(doc) == before
