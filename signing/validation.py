"""Validation of every signature in any PDF, with a verdict and a Vietnamese reason.

Revocation is always checked in ``hard-fail`` mode: a certificate whose revocation status cannot be
established (offline, CRL server unreachable, no DSS) is *indeterminate*, never valid. pyHanko's default
(soft-fail) would call such a signature valid without any check. Revocation data comes from the
document's DSS (PAdES B-LT), the CRL files in ``SIGNING_CRL_DIR`` and, when ``SIGNING_FETCH_REVOCATION``
is on, the certificates' CRL/OCSP addresses.

Verdict of one signature (first rule that applies):

1. hash of the signed bytes or the CMS signature wrong → invalid ("tài liệu đã bị sửa sau khi ký");
2. certificate revoked → invalid (with the revocation date);
3. changes after the signature other than signatures, form filling or validation data → invalid;
4. chain not trusted → indeterminate (unknown root, expired without proof of existence, no revocation data);
5. otherwise valid — except that the last signature must cover the whole file: anything after it (bytes
   appended after %%EOF, an unsigned update) makes it indeterminate, with a warning.
"""

from __future__ import annotations

import io
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from django.conf import settings
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESIndeterminate, AdESStatus
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from core.errors import InvalidInput

log = logging.getLogger(__name__)
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

VALID = "valid"
INVALID = "invalid"
INDETERMINATE = "indeterminate"
UNSIGNED = "unsigned"

ACCEPTED_LATER_CHANGES = {
    ModificationLevel.NONE,
    ModificationLevel.FORM_FILLING,
    ModificationLevel.LTA_UPDATES,
}

REASON_VALID = "Chữ ký hợp lệ."
REASON_TAMPERED = "Tài liệu đã bị sửa sau khi ký (nội dung không khớp với chữ ký)."
REASON_MODIFIED = "Tài liệu đã bị sửa sau khi ký (có nội dung được thêm hoặc thay đổi sau chữ ký)."
REASON_UNTRUSTED = "Không xác định được: chứng thư không thuộc danh sách tin cậy."
REASON_EXPIRED = (
    "Chứng thư số đã hết hạn (không có dấu thời gian chứng minh chữ ký được tạo khi chứng thư còn hiệu lực)."
)
REASON_NO_REVOCATION = "Không kiểm tra được tình trạng thu hồi (không kết nối được máy chủ CRL/OCSP)."
REASON_APPENDED = "Có nội dung được thêm sau chữ ký cuối (phần này không được chữ ký nào bảo vệ)."
REASON_UNSIGNED = "Tệp không có chữ ký số."
REASON_BAD_TIMESTAMP = "Dấu thời gian của chữ ký không hợp lệ (đã bị sửa hoặc giả mạo)."
REASON_UNTRUSTED_TIMESTAMP = "Không xác định được: dấu thời gian không do đơn vị tin cậy cấp."
REASON_UNCHECKED = "Không xác định được tính hợp lệ của chữ ký."
REASON_BROKEN = "Chữ ký bị hỏng, không kiểm tra được."


@dataclass
class CertificateInfo:
    subject: str
    issuer: str
    serial: str
    not_before: str
    not_after: str
    organization: str = ""


@dataclass
class SignatureReport:
    field_name: str
    signer: str
    role: str
    signed_at: str | None
    verdict: str
    reason: str
    intact: bool
    valid: bool
    trusted: bool
    revoked: bool
    revoked_at: str | None
    covers_whole_document: bool
    coverage: str
    modification_level: str | None
    trust_problem: str | None
    timestamp: str | None
    certificate: CertificateInfo
    warnings: list[str] = field(default_factory=list)


@dataclass
class Report:
    verdict: str
    reason: str
    signatures: list[SignatureReport]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _cn(name: asn1_x509.Name) -> str:
    native = name.native
    return str(native.get("common_name") or name.human_friendly)


def _org(name: asn1_x509.Name) -> str:
    return str(name.native.get("organization_name") or "")


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(VN_TZ).isoformat(timespec="seconds") if value else None


