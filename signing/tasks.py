"""Worker tasks of the signing app: thin, idempotent, taking ids."""

from __future__ import annotations

from django_tasks import task


@task()
def validate_file(stored_id: int) -> None:
    """Validate the signatures of a stored PDF and keep the result (signing.FileValidation)."""
    from signing.services import file_validate

    file_validate(stored_id)
