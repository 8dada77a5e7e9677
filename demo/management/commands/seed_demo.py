"""``manage.py seed_demo``: deterministic demo data (organizations, people, a year of incoming documents)."""

from __future__ import annotations

import os
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count
from django.utils import timezone

from demo.orgdata import MAIN_ORG
from demo.pdf import FontNotFound
from demo.seed import database_is_empty, seed
from incoming.models import IncomingDocument
from incoming.states import Status


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Ngày không hợp lệ: “{value}” (định dạng YYYY-MM-DD).") from exc


class Command(BaseCommand):
    help = "Nạp dữ liệu mẫu: cơ quan, cán bộ, sổ đăng ký và một năm văn bản đến (tất định)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Không làm gì nếu cơ sở dữ liệu đã có cơ quan, tổ chức."
        )
        parser.add_argument("--documents", type=int, default=3000, help="Số văn bản đến (mặc định 3000).")
        parser.add_argument(
            "--today",
            type=_date,
            default=None,
            help="Ngày “hôm nay” của dữ liệu mẫu, YYYY-MM-DD (mặc định: hôm nay).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Số tiến trình phụ tạo tệp PDF (mặc định 1 nếu máy có từ 2 nhân).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count: int = options["documents"]
        if count < 0:
            raise CommandError("--documents phải là số không âm.")
        today: date = options["today"] or timezone.localdate()
        if not database_is_empty():
            if options["if_empty"]:
                self.stdout.write(
                    "Cơ sở dữ liệu đã có dữ liệu (cơ quan, tổ chức) — bỏ qua việc nạp dữ liệu mẫu."
                )
                return
            raise CommandError(
                "Cơ sở dữ liệu đã có cơ quan, tổ chức. Dữ liệu mẫu chỉ nạp vào cơ sở dữ liệu trống "
                "(dùng --if-empty để bỏ qua khi đã có dữ liệu)."
            )
        workers = options["workers"]
        if workers is None:
            workers = 1 if (os.cpu_count() or 1) >= 2 else 0
        self.stdout.write(f"Nạp dữ liệu mẫu với ngày hôm nay là {today:%d/%m/%Y}, {count} văn bản đến.")
        try:
            result = seed(today=today, count=count, workers=workers, progress=self.stdout.write)
        except FontNotFound as exc:
            raise CommandError(f"{exc} Cài gói fonts-liberation2 hoặc fonts-dejavu-core.") from exc
        created, stats = result.created, result.stats
        people = len(created.users)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Đã nạp xong dữ liệu mẫu trong {result.seconds:.1f} giây."))
        self.stdout.write(
            f"  Cơ quan, tổ chức:   {len(created.orgs)} "
            f"({sum(1 for o in created.orgs.values() if o.uses_system)} dùng hệ thống)"
        )
        self.stdout.write(f"  Phòng, bộ phận:     {len(created.units)}")
        self.stdout.write(f"  Cán bộ, người dùng: {people}")
        self.stdout.write(f"  Sổ đăng ký:         {len(created.registers)}")
        self.stdout.write(f"  Ngày nghỉ lễ mới:   {created.holidays}")
        self.stdout.write(f"  Ủy quyền:           {created.delegations}")
        self.stdout.write(
            f"  Văn bản đến:        {stats.documents} ({stats.files} tệp PDF, "
            f"{stats.bytes / 1_048_576:.1f} MB)"
        )
        self.stdout.write(f"  Dự thảo văn bản đi:  {result.drafts} (soạn theo mẫu)")
        docs = IncomingDocument.objects.filter(organization=created.orgs[MAIN_ORG])
        by_status = dict(docs.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
        for status in Status:
            if by_status.get(status.value):
                self.stdout.write(f"    – {status.label}: {by_status[status.value]}")
        overdue = docs.filter(status=Status.IN_PROGRESS, due_date__lt=today).count()
        share = 100 * overdue / max(1, stats.documents)
        self.stdout.write(f"    – trong đó quá hạn xử lý: {overdue} ({share:.1f}%)")
