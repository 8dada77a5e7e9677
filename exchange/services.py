"""Every write of the exchange: queueing packages when a document is issued, receiving messages,
the clerk's decisions on arrivals, and the statuses that flow back.

Exactly-once effect = at-least-once sending (``dispatch``) + idempotent receipt here: a message is known by
(message id, recipient), and a package also by (sender, recipient, DocumentId, business) — the same
document signed again with a new message id is still one document."""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core import audit, files
from core.errors import ApplicationError, InvalidInput, NotAllowed, NotFound, WrongState
from exchange import directory
from exchange.edxml import model, parse, sign
from exchange.edxml.codes import STATUS_LABELS, Business, StatusCode
from exchange.edxml.errors import MalformedPackage, UnknownCertificate
from exchange.models import ExchangeStatus, InboxMessage, OutboxMessage
from exchange.states import IN_TRANSITIONS, OUT_TRANSITIONS, InState, Kind, OutState, check
from orgs.models import Organization, Secrecy, User

log = logging.getLogger(__name__)

CLASSIFIED_REFUSED = (
    "Văn bản mật không được gửi qua trục liên thông: gửi theo đường cơ yếu hoặc bưu chính theo quy định."
)
ARRIVED_TEXT = "Đã đến — phần mềm quản lý văn bản đã nhận, văn thư chưa xử lý"


class UnknownSender(NotAllowed):
    code = "unknown_sender"
    message = "Cơ quan gửi không có trong danh bạ liên thông của nơi nhận."


class UnknownRecipient(NotFound):
    code = "unknown_recipient"
    message = "Nơi nhận không thuộc hệ thống này."


class UnknownDocument(NotFound):
    code = "unknown_document"
    message = "Không tìm thấy văn bản mà thông điệp trạng thái nhắc đến."


# --- sending side: issuance --------------------------------------------------------------------------


def external_recipients(doc: Any) -> list[Any]:
    return [r for r in doc.recipients.select_related("organization") if directory.is_external(r.organization)]


def check_sendable(doc: Any) -> None:
    """Before a number is taken: a document with recipients reached by exchange must be unclassified and
    its organisation able to sign packages."""
    from exchange.identity import NoIdentity
    from exchange.models import Identity

    if not external_recipients(doc):
        return
    if doc.secrecy != Secrecy.NONE:
        raise NotAllowed(CLASSIFIED_REFUSED, code="secret_document")
    if not doc.organization.identifier:
        raise InvalidInput("Cơ quan chưa có mã định danh: không gửi liên thông được.", code="no_identifier")
    identity = Identity.objects.filter(organization=doc.organization).first()
    if identity is None:
        raise NoIdentity()
    if identity.not_after <= timezone.now():
        raise InvalidInput(
            f"Chứng thư số ký gói tin liên thông của {doc.organization.name} đã hết hạn "
            f"({timezone.localtime(identity.not_after):%d/%m/%Y}): quản trị cần nhập khóa mới.",
            code="exchange_identity_expired",
        )


def queue_issue(doc: Any, *, business: int = Business.NEW) -> list[OutboxMessage]:
    """One package per external recipient, written in the issuing transaction (sent once the issued PDF
    exists: ``files_ready``)."""
    from exchange.packaging import outgoing_document_id

    recipients = external_recipients(doc)
    if recipients and doc.secrecy != Secrecy.NONE:  # defence in depth: check_sendable refused it already
        raise NotAllowed(CLASSIFIED_REFUSED, code="secret_document")
    if doc.replaces_id and business == Business.NEW:
        business = Business.REPLACE  # the package carries ReplacementInfo: the old one is withdrawn there
    messages = []
    if doc.corrects_id:
        _queue_update_notices(doc)
    if doc.replaces_id:
        # the replaced document's unsent packages stop, and recipients dropped from the new list are told
        _withdraw_packages(
            doc.replaces,
            reason=f"Được thay thế bằng văn bản số {doc.number_symbol}: {doc.after_issue_reason}".strip(),
            keep=frozenset(r.organization.identifier for r in recipients),
        )
    for recipient in recipients:
        messages.append(
            OutboxMessage.objects.create(
                kind=Kind.PACKAGE,
                business=business,
                from_identifier=doc.organization.identifier,
                to_identifier=recipient.organization.identifier,
                document_id=outgoing_document_id(doc),
                outgoing=doc,
                recipient=recipient,
                state=OutState.AWAITING_FILE,
            )
        )
    return messages


