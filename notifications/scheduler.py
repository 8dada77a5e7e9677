"""In-process scheduler for the embedded mode (`make run`): sends deadline and review reminders every hour
and queues again the issued documents whose issued PDF is still missing.

Reminders are idempotent (once per assignment, kind and day), so running them hourly, from several
processes, or also from cron, never sends one twice. In production use cron instead (docs/operations.md).
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)
_started = threading.Event()


def _loop(interval: float, stop: threading.Event) -> None:
    from django.db import connections

    from notifications.reminders import send_reminders

    while not stop.is_set():
        try:
            sent = send_reminders()
            if any(sent.values()):
                log.info("reminders sent: %s", sent)
        except Exception:  # a failed round is logged and retried at the next interval
            log.exception("deadline reminders failed")
        try:
            from outgoing.services import outgoing_finalize_pending

            if queued := outgoing_finalize_pending():
                log.info("issued documents queued again for finalizing: %s", queued)
        except Exception:
            log.exception("re-queueing unfinished issued documents failed")
        finally:
            connections.close_all()  # this thread's connections only: never hold one between rounds
        stop.wait(interval)


def start(interval: float = 3600.0) -> threading.Event:
    """Start the reminder loop once per process; returns the event that stops it."""
    stop = threading.Event()
    if _started.is_set():
        return stop
    _started.set()
    threading.Thread(target=_loop, args=(interval, stop), name="dieuhanh-reminders", daemon=True).start()
    return stop
