"""Intake screens and API: who may use them, the progress page, the pre-filled registration form."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from api.tests.helpers import client_for
from core import worker
from incoming.models import IncomingDocument
from intake import ocr
from intake.models import IntakeJob
from intake.states import Status
from intake.tests.helpers import party_scan

OCR_TEXT = """TỈNH ỦY ĐẮK NÔNG ĐẢNG CỘNG SẢN VIỆT NAM
BAN TUYÊN GIÁO
*
Số 127-TB/TU Đắk Nông, ngày 05 tháng 03 năm 2026
KHẨN

THÔNG BÁO
kết luận của Ban Thường vụ về công tác chuyển đổi số

Ban Thường vụ Tỉnh ủy yêu cầu thực hiện.
Nơi nhận: T/M BAN THƯỜNG VỤ
- Như trên, PHÓ BÍ THƯ
- Lưu Văn phòng.
Trần Thị Mai
"""


@pytest.fixture
def fake_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    """OCR stubbed (the real one runs in test_pipeline): these tests are about the screens and the API."""
    from conftest import make_pdf

    def run(pdf: bytes, **kwargs: Any) -> ocr.OcrOutput:
        return ocr.OcrOutput(pdf=make_pdf("pdfa"), pages=[OCR_TEXT], seconds=0.1)

    monkeypatch.setattr(ocr, "run_ocr", run)
    # the header zones unreadable: the number-symbol line is merged with the date, as in a real scan
    monkeypatch.setattr(ocr, "header_zones", lambda pdf: ocr.HeaderZones("", ""))


def _login(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client: Client) -> None:
    for name in ("web:intake_home",):
        response = client.get(reverse(name))
        assert response.status_code == 302 and reverse("web:login") in response["Location"]
    response = client.get(reverse("web:intake_job", args=[1]))
    assert response.status_code == 302 and reverse("web:login") in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["norole", "specialist", "leader"])
def test_only_clerks_may_upload(client: Client, world: Any, persona: str) -> None:
    _login(client, getattr(world, persona))
    response = client.post(reverse("web:intake_home"), {"files": _upload()})
    assert response.status_code == 302 and response["Location"] == reverse("web:home")
    assert not IntakeJob.objects.exists()


@pytest.mark.django_db
def test_other_organisation_cannot_see_a_job(client: Client, world: Any, fake_ocr: None) -> None:
    job = _upload_as_clerk(client, world)
    other = Client()
    _login(other, world.outsider)  # a clerk of another organisation
    for name in ("web:intake_job", "web:intake_job_progress", "web:intake_job_pdfa", "web:intake_register"):
        assert other.get(reverse(name, args=[job.pk])).status_code == 404
    assert other.post(reverse("web:intake_job_retry", args=[job.pk])).status_code == 404


def _upload(name: str = "scan.pdf") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, party_scan("pdf"), content_type="application/pdf")


def _upload_as_clerk(client: Client, world: Any) -> IntakeJob:
    _login(client, world.clerk)
    response = client.post(reverse("web:intake_home"), {"files": _upload()})
    job = IntakeJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("web:intake_job", args=[job.pk])
    return job


@pytest.mark.django_db
def test_upload_progress_then_prefilled_registration(client: Client, world: Any, fake_ocr: None) -> None:
    # Given a clerk uploads a scan
    job = _upload_as_clerk(client, world)
    # Then the job page polls its progress while the job waits
    page = client.get(reverse("web:intake_job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and "Đang chờ xử lý" in page
    # When the worker has run
    worker.run_pending()
    progress = client.get(reverse("web:intake_job_progress", args=[job.pk]))
    assert progress["HX-Refresh"] == "true" and "100 %" in progress.content.decode()
    page = client.get(reverse("web:intake_job", args=[job.pk])).content.decode()
    assert reverse("web:intake_register", args=[job.pk]) in page
    assert client.get(reverse("web:intake_job_pdfa", args=[job.pk]))["Content-Type"] == "application/pdf"
    # And the registration form is pre-filled, the unsure fields highlighted
    register_page = client.get(reverse("web:intake_register", args=[job.pk]))
    form = register_page.context["form"]
    html = register_page.content.decode()
    assert 'value="05/03/2026"' in html  # the date shown as dd/mm/yyyy
    # the registration page's form, without its "register and enter the next one" button
    assert 'id="register-form"' in html and 'value="again"' not in html
    assert 'value="again"' in client.get(reverse("web:incoming_new")).content.decode()
    assert form.initial["number_symbol"] == "127-TB/TU"
    assert form.initial["doc_type"] == "TB"
    assert form.initial["urgency"] == "urgent"
    assert str(form.initial["issued_date"]) == "2026-03-05"
    # the header names a body its number-symbol (…/TU: the Tỉnh ủy itself) does not: unsure
    assert form.initial["issuer_name"] == "Ban Tuyên giáo Tỉnh ủy Đắk Nông"
    assert "border-warning" in form.fields["issuer_name"].widget.attrs["class"]
    assert "border-warning" not in form.fields["doc_type"].widget.attrs["class"]
    assert "chưa chắc chắn" in form.fields["issuer_name"].help_text
    # When the clerk corrects the issuer and registers
    data = {
        "issuer_name": "Tỉnh ủy Đắk Nông",
        "number_symbol": form.initial["number_symbol"],
        "issued_date": "05/03/2026",
        "doc_type": "TB",
        "subject": form.initial["subject"],
        "signer_name": form.initial.get("signer_name", ""),
        "signer_position": form.initial.get("signer_position", ""),
        "urgency": "urgent",
        "secrecy": "none",
        "channel": "paper",
    }
    response = client.post(reverse("web:intake_register", args=[job.pk]), data)
    # Then the document is registered with the PDF/A as its main file, and the job is linked to it
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    doc = IncomingDocument.objects.get()
    assert doc.number_symbol == "127-TB/TU" and doc.subject.startswith("Kết luận của Ban Thường vụ")
    job.refresh_from_db()
    assert job.status == Status.REGISTERED and job.document_id == doc.pk
    # and it is found at once by a phrase of its OCR text (indexed in the registering transaction)
    from search.selectors import Filters, search

    found = search(world.clerk, '"Ban Thường vụ Tỉnh ủy yêu cầu thực hiện"', Filters())
    assert [hit.id for hit in found.items] == [doc.pk]
    # and it cannot be registered twice
    again = client.post(reverse("web:intake_register", args=[job.pk]), data)
    assert again.status_code == 302 and IncomingDocument.objects.count() == 1


@pytest.mark.django_db
def test_api_extract_requires_a_token(client: Client) -> None:
    response = client.post("/api/v1/intake/extract", {"file": _upload()})
    assert response.status_code == 401


@pytest.mark.django_db
def test_api_extract_refuses_non_clerks(world: Any, fake_ocr: None) -> None:
    response = client_for(world.specialist).post("/api/v1/intake/extract", {"file": _upload()})
    assert response.status_code == 403 and response.json()["code"] == "not_allowed"


@pytest.mark.django_db
def test_api_extract_bad_input(world: Any) -> None:
    api = client_for(world.clerk)
    assert api.post("/api/v1/intake/extract", {}).status_code == 400
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("scan.pdf", b"not a pdf at all", content_type="application/pdf")
    assert api.post("/api/v1/intake/extract", {"file": fake}).status_code == 415


@pytest.mark.django_db
def test_api_extract_real_ocr(world: Any) -> None:
    """The API on a real one-page PNG scan (OCR runs)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    scan = SimpleUploadedFile("scan.png", party_scan("png"), content_type="image/png")
    response = client_for(world.clerk).post("/api/v1/intake/extract", {"file": scan})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["number_symbol"] == "127-TB/TU"
    assert body["issued_date"] == "2026-03-05"
    assert body["issuer_name"] == "Tỉnh ủy Đắk Nông"
    assert body["doc_type"] == "TB"
    assert body["place"] == "Đắk Nông"
    assert set(body["confidence"]) >= {"issuer_name", "number_symbol", "issued_date", "doc_type", "subject"}
    assert all(0 <= value <= 1 for value in body["confidence"].values())
    assert "THÔNG BÁO" in body["text"]
    assert not IntakeJob.objects.exists()  # nothing stored
