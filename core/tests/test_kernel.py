"""Files, Vietnamese text, counters and the calendar."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest

from conftest import make_pdf
from core import files, numbering
from core.calendar import add_working_days, working_days_between
from core.errors import FileTooLarge, UnsupportedFileType
from core.vn import fold, normalize_symbol, sort_key


def test_fold_handles_d_with_stroke() -> None:
    assert fold("Tỉnh ủy ĐẮK NÔNG  đường") == "tinh uy dak nong duong"


def test_normalize_symbol() -> None:
    assert normalize_symbol("Số 105-BC/TU") == normalize_symbol("105-bc/tu") == "105-bc/tu"
    assert normalize_symbol("Số: 12/UBND-VX") == "12/ubnd-vx"


def test_vietnamese_alphabetical_order() -> None:
    words = ["Đức", "Dũng", "Anh", "Ánh", "Ân", "Ăn", "Bình", "Ơn", "Ô", "O"]
    assert sorted(words, key=sort_key) == ["Anh", "Ánh", "Ăn", "Ân", "Bình", "Dũng", "Đức", "O", "Ô", "Ơn"]


@pytest.mark.django_db
def test_working_days_skip_weekends() -> None:
    friday = date(2026, 11, 20)
    assert add_working_days(friday, 1) == date(2026, 11, 23)
    assert working_days_between(friday, date(2026, 11, 24)) == 2


def _docx(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_validate_accepts_real_files() -> None:
    checked = files.validate("báo cáo.pdf", make_pdf("a", pages=3))
    assert checked.content_type == files.PDF and checked.page_count == 3
    docx = _docx({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    assert files.validate("du-thao.docx", docx).content_type == files.DOCX


@pytest.mark.parametrize(
    "name,data",
    [
        ("a.pdf", b"MZ" + b"\x00" * 100),
        ("a.pdf", b"%PDF-1.4 not really"),
        ("a.exe", make_pdf("x")),
        ("a.docx", _docx({"word/vbaProject.bin": b"x", "word/document.xml": b"<w/>"})),
        ("a.docx", _docx({"../../etc/passwd": b"x", "word/document.xml": b"<w/>"})),
        ("a.docx", _docx({"word/document.xml": b"0" * 5_000_000})),
        ("a.docx", _docx({"foo.txt": b"plain zip"})),
    ],
)
def test_validate_refuses_disguised_or_dangerous_files(name: str, data: bytes) -> None:
    with pytest.raises(UnsupportedFileType) as error:
        files.validate(name, data)
    assert error.value.message.startswith("Tệp") or "Nội dung" in error.value.message


def test_validate_refuses_too_many_pages(settings: object) -> None:
    settings.FILE_MAX_PDF_PAGES = 2  # type: ignore[attr-defined]
    with pytest.raises(FileTooLarge):
        files.validate("dai.pdf", make_pdf("x", pages=3))


def test_clean_name_strips_paths_and_bidi() -> None:
    assert files.clean_name("../../x/\u202ereport.pdf") == "report.pdf"


@pytest.mark.django_db
def test_store_is_content_addressed_and_sweep_removes_orphans(settings: object) -> None:
    from django.core.files.storage import default_storage
    from django.db import transaction

    data = make_pdf("same")
    with transaction.atomic():
        first = files.store(files.validate("a.pdf", data))
        second = files.store(files.validate("b.pdf", data))
    assert first.pk == second.pk and default_storage.exists(first.storage_name)
    orphan = files.validate("c.pdf", make_pdf("orphan"))
    files.write_blob(orphan.sha256, orphan.data)  # as if the process died before the database commit
    assert files.sweep_orphans(grace_seconds=0) == [orphan.sha256]
    assert default_storage.exists(first.storage_name)
    assert files.missing_blobs() == []


@pytest.mark.django_db
def test_new_content_gets_its_row_without_a_lookup_and_a_row_added_meanwhile_is_shared() -> None:
    from django.core.files.storage import default_storage
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from core.models import StoredFile

    new = files.validate("moi.pdf", make_pdf("new content"))
    with CaptureQueriesContext(connection) as queries, files.atomic_with_files(new):
        stored = files.store(new)
    assert stored.sha256 == new.sha256 and stored.size == len(new.data)
    assert not [q for q in queries if q["sql"].startswith("SELECT") and "core_storedfile" in q["sql"]]
    # the row is there already but not the blob (another request's row, its blob removed since): the
    # blob is written again and the row shared, not a second one nor an error
    default_storage.delete(stored.storage_name)
    with transaction.atomic():
        again = files.store(files.validate("lai.pdf", new.data))
    assert again.pk == stored.pk and StoredFile.objects.filter(sha256=new.sha256).count() == 1
    assert files.open_blob(again) == new.data


@pytest.mark.django_db(transaction=True)
def test_prepared_files_are_synced_before_the_transaction_and_removed_if_it_rolls_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.core.files.storage import default_storage
    from django.db import connection

    from core.models import StoredFile, blob_name

    written_in_transaction: list[bool] = []
    real_write = files.write_blob

    def write_blob(sha256: str, data: bytes) -> bool:
        written_in_transaction.append(connection.in_atomic_block)
        return real_write(sha256, data)

    monkeypatch.setattr(files, "write_blob", write_blob)
    kept = files.validate("kept.pdf", make_pdf("kept"))
    with files.atomic_with_files(kept):
        assert default_storage.exists(blob_name(kept.sha256))  # on disk before the first statement
        stored = files.store(kept)
    # written once, outside the transaction (SQLite's write lock is not held during its fsync)
    assert written_in_transaction == [False]
    assert StoredFile.objects.filter(pk=stored.pk).exists()

    dropped = files.validate("dropped.pdf", make_pdf("dropped"))
    with pytest.raises(RuntimeError), files.atomic_with_files(dropped):
        files.store(dropped)
        raise RuntimeError("rolled back")
    assert not default_storage.exists(blob_name(dropped.sha256))
    assert not StoredFile.objects.filter(sha256=dropped.sha256).exists()
    assert default_storage.exists(blob_name(kept.sha256))


@pytest.mark.django_db
def test_counter_counts_per_scope() -> None:
    from django.db import transaction

    with transaction.atomic():
        assert [numbering.allocate("x"), numbering.allocate("x"), numbering.allocate("y")] == [1, 2, 1]
    assert numbering.peek("x") == 2


@pytest.mark.django_db(transaction=True)
def test_counter_refuses_to_run_outside_a_transaction() -> None:
    with pytest.raises(RuntimeError):
        numbering.allocate("x")


@pytest.mark.django_db
def test_unique_backstop_on_arrival_numbers(world: object) -> None:
    from django.db import IntegrityError, transaction

    from incoming.models import IncomingDocument

    doc = world.register()  # type: ignore[attr-defined]
    clone = IncomingDocument.objects.get(pk=doc.pk)
    clone.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()
