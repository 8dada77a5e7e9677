"""A real SMTP server on loopback for mail tests (aiosmtpd): ``smtp_server`` is a fixture everywhere
(registered as a plugin by the root conftest), ``Inbox`` and ``wait_for`` are imported."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.refused: set[str] = set()  # addresses answered "550 no such user"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refused:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server(settings: Any) -> Any:
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    yield inbox
    controller.stop()


def wait_for(inbox: Inbox, count: int) -> None:
    deadline = time.monotonic() + 5
    while len(inbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.02)
