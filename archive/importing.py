"""Bulk import of a legacy archive: a spreadsheet (.xlsx) of metadata, one row per document, and a folder
of scans named in its "Tệp" column.

``import_start`` checks the spreadsheet's columns, stores the spreadsheet and the scans (content-addressed)
and queues ``archive.tasks.run_import`` in the same transaction. ``import_run`` (the worker) reads the rows
and commits **each row with its file in its own transaction** (``record_create`` under
``files.atomic_with_files``): a row is either fully imported — record, attachment, progress, audit —
or not at all. A restart (the task queued again by ``import_resume``, or a rerun after a crash) skips
the rows already imported (unique ``(import_job, import_row)``) or refused, so nothing is imported twice
and nothing is half-imported. Refused rows are listed with a Vietnamese reason. One runner at a time: a
runner claims the job with a conditional UPDATE and keeps a heartbeat; a second runner (a resume while it
still runs) is refused, and a runner silent for ``LEASE`` is taken for dead so the job can be resumed.
"""

from __future__ import annotations

import io
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from archive import permissions, selectors, services
from archive.models import ArchiveRecord, Dossier, ImportJob, ImportRowError, ImportScan
from archive.states import DossierStatus, ImportStatus
from core import audit, files
from core.errors import ApplicationError, InvalidInput, NotAllowed
from core.vn import fold
from orgs.models import Organization, Secrecy, User

log = logging.getLogger(__name__)

# header (folded) → field; the first five are required
COLUMNS = {
    "so, ky hieu": "number_symbol",
    "so ky hieu": "number_symbol",
    "ngay van ban": "issued_date",
    "co quan ban hanh": "issuer_name",
    "ten loai": "type_name",
    "loai van ban": "type_name",
    "trich yeu": "subject",
    "tep": "file",
    "ten tep": "file",
    "nguoi ky": "signer_name",
    "chuc vu nguoi ky": "signer_position",
    "chuc vu": "signer_position",
    "so trang": "page_count",
    "do mat": "secrecy",
    "ngon ngu": "language",
    "ghi chu": "description",
    "ma ho so": "dossier_code",
    "ho so": "dossier_code",
    "so, ky hieu ho so": "dossier_code",
    "so ky hieu ho so": "dossier_code",
}
REQUIRED = ("issued_date", "issuer_name", "type_name", "subject", "file")
LABELS = {
    "issued_date": "Ngày văn bản",
    "issuer_name": "Cơ quan ban hành",
    "type_name": "Loại văn bản",
    "subject": "Trích yếu",
    "file": "Tệp",
}
SECRECY = {
    "": Secrecy.NONE,
    "thuong": Secrecy.NONE,
    "mat": Secrecy.CONFIDENTIAL,
    "toi mat": Secrecy.SECRET,
    "tuyet mat": Secrecy.TOP_SECRET,
}
MAX_ROWS = 20000
MAX_SCANS = 5000


def _folded(value: Any) -> str:
    return re.sub(r"\s+", " ", fold(str(value or "")).strip().lower())


def _rows(data: bytes) -> tuple[dict[str, int], list[tuple[int, list[Any]]]]:
    """(field → column index, [(spreadsheet row number, values)]) of the first sheet."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a corrupt workbook is the user's input error
        raise InvalidInput("Không đọc được bảng tính (.xlsx).", code="bad_spreadsheet") from exc
    sheet = book.worksheets[0]
    iterator = sheet.iter_rows(values_only=True)
    header = next(iterator, None) or ()
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        field = COLUMNS.get(_folded(title))
        if field and field not in columns:
            columns[field] = index
    missing = [LABELS[f] for f in REQUIRED if f not in columns]
    if missing:
        raise InvalidInput(
            "Bảng tính thiếu cột: " + ", ".join(missing) + ".",
            code="missing_columns",
            details={"missing": missing},
        )
    rows = []
    for number, values in enumerate(iterator, start=2):
        if values is None or all(v in (None, "") for v in values):
            continue
        rows.append((number, list(values)))
        if len(rows) > MAX_ROWS:
            raise InvalidInput(f"Bảng tính có quá {MAX_ROWS} dòng: hãy chia thành nhiều đợt.")
    book.close()
    return columns, rows


def sheet_files(data: bytes) -> list[str]:
    """The scan names the spreadsheet's "Tệp" column asks for (the command reads only those)."""
    columns, rows = _rows(data)
    index = columns["file"]
    names = []
    for _number, values in rows:
        value = values[index] if index < len(values) else None
        if value not in (None, ""):
            names.append(files.clean_name(str(value).strip()))
    return names


