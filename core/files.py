"""Uploaded files: type sniffed from content, size limits, content-addressed storage.

``validate`` refuses bad input before anything is written. ``store`` writes the bytes (synced) before
the database commit; ``atomic_with_files`` removes blobs written inside a transaction that rolls back,
and ``sweep_orphans`` collects blobs left by a crash between the write and the commit.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from core.errors import FileTooLarge, InvalidInput, UnsupportedFileType
from core.models import StoredFile, blob_name

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PNG = "image/png"
JPEG = "image/jpeg"
TIFF = "image/tiff"

EXTENSIONS = {
    ".pdf": PDF,
    ".docx": DOCX,
    ".xlsx": XLSX,
    ".png": PNG,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".tif": TIFF,
    ".tiff": TIFF,
}
ZIP_MAX_ENTRIES = 2000
ZIP_MAX_TOTAL = 200 * 1024 * 1024
ZIP_MAX_RATIO = 100


@dataclass(frozen=True)
class CheckedFile:
    name: str
    data: bytes
    content_type: str
    sha256: str
    page_count: int | None


def clean_name(name: str) -> str:
    """Display name without path parts, control or bidi characters; at most 200 characters."""
    name = os.path.basename(name.replace("\\", "/"))
    name = "".join(
        ch
        for ch in name
        if ch.isprintable() and ch not in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    )
    return name.strip()[:200] or "tep-dinh-kem"


def sniff(data: bytes) -> str | None:
    """The content type read from the bytes (not the name), or None when it is none we accept."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    return None


def _check_pdf(data: bytes, name: str) -> int:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise UnsupportedFileType(
                f"Tệp “{name}” là PDF có mật khẩu, hệ thống không thể lưu giữ và kiểm tra.",
                code="encrypted_pdf",
            )
        pages = len(reader.pages)
    except UnsupportedFileType:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        raise UnsupportedFileType(
            f"Tệp “{name}” không phải là PDF hợp lệ (tệp hỏng hoặc giả mạo).", code="invalid_pdf"
        ) from exc
    if b"%%EOF" not in data[-2048:]:
        raise UnsupportedFileType(
            f"Tệp “{name}” là PDF bị cắt cụt (thiếu phần kết thúc).", code="invalid_pdf"
        )
    if pages < 1:
        raise UnsupportedFileType(f"Tệp “{name}” là PDF không có trang nào.", code="invalid_pdf")
    if pages > settings.FILE_MAX_PDF_PAGES:
        raise FileTooLarge(
            f"Tệp “{name}” có {pages} trang, vượt giới hạn {settings.FILE_MAX_PDF_PAGES} trang."
        )
    return pages


def _check_office_zip(data: bytes, name: str) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise UnsupportedFileType(
            f"Tệp “{name}” bị hỏng (không đọc được cấu trúc).", code="invalid_zip"
        ) from exc
    if len(infos) > ZIP_MAX_ENTRIES:
        raise UnsupportedFileType(f"Tệp “{name}” chứa quá nhiều thành phần.", code="zip_bomb")
    total = 0
    spans: list[tuple[int, int]] = []
    for info in infos:
        total += info.file_size
        if info.compress_size and info.file_size / max(info.compress_size, 1) > ZIP_MAX_RATIO:
            raise UnsupportedFileType(
                f"Tệp “{name}” có tỷ lệ nén bất thường (nghi bom nén).", code="zip_bomb"
            )
        if info.filename.startswith("/") or ".." in info.filename.split("/"):
            raise UnsupportedFileType(f"Tệp “{name}” chứa đường dẫn không hợp lệ.", code="zip_slip")
        spans.append((info.header_offset, info.header_offset + 30 + len(info.filename) + info.compress_size))
    if total > ZIP_MAX_TOTAL:
        raise UnsupportedFileType(f"Tệp “{name}” giải nén quá lớn (nghi bom nén).", code="zip_bomb")
    spans.sort()
    for (_, end), (start, _) in itertools.pairwise(spans):
        if start < end:  # overlapping entries (CVE-2024-0450 style), not checked by Python 3.11.7
            raise UnsupportedFileType(
                f"Tệp “{name}” có cấu trúc nén chồng lấn (nghi bom nén).", code="zip_bomb"
            )
    names = {info.filename for info in infos}
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise UnsupportedFileType(f"Tệp “{name}” chứa macro, không được chấp nhận.", code="macro")
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    raise UnsupportedFileType(
        f"Tệp “{name}” không phải tài liệu Word (.docx) hoặc Excel (.xlsx).", code="unsupported_file_type"
    )


