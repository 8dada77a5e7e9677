"""The intake mailbox: scans sent by e-mail to a dedicated address become intake jobs.

One pass (``poll_once``) logs in over IMAP (TLS, or STARTTLS; plain text only on loopback), selects the
folder and reads the messages not handled yet (read or unread) without marking them. Every attachment
that is a scan *by its content* (PDF, TIFF, JPEG, PNG; the name does not count) becomes one job of the
organisation through ``intake.services.intake_job_from_mail`` (source "Thư điện tử", with the sender,
subject, Message-ID and received time); other attachments are ignored with a log line. A damaged scan
gets a job that is FAILED at once with the reason. The message then moves to the "processed" folder; a
message without any scan goes to the "rejected" folder, the reason logged. With an empty folder name the
message is flagged (``\\Seen`` and a keyword) instead of moved.

Idempotent: the (Message-ID, attachment sha256) key is written with the job in one transaction, so a
crash between the jobs and the move creates nothing twice on the next pass. A message that cannot be
handled (database down, a move refused) stays in the folder for the next pass, and the pass goes on with
the other messages. Run by ``manage.py intake_mail``, or by a thread of the web process in the embedded
mode (``make run``, ``start_polling``).
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import email.utils
import hashlib
import imaplib
import ipaddress
import logging
import re
import ssl
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path

from django.conf import settings
from django.db.models import Q

from core import audit
from core.errors import ApplicationError
from core.files import EXTENSIONS, clean_name, sniff
from intake import ocr, services
from intake.services import MailSource
from orgs.models import Organization

log = logging.getLogger(__name__)
SECURITIES = ("ssl", "starttls", "plain")
PROCESSED_KEYWORD = "$DieuhanhProcessed"
REJECTED_KEYWORD = "$DieuhanhRejected"
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"  # no spoofed display
CANONICAL_EXTENSION = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/tiff": ".tif",
}


class MailConfigError(ApplicationError):
    code = "mail_config"


@dataclass(frozen=True)
class MailConfig:
    host: str
    port: int
    user: str
    password: str = field(repr=False)  # never printed or logged
    folder: str = "INBOX"
    security: str = "ssl"
    processed_folder: str = "Processed"
    rejected_folder: str = "Rejected"
    organization: str = ""
    interval: float = 60.0
    timeout: float = 30.0
    ca_file: str = ""  # certificates to trust instead of the system's (an internal CA)

    @classmethod
    def from_settings(cls) -> MailConfig:
        security = settings.INTAKE_MAIL_SECURITY.lower()
        port = settings.INTAKE_MAIL_PORT or (993 if security == "ssl" else 143)
        config = cls(
            host=settings.INTAKE_MAIL_HOST,
            port=int(port),
            user=settings.INTAKE_MAIL_USER,
            password=settings.INTAKE_MAIL_PASSWORD,
            folder=settings.INTAKE_MAIL_FOLDER,
            security=security,
            processed_folder=settings.INTAKE_MAIL_PROCESSED_FOLDER,
            rejected_folder=settings.INTAKE_MAIL_REJECTED_FOLDER,
            organization=settings.INTAKE_MAIL_ORG,
            interval=float(settings.INTAKE_MAIL_INTERVAL),
            timeout=float(settings.INTAKE_MAIL_TIMEOUT),
            ca_file=settings.INTAKE_MAIL_CA_FILE,
        )
        config.check()
        return config

    @property
    def label(self) -> str:
        """user@host/folder, for logs and for the jobs (no password)."""
        return f"{self.user}@{self.host}/{self.folder}"

    def check(self) -> None:
        if not self.host or not self.user:
            raise MailConfigError("Chưa cấu hình hộp thư tiếp nhận (INTAKE_MAIL_HOST, INTAKE_MAIL_USER).")
        if self.security not in SECURITIES:
            raise MailConfigError(
                f"INTAKE_MAIL_SECURITY phải là một trong {', '.join(SECURITIES)} (đang là “{self.security}”)."
            )
        if self.security == "plain" and not _loopback(self.host):
            raise MailConfigError(
                "Kết nối IMAP không mã hóa chỉ được dùng với máy chủ trên chính máy này (127.0.0.1); "
                "hãy dùng ssl hoặc starttls."
            )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def find_organization(key: str) -> Organization | None:
    """The receiving organisation by its identifier or id."""
    if not key:
        return None
    lookup = Q(identifier=key)
    if key.isdigit():
        lookup |= Q(pk=int(key))
    return Organization.objects.filter(lookup).first()


# --- reading messages -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes
    content_type: str | None  # sniffed from the bytes; None when not a scan


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # a malformed header the parser cannot decode: keep going without it
        return ""
    text = re.sub(r"\s+", " ", str(value or "")).strip()
    return "".join(ch for ch in text if ch.isprintable() and ch not in BIDI_CONTROLS)


def message_id(message: Message, raw: bytes) -> str:
    """The Message-ID; a message without one is keyed by its bytes (the same on every pass)."""
    return _header(message, "Message-ID") or f"<{hashlib.sha256(raw).hexdigest()}@khong-co-message-id>"


def attachments(message: Message) -> list[Attachment]:
    """Every file part of the message (nested and forwarded messages included), its type read from its
    content. Inline images of an HTML body (a ``Content-ID`` without ``attachment``) are not files."""
    found: list[Attachment] = []
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() == "message":
            continue
        disposition = (part.get_content_disposition() or "").lower()
        filename = part.get_filename()
        if disposition != "attachment" and not filename:
            continue  # body text, or an unnamed inline part
        if disposition != "attachment" and part.get("Content-ID"):
            continue  # a logo in a signature
        try:
            payload = part.get_payload(decode=True)
        except Exception:
            payload = None
        if not isinstance(payload, bytes) or not payload:
            continue
        sniffed = sniff(payload)
        kind = sniffed if sniffed in ocr.SCAN_TYPES else None
        found.append(Attachment(_scan_name(filename or "", kind, len(found) + 1), payload, kind))
    return found


def _scan_name(filename: str, kind: str | None, number: int) -> str:
    """The attachment's name with the extension of what it is (a scan named ``.dat`` is still a PDF)."""
    name = clean_name(filename) if filename else f"tep-dinh-kem-{number}"
    if kind is None:
        return name
    if EXTENSIONS.get(Path(name).suffix.lower()) == kind:
        return name
    suffix = Path(name).suffix
    is_extension = re.fullmatch(r"\.[A-Za-z0-9]{1,5}", suffix) is not None and not suffix[1:].isdigit()
    stem = Path(name).stem if is_extension else name
    return f"{stem}{CANONICAL_EXTENSION[kind]}"


