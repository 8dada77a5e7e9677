"""Deadline reminders reach people in the app and by e-mail through a real SMTP server on loopback."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from conftest import World
from core import worker as core_worker
from incoming.models import IncomingDocument
from notifications.tests.smtp import Inbox, wait_for

pytestmark = pytest.mark.django_db


def test_overdue_and_near_due_reminders_once_a_day(
    world: World, smtp_server: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    from core.calendar import add_working_days
    from incoming.models import Assignment
    from notifications.reminders import send_deadline_reminders

    late = world.distributed(number_symbol="1-BC/BTCTW")
    soon = world.distributed(number_symbol="2-BC/BTCTW")
    today = timezone.localdate()
    Assignment.objects.filter(document=late).update(deadline=today - timedelta(days=3))
    Assignment.objects.filter(document=soon).update(deadline=add_working_days(today, 1))
    before = world.specialist.notifications.count()
    with django_capture_on_commit_callbacks(execute=True):
        sent = send_deadline_reminders(today)
    # the lead and supporting unit assignments plus the specialist's: each reminded once
    assert sent["overdue"] >= 2 and sent["near_due"] >= 2
    texts = list(
        world.specialist.notifications.values_list("text", flat=True)[
            : world.specialist.notifications.count() - before
        ]
    )
    assert any("quá hạn" in t and "1-BC/BTCTW" in t for t in texts)
    assert any("sắp đến hạn" in t and "2-BC/BTCTW" in t for t in texts)
    assert core_worker.run_pending() >= 1  # the e-mail is sent by the worker, after the commit
    wait_for(smtp_server, 4)
    recipients = {rcpt for message in smtp_server.messages for rcpt in message.rcpt_tos}
    assert {"chuyenvien@example.test", "truongphong@example.test"} <= recipients
    body = smtp_server.messages[0].content.decode("utf-8", "replace")
    assert "Subject:" in body
    # running again the same day sends nothing more
    count = len(smtp_server.messages)
    with django_capture_on_commit_callbacks(execute=True):
        again = send_deadline_reminders(today)
    assert again == {"near_due": 0, "overdue": 0}
    time.sleep(0.2)
    assert len(smtp_server.messages) == count


def test_secret_documents_are_announced_without_subject(
    world: World, smtp_server: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    from incoming.services import incoming_submit

    doc: IncomingDocument = world.register(secrecy="secret")
    with django_capture_on_commit_callbacks(execute=True):
        incoming_submit(actor=world.clerk, document=doc)
    note = world.leader.notifications.get()
    assert doc.subject not in note.text and "mật" in note.text
    assert core_worker.run_pending() >= 1  # the e-mail is sent by the worker, after the commit
    wait_for(smtp_server, 1)
    assert smtp_server.messages
    assert doc.subject.encode() not in smtp_server.messages[0].content


@pytest.mark.django_db(transaction=True)
def test_in_process_scheduler_sends_reminders(world: World) -> None:
    from core.calendar import add_working_days
    from incoming.models import Assignment
    from notifications import scheduler

    doc = world.distributed()
    Assignment.objects.filter(document=doc).update(deadline=add_working_days(timezone.localdate(), 1))
    stop = threading.Event()
    worker = threading.Thread(
        target=scheduler._loop, args=(60, stop), daemon=True
    )  # runs at once, then waits
    worker.start()
    deadline = time.monotonic() + 10
    while not world.specialist.notifications.filter(kind="near_due").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    worker.join(timeout=5)
    assert world.specialist.notifications.filter(kind="near_due").exists()
