"""The watched folder: files become jobs and move to done/, refused files to failed/ with the reason."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from intake.models import IntakeJob
from intake.states import Source, Status
from intake.tests.helpers import party_scan


def _old(path: Path) -> None:
    past = time.time() - 60
    os.utime(path, (past, past))


@pytest.mark.django_db
def test_watched_folder_once(world: Any, tmp_path: Path) -> None:
    # Given a scan, a refused file and a file still being written
    (tmp_path / "scan.pdf").write_bytes(party_scan("pdf"))
    (tmp_path / "note.pdf").write_bytes(b"not a pdf")
    for name in ("scan.pdf", "note.pdf"):
        _old(tmp_path / name)
    (tmp_path / "fresh.pdf").write_bytes(party_scan("pdf"))
    # When the folder is scanned once for the organisation
    call_command("intake_watch", str(tmp_path), organization=world.org.identifier, once=True)
    # Then the scan is a queued job of that organisation, from the folder, without an actor
    job = IntakeJob.objects.get()
    assert job.organization == world.org and job.source == Source.FOLDER and job.created_by is None
    assert job.status == Status.QUEUED and job.original_name == "scan.pdf"
    assert (tmp_path / "done" / "scan.pdf").exists() and not (tmp_path / "scan.pdf").exists()
    # and the refused file is in failed/ with its reason; the fresh one waits for the next pass
    assert (tmp_path / "failed" / "note.pdf").exists()
    assert "unsupported_file_type" in (tmp_path / "failed" / "note.pdf.txt").read_text(encoding="utf-8")
    assert (tmp_path / "fresh.pdf").exists()
