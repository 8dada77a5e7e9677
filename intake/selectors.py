"""Reads of the intake: jobs for the clerks of their organisation; OCR text for indexing."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from core.errors import NotFound
from intake.models import IntakeJob, OcrResult
from intake.permissions import intake_orgs
from orgs.models import User


def jobs_visible_to(user: User) -> QuerySet[IntakeJob]:
    orgs = intake_orgs(user)
    if not orgs:
        return IntakeJob.objects.none()
    return IntakeJob.objects.filter(organization_id__in=orgs).select_related(
        "original", "result__pdfa", "mail"
    )


def job_get_for_user(user: User, job_id: int) -> IntakeJob:
    """The job, or NotFound alike when it is missing or belongs to another organisation."""
    job = jobs_visible_to(user).filter(pk=job_id).first()
    if job is None:
        raise NotFound()
    return job


def ocr_text(stored_id: int) -> str | None:
    """The OCR text (pages separated by form feeds) of a stored file: an original scan or its PDF/A.

    For the search index, which applies the visibility of the document the file belongs to; ``None``
    when the file was never recognised."""
    row = (
        OcrResult.objects.filter(Q(original_id=stored_id) | Q(pdfa_id=stored_id))
        .values_list("text", flat=True)
        .first()
    )
    return row
