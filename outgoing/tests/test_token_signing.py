"""Two-step signing with the signer's own token: the server prepares, the token signs, the server embeds."""

from __future__ import annotations

import base64
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256
from django.utils import timezone

from api.tests.helpers import client_for
from core.errors import ApplicationError, Conflict, InvalidInput, NotFound
from core.files import open_blob
from core.models import AuditEvent
from outgoing.tests.conftest import ow  # noqa: F401 - fixture
from outgoing.tests.signing_world import Signed, snapshot
from outgoing.token_signing import outgoing_sign_complete, outgoing_sign_prepare
from signing.client_signing import register_client_certificate
from signing.models import Certificate, ClientSigningSession, SignatureEvent
from signing.pki import Issued
from signing.tests.conftest import (  # noqa: F401 - fixtures shared with the signing tests
    P12_PASSWORD,
    _signing_settings,
    font_dir,
    pki,
    trusted,
)
from signing.validation import validate_pdf

pytestmark = pytest.mark.django_db


class OnToken:
    """The signer's key as it would sit on the token (a software key stands in for the fast tests)."""

    def __init__(self, s: Signed, pki: Any) -> None:  # noqa: F811
        self.leaf: Issued = pki.ca.issue("Lê Văn Bí", "Tỉnh ủy Sông Lam")
        self.s = s
        s.person.is_active = False  # the server-held certificate is not used: the token is
        s.person.save()
        self.certificate: Certificate = register_client_certificate(
            actor=s.ow.secretary, owner=s.ow.secretary, certificate=self.leaf.pem
        )

    def sign(self, data: bytes) -> bytes:
        return self.leaf.key.sign(data, PKCS1v15(), SHA256())


@pytest.fixture
def token(signed: Signed, pki: Any) -> OnToken:  # noqa: F811
    return OnToken(signed, pki)


def test_registering_keeps_only_the_public_certificate(token: OnToken) -> None:
    cert = token.certificate
    assert cert.kind == "client" and bytes(cert.pkcs12_encrypted) == b"" and cert.subject_cn == "Lê Văn Bí"
    again = register_client_certificate(
        actor=token.s.ow.secretary, owner=token.s.ow.secretary, certificate=token.leaf.der
    )
    assert again == cert  # the same certificate twice is one row
    with pytest.raises(InvalidInput) as bad:
        register_client_certificate(actor=token.s.ow.secretary, owner=token.s.ow.secretary, certificate=b"xx")
    assert bad.value.code == "invalid_certificate"
    from core.errors import NotAllowed

    with pytest.raises(NotAllowed):  # nobody registers a certificate for someone else
        register_client_certificate(
            actor=token.s.ow.w.clerk, owner=token.s.ow.secretary, certificate=token.leaf.der
        )


def test_prepare_sign_on_the_token_complete(token: OnToken) -> None:
    o = token.s.ow
    doc = token.s.at_signer_step()
    session = outgoing_sign_prepare(actor=o.secretary, document=doc)
    # what the token signs is the CMS signed attributes (a DER SET), bound to the approved version
    assert bytes(session.to_sign)[:1] == b"\x31" and session.expected_sha256 == doc.versions.get().sha256
    doc.refresh_from_db()
    assert doc.status == "pending_approval" and not SignatureEvent.objects.exists()
    done = outgoing_sign_complete(
        actor=o.secretary,
        document=doc,
        session_token=session.token,
        signature=token.sign(bytes(session.to_sign)),
    )
    assert done.status == "approved" and done.signed_file is not None
    report = validate_pdf(open_blob(done.signed_file.stored))
    assert [s.verdict for s in report.signatures] == ["valid"], report.as_dict()
    assert "Lê Văn Bí" in report.signatures[0].signer
    event = SignatureEvent.objects.get()
    assert event.certificate == token.certificate and event.role == "person"
    assert AuditEvent.objects.filter(action="outgoing.sign", data__how="token").exists()
    session.refresh_from_db()
    assert session.finished_at is not None and bytes(session.prepared_pdf) == b""
    # the session is used up (and the document has moved on)
    with pytest.raises(ApplicationError) as used:
        outgoing_sign_complete(actor=o.secretary, document=doc, session_token=session.token, signature=b"x")
    assert used.value.status == 409


