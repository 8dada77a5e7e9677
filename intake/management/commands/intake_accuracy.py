"""manage.py intake_accuracy <folder>: per-field exact-match rates of the metadata extraction."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from intake.accuracy import COMPARED, TARGETS, measure


class Command(BaseCommand):
    help = "Đo độ chính xác đọc thông tin văn bản trên một thư mục bản quét kèm tệp JSON đúng."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder")
        parser.add_argument(
            "--make-synthetic",
            type=int,
            default=0,
            metavar="N",
            help="first write N generated scans (both layouts, varied noise and skew) with their JSON",
        )
        parser.add_argument(
            "--seed", type=int, default=7, help="the generated corpus's random seed (another: other scans)"
        )
        parser.add_argument("--misses", action="store_true", help="list every mismatch")

    def handle(self, *args: Any, **options: Any) -> None:
        folder = Path(options["folder"])
        if options["make_synthetic"]:
            from intake.testing.scans import make_scan, varied

            folder.mkdir(parents=True, exist_ok=True)
            for index, (doc, scan_options) in enumerate(varied(options["make_synthetic"], options["seed"])):
                fmt = ("pdf", "png", "tiff")[index % 3]
                stem = folder / f"synthetic-{index:03d}"
                stem.with_suffix(f".{fmt}").write_bytes(make_scan(doc, fmt=fmt, **scan_options))
                stem.with_suffix(".json").write_text(json.dumps(doc.truth(), ensure_ascii=False, indent=1))
        if not folder.is_dir():
            raise CommandError(f"Không có thư mục {folder}.")
        report = measure(folder, on_file=lambda name: self.stderr.write(f"  {name}"))
        if not report.files:
            raise CommandError("Thư mục không có bản quét nào kèm tệp JSON cùng tên.")
        self.stdout.write(f"{report.files} bản quét")
        for name in COMPARED:
            if name not in report.counted:
                continue
            target = TARGETS.get(name)
            mark = (
                ""
                if target is None
                else (" ✓" if report.rate(name) >= target else f" ✗ (mục tiêu {target:.0%})")
            )
            self.stdout.write(
                f"{name:16} {report.rate(name):7.1%}  "
                f"({report.correct.get(name, 0)}/{report.counted[name]}){mark}"
            )
        if options["misses"]:
            for file, name, got, want in report.misses:
                self.stdout.write(f"  {file} {name}: {got!r} ≠ {want!r}")
