"""Printable registers for a user: which registers they may print, and the audited export itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core import audit
from core.errors import InvalidInput, NotFound
from documents.models import Register, RegisterKind
from incoming.permissions import OVERSEER_ROLES, orgs_with_roles
from orgs.models import User
from orgs.selectors import today
from reports import registers as printing

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Export:
    data: bytes
    name: str
    content_type: str


def registers_for(user: User) -> list[Register]:
    """Registers of the organizations the user keeps or leads (clerks and leaders)."""
    orgs = orgs_with_roles(user, OVERSEER_ROLES)
    return list(
        Register.objects.filter(organization_id__in=orgs).select_related("organization").order_by("id")
    )


def last_number_visible(user: User, register: Register, year: int) -> int | None:
    """The register's last number; hidden for a secret register from people without clearance
    (even how many secret documents arrived is not for them)."""
    from core.numbering import peek
    from incoming.permissions import cleared_for

    if register.for_secret and not cleared_for(user, "confidential"):
        return None
    return peek(register.counter_scope(year))


def register_for(user: User, pk: int) -> Register:
    register = next((r for r in registers_for(user) if r.pk == pk), None)
    if register is None:
        raise NotFound("Không tìm thấy sổ hoặc bạn không có quyền xem.")
    return register


def book_year(date_from: date | None, date_to: date | None) -> int:
    """A register book covers one calendar year (numbers restart on 1 January)."""
    if date_from and date_to and date_from.year != date_to.year:
        raise InvalidInput(
            "Mỗi quyển sổ in theo một năm: từ ngày và đến ngày phải cùng năm.",
            details={"from": str(date_from), "to": str(date_to)},
        )
    if date_from and date_to and date_from > date_to:
        raise InvalidInput(
            "Từ ngày phải trước đến ngày.", details={"from": str(date_from), "to": str(date_to)}
        )
    reference = date_from or date_to
    return reference.year if reference else today().year


def register_export(
    user: User, pk: int, *, fmt: str, kind: str, date_from: date | None, date_to: date | None
) -> Export:
    register = register_for(user, pk)
    if register.kind != RegisterKind.INCOMING:
        raise InvalidInput(
            "Sổ văn bản đi sẽ in được khi phân hệ văn bản đi hoạt động.", code="not_supported_yet"
        )
    if fmt not in {"pdf", "xlsx"}:
        raise InvalidInput("Định dạng phải là pdf hoặc xlsx.", details={"format": fmt})
    if kind not in printing.KINDS:
        raise InvalidInput("Loại sổ phải là incoming hoặc followup.", details={"kind": kind})
    year = book_year(date_from, date_to)
    rows = printing.incoming_register_rows(user, register, date_from=date_from, date_to=date_to, year=year)
    builder = printing.export_pdf if fmt == "pdf" else printing.export_xlsx
    data = builder(
        kind,
        register,
        rows,
        date_from=date_from,
        date_to=date_to,
        organization_name=register.organization.name,
    )
    audit.record(
        actor=user,
        action="register.export",
        target=register,
        organization_id=register.organization_id,
        data={
            "format": fmt,
            "kind": kind,
            "year": year,
            "rows": len(rows),
            "restricted": [r["document_id"] for r in rows if r["secrecy"] != "none"],
            "from": str(date_from or ""),
            "to": str(date_to or ""),
        },
    )
    name = f"so-{'den' if kind == printing.INCOMING else 'theo-doi'}-{register.pk}-{year}.{fmt}"
    return Export(data, name, "application/pdf" if fmt == "pdf" else XLSX)
