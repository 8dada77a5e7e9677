"""Worker tasks of the intake: thin, idempotent, taking ids."""

from __future__ import annotations

from django_tasks import task


@task()
def run_job(job_id: int) -> None:
    """Clean up, recognise and read one scan (intake.pipeline)."""
    from intake.pipeline import run

    run(job_id)
