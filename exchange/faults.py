"""Fault injection for the end-to-end tests only (honoured when DIEUHANH_TESTING=1): the receiving
process dies right after it committed a message, before it answers — the crash "mid-request" that the
sender's retry and the receiver's idempotency must survive. ``EXCHANGE_FAULTS=exit_after_commit`` fires
once per data directory (a marker file), so the restarted process behaves."""

from __future__ import annotations

import os

from django.conf import settings


def after_commit() -> None:
    if not settings.TESTING or os.environ.get("EXCHANGE_FAULTS") != "exit_after_commit":
        return
    marker = settings.DATA_DIR / "exchange-fault-fired"
    if marker.exists():
        return
    marker.write_text("fired")
    os._exit(17)
