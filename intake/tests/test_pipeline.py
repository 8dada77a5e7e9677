"""The OCR pipeline for real (OCRmyPDF and Tesseract run), and its failures leaving clear states."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.storage import default_storage

from core import worker
from core.models import StoredFile, blob_name
from intake import ocr, pipeline, selectors, services
from intake.models import IntakeJob, OcrResult
from intake.states import Status, Step
from intake.tests.helpers import PAGE3_PHRASE, party_scan


def _create(world: Any, data: bytes, name: str = "scan.tiff") -> IntakeJob:
    return services.intake_job_create(actor=world.clerk, organization=world.org, name=name, data=data)


@pytest.mark.django_db
def test_multi_page_tiff_becomes_pdfa_with_text_and_metadata(world: Any) -> None:
    # Given a two-page scanned TIFF uploaded by the clerk
    job = _create(world, party_scan("tiff", pages=2))
    assert job.status == Status.QUEUED
    # When the worker runs the queue
    assert worker.run_pending() == 1
    # Then the job is done, with a PDF/A beside the original and the text of both pages
    job.refresh_from_db()
    assert job.status == Status.DONE, job.error_message
    assert job.progress == 100
    result = job.result
    assert result is not None and result.page_count == 2
    assert result.pdfa.content_type == "application/pdf" and result.pdfa_id != job.original_id
    pdfa = default_storage.open(blob_name(result.pdfa.sha256)).read()
    assert b"pdfaid" in pdfa.lower() or b"PDF/A" in pdfa  # the XMP metadata claims PDF/A
    folded = " ".join(result.text.split()).lower()
    assert "trang cuối để tìm kiếm" in folded, result.text
    assert selectors.ocr_text(job.original_id) == result.text
    assert selectors.ocr_text(result.pdfa_id) == result.text
    assert selectors.ocr_text(999999) is None
    # and the metadata read from it
    meta = job.metadata
    assert meta["number_symbol"]["value"] == "127-TB/TU"
    assert meta["issued_date"]["value"] == "2026-03-05"
    assert meta["doc_type"]["value"] == "TB"
    assert meta["issuer_name"]["value"] == "Tỉnh ủy Đắk Nông"
    assert meta["urgency"]["value"] == "urgent"
    assert PAGE3_PHRASE  # (the phrase printed on the last page)


@pytest.mark.django_db
def test_same_scan_twice_reuses_the_ocr(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    data = party_scan("pdf")
    job1 = _create(world, data, "a.pdf")
    monkeypatch.setattr(ocr, "run_ocr", _fake_ocr)
    monkeypatch.setattr(ocr, "header_zones", lambda pdf: ocr.HeaderZones("", ""))
    worker.run_pending()
    job2 = _create(world, data, "b.pdf")

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("OCR must not run again for the same bytes")

    monkeypatch.setattr(ocr, "run_ocr", boom)
    worker.run_pending()
    job1.refresh_from_db()
    job2.refresh_from_db()
    assert job2.status == Status.DONE and job2.result_id == job1.result_id


def _fake_ocr(pdf: bytes, **kwargs: Any) -> ocr.OcrOutput:
    from conftest import make_pdf

    progress = kwargs.get("progress")
    if progress:
        progress(0.5)
    return ocr.OcrOutput(pdf=make_pdf("ban pdfa"), pages=["Số 5-TB/TU\nTHÔNG BÁO\nvề việc thử"], seconds=0.1)


@pytest.mark.django_db
def test_ocr_failure_leaves_a_clear_failed_state(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    job = _create(world, party_scan("pdf"), "scan.pdf")

    def fails(pdf: bytes, **kwargs: Any) -> Any:
        raise ocr.OcrFailed("Tệp PDF có mật khẩu, không nhận dạng được.", code="encrypted_pdf")

    monkeypatch.setattr(ocr, "run_ocr", fails)
    files_before = StoredFile.objects.count()
    worker.run_pending()
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.step == Step.OCR
    assert job.error_code == "encrypted_pdf" and "mật khẩu" in job.error_message
    assert job.result is None and not OcrResult.objects.exists()
    assert StoredFile.objects.count() == files_before
    # a retry queues it again, and it then succeeds
    monkeypatch.setattr(ocr, "run_ocr", _fake_ocr)
    monkeypatch.setattr(ocr, "header_zones", lambda pdf: ocr.HeaderZones("", ""))
    services.intake_job_retry(actor=world.clerk, job=job)
    worker.run_pending()
    job.refresh_from_db()
    assert job.status == Status.DONE and job.attempts == 2


@pytest.mark.django_db
def test_failure_while_storing_stores_nothing_half_done(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the OCR succeeds but the database write after the PDF/A blob fails
    job = _create(world, party_scan("pdf"), "scan.pdf")
    monkeypatch.setattr(ocr, "run_ocr", _fake_ocr)
    monkeypatch.setattr(ocr, "header_zones", lambda pdf: ocr.HeaderZones("", ""))
    written: list[str] = []
    real_save = pipeline.save_result

    def save_then_crash(job: IntakeJob, checked: Any, work: Any) -> Any:
        real_save(job, checked, work)
        written.append(checked.sha256)
        raise RuntimeError("disk full")

    monkeypatch.setattr(pipeline, "save_result", save_then_crash)
    files_before = set(StoredFile.objects.values_list("sha256", flat=True))
    worker.run_pending()
    # Then the job is FAILED in the store step, with no result row, no PDF/A row and no PDF/A blob
    job.refresh_from_db()
    assert job.status == Status.FAILED and job.step == Step.STORE
    assert job.error_code == "internal_error"
    assert job.result is None and not OcrResult.objects.exists()
    assert set(StoredFile.objects.values_list("sha256", flat=True)) == files_before
    assert written and not default_storage.exists(blob_name(written[0]))
    # and the original is still there
    assert default_storage.exists(blob_name(job.original.sha256))


@pytest.mark.django_db
def test_finished_job_is_left_alone(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    job = _create(world, party_scan("pdf"), "scan.pdf")
    monkeypatch.setattr(ocr, "run_ocr", _fake_ocr)
    monkeypatch.setattr(ocr, "header_zones", lambda pdf: ocr.HeaderZones("", ""))
    worker.run_pending()
    job.refresh_from_db()
    assert pipeline.run(job.pk).status == Status.DONE  # idempotent: a second run changes nothing
    assert IntakeJob.objects.get(pk=job.pk).attempts == 1


@pytest.mark.django_db
def test_refuses_other_types(world: Any) -> None:
    from core.errors import UnsupportedFileType

    with pytest.raises(UnsupportedFileType):
        services.intake_job_create(
            actor=world.clerk, organization=world.org, name="a.docx", data=b"PK\x03\x04rubbish"
        )
    assert not IntakeJob.objects.exists()


def test_upside_down_scan_is_turned_and_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """One pass without clean-up (the fast path); a page read as debris, which orientation detection finds
    turned, makes the scan go through OCRmyPDF's pass with rotation, deskew and unpaper."""
    from PIL import Image

    from intake.extract import Sources, extract
    from intake.testing.scans import rasterise, render_pdf, to_bytes
    from intake.tests.helpers import party_doc

    upright = rasterise(render_pdf(party_doc(1)), dpi=150, rotate=0.7)
    flipped = [image.transpose(Image.Transpose.ROTATE_180) for image in upright]
    passes: list[bool] = []
    real = ocr._ocrmypdf

    def spy(*args: Any, **kwargs: Any) -> Any:
        passes.append(args[4])  # clean
        return real(*args, **kwargs)

    monkeypatch.setattr(ocr, "_ocrmypdf", spy)
    output = ocr.run_ocr(to_bytes(flipped, "pdf", 150), zones=True)
    assert passes == [True]  # the fast first pass, then only the clean-up pass
    assert b"pdfaid" in output.pdf
    assert not any(ocr._unreadable(page) for page in output.pages)
    assert "THÔNG BÁO" in output.pages[0]
    assert output.zones is not None
    extraction = extract(Sources(output.text, output.zones.left, output.zones.right))
    assert extraction.value("number_symbol") == "127-TB/TU"
    assert extraction.value("issuer_name") == "Tỉnh ủy Đắk Nông"


def test_unreadable_page_detection() -> None:
    assert not ocr._unreadable("")  # a blank page: nothing to judge
    assert not ocr._unreadable("Thực hiện chương trình công tác năm 2026, các cơ quan, đơn vị đã chủ động")
    debris = "ʎɐu ɯ!ɥʇ ɔɐ̣nb ɔo 'ɔɐʇ ƃuo̥ɔ ɥuᴉɹʇ ƃuoɹɥɔ ụ!ɥʇ ɔ!ɥʇ ɐns ʇ!ɐ ɹǝɥʇo ɐʍɹ dsɐ!ɹ ʇɯɐ"
    assert ocr._unreadable(debris * 2)