def import_start(
    *,
    actor: User,
    organization: Organization,
    spreadsheet: tuple[str, bytes],
    scans: list[tuple[str, bytes]],
    dossier: Dossier | None = None,
    queue: bool = True,
) -> ImportJob:
    """Check and store the spreadsheet and scans; ``queue`` the worker task (the command runs it itself)."""
    if not permissions.may_manage(actor, organization.pk):
        raise NotAllowed("Chỉ văn thư của cơ quan được nhập tài liệu lưu trữ.")
    if dossier is not None and (
        dossier.organization_id != organization.pk or dossier.status != DossierStatus.OPEN
    ):
        raise InvalidInput("Hồ sơ được chọn phải là hồ sơ đang lập của cơ quan.")
    if len(scans) > MAX_SCANS:
        raise InvalidInput(f"Tối đa {MAX_SCANS} tệp quét mỗi đợt.")
    sheet = files.validate(spreadsheet[0], spreadsheet[1], allowed=frozenset({files.XLSX}))
    _columns, rows = _rows(sheet.data)
    checked = []
    names: set[str] = set()
    for name, data in scans:
        c = files.validate(name, data, allowed=services.ARCHIVE_FILE_TYPES)
        if c.name in names:
            raise InvalidInput(f"Hai tệp quét cùng tên “{c.name}”.")
        names.add(c.name)
        checked.append(c)
    from archive import tasks

    with files.atomic_with_files():
        job = ImportJob.objects.create(
            organization=organization,
            created_by=actor,
            spreadsheet=files.store(sheet),
            spreadsheet_name=sheet.name,
            total_rows=len(rows),
            dossier=dossier,
        )
        ImportScan.objects.bulk_create(
            [ImportScan(job=job, name=c.name, stored=files.store(c)) for c in checked]
        )
        audit.record(
            actor=actor,
            action="archive.import_start",
            target=job,
            organization_id=organization.pk,
            data={"spreadsheet": sheet.name, "rows": len(rows), "scans": len(checked)},
        )
        if queue:
            tasks.run_import.enqueue(job.pk)
    return job


LEASE = timedelta(minutes=2)  # a runner silent this long is taken for dead
HEARTBEAT_SECONDS = 10.0


def _running_elsewhere() -> Q:
    """A job another runner is working on now (RUNNING with a fresh heartbeat)."""
    return Q(status=ImportStatus.RUNNING, heartbeat_at__gte=timezone.now() - LEASE)


def import_resume(*, actor: User, job: ImportJob, queue: bool = True) -> ImportJob:
    """Queue an interrupted import again (or, ``queue=False``, let the caller run it); it continues after
    the rows already done. Refused while another runner is still working on it."""
    if not permissions.may_manage(actor, job.organization_id):
        raise NotAllowed("Chỉ văn thư của cơ quan được nhập tài liệu lưu trữ.")
    if job.status == ImportStatus.DONE:
        raise InvalidInput("Đợt nhập đã hoàn thành.", code="import_done")
    from archive import tasks

    with transaction.atomic():
        resumed = (
            ImportJob.objects.filter(pk=job.pk)
            .exclude(status=ImportStatus.DONE)
            .exclude(_running_elsewhere())
            .update(status=ImportStatus.PENDING, failure="")
        )
        if not resumed:
            raise InvalidInput(
                "Đợt nhập đang chạy hoặc đã hoàn thành: không cần tiếp tục.", code="import_running"
            )
        audit.record(
            actor=actor, action="archive.import_resume", target=job, organization_id=job.organization_id
        )
        if queue:
            tasks.run_import.enqueue(job.pk)
    job.refresh_from_db()
    return job


