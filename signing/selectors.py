"""Reads: the certificates a person may sign with, and expiry warnings."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from core.errors import InvalidInput, NotAllowed
from core.vn import sort_key
from incoming.permissions import OVERSEER_ROLES, orgs_with_roles
from orgs.models import Role, User
from orgs.selectors import effective_roles
from signing.models import Certificate, FileValidation, SignatureEvent, SignatureRole
from signing.validation import VN_TZ

EXPIRY_WARNING_DAYS = 30


def certificates_for_user(user: User) -> QuerySet[Certificate]:
    """The person's own certificates and those of the organisations where they are a clerk."""
    clerk_orgs = [o for r, o in effective_roles(user) if r == Role.CLERK]
    return (
        Certificate.objects.filter(Q(person=user) | Q(organization_id__in=clerk_orgs))
        .select_related("person", "organization")
        .order_by("-is_active", "-not_after")
    )


def personal_certificates(user: User) -> QuerySet[Certificate]:
    """The person's active certificates that are valid now, newest expiry first (what they sign with)."""
    now = timezone.now()
    return Certificate.objects.filter(
        person=user, is_active=True, not_before__lte=now, not_after__gt=now
    ).order_by("-not_after", "-id")


def seal_certificate(organization_id: int | None) -> Certificate | None:
    """The organisation's active seal certificate valid now (the one expiring last), or None."""
    if organization_id is None:
        return None
    now = timezone.now()
    return (
        Certificate.objects.filter(
            organization_id=organization_id, is_active=True, not_before__lte=now, not_after__gt=now
        )
        .order_by("-not_after", "-id")
        .first()
    )


def expiry_state(certificate: Certificate) -> str:
    """``expired``, ``expiring`` (within EXPIRY_WARNING_DAYS), ``not_yet_valid`` or ``ok``."""
    now = timezone.now()
    if certificate.not_after < now:
        return "expired"
    if certificate.not_before > now:
        return "not_yet_valid"
    if certificate.not_after < now + timedelta(days=EXPIRY_WARNING_DAYS):
        return "expiring"
    return "ok"


EXPIRY_LABELS = {
    "expired": "Đã hết hạn",
    "expiring": f"Sắp hết hạn (dưới {EXPIRY_WARNING_DAYS} ngày)",
    "not_yet_valid": "Chưa có hiệu lực",
    "ok": "Còn hiệu lực",
}


# --- stored validations of files (signing.FileValidation) ---------------------------------------------

VERDICT_LABELS = {
    "valid": ("Hợp lệ", "text-bg-success"),
    "invalid": ("Không hợp lệ", "text-bg-danger"),
    "indeterminate": ("Không xác định", "text-bg-warning"),
    "unsigned": ("Không có chữ ký số", "text-bg-secondary"),
    FileValidation.PENDING: ("Đang kiểm tra…", "text-bg-info"),
}
UNKNOWN_ROLE_LABEL = "Chữ ký số"


def role_label(role: str) -> str:
    """The label of a signature's role (SignatureRole); "Chữ ký số" for a signature of unknown role."""
    return SignatureRole(role).label if role in SignatureRole.values else UNKNOWN_ROLE_LABEL


