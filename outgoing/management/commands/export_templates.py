"""``manage.py export_templates <folder>``: write every built-in template as ``<profile>-<code>.docx``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from documents.models import DocType
from outgoing.drafting import builder


class Command(BaseCommand):
    help = "Xuất các mẫu văn bản mặc định (.docx) của mọi loại văn bản đang dùng ra một thư mục."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="Thư mục đích (tạo mới nếu chưa có).")

    def handle(self, *args: Any, **options: Any) -> None:
        folder: Path = options["folder"]
        folder.mkdir(parents=True, exist_ok=True)
        count = 0
        for doc_type in DocType.objects.filter(is_active=True).order_by("profile", "code"):
            path = folder / f"{doc_type.profile}-{doc_type.code}.docx"
            path.write_bytes(builder.default_template(doc_type.profile, doc_type.code))
            count += 1
        self.stdout.write(self.style.SUCCESS(f"Đã xuất {count} mẫu văn bản vào {folder}."))