def _queue_update_notices(correction: Any) -> None:
    """A correction (đính chính) is its own document; the recipients of the corrected one that got it by
    exchange are also told, on the corrected document (business 2, "update"), which document corrects it."""
    from exchange import dispatch

    old = correction.corrects
    reason = f"Đính chính bởi văn bản số {correction.number_symbol}: {correction.after_issue_reason}".strip()
    for sent in OutboxMessage.objects.filter(outgoing=old, kind=Kind.PACKAGE, business__in=(0, 3)).exclude(
        state=OutState.CANCELLED
    ):
        OutboxMessage.objects.create(
            kind=Kind.PACKAGE,
            business=Business.UPDATE,
            from_identifier=sent.from_identifier,
            to_identifier=sent.to_identifier,
            document_id=sent.document_id,
            outgoing=old,
            recipient=sent.recipient,
            description=reason[:2000],
            state=OutState.PENDING,
            next_attempt_at=timezone.now(),
        )
        transaction.on_commit(dispatch.wake)


def files_ready(doc: Any) -> int:
    """The issued PDF exists (in the finalize transaction): the packages may leave."""
    from exchange import dispatch

    count = OutboxMessage.objects.filter(outgoing=doc, state=OutState.AWAITING_FILE).update(
        state=OutState.PENDING, next_attempt_at=timezone.now()
    )
    if count:
        transaction.on_commit(dispatch.wake)
    return count


def may_have_arrived(message: OutboxMessage) -> bool:
    """A package the recipient may hold: delivered, in flight, or attempted with the answer lost (waiting
    for a retry, or cancelled since). A failed one was refused by the next hop: it never arrived."""
    return message.state in (OutState.SENT, OutState.SENDING) or (
        message.attempts > 0 and message.state in (OutState.PENDING, OutState.CANCELLED)
    )


def recall(doc: Any, *, reason: str) -> None:
    """An issued document recalled: packages that never left are cancelled, the others followed by a recall
    message (business 1) to the same recipients (never overtaking the package: ``dispatch`` orders them)."""
    _withdraw_packages(doc, reason=reason)


def _withdraw_packages(doc: Any, *, reason: str, keep: frozenset[str] = frozenset()) -> None:
    """The packages of ``doc`` stop: those not sent yet are cancelled; a recipient that may hold the
    document gets a recall — except those in ``keep`` that have it for sure (a replacement reaching them
    withdraws it there by its ReplacementInfo)."""
    from exchange import dispatch

    queued = False
    recalled = set(
        OutboxMessage.objects.filter(outgoing=doc, kind=Kind.PACKAGE, business=Business.RECALL)
        .exclude(state=OutState.CANCELLED)
        .values_list("to_identifier", flat=True)
    )
    for message in OutboxMessage.objects.select_for_update().filter(
        outgoing=doc, kind=Kind.PACKAGE, business__in=(Business.NEW, Business.REPLACE)
    ):
        arrived = may_have_arrived(message)
        if message.state in (OutState.AWAITING_FILE, OutState.PENDING, OutState.FAILED):
            message.state = check(OUT_TRANSITIONS, "cancel", message.state)
            message.last_error = (
                "Đã thu hồi trước khi gửi." if not keep else "Đã được thay thế trước khi gửi."
            )
            message.save(update_fields=["state", "last_error"])
            audit.record(
                actor=None,
                action="exchange.cancelled",
                target=message,
                data={"to": message.to_identifier, "document_id": message.document_id},
            )
        if not arrived or message.to_identifier in recalled:
            continue
        if message.to_identifier in keep and message.state == OutState.SENT:
            continue
        OutboxMessage.objects.create(
            kind=Kind.PACKAGE,
            business=Business.RECALL,
            from_identifier=message.from_identifier,
            to_identifier=message.to_identifier,
            document_id=message.document_id,
            outgoing=doc,
            recipient=message.recipient,
            description=reason,
            state=OutState.PENDING,
            next_attempt_at=timezone.now(),
        )
        recalled.add(message.to_identifier)
        queued = True
    if queued:
        transaction.on_commit(dispatch.wake)


# --- receiving ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    message_id: str
    duplicate: bool
    kind: str

    def as_dict(self) -> dict[str, Any]:
        return {"message_id": self.message_id, "receipt": "duplicate" if self.duplicate else "stored"}


@dataclass(frozen=True)
class Checked:
    """A received message whose signature holds, read (``verify``), not stored yet (``record``)."""

    data: bytes
    signer: str  # sha256 of the signing certificate
    status: model.StatusMessage | None = None
    package: model.Package | None = None
    # the directory's word on the organisations it names, as read to verify it
    routes: directory.Routes | None = None


def receive(data: bytes) -> Receipt:
    """A message that arrived over the network: verified against the sender's registered certificates,
    stored once, and acted on (an arrival waiting for the clerk with status 01 sent back; a status
    recorded against the outgoing document; a recall applied). Raises an ApplicationError to refuse it.
    ``verify`` then ``record``: the endpoint holds a verification slot for the first only."""
    return record(verify(data))


