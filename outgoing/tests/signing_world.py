"""An outgoing document at its signer's step, with the signer's certificate imported (signing tests)."""

from __future__ import annotations

from typing import Any

from core import worker
from core.models import AuditEvent, Counter, StoredFile
from outgoing.models import Approval, OutgoingDocument, Version
from outgoing.tests.conftest import OutgoingWorld
from outgoing.tests.helpers import CONTENT
from signing.models import SignatureEvent
from signing.tests.conftest import P12_PASSWORD, Pki


class Signed:
    def __init__(self, ow: OutgoingWorld, pki: Pki) -> None:
        from orgs.models import Position
        from signing.services import certificate_import_pkcs12

        org = ow.w.org
        org.place_name = "Sông Lam"
        org.save()
        ow.secretary.position = Position.objects.create(organization=org, name="Phó Bí thư Tỉnh ủy", rank=2)
        ow.secretary.save()
        self.ow = ow
        self.person = certificate_import_pkcs12(
            actor=ow.w.admin,
            owner=ow.secretary,
            data=pki.ca.pkcs12(pki.ca.issue("Lê Văn Bí", "Tỉnh ủy Sông Lam"), P12_PASSWORD),
            password=P12_PASSWORD,
        )
        self.seal_data = pki.ca.pkcs12(pki.org, P12_PASSWORD)

    def add_seal(self) -> Any:
        from signing.services import certificate_import_pkcs12

        return certificate_import_pkcs12(
            actor=self.ow.w.admin, owner=self.ow.w.org, data=self.seal_data, password=P12_PASSWORD
        )

    def at_signer_step(self, *, secrecy: str = "none", recipients: list[dict[str, Any]] | None = None) -> Any:
        from outgoing.services import Draft, outgoing_approve, outgoing_create, outgoing_submit
        from outgoing.states import SignerCapacity

        ow = self.ow
        doc = outgoing_create(
            actor=ow.w.specialist,
            data=Draft(
                doc_type="TB",
                subject="Kết luận của Ban Thường vụ Tỉnh ủy về chuyển đổi số",
                secrecy=secrecy,
                signer_id=ow.secretary.pk,
                signer_capacity=SignerCapacity.ON_BEHALF,
                recipients=recipients
                if recipients is not None
                else [{"organization_id": ow.w.other_org.pk}, {"name": "Báo Sông Lam"}],
                fields={"content": CONTENT},
            ),
        )
        worker.run_pending()  # the PDF rendition
        outgoing_submit(actor=ow.w.specialist, document=doc)
        outgoing_approve(actor=ow.w.head, document=doc)
        outgoing_approve(actor=ow.w.leader, document=doc)
        doc.refresh_from_db()
        return doc


def snapshot(doc: OutgoingDocument) -> tuple[Any, ...]:
    doc.refresh_from_db()
    return (
        doc.status,
        doc.current_step,
        doc.number,
        doc.signed_file_id,
        doc.issued_file_id,
        Version.objects.filter(document=doc).count(),
        Approval.objects.filter(document=doc).count(),
        AuditEvent.objects.count(),
        StoredFile.objects.count(),
        SignatureEvent.objects.count(),
        sorted(Counter.objects.values_list("scope", "last_number")),
    )
