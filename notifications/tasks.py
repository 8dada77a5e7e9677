"""Worker tasks of notifications: thin, taking plain values."""

from __future__ import annotations

from django_tasks import task


@task()
def send_emails(messages: list[list[str]]) -> int:
    """E-mail the ``[address, subject, body]`` of one notification's recipients (``services.notify_*``)."""
    from notifications.mail import send

    return send([(address, subject, body) for address, subject, body in messages])
