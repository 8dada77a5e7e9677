"""Vietnamese public holidays (non-working days besides weekends) and pure working-day arithmetic.

The lunar holidays (Tết Nguyên đán, Giỗ Tổ Hùng Vương) are hard-coded for the years we know; other
years get the fixed solar holidays only. The seed writes these rows into core.Holiday, and the pure
helpers below give the same answers as core.calendar on a database holding exactly these rows.
"""

from __future__ import annotations

from datetime import date, timedelta

NEW_YEAR = "Tết Dương lịch"
TET = "Tết Nguyên đán"
HUNG_KINGS = "Giỗ Tổ Hùng Vương (10/3 âm lịch)"
HUNG_KINGS_COMP = "Nghỉ bù Giỗ Tổ Hùng Vương"
REUNIFICATION = "Ngày Giải phóng miền Nam, thống nhất đất nước (30/4)"
LABOUR = "Ngày Quốc tế Lao động (1/5)"
LABOUR_COMP = "Nghỉ bù Ngày Quốc tế Lao động"
NATIONAL = "Quốc khánh (2/9)"
NATIONAL_EXTRA = "Nghỉ Quốc khánh"

# Working days off around the lunar new year and the Hùng Kings' day, per year (actual solar dates).
_LUNAR: dict[int, list[tuple[date, str]]] = {
    2025: [
        (date(2025, 1, 27), TET),
        (date(2025, 1, 28), TET),
        (date(2025, 1, 29), TET),
        (date(2025, 1, 30), TET),
        (date(2025, 1, 31), TET),
        (date(2025, 4, 7), HUNG_KINGS),
    ],
    2026: [
        (date(2026, 2, 16), TET),
        (date(2026, 2, 17), TET),
        (date(2026, 2, 18), TET),
        (date(2026, 2, 19), TET),
        (date(2026, 2, 20), TET),
        (date(2026, 4, 27), HUNG_KINGS_COMP),
    ],
    2027: [
        (date(2027, 2, 4), TET),
        (date(2027, 2, 5), TET),
        (date(2027, 2, 8), TET),
        (date(2027, 2, 9), TET),
        (date(2027, 2, 10), TET),
        (date(2027, 4, 16), HUNG_KINGS),
    ],
}
# The day joined to 2/9 (the one before or after, whichever makes a long weekend).
_NATIONAL_EXTRA: dict[int, date] = {2025: date(2025, 9, 1), 2026: date(2026, 9, 1), 2027: date(2027, 9, 3)}
_LABOUR_COMP: dict[int, date] = {2027: date(2027, 5, 3)}


def holidays_for_year(year: int) -> list[tuple[date, str]]:
    """The holidays of ``year``, sorted by date."""
    days: list[tuple[date, str]] = [
        (date(year, 1, 1), NEW_YEAR),
        (date(year, 4, 30), REUNIFICATION),
        (date(year, 5, 1), LABOUR),
        (date(year, 9, 2), NATIONAL),
    ]
    days += _LUNAR.get(year, [])
    if year in _NATIONAL_EXTRA:
        days.append((_NATIONAL_EXTRA[year], NATIONAL_EXTRA))
    else:
        extra = date(year, 9, 1) if date(year, 9, 2).weekday() in (1, 6) else date(year, 9, 3)
        days.append((extra, NATIONAL_EXTRA))
    if year in _LABOUR_COMP:
        days.append((_LABOUR_COMP[year], LABOUR_COMP))
    return sorted(days)


def holidays_around(today: date) -> list[tuple[date, str]]:
    """Holidays of the previous, current and next year."""
    days: list[tuple[date, str]] = []
    for year in (today.year - 1, today.year, today.year + 1):
        days += holidays_for_year(year)
    return days


class WorkCalendar:
    """Working days (Monday–Friday minus the given holidays), without touching the database."""

    def __init__(self, holidays: set[date]) -> None:
        self.holidays = holidays

    @classmethod
    def around(cls, today: date) -> WorkCalendar:
        return cls({day for day, _ in holidays_around(today)})

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: date, days: int) -> date:
        """Same contract as core.calendar.add_working_days."""
        current = start
        remaining = days
        while remaining > 0:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def previous_working_day(self, day: date) -> date:
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def working_days(self, start: date, end: date) -> list[date]:
        """Working days from ``start`` to ``end`` inclusive."""
        days = []
        current = start
        while current <= end:
            if self.is_working_day(current):
                days.append(current)
            current += timedelta(days=1)
        return days
