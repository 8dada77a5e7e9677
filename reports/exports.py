"""Printable registers for a user: which registers they may print, and the audited export itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core import audit
from core.errors import InvalidInput, NotFound
from documents.models import Register, RegisterKind
from incoming.permissions import OVERSEER_ROLES, orgs_with_roles
from orgs.models import Organization, Profile, User
from orgs.selectors import today
from reports import registers as printing

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_NAMES = {printing.INCOMING: "den", printing.FOLLOWUP: "theo-doi", printing.OUTGOING: "di"}


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
    if register.kind == RegisterKind.OUTGOING and register.organization.profile == Profile.PARTY:
        return None  # Party documents are numbered per type through the committee term: no one last number
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
    """One year's book of a register as PDF or Excel. An incoming register prints as the incoming
    register (``kind`` "incoming", the default) or the follow-up register ("followup"); an outgoing
    register prints as the outgoing register (``kind`` empty or "outgoing")."""
    register = register_for(user, pk)
    if fmt not in {"pdf", "xlsx"}:
        raise InvalidInput("Định dạng phải là pdf hoặc xlsx.", details={"format": fmt})
    if register.kind == RegisterKind.OUTGOING:
        if kind not in ("", printing.OUTGOING):
            raise InvalidInput("Sổ văn bản đi chỉ in được sổ đăng ký văn bản đi.", details={"kind": kind})
        kind = printing.OUTGOING
    else:
        kind = kind or printing.INCOMING
        if kind not in printing.INCOMING_KINDS:
            raise InvalidInput("Loại sổ phải là incoming hoặc followup.", details={"kind": kind})
    year = book_year(date_from, date_to)
    rows_of = (
        printing.outgoing_register_rows if kind == printing.OUTGOING else printing.incoming_register_rows
    )
    rows = rows_of(user, register, date_from=date_from, date_to=date_to, year=year)
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
    name = f"so-{FILE_NAMES[kind]}-{register.pk}-{year}.{fmt}"
    return Export(data, name, "application/pdf" if fmt == "pdf" else XLSX)


def copy_register_export(user: User, year: int, *, fmt: str) -> Export:
    """The copy register (sổ theo dõi bản sao) of a year, for the organisations the user keeps or leads,
    as PDF or Excel; audited like the other registers."""
    from copies.selectors import may_see_register, register_rows

    if not may_see_register(user):
        raise NotFound("Không tìm thấy sổ hoặc bạn không có quyền xem.")
    if fmt not in {"pdf", "xlsx"}:
        raise InvalidInput("Định dạng phải là pdf hoặc xlsx.", details={"format": fmt})
    rows = register_rows(user, year)
    organizations = sorted({r["organization"].name for r in rows}) or [
        o.name for o in Organization.objects.filter(pk__in=orgs_with_roles(user, OVERSEER_ROLES))[:1]
    ]
    book = CopyBook(name=f"Bản sao điện tử năm {year}")
    builder = printing.export_pdf if fmt == "pdf" else printing.export_xlsx
    data = builder(
        printing.COPIES,
        book,
        rows,
        date_from=None if rows else date(year, 1, 1),  # an empty book still names its year
        date_to=None,
        organization_name=", ".join(organizations),
    )
    audit.record(
        actor=user,
        action="register.export",
        target=None,
        organization_id=rows[0]["organization"].pk if rows else None,
        data={"format": fmt, "kind": printing.COPIES, "year": year, "rows": len(rows)},
    )
    return Export(data, f"so-ban-sao-{year}.{fmt}", "application/pdf" if fmt == "pdf" else XLSX)


@dataclass(frozen=True)
class CopyBook:
    name: str
