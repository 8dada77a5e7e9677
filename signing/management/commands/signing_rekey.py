"""Re-encrypt every stored PKCS#12 file and every secret entrusted to remote signing with the first key of
SIGNING_STORAGE_KEY (key rotation)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from signing.models import Certificate, CertificateKind
from signing.storage import rotate


class Command(BaseCommand):
    help = "Mã hóa lại các tệp khóa ký đã lưu bằng khóa lưu trữ mới (khóa đầu tiên của SIGNING_STORAGE_KEY)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = 0
        with transaction.atomic():
            for cert in Certificate.objects.select_for_update().filter(kind=CertificateKind.PKCS12):
                cert.pkcs12_encrypted = rotate(bytes(cert.pkcs12_encrypted))
                cert.save(update_fields=["pkcs12_encrypted"])
                count += 1
            for cert in Certificate.objects.select_for_update().exclude(remote_secret_encrypted=b""):
                cert.remote_secret_encrypted = rotate(bytes(cert.remote_secret_encrypted))
                cert.save(update_fields=["remote_secret_encrypted"])
        self.stdout.write(f"Đã mã hóa lại {count} tệp khóa ký.")