def _received(internaldate: bytes | None, message: Message) -> datetime | None:
    if internaldate:
        parsed = imaplib.Internaldate2tuple(internaldate)
        if parsed is not None:
            return datetime.fromtimestamp(time.mktime(parsed), tz=UTC)
    try:
        return email.utils.parsedate_to_datetime(_header(message, "Date"))
    except (TypeError, ValueError):
        return None


# --- one pass ---------------------------------------------------------------------------------------


@dataclass
class MailRound:
    jobs: list[int] = field(default_factory=list)
    failed_jobs: list[int] = field(default_factory=list)  # damaged scans: jobs FAILED at once
    duplicates: int = 0  # attachments taken on an earlier pass
    processed: list[str] = field(default_factory=list)  # Message-IDs moved to the processed folder
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (Message-ID, reason)
    errors: list[str] = field(default_factory=list)  # Message-IDs left for the next pass


def connect(config: MailConfig) -> imaplib.IMAP4:
    context = ssl.create_default_context(cafile=config.ca_file or None)  # hostname and chain verified
    client: imaplib.IMAP4
    if config.security == "ssl":
        client = imaplib.IMAP4_SSL(config.host, config.port, ssl_context=context, timeout=config.timeout)
    else:
        client = imaplib.IMAP4(config.host, config.port, timeout=config.timeout)
    try:
        if config.security == "starttls":
            client.starttls(ssl_context=context)
        client.login(config.user, config.password)
    except BaseException:  # a refused login or handshake leaves no socket behind
        with contextlib.suppress(OSError):
            client.shutdown()
        raise
    return client


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ensure_folder(client: imaplib.IMAP4, folder: str) -> None:
    client.create(_quote(folder))  # NO when it exists already; a move into a missing folder says so


