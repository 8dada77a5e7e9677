"""One installation of the three-installation exchange tests (exchange/testing/network.py): seed it,
and act in it as its people would (issue, register, handle, recall, read). Test use only: refused unless
DIEUHANH_TESTING=1. Each action prints one JSON line."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = "Cài đặt thử nghiệm liên thông (chỉ dùng trong kiểm thử)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "action", choices=["seed", "issue", "register", "handle", "recall", "latency", "sync", "trace"]
        )
        parser.add_argument("--spec", type=Path)
        parser.add_argument("--to", default="")
        parser.add_argument("--subject", default="Thông báo kết luận của Ban Thường vụ về chuyển đổi số")
        parser.add_argument("--id", type=int, default=0)
        parser.add_argument("--reason", default="Ban hành nhầm")
        parser.add_argument("--count", type=int, default=1)
        parser.add_argument(
            "--every", type=float, default=0.0, help="issue: seconds from one document's issue to the next's"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.TESTING:
            raise CommandError("Chỉ dùng khi kiểm thử (DIEUHANH_TESTING=1).")
        result = getattr(self, f"_{options['action']}")(options)
        self.stdout.write(json.dumps(result, ensure_ascii=False, default=str))

    def _world(self) -> Any:
        """The seeded organisation and its people (conftest.World's usernames)."""
        from types import SimpleNamespace

        from orgs.models import Organization, Unit, User

        people = {
            "clerk": "vanthu",
            "leader": "lanhdao",
            "head": "truongphong",
            "specialist": "chuyenvien",
            "secretary": "bithu",
        }
        org = Organization.objects.get(uses_system=True, parent=None, identifier__isnull=False)
        return SimpleNamespace(
            org=org,
            unit=Unit.objects.get(organization=org, abbreviation="TH"),
            **{role: User.objects.get(username=username) for role, username in people.items()},
        )

    def _seed(self, options: dict[str, Any]) -> dict[str, Any]:
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization

        import conftest
        from core import tokens
        from exchange.identity import identity_set
        from exchange.models import DirectoryEntry, Node
        from orgs.models import Organization
        from outgoing.tests.conftest import OutgoingWorld

        spec = json.loads(options["spec"].read_text())
        nodes = {
            n["name"]: Node.objects.create(
                name=n["name"],
                endpoint=n["endpoint"],
                is_hub=n["is_hub"],
                relay_certificates_pem=n.get("relay_certificates_pem", ""),
            )
            for n in spec["nodes"]
        }
        out: dict[str, Any] = {"tokens": {}}
        with transaction.atomic():
            if spec.get("relay"):
                # a hub's own organisation: its key signs the reports of what it could not deliver onward
                relay = spec["relay"]
                hub_org = Organization.objects.create(
                    name=relay["name"], identifier=relay["identifier"], uses_system=True
                )
                key = serialization.load_pem_private_key(relay["key_pem"].encode(), password=None)
                chain = x509.load_pem_x509_certificates(relay["cert_pem"].encode())
                identity_set(organization=hub_org, key=key, chain=chain)
            if spec.get("local"):
                world = conftest.World()
                OutgoingWorld(world)
                local = spec["local"]
                world.org.name, world.org.identifier = local["name"], local["identifier"]
                world.org.save(update_fields=["name", "identifier"])
                key = serialization.load_pem_private_key(local["key_pem"].encode(), password=None)
                chain = x509.load_pem_x509_certificates(local["cert_pem"].encode())
                identity_set(organization=world.org, key=key, chain=chain)
                for name in ("clerk", "leader", "head", "specialist"):
                    out["tokens"][name] = tokens.issue(getattr(world, name))[0]
                out["organization_id"] = world.org.pk
            for entry in spec["directory"]:
                organization = Organization.objects.create(
                    name=entry["name"], identifier=entry["identifier"], kind="commune_committee"
                )
                DirectoryEntry.objects.create(
                    organization=organization, node=nodes[entry["node"]], certificates_pem=entry["cert_pem"]
                )
        return out

    def _issue(self, options: dict[str, Any]) -> Any:
        """Create, approve and issue ``--count`` documents to ``--to`` (identifiers separated by commas);
        the last one's (or all, as a list)."""
        import conftest
        from exchange.packaging import outgoing_document_id
        from orgs.models import Organization
        from outgoing.models import OutgoingDocument
        from outgoing.services import (
            Draft,
            outgoing_approve,
            outgoing_create,
            outgoing_issue,
            outgoing_submit,
        )

        w = self._world()
        to = [Organization.objects.get(identifier=i) for i in options["to"].split(",")]
        issued = []
        import time

        started = time.monotonic()
        for index in range(options["count"]):
            if options["every"]:  # a clerk's pace rather than a burst: wait for this one's turn
                time.sleep(max(0.0, started + index * options["every"] - time.monotonic()))
            subject = options["subject"] if options["count"] == 1 else f"{options['subject']} ({index + 1})"
            doc = outgoing_create(
                actor=w.specialist,
                data=Draft(
                    doc_type="TB", subject=subject, recipients=[{"organization_id": o.pk} for o in to]
                ),
                upload=("du-thao.pdf", conftest.make_pdf(subject)),
            )
            outgoing_submit(actor=w.specialist, document=doc)
            for approver in (w.head, w.leader, w.secretary):
                outgoing_approve(actor=approver, document=doc)
            doc = outgoing_issue(actor=w.clerk, document=OutgoingDocument.objects.get(pk=doc.pk))
            issued.append(
                {"id": doc.pk, "number_symbol": doc.number_symbol, "document_id": outgoing_document_id(doc)}
            )
        return issued[0] if options["count"] == 1 else issued

    def _register(self, options: dict[str, Any]) -> dict[str, Any]:
        from exchange import services
        from exchange.models import InboxMessage

        w = self._world()
        inbox = InboxMessage.objects.get(kind="package", business=0, document_id=options["to"])
        return {"incoming_id": services.inbox_register(actor=w.clerk, inbox=inbox).document.pk}

    def _handle(self, options: dict[str, Any]) -> dict[str, Any]:
        from incoming.models import IncomingDocument
        from incoming.services import (
            AssignmentInput,
            incoming_assign,
            incoming_complete,
            incoming_forward,
            incoming_submit,
        )

        w = self._world()
        doc = IncomingDocument.objects.get(pk=options["id"])
        deadline = date.today() + timedelta(days=60)  # ahead of any arrival date
        incoming_submit(actor=w.clerk, document=doc)
        incoming_assign(
            actor=w.leader,
            document=doc,
            instruction="Giao Phòng Tổng hợp chủ trì",
            items=[AssignmentInput(role="lead", unit_id=w.unit.pk, deadline=deadline)],
        )
        incoming_forward(actor=w.head, document=doc, person_ids=[w.specialist.pk])
        incoming_complete(actor=w.specialist, document=doc, note="Đã triển khai", reply_number_symbol="")
        return {"incoming_id": doc.pk}

    def _recall(self, options: dict[str, Any]) -> dict[str, Any]:
        from outgoing.models import OutgoingDocument
        from outgoing.services import outgoing_recall

        w = self._world()
        doc = outgoing_recall(
            actor=w.clerk, document=OutgoingDocument.objects.get(pk=options["id"]), reason=options["reason"]
        )
        return {"id": doc.pk, "status": doc.status}

    def _latency(self, options: dict[str, Any]) -> Any:
        """Seconds from each issuance (its outbox row, written in the issuing transaction) to the
        recipient's 01 arriving back here."""
        from exchange.models import ExchangeStatus, OutboxMessage

        out = []
        packages = OutboxMessage.objects.filter(kind="package", business=0).exclude(recipient=None)
        for message in packages.order_by("id"):  # in the order of issue
            arrived = ExchangeStatus.objects.filter(recipient=message.recipient, code="01").first()
            if arrived is not None:
                out.append((arrived.received_at - message.created_at).total_seconds())
        return out

    def _sync(self, options: dict[str, Any]) -> dict[str, int]:
        """Pull the hub's directory now (as the dispatcher does every EXCHANGE_DIRECTORY_SYNC_SECONDS)."""
        from exchange import directory

        result = directory.sync()
        return {"added": result.added, "updated": result.updated, "deactivated": result.deactivated}

    def _trace(self, options: dict[str, Any]) -> dict[str, Any]:
        """What this installation did with the messages of document ``--to`` (its DocumentId): the outbox
        rows and the audit events about its inbox rows."""
        from core.models import AuditEvent
        from exchange.models import InboxMessage, OutboxMessage

        messages = OutboxMessage.objects.filter(document_id=options["to"]).order_by("id")
        inbox = InboxMessage.objects.filter(document_id=options["to"])
        events = AuditEvent.objects.filter(
            target_type=InboxMessage._meta.label_lower,
            target_id__in=[str(pk) for pk in inbox.values_list("pk", flat=True)],
        ).order_by("seq")
        return {
            "outbox": [
                {
                    "kind": m.kind,
                    "to": m.to_identifier,
                    "status_code": m.status_code,
                    "state": m.state,
                    "relayed": m.inbox_id is not None,
                    "last_http_status": m.last_http_status,
                    "last_error": m.last_error,
                }
                for m in messages
            ],
            "audit": [{"action": e.action, "data": e.data} for e in events],
        }
