"""Bad input gets a clear Vietnamese error and stores nothing (no document, no file row, no blob)."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from conftest import World, make_pdf
from core.models import AuditEvent, Counter, StoredFile
from incoming.models import IncomingDocument

pytestmark = pytest.mark.django_db

VIETNAMESE = set("ạảãàáâầấậẩẫăắằặẳẵêềếệểễôồốộổỗơờớợởỡưừứựửữđỉịíìĩóòỏõọúùủũụýỳỷỹỵéèẻẽẹ")

GOOD = {
    "issuer_name": "Ban Tổ chức Trung ương",
    "number_symbol": "105-BC/BTCTW",
    "issued_date": "2026-01-05",
    "doc_type": "BC",
    "subject": "Báo cáo tổng kết công tác tổ chức xây dựng Đảng",
}


def api(world: World) -> Client:
    from core import tokens

    key, _ = tokens.issue(world.clerk)
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def blobs() -> list[Path]:
    storages: dict[str, Any] = settings.STORAGES
    root = Path(storages["default"]["OPTIONS"]["location"]) / "blobs"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def state() -> tuple[Any, ...]:
    return (
        IncomingDocument.objects.count(),
        StoredFile.objects.count(),
        len(blobs()),
        AuditEvent.objects.count(),
        list(Counter.objects.values_list("scope", "last_number")),
    )


def upload(name: str, data: bytes, content_type: str = "application/pdf") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


def docx_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "0" * (30 * 1024 * 1024))
    return buffer.getvalue()


CASES = {
    "missing subject": ({**GOOD, "subject": ""}, [("a.pdf", make_pdf("a"))], 400, "subject"),
    "missing number-symbol": (
        {**GOOD, "number_symbol": ""},
        [("a.pdf", make_pdf("a"))],
        400,
        "number_symbol",
    ),
    "bad date format": (
        {**GOOD, "issued_date": "31/02/2026"},
        [("a.pdf", make_pdf("a"))],
        400,
        "issued_date",
    ),
    "issued after arrival": (
        {**GOOD, "issued_date": "2099-01-01"},
        [("a.pdf", make_pdf("a"))],
        400,
        "issued_date",
    ),
    "arrival in the future": (
        {**GOOD, "arrival_date": "2099-01-01"},
        [("a.pdf", make_pdf("a"))],
        400,
        "arrival_date",
    ),
    "deadline before arrival": (
        {**GOOD, "arrival_date": "2026-01-10", "due_date": "2026-01-01"},
        [("a.pdf", make_pdf("a"))],
        400,
        "due_date",
    ),
    "unknown type": ({**GOOD, "doc_type": "XYZ"}, [("a.pdf", make_pdf("a"))], 400, "doc_type"),
    "bad urgency": ({**GOOD, "urgency": "asap"}, [("a.pdf", make_pdf("a"))], 400, "urgency"),
    "exe disguised as pdf": (GOOD, [("bao-cao.pdf", b"MZ\x90\x00" + b"\x00" * 2000)], 415, None),
    "html disguised as pdf": (GOOD, [("bao-cao.pdf", b"<html><script>alert(1)</script></html>")], 415, None),
    "pdf header, garbage body": (GOOD, [("bao-cao.pdf", b"%PDF-1.7\n" + b"garbage" * 500)], 415, None),
    "truncated pdf": (GOOD, [("bao-cao.pdf", make_pdf("t")[:-300])], 415, None),
    "pdf renamed docx": (GOOD, [("bao-cao.docx", make_pdf("r"))], 415, None),
    "docx zip bomb": (GOOD, [("bom.docx", docx_bomb())], 415, None),
    "good first file, bad second": (
        GOOD,
        [("a.pdf", make_pdf("ok")), ("b.pdf", b"not a pdf at all")],
        415,
        None,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_refused_in_vietnamese_and_stores_nothing(world: World, case: str) -> None:
    fields, files, status, field = CASES[case]
    before = state()
    data = {**fields, "files": [upload(name, content) for name, content in files]}
    response = api(world).post("/api/v1/incoming", data=data)
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body["message"].lower()) & VIETNAMESE, body
    if field:
        assert field in body["details"], body
    assert state() == before


def test_oversize_file_is_413_and_stores_nothing(world: World, settings: Any) -> None:
    settings.FILE_MAX_BYTES = 20_000
    before = state()
    big = make_pdf("x" * 50, pages=60)
    assert len(big) > 20_000
    response = api(world).post("/api/v1/incoming", data={**GOOD, "files": [upload("lon.pdf", big)]})
    assert response.status_code == 413
    assert "dung lượng" in response.json()["message"]
    assert state() == before


def test_no_file_is_refused(world: World) -> None:
    before = state()
    response = api(world).post("/api/v1/incoming", data=GOOD)
    assert response.status_code == 400
    assert state() == before


def test_crash_after_files_written_leaves_no_orphan(world: World, monkeypatch: Any) -> None:
    """A failure after the bytes are written but before commit removes the blobs and every row."""
    from incoming import services

    before = state()

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("simulated crash before commit")

    monkeypatch.setattr(services.selectors, "possible_duplicates", boom)
    with pytest.raises(RuntimeError):
        world.register(pdf=make_pdf("crash"))
    assert state() == before


def test_good_registration_through_the_api(world: World) -> None:
    pdf = make_pdf("good")
    response = api(world).post(
        "/api/v1/incoming",
        data={
            **GOOD,
            "urgency": "urgent",
            "due_date": (timezone.localdate() + timedelta(days=30)).isoformat(),  # ahead of the arrival
            "files": [upload("Báo cáo số 105.pdf", pdf), upload("phu-luc.pdf", make_pdf("annex"))],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["arrival_number"] == 1
    assert body["register"]["year"] == int(body["arrival_date"][:4])
    assert [f["name"] for f in body["files"]] == ["Báo cáo số 105.pdf", "phu-luc.pdf"]
    import hashlib

    assert body["files"][0]["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert body["warnings"] == []
    content = api(world).get(f"/api/v1/files/{body['files'][0]['id']}/content")
    assert content.status_code == 200 and content.content == pdf
    assert content["X-Content-Type-Options"] == "nosniff"
    assert "filename*=UTF-8''B%C3%A1o" in content["Content-Disposition"]
