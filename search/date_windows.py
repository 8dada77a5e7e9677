"""Date windows for PostgreSQL's full-text scan: every vector also holds its entry's year, month and day
as tokens (``_y2025``, ``_m202506``, ``_d20250623``; ``_dnull`` without a date), so the GIN index itself
can intersect the words with a run of days and the heap is visited only for the matches inside it.

Why: results come in date order, at most ``COUNT_LIMIT + 1`` of them. Words that match some thousands
of documents (rare enough for the planner to use the GIN index, too common to stop early) made
PostgreSQL fetch *every* match from the heap and probe its visibility before sorting by date — 9,000
heap rows at 1,000,000 documents, ~250 ms. Asked newest days first, window by window, it reads about
as many rows as it returns. A filter on the ``date`` column cannot do this: the planner reads the whole
GIN result and filters dates on the heap (measured; see bench/README.md).

The windows grow with what they find: the first holds about ``FIRST_WINDOW_ENTRIES`` documents, each
next one is sized from the matches per day seen so far (at least doubling), so a search takes two or
three index scans whatever the size of the archive. A window is named by the fewest tokens: whole years,
then whole months, then days (at most ~80 tokens, ORed).
"""

from __future__ import annotations

import math
from datetime import date

NULL_MARK = "_dnull"
FIRST_WINDOW_ENTRIES = 5_000
MARGIN = 1.3  # the next window aims at this many times the matches still needed


def marks(day: date | None) -> str:
    """The date tokens of an entry, as a tsvector literal (no positions)."""
    if day is None:
        return NULL_MARK
    return f"_y{day:%Y} _m{day:%Y%m} _d{day:%Y%m%d}"


def tokens(first: date, last: date) -> list[str]:
    """The fewest tokens naming the days ``first``…``last``: whole years, whole months, then days."""
    out: list[str] = []
    day = first
    while day <= last:
        year_end = date(day.year, 12, 31)
        month_end = _month_end(day)
        if day.month == 1 and day.day == 1 and year_end <= last:
            out.append(f"_y{day:%Y}")
            day = year_end
        elif day.day == 1 and month_end <= last:
            out.append(f"_m{day:%Y%m}")
            day = month_end
        else:
            out.append(f"_d{day:%Y%m%d}")
        day = date.fromordinal(day.toordinal() + 1)
    return out


def _month_end(day: date) -> date:
    following = date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def first_size(per_day: float) -> int:
    """Days in the first window: about ``FIRST_WINDOW_ENTRIES`` documents."""
    return max(1, math.ceil(FIRST_WINDOW_ENTRIES / max(per_day, 1e-3)))


def next_size(covered: int, found: int, needed: int) -> int:
    """Days in the next window, after ``covered`` days held ``found`` matches and ``needed`` more are
    wanted: enough for them at the rate seen so far (with a margin), and at least as many as covered."""
    if found <= 0:
        return 4 * covered
    return max(covered, math.ceil(needed * MARGIN * covered / found))
