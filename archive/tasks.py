"""Worker tasks of the archive app: thin, idempotent, taking ids."""

from __future__ import annotations

from django_tasks import task


@task()
def run_import(job_id: int) -> None:
    """Work an import to its end; rows already done (or refused) are skipped, so a rerun resumes it."""
    from archive.importing import import_run

    import_run(job_id)
