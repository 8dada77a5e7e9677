"""The intake pipeline: small steps over one job, each with its share of the progress bar.

    Prepare (images -> PDF) -> Ocr (OCR, PDF/A, header zones) -> Extract (metadata) -> Store

Every step works on a ``Work`` in memory and temporary files; only ``Store`` writes, in one transaction
with its blobs (``core.files.atomic_with_files``): a failure anywhere leaves the job FAILED with the step,
a code and a Vietnamese message, and stores nothing half-done. A job whose original was recognised
before (same sha256) reuses that result instead of running the OCR again.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import ClassVar

from django.db import transaction
from django.utils import timezone

from core import audit
from core.errors import ApplicationError
from core.files import CheckedFile, atomic_with_files, open_blob, store, validate
from intake import ocr
from intake.extract import Extraction, Sources
from intake.models import IntakeJob, OcrResult
from intake.states import Status, Step, check_transition
from intake.zones import extract_checked

log = logging.getLogger(__name__)


@dataclass
class Work:
    job_id: int
    name: str
    original: bytes
    content_type: str
    pdf: bytes = b""  # the scan as a PDF (images converted)
    pdfa: bytes = b""
    pages: list[str] = field(default_factory=list)
    ocr_seconds: float = 0.0
    zones: ocr.HeaderZones | None = None
    extraction: Extraction | None = None
    reused: OcrResult | None = None


class Reporter:
    """Writes the job's step and progress (outside any transaction, so the user's page sees it)."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.last = -1

    def __call__(self, step: Step, percent: float) -> None:
        value = max(0, min(100, int(percent)))
        if value == self.last:
            return
        self.last = value
        IntakeJob.objects.filter(pk=self.job_id).update(step=step, progress=value)


class PipelineStep:
    step: ClassVar[Step]
    start: ClassVar[int]  # progress at the start of the step
    end: ClassVar[int]

    def __init__(self, report: Reporter) -> None:
        self.report = report

    def progress(self, fraction: float) -> None:
        self.report(self.step, self.start + (self.end - self.start) * fraction)

    def run(self, work: Work) -> None:
        raise NotImplementedError


class Prepare(PipelineStep):
    step, start, end = Step.PREPARE, 0, 5

    def run(self, work: Work) -> None:
        reused = OcrResult.objects.filter(original__sha256=_sha(work)).select_related("pdfa").first()
        if reused is not None:
            work.reused = reused
            work.pdfa = open_blob(reused.pdfa)
            work.pages = reused.text.split("\f")
            return
        if work.content_type in ocr.IMAGE_TYPES:
            work.pdf = ocr.image_to_pdf(work.original)
        elif work.content_type == "application/pdf":
            work.pdf = work.original
        else:
            raise ocr.OcrFailed("Chỉ nhận bản quét PDF, TIFF, JPEG hoặc PNG.", code="unsupported_file_type")


class Ocr(PipelineStep):
    step, start, end = Step.OCR, 5, 90

    def run(self, work: Work) -> None:
        if work.reused is not None:
            return
        result = ocr.run_ocr(work.pdf, progress=self.progress, zones=True)
        work.pdfa, work.pages, work.ocr_seconds = result.pdf, result.pages, result.seconds
        work.zones = result.zones


class Extract(PipelineStep):
    step, start, end = Step.EXTRACT, 90, 95

    def run(self, work: Work) -> None:
        if work.zones is None:  # a reused result: read the zones on its PDF/A
            try:
                work.zones = ocr.header_zones(work.pdfa)
            except Exception:
                log.warning("header zones of intake job %s could not be read", work.job_id, exc_info=True)
                work.zones = ocr.HeaderZones("", "")
        first = work.pages[:2]
        text = "\f".join([*first, work.pages[-1]] if len(work.pages) > 2 else first)
        # fields of the left zone that do not validate are read again from page 1 (intake.zones)
        sources = Sources(text, work.zones.left, work.zones.right)
        work.extraction = extract_checked(work.pdfa or work.pdf, sources)


class Store(PipelineStep):
    step, start, end = Step.STORE, 95, 100

    def run(self, work: Work) -> None:
        assert work.extraction is not None
        with atomic_with_files():
            job = IntakeJob.objects.select_for_update().get(pk=work.job_id)
            status = check_transition("finish", job.status)
            # the same scan finished by a parallel job meanwhile: share its result
            result = work.reused or OcrResult.objects.filter(original_id=job.original_id).first()
            if result is None:
                checked = validate(f"{work.name}.pdfa.pdf", work.pdfa, allowed=frozenset({"application/pdf"}))
                result = save_result(job, checked, work)
            job.status = status
            job.result = result
            job.metadata = work.extraction.as_json()
            job.progress = 100
            job.step = self.step
            job.finished_at = timezone.now()
            job.error_code = job.error_message = ""
            job.save()
            audit.record(
                actor=job.created_by,
                action="intake.job_done",
                target=job,
                organization_id=job.organization_id,
                data={
                    "pdfa": result.pdfa.sha256,
                    "pages": result.page_count,
                    "reused": work.reused is not None,
                },
            )


def save_result(job: IntakeJob, checked: CheckedFile, work: Work) -> OcrResult:
    pdfa = store(checked)
    return OcrResult.objects.create(
        original=job.original,
        pdfa=pdfa,
        text="\f".join(work.pages),
        page_count=len(work.pages),
        seconds=round(work.ocr_seconds, 3),
    )


STEPS: list[type[PipelineStep]] = [Prepare, Ocr, Extract, Store]


def _sha(work: Work) -> str:
    import hashlib

    return hashlib.sha256(work.original).hexdigest()


def run(job_id: int) -> IntakeJob:
    """Work one job to DONE or FAILED. Idempotent: a finished job is left as it is."""
    with transaction.atomic():
        job = IntakeJob.objects.select_for_update().select_related("original").get(pk=job_id)
        if job.status not in (Status.QUEUED, Status.RUNNING):
            return job
        job.status = check_transition("start", job.status)
        job.started_at = timezone.now()
        job.attempts += 1
        job.progress = 0
        job.step = Step.PREPARE
        job.save(update_fields=["status", "started_at", "attempts", "progress", "step"])
    report = Reporter(job_id)
    work = Work(job_id, job.original_name, open_blob(job.original), job.original.content_type)
    started = time.perf_counter()
    current: PipelineStep | None = None
    try:
        for step_class in STEPS:
            current = step_class(report)
            report(current.step, current.start)
            current.run(work)
    except Exception as exc:
        fail(job_id, current.step if current else Step.PREPARE, exc)
    else:
        log.info("intake job %s done in %.1f s", job_id, time.perf_counter() - started)
    return IntakeJob.objects.get(pk=job_id)


def fail(job_id: int, step: Step, exc: BaseException) -> None:
    if isinstance(exc, ApplicationError):
        code, message = exc.code, exc.message
    else:
        log.exception("intake job %s failed in step %s", job_id, step)
        code, message = "internal_error", "Lỗi hệ thống khi xử lý bản quét; hãy thử lại hoặc báo quản trị."
    with transaction.atomic():
        job = IntakeJob.objects.select_for_update().get(pk=job_id)
        job.status = check_transition("fail", job.status)
        job.step = step
        job.error_code = code[:60]
        job.error_message = message[:500]
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "step", "error_code", "error_message", "finished_at"])
        audit.record(
            actor=job.created_by,
            action="intake.job_failed",
            target=job,
            organization_id=job.organization_id,
            data={"step": step, "code": code},
        )