def role_of(field_name: str) -> str:
    """The role a field's name tells: this system names its fields by role (``person``, ``seal``,
    ``stamp2``… see ``signing.services._free_field``); others are 'unknown'. Where this system recorded
    the signature, ``signing.selectors.recorded_roles`` has the role it was made with."""
    from signing.models import SignatureRole

    for role in SignatureRole.values:
        if field_name.lower().startswith(role):
            return role
    return "unknown"


# --- validation context -----------------------------------------------------------------------------------


def trust_roots() -> list[asn1_x509.Certificate]:
    from signing.models import TrustAnchor

    return [
        asn1_x509.Certificate.load(bytes(der))
        for der in TrustAnchor.objects.filter(is_active=True).values_list("certificate_der", flat=True)
    ]


def local_crls() -> list[asn1_crl.CertificateList]:
    directory = Path(settings.SIGNING_CRL_DIR)
    if not directory.is_dir():
        return []
    out = []
    for path in sorted(directory.glob("*.crl")):
        try:
            out.append(asn1_crl.CertificateList.load(path.read_bytes()))
        except ValueError:
            log.warning("unreadable CRL file %s", path)
    return out


def validation_context(
    *,
    roots: list[asn1_x509.Certificate] | None = None,
    dss: DocumentSecurityStore | None = None,
    crls: list[asn1_crl.CertificateList] | None = None,
    fetch: bool | None = None,
) -> ValidationContext:
    """A fresh context (it caches per-path state): trust list, hard-fail revocation, local and DSS data."""
    kwargs: dict[str, Any] = {
        "trust_roots": roots if roots is not None else trust_roots(),
        "allow_fetching": settings.SIGNING_FETCH_REVOCATION if fetch is None else fetch,
        "revocation_mode": "hard-fail",
        "crls": list(crls if crls is not None else local_crls()),
        "ocsps": [],
    }
    if dss is not None:
        return dss.as_validation_context(kwargs)
    return ValidationContext(**kwargs)


# --- verdicts ---------------------------------------------------------------------------------------------


def _verdict(status: Any) -> tuple[str, str]:
    if not status.intact or not status.valid:
        return INVALID, REASON_TAMPERED
    if status.revoked:
        details = status.revocation_details
        when = details.revocation_date.astimezone(VN_TZ) if details and details.revocation_date else None
        return INVALID, (
            f"Chứng thư số đã bị thu hồi ngày {when:%d/%m/%Y}." if when else "Chứng thư số đã bị thu hồi."
        )
    if status.modification_level not in ACCEPTED_LATER_CHANGES or status.docmdp_ok is False:
        return INVALID, REASON_MODIFIED
    if not status.trusted:
        problem = status.trust_problem_indic
        if problem == AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND:
            return INDETERMINATE, REASON_UNTRUSTED
        if problem in (
            AdESIndeterminate.OUT_OF_BOUNDS_NO_POE,
            AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED,
            AdESIndeterminate.EXPIRED,
        ):
            return INDETERMINATE, REASON_EXPIRED
        if problem in (
            AdESIndeterminate.CERTIFICATE_CHAIN_GENERAL_FAILURE,
            AdESIndeterminate.TRY_LATER,
            AdESIndeterminate.REVOCATION_OUT_OF_BOUNDS_NO_POE,
        ):
            return INDETERMINATE, REASON_NO_REVOCATION
        if problem is not None and problem.status == AdESStatus.FAILED:
            return INVALID, f"Chứng thư số không hợp lệ ({problem.name})."
        name = problem.name if problem is not None else "không rõ"
        return INDETERMINATE, f"Không xác định được tính hợp lệ của chứng thư số ({name})."
    timestamp = status.timestamp_validity
    if timestamp is not None and not (timestamp.intact and timestamp.valid):
        return INVALID, REASON_BAD_TIMESTAMP
    if timestamp is not None and not timestamp.trusted:
        return INDETERMINATE, REASON_UNTRUSTED_TIMESTAMP
    if not status.bottom_line:  # pyHanko's own summary: never "valid" when it disagrees
        return INDETERMINATE, REASON_UNCHECKED
    return VALID, REASON_VALID


def _good_timestamp(status: Any) -> Any:
    ts = status.timestamp_validity
    return ts if ts is not None and ts.intact and ts.valid and ts.trusted else None


