from datetime import date

import pytest

from outgoing.terms import term_holding


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 12, 1), ("2025–2030", date(2025, 10, 1), date(2030, 9, 30))),
        (date(2025, 10, 1), ("2025–2030", date(2025, 10, 1), date(2030, 9, 30))),
        (date(2025, 9, 30), ("2020–2025", date(2020, 10, 1), date(2025, 9, 30))),
        (date(2030, 9, 30), ("2025–2030", date(2025, 10, 1), date(2030, 9, 30))),
        (date(2030, 10, 1), ("2030–2035", date(2030, 10, 1), date(2035, 9, 30))),
        (date(2041, 2, 3), ("2040–2045", date(2040, 10, 1), date(2045, 9, 30))),
    ],
)
def test_the_term_holding_a_day_is_the_five_years_from_the_congress_before_it(
    day: date, expected: tuple[str, date, date]
) -> None:
    assert term_holding(day) == expected
