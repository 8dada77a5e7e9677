"""Deliver the exchange outbox: once (``--once``) or as a loop (a process of its own when the web
processes run without ``DIEUHANH_INPROCESS_JOBS``; several may run, each row is claimed by one)."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from exchange import dispatch


class Command(BaseCommand):
    help = "Gửi các gói tin liên thông đang chờ (một lần với --once, hoặc chạy liên tục)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            sent = dispatch.run_pending()
            if sent:
                self.stdout.write(f"Đã gửi {sent} gói tin.")
            if options["once"]:
                return
            close_old_connections()
            if not sent:
                time.sleep(settings.EXCHANGE_POLL_SECONDS)
