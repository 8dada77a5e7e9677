"""Working days: Monday to Friday, minus the configured holidays."""

from __future__ import annotations

from datetime import date, timedelta

from core.models import Holiday


def _holidays(start: date, end: date) -> set[date]:
    return set(Holiday.objects.filter(date__range=(start, end)).values_list("date", flat=True))


def is_working_day(day: date, holidays: set[date] | None = None) -> bool:
    holidays = _holidays(day, day) if holidays is None else holidays
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
    if days <= 0:
        return start
    holidays = _holidays(start, start + timedelta(days=days * 3 + 30))
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current, holidays):
            remaining -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when ``end`` is earlier)."""
    if end == start:
        return 0
    sign = 1
    if end < start:
        start, end = end, start
        sign = -1
    holidays = _holidays(start, end)
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current, holidays):
            count += 1
    return sign * count