def _claim(job_id: int) -> bool:
    """Take the job for this runner (one conditional UPDATE: two runners never both get it)."""
    now = timezone.now()
    return bool(
        ImportJob.objects.filter(pk=job_id)
        .exclude(status=ImportStatus.DONE)
        .exclude(_running_elsewhere())
        .update(
            status=ImportStatus.RUNNING,
            started_at=Coalesce(F("started_at"), Value(now)),
            heartbeat_at=now,
            failure="",
        )
    )


@dataclass
class _Row:
    data: services.RecordInput
    file: str
    dossier_code: str = ""
    dossier_id: int | None = None  # resolved from ``dossier_code`` (or the job's dossier) before import


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise InvalidInput(f"ngày văn bản “{text}” không đúng định dạng dd/mm/yyyy")


def _parse(columns: dict[str, int], values: list[Any]) -> _Row:
    def get(field: str) -> str:
        index = columns.get(field)
        value = values[index] if index is not None and index < len(values) else None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return "" if value is None else str(value).strip()

    problems = []
    try:
        issued = _date(values[columns["issued_date"]] if columns["issued_date"] < len(values) else None)
    except InvalidInput as exc:
        problems.append(exc.message)
        issued = date.min
    secrecy = SECRECY.get(_folded(get("secrecy")))
    if secrecy is None:
        problems.append(f"độ mật “{get('secrecy')}” không hợp lệ (Thường, Mật, Tối mật, Tuyệt mật)")
    pages_text = get("page_count")
    pages = None
    if pages_text:
        try:
            pages = int(pages_text)
        except ValueError:
            problems.append(f"số trang “{pages_text}” không phải là số")
    data = services.RecordInput(
        issued_date=issued,
        issuer_name=get("issuer_name"),
        type_name=get("type_name"),
        subject=get("subject"),
        number_symbol=get("number_symbol"),
        signer_name=get("signer_name")[:50],
        signer_position=get("signer_position")[:100],
        language=get("language") or "Tiếng Việt",
        page_count=pages,
        secrecy=secrecy or Secrecy.NONE,
        description=get("description")[:500],
    )
    problems += services.validate_record(data)
    if not get("file"):
        problems.append("thiếu tên tệp quét")
    if problems:
        raise InvalidInput("; ".join(problems))
    return _Row(data, get("file"), get("dossier_code"))


def _fail_row(job: ImportJob, row: int, message: str) -> None:
    with transaction.atomic():
        _, created = ImportRowError.objects.get_or_create(
            job=job, row=row, defaults={"message": message[:500]}
        )
        if created:
            ImportJob.objects.filter(pk=job.pk).update(error_rows=F("error_rows") + 1)


def import_one_row(job: ImportJob, row: int, parsed: _Row, scan: ImportScan) -> None:
    """One row with its file in one transaction: record, attachment, dossier link, progress, audit."""
    with files.atomic_with_files():
        record = services.record_create(
            actor=job.created_by,
            organization=job.organization,
            data=parsed.data,
            scan=(scan.name, files.open_blob(scan.stored)),
            import_job=job,
            import_row=row,
        )
        dossier_id = parsed.dossier_id or job.dossier_id
        if dossier_id:
            dossier = Dossier.objects.select_for_update().get(pk=dossier_id)
            if not selectors.dossier_visible_to(job.created_by).filter(pk=dossier_id).exists():
                raise InvalidInput(f"không có hồ sơ mã “{dossier.code}” của cơ quan")
            if dossier.status != DossierStatus.OPEN:  # closed while the import ran: the row is refused whole
                raise InvalidInput(
                    f"hồ sơ “{dossier.code}” đã kết thúc hoặc đã nộp lưu: không đưa thêm văn bản được"
                )
            services.link_document(
                actor=job.created_by,
                locked=dossier,
                kind="archive",
                document=record,
                data={"import_job": job.pk},
            )
        ImportJob.objects.filter(pk=job.pk).update(done_rows=F("done_rows") + 1)


