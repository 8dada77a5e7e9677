from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.audit import verify_chain


class Command(BaseCommand):
    help = "Kiểm tra toàn vẹn nhật ký kiểm toán (chuỗi băm và điểm kiểm tra bên ngoài)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_chain()
        if not result.ok:
            raise CommandError(f"Nhật ký KHÔNG toàn vẹn tại sự kiện #{result.first_bad_seq}: {result.reason}")
        self.stdout.write(self.style.SUCCESS(f"Nhật ký toàn vẹn: {result.rows} sự kiện."))
