"""Worker tasks of outgoing documents: thin, idempotent, taking ids."""

from __future__ import annotations

from django_tasks import task


@task()
def convert_version(version_id: int) -> None:
    """Make the PDF of a .docx version with LibreOffice."""
    from outgoing.renditions import convert_version as run

    run(version_id)


@task()
def finalize_issue(document_id: int) -> None:
    """Make the issued PDF and deliver it, when the issuing request could not (crash, converter down)."""
    from outgoing.services import outgoing_finalize_issue

    outgoing_finalize_issue(document_id=document_id)
