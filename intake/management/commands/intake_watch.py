"""manage.py intake_watch: take in the scans dropped into a folder (see intake/watch.py)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from intake.watch import scan_once
from orgs.models import Organization


class Command(BaseCommand):
    help = (
        "Theo dõi thư mục bản quét: mỗi tệp mới thành một lượt tiếp nhận, rồi chuyển vào done/ hoặc failed/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", nargs="?", default=settings.INTAKE_WATCH_DIR)
        parser.add_argument("--organization", default=settings.INTAKE_WATCH_ORG, help="mã định danh hoặc id")
        parser.add_argument("--once", action="store_true", help="one pass, then exit (cron)")
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between passes")
        parser.add_argument("--settle", type=float, default=3.0, help="skip files younger than this")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["folder"]:
            raise CommandError("Cần thư mục theo dõi (tham số hoặc INTAKE_WATCH_DIR).")
        folder = Path(options["folder"])
        if not folder.is_dir():
            raise CommandError(f"Không có thư mục {folder}.")
        key = str(options["organization"] or "")
        lookup = Q(identifier=key) if key else Q(pk__isnull=True)
        if key.isdigit():
            lookup |= Q(pk=int(key))
        organization = Organization.objects.filter(lookup).first()
        if organization is None:
            raise CommandError(
                "Cần cơ quan nhận (--organization hoặc INTAKE_WATCH_ORG: mã định danh hoặc id)."
            )
        while True:
            result = scan_once(folder, organization, settle=options["settle"])
            for name in result.taken:
                self.stdout.write(f"nhận: {name}")
            for name in result.refused:
                self.stdout.write(f"từ chối: {name} (xem failed/{name}.txt)")
            if options["once"]:
                return
            time.sleep(options["interval"])