def verify(data: bytes) -> Checked:
    """Parse and verify (the CPU and memory of a receipt; nothing written): the message as its signature
    covers it, or an ApplicationError to refuse it."""
    root = parse.read(data)
    kind = parse.kind(root)
    sender = parse.sender_id(root)
    named = (
        [sender, *(parse.organ_id(to) for to in parse.recipients(root))] if kind == "package" else [sender]
    )
    known = directory.routes(named)
    certificates = known.registered_certificates(sender)
    if not certificates and directory.refresh_for_unknown(sender):
        known = directory.routes(named)
        certificates = known.registered_certificates(sender)
    # a status may also be the report of the installation routing ``sender`` that it could not deliver
    # (which it can be also for an organisation listed without certificates of its own yet)
    relay = known.relay_certificates(sender) if kind == "status" else []
    if not certificates and not relay:
        raise UnknownSender()
    try:
        verified = sign.verify_tree(root, [*certificates, *relay], keep_large_texts=_keep(kind, root, known))
    except UnknownCertificate:  # (raised before the tree is touched)
        # the sender may have a new certificate the hub published since our last pull
        if not directory.refresh():
            raise
        known = directory.routes(named)
        certificates = known.registered_certificates(sender)
        verified = sign.verify_tree(root, [*certificates, *relay], keep_large_texts=_keep(kind, root, known))
    if kind == "status":
        status = parse.parse_status(verified.root)
        by_relay = verified.fingerprint not in {sign.fingerprint(c) for c in certificates}
        if by_relay and status.code != StatusCode.REJECTED:
            # signed by the relay, not by the organisation: only "returned" (02) may be said that way
            raise NotAllowed(
                "Trục liên thông chỉ được báo trả lại (02) thay cho cơ quan nhận.",
                code="relay_report_invalid",
            )
        known = directory.routes([sender, status.response_for.organ_id])
        return Checked(data, verified.fingerprint, status=status, routes=known)
    # the attachments are decoded (and their base64 checked) only where the package stops: a hub relays
    # the bytes as they came
    serves = any(
        known.local_organization(parse.organ_id(to)) is not None for to in parse.recipients(verified.root)
    )
    # (the same answer as ``_keep`` for a tree verified in our profile, which is ``root`` itself; signxml's
    # verification returns a tree of its own, with every text)
    package = parse.parse_package(verified.root, attachments=serves)
    if package.header.sender.organ_id != sender:
        raise InvalidInput("Gói tin không nhất quán về cơ quan gửi.", code="sender_mismatch")
    return Checked(data, verified.fingerprint, package=package, routes=known)


def _keep(kind: str, root: Any, known: directory.Routes) -> bool:
    """Whether the verification must keep the message's large texts in its tree: not for a package none
    of whose recipients is served here, relayed as received (its attachments are not read here)."""
    return kind != "package" or any(
        known.local_organization(parse.organ_id(to)) is not None for to in parse.recipients(root)
    )


def record(checked: Checked) -> Receipt:
    """Store a checked message once (synced before its transaction commits) and act on it."""
    if checked.status is not None:
        status = checked.status
        known = checked.routes or directory.routes([status.sender.organ_id, status.response_for.organ_id])
        return _receive_status(status, checked.data, checked.signer, known)
    package = checked.package
    assert package is not None
    named = [package.header.sender.organ_id, *(r.organ_id for r in package.header.recipients)]
    return _receive_package(package, checked.data, checked.signer, checked.routes or directory.routes(named))


ONCE_CONSTRAINTS = ("exchange_in_message_once", "exchange_in_one_document")
# arrivals whose files the worker stores and checks (arrival_files): documents, not notices about them
FILES_CHECKED = (Business.NEW, Business.REPLACE)


def _duplicate(exc: IntegrityError) -> bool:
    """The IntegrityError is one of the inbox's "once" constraints (a concurrent request stored the same
    message or document first) — not any other integrity failure, which must not pass for a duplicate."""
    cause = exc.__cause__
    name = getattr(getattr(cause, "diag", None), "constraint_name", None)  # PostgreSQL
    if name is not None:
        return name in ONCE_CONSTRAINTS
    text = str(exc)  # SQLite: "UNIQUE constraint failed: <table>.<column>, …" (or "index '<name>'")
    if not text.startswith("UNIQUE constraint failed:"):
        return False
    if any(f"'{n}'" in text for n in ONCE_CONSTRAINTS):
        return True
    table = InboxMessage._meta.db_table
    columns = {c.strip() for c in text.split(":", 1)[1].split(",")}
    for constraint in InboxMessage._meta.constraints:
        if constraint.name in ONCE_CONSTRAINTS:
            fields = constraint.fields  # type: ignore[attr-defined]
            if columns == {f"{table}.{_column(f)}" for f in fields}:
                return True
    return False


def _column(name: str) -> str:
    return str(getattr(InboxMessage._meta.get_field(name), "column", name))


