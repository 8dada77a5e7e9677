"""Each kind of tampering or doubt is reported exactly, never as "valid"."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfWriter

from conftest import World
from core.errors import InvalidInput
from signing import validation as v
from signing.appearance import Box
from signing.services import certificate_import_pkcs12, sign_bytes
from signing.tests.conftest import P12_PASSWORD, SIGNATURE_BOX, Certs, Pki
from signing.tests.helpers import signed_and_sealed
from signing.validation import validate_pdf

pytestmark = pytest.mark.django_db
BOX = Box(9, *SIGNATURE_BOX)


def person_signed(world: World, cert: Any, pdf: bytes, actor: Any = None) -> bytes:
    return sign_bytes(
        actor=actor or cert.person, certificate=cert, secret=P12_PASSWORD, pdf=pdf, role="person", box=BOX
    )


def imported(world: World, pki: Pki, issued: Any, owner: Any, ca: Any = None) -> Any:
    data = (ca or pki.ca).pkcs12(issued, P12_PASSWORD)
    return certificate_import_pkcs12(actor=world.admin, owner=owner, data=data, password=P12_PASSWORD)


def test_one_byte_changed_is_invalid_integrity(world: World, certs: Certs, ten_pages: bytes) -> None:
    # given a signed document where one byte of the signed content is changed
    pdf = person_signed(world, certs.person, ten_pages)
    at = pdf.index(b"/MediaBox") + len(b"/MediaBox [ 0 0 ")  # first digit of the page width
    tampered = pdf[:at] + (b"4" if pdf[at : at + 1] != b"4" else b"5") + pdf[at + 1 :]
    # when validated
    report = validate_pdf(tampered)
    # then it is invalid because the hash does not match
    sig = report.signatures[0]
    assert (report.verdict, sig.verdict, sig.intact) == ("invalid", "invalid", False)
    assert (
        sig.reason == v.REASON_TAMPERED == "Tài liệu đã bị sửa sau khi ký (nội dung không khớp với chữ ký)."
    )


def test_page_added_by_incremental_update_is_invalid(world: World, certs: Certs, ten_pages: bytes) -> None:
    # given a signed and sealed document to which a page is added afterwards (incremental update)
    pdf = signed_and_sealed(world, certs, ten_pages)
    writer = PdfWriter(io.BytesIO(pdf), incremental=True)
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    # when validated
    report = validate_pdf(out.getvalue())
    # then both signatures are intact but the document was modified after them
    assert report.verdict == "invalid"
    for sig in report.signatures:
        assert sig.intact and sig.trusted
        assert (sig.verdict, sig.modification_level, sig.covers_whole_document) == ("invalid", "OTHER", False)
        assert sig.reason == v.REASON_MODIFIED


def test_unknown_root_is_indeterminate(world: World, pki: Pki, certs: Certs, ten_pages: bytes) -> None:
    # given a document signed with a certificate from a root outside our trust list
    stranger = imported(world, pki, pki.stranger, world.specialist, ca=pki.stranger_ca)
    report = validate_pdf(person_signed(world, stranger, ten_pages))
    # then it is indeterminate: intact, but not trusted
    sig = report.signatures[0]
    assert (report.verdict, sig.verdict, sig.intact, sig.trusted) == (
        "indeterminate",
        "indeterminate",
        True,
        False,
    )
    assert sig.trust_problem == "NO_CERTIFICATE_CHAIN_FOUND"
    assert sig.reason == "Không xác định được: chứng thư không thuộc danh sách tin cậy."


def test_expired_certificate_is_refused_at_signing(
    world: World, pki: Pki, trusted: Any, ten_pages: bytes
) -> None:
    # given an expired certificate of the leader
    expired = imported(world, pki, pki.expired, world.leader)
    # when the leader tries to sign, then it is refused with a clear reason
    with pytest.raises(InvalidInput, match=r"^Chứng thư số đã hết hạn ngày \d\d/\d\d/\d{4}, không thể ký\.$"):
        person_signed(world, expired, ten_pages)


def test_signature_of_expired_certificate_is_indeterminate(pki: Pki, trusted: Any, ten_pages: bytes) -> None:
    # given a document signed (elsewhere, no timestamp) with a certificate that is expired now
    from signing import pades
    from signing.keys import CachedKeySigner, read_pkcs12

    key, cert, chain = read_pkcs12(pki.ca.pkcs12(pki.expired, P12_PASSWORD), P12_PASSWORD)
    from asn1crypto import keys as ak
    from asn1crypto import x509 as ax
    from cryptography.hazmat.primitives import serialization as s
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    signer = CachedKeySigner(
        pyca_key=key,
        signing_cert=ax.Certificate.load(cert.public_bytes(s.Encoding.DER)),
        signing_key=ak.PrivateKeyInfo.load(
            key.private_bytes(s.Encoding.DER, s.PrivateFormat.PKCS8, s.NoEncryption())
        ),
        cert_registry=SimpleCertificateStore.from_certs(
            [ax.Certificate.load(c.public_bytes(s.Encoding.DER)) for c in chain]
        ),
    )
    pdf = pades.sign_pdf(ten_pages, signer=signer, field_name="person", box=BOX)
    # when validated now, then there is no proof it was signed while valid: indeterminate, "expired"
    sig = validate_pdf(pdf).signatures[0]
    assert (sig.verdict, sig.intact, sig.trusted) == ("indeterminate", True, False)
    assert sig.trust_problem == "OUT_OF_BOUNDS_NO_POE"
    assert sig.reason.startswith("Chứng thư số đã hết hạn")


def test_revoked_certificate_is_invalid_with_the_date(
    world: World, pki: Pki, trusted: Any, ten_pages: bytes
) -> None:
    # given a document signed with a certificate revoked two days ago (on the intermediate's CRL)
    revoked = imported(world, pki, pki.revoked, world.leader)
    report = validate_pdf(person_signed(world, revoked, ten_pages))
    # then it is invalid, revoked, with the revocation date
    sig = report.signatures[0]
    when = pki.ca.revoked[0][1].astimezone(v.VN_TZ)
    assert (report.verdict, sig.verdict, sig.revoked) == ("invalid", "invalid", True)
    assert sig.reason == f"Chứng thư số đã bị thu hồi ngày {when:%d/%m/%Y}."
    assert sig.revoked_at is not None and sig.revoked_at.startswith(when.date().isoformat())


def test_offline_without_revocation_data_is_indeterminate_never_valid(
    world: World, certs: Certs, ten_pages: bytes, settings: Any, tmp_path: Any
) -> None:
    # given a good signature, validated offline with no CRL file and no embedded validation data
    pdf = person_signed(world, certs.person, ten_pages)
    settings.SIGNING_CRL_DIR = tmp_path / "no-crls"
    report = validate_pdf(pdf)
    # then the revocation status is unknown: indeterminate, never valid
    sig = report.signatures[0]
    assert (report.verdict, sig.verdict, sig.intact, sig.trusted) == (
        "indeterminate",
        "indeterminate",
        True,
        False,
    )
    assert sig.reason == "Không kiểm tra được tình trạng thu hồi (không kết nối được máy chủ CRL/OCSP)."


def test_bytes_appended_after_last_signature_warn(world: World, certs: Certs, ten_pages: bytes) -> None:
    # given a signed document with bytes appended after its end
    pdf = signed_and_sealed(world, certs, ten_pages) + b"\n% appended later\n"
    report = validate_pdf(pdf)
    # then the last signature carries the warning and the document is not called valid
    last = report.signatures[-1]
    assert report.verdict == "indeterminate"
    assert last.intact and last.trusted and not last.covers_whole_document
    assert last.warnings == [v.REASON_APPENDED]
    assert last.reason == "Có nội dung được thêm sau chữ ký cuối (phần này không được chữ ký nào bảo vệ)."
    assert report.signatures[0].verdict == "valid"  # the earlier signature is covered by the later one


def test_unsigned_and_not_pdf(ten_pages: bytes, trusted: Any) -> None:
    assert validate_pdf(ten_pages).verdict == "unsigned"
    assert validate_pdf(ten_pages).reason == "Tệp không có chữ ký số."
    with pytest.raises(InvalidInput, match=r"^Tệp không phải là PDF\.$"):
        validate_pdf(b"PK\x03\x04 not a pdf")
