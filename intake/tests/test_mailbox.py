"""The intake mailbox against a real IMAP server (Dovecot on loopback, intake/tests/conftest.py): scans
attached to a message become jobs, the message moves away, and nothing is taken twice."""

from __future__ import annotations

import logging
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from core import worker
from core.errors import WrongState
from core.models import AuditEvent, StoredFile
from intake import mailbox, services
from intake.mailbox import MailConfig, MailConfigError, find_organization, poll_once
from intake.models import IntakeJob, MailOrigin, OcrResult
from intake.states import Source, Status, Step
from intake.tests.conftest import Account
from intake.tests.helpers import party_scan

SENDER = "Văn phòng Huyện ủy Hưng Nguyên <vanphong@huyenuy.example.vn>"
SUBJECT = "Gửi bản quét Thông báo 127-TB/TU"


def _message(
    *files: tuple[str, bytes, str], subject: str = SUBJECT, message_id: str | None = None
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = "tiepnhan@tinhuy.example.vn"
    message["Subject"] = subject
    message["Date"] = formatdate()
    message["Message-ID"] = message_id or make_msgid(domain="huyenuy.example.vn")
    message.set_content("Kính gửi Văn phòng Tỉnh ủy,\nXin gửi bản quét văn bản đính kèm.\n")
    for name, data, content_type in files:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message


def _poll(world: Any) -> mailbox.MailRound:
    return poll_once(MailConfig.from_settings(), world.org)


@pytest.mark.django_db
def test_two_scans_become_two_jobs_and_the_message_moves(
    world: Any, mail_account: Account, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a message with a PDF scan, a TIFF scan under a misleading name and a Word file
    message = _message(
        ("cong-van.pdf", party_scan("pdf"), "application/pdf"),
        ("trang-quet.dat", party_scan("tiff"), "application/octet-stream"),
        ("ghi-chu.txt", "Ghi chú của văn thư".encode(), "text/plain"),
    )
    mail_account.deliver(message)
    # When the mailbox is read once
    with caplog.at_level(logging.INFO, logger="intake.mailbox"):
        result = _poll(world)
    # Then each scan (by its content) is a queued job from the mail, with where it came from
    jobs = list(IntakeJob.objects.order_by("pk"))
    assert [job.original_name for job in jobs] == ["cong-van.pdf", "trang-quet.tif"]
    assert result.jobs == [job.pk for job in jobs] and result.processed == [message["Message-ID"]]
    for job in jobs:
        assert job.source == Source.EMAIL and job.status == Status.QUEUED and job.created_by is None
        assert job.organization == world.org
        origin = job.mail
        assert origin.sender == SENDER and origin.subject == SUBJECT
        assert origin.message_id == message["Message-ID"] and origin.received_at is not None
        assert origin.attachment_sha256 == job.original.sha256
    assert jobs[1].original.content_type == "image/tiff"
    # the other attachment is ignored, with a log line
    assert "ghi-chu.txt ignored" in caplog.text
    # and the message left the inbox for the processed folder
    assert mail_account.messages("INBOX") == []
    assert [m["Message-ID"] for m in mail_account.messages("Processed")] == [message["Message-ID"]]


@pytest.mark.django_db
def test_a_second_pass_and_a_second_delivery_create_nothing(world: Any, mail_account: Account) -> None:
    # Given a message with one scan, taken in once
    message = _message(("cong-van.pdf", party_scan("pdf"), "application/pdf"))
    mail_account.deliver(message)
    assert len(_poll(world).jobs) == 1
    # When the mailbox is read again, and then the same message arrives a second time and is read
    assert _poll(world).jobs == []
    mail_account.deliver(message)
    again = _poll(world)
    # Then there is still one job; the second copy is recognised and moved away too
    assert again.jobs == [] and again.duplicates == 1
    assert IntakeJob.objects.count() == 1 and MailOrigin.objects.count() == 1
    assert mail_account.messages("INBOX") == [] and len(mail_account.messages("Processed")) == 2


@pytest.mark.django_db
def test_a_message_without_a_scan_is_rejected(
    world: Any, mail_account: Account, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a message without attachment and one with only a text file
    bare = _message(subject="Hỏi về lịch họp")
    text_only = _message(("ghi-chu.pdf", b"khong phai PDF", "application/pdf"), subject="Chỉ có ghi chú")
    mail_account.deliver(bare)
    mail_account.deliver(text_only)
    # When the mailbox is read
    with caplog.at_level(logging.WARNING, logger="intake.mailbox"):
        result = _poll(world)
    # Then no job is made and both go to the rejected folder, the reason logged
    assert not IntakeJob.objects.exists()
    assert {message_id for message_id, _ in result.rejected} == {bare["Message-ID"], text_only["Message-ID"]}
    assert mail_account.messages("INBOX") == []
    assert len(mail_account.messages("Rejected")) == 2 and mail_account.messages("Processed") == []
    assert "không có tệp đính kèm nào" in caplog.text and "ghi-chu.pdf" in caplog.text
    # and each turned-away message is on the audit record with its sender and reason
    events = AuditEvent.objects.filter(action="intake.mail_rejected", organization_id=world.org.pk)
    assert {e.data["subject"] for e in events} == {"Hỏi về lịch họp", "Chỉ có ghi chú"}
    assert all(e.data["sender"] == SENDER and e.data["reason"] for e in events)


@pytest.mark.django_db
def test_a_crash_before_the_move_creates_no_duplicate(
    world: Any, mail_account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a message with two scans
    message = _message(
        ("trang-1.pdf", party_scan("pdf"), "application/pdf"),
        ("trang-2.png", party_scan("png"), "image/png"),
    )
    mail_account.deliver(message)

    # When the connection is lost after the jobs were made, before the message was moved
    # (fault injection: the move step raises as a dropped connection would)
    def lost(*args: Any) -> None:
        raise OSError("connection reset by peer")

    monkeypatch.setattr(mailbox, "move", lost)
    with pytest.raises(OSError):
        _poll(world)
    assert IntakeJob.objects.count() == 2
    assert len(mail_account.messages("INBOX")) == 1  # still there, still unseen
    # and the next pass runs normally
    monkeypatch.undo()
    result = _poll(world)
    # Then it makes no new job and moves the message
    assert result.jobs == [] and result.duplicates == 2
    assert IntakeJob.objects.count() == 2
    assert mail_account.messages("INBOX") == [] and len(mail_account.messages("Processed")) == 1


@pytest.mark.django_db
def test_a_message_read_in_webmail_is_still_taken_and_an_odd_one_blocks_no_other(
    world: Any, mail_account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a message someone already opened in webmail (\\Seen) and, before it, one the server will not
    # let us move (fault injection: the move of the first message is refused)
    first = _message(("mot.pdf", party_scan("pdf"), "application/pdf"))
    read = _message(("hai.png", party_scan("png"), "image/png"))
    mail_account.deliver(first)
    mail_account.deliver(read, flags="(\\Seen)")
    real_move = mailbox.move
    calls: list[str] = []

    def refuse_first(client: Any, uid: str, folder: str, keyword: str) -> bool:
        calls.append(uid)
        if len(calls) == 1:
            raise mailbox.imaplib.IMAP4.error("MOVE refused: [TRYCREATE]")
        return real_move(client, uid, folder, keyword)

    monkeypatch.setattr(mailbox, "move", refuse_first)
    # When the mailbox is read once
    result = _poll(world)
    # Then the read message is taken and moved although the first one failed
    assert len(result.errors) == 1 and result.processed == [read["Message-ID"]]
    assert sorted(IntakeJob.objects.values_list("original_name", flat=True)) == ["hai.png", "mot.pdf"]
    assert len(mail_account.messages("INBOX")) == 1 and len(mail_account.messages("Processed")) == 1
    # and the next pass moves the first one without taking its scan twice
    monkeypatch.undo()
    again = _poll(world)
    assert again.jobs == [] and again.duplicates == 1 and again.processed == [first["Message-ID"]]
    assert IntakeJob.objects.count() == 2 and mail_account.messages("INBOX") == []


@pytest.mark.django_db
def test_a_damaged_pdf_gives_a_failed_job(world: Any, mail_account: Account) -> None:
    # Given a message whose PDF scan was cut short in transit
    data = party_scan("pdf")
    mail_account.deliver(_message(("cong-van.pdf", data[: len(data) // 2], "application/pdf")))
    # When the mailbox is read and the workers run
    result = _poll(world)
    worker.run_pending()
    # Then the clerk sees a failed job with the reason in Vietnamese, and no document was made of it
    job = IntakeJob.objects.get()
    assert result.failed_jobs == [job.pk] and result.jobs == []
    assert job.status == Status.FAILED and job.step == Step.PREPARE and job.source == Source.EMAIL
    assert job.error_code == "invalid_pdf"
    assert "không phải là PDF hợp lệ" in job.error_message
    assert job.result is None and not OcrResult.objects.exists() and job.document_id is None
    assert StoredFile.objects.get(pk=job.original_id).content_type == "application/octet-stream"
    assert job.mail.sender == SENDER
    assert len(mail_account.messages("Processed")) == 1
    # and retrying cannot help: the clerk is told to ask the sender again
    with pytest.raises(WrongState, match="gửi lại bản quét"):
        services.intake_job_retry(actor=world.clerk, job=job)


@pytest.mark.django_db
def test_a_scan_over_the_size_limit_stores_nothing_and_rejects_the_message(
    world: Any, mail_account: Account, settings: Any
) -> None:
    # Given a message with one small scan and one larger than the upload limit
    small, large = party_scan("png"), party_scan("pdf", pages=3)
    settings.FILE_MAX_BYTES = (len(small) + len(large)) // 2
    assert len(small) < settings.FILE_MAX_BYTES < len(large)
    message = _message(
        ("trang-1.png", small, "image/png"),
        ("ca-van-ban.pdf", large, "application/pdf"),
        subject="Hai bản quét",
    )
    mail_account.deliver(message)
    # When the mailbox is read
    files_before = StoredFile.objects.count()
    result = _poll(world)
    # Then nothing is stored, not even the small scan, and the whole message waits in the rejected folder
    assert not IntakeJob.objects.exists() and not MailOrigin.objects.exists()
    assert StoredFile.objects.count() == files_before
    assert result.jobs == [] and result.failed_jobs == []
    assert [message_id for message_id, _ in result.rejected] == [message["Message-ID"]]
    assert len(mail_account.messages("Rejected")) == 1 and mail_account.messages("INBOX") == []
    # with the reason, naming the file, on the audit record
    event = AuditEvent.objects.get(action="intake.mail_rejected", organization_id=world.org.pk)
    assert "vượt quá dung lượng cho phép" in event.data["reason"]
    assert "ca-van-ban.pdf" in event.data["reason"] and "trang-1.png" not in event.data["reason"]
    # and the service itself never keeps an oversized attachment either
    from core.errors import FileTooLarge

    source = services.MailSource(message_id="<x@example.vn>", sender=SENDER, subject="", received_at=None)
    with pytest.raises(FileTooLarge):
        services.intake_job_from_mail(organization=world.org, name="lon.pdf", data=large, mail=source)
    assert StoredFile.objects.count() == files_before


@pytest.mark.django_db
def test_command_then_ocr_end_to_end_and_the_clerk_sees_the_source(
    world: Any, mail_account: Account, client: Client
) -> None:
    # Given a scanned JPEG sent by mail
    mail_account.deliver(_message(("thong-bao.jpg", party_scan("jpeg"), "image/jpeg")))
    # When the command reads the mailbox once and the workers run the OCR
    call_command("intake_mail", once=True)
    worker.run_pending()
    # Then the scan is recognised with its metadata, ready to register
    job = IntakeJob.objects.get()
    assert job.status == Status.DONE, job.error_message
    assert job.metadata["number_symbol"]["value"] == "127-TB/TU"
    # and the clerk's list and the job's page say it came by mail, from whom and about what
    client.force_login(world.clerk)
    listing = client.get(reverse("web:intake_home")).content.decode()
    assert f"Thư điện tử: {SENDER} — {SUBJECT}".replace("<", "&lt;").replace(">", "&gt;") in listing
    page = client.get(reverse("web:intake_job", args=[job.pk])).content.decode()
    assert "Thư điện tử: Văn phòng Huyện ủy Hưng Nguyên" in page and SUBJECT in page


def test_configuration_is_checked_and_the_password_never_shown(settings: Any) -> None:
    settings.INTAKE_MAIL_HOST = "mail.tinhuy.example.vn"
    settings.INTAKE_MAIL_USER = "tiepnhan"
    settings.INTAKE_MAIL_PASSWORD = "bi-mat-123"
    settings.INTAKE_MAIL_SECURITY = "plain"
    with pytest.raises(MailConfigError, match="không mã hóa chỉ được dùng"):
        MailConfig.from_settings()
    settings.INTAKE_MAIL_SECURITY = "ssl"
    config = MailConfig.from_settings()
    assert config.port == 993 and "bi-mat-123" not in repr(config) and "bi-mat-123" not in config.label
    settings.INTAKE_MAIL_HOST = ""
    with pytest.raises(MailConfigError, match="Chưa cấu hình"):
        MailConfig.from_settings()


@pytest.mark.django_db
def test_organisation_by_identifier_or_id(world: Any) -> None:
    assert find_organization(world.org.identifier) == world.org
    assert find_organization(str(world.org.pk)) == world.org
    assert find_organization("") is None and find_organization("khong-co") is None


@pytest.mark.django_db
@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_over_tls_with_the_server_certificate_checked(
    world: Any, mail_account: Account, settings: Any, security: str
) -> None:
    # Given the mailbox reached over TLS (IMAPS or STARTTLS), the server's certificate trusted by file
    server = mail_account.server
    settings.INTAKE_MAIL_SECURITY = security
    settings.INTAKE_MAIL_PORT = server.tls_port if security == "ssl" else server.port
    settings.INTAKE_MAIL_CA_FILE = str(server.ca_file)
    mail_account.deliver(_message(("cong-van.pdf", party_scan("pdf"), "application/pdf")))
    # When it is read, then the scan is taken in
    assert len(_poll(world).jobs) == 1
    # and without trusting that certificate the connection is refused before logging in
    settings.INTAKE_MAIL_CA_FILE = ""
    with pytest.raises(ssl.SSLCertVerificationError):
        _poll(world)


@pytest.mark.django_db
def test_without_folders_messages_are_flagged_instead(
    world: Any, mail_account: Account, settings: Any
) -> None:
    # Given no processed/rejected folders configured (a mailbox where folders cannot be created)
    settings.INTAKE_MAIL_PROCESSED_FOLDER = settings.INTAKE_MAIL_REJECTED_FOLDER = ""
    mail_account.deliver(_message(("cong-van.pdf", party_scan("pdf"), "application/pdf")))
    mail_account.deliver(_message(subject="Không có tệp"))
    # When it is read twice
    first, second = _poll(world), _poll(world)
    # Then the messages stay in the inbox, marked as read with a keyword, and are not read again
    assert len(first.jobs) == 1 and len(first.rejected) == 1
    assert second.jobs == [] and second.rejected == [] and second.duplicates == 0
    assert len(mail_account.messages("INBOX")) == 2 and mail_account.messages("Processed") == []
    assert sorted(mail_account.flags("INBOX")) == [
        ["$DieuhanhProcessed", "\\Seen"],
        ["$DieuhanhRejected", "\\Seen"],
    ]


@pytest.mark.django_db
def test_polling_pass_logs_instead_of_raising(
    world: Any, mail_account: Account, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # the pass of the embedded mode's thread (make run): it takes the mail in for INTAKE_MAIL_ORG ...
    mail_account.deliver(_message(("cong-van.pdf", party_scan("pdf"), "application/pdf")))
    taken = mailbox.poll_configured(MailConfig.from_settings())
    assert taken is not None and len(taken.jobs) == 1
    # ... and a wrong password is logged (without the password) and retried later, not raised
    settings.INTAKE_MAIL_PASSWORD = "mat-khau-sai-987"
    with caplog.at_level(logging.ERROR, logger="intake.mailbox"):
        assert mailbox.poll_configured(MailConfig.from_settings()) is None
    assert "pass failed" in caplog.text and "mat-khau-sai-987" not in caplog.text
    # ... and without a host nothing is started
    settings.INTAKE_MAIL_HOST = ""
    assert mailbox.start_polling() is None


@pytest.mark.django_db
def test_move_on_a_server_without_the_move_extension(mail_account: Account) -> None:
    # Given two messages, read by a client that does not use MOVE (as with a server lacking RFC 6851)
    for subject in ("Thư 1", "Thư 2"):
        mail_account.deliver(_message(subject=subject))
    client = mail_account.server.client(mail_account.user)
    try:
        client.create('"Processed"')
        client.select('"INBOX"')
        first, second = client.uid("SEARCH", "ALL")[1][0].decode().split()
        # When one is moved by copy and UID EXPUNGE, the other by copy and EXPUNGE
        client.capabilities = ("IMAP4REV1", "UIDPLUS")
        assert mailbox.move(client, first, "Processed", mailbox.PROCESSED_KEYWORD)
        client.capabilities = ("IMAP4REV1",)
        assert mailbox.move(client, second, "Processed", mailbox.PROCESSED_KEYWORD)
        # and moving one again (another poller was first) is no error and copies nothing
        mailbox.move(client, first, "Processed", mailbox.PROCESSED_KEYWORD)
    finally:
        client.logout()
    # Then both are in the processed folder, once, flagged, and the inbox is empty
    assert mail_account.messages("INBOX") == []
    assert sorted(m["Subject"] for m in mail_account.messages("Processed")) == ["Thư 1", "Thư 2"]
    assert mail_account.flags("Processed") == [["$DieuhanhProcessed"], ["$DieuhanhProcessed"]]