def _check_lengths(**values: str) -> None:
    """What a message says fits the columns it is stored in: a refusal with the reason (400, final at the
    sender) rather than a database error (500, retried by the sender for ever)."""
    for name, value in values.items():
        limit = getattr(InboxMessage._meta.get_field(name), "max_length", None)
        if limit is not None and len(value) > limit:
            raise MalformedPackage(
                f"Gói tin có {_LENGTH_LABELS[name]} dài {len(value)} ký tự, quá giới hạn {limit} ký tự."
            )


_LENGTH_LABELS = {
    "message_id": "mã thông điệp",
    "from_identifier": "mã định danh cơ quan gửi",
    "to_identifier": "mã định danh nơi nhận",
    "document_id": "mã văn bản (DocumentId)",
    "status_code": "mã trạng thái",
}


def _checked(message_id: str, data: bytes) -> files.CheckedFile:
    """The message as a file to keep: written and synced before the transaction that records it
    (``files.atomic_with_files(checked)``), stored as received."""
    return files.CheckedFile(
        f"edxml-{message_id[:60]}.xml", data, "application/xml", hashlib.sha256(data).hexdigest(), None
    )


def _receive_package(package: model.Package, data: bytes, signer: str, known: directory.Routes) -> Receipt:
    from exchange.packaging import header_json

    if not package.message_id:
        raise InvalidInput("Gói tin thiếu mã thông điệp (TraceHeaderList/@id).", code="malformed_package")
    _check_lengths(
        message_id=package.message_id,
        from_identifier=package.header.sender.organ_id,
        document_id=package.header.document_id,
    )
    for r in package.header.recipients:
        _check_lengths(to_identifier=r.organ_id)
    organizations = [
        org for r in package.header.recipients if (org := known.local_organization(r.organ_id)) is not None
    ]
    business = int(package.business.kind)
    # recipients of other installations reached from here: relayed, whether or not some are served here
    ours = {org.identifier for org in organizations}
    targets = [
        r.organ_id
        for r in package.header.recipients
        if r.organ_id not in ours and known.relay_hop(package.header.sender.organ_id, r.organ_id) is not None
    ]
    if not organizations and not targets:
        raise UnknownRecipient()
    relayed = None
    if targets:
        relayed = _relay(
            package.message_id,
            Kind.PACKAGE,
            package.header.sender.organ_id,
            targets,
            package.header.document_id,
            data,
            signer,
            business=business,
        )
    if not organizations:
        assert relayed is not None
        return relayed
    duplicate = relayed is None or relayed.duplicate
    checked = None
    for organization in organizations:
        seen = (
            InboxMessage.objects.filter(
                from_identifier=package.header.sender.organ_id,
                message_id=package.message_id,
                to_identifier=organization.identifier,
            ).exists()
            # a document is one document however often it is sent (notices about it may repeat)
            or (
                business in (Business.NEW, Business.REPLACE)
                and InboxMessage.objects.filter(
                    kind=Kind.PACKAGE,
                    from_identifier=package.header.sender.organ_id,
                    to_identifier=organization.identifier,
                    document_id=package.header.document_id,
                    business=business,
                ).exists()
            )
        )
        if seen:
            continue
        checked = checked or _checked(package.message_id, data)
        try:
            with files.atomic_with_files(checked):
                inbox = InboxMessage.objects.create(
                    message_id=package.message_id,
                    kind=Kind.PACKAGE,
                    business=business,
                    from_identifier=package.header.sender.organ_id,
                    to_identifier=organization.identifier or "",
                    organization=organization,
                    document_id=package.header.document_id,
                    header=header_json(package),
                    package=files.store(checked),
                    signer_sha256=signer,
                    state=InState.ARRIVED,
                    # a document's files wait for the worker (arrival_files); notices have none to check
                    files={} if package.attachments and business in FILES_CHECKED else None,
                )
                audit.record(
                    actor=None,
                    action="exchange.received",
                    target=inbox,
                    organization_id=organization.pk,
                    data={
                        "from": inbox.from_identifier,
                        "document_id": inbox.document_id,
                        "business": business,
                        "signer_sha256": signer,
                    },
                )
                if business == Business.RECALL:
                    _apply_recall(inbox, package)
                elif business == Business.UPDATE:
                    _apply_update(inbox, package)
                else:
                    if business == Business.REPLACE:
                        _apply_replacement(inbox, package)
                    queue_status(inbox, StatusCode.ARRIVED, ARRIVED_TEXT)
                    _notify_clerks(inbox)
                    if inbox.files is not None:  # their signatures checked while it waits (arrival_files)
                        from exchange.tasks import prepare_arrival_files

                        prepare_arrival_files.enqueue(inbox.pk)
        except IntegrityError as exc:  # the same message arriving twice at once: the other request stored it
            if not _duplicate(exc):
                raise
            continue
        duplicate = False
    return Receipt(package.message_id, duplicate, Kind.PACKAGE)


