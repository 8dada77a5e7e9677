"""Queue again the finalize task of issued documents still without their issued PDF (cron, every 10 min)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from outgoing.services import outgoing_finalize_pending


class Command(BaseCommand):
    help = "Đưa lại vào hàng đợi các văn bản đã cấp số nhưng chưa có bản phát hành (PDF)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--older-than", type=int, default=120, help="seconds since issuance")

    def handle(self, *args: Any, **options: Any) -> None:
        queued = outgoing_finalize_pending(older_than_seconds=options["older_than"])
        self.stdout.write(f"Đã đưa lại vào hàng đợi: {queued} văn bản.")
