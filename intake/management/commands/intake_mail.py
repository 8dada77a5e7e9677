"""manage.py intake_mail: take in the scans sent to the intake mailbox (see intake/mailbox.py)."""

from __future__ import annotations

import imaplib
import logging
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from intake.mailbox import MailConfig, MailConfigError, find_organization, poll_once

log = logging.getLogger("intake.mailbox")


class Command(BaseCommand):
    help = (
        "Đọc hộp thư tiếp nhận (IMAP): mỗi tệp đính kèm là bản quét thành một lượt tiếp nhận; thư đã xử lý "
        "chuyển sang thư mục Processed, thư không có bản quét sang Rejected."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit (cron)")
        parser.add_argument("--interval", type=float, help="seconds between passes (INTAKE_MAIL_INTERVAL)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            config = MailConfig.from_settings()
        except MailConfigError as exc:
            raise CommandError(exc.message) from exc
        organization = find_organization(config.organization)
        if organization is None:
            raise CommandError("Cần cơ quan nhận (INTAKE_MAIL_ORG: mã định danh hoặc id của cơ quan).")
        interval = options["interval"] or config.interval
        while True:
            try:
                result = poll_once(config, organization)
            except (OSError, imaplib.IMAP4.error, MailConfigError) as exc:
                message = exc.message if isinstance(exc, MailConfigError) else str(exc)
                if options["once"]:
                    raise CommandError(f"Không đọc được hộp thư {config.label}: {message}") from exc
                log.error("intake mailbox %s: pass failed: %s", config.label, message)
            except Exception:  # a long-running service logs the unexpected and tries again next interval
                if options["once"]:
                    raise
                log.exception("intake mailbox %s: pass failed", config.label)
            else:
                for job_id in result.jobs:
                    self.stdout.write(f"nhận: lượt tiếp nhận #{job_id}")
                for job_id in result.failed_jobs:
                    self.stdout.write(f"tệp hỏng: lượt tiếp nhận #{job_id} (không nhận dạng được)")
                for message_id, reason in result.rejected:
                    self.stdout.write(f"từ chối thư {message_id}: {reason}")
                for message_id in result.errors:
                    self.stdout.write(f"để lại cho lượt sau: {message_id}")
            if options["once"]:
                return
            connections.close_all()
            time.sleep(interval)
