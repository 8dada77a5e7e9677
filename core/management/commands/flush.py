"""``flush`` that respects the append-only audit log: refused outside tests.

The test runner empties the database between transactional tests; only then are the audit
triggers lifted for the duration of the flush and put back afterwards.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from core import dbtriggers


class Command(FlushCommand):
    def handle(self, **options: Any) -> None:
        if not settings.TESTING:
            raise CommandError("flush bị chặn: nhật ký kiểm toán chỉ được ghi thêm, không được xoá.")
        connection = connections[options.get("database") or "default"]
        dbtriggers.drop(connection)
        try:
            super().handle(**options)
        finally:
            dbtriggers.create(connection)
