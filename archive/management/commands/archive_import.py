"""manage.py archive_import <folder> [--sheet file.xlsx]: import a legacy archive from a folder of scans
and a spreadsheet of metadata, with the resumable import of ``archive.importing``.

Run it again after an interruption (Ctrl-C, a crash, a reboot) with the same spreadsheet: it finds the
unfinished import of that spreadsheet (by its content) and continues after the rows already imported,
so nothing is imported twice and nothing is lost.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from archive import importing, services
from archive.models import Dossier, ImportJob
from archive.states import ImportStatus
from core import files
from core.errors import ApplicationError
from orgs.models import Organization, User


def _sheet(folder: Path, given: str | None) -> Path:
    if given:
        path = Path(given)
        if not path.is_absolute() and not path.exists():
            path = folder / given
        if not path.is_file():
            raise CommandError(f"Không có bảng tính {given}.")
        return path
    found = sorted(p for p in folder.glob("*.xlsx") if not p.name.startswith("~$"))
    if len(found) != 1:
        raise CommandError(
            f"Thư mục cần đúng một bảng tính .xlsx, hoặc chỉ rõ bằng --sheet (tìm thấy {len(found)})."
        )
    return found[0]


def _scans(folder: Path, wanted: list[str]) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The scans the spreadsheet names, found anywhere under ``folder``; and the refusals to report."""
    by_name: dict[str, Path] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            by_name.setdefault(files.clean_name(path.name), path)
    scans, refused = [], []
    for name in dict.fromkeys(wanted):  # each once, in the spreadsheet's order
        found = by_name.get(name)
        if found is None:
            continue  # its rows are refused with "không có tệp quét … trong thư mục"
        data = found.read_bytes()
        try:
            files.validate(name, data, allowed=services.ARCHIVE_FILE_TYPES)
        except ApplicationError as exc:
            refused.append(f"{name}: {exc.message}")
            continue
        scans.append((name, data))
    return scans, refused


class Command(BaseCommand):
    help = (
        "Nhập phông tài liệu lưu trữ cũ từ một thư mục: bảng tính siêu dữ liệu (.xlsx) và các tệp quét. "
        "Chạy lại cùng lệnh để tiếp tục đợt nhập bị gián đoạn."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", help="thư mục chứa tệp quét (và bảng tính)")
        parser.add_argument("--sheet", help="bảng tính .xlsx (mặc định: tệp .xlsx duy nhất trong thư mục)")
        parser.add_argument("--user", required=True, help="tên đăng nhập của văn thư thực hiện")
        parser.add_argument(
            "--organization", help="id hoặc mã định danh cơ quan (mặc định: cơ quan của người dùng)"
        )
        parser.add_argument("--dossier", type=int, help="id hồ sơ đang lập để đưa mọi văn bản vào")
        parser.add_argument("--every", type=int, default=50, help="in tiến độ sau mỗi N dòng")

    def handle(self, *args: Any, **options: Any) -> None:
        folder = Path(options["folder"])
        if not folder.is_dir():
            raise CommandError(f"Không có thư mục {folder}.")
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"Không có người dùng {options['user']}.")
        organization = self._organization(options["organization"], user)
        sheet = _sheet(folder, options["sheet"])
        data = sheet.read_bytes()
        job = self._unfinished(organization, data)
        try:
            if job is not None:
                self.stdout.write(
                    f"Tiếp tục đợt nhập #{job.pk}: đã nhập {job.done_rows}/{job.total_rows} dòng."
                )
                importing.import_resume(actor=user, job=job, queue=False)
            else:
                job = self._start(user, organization, folder, sheet, data, options["dossier"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        job = importing.import_run(job.pk, progress=self._progress, every=max(1, options["every"]))
        self.stdout.write(
            f"Hoàn thành đợt nhập #{job.pk}: đã nhập {job.done_rows}/{job.total_rows} dòng, "
            f"{job.error_rows} dòng lỗi."
        )
        for error in job.errors.all():
            self.stdout.write(f"  dòng {error.row}: {error.message}")

    def _organization(self, key: str | None, user: User) -> Organization:
        if not key:
            if user.organization is None:
                raise CommandError("Cần --organization.")
            return user.organization
        lookup = Organization.objects.filter(identifier=key)
        if key.isdigit():
            lookup = lookup | Organization.objects.filter(pk=int(key))
        organization = lookup.first()
        if organization is None:
            raise CommandError(f"Không có cơ quan {key}.")
        return organization

    def _unfinished(self, organization: Organization, data: bytes) -> ImportJob | None:
        sha = hashlib.sha256(data).hexdigest()
        jobs = ImportJob.objects.filter(organization=organization, spreadsheet__sha256=sha)
        done = jobs.filter(status=ImportStatus.DONE).first()
        if done is not None:
            raise CommandError(f"Bảng tính này đã được nhập xong ở đợt #{done.pk}: không nhập lại.")
        return jobs.exclude(status=ImportStatus.DONE).order_by("-created_at").first()

    def _start(
        self,
        user: User,
        organization: Organization,
        folder: Path,
        sheet: Path,
        data: bytes,
        dossier_id: int | None,
    ) -> ImportJob:
        scans, refused = _scans(folder, importing.sheet_files(data))
        for line in refused:
            self.stderr.write(f"Bỏ qua tệp quét {line}")
        dossier = (
            Dossier.objects.filter(pk=dossier_id, organization=organization).first() if dossier_id else None
        )
        if dossier_id and dossier is None:
            raise CommandError(f"Không có hồ sơ #{dossier_id} của cơ quan.")
        job = importing.import_start(
            actor=user,
            organization=organization,
            spreadsheet=(sheet.name, data),
            scans=scans,
            dossier=dossier,
            queue=False,
        )
        self.stdout.write(f"Bắt đầu đợt nhập #{job.pk}: {job.total_rows} dòng, {len(scans)} tệp quét.")
        return job

    def _progress(self, job: ImportJob) -> None:
        self.stdout.write(
            f"  {job.percent}% · đã nhập {job.done_rows}/{job.total_rows} dòng, {job.error_rows} dòng lỗi"
        )
