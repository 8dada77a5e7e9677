"""Notification e-mail goes through the task queue: queued in the notifying transaction (nothing for a
change rolled back), sent by the worker over one connection, never by the request itself."""

from __future__ import annotations

import email
import email.policy
import socket
from typing import Any

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from conftest import World
from core import worker
from notifications import mail
from notifications.services import notify_users
from notifications.tests.smtp import Inbox, wait_for

pytestmark = pytest.mark.django_db


def _queued() -> list[Any]:
    return list(DBTaskResult.objects.filter(task_path="notifications.tasks.send_emails"))


def test_a_notification_queues_one_task_for_its_recipients_and_the_worker_sends_them(
    world: World, smtp_server: Inbox
) -> None:
    # Given two people told something in one transaction
    with transaction.atomic():
        notify_users([world.clerk, world.leader], "Văn bản liên thông mới: 12-TB/TU", "/lien-thong/den/1/")
    # Then nothing was sent by the request: one task holds both e-mails
    assert smtp_server.messages == []
    (task,) = _queued()
    assert [m[0] for m in task.args_kwargs["args"][0]] == [world.clerk.email, world.leader.email]
    # When the worker runs, Then both arrive, with the Vietnamese text
    assert worker.run_pending() == 1
    wait_for(smtp_server, 2)
    assert sorted(r for m in smtp_server.messages for r in m.rcpt_tos) == sorted(
        [world.clerk.email, world.leader.email]
    )
    message = email.message_from_bytes(smtp_server.messages[0].content, policy=email.policy.default)
    assert message["subject"].strip() == "[dieuhanh] Văn bản liên thông mới: 12-TB/TU"
    assert "/lien-thong/den/1/" in message.get_content()


def test_a_change_rolled_back_sends_nothing(world: World, smtp_server: Inbox) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        notify_users([world.clerk], "Sẽ bị hủy", "/")
        raise RuntimeError("rolled back")
    assert _queued() == [] and worker.run_pending() == 0
    assert smtp_server.messages == []


def test_an_unreachable_mail_server_fails_the_workers_task_not_the_notifying_change(
    world: World, settings: Any
) -> None:
    # a port nothing listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    # the notifying change commits with its notification and a task not tried yet
    with transaction.atomic():
        notes = notify_users([world.clerk], "Nhắc việc", "/")
    assert len(notes) == 1 and notes[0].pk is not None
    (task,) = _queued()
    assert task.status == "READY"
    # the worker tries it: the task fails with the connection error kept for the administrators
    assert worker.run_pending() == 1
    task.refresh_from_db()
    assert task.status == "FAILED" and "Connection" in (task.exception_class_path + str(task.traceback))


def test_an_address_refused_does_not_stop_the_others(world: World, smtp_server: Inbox) -> None:
    smtp_server.refused.add(world.clerk.email)
    sent = mail.send(
        [
            (world.clerk.email, "[dieuhanh] Nhắc việc", "Nội dung"),
            (world.leader.email, "[dieuhanh] Nhắc việc", "Nội dung"),
        ]
    )
    assert sent == 1
    wait_for(smtp_server, 1)
    assert [m.rcpt_tos for m in smtp_server.messages] == [[world.leader.email]]
