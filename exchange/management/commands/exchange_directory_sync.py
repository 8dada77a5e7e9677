"""Pull the directory of organisations and certificates from the hub (cron, or by hand after the hub's
administrator added an organisation; the embedded mode does it every EXCHANGE_DIRECTORY_SYNC_SECONDS)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from exchange import directory


class Command(BaseCommand):
    help = "Đồng bộ danh bạ liên thông (cơ quan, chứng thư số) từ trục liên thông."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = directory.sync()
        except ApplicationError as exc:  # the hub not https, our TLS certificate unusable
            raise CommandError(exc.message) from exc
        except (OSError, ValueError) as exc:
            raise CommandError(f"Không đồng bộ được danh bạ từ trục: {exc}") from exc
        self.stdout.write(
            f"Danh bạ liên thông: thêm {result.added}, cập nhật {result.updated}, ngừng {result.deactivated}."
        )