def _apply_recall(notice: InboxMessage, package: model.Package) -> None:
    """A recall: the document is withdrawn here (before or after the clerk registered it) and 15 goes
    back; an unknown document answers 16."""
    from incoming.services import incoming_withdraw

    target = _target(notice, package.business.document_id or package.header.document_id)
    notice.state = InState.HANDLED
    notice.save(update_fields=["state"])
    reason = package.business.reason or "Cơ quan gửi thu hồi văn bản."
    if target is None or target.state in (InState.REJECTED, InState.WITHDRAWN):
        queue_status(notice, StatusCode.RECALL_REFUSED, "Không tìm thấy văn bản cần thu hồi.")
        return
    if target.state == InState.ARRIVED:
        target.state = check(IN_TRANSITIONS, "withdraw", target.state)
        target.reason = reason
        target.save(update_fields=["state", "reason"])
    elif target.incoming is not None and target.incoming.status != "recalled":
        from exchange.system import system_user

        incoming_withdraw(
            actor=system_user(),
            document=target.incoming,
            reason=reason,
            sender_name=target.header.get("sender", {}).get("name", ""),
        )
    audit.record(
        actor=None,
        action="exchange.recalled",
        target=target,
        organization_id=target.organization_id,
        data={"reason": reason},
    )
    queue_status(target, StatusCode.RECALL_DONE, "Đã thu hồi văn bản theo yêu cầu của cơ quan gửi.")


def _target(notice: InboxMessage, document_id: str) -> InboxMessage | None:
    return (
        InboxMessage.objects.select_for_update()
        .filter(
            kind=Kind.PACKAGE,
            business__in=(Business.NEW, Business.REPLACE),
            from_identifier=notice.from_identifier,
            to_identifier=notice.to_identifier,
            document_id=document_id,
        )
        .first()
    )


def _apply_replacement(new: InboxMessage, package: model.Package) -> None:
    """A replacing document arrived (it waits for the clerk like any other): the documents it replaces
    for us are withdrawn — before registration, or as incoming documents, saying by which number."""
    from exchange.system import system_user
    from incoming.services import incoming_record_notice, incoming_withdraw

    number = new.header.get("number_symbol", "")
    reason = package.business.reason or f"Được thay thế bằng văn bản số {number}"
    for replacement in package.business.replacements:
        if replacement.organ_ids and new.to_identifier not in replacement.organ_ids:
            continue
        old = _target(new, replacement.document_id)
        if old is None:
            continue
        if old.state == InState.ARRIVED:
            old.state = check(IN_TRANSITIONS, "withdraw", old.state)
            old.reason = f"Được thay thế bằng văn bản số {number}: {reason}"
            old.save(update_fields=["state", "reason"])
        elif old.incoming is not None:
            sender = new.header.get("sender", {}).get("name", "")
            if old.incoming.status != "recalled":
                incoming_withdraw(
                    actor=system_user(),
                    document=old.incoming,
                    reason=reason,
                    sender_name=sender,
                    replaced_by=number,
                )
            else:
                incoming_record_notice(
                    actor=system_user(),
                    document=old.incoming,
                    action="replaced",
                    note=f"{sender} thay thế văn bản bằng văn bản số {number}: {reason}",
                    title=f"Văn bản đến đã được thay thế bằng văn bản số {number}",
                )
        audit.record(
            actor=None,
            action="exchange.replaced",
            target=old,
            organization_id=old.organization_id,
            data={"replaced_by": number, "document_id": new.document_id},
        )


def _apply_update(notice: InboxMessage, package: model.Package) -> None:
    """The sender corrected a document we received: the history says by which document (15); an unknown
    document answers 16."""
    from exchange.system import system_user
    from incoming.services import incoming_record_notice

    notice.state = InState.HANDLED
    notice.save(update_fields=["state"])
    target = _target(notice, package.business.document_id or package.header.document_id)
    reason = package.business.reason or "Cơ quan gửi đính chính văn bản."
    if target is None or target.state in (InState.REJECTED, InState.WITHDRAWN):
        queue_status(notice, StatusCode.RECALL_REFUSED, "Không tìm thấy văn bản được đính chính.")
        return
    if target.incoming is not None:
        incoming_record_notice(
            actor=system_user(),
            document=target.incoming,
            action="corrected",
            note=reason,
            title="Văn bản đến đã được cơ quan gửi đính chính",
        )
    else:
        target.reason = (target.reason + "\n" + reason).strip()
        target.save(update_fields=["reason"])
    audit.record(
        actor=None,
        action="exchange.updated",
        target=target,
        organization_id=target.organization_id,
        data={"reason": reason},
    )
    queue_status(target, StatusCode.RECALL_DONE, "Đã ghi nhận đính chính của cơ quan gửi.")


