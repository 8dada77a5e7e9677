"""'Chứng thư số của tôi' and the certificate expiry reminders (in the app and by e-mail, once each)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import World
from core import worker as core_worker
from notifications.models import Notification
from notifications.tests.smtp import Inbox, wait_for
from orgs.selectors import today
from signing.models import Certificate, CertificateReminder
from signing.tests.conftest import Certs

pytestmark = pytest.mark.django_db


def expire_in(cert: Any, days: float) -> None:
    Certificate.objects.filter(pk=cert.pk).update(not_after=timezone.now() + timedelta(days=days))


def page(user: Any) -> Any:
    client = Client()
    client.force_login(user)
    return client.get("/chung-thu-so/")


def test_page_lists_own_and_for_clerks_the_organisation_certificates(world: World, certs: Certs) -> None:
    # given the leader's personal certificate expiring in 20 days and the organisation's expired one
    expire_in(certs.person, 20.5)
    expire_in(certs.org, -2)
    # the leader sees their own, with a warning badge, and not the organisation's
    html = page(world.leader).content.decode()
    assert "Chứng thư số của tôi" in html and "Trần Văn Lãnh" in html
    assert '<span class="badge text-bg-warning">Còn 20 ngày</span>' in html
    assert "PKCS#12 trên máy chủ" in html and certs.person.serial_hex in html
    assert "Chứng thư của cơ quan" not in html
    # the clerk sees the organisation's seal certificate, red because expired
    html = page(world.clerk).content.decode()
    assert "Chứng thư của cơ quan (Tỉnh ủy Sông Lam)" in html
    assert '<span class="badge text-bg-danger">Đã hết hạn</span>' in html
    assert certs.person.serial_hex not in html
    # someone of another organisation: none of them; anonymous: the login page
    html = page(world.outsider).content.decode()
    assert certs.org.serial_hex not in html and "Bạn chưa có chứng thư số nào" in html
    assert Client().get("/chung-thu-so/").status_code == 302
    # the menu links to it
    assert 'href="/chung-thu-so/"' in html


def test_expiry_reminders_once_per_threshold(
    world: World, certs: Certs, smtp_server: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    from notifications.reminders import send_reminders

    # given the leader's certificate 25 days before expiry, the organisation's far from it
    expire_in(certs.person, 25.5)
    with django_capture_on_commit_callbacks(execute=True):
        sent = send_reminders(today())
    # then the leader is told once, in the app and by e-mail
    assert sent["certificate"] == 1
    notes = list(Notification.objects.filter(kind="certificate_expiry"))
    assert [(n.user_id, n.url) for n in notes] == [(world.leader.pk, "/chung-thu-so/")]
    assert "sắp hết hạn" in notes[0].text and "còn dưới 30 ngày" in notes[0].text
    assert core_worker.run_pending() >= 1  # the e-mail is sent by the worker, after the commit
    wait_for(smtp_server, 1)
    assert [m.rcpt_tos for m in smtp_server.messages] == [["lanhdao@example.test"]]
    # running again: nothing more
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders(today())["certificate"] == 0
    # at 5 days: the 7-day threshold, once
    expire_in(certs.person, 5.5)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders(today())["certificate"] == 1
        assert send_reminders(today())["certificate"] == 0
    # expired: the last one; the organisation's certificate expired too goes to its clerks
    expire_in(certs.person, -1)
    expire_in(certs.org, -1)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders(today())["certificate"] == 2
        assert send_reminders(today())["certificate"] == 0
    assert sorted(CertificateReminder.objects.values_list("certificate_id", "threshold")) == sorted(
        [
            (certs.person.pk, "30d"),
            (certs.person.pk, "7d"),
            (certs.person.pk, "expired"),
            (certs.org.pk, "expired"),
        ]
    )
    clerk_note = Notification.objects.get(kind="certificate_expiry", user=world.clerk)
    assert "Chứng thư số của Tỉnh ủy Sông Lam" in clerk_note.text and "đã hết hạn" in clerk_note.text
    assert core_worker.run_pending() >= 1  # the e-mail is sent by the worker, after the commit
    wait_for(smtp_server, 4)
    recipients = [r for m in smtp_server.messages for r in m.rcpt_tos]
    assert recipients.count("lanhdao@example.test") == 3 and "vanthu@example.test" in recipients


def test_inactive_certificates_are_not_reminded(world: World, certs: Certs) -> None:
    from signing.reminders import send_certificate_reminders

    expire_in(certs.person, 3)
    Certificate.objects.filter(pk=certs.person.pk).update(is_active=False)
    assert send_certificate_reminders(today()) == 0
