"""Work background tasks (django-tasks, database backend) inside this process: the embedded mode.

``make run`` starts one worker thread in the web process (``DIEUHANH_INPROCESS_JOBS=1``), so a single
command serves everything; production runs ``manage.py db_worker`` processes instead (docs/operations.md).
Tests call ``run_pending()`` to work the queue to its end, exactly as a worker would.
"""

from __future__ import annotations

import os
import threading

_started = threading.Event()


def _worker(*, batch: bool, interval: float = 1.0) -> object:
    from django_tasks_db.management.commands.db_worker import Worker

    return Worker(
        queue_names=["default"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"inprocess-{os.getpid()}-{threading.get_ident()}"[:64],
        excluded_queue_names=[],
    )


def start(interval: float = 1.0) -> None:
    """Start the in-process worker thread once per process."""
    if _started.is_set():
        return
    _started.set()
    worker = _worker(batch=False, interval=interval)
    threading.Thread(target=worker.run, name="dieuhanh-worker", daemon=True).start()  # type: ignore[attr-defined]


def run_pending() -> int:
    """Run every ready task now, in this thread and connection (the worker's loop without its sleeps
    and connection recycling, so it also works inside a test's transaction); returns how many ran."""
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.utils import exclusive_transaction

    worker = _worker(batch=True, interval=0)
    ran = 0
    while True:
        ready = DBTaskResult.objects.ready().filter(backend_name="default")
        with exclusive_transaction(ready.db):
            result = ready.get_locked()
            if result is None:
                return ran
            result.claim(worker.worker_id)  # type: ignore[attr-defined]
        worker.run_task(result)  # type: ignore[attr-defined]
        ran += 1
