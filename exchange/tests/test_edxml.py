"""edXML packages and status messages: written in the structure of regulations §4.2, signed by the sending
organisation, verified against its registered certificate, read back; hand-written packages of another
vendor's style read; tampering, unknown and expired certificates, unsafe XML refused."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from exchange.edxml import build, parse, sign
from exchange.edxml.codes import DS, NS, XLINK, Business, Priority, StatusCode, SteeringType, urgency_of
from exchange.edxml.errors import BadSignature, CertificateExpired, MalformedPackage, UnknownCertificate
from exchange.edxml.model import (
    Attachment,
    Code,
    Package,
    ResponseFor,
    Signer,
    Staff,
    StatusMessage,
    TraceHeader,
    split_number_symbol,
)
from exchange.testing.samples import COMMUNE, PDF, VN, package
from signing.pki import TestPki, utcnow

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def pki() -> TestPki:
    return TestPki.create(root_cn="dieuhanh Exchange Root CA")


@pytest.fixture(scope="module")
def province_key(pki: TestPki):
    return pki.issue("Văn phòng Tỉnh ủy Sông Lam", "Tỉnh ủy Sông Lam")


def signed(p: Package, issued) -> bytes:
    return sign.sign(build.package(p), issued.key, [issued.cert])


def test_a_package_round_trips_through_signing_and_parsing(pki: TestPki, province_key) -> None:
    # Given a package with every field, two recipients and two attachments
    original = package()
    data = signed(original, province_key)
    # When the receiver verifies it against the sender's registered certificate and reads it
    verified = sign.verify(data, [pki.issue("Khác", "Khác").cert, province_key.cert])
    back = parse.parse_package(verified.root)
    # Then it reads exactly what was sent, attachments byte for byte
    assert back == original
    assert back.header.code.number_symbol == "12-TB/TU"
    assert verified.fingerprint == sign.fingerprint(province_key.cert)
    assert parse.kind(verified.root) == "package" and parse.sender_id(verified.root) == "000.00.12.H99"
    # and Vietnamese travels as UTF-8 text, not character references
    assert "Lê Thị Đào".encode() in data and b"&#" not in data.replace(b"&#13;", b"")


def test_an_attachment_larger_than_libxml2s_default_text_limit_is_signed_and_read(province_key) -> None:
    # Given an attachment of 12 MB (16 MB of base64 in one text node; libxml2 refuses 10 MB by default)
    big = bytes(range(256)) * (12 * 4096)
    original = replace(package(), attachments=(Attachment("a1", "ho-so.pdf", "application/pdf", big),))
    # When it is signed, verified and read back
    data = signed(original, province_key)
    back = parse.parse_package(sign.verify(data, [province_key.cert]).root)
    # Then the receiver has it byte for byte
    assert back.attachments[0].data == big


def test_the_package_has_the_structure_of_the_standard(province_key) -> None:
    root = etree.fromstring(signed(package(), province_key))
    q = lambda *names: "/".join(f"e:{n}" for n in names)  # noqa: E731
    ns = {"e": NS, "ds": DS, "xlink": XLINK}
    assert etree.QName(root).namespace == NS and root.prefix == "edXML"
    header = root.find(q("edXMLEnvelope", "edXMLHeader"), ns)
    assert [etree.QName(c).localname for c in header] == ["MessageHeader", "TraceHeaderList", "Signature"]
    message = header.find("e:MessageHeader", ns)
    assert [etree.QName(c).localname for c in message] == [
        "From", "To", "To", "Code", "PromulgationInfo", "DocumentType", "Subject", "Content", "SignerInfo",
        "DueDate", "ToPlaces", "OtherInfo", "ResponseFor", "SteeringType", "DocumentId",
    ]  # fmt: skip
    assert [etree.QName(c).localname for c in message.find("e:From", ns)] == [
        "OrganId", "OrganizationInCharge", "OrganName", "OrganAdd", "Email", "Telephone", "Fax", "Website",
    ]  # fmt: skip
    assert message.findtext(q("Code", "CodeNumber"), namespaces=ns) == "12"
    assert message.findtext(q("Code", "CodeNotation"), namespaces=ns) == "TB/TU"
    assert message.findtext(q("PromulgationInfo", "PromulgationDate"), namespaces=ns) == "2026/11/30"
    assert message.findtext(q("OtherInfo", "Priority"), namespaces=ns) == "2"
    assert [etree.QName(c).localname for c in message.find("e:OtherInfo", ns)] == [
        "Priority", "SphereOfPromulgation", "TyperNotation", "PromulgationAmount", "PageAmount", "Appendixes",
    ]  # fmt: skip
    assert message.findtext("e:DocumentId", namespaces=ns) == "000.00.12.H99,2026/11/30,12-TB/TU"
    trace = header.find("e:TraceHeaderList", ns)
    assert trace.get("id") == "5d0f3c1e-7b8a-4c2d-9e1f-0a1b2c3d4e5f" and trace.get("version") == "1.0"
    assert trace.findtext(q("TraceHeader", "Timestamp"), namespaces=ns) == "2026/11/30 09:15:02"
    business = trace.find("e:Bussiness", ns)
    assert [etree.QName(c).localname for c in business] == [
        "BussinessDocType", "BussinessDocReason", "BussinessDocumentInfo", "DocumentId", "StaffInfo", "Paper",
        "ReplacementInfoList",
    ]  # fmt: skip
    assert business.findtext("e:BussinessDocType", namespaces=ns) == "3"
    assert business.findtext(
        q("ReplacementInfoList", "ReplacementInfo", "OrganIdList", "OrganId"), namespaces=ns
    )
    # the signature: enveloped, exclusive C14N, rsa-sha256 over the whole message, with the certificate
    signature = header.find("ds:Signature", ns)
    assert signature.find("ds:SignedInfo/ds:CanonicalizationMethod", ns).get("Algorithm") == (
        "http://www.w3.org/2001/10/xml-exc-c14n#"
    )
    assert signature.find("ds:SignedInfo/ds:SignatureMethod", ns).get("Algorithm").endswith("rsa-sha256")
    assert signature.find("ds:SignedInfo/ds:Reference", ns).get("URI") == ""
    assert signature.find("ds:KeyInfo/ds:X509Data/ds:X509Certificate", ns) is not None
    # the body: a manifest referencing the attachments by cid:, encoded outside the envelope
    references = root.findall(q("edXMLEnvelope", "edXMLBody", "edXMLManifest", "Reference"), ns)
    assert [r.get(f"{{{XLINK}}}href") for r in references] == ["cid:a1", "cid:a2"]
    attachments = root.findall(q("AttachmentEncoded", "Attachment"), ns)
    assert [etree.QName(c).localname for c in attachments[0]] == [
        "ContentType", "ContentId", "Description", "ContentTransferEncoded", "AttachmentName",
    ]  # fmt: skip
    assert base64.b64decode(attachments[0].findtext("e:ContentTransferEncoded", namespaces=ns)) == PDF


def _status(code: StatusCode, description: str, second: int = 0) -> StatusMessage:
    """The commune's status about the province's 12-TB/TU."""
    return StatusMessage(
        message_id="0b6f0d5e-1111-4222-8333-944455566677",
        response_for=ResponseFor(
            "000.00.12.H99", "12-TB/TU", dt.date(2026, 11, 30), "000.00.12.H99,2026/11/30,12-TB/TU"
        ),
        sender=COMMUNE,
        code=code,
        timestamp=dt.datetime(2026, 11, 30, 10, 0, second, tzinfo=VN),
        description=description,
        staff=Staff(department="Văn phòng Đảng ủy", staff="Phạm Thị Thu"),
    )


def test_a_status_message_round_trips(pki: TestPki) -> None:
    commune = pki.issue("Đảng ủy xã Hòa Bình", "Đảng ủy xã Hòa Bình")
    status = _status(StatusCode.REJECTED, "Gửi nhầm nơi nhận: văn bản không thuộc thẩm quyền của Đảng ủy xã")
    data = sign.sign(build.status(status), commune.key, [commune.cert])
    verified = sign.verify(data, [commune.cert])
    assert parse.kind(verified.root) == "status" and parse.sender_id(verified.root) == "000.12.31.H99"
    assert parse.parse_status(verified.root) == status
    assert StatusCode.REJECTED.label == "Từ chối tiếp nhận"


def test_a_hand_written_package_in_another_vendors_style_is_read() -> None:
    root = parse.read((DATA / "handwritten_package.xml").read_bytes())
    p = parse.parse_package(root)
    h = p.header
    assert p.message_id == "7f0c1e2a-5b1d-4c33-9a51-1f2e3d4c5b6a"
    assert h.sender.organ_id == "000.00.00.H41" and h.sender.organ_name == "Văn phòng UBND tỉnh"
    assert [r.organ_id for r in h.recipients] == ["000.00.12.H41"]
    assert h.code == Code("267", "UBND-VX") and h.code.number_symbol == "267/UBND-VX"
    assert h.promulgation_date == dt.date(2026, 11, 27) and h.due_date == dt.date(2026, 12, 10)
    assert (h.type_code, h.type_name) == ("1", "Công văn")
    assert h.subject.startswith("V/v phối hợp tổ chức Hội nghị tổng kết")
    assert h.signer == Signer("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Văn Đệ")
    assert h.to_places == ("Văn phòng Tỉnh ủy", "Lưu: VT, VX.")
    assert h.priority == Priority.URGENT and urgency_of(h.priority) == "urgent"
    assert h.steering_type == SteeringType.STEERING and h.page_amount == 2
    assert h.appendixes == ("Phụ lục I: Danh sách đại biểu",)
    assert h.document_id == "000.00.00.H41,2026/11/27,267/UBND-VX"
    assert p.traces == (TraceHeader("000.00.00.H41", dt.datetime(2026, 11, 27, 16, 45, 10, tzinfo=VN)),)
    assert p.business.kind == Business.NEW and p.business.staff.staff == "Trần Thị Hà"
    (attachment,) = p.attachments
    assert (attachment.name, attachment.content_type, attachment.description) == (
        "267-UBND-VX.pdf",
        "application/pdf",
        "Văn bản chính",
    )
    assert attachment.data.startswith(b"%PDF-1.4") and attachment.data.endswith(b"%%EOF")


def test_a_status_message_has_the_structure_of_the_standard(pki: TestPki) -> None:
    commune = pki.issue("Đảng ủy xã Hòa Bình", "Đảng ủy xã Hòa Bình")
    status = _status(StatusCode.ASSIGNED, "Giao Ban Tuyên giáo chủ trì", second=5)
    root = etree.fromstring(sign.sign(build.status(status), commune.key, [commune.cert]))
    ns = {"e": NS}
    assert etree.QName(root).namespace == NS and root.prefix == "edXML"
    header = root.find("e:edXMLEnvelope/e:edXMLHeader", ns)
    assert [etree.QName(c).localname for c in header] == ["Status", "Signature"]
    block = header.find("e:Status", ns)
    assert block.get("id") == "0b6f0d5e-1111-4222-8333-944455566677"
    assert [etree.QName(c).localname for c in block] == [
        "ResponseFor", "From", "StatusCode", "Description", "Timestamp", "StaffInfo",
    ]  # fmt: skip
    assert [etree.QName(c).localname for c in block.find("e:ResponseFor", ns)] == [
        "OrganId", "Code", "PromulgationDate", "DocumentId",
    ]  # fmt: skip
    assert block.findtext("e:ResponseFor/e:PromulgationDate", namespaces=ns) == "2026/11/30"
    assert block.findtext("e:StatusCode", namespaces=ns) == "04"
    assert block.findtext("e:Timestamp", namespaces=ns) == "2026/11/30 10:00:05"
    assert [etree.QName(c).localname for c in block.find("e:StaffInfo", ns)] == [
        "Department", "Staff", "Mobile", "Email",
    ]  # fmt: skip
    assert block.findtext("e:From/e:OrganId", namespaces=ns) == "000.12.31.H99"


def test_a_hand_written_status_message_in_another_vendors_style_is_read() -> None:
    root = parse.read((DATA / "handwritten_status.xml").read_bytes())
    assert parse.kind(root) == "status" and parse.sender_id(root) == "000.00.00.H41"
    s = parse.parse_status(root)
    assert s.message_id == "c3d4e5f6-0718-4293-a4b5-c6d7e8f90a1b"
    assert s.response_for == ResponseFor(
        "000.00.12.H41", "105-CV/TU", dt.date(2026, 11, 25), "000.00.12.H41,2026/11/25,105-CV/TU"
    )
    assert s.sender.organ_id == "000.00.00.H41" and s.sender.organ_name == "Văn phòng UBND tỉnh"
    assert s.code == StatusCode.ACCEPTED and s.code.label == "Đã tiếp nhận"  # "3" read as 03
    assert s.description == "Đã tiếp nhận, vào sổ văn bản đến số 1024"
    assert s.timestamp == dt.datetime(2026, 11, 26, 8, 5, 31, tzinfo=VN)
    assert s.staff == Staff(department="Phòng Hành chính - Tổ chức", staff="Lê Thị Mai", mobile="0987654321",
                            email="mai.lt@nghean.gov.vn")  # fmt: skip


def test_a_hand_written_recall_in_another_vendors_style_is_read() -> None:
    root = parse.read((DATA / "handwritten_recall.xml").read_bytes())
    assert parse.kind(root) == "package"
    p = parse.parse_package(root)
    assert p.message_id == "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d" and p.attachments == ()
    assert p.business.kind == Business.RECALL and p.business.reason == "Ban hành nhầm đối tượng nhận"
    assert p.business.document_id == p.header.document_id == "000.00.00.H41,2026/11/27,267/UBND-VX"
    h = p.header
    assert h.code.number_symbol == "267/UBND-VX" and h.to_places == () and h.due_date is None
    assert h.priority == Priority.NORMAL and h.steering_type == SteeringType.NONE
    assert p.traces == (TraceHeader("000.00.00.H41", dt.datetime(2026, 11, 28, 9, 12, 0, tzinfo=VN)),)


def _tamper(data: bytes, old: bytes, new: bytes) -> bytes:
    assert data.count(old) >= 1
    return data.replace(old, new, 1)


def test_a_tampered_package_is_refused(province_key) -> None:
    data = signed(package(), province_key)
    # a changed subject
    with pytest.raises(BadSignature):
        sign.verify(_tamper(data, "chuyển đổi số".encode(), b"chuyen doi so"), [province_key.cert])
    # one changed byte of an attachment (still valid base64)
    encoded = base64.b64encode(PDF)
    changed = encoded[:100] + (b"A" if encoded[100:101] != b"A" else b"B") + encoded[101:]
    with pytest.raises(BadSignature):
        sign.verify(_tamper(data, encoded[:200], changed[:200]), [province_key.cert])
    # a recipient added
    with pytest.raises(BadSignature):
        sign.verify(
            _tamper(data, b"000.12.00.H99</edXML:OrganId>", b"000.99.99.H99</edXML:OrganId>"),
            [province_key.cert],
        )
    # the untouched package still passes
    assert sign.verify(data, [province_key.cert]).fingerprint


def test_an_unknown_or_expired_certificate_is_refused(pki: TestPki, province_key) -> None:
    impostor = pki.issue("Văn phòng Tỉnh ủy Sông Lam", "Tỉnh ủy Sông Lam")  # same names, another key
    with pytest.raises(UnknownCertificate) as refused:
        sign.verify(signed(package(), impostor), [province_key.cert])
    assert refused.value.code == "unknown_certificate" and "chưa đăng ký" in refused.value.message
    expired = pki.issue(
        "Văn phòng Tỉnh ủy Sông Lam",
        "Tỉnh ủy Sông Lam",
        not_before=utcnow() - dt.timedelta(days=400),
        not_after=utcnow() - dt.timedelta(days=1),
    )
    with pytest.raises(CertificateExpired):
        sign.verify(signed(package(), expired), [expired.cert])
    # a registered certificate whose key signed nothing here does not vouch for a swapped KeyInfo
    root = etree.fromstring(signed(package(), impostor))
    root.find(f".//{{{DS}}}X509Certificate").text = base64.b64encode(province_key.der).decode()
    swapped = etree.tostring(root, encoding="UTF-8")
    with pytest.raises(BadSignature):
        sign.verify(swapped, [province_key.cert])


def test_an_unsigned_or_partly_signed_package_is_refused(province_key) -> None:
    unsigned = etree.tostring(build.package(package()), encoding="UTF-8", xml_declaration=True)
    with pytest.raises(BadSignature) as refused:
        sign.verify(unsigned, [province_key.cert])
    assert refused.value.code in ("unsigned_package", "bad_signature")
    # a signature over one element only (signature wrapping) is not a signature of the package
    from signxml import CanonicalizationMethod, XMLSigner

    root = build.package(package())
    root.find(f".//{{{NS}}}MessageHeader").set("Id", "hdr")
    partial = XMLSigner(c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0).sign(
        root, key=province_key.key, cert=[province_key.cert], reference_uri="#hdr"
    )
    with pytest.raises(BadSignature, match="toàn bộ"):
        sign.verify(etree.tostring(partial, encoding="UTF-8"), [province_key.cert])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<edXML", "không phải XML"),
        (b"<other xmlns='x'/>", "phần tử gốc edXML"),
        (
            b'<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY x "boom">]>'
            b'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&x;</edXML>',
            "DOCTYPE",
        ),
    ],
)
def test_broken_or_unsafe_xml_is_refused_in_vietnamese(data: bytes, message: str) -> None:
    with pytest.raises(MalformedPackage, match=message):
        parse.read(data)


def test_malformed_contents_are_refused_with_the_element_named() -> None:
    text = (DATA / "handwritten_package.xml").read_text(encoding="utf-8")
    cases = {
        "cid:vb-chinh": ("cid:khac", "cid:khac"),
        "</Attachment>": ("</Attachment><Attachment><ContentId>vb-chinh</ContentId></Attachment>", "trùng"),
        "2026/11/27</ns2:PromulgationDate>": ("27-11-2026</ns2:PromulgationDate>", "PromulgationDate"),
        "<ns2:Priority>1</ns2:Priority>": ("<ns2:Priority>khẩn</ns2:Priority>", "Priority"),
        "JVBERi0xLjQK": ("JVBERi0x*LjQK", "base64"),
        "<ns2:BussinessDocType>0": ("<ns2:BussinessDocType>7", "BussinessDocType"),
    }
    for old, (new, message) in cases.items():
        broken = text.replace(old, new, 1).encode()
        with pytest.raises(MalformedPackage, match=message):
            parse.parse_package(parse.read(broken))
    no_recipient = text.replace("<ns2:To>", "<ns2:Cc>").replace("</ns2:To>", "</ns2:Cc>").encode()
    with pytest.raises(MalformedPackage, match="nơi nhận"):
        parse.parse_package(parse.read(no_recipient))


@pytest.mark.parametrize(
    ("printed", "number", "notation"),
    [
        ("12-TB/TU", "12", "TB/TU"),
        ("127-CV/VPTU", "127", "CV/VPTU"),
        ("267/UBND-VX", "267", "UBND-VX"),
        ("05/2026/NĐ-CP", "05", "2026/NĐ-CP"),
        ("Số hiệu lạ", "", "Số hiệu lạ"),
    ],
)
def test_number_symbol_splits_into_code_and_joins_back(printed: str, number: str, notation: str) -> None:
    code = split_number_symbol(printed)
    assert (code.number, code.notation) == (number, notation)
    assert code.number_symbol == printed


def _verdict(check: Any) -> str:
    try:
        check()
    except (BadSignature, CertificateExpired, UnknownCertificate, MalformedPackage) as exc:
        return exc.code
    return "ok"


def test_the_direct_verifier_agrees_with_signxml_on_random_changes(province_key) -> None:
    import random

    rng = random.Random(20261130)
    cert = province_key.cert
    print_ = sign.fingerprint(cert)
    # our compact output, and a pretty-printed message (text between the elements, the signature's tail)
    compact = signed(package(), province_key)
    pretty_tree = etree.fromstring(etree.tostring(build.package(package()), pretty_print=True))
    pretty = sign.sign(pretty_tree, province_key.key, [cert])
    cases = refused = 0
    for original in (compact, pretty):
        for round_ in range(40):
            root = etree.fromstring(original)
            if round_:  # round 0: untouched
                nodes = [n for n in root.iter() if isinstance(n.tag, str) and etree.QName(n).namespace != DS]
                node = rng.choice(nodes)
                kind = rng.choice(["text", "tail", "attribute", "remove"])
                if kind == "text" and node.text:
                    i = rng.randrange(len(node.text))
                    node.text = node.text[:i] + rng.choice("aZ9 Đ") + node.text[i + 1 :]
                elif kind == "tail":
                    node.tail = (node.tail or "") + rng.choice([" ", "\n", "x"])
                elif kind == "attribute":
                    node.set("Id", "x")
                elif node.getparent() is not None and len(node) == 0:
                    node.getparent().remove(node)
            signature = root.find(f".//{{{DS}}}Signature")
            fast = _verdict(lambda: sign._verify_profile(root, signature, cert))  # noqa: B023
            slow = _verdict(lambda: sign._verify_signxml(root, cert, print_))  # noqa: B023
            assert fast == slow, (round_, etree.tostring(root)[:300])
            if round_ == 0:
                assert fast == "ok"  # the message as signed passes both
            cases += 1
            refused += fast != "ok"
    assert cases == 80 and refused >= 60  # most changes touch signed content (a few are no-ops)


@pytest.mark.parametrize(
    "change",
    ["swap_transforms", "reference_id", "signature_tail", "drop_c14n_transform", "signature_moved"],
)
def test_changes_inside_the_signature_get_the_same_verdict_from_both_verifiers(
    province_key, change: str
) -> None:
    cert = province_key.cert
    root = etree.fromstring(signed(package(), province_key))
    signature = root.find(f".//{{{DS}}}Signature")
    transforms = signature.find(f".//{{{DS}}}Transforms")
    if change == "swap_transforms":
        first, second = list(transforms)
        transforms.remove(first)
        transforms.append(first)
        assert next(iter(transforms)) is second
    elif change == "reference_id":
        signature.find(f".//{{{DS}}}Reference").set("Id", "r1")
    elif change == "signature_tail":
        signature.tail = "chèn thêm"
    elif change == "drop_c14n_transform":
        transforms.remove(list(transforms)[1])
    else:  # the signature moved out of edXMLHeader into the envelope
        envelope = signature.getparent().getparent()
        envelope.append(signature)
    data = etree.tostring(root, encoding="UTF-8")
    # the public entry point refuses it, and signxml alone (on the original place) agrees
    with pytest.raises((BadSignature, MalformedPackage)):
        sign.verify(data, [cert])
    if change != "signature_moved":
        fresh = etree.fromstring(data)
        with pytest.raises((BadSignature, MalformedPackage)):
            sign._verify_signxml(fresh, cert, sign.fingerprint(cert))


def _large_package(*texts: bytes, subject: str = "") -> bytes:
    """The XML (not signed yet) of a package whose attachments carry ``texts`` (each ≥ LARGE_TEXT once in
    base64), with ``subject`` instead of the sample's."""
    p = package(
        attachments=tuple(
            Attachment(f"a{i}", f"tep-{i}.pdf", "application/pdf", body) for i, body in enumerate(texts)
        )
    )
    if subject:
        p = replace(p, header=replace(p.header, subject=subject))
    return etree.tostring(build.package(p))


