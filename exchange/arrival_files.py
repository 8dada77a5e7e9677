"""The signatures of an arrival's PDF files, validated while it waits for the clerk.

The worker (``tasks.prepare_arrival_files``, queued in the receiving transaction) stores each PDF
attachment of the package as a file — content-addressed, so the clerk's registration later stores the
very same file — and queues its signature validation (``signing.services.schedule_validation``); the
arrival's page shows each file's verdict and signers before the clerk registers or returns it, and the
incoming document's page has the verdict at once after registration. The receipt itself (and its 01)
does not wait for any of it."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from core import files
from core.errors import ApplicationError
from exchange.models import InboxMessage

log = logging.getLogger(__name__)


def prepare(inbox_id: int) -> int:
    """Store the PDF attachments of arrival ``inbox_id`` and queue their validation; how many. A file
    that is not a readable PDF is left out (registration leaves it in the package, or refuses a main
    file it cannot keep, with the reason). Done again, it stores and queues nothing new."""
    from exchange.edxml import parse
    from signing.services import schedule_validation

    inbox = InboxMessage.objects.filter(pk=inbox_id).first()
    if inbox is None:
        return 0
    stored: dict[str, int | None] = {}  # every attachment: its file, or None (not a readable PDF)
    try:
        package = parse.parse_package(parse.read(files.open_blob(inbox.package)))
    except Exception:  # its blob gone or unreadable (files_check reports it): nothing to check, no poll
        log.exception("arrival %s: the package could not be read for its files", inbox_id)
        package = None
        stored[""] = None
    for attachment in package.attachments if package is not None else ():
        stored[attachment.content_id] = None
        if files.sniff(attachment.data) != files.PDF:
            continue
        try:
            checked = files.validate(file_name(attachment), attachment.data, allowed=frozenset({files.PDF}))
        except ApplicationError:
            continue
        with files.atomic_with_files(checked):
            row = files.store(checked)
            schedule_validation(row)
        stored[attachment.content_id] = row.pk
    InboxMessage.objects.filter(pk=inbox_id).update(files=stored)
    return sum(1 for v in stored.values() if v is not None)


# the extension a file's content calls for, when its name in the package has none we know
_EXTENSION_OF = {files.PDF: ".pdf", files.PNG: ".png", files.JPEG: ".jpg", files.TIFF: ".tif"}


def file_name(attachment: Any) -> str:
    """The attachment's name as a file here: some systems send names without an extension ("phu-luc",
    a content id); one is added from the content where it tells (PDF, images)."""
    name = str(attachment.name or attachment.content_id or "tep")
    if Path(name).suffix.lower() in files.EXTENSIONS:
        return name
    extension = _EXTENSION_OF.get(files.sniff(attachment.data) or "")
    return f"{name}{extension}" if extension else name


def signature_rows(inbox: InboxMessage, attachments: list[dict[str, Any]]) -> dict[str, Any]:
    """What the arrival's "Kiểm tra chữ ký số" block shows: for each PDF among ``attachments`` (the
    arrival row's), its verdict and signers (``signing.selectors.file_signature_view``); ``pending``
    while the worker has not stored the files yet (then the attachments declared or named PDF are shown
    as being checked) or not validated them — the block polls."""
    from core.models import StoredFile
    from signing.models import FileValidation
    from signing.selectors import VERDICT_LABELS, file_signature_view, recorded_roles

    prepared: dict[str, int | None] | None = inbox.files
    if prepared is None:  # nothing to check (a notice), or received before files were checked here
        return {"files": [], "pending": False}
    if not prepared:  # the worker has not come to it yet; after STALE it is no longer expected soon
        waiting = not _stale(inbox)
        label, badge = VERDICT_LABELS[FileValidation.PENDING] if waiting else NOT_YET
        items = [
            {"name": a["name"], "pending": waiting, "state": "pending" if waiting else "none", "label": label,
             "badge": badge}
            for a in attachments
            if a.get("content_type") == files.PDF or str(a.get("name", "")).lower().endswith(".pdf")
        ]  # fmt: skip
        return {"files": items, "pending": waiting and bool(items)}
    ids = {v for v in prepared.values() if v is not None}
    stored = {s.pk: s for s in StoredFile.objects.filter(pk__in=ids)}
    rows = {r.stored_id: r for r in FileValidation.objects.filter(stored_id__in=ids)}
    roles = recorded_roles([r.report for r in rows.values() if not r.is_pending])
    items = []
    for a in attachments:
        stored_id = prepared.get(a["content_id"])
        if stored_id is None or stored_id not in stored:
            continue  # not a PDF (or not a readable one): nothing to validate
        view = file_signature_view(_File(a["name"], stored[stored_id]), rows.get(stored_id), roles)
        items.append({"name": a["name"], **view})
    return {"files": items, "pending": any(i.get("pending") for i in items)}


# how long an arrival's files may wait for the worker before the page stops polling for them
STALE = timedelta(minutes=15)
NOT_YET = ("Chưa kiểm tra", "text-bg-light border")


def _stale(inbox: InboxMessage) -> bool:
    return inbox.received_at is not None and timezone.now() - inbox.received_at > STALE


class _File:
    """An arrival's file as ``file_signature_view`` reads an attachment (its name and stored file)."""

    def __init__(self, name: str, stored: Any) -> None:
        self.name = name
        self.stored = stored
        self.stored_id = stored.pk
        self.pk = stored.pk
