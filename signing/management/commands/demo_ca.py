"""Demo PKI: a test root, an intermediate, certificates for the demo signers and organisations.

Idempotent: the CA is kept in DATA_DIR/signing/demo-ca (keys encrypted with the demo password), people
and organisations that already have an active certificate are skipped, and nothing is printed when there
was nothing to do. The CRLs are rewritten on every run (they are valid for 7 days) into SIGNING_CRL_DIR,
which this installation's validator reads and ``/pki/crl/<name>.crl`` serves to other installations: the
certificates' CRL distribution points are ``SITE_URL/pki/crl/demo-int.crl`` (leaves) and
``…/demo-root.crl`` (the intermediate). ``--revoke <serial>`` puts a demo certificate on the CRL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography import x509
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.urls import reverse

from orgs.models import Organization, Role, User
from signing import remote
from signing.models import Certificate, TrustAnchor
from signing.pki import TestPki
from signing.services import certificate_import_pkcs12, trust_anchor_add

DEMO_PASSWORD = "Demo@2026"  # noqa: S105 - demo data only, printed on purpose
SIGNER_ROLES = (Role.COMMITTEE_LEADER, Role.OFFICE_LEADER)
CRL_PREFIX = "demo-"  # the files in SIGNING_CRL_DIR: demo-int.crl, demo-root.crl


def crl_base_url() -> str:
    """Where this installation publishes its CRLs: SITE_URL + the CRL view's folder (``/pki/crl``)."""
    path = reverse("web:crl", kwargs={"name": f"{CRL_PREFIX}int.crl"}).rsplit("/", 1)[0]
    return settings.SITE_URL.rstrip("/") + path


def parse_serial(text: str) -> int:
    """A serial as shown in the admin ("số hiệu", hex), with or without 0x, colons or spaces."""
    cleaned = text.strip().lower().removeprefix("0x").replace(":", "").replace(" ", "")
    try:
        return int(cleaned, 16)
    except ValueError:
        raise CommandError(f"Số hiệu chứng thư không hợp lệ: {text!r} (số hệ 16).") from None


class Command(BaseCommand):
    help = "Tạo hạ tầng khóa công khai thử nghiệm và chứng thư số cho dữ liệu mẫu (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--password", default=DEMO_PASSWORD)
        parser.add_argument(
            "--revoke",
            metavar="SERIAL",
            help="thu hồi một chứng thư do CA thử nghiệm cấp (số hiệu hệ 16) và phát hành lại CRL",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"]
        folder = Path(settings.DATA_DIR) / "signing" / "demo-ca"
        if options["revoke"]:
            self.revoke(folder, password, parse_serial(options["revoke"]))
            return
        news: list[str] = []
        if (folder / "root.cert.pem").exists():
            ca = self.load(folder, password)
        else:
            ca = TestPki.create(
                root_cn="dieuhanh Demo Root CA", crl_base_url=crl_base_url(), crl_prefix=CRL_PREFIX
            )
            ca.save(folder, password)
            news.append(f"CA thử nghiệm: {folder}")
            news.append(f"CRL công bố tại: {ca.crl_base_url}/{ca.crl_names()[0]}")
        ca.write_crls(Path(settings.SIGNING_CRL_DIR))
        if not TrustAnchor.objects.filter(certificate_der=ca.root.der).exists():
            trust_anchor_add(actor=None, name="dieuhanh Demo Root CA (thử nghiệm)", certificate=ca.root.der)
            news.append("Đã thêm gốc thử nghiệm vào danh sách tin cậy.")

        signers = (
            User.objects.filter(is_active=True, role_assignments__role__in=SIGNER_ROLES)
            .exclude(certificates__is_active=True)
            .select_related("organization")
            .distinct()
            .order_by("pk")
        )
        for person in signers:
            org_name = person.organization.name if person.organization else "dieuhanh"
            leaf = ca.issue(person.full_name or person.username, org_name)
            personal = certificate_import_pkcs12(
                actor=None, owner=person, data=ca.pkcs12(leaf, password), password=password
            )
            news.append(f"Chứng thư cá nhân: {person.full_name} ({person.username})")
            if person.email:
                # the demo shows remote signing from a phone at once; the e-mailed codes land in DATA_DIR/mail
                remote.enable(actor=person, certificate=personal, secret=password)
        orgs = Organization.objects.filter(Q(uses_system=True), merged_into__isnull=True).exclude(
            certificates__is_active=True
        )
        for org in orgs.order_by("pk"):
            leaf = ca.issue(org.name, org.name)
            certificate_import_pkcs12(
                actor=None, owner=org, data=ca.pkcs12(leaf, password), password=password
            )
            news.append(f"Chứng thư cơ quan (dấu): {org.name}")
        if news:
            for line in news:
                self.stdout.write(line)
            self.stdout.write(f"Mật khẩu khóa ký thử nghiệm: {password}")

    def load(self, folder: Path, password: str) -> TestPki:
        ca = TestPki.load(folder, password)
        # a CA made before the CRLs were published kept its files under these names too
        ca.crl_prefix = ca.crl_prefix or CRL_PREFIX
        expected = crl_base_url()
        if ca.crl_base_url != expected:
            self.stderr.write(
                f"Chú ý: chứng thư của CA thử nghiệm trỏ tới CRL tại {ca.crl_base_url}, "
                f"không phải {expected} (SITE_URL): cơ quan khác không tải được CRL. "
                "Xem docs/operations.md để tạo lại CA thử nghiệm."
            )
        return ca

    def revoke(self, folder: Path, password: str, serial: int) -> None:
        if not (folder / "root.cert.pem").exists():
            raise CommandError("Chưa có CA thử nghiệm: chạy manage.py demo_ca trước.")
        ca = self.load(folder, password)
        issued = [
            c
            for c in Certificate.objects.filter(serial_hex=format(serial, "x"))
            if x509.load_der_x509_certificate(bytes(c.certificate_der)).issuer == ca.intermediate.cert.subject
        ]
        if not issued:
            raise CommandError(f"Không có chứng thư số {serial:x} do CA thử nghiệm cấp.")
        if ca.revoke_serial(serial):
            ca.save_revocations(folder)
            self.stdout.write(f"Đã thu hồi chứng thư số {serial:x} ({issued[0].subject_cn}).")
        else:
            self.stdout.write(f"Chứng thư số {serial:x} đã bị thu hồi từ trước.")
        ca.write_crls(Path(settings.SIGNING_CRL_DIR))
        self.stdout.write(f"Đã phát hành lại CRL: {ca.crl_base_url}/{ca.crl_names()[0]}")
