"""Process start-up for the web servers (ASGI and WSGI), and for the benchmark that mirrors them.

``warm_up_and_freeze`` imports every view and API module (the URLconf) at start, then moves every object
alive at that point into the garbage collector's permanent generation (``gc.freeze``). The application
imports large libraries (pyHanko, fontTools, python-docx, pdfplumber…): without the freeze, each full
collection walks those ~200,000 long-lived objects again, and the requests that trigger one take two to
three times longer (the overdue board's p95 went from ~180 ms to ~300 ms on SQLite when pyHanko arrived).
"""

from __future__ import annotations

import gc


def warm_up_and_freeze() -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (imports every view and API module now, not on a request)
    gc.collect()
    gc.freeze()