def move(client: imaplib.IMAP4, uid: str, folder: str, keyword: str) -> bool:
    """Move one message (by UID) out of the selected folder, or flag it when no folder is configured.

    False when the server says the message is gone (another poller moved it meanwhile); a UID that no
    longer exists is otherwise a no-op for the server, never an error."""
    if not folder:
        return _ok(client.uid("STORE", uid, "+FLAGS.SILENT", f"(\\Seen {keyword})"), "STORE")
    if not _ok(client.uid("STORE", uid, "+FLAGS.SILENT", f"({keyword})"), "STORE"):
        return False
    if "MOVE" in client.capabilities:
        return _ok(client.uid("MOVE", uid, _quote(folder)), "MOVE")
    # without MOVE (RFC 6851): copy, mark deleted, expunge (only this UID when the server has UIDPLUS)
    if not _ok(client.uid("COPY", uid, _quote(folder)), "COPY"):
        return False
    _ok(client.uid("STORE", uid, "+FLAGS.SILENT", "(\\Deleted)"), "STORE")
    if "UIDPLUS" in client.capabilities:
        _ok(client.uid("EXPUNGE", uid), "EXPUNGE")
    else:
        client.expunge()
    return True


def _ok(response: tuple[str, list[object]], command: str) -> bool:
    """True when done, False when the message no longer exists; raises on any other refusal."""
    status, data = response
    if status == "OK":
        return True
    text = b" ".join(item for item in data if isinstance(item, bytes))
    if b"EXPUNGEISSUED" in text or b"NONEXISTENT" in text:
        return False
    raise imaplib.IMAP4.error(f"{command} failed: {data!r}")


def poll_once(config: MailConfig, organization: Organization) -> MailRound:
    """Take in the messages of the folder not handled yet, once (see the module's docstring)."""
    result = MailRound()
    client = connect(config)
    try:
        client.capabilities = tuple(
            item.upper() for item in client.capability()[1][0].decode().split()
        )  # after login the server may announce more (MOVE, UIDPLUS)
        for folder in (config.processed_folder, config.rejected_folder):
            if folder:
                _ensure_folder(client, folder)
        status, data = client.select(_quote(config.folder))
        if status != "OK":
            raise MailConfigError(f"Không mở được thư mục “{config.folder}” của hộp thư tiếp nhận.")
        # every message not yet handled, read or not: a clerk previewing the mailbox in webmail marks it
        # \Seen, and it must still be taken (what was handled left the folder or carries our keyword)
        status, data = client.uid("SEARCH", f"NOT KEYWORD {PROCESSED_KEYWORD} NOT KEYWORD {REJECTED_KEYWORD}")
        uids = data[0].decode().split() if status == "OK" and data and data[0] else []
        for uid in uids:
            try:
                _take_message(client, uid, config, organization, result)
            except (OSError, imaplib.IMAP4.abort):
                raise  # the connection is gone: the pass ends, the next one starts afresh
            except Exception:  # one odd message (refused move, parser error) never blocks the others
                log.exception("Intake mailbox: message UID %s left for the next pass", uid)
                result.errors.append(f"uid:{uid}")
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            client.logout()
    return result


