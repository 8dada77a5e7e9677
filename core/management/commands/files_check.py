from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.files import missing_blobs, sweep_orphans


class Command(BaseCommand):
    help = "Kiểm tra tệp lưu trữ (thiếu hoặc sai mã băm) và dọn tệp mồ côi quá thời gian chờ."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--grace", type=int, default=3600, help="giây chờ trước khi xoá tệp mồ côi")

    def handle(self, *args: Any, **options: Any) -> None:
        removed = sweep_orphans(options["grace"])
        self.stdout.write(f"Đã dọn {len(removed)} tệp mồ côi.")
        bad = missing_blobs()
        if bad:
            raise CommandError(f"{len(bad)} tệp bị thiếu hoặc hỏng: {', '.join(bad[:20])}")
        self.stdout.write(self.style.SUCCESS("Mọi tệp đều đầy đủ và đúng mã băm."))