def _receive_status(
    status: model.StatusMessage, data: bytes, signer: str, known: directory.Routes
) -> Receipt:
    if not status.message_id:
        raise InvalidInput("Thông điệp trạng thái thiếu mã (Status/@id).", code="malformed_package")
    _check_lengths(
        message_id=status.message_id,
        from_identifier=status.sender.organ_id,
        to_identifier=status.response_for.organ_id,
        document_id=status.response_for.document_id,
    )
    sent = (
        OutboxMessage.objects.filter(
            kind=Kind.PACKAGE,
            business__in=(Business.NEW, Business.REPLACE),
            # never about a package that never left (an attempt whose answer was lost may have arrived)
            attempts__gt=0,
            document_id=status.response_for.document_id,
            to_identifier=status.sender.organ_id,
        )
        .select_related("recipient")
        .first()
    )
    if sent is None or sent.recipient is None:
        target = status.response_for.organ_id
        if (
            known.local_organization(target) is None
            and known.relay_hop(status.sender.organ_id, target) is not None
        ):
            return _relay(
                status.message_id,
                Kind.STATUS,
                status.sender.organ_id,
                [target],
                status.response_for.document_id,
                data,
                signer,
                status_code=status.code.value,
            )
        raise UnknownDocument()
    if InboxMessage.objects.filter(
        from_identifier=status.sender.organ_id,
        message_id=status.message_id,
        to_identifier=sent.from_identifier,
    ).exists():
        return Receipt(status.message_id, True, Kind.STATUS)
    checked = _checked(status.message_id, data)
    try:
        with files.atomic_with_files(checked):
            inbox = InboxMessage.objects.create(
                message_id=status.message_id,
                kind=Kind.STATUS,
                status_code=status.code.value,
                from_identifier=status.sender.organ_id,
                to_identifier=sent.from_identifier,
                organization=sent.outgoing.organization if sent.outgoing else None,
                document_id=status.response_for.document_id,
                header={"description": status.description, "staff": status.staff.staff},
                package=files.store(checked),
                signer_sha256=signer,
                state=InState.HANDLED,
            )
            ExchangeStatus.objects.create(
                recipient=sent.recipient,
                code=status.code.value,
                description=status.description[:2000],
                staff=status.staff.staff[:200],
                at=status.timestamp,
                inbox=inbox,
            )
            audit.record(
                actor=None,
                action="exchange.status_received",
                target=sent.outgoing,
                organization_id=inbox.organization_id,
                data={"to": sent.to_identifier, "code": status.code.value, "description": status.description},
            )
            if status.code == StatusCode.REJECTED and sent.outgoing is not None:
                _notify_rejected(sent, status.description)
    except IntegrityError as exc:
        if not _duplicate(exc):
            raise
        return Receipt(status.message_id, True, Kind.STATUS)
    return Receipt(status.message_id, False, Kind.STATUS)


def _relay(
    message_id: str,
    kind: str,
    sender: str,
    targets: list[str],
    document_id: str,
    data: bytes,
    signer: str,
    *,
    business: int | None = None,
    status_code: str = "",
) -> Receipt:
    """A hub's work: a message for organisations of other installations is stored once and forwarded as
    received (the signed bytes untouched), in one transaction with its outbox rows."""
    from exchange import dispatch

    duplicate = True
    checked = None
    for target in targets:
        # not looked up first: a message seen before (rare: a sender retrying after a lost answer) is
        # refused by the inbox's "once" constraint below, the blob it shares left as it was
        checked = checked or _checked(message_id, data)
        try:
            with files.atomic_with_files(checked):
                common = {
                    "kind": kind,
                    "business": business,
                    "status_code": status_code,
                    "from_identifier": sender,
                    "to_identifier": target,
                    "document_id": document_id,
                    "package": files.store(checked),  # forwarded as received
                }
                inbox = InboxMessage.objects.create(
                    message_id=message_id, signer_sha256=signer, state=InState.RELAYED, **common
                )
                OutboxMessage.objects.create(
                    inbox=inbox, state=OutState.PENDING, next_attempt_at=timezone.now(), **common
                )
                audit.record(
                    actor=None,
                    action="exchange.relayed",
                    target=inbox,
                    data={"from": sender, "to": target, "document_id": document_id, "kind": kind},
                )
                transaction.on_commit(dispatch.wake)
        except IntegrityError as exc:
            if not _duplicate(exc):
                raise
            continue
        duplicate = False
    return Receipt(message_id, duplicate, kind)


