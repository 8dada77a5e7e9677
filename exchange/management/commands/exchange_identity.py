"""Import the key an organisation signs its exchange messages with (a PKCS#12 file; its password from
the environment variable EXCHANGE_PKCS12_PASSWORD or asked for)."""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from exchange.identity import identity_import
from orgs.models import Organization


class Command(BaseCommand):
    help = "Nhập khóa ký gói tin liên thông (tệp PKCS#12) cho một cơ quan theo mã định danh."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("identifier", help="mã định danh của cơ quan, ví dụ 000.00.12.H99")
        parser.add_argument("pkcs12", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(identifier=options["identifier"], uses_system=True).first()
        if organization is None:
            raise CommandError(f"Không có cơ quan {options['identifier']} trên hệ thống này.")
        password = os.environ.get("EXCHANGE_PKCS12_PASSWORD") or getpass.getpass("Mật khẩu tệp PKCS#12: ")
        try:
            identity = identity_import(
                organization=organization, pkcs12=options["pkcs12"].read_bytes(), password=password
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        except OSError as exc:
            raise CommandError(f"Không đọc được tệp {options['pkcs12']}: {exc}") from exc
        self.stdout.write(
            f"Đã nhập khóa ký liên thông cho {organization.name} (dấu vân tay {identity.fingerprint[:16]}…, "
            f"hiệu lực đến {identity.not_after:%d/%m/%Y})."
        )
