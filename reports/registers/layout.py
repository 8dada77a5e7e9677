"""What the registers look like: prescribed columns (NĐ 30 PL-IV) and the cover block.

Three kinds share one layout: the incoming register, the follow-up register (both printed from an
incoming register) and the outgoing register (sổ đăng ký văn bản đi, printed from an outgoing register).
The copy register (sổ theo dõi bản sao, ``COPIES``) uses it too; PL-IV prescribes no columns for it, so
they follow the copy's format components (PL-I Part II.II) and what the copy register page shows.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from orgs.selectors import today

INCOMING = "incoming"
FOLLOWUP = "followup"
OUTGOING = "outgoing"
COPIES = "copies"  # not a Register: one book per organisation and year
INCOMING_KINDS = (INCOMING, FOLLOWUP)  # printed from an incoming register
KINDS = (INCOMING, FOLLOWUP, OUTGOING)

TITLES = {
    INCOMING: "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN",
    FOLLOWUP: "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN",
    OUTGOING: "SỔ ĐĂNG KÝ VĂN BẢN ĐI",
    COPIES: "SỔ THEO DÕI BẢN SAO VĂN BẢN",
}
SHEET_TITLES = {
    INCOMING: "Sổ đăng ký VB đến",
    FOLLOWUP: "Sổ theo dõi giải quyết",
    OUTGOING: "Sổ đăng ký VB đi",
    COPIES: "Sổ theo dõi bản sao",
}
# The row keys the cover reads its date range and its number range from.
COVER_KEYS = {
    INCOMING: ("arrival_date", "arrival_number"),
    FOLLOWUP: ("arrival_date", "arrival_number"),
    OUTGOING: ("issued_date", "book_number"),
    COPIES: ("copied_on", "number_symbol"),
}
VOLUME = "01"
EMPTY = "…"


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    width: float  # relative width; about millimetres on an A4 landscape page with 10 mm margins
    is_date: bool = False
    centered: bool = False
    blank_height_mm: float = 0  # room kept in an empty cell (handwritten signatures on paper)


INCOMING_COLUMNS: tuple[Column, ...] = (
    Column("Ngày đến", "arrival_date", 23, is_date=True, centered=True),
    Column("Số đến", "arrival_number", 12, centered=True),
    Column("Tác giả", "issuer_name", 32),
    Column("Số, ký hiệu văn bản", "number_symbol", 26),
    Column("Ngày tháng văn bản", "issued_date", 23, is_date=True, centered=True),
    Column("Tên loại và trích yếu nội dung", "type_and_subject", 58),
    Column("Đơn vị hoặc người nhận", "recipients", 38),
    Column("Ngày chuyển", "transferred_on", 23, is_date=True, centered=True),
    Column("Ký nhận", "signature", 21, centered=True, blank_height_mm=10),
    Column("Ghi chú", "note", 21),
)

FOLLOWUP_COLUMNS: tuple[Column, ...] = (
    Column("Số đến", "arrival_number", 16, centered=True),
    Column("Tên loại, số, ký hiệu, ngày tháng và cơ quan ban hành", "summary", 85),
    Column("Đơn vị hoặc người nhận", "recipients", 50),
    Column("Thời hạn giải quyết", "due_date", 24, is_date=True, centered=True),
    Column("Tiến độ giải quyết", "progress", 40),
    Column("Số, ký hiệu văn bản trả lời", "reply_number_symbol", 30),
    Column("Ghi chú", "note", 32),
)

OUTGOING_COLUMNS: tuple[Column, ...] = (
    Column("Số, ký hiệu văn bản", "number_symbol", 26),
    Column("Ngày tháng văn bản", "issued_date", 22, is_date=True, centered=True),
    Column("Tên loại và trích yếu nội dung", "type_and_subject", 60),
    Column("Người ký", "signer", 28),
    Column("Nơi nhận văn bản", "recipients", 45),
    Column("Đơn vị, người nhận bản lưu", "file_copy_holder", 30),
    Column("Số lượng bản", "copies", 14, centered=True),
    Column("Ngày chuyển", "transferred_on", 22, is_date=True, centered=True),
    Column("Ký nhận", "signature", 20, centered=True, blank_height_mm=10),
    Column("Ghi chú", "note", 30),
)

COPIES_COLUMNS: tuple[Column, ...] = (
    Column("Số, ký hiệu bản sao", "number_symbol", 24),
    Column("Ngày sao", "copied_on", 20, is_date=True, centered=True),
    Column("Hình thức sao", "form", 18, centered=True),
    Column("Văn bản được sao (tên loại, số, ký hiệu, ngày, cơ quan ban hành, trích yếu)", "source", 80),
    Column("Trang", "pages", 14, centered=True),
    Column("Người quyết định sao", "decided_by", 30),
    Column("Người sao", "created_by", 28),
    Column("Nơi nhận", "recipients", 45),
    Column("Ghi chú", "note", 25),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    INCOMING: INCOMING_COLUMNS,
    FOLLOWUP: FOLLOWUP_COLUMNS,
    OUTGOING: OUTGOING_COLUMNS,
    COPIES: COPIES_COLUMNS,
}


def columns_for(kind: str) -> tuple[Column, ...]:
    try:
        return COLUMNS[kind]
    except KeyError:
        raise ValueError(f"Unknown register kind {kind!r}; expected one of {', '.join(KINDS)}") from None


def headers(kind: str) -> list[str]:
    """The prescribed column names of a register, in order."""
    return [c.header for c in columns_for(kind)]


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(value: Any) -> str:
    """Printable NFC text: control characters dropped (they break xlsx and PDF text)."""
    if value is None:
        return ""
    return _CONTROL.sub("", unicodedata.normalize("NFC", str(value)))


def fmt_date(value: date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else ""


def cell_text(row: dict[str, Any], column: Column) -> str:
    value = row.get(column.key)
    if column.is_date:
        return fmt_date(value)
    return clean(value)


class Book(Protocol):
    """What the cover reads of the book: a ``documents.Register``, or the copy register."""

    @property
    def name(self) -> str: ...


@dataclass(frozen=True)
class Cover:
    """The first block of a register (NĐ 30 PL-IV): body, title, year, date range, number range, volume.

    Incoming registers count arrival numbers; the outgoing register counts issue numbers (State profile)
    or number-symbols (Party profile, where each type has its own sequence through the committee term).
    """

    organization: str
    title: str
    register_name: str
    year: str
    date_range: str
    number_range: str
    volume: str = VOLUME

    @property
    def lines(self) -> list[str]:
        return [self.year, self.date_range, self.number_range, f"Quyển số {self.volume}"]


def cover_for(
    kind: str,
    register: Book,
    rows: list[dict[str, Any]],
    *,
    date_from: date | None,
    date_to: date | None,
    organization_name: str,
) -> Cover:
    columns_for(kind)  # validates kind
    years = sorted({int(r["year"]) for r in rows if r.get("year")})
    if not years:
        anchor = date_from or date_to or today()
        years = [anchor.year]
    year = f"Năm {years[0]}" if len(years) == 1 else f"Năm {years[0]}–{years[-1]}"
    date_key, number_key = COVER_KEYS[kind]
    dates = [r[date_key] for r in rows if r.get(date_key)]
    start = date_from or (min(dates) if dates else None)
    end = date_to or (max(dates) if dates else None)
    date_range = f"Từ ngày {fmt_date(start) or EMPTY} đến ngày {fmt_date(end) or EMPTY}"
    if rows:
        number_range = f"Từ số {rows[0][number_key]} đến số {rows[-1][number_key]}"
    else:
        number_range = f"Từ số {EMPTY} đến số {EMPTY}"
    return Cover(
        organization=clean(organization_name),
        title=TITLES[kind],
        register_name=clean(register.name),
        year=year,
        date_range=date_range,
        number_range=number_range,
    )
