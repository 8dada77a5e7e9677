"""The mailbox intake's fixtures: a real IMAP server on loopback (Dovecot, ``intake.testing.imap``), started
once per test process, and a fresh mailbox per test. Without Dovecot the tests are skipped on a
workstation and fail in CI (``scripts/system-deps.sh test`` installs ``dovecot-imapd``)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import pytest

from intake.testing.imap import PASSWORD, ImapServer, dovecot_binary, run_dovecot

_accounts = itertools.count(1)


@pytest.fixture(scope="session")
def imap_server() -> Iterator[ImapServer]:
    binary = dovecot_binary()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("dovecot is missing in CI (scripts/system-deps.sh test installs dovecot-imapd)")
        pytest.skip("dovecot not installed (apt-get install dovecot-imapd)")
    with run_dovecot(binary) as server:
        yield server


@dataclass
class Account:
    server: ImapServer
    user: str

    def deliver(self, message: EmailMessage, *, flags: str = "") -> None:
        self.server.deliver(self.user, message, flags=flags)

    def messages(self, folder: str) -> list[EmailMessage]:
        return self.server.messages(self.user, folder)

    def flags(self, folder: str) -> list[list[str]]:
        return self.server.flags(self.user, folder)


@pytest.fixture
def mail_account(imap_server: ImapServer, settings: Any, world: Any) -> Account:
    """A fresh, empty mailbox, configured as the intake mailbox of the world's organisation."""
    user = f"tiepnhan{os.getpid()}x{next(_accounts)}"
    settings.INTAKE_MAIL_HOST = imap_server.host
    settings.INTAKE_MAIL_PORT = imap_server.port
    settings.INTAKE_MAIL_USER = user
    settings.INTAKE_MAIL_PASSWORD = PASSWORD
    settings.INTAKE_MAIL_SECURITY = "plain"
    settings.INTAKE_MAIL_FOLDER = "INBOX"
    settings.INTAKE_MAIL_PROCESSED_FOLDER = "Processed"
    settings.INTAKE_MAIL_REJECTED_FOLDER = "Rejected"
    settings.INTAKE_MAIL_ORG = world.org.identifier
    settings.INTAKE_MAIL_CA_FILE = ""
    return Account(imap_server, user)