@pytest.mark.parametrize(
    "case",
    ["two_large_attachments", "large_text_with_escapes", "large_vietnamese_subject", "pretty", "pi_and_tail"],
)
def test_large_texts_hashed_aside_give_the_digest_of_the_whole_canonical_form(
    province_key, case: str
) -> None:
    # Given a signed message with text nodes above the size hashed aside (attachments, a header field)
    large = sign.LARGE_TEXT
    bodies = [b"\x00" * large, bytes(range(256)) * (large // 256 + 7)]
    tree = etree.fromstring(_large_package(*bodies))
    if case == "large_text_with_escapes":  # C14N rewrites these: canonicalised with the rest
        tree = etree.fromstring(_large_package(*bodies, subject="Tỉnh ủy & <Ban> \r" * (large // 10)))
    elif case == "large_vietnamese_subject":  # taken aside, encoded as UTF-8 as C14N writes it
        tree = etree.fromstring(_large_package(*bodies, subject="Nghị quyết Đảng bộ xã " * (large // 20)))
    elif case == "pretty":
        tree = etree.fromstring(etree.tostring(tree, pretty_print=True))
    elif case == "pi_and_tail":
        tree.insert(0, etree.ProcessingInstruction("dieuhanh", "kiem-tra"))
    root = etree.fromstring(sign.sign(tree, province_key.key, [province_key.cert]))
    signature = root.find(f".//{{{DS}}}Signature")
    if case == "pi_and_tail":
        signature.tail = "\n  "
    assert sum(len(e.text or "") >= large for e in root.iter(etree.Element)) >= 2
    before = etree.tostring(root)
    # When its digest is computed with the large texts aside
    fast = sign._canonical_digest(root, signature)
    # Then it is the digest of the whole canonical form, and the tree is as it was
    assert fast == hashlib.sha256(sign._canonical_without(root, signature)).digest()
    assert etree.tostring(root) == before
    # and the same without a copy, the large texts then left out of the tree (a hub's relaying)
    assert sign._canonical_digest(root, signature, keep_large_texts=False) == fast
    assert len(etree.tostring(root)) < len(before) - sign.LARGE_TEXT


def test_a_marker_found_in_the_message_falls_back_to_the_whole_canonical_form(
    province_key, monkeypatch
) -> None:
    # Given a message whose text contains the marker the digest would use
    marker = "ab" * 16
    data = sign.sign(
        etree.fromstring(_large_package(b"x" * sign.LARGE_TEXT, subject=f"{marker}0.")),
        province_key.key,
        [province_key.cert],
    )
    monkeypatch.setattr(sign.secrets, "token_hex", lambda n: marker)
    root = etree.fromstring(data)
    signature = root.find(f".//{{{DS}}}Signature")
    calls: list[bool] = []
    whole = sign._canonical_without

    def canonical_without(r: Any, s: Any) -> bytes:
        calls.append(r is root)
        return whole(r, s)

    monkeypatch.setattr(sign, "_canonical_without", canonical_without)
    # When it is verified, Then the digest holds — from the whole tree canonicalised, not from the parts
    assert sign.verify(data, [province_key.cert]).fingerprint == sign.fingerprint(province_key.cert)
    expected = hashlib.sha256(whole(root, signature)).digest()
    assert sign._canonical_digest(root, signature) == expected
    assert True in calls
    # also where the texts were taken out of the tree itself: they are put back for the whole form
    assert sign._canonical_digest(root, signature, keep_large_texts=False) == expected
    assert hashlib.sha256(whole(root, signature)).digest() == expected


def test_a_change_inside_a_large_attachment_is_refused_by_both_verifiers(province_key) -> None:
    import random

    rng = random.Random(20261201)
    original = sign.sign(
        etree.fromstring(_large_package(bytes(rng.randrange(256) for _ in range(sign.LARGE_TEXT)))),
        province_key.key,
        [province_key.cert],
    )
    cert = province_key.cert
    assert sign.verify(original, [cert])  # untouched: passes
    for change in ("a", "\n", "&amp;", "&#13;"):
        root = etree.fromstring(original)
        node = max(root.iter(etree.Element), key=lambda e: len(e.text or ""))
        at = rng.randrange(len(node.text))
        node.text = node.text[:at] + etree.fromstring(f"<x>{change}</x>").text + node.text[at:]
        signature = root.find(f".//{{{DS}}}Signature")
        assert _verdict(lambda: sign._verify_profile(root, signature, cert)) == "bad_signature"  # noqa: B023
        assert _verdict(lambda: sign._verify_signxml(root, cert, sign.fingerprint(cert))) == "bad_signature"  # noqa: B023