def _report(embedded: Any, status: Any, *, last: bool) -> SignatureReport:
    cert = embedded.signer_cert
    verdict, reason = _verdict(status)
    warnings = []
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    if last and not whole and status.modification_level != ModificationLevel.LTA_UPDATES:
        warnings.append(REASON_APPENDED)
        if verdict == VALID:
            verdict, reason = INDETERMINATE, REASON_APPENDED
    details = status.revocation_details
    ts = _good_timestamp(status)
    return SignatureReport(
        field_name=embedded.field_name,
        signer=_cn(cert.subject),
        role=role_of(embedded.field_name),
        signed_at=_iso(ts.timestamp if ts else status.signer_reported_dt),
        verdict=verdict,
        reason=reason,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        revoked=bool(status.revoked),
        revoked_at=_iso(details.revocation_date) if details else None,
        covers_whole_document=whole,
        coverage=status.coverage.name if status.coverage else "",
        modification_level=status.modification_level.name if status.modification_level else None,
        trust_problem=status.trust_problem_indic.name if status.trust_problem_indic else None,
        timestamp=_iso(ts.timestamp) if ts else None,
        certificate=CertificateInfo(
            subject=cert.subject.human_friendly,
            issuer=cert.issuer.human_friendly,
            serial=format(cert.serial_number, "x"),
            not_before=_iso(cert.not_valid_before) or "",
            not_after=_iso(cert.not_valid_after) or "",
            organization=_org(cert.subject),
        ),
        warnings=warnings,
    )


def validate_pdf(
    data: bytes, *, roots: list[asn1_x509.Certificate] | None = None, fetch: bool | None = None
) -> Report:
    """Validate every embedded signature of ``data``; InvalidInput when it is not a readable PDF."""
    if not data.startswith(b"%PDF-"):
        raise InvalidInput("Tệp không phải là PDF.", code="not_pdf")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        # signatures only: document timestamps (/DocTimeStamp, B-LTA) are not signers' signatures
        embedded = list(reader.embedded_regular_signatures)
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise InvalidInput("Tệp PDF bị hỏng, không đọc được.", code="invalid_pdf") from exc
    if not embedded:
        return Report(UNSIGNED, REASON_UNSIGNED, [])
    try:
        dss: DocumentSecurityStore | None = DocumentSecurityStore.read_dss(reader)
    except Exception:  # no DSS, or a malformed one: validate without its data
        dss = None
    anchors = roots if roots is not None else trust_roots()
    crls = local_crls()
    reports = []
    for index, sig in enumerate(embedded):
        context = validation_context(roots=anchors, dss=dss, crls=crls, fetch=fetch)
        try:
            status = validate_pdf_signature(sig, signer_validation_context=context)
        except Exception as exc:  # a malformed signature is reported, never a crash or a "pending" forever
            log.info("signature %s could not be validated: %r", sig.field_name, exc)
            reports.append(_broken(sig))
            continue
        reports.append(_report(sig, status, last=index == len(embedded) - 1))
    return Report(*_overall(reports), reports)


def _broken(sig: Any) -> SignatureReport:
    try:
        cert = sig.signer_cert
    except Exception:  # no readable certificate in the signature either
        cert = None
    return SignatureReport(
        field_name=sig.field_name,
        signer=_cn(cert.subject) if cert is not None else "",
        role=role_of(sig.field_name),
        signed_at=None,
        verdict=INVALID,
        reason=REASON_BROKEN,
        intact=False,
        valid=False,
        trusted=False,
        revoked=False,
        revoked_at=None,
        covers_whole_document=False,
        coverage="",
        modification_level=None,
        trust_problem=None,
        timestamp=None,
        certificate=CertificateInfo("", "", "", "", "", "")
        if cert is None
        else CertificateInfo(
            cert.subject.human_friendly,
            cert.issuer.human_friendly,
            format(cert.serial_number, "x"),
            _iso(cert.not_valid_before) or "",
            _iso(cert.not_valid_after) or "",
            _org(cert.subject),
        ),
    )


def _overall(reports: list[SignatureReport]) -> tuple[str, str]:
    for wanted in (INVALID, INDETERMINATE):
        for r in reports:
            if r.verdict == wanted:
                return wanted, f"{r.signer}: {r.reason}"
    return VALID, "Tất cả chữ ký hợp lệ." if len(reports) > 1 else REASON_VALID