class _Dossiers:
    """The "Mã hồ sơ" column: the organisation's dossier with that code, which must still be open — among
    the dossiers the person importing may see (a hidden one is answered as not existing)."""

    def __init__(self, organization_id: int, user: User) -> None:
        self.by_code: dict[str, list[Dossier]] = {}
        visible = selectors.dossier_visible_to(user).filter(organization_id=organization_id)
        for d in visible.order_by("-year"):
            self.by_code.setdefault(d.code.casefold(), []).append(d)

    def resolve(self, code: str) -> int:
        found = self.by_code.get(code.strip().casefold(), [])
        open_ = [d for d in found if d.status == DossierStatus.OPEN]
        if len(open_) == 1:
            return open_[0].pk
        if len(open_) > 1:
            years = ", ".join(str(d.year) for d in open_)
            raise InvalidInput(f"mã hồ sơ “{code}” trùng ở nhiều hồ sơ đang lập (năm {years})")
        if found:
            raise InvalidInput(f"hồ sơ “{code}” đã kết thúc hoặc đã nộp lưu: không đưa thêm văn bản được")
        raise InvalidInput(f"không có hồ sơ mã “{code}” của cơ quan")


Progress = Callable[[ImportJob], None]


def import_run(job_id: int, *, progress: Progress | None = None, every: int = 50) -> ImportJob:
    """Work the import to its end; ``progress`` (the command's progress line) is called every ``every``
    rows with the job as it stands."""
    if not _claim(job_id):  # done already, or another runner is on it: leave it to that runner
        log.info("archive import #%s is done or running elsewhere: not started twice", job_id)
        return ImportJob.objects.get(pk=job_id)
    job = ImportJob.objects.select_related("organization", "created_by", "spreadsheet").get(pk=job_id)
    beat = time.monotonic()
    try:
        columns, rows = _rows(files.open_blob(job.spreadsheet))
        done = set(ArchiveRecord.objects.filter(import_job=job).values_list("import_row", flat=True))
        refused = set(ImportRowError.objects.filter(job=job).values_list("row", flat=True))
        scans = {s.name: s for s in ImportScan.objects.filter(job=job).select_related("stored")}
        dossiers = _Dossiers(job.organization_id, job.created_by)
        for seen, (number, values) in enumerate(rows, start=1):
            if progress is not None and seen % every == 0:
                job.refresh_from_db()
                progress(job)
            if time.monotonic() - beat >= HEARTBEAT_SECONDS:
                ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
                beat = time.monotonic()
            if number in done or number in refused:
                continue  # resumed: this row was committed (or refused) before the interruption
            try:
                parsed = _parse(columns, values)
                scan = scans.get(files.clean_name(parsed.file))
                if scan is None:
                    raise InvalidInput(f"không có tệp quét “{parsed.file}” trong thư mục")
                if parsed.dossier_code:
                    parsed.dossier_id = dossiers.resolve(parsed.dossier_code)
                import_one_row(job, number, parsed, scan)
            except ApplicationError as exc:
                _fail_row(job, number, exc.message)
        with transaction.atomic():
            ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.DONE, finished_at=timezone.now())
            job.refresh_from_db()
            audit.record(
                actor=job.created_by,
                action="archive.import_done",
                target=job,
                organization_id=job.organization_id,
                data={"done": job.done_rows, "errors": job.error_rows},
            )
    except BaseException as exc:
        ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.FAILED, failure=repr(exc)[:500])
        raise
    return job


__all__ = ["import_resume", "import_run", "import_start"]