def _take_message(
    client: imaplib.IMAP4, uid: str, config: MailConfig, organization: Organization, result: MailRound
) -> None:
    status, data = client.uid("FETCH", uid, "(INTERNALDATE BODY.PEEK[])")
    fetched = [item for item in data if isinstance(item, tuple)] if status == "OK" else []
    if not fetched:  # moved away meanwhile by another poller
        log.info("intake mailbox %s: message uid %s is gone", config.label, uid)
        return
    envelope, raw = fetched[0]
    internaldate = re.search(rb'INTERNALDATE "[^"]+"', envelope)
    message = email.message_from_bytes(raw, policy=email.policy.default)
    mail = MailSource(
        message_id=message_id(message, raw),
        sender=_header(message, "From"),
        subject=_header(message, "Subject"),
        received_at=_received(internaldate.group(0) if internaldate else None, message),
        mailbox=config.label,
    )
    files = attachments(message)
    scans = [item for item in files if item.content_type is not None]
    for item in files:
        if item.content_type is None:
            log.info(
                "intake mailbox %s: %s: attachment %s ignored (not a PDF, TIFF, JPEG or PNG scan)",
                config.label,
                mail.message_id,
                item.name,
            )
    oversized = [item.name for item in scans if len(item.data) > settings.FILE_MAX_BYTES]
    if oversized:
        # a scan too large to take is not stored at all: the whole message goes to the rejected folder
        # (kept there in full), so no part of it is taken while another part is silently left out
        limit_mb = settings.FILE_MAX_BYTES // (1024 * 1024)
        reason = f"tệp đính kèm vượt quá dung lượng cho phép ({limit_mb} MB): " + ", ".join(oversized)
        _reject(client, uid, config, organization, mail, reason, result)
        return
    try:
        for item in scans:
            job = services.intake_job_from_mail(
                organization=organization, name=item.name, data=item.data, mail=mail
            )
            if job is None:
                result.duplicates += 1
            elif job.error_code:
                result.failed_jobs.append(job.pk)
                log.warning(
                    "intake mailbox %s: %s: attachment %s is damaged (%s), job %s failed",
                    config.label,
                    mail.message_id,
                    item.name,
                    job.error_code,
                    job.pk,
                )
            else:
                result.jobs.append(job.pk)
    except Exception:
        log.exception("intake mailbox %s: %s left for the next pass", config.label, mail.message_id)
        result.errors.append(mail.message_id)
        return
    if scans:
        if move(client, uid, config.processed_folder, PROCESSED_KEYWORD):
            result.processed.append(mail.message_id)
        return
    reason = (
        "không có tệp đính kèm nào"
        if not files
        else "không có tệp đính kèm nào là bản quét PDF, TIFF, JPEG hoặc PNG ("
        + ", ".join(item.name for item in files)
        + ")"
    )
    _reject(client, uid, config, organization, mail, reason, result)


def _reject(
    client: imaplib.IMAP4,
    uid: str,
    config: MailConfig,
    organization: Organization,
    mail: MailSource,
    reason: str,
    result: MailRound,
) -> None:
    """The message to the rejected folder, on the audit record with its reason (nothing stored)."""
    if not move(client, uid, config.rejected_folder, REJECTED_KEYWORD):
        return  # another poller rejected it meanwhile
    result.rejected.append((mail.message_id, reason))
    # official mail turned away is on the record, not only in a log file
    audit.record(
        actor=None,
        action="intake.mail_rejected",
        organization_id=organization.pk,
        target_type="mail",
        target_id=mail.key,
        data={
            "message_id": mail.message_id,
            "sender": mail.sender,
            "subject": mail.subject,
            "reason": reason,
        },
    )
    log.warning(
        "intake mailbox %s: %s from %s rejected: %s", config.label, mail.message_id, mail.sender, reason
    )


# --- embedded mode ----------------------------------------------------------------------------------

_started = threading.Event()


def poll_configured(config: MailConfig) -> MailRound | None:
    """One pass of the polling thread: for INTAKE_MAIL_ORG, logging what it took and any failure."""
    organization = find_organization(config.organization)
    if organization is None:
        log.error("intake mailbox: INTAKE_MAIL_ORG “%s” is not an organisation", config.organization)
        return None
    try:
        taken = poll_once(config, organization)
    except Exception:  # the server is down, the password changed...: logged, retried next interval
        log.exception("intake mailbox %s: pass failed", config.label)
        return None
    if taken.jobs or taken.failed_jobs or taken.rejected:
        log.info(
            "intake mailbox %s: %d job(s), %d failed, %d rejected message(s)",
            config.label,
            len(taken.jobs),
            len(taken.failed_jobs),
            len(taken.rejected),
        )
    return taken


def _loop(config: MailConfig, stop: threading.Event) -> None:
    from django.db import connections

    while not stop.is_set():
        try:
            poll_configured(config)
        except Exception:  # the database is away: next interval
            log.exception("intake mailbox %s: pass failed", config.label)
        finally:
            connections.close_all()  # this thread's connections only
        stop.wait(config.interval)


def start_polling() -> threading.Event | None:
    """Poll the mailbox from a thread of this process (``make run``) when INTAKE_MAIL_HOST is set."""
    stop = threading.Event()
    if not settings.INTAKE_MAIL_HOST or _started.is_set():
        return None
    try:
        config = MailConfig.from_settings()
    except MailConfigError as exc:
        log.error("intake mailbox not started: %s", exc.message)
        return None
    _started.set()
    threading.Thread(target=_loop, args=(config, stop), name="dieuhanh-intake-mail", daemon=True).start()
    return stop
