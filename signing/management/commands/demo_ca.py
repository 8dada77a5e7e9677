"""Demo PKI: a test root, an intermediate, certificates for the demo signers and organisations.

Idempotent: the CA is kept in DATA_DIR/signing/demo-ca (keys encrypted with the demo password), people
and organisations that already have an active certificate are skipped, and nothing is printed when there
was nothing to do. The CRLs are rewritten on every run (they are valid for 7 days).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db.models import Q

from orgs.models import Organization, Role, User
from signing.models import TrustAnchor
from signing.pki import TestPki
from signing.services import certificate_import_pkcs12, trust_anchor_add

DEMO_PASSWORD = "Demo@2026"  # noqa: S105 - demo data only, printed on purpose
SIGNER_ROLES = (Role.COMMITTEE_LEADER, Role.OFFICE_LEADER)
CRL_BASE_URL = "http://crl.dieuhanh.invalid/demo-ca"  # never reachable: the CRLs are local files


class Command(BaseCommand):
    help = "Tạo hạ tầng khóa công khai thử nghiệm và chứng thư số cho dữ liệu mẫu (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--password", default=DEMO_PASSWORD)

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"]
        folder = Path(settings.DATA_DIR) / "signing" / "demo-ca"
        news: list[str] = []
        if (folder / "root.cert.pem").exists():
            ca = TestPki.load(folder, password)
        else:
            ca = TestPki.create(root_cn="dieuhanh Demo Root CA", crl_base_url=CRL_BASE_URL)
            ca.save(folder, password)
            news.append(f"CA thử nghiệm: {folder}")
        crl_dir = Path(settings.SIGNING_CRL_DIR)
        crl_dir.mkdir(parents=True, exist_ok=True)
        (crl_dir / "demo-int.crl").write_bytes(ca.intermediate_crl())
        (crl_dir / "demo-root.crl").write_bytes(ca.root_crl())
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
            certificate_import_pkcs12(
                actor=None, owner=person, data=ca.pkcs12(leaf, password), password=password
            )
            news.append(f"Chứng thư cá nhân: {person.full_name} ({person.username})")
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
