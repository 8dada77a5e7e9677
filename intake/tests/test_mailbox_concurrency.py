"""Two pollers on one mailbox at once (two cron runs overlapping, or the web process's thread beside
``manage.py intake_mail``): every scan is taken in exactly once. Real IMAP server, real database."""

from __future__ import annotations

import multiprocessing
import traceback
from typing import Any

import pytest

from conftest import World, drain
from intake.tests.conftest import Account
from intake.tests.helpers import party_scan
from intake.tests.test_mailbox import _message

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.xdist_group("concurrency"),
]

POLLERS = 2
MESSAGES = 4


def poller(org_id: int, barrier: Any, results: Any) -> None:
    from django.db import connections

    connections.close_all()  # never share the parent's connection after fork
    try:
        from intake.mailbox import MailConfig, poll_once
        from orgs.models import Organization

        organization = Organization.objects.get(pk=org_id)
        config = MailConfig.from_settings()
        barrier.wait(timeout=60)
        result = poll_once(config, organization)
        results.put(("ok", (result.jobs, result.duplicates, result.errors)))
    except Exception:  # report to the parent instead of dying silently
        results.put(("error", traceback.format_exc()))
    finally:
        connections.close_all()


def test_two_pollers_take_each_scan_once(world: World, mail_account: Account) -> None:
    from django.db import connections

    from intake.models import IntakeJob, MailOrigin

    # Given four messages of two scans each
    sent = [
        _message(
            ("trang-1.pdf", party_scan("pdf"), "application/pdf"),
            ("trang-2.png", party_scan("png"), "image/png"),
        )
        for _ in range(MESSAGES)
    ]
    for message in sent:
        mail_account.deliver(message)
    # When two pollers read the mailbox at the same moment
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(POLLERS)
    results = context.Queue()
    connections.close_all()
    processes = [
        context.Process(target=poller, args=(world.org.pk, barrier, results)) for _ in range(POLLERS)
    ]
    for process in processes:
        process.start()
    outcomes = drain(results, processes)
    errors = [detail for kind, detail in outcomes if kind == "error"]
    assert not errors, errors[0]
    assert len(outcomes) == POLLERS
    # Then each scan of each message became exactly one job, and every message left the inbox
    made = [job for _, (jobs, _, _) in outcomes for job in jobs]
    assert len(made) == len(set(made)) == MESSAGES * 2
    assert IntakeJob.objects.count() == MailOrigin.objects.count() == MESSAGES * 2
    assert all(not left for _, (_, _, left) in outcomes)
    assert mail_account.messages("INBOX") == []
    # (both may have moved the same message at once: Dovecot's MOVE copies then expunges, so the
    # processed folder can hold a second copy; harmless, nothing reads that folder again)
    moved = {message["Message-ID"] for message in mail_account.messages("Processed")}
    assert moved == {message["Message-ID"] for message in sent}
