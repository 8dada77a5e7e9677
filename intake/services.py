"""Writes of the intake: a job per scan (queued for the worker in the same transaction), retry, and
the link to the incoming document registered from it; synchronous reading for the API."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import transaction

from core import audit
from core.errors import NotAllowed, WrongState
from core.files import atomic_with_files, store, validate
from intake import ocr, tasks
from intake.extract import Extraction, Sources, extract
from intake.models import IntakeJob, OcrResult
from intake.permissions import intake_orgs
from intake.states import Source, Status, check_transition
from orgs.models import Organization, User


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
        original = store(checked)
        job = IntakeJob.objects.create(
            organization=organization,
            created_by=actor,
            source=source,
            original_name=checked.name,
            original=original,
        )
        audit.record(
            actor=actor,
            action="intake.job_created",
            target=job,
            organization_id=organization.pk,
            data={"name": checked.name, "sha256": checked.sha256, "source": source},
        )
        tasks.run_job.enqueue(job.pk)  # the task row commits with the job (docs/architecture.md)
    return job


def intake_job_retry(*, actor: User, job: IntakeJob) -> IntakeJob:
    _check_clerk(actor, job.organization)
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
        zones = ocr.header_zones(open_blob(known.pdfa))
    else:
        pdf = ocr.image_to_pdf(checked.data) if checked.content_type in ocr.IMAGE_TYPES else checked.data
        limit = settings.INTAKE_EXTRACT_PAGES
        pages, zones = ocr.read_scan(pdf, pages=f"1-{limit}")
        pages = pages[:limit]
    text = "\f".join(pages)
    return extract(Sources(text, zones.left, zones.right)), text


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