def recorded_roles(reports: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """The role recorded when this system made a signature (SignatureEvent), by (field name, certificate
    serial), for the signatures of these stored reports; one query, none when there is no signature."""
    pairs = {
        (s["field_name"], s["certificate"]["serial"])
        for report in reports
        for s in report.get("signatures", [])
        if s.get("field_name") and s["certificate"].get("serial")
    }
    if not pairs:
        return {}
    events = SignatureEvent.objects.filter(
        field_name__in={f for f, _ in pairs}, certificate__serial_hex__in={c for _, c in pairs}
    ).values_list("field_name", "certificate__serial_hex", "role")
    return {(field, serial): role for field, serial, role in events if (field, serial) in pairs}


LATER_CHANGES = {
    "FORM_FILLING": "Sau chữ ký chỉ có thêm chữ ký số khác hoặc nội dung điền vào ô (được phép).",
    "LTA_UPDATES": "Sau chữ ký chỉ có thêm dữ liệu kiểm tra chữ ký, dấu thời gian (được phép).",
    "ANNOTATIONS": "Sau chữ ký có thêm chú thích, ghi chú trên trang.",
    "OTHER": "Sau chữ ký có nội dung bị thêm hoặc sửa.",
}
APPENDED = "Sau chữ ký có nội dung được thêm vào (không được chữ ký bảo vệ)."
REVOCATION_PROBLEMS = {"CERTIFICATE_CHAIN_GENERAL_FAILURE", "TRY_LATER", "REVOCATION_OUT_OF_BOUNDS_NO_POE"}


def report_payload(report: dict[str, Any]) -> dict[str, Any]:
    """A validation report (``Report.as_dict()``) in the API's shape (POST /signatures/validate)."""
    return {
        "verdict": report.get("verdict", ""),
        "reason": report.get("reason", ""),
        "signatures": [
            {
                "signer": s["signer"],
                "role": s["role"],
                "signed_at": s["signed_at"],
                "verdict": s["verdict"],
                "status": s["verdict"],  # the name used by ../shared/api.md
                "reason": s["reason"],
                "intact": s["intact"],
                "covers_whole_document": s["covers_whole_document"],
                "trusted": s["trusted"],
                "revoked": s["revoked"],
                "revoked_at": s["revoked_at"],
                "timestamp": s["timestamp"],
                "warnings": s["warnings"],
                "certificate": {
                    "subject": s["certificate"]["subject"],
                    "organization": s["certificate"].get("organization", ""),
                    "issuer": s["certificate"]["issuer"],
                    "serial": s["certificate"]["serial"],
                    "not_before": s["certificate"]["not_before"],
                    "not_after": s["certificate"]["not_after"],
                },
            }
            for s in report.get("signatures", [])
        ],
    }


def validation_payload(row: FileValidation) -> dict[str, Any]:
    """The stored validation of a file: the shape of POST /signatures/validate, plus when it was made."""
    body: dict[str, Any]
    if row.is_pending:
        body = {"verdict": FileValidation.PENDING, "reason": "Đang kiểm tra chữ ký số…", "signatures": []}
    else:
        body = report_payload(row.report) | {"verdict": row.verdict, "reason": row.reason}
    body["validated_at"] = timezone.localtime(row.validated_at).isoformat() if row.validated_at else None
    body["pending"] = row.is_pending
    return body


def _when(value: str | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(VN_TZ).strftime(fmt)


def _signature_view(s: dict[str, Any], roles: dict[tuple[str, str], str]) -> dict[str, Any]:
    label, badge = VERDICT_LABELS.get(s["verdict"], (s["verdict"], "text-bg-secondary"))
    if s["covers_whole_document"]:
        coverage = "Chữ ký bao trùm toàn bộ tài liệu."
    else:
        coverage = LATER_CHANGES.get(
            s.get("modification_level") or "",
            "Sau chữ ký có nội dung được thêm vào (không được chữ ký bảo vệ).",
        )
    if s["revoked"]:
        revocation = (
            f"Đã bị thu hồi{' ngày ' + _when(s['revoked_at'], '%d/%m/%Y') if s['revoked_at'] else ''}"
        )
    elif s.get("trust_problem") in REVOCATION_PROBLEMS:
        revocation = "Không kiểm tra được (không có dữ liệu thu hồi CRL/OCSP)"
    elif s["trusted"]:
        revocation = "Chưa bị thu hồi"
    else:
        revocation = "Không xác định (chứng thư không thuộc danh sách tin cậy)"
    cert = s["certificate"]
    return {
        "signer": s["signer"],
        # the role this system recorded when it signed; else what the field's name tells (other systems)
        "role": role_label(roles.get((s.get("field_name", ""), cert["serial"]), s["role"])),
        "organization": cert.get("organization") or cert["subject"],
        "subject": cert["subject"],
        "signed_at": _when(s["signed_at"]),
        "timestamped": bool(s.get("timestamp")),
        "label": label,
        "badge": badge,
        "reason": s["reason"],
        "coverage": coverage,
        "cert_from": _when(cert["not_before"], "%d/%m/%Y"),
        "cert_to": _when(cert["not_after"], "%d/%m/%Y"),
        "issuer": cert["issuer"],
        "serial": cert["serial"],
        "revocation": revocation,
        "warnings": [w for w in s.get("warnings", []) if w != s["reason"]],
    }


def file_signature_view(
    attachment: Any, row: FileValidation | None, roles: dict[tuple[str, str], str] | None = None
) -> dict[str, Any]:
    """What the partial web/_signature_report.html shows for one attachment; ``roles`` from
    ``recorded_roles`` (looked up here when not given)."""
    is_pdf = attachment.stored.content_type == "application/pdf"
    if row is None:
        state = "none" if is_pdf else "not_pdf"
        return {"attachment": attachment, "state": state, "is_pdf": is_pdf, "signatures": []}
    verdict = FileValidation.PENDING if row.is_pending else row.verdict
    label, badge = VERDICT_LABELS.get(verdict, (verdict, "text-bg-secondary"))
    signatures = []
    if not row.is_pending:
        roles = recorded_roles([row.report]) if roles is None else roles
        signatures = [_signature_view(s, roles) for s in row.report.get("signatures", [])]
    return {
        "attachment": attachment,
        "state": verdict,
        "is_pdf": True,
        "pending": row.is_pending,
        "label": label,
        "badge": badge,
        "reason": "" if row.is_pending else row.reason,
        "validated_at": timezone.localtime(row.validated_at) if row.validated_at else None,
        "signatures": signatures,
    }


def signature_report_context(attachments: list[Any]) -> dict[str, Any]:
    """Context of web/_signature_report.html for these attachments (one query): include the partial with
    ``{% include "web/_signature_report.html" with signature_files=... %}`` or merge this dict."""
    pdfs = [a for a in attachments if a.stored.content_type == "application/pdf"]
    rows = {r.stored_id: r for r in FileValidation.objects.filter(stored_id__in={a.stored_id for a in pdfs})}
    roles = recorded_roles([r.report for r in rows.values() if not r.is_pending])
    return {"signature_files": [file_signature_view(a, rows.get(a.stored_id), roles) for a in pdfs]}


# --- statistics: share of issued outgoing documents signed by a person and sealed by the organisation ---

OUTGOING_KIND = "outgoing"  # SignatureEvent.document_kind of outgoing documents


def may_see_statistics(user: User) -> bool:
    return bool(orgs_with_roles(user, OVERSEER_ROLES))


def _shares(row: dict[str, Any]) -> dict[str, Any]:
    total = row["total"]
    out = dict(row)
    out["none"] = total - row["person"] - row["seal"] + row["both"]
    for key in ("person", "seal", "both", "none"):
        out[f"{key}_pct"] = round(100 * out[key] / total, 1) if total else 0.0
    return out


def signature_statistics(user: User, start: date, end: date) -> dict[str, Any]:
    """Outgoing documents the user may see, issued from ``start`` to ``end`` (local dates, inclusive):
    how many carry the signature of a person, the organisation's seal, both — in total, per organisation
    and per signer (the document's signer). Three queries, whatever the number of documents."""
    if not may_see_statistics(user):
        raise NotAllowed("Chỉ lãnh đạo và văn thư mới xem thống kê ký số.")
    if start > end:
        raise InvalidInput("Từ ngày phải trước hoặc bằng đến ngày.", code="invalid_period")
    from outgoing.selectors import outgoing_visible_to

    low = timezone.make_aware(datetime.combine(start, time.min))
    high = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min))
    events = SignatureEvent.objects.filter(document_kind=OUTGOING_KIND, document_id=OuterRef("pk"))
    docs = (
        outgoing_visible_to(user)
        .filter(issued_at__gte=low, issued_at__lt=high)
        .annotate(
            has_person=Exists(events.filter(role=SignatureRole.PERSON)),
            has_seal=Exists(events.filter(role=SignatureRole.SEAL)),
        )
        .order_by()
    )
    counts = {
        "total": Count("pk"),
        "person": Count("pk", filter=Q(has_person=True)),
        "seal": Count("pk", filter=Q(has_seal=True)),
        "both": Count("pk", filter=Q(has_person=True, has_seal=True)),
    }
    total = _shares(docs.aggregate(**counts))
    organizations = [
        _shares({"id": r.pop("organization_id"), "name": r.pop("organization__name"), **r})
        for r in docs.values("organization_id", "organization__name").annotate(**counts)
    ]
    signers = [
        _shares({"id": r.pop("signer_id"), "name": r.pop("signer__full_name") or "(chưa ghi người ký)", **r})
        for r in docs.values("signer_id", "signer__full_name").annotate(**counts)
    ]
    return {
        "from": start,
        "to": end,
        "total": total,
        "organizations": sorted(organizations, key=lambda r: sort_key(r["name"])),
        "signers": sorted(signers, key=lambda r: (r["id"] is None, sort_key(r["name"]))),
    }


def certificate_rows(user: User) -> list[dict[str, Any]]:
    """The page "Chứng thư số của tôi": the caller's certificates and, for clerks, their organisations'."""
    now = timezone.now()
    rows = []
    for cert in certificates_for_user(user):
        state = expiry_state(cert)
        rows.append(
            {
                "certificate": cert,
                "owner": cert.person.display_name if cert.person else cert.organization.name,  # type: ignore[union-attr]
                "is_seal": cert.organization_id is not None,
                "days_left": (cert.not_after - now).days,
                "state": state,
                "state_label": EXPIRY_LABELS[state],
            }
        )
    return rows
