"""Party committee terms (nhiệm kỳ): five years, from the congresses held around October of 2020, 2025,
2030 … — what a new installation (or the demo) starts with when nobody has entered a term yet."""

from __future__ import annotations

from datetime import date

FIRST_CONGRESS = 2025  # any congress year: the terms before and after it follow every five years
TERM_YEARS = 5
TERM_STARTS = (10, 1)  # 1 October


def term_holding(day: date) -> tuple[str, date, date]:
    """The five-year term that ``day`` falls in: its name ("2025–2030"), first and last day."""
    year = day.year if (day.month, day.day) >= TERM_STARTS else day.year - 1
    first = FIRST_CONGRESS + TERM_YEARS * ((year - FIRST_CONGRESS) // TERM_YEARS)
    start = date(first, *TERM_STARTS)
    end = date.fromordinal(date(first + TERM_YEARS, *TERM_STARTS).toordinal() - 1)
    return f"{first}–{first + TERM_YEARS}", start, end