def test_a_wrong_signature_is_refused_and_changes_nothing(token: OnToken, pki: Any) -> None:  # noqa: F811
    o = token.s.ow
    doc = token.s.at_signer_step()
    session = outgoing_sign_prepare(actor=o.secretary, document=doc)
    before = snapshot(doc)
    other_key = pki.ca.issue("Kẻ Giả Mạo", "Nơi khác").key
    for signature in (
        other_key.sign(bytes(session.to_sign), PKCS1v15(), SHA256()),
        token.sign(b"other data"),
    ):
        with pytest.raises(InvalidInput) as bad:
            outgoing_sign_complete(
                actor=o.secretary, document=doc, session_token=session.token, signature=signature
            )
        assert bad.value.code == "bad_client_signature"
    assert snapshot(doc) == before
    # the session is still open: the right signature completes it
    done = outgoing_sign_complete(
        actor=o.secretary,
        document=doc,
        session_token=session.token,
        signature=token.sign(bytes(session.to_sign)),
    )
    assert done.status == "approved"


def test_sessions_expire_and_belong_to_their_signer(token: OnToken) -> None:
    o = token.s.ow
    doc = token.s.at_signer_step()
    session = outgoing_sign_prepare(actor=o.secretary, document=doc)
    signature = token.sign(bytes(session.to_sign))
    with pytest.raises(NotFound):
        outgoing_sign_complete(
            actor=o.w.clerk, document=doc, session_token=session.token, signature=signature
        )
    ClientSigningSession.objects.filter(pk=session.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(Conflict) as expired:
        outgoing_sign_complete(
            actor=o.secretary, document=doc, session_token=session.token, signature=signature
        )
    assert expired.value.code == "session_expired"
    # a new preparation purges the expired one's PDF
    outgoing_sign_prepare(actor=o.secretary, document=doc)
    session.refresh_from_db()
    assert bytes(session.prepared_pdf) == b""


def test_only_the_signer_at_the_signer_step_may_prepare(token: OnToken) -> None:
    from core.errors import NotAllowed

    o = token.s.ow
    doc = token.s.at_signer_step()
    with pytest.raises(NotAllowed):
        outgoing_sign_prepare(actor=o.w.specialist, document=doc)
    token.certificate.is_active = False
    token.certificate.save()
    with pytest.raises(InvalidInput) as none:
        outgoing_sign_prepare(actor=o.secretary, document=doc)
    assert none.value.code == "no_certificate" and not ClientSigningSession.objects.exists()


def test_api_prepare_and_complete(token: OnToken) -> None:
    o = token.s.ow
    doc = token.s.at_signer_step()
    signer = client_for(o.secretary)
    prepared = signer.post(f"/api/v1/outgoing/{doc.pk}/sign/prepare", {}, content_type="application/json")
    assert prepared.status_code == 200, prepared.content
    body = prepared.json()
    assert body["algorithm"] == "RSASSA-PKCS1-v1_5-SHA256" and body["certificate_id"] == token.certificate.pk
    signature = base64.b64encode(token.sign(base64.b64decode(body["to_sign"]))).decode()
    assert (
        client_for(o.w.clerk)
        .post(
            f"/api/v1/outgoing/{doc.pk}/sign/complete",
            {"session": body["session"], "signature": signature},
            content_type="application/json",
        )
        .status_code
        == 404
    )
    done = signer.post(
        f"/api/v1/outgoing/{doc.pk}/sign/complete",
        {"session": body["session"], "signature": signature, "note": "Đồng ý ban hành"},
        content_type="application/json",
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "approved" and done.json()["signed_file"] is not None


# --- end to end: SoftHSM2 as the signer's USB token, the client tool over HTTP ---------------------------


@pytest.mark.django_db(transaction=True)
def test_the_client_tool_signs_with_a_softhsm_token_over_http(
    signed: Signed,
    pki: Any,  # noqa: F811
    live_server: Any,
    tmp_path: Path,
    monkeypatch: Any,
) -> None:
    from signing.tests.tokens import PIN, SOFTHSM_MODULE, init_token
    from tools import dieuhanh_token_sign as tool

    signed.person.is_active = False
    signed.person.save()
    leaf = pki.ca.issue("Lê Văn Bí", "Tỉnh ủy Sông Lam")
    label = init_token(tmp_path, monkeypatch, leaf, "bithu")
    doc = signed.at_signer_step()
    api = tool.Api(live_server.url)
    api.login("bithu", "Demo@2026")
    # the signer registers the certificate read from the token, then signs document by number
    der = tool.token_certificate(SOFTHSM_MODULE, label, "bithu", PIN)
    assert der == leaf.der
    assert tool.register(api, der)["subject"] == "Lê Văn Bí"
    result = tool.sign_document(api, doc.pk, tool.token_signer(SOFTHSM_MODULE, label, "bithu", PIN))
    assert result["status"] == "approved"
    doc.refresh_from_db()
    assert doc.signed_file is not None
    signed_pdf = open_blob(doc.signed_file.stored)
    assert [s.verdict for s in validate_pdf(signed_pdf).signatures] == ["valid"]
    if shutil.which("pdfsig"):  # the independent validator agrees (it is required in CI by other tests)
        path = tmp_path / "signed.pdf"
        path.write_bytes(signed_pdf)
        out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=30).stdout
        assert "Signature is Valid." in out
    # a wrong PIN is the token's refusal, and nothing is signed
    import pkcs11

    with pytest.raises(pkcs11.exceptions.PinIncorrect):
        tool.token_signer(SOFTHSM_MODULE, label, "bithu", "000000")(b"data")
    # the tool's error path: signing again is a clear Vietnamese refusal from the server
    with pytest.raises(tool.ApiError) as again:
        tool.sign_document(api, doc.pk, tool.token_signer(SOFTHSM_MODULE, label, "bithu", PIN))
    assert again.value.status == 409 and again.value.message


# --- screens -----------------------------------------------------------------------------------------------


def test_screens_register_the_token_certificate_and_show_how_to_sign(signed: Signed, pki: Any) -> None:  # noqa: F811
    from django.core.files.uploadedfile import SimpleUploadedFile

    from web.tests.helpers import login

    o = signed.ow
    signed.person.is_active = False
    signed.person.save()
    leaf = pki.ca.issue("Lê Văn Bí", "Tỉnh ủy Sông Lam")
    page = login(o.secretary)
    assert "Ký bằng thiết bị ký (USB token)" in page.get("/chung-thu-so/").content.decode()
    bad = page.post(
        "/chung-thu-so/thiet-bi-ky/", {"certificate": SimpleUploadedFile("x.cer", b"nope")}, follow=True
    )
    assert "Tệp chứng thư số không hợp lệ" in bad.content.decode()
    page.post("/chung-thu-so/thiet-bi-ky/", {"certificate": SimpleUploadedFile("bithu.cer", leaf.der)})
    cert = Certificate.objects.get(kind="client")
    assert cert.person == o.secretary and cert.chain_der  # the intermediate found among known certificates
    doc = signed.at_signer_step()
    html = page.get(f"/van-ban-di/{doc.pk}/").content.decode()
    # the token's way is shown with the command for this document; the password form is not offered for it
    assert 'id="token-command"' in html and "--user bithu" in html and f"sign {doc.pk}</pre>" in html
    assert 'id="form-sign"' not in html
    tool = page.get("/cong-cu/dieuhanh_token_sign.py")
    assert tool.status_code == 200 and b"def sign_document" in tool.content
    # someone who is not at the signer's step sees none of it
    assert 'id="token-command"' not in login(o.w.specialist).get(f"/van-ban-di/{doc.pk}/").content.decode()
