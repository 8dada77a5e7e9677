"""Writes of the intake: a job per scan (queued for the worker in the same transaction), retry, and
the link to the incoming document registered from it; synchronous reading for the API."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import audit
from core.errors import ApplicationError, FileTooLarge, InvalidInput, NotAllowed, WrongState
from core.files import CheckedFile, atomic_with_files, clean_name, store, validate
from intake import ocr, tasks
from intake.extract import Extraction, Sources
from intake.models import IntakeJob, MailOrigin, OcrResult
from intake.permissions import intake_orgs
from intake.states import Source, Status, Step, check_transition
from intake.zones import extract_checked
from orgs.models import Organization, User

OPAQUE = "application/octet-stream"  # a refused attachment kept as it came, never opened


def _check_clerk(actor: User | None, organization: Organization) -> None:
    if actor is not None and organization.pk not in intake_orgs(actor):
        raise NotAllowed("Chỉ văn thư của cơ quan mới tiếp nhận bản quét.")


def intake_job_create(
    *,
    actor: User | None,
    organization: Organization,
    name: str,
    data: bytes,
    source: str = Source.UPLOAD,
) -> IntakeJob:
    """Keep the original scan and queue its OCR. ``actor`` is None for the watched folder and mailbox."""
    _check_clerk(actor, organization)
    checked = validate(name, data, allowed=ocr.SCAN_TYPES)
    with atomic_with_files():
        return _create_job(actor=actor, organization=organization, checked=checked, source=source)


def _create_job(
    *,
    actor: User | None,
    organization: Organization,
    checked: CheckedFile,
    source: str,
    mail: MailSource | None = None,
    refused: ApplicationError | None = None,
) -> IntakeJob:
    """The job row, its original and its audit entry (inside the caller's transaction); queued for the
    worker, or FAILED at once with the reason when the file was ``refused``."""
    original = store(checked)
    job = IntakeJob.objects.create(
        organization=organization,
        created_by=actor,
        source=source,
        original_name=checked.name,
        original=original,
    )
    data: dict[str, Any] = {"name": checked.name, "sha256": checked.sha256, "source": source}
    if mail is not None:
        MailOrigin.objects.create(
            job=job,
            organization=organization,
            message_key=mail.key,
            message_id=mail.message_id,
            attachment_sha256=checked.sha256,
            sender=mail.sender[:300],
            subject=mail.subject[:500],
            received_at=mail.received_at,
            mailbox=mail.mailbox[:300],
        )
        data["mail"] = {"message_id": mail.message_id[:300], "sender": mail.sender[:300]}
    audit.record(
        actor=actor, action="intake.job_created", target=job, organization_id=organization.pk, data=data
    )
    if refused is None:
        tasks.run_job.enqueue(job.pk)  # the task row commits with the job (docs/architecture.md)
        return job
    job.status = check_transition("fail", job.status)
    job.step = Step.PREPARE
    job.error_code = refused.code[:60]
    job.error_message = refused.message[:500]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "step", "error_code", "error_message", "finished_at"])
    audit.record(
        actor=actor,
        action="intake.job_failed",
        target=job,
        organization_id=organization.pk,
        data={"step": Step.PREPARE, "code": refused.code},
    )
    return job


@dataclass(frozen=True)
class MailSource:
    """The message an attachment came from (``intake.mailbox``)."""

    message_id: str
    sender: str
    subject: str
    received_at: datetime | None
    mailbox: str = ""

    @property
    def key(self) -> str:
        return hashlib.sha256(self.message_id.encode("utf-8", "replace")).hexdigest()


def intake_job_from_mail(
    *, organization: Organization, name: str, data: bytes, mail: MailSource
) -> IntakeJob | None:
    """One job for one scan attached to a message; None when this attachment of this message was taken
    before (the key is written with the job, in one transaction: a second pass creates nothing).

    A damaged attachment still gets its job, FAILED at once with the reason in Vietnamese, so the clerk
    sees what arrived; its bytes are kept as an opaque original (never as a document)."""
    try:
        checked = validate(name, data, allowed=ocr.SCAN_TYPES)
        refused = None
    except FileTooLarge:
        raise  # never stored, not even as an opaque original (the mailbox rejects the whole message)
    except Exception as exc:  # the upload check's refusal, or a file so broken that the check itself failed
        refused = (
            exc
            if isinstance(exc, ApplicationError)
            else InvalidInput(f"Tệp “{clean_name(name)}” bị hỏng, không đọc được.", code="damaged_file")
        )
        checked = CheckedFile(
            clean_name(name), data, OPAQUE, hashlib.sha256(data).hexdigest(), page_count=None
        )
    already = MailOrigin.objects.filter(
        organization=organization, message_key=mail.key, attachment_sha256=checked.sha256
    )
    if already.exists():
        return None
    try:
        with atomic_with_files():
            return _create_job(
                actor=None,
                organization=organization,
                checked=checked,
                source=Source.EMAIL,
                mail=mail,
                refused=refused,
            )
    except IntegrityError:
        if already.exists():  # another poller took it meanwhile
            return None
        raise


def intake_job_retry(*, actor: User, job: IntakeJob) -> IntakeJob:
    _check_clerk(actor, job.organization)
    if job.original.content_type == OPAQUE:
        raise WrongState(
            "Tệp nhận qua thư điện tử bị hỏng, thử lại cũng không nhận dạng được; "
            "hãy đề nghị nơi gửi gửi lại bản quét.",
            details={"status": job.status},
        )
    with transaction.atomic():
        locked = IntakeJob.objects.select_for_update().get(pk=job.pk)
        locked.status = check_transition("retry", locked.status)
        locked.progress = 0
        locked.error_code = locked.error_message = ""
        locked.finished_at = None
        locked.save(update_fields=["status", "progress", "error_code", "error_message", "finished_at"])
        audit.record(
            actor=actor, action="intake.job_retry", target=locked, organization_id=locked.organization_id
        )
        tasks.run_job.enqueue(locked.pk)
    return locked


def intake_job_registered(*, actor: User, job: IntakeJob, document_id: int) -> None:
    """Called in the registering transaction: the job now belongs to that incoming document."""
    locked = IntakeJob.objects.select_for_update().get(pk=job.pk)
    locked.status = check_transition("register", locked.status)
    locked.document_id = document_id
    locked.save(update_fields=["status", "document"])
    audit.record(
        actor=actor,
        action="intake.job_registered",
        target=locked,
        organization_id=locked.organization_id,
        data={"document_id": document_id},
    )


def extract_upload(*, actor: User, name: str, data: bytes) -> tuple[Extraction, str]:
    """Read the metadata of one scan now (the API): OCR of its first pages only, nothing stored.

    A scan recognised before (same bytes) is read from its stored OCR."""
    if not intake_orgs(actor):
        raise NotAllowed("Chỉ văn thư mới dùng chức năng đọc thông tin bản quét.")
    checked = validate(name, data, allowed=ocr.SCAN_TYPES)
    known = OcrResult.objects.filter(original__sha256=checked.sha256).select_related("pdfa").first()
    if known is not None:
        from core.files import open_blob

        pages = known.text.split("\f")
        pdf = open_blob(known.pdfa)
        zones = ocr.header_zones(pdf)
    else:
        pdf = ocr.image_to_pdf(checked.data) if checked.content_type in ocr.IMAGE_TYPES else checked.data
        limit = settings.INTAKE_EXTRACT_PAGES
        pages, zones = ocr.read_scan(pdf, pages=f"1-{limit}")
        pages = pages[:limit]
    text = "\f".join(pages)
    return extract_checked(pdf, Sources(text, zones.left, zones.right)), text


def intake_register(
    *,
    actor: User,
    job: IntakeJob,
    data: Any,
    extra_uploads: list[tuple[str, bytes]],
) -> Any:
    """Register the incoming document of a recognised scan: its PDF/A (text layer included) is the main
    file, then any files the clerk added; the job is linked in the same transaction."""
    from core.files import open_blob
    from incoming.services import incoming_register
    from search.indexing import extract_texts

    if job.status != Status.DONE or job.result is None:
        raise WrongState("Bản quét chưa nhận dạng xong hoặc đã được vào sổ.", details={"status": job.status})
    pdfa = open_blob(job.result.pdfa)
    name = re.sub(r"\.[^.]+$", "", job.original_name) + ".pdf"
    with atomic_with_files():
        # the OCR text is the PDF/A's text for the search index now, so the registration indexes the
        # document with it at once (no index task to wait for: findable by any phrase of the scan)
        extract_texts([job.result.pdfa_id])
        result = incoming_register(
            actor=actor, organization=job.organization, data=data, uploads=[(name, pdfa), *extra_uploads]
        )
        intake_job_registered(actor=actor, job=job, document_id=result.document.pk)
    return result