def report_relay_failure(relayed: OutboxMessage, error: str) -> OutboxMessage | None:
    """A hub's onward delivery of a package was refused for good: the original sender is told, by a
    status 02 about the recipient signed with this installation's relay key (``Node.
    relay_certificates_pem`` at the sender), instead of the failure staying here. Without a key of its
    own the hub can only record it."""
    from exchange import dispatch
    from exchange.identity import relay_identity

    inbox = relayed.inbox
    assert inbox is not None
    what = "văn bản" if relayed.business in (None, Business.NEW, Business.REPLACE) else "thông báo về văn bản"
    description = f"Trục liên thông không chuyển được {what} đến {inbox.to_identifier}: {error}"[:2000]
    audit.record(
        actor=None,
        action="exchange.relay_failed",
        target=inbox,
        data={"from": inbox.from_identifier, "to": inbox.to_identifier, "error": error[:300]},
    )
    if relay_identity() is None:
        log.warning("relay failure to %s not reported: no signing identity here", inbox.to_identifier)
        return None
    message = OutboxMessage.objects.create(
        kind=Kind.STATUS,
        status_code=StatusCode.REJECTED.value,
        from_identifier=inbox.to_identifier,
        to_identifier=inbox.from_identifier,
        document_id=inbox.document_id,
        inbox=inbox,
        description=description,
        state=OutState.PENDING,
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(dispatch.wake)
    return message


def queue_status(inbox: InboxMessage, code: StatusCode, description: str = "") -> OutboxMessage:
    """A status of a received document back to its sender (in the caller's transaction)."""
    from exchange import dispatch

    message = OutboxMessage.objects.create(
        kind=Kind.STATUS,
        status_code=code.value,
        from_identifier=inbox.to_identifier,
        to_identifier=inbox.from_identifier,
        document_id=inbox.document_id,
        inbox=inbox,
        description=description or code.label,
        state=OutState.PENDING,
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(dispatch.wake)
    return message


# --- the clerk's decisions on an arrival --------------------------------------------------------------


def _check_clerk(actor: User, inbox: InboxMessage) -> None:
    from incoming.permissions import is_clerk_of

    if inbox.organization_id is None or not is_clerk_of(actor, inbox.organization_id):
        raise NotAllowed("Chỉ văn thư của cơ quan nhận mới xử lý văn bản liên thông đến.")


def inbox_register(*, actor: User, inbox: InboxMessage, changes: dict[str, Any] | None = None) -> Any:
    """ "Vào sổ": the arrival becomes an incoming document (the form pre-filled from the package, the clerk
    may correct it), channel "Liên thông", its files as received; status 03 goes back."""
    from incoming.services import Registration, incoming_register

    _check_clerk(actor, inbox)
    package = parse.parse_package(parse.read(files.open_blob(inbox.package)))
    h = inbox.header
    fields: dict[str, Any] = {
        "issuer_name": h["sender"]["name"] or package.header.sender.organ_id,
        "issuer_id": _issuer_id(inbox.from_identifier),
        "number_symbol": h["number_symbol"],
        "issued_date": package.header.promulgation_date,
        "doc_type": _doc_type_code(inbox.organization, h["type_code"], h["type_name"]),
        "subject": h["subject"],
        "signer_name": h["signer_name"][:50],
        "signer_position": h["signer_position"][:100],
        "urgency": h["urgency"],
        "due_date": registration_due(package.header.due_date),
        "channel": "exchange",
        "page_count": h.get("page_amount"),
    }
    fields.update({k: v for k, v in (changes or {}).items() if k in fields and k not in ("channel",)})
    fields["secrecy"] = Secrecy.NONE  # nothing secret travels by exchange (regulations §5)
    uploads, left = _registrable(package.attachments)
    if left:  # what cannot be a file of the incoming document stays in the package, said in its note
        fields["description"] = (
            "Tệp gửi kèm không vào sổ được (loại tệp không được chấp nhận), xem trong gói tin liên thông: "
            + ", ".join(left)
        )[:500]
    with transaction.atomic():
        locked = InboxMessage.objects.select_for_update().get(pk=inbox.pk)
        locked.state = check(IN_TRANSITIONS, "register", locked.state)
        assert locked.organization is not None
        result = incoming_register(
            actor=actor, organization=locked.organization, data=Registration(**fields), uploads=uploads
        )
        locked.incoming = result.document
        locked.handled_by = actor
        locked.save(update_fields=["state", "incoming", "handled_by"])
        audit.record(
            actor=actor,
            action="exchange.registered",
            target=locked,
            organization_id=locked.organization_id,
            data={"incoming": result.document.pk},
        )
        queue_status(locked, StatusCode.ACCEPTED, "Đã tiếp nhận, vào sổ văn bản đến")
    return result


def _registrable(attachments: Any) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The attachments as the incoming document's files, and the names of those it cannot keep (a type
    we do not accept: .doc, .txt…) — they stay in the package, downloadable from the arrival's page. The
    first is the document itself: if it cannot be kept, the registration is refused with the reason."""
    from exchange.arrival_files import file_name

    uploads: list[tuple[str, bytes]] = []
    left: list[str] = []
    for index, attachment in enumerate(attachments):
        name = file_name(attachment)
        try:
            files.validate(name, attachment.data)
        except ApplicationError as exc:
            if index == 0:
                raise InvalidInput(
                    f"{exc.message} Đây là tệp văn bản chính nên chưa vào sổ được: trả lại nơi gửi và "
                    "đề nghị gửi bản PDF.",
                    code="main_file_refused",
                ) from exc
            left.append(name)
            continue
        uploads.append((name, attachment.data))
    return uploads, left


def registration_due(due: Any) -> Any:
    """The sender's deadline as the registration's "hạn giải quyết", unless already passed (a document
    may arrive after the date its sender asked for; the arrival's page still shows that date)."""
    return due if due is not None and due >= timezone.localdate() else None


def inbox_reject(*, actor: User, inbox: InboxMessage, reason: str) -> InboxMessage:
    """ "Trả lại": the arrival is returned to its sender with the reason (status 02)."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Vui lòng nhập lý do trả lại.", details={"reason": "trống"})
    if len(reason) > 1000:
        raise InvalidInput("Lý do trả lại tối đa 1.000 ký tự.", details={"reason": "quá dài"})
    _check_clerk(actor, inbox)
    with transaction.atomic():
        locked = InboxMessage.objects.select_for_update().get(pk=inbox.pk)
        locked.state = check(IN_TRANSITIONS, "reject", locked.state)
        locked.reason = reason
        locked.handled_by = actor
        locked.save(update_fields=["state", "reason", "handled_by"])
        audit.record(
            actor=actor,
            action="exchange.rejected_by_clerk",
            target=locked,
            organization_id=locked.organization_id,
            data={"reason": reason},
        )
        queue_status(locked, StatusCode.REJECTED, reason)
    return locked


def status_for_incoming(incoming_id: int, code: StatusCode, description: str = "") -> None:
    """The incoming workflow moved (assigned 04, in progress 05, done 06): tell the sender, once per
    code (in the workflow's transaction)."""
    inbox = InboxMessage.objects.filter(incoming_id=incoming_id, kind=Kind.PACKAGE).first()
    if inbox is None:
        return
    if OutboxMessage.objects.filter(inbox=inbox, kind=Kind.STATUS, status_code=code.value).exists():
        return
    queue_status(inbox, code, description or STATUS_LABELS[code])


def _issuer_id(identifier: str) -> int | None:
    return Organization.objects.filter(identifier=identifier).values_list("pk", flat=True).first()


def _doc_type_code(organization: Organization | None, code: str, name: str) -> str:
    from documents.models import DocType

    profile = organization.profile if organization is not None else ""
    types = DocType.objects.filter(profile=profile, is_active=True)
    found = types.filter(code=code).first() or types.filter(name__iexact=name).first()
    if found is None:
        found = types.filter(name__iexact="Công văn").first()
    return found.code if found is not None else code


def _notify_clerks(inbox: InboxMessage) -> None:
    from notifications.services import notify_users
    from orgs.selectors import people_with_roles

    assert inbox.organization_id is not None
    h = inbox.header
    notify_users(
        people_with_roles({"clerk"}, {inbox.organization_id}),
        f"Văn bản liên thông mới: {h['number_symbol']} của {h['sender']['name']}",
        f"/lien-thong/den/{inbox.pk}/",
        kind="urgent" if h.get("urgency") not in (None, "normal") else "info",
    )


def _notify_rejected(sent: OutboxMessage, reason: str) -> None:
    from notifications.services import notify_users
    from orgs.selectors import people_with_roles

    assert sent.outgoing is not None
    notify_users(
        people_with_roles({"clerk"}, {sent.outgoing.organization_id}),
        f"Văn bản {sent.outgoing.number_symbol} bị {sent.to_identifier} trả lại: {reason[:200]}",
        f"/van-ban-di/{sent.outgoing.pk}/",
        kind="warning",
    )


def resend(*, actor: User, message: OutboxMessage) -> OutboxMessage:
    """ "Gửi lại" a message the next hop refused, once the cause is fixed (administrators only)."""
    from exchange import dispatch
    from orgs.selectors import is_admin

    if not is_admin(actor):
        raise NotAllowed("Chỉ quản trị hệ thống được gửi lại gói tin liên thông.")
    with transaction.atomic():
        locked = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        locked.state = check(OUT_TRANSITIONS, "resend", locked.state)
        if (
            locked.kind == Kind.PACKAGE
            and locked.business in (Business.NEW, Business.REPLACE)
            and locked.outgoing is not None
            and locked.outgoing.status in ("recalled", "replaced")
        ):
            raise WrongState(
                f"Văn bản số {locked.outgoing.number_symbol} đã bị thu hồi hoặc thay thế sau khi gói tin "
                "gửi lỗi: không gửi lại văn bản này.",
                code="document_withdrawn",
            )
        locked.next_attempt_at = timezone.now()
        locked.save(update_fields=["state", "next_attempt_at"])
        audit.record(actor=actor, action="exchange.resend", target=locked)
        transaction.on_commit(dispatch.wake)
    return locked


def new_message_id() -> uuid.UUID:
    return uuid.uuid4()


__all__ = ["ApplicationError", "Checked", "Receipt", "receive", "record", "verify"]