def validate(name: str, data: bytes, *, allowed: frozenset[str] | None = None) -> CheckedFile:
    """Check one upload; raise an ApplicationError with a Vietnamese message when it is refused."""
    name = clean_name(name)
    if not data:
        raise InvalidInput(f"Tệp “{name}” rỗng.", code="empty_file")
    if len(data) > settings.FILE_MAX_BYTES:
        limit_mb = settings.FILE_MAX_BYTES // (1024 * 1024)
        raise FileTooLarge(f"Tệp “{name}” vượt quá dung lượng cho phép ({limit_mb} MB).")
    sniffed = sniff(data)
    ext = Path(name).suffix.lower()
    declared = EXTENSIONS.get(ext)
    if sniffed is None or declared is None:
        raise UnsupportedFileType(
            f"Tệp “{name}” không thuộc loại được chấp nhận (PDF, DOCX, XLSX, PNG, JPEG, TIFF)."
        )
    page_count = None
    if sniffed == PDF:
        content_type = PDF
        page_count = _check_pdf(data, name)
    elif sniffed == "zip":
        content_type = _check_office_zip(data, name)
    else:
        content_type = sniffed
    if content_type != declared:
        raise UnsupportedFileType(
            f"Nội dung tệp “{name}” không khớp với phần mở rộng {ext} (tệp bị đổi tên hoặc giả mạo).",
            code="type_mismatch",
        )
    if allowed is not None and content_type not in allowed:
        raise UnsupportedFileType(f"Tệp “{name}” không thuộc loại được chấp nhận ở đây.")
    return CheckedFile(name, data, content_type, hashlib.sha256(data).hexdigest(), page_count)


# --- storage -------------------------------------------------------------------------------------------

_written: ContextVar[list[tuple[str, int]] | None] = ContextVar("written_blobs", default=None)


def _mtime_ns(sha256: str) -> int:
    path = _local_path(blob_name(sha256))
    try:
        return path.stat().st_mtime_ns if path is not None else 0
    except FileNotFoundError:
        return -1


def _local_path(name: str) -> Path | None:
    try:
        return Path(default_storage.path(name))
    except NotImplementedError:
        return None


def write_blob(sha256: str, data: bytes) -> bool:
    """Write the bytes under their hash, synced to disk. Returns True when this call created the blob."""
    name = blob_name(sha256)
    path = _local_path(name)
    if default_storage.exists(name):
        if path is not None:
            os.utime(path)  # reused now: younger than the sweep's grace period, and not ours to remove
        return False
    if path is None:
        default_storage.save(name, ContentFile(data))
        return True
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def store(checked: CheckedFile) -> StoredFile:
    """Store the bytes (before commit) and return the StoredFile row, shared when the content is known."""
    written = _written.get()
    new = written is not None and any(sha == checked.sha256 for sha, _ in written)  # written just before
    if not new:
        new = write_blob(checked.sha256, checked.data)
        if new and written is not None:
            written.append((checked.sha256, _mtime_ns(checked.sha256)))
    if new:
        # content not on disk until now has no row: added without looking first (a request storing the
        # same bytes at this moment may add it first: then it is read below)
        try:
            with transaction.atomic():
                return StoredFile.objects.create(
                    sha256=checked.sha256,
                    size=len(checked.data),
                    content_type=checked.content_type,
                    page_count=checked.page_count,
                )
        except IntegrityError:
            pass
    stored, _ = StoredFile.objects.get_or_create(
        sha256=checked.sha256,
        defaults={
            "size": len(checked.data),
            "content_type": checked.content_type,
            "page_count": checked.page_count,
        },
    )
    return stored


@contextmanager
def atomic_with_files(*prepared: CheckedFile) -> Iterator[None]:
    """A transaction that also removes the blobs it wrote when it rolls back.

    ``prepared`` files are written (and synced) before the transaction begins, then ``store`` inside it
    only adds their rows: on SQLite a transaction holds the whole database's write lock from its start
    (BEGIN IMMEDIATE), and an fsync of a large file (~20 ms for 1.4 MB) inside it stalls every other
    writer of the process. They are removed like the others if the transaction rolls back."""
    written: list[tuple[str, int]] = []
    token = _written.set(written)
    try:
        for checked in prepared:
            if write_blob(checked.sha256, checked.data):
                written.append((checked.sha256, _mtime_ns(checked.sha256)))
        with transaction.atomic():
            yield
    except BaseException:
        for sha, mtime in written:
            # another request that reused the blob meanwhile touched it (its row may not be visible yet)
            if _mtime_ns(sha) == mtime and not StoredFile.objects.filter(sha256=sha).exists():
                default_storage.delete(blob_name(sha))
        raise
    finally:
        _written.reset(token)


def open_blob(stored: StoredFile) -> bytes:
    with default_storage.open(stored.storage_name, "rb") as fh:
        data: bytes = fh.read()
    return data


def sweep_orphans(grace_seconds: int = 3600) -> list[str]:
    """Delete blobs no StoredFile row points to, older than the grace period. Returns what was removed."""
    root = _local_path("blobs")
    if root is None or not root.exists():
        return []
    known = set(StoredFile.objects.values_list("sha256", flat=True))
    removed = []
    cutoff = time.time() - grace_seconds
    for path in root.glob("*/*/*"):
        if path.name.startswith("."):
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
            continue
        if path.name not in known and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed


def missing_blobs() -> list[str]:
    """StoredFile rows whose bytes are missing or do not match their hash."""
    bad = []
    for stored in StoredFile.objects.iterator():
        name = stored.storage_name
        if not default_storage.exists(name):
            bad.append(stored.sha256)
            continue
        if hashlib.sha256(open_blob(stored)).hexdigest() != stored.sha256:
            bad.append(stored.sha256)
    return bad
