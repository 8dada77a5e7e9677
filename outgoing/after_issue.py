"""After issuance: replace (thay thế) and correct (đính chính) an issued document (NĐ 30 §18.3).

- A content error is repaired by a document of the same form that replaces it:
  ``outgoing_start_replacement`` opens a new draft (same type, subject, recipients, drafting unit and
  signer; the issued file as version 1) with ``replaces`` set. It goes through the normal approval chain;
  when it is issued, the old document becomes ``replaced``, its copies delivered inside the installation
  are withdrawn (their clerks and handlers told) and both documents point at each other.
- A format or procedure error is corrected by a công văn: ``outgoing_start_correction`` opens a công văn
  draft with ``corrects`` set and the subject "V/v đính chính …"; when it is issued, the old document stays
  issued, shows "Đã được đính chính bởi …", and its internal recipients get an event and a notification.

``on_issued`` is the one hook ``outgoing.services.outgoing_issue`` calls, inside the issuing transaction.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from core import files
from core.errors import InvalidInput, NotAllowed, WrongState
from documents.models import Attachment, DocType
from orgs.models import User
from outgoing.models import OutgoingDocument, Recipient, Version
from outgoing.permissions import may_change_after_issue
from outgoing.renditions import schedule_conversion
from outgoing.services import _add_version, _audit, _locked, _search_text
from outgoing.states import Status, check_transition
from search import indexing as search_index

CORRECTION_TYPE = "CV"  # công văn, in both profiles (documents/doctypes.py)


def _reason(reason: str, what: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InvalidInput(f"Vui lòng nhập lý do {what}.", details={"reason": "trống"})
    return reason[:1000]


def _check_may_change(actor: User, doc: OutgoingDocument) -> None:
    if not may_change_after_issue(actor, doc):
        raise NotAllowed(
            "Chỉ người soạn thảo, văn thư hoặc lãnh đạo cơ quan mới thay thế, "
            "đính chính văn bản đã phát hành."
        )


def _asked_of_recipients(doc: OutgoingDocument, link: dict[str, OutgoingDocument]) -> dict[str, Any]:
    """A replacement asks the recipients what the document it replaces asked (its deadline, unless
    passed, and its steering kind); a correction letter asks nothing of its own."""
    if "replaces" not in link:
        return {}
    due = doc.response_due if doc.response_due and doc.response_due >= timezone.localdate() else None
    return {"response_due": due, "steering": doc.steering}


def _new_draft(
    actor: User,
    doc: OutgoingDocument,
    *,
    doc_type: DocType,
    subject: str,
    reason: str,
    **link: OutgoingDocument,
) -> OutgoingDocument:
    new = OutgoingDocument.objects.create(
        organization=doc.organization,
        drafting_unit=doc.drafting_unit,
        drafter=actor,
        doc_type=doc_type,
        subject=subject[:500],
        urgency=doc.urgency,
        secrecy=doc.secrecy,
        signer=doc.signer,
        signer_capacity=doc.signer_capacity,
        after_issue_reason=reason,
        **_asked_of_recipients(doc, link),
        **link,
    )
    new.search_text = _search_text(new)
    new.save(update_fields=["search_text"])
    Recipient.objects.bulk_create(
        Recipient(document=new, organization_id=r.organization_id, name=r.name) for r in doc.recipients.all()
    )
    return new


def outgoing_start_replacement(*, actor: User, document: OutgoingDocument, reason: str) -> OutgoingDocument:
    """A new draft that will replace the issued ``document`` once issued (version 1: the issued file)."""
    reason = _reason(reason, "thay thế")
    with files.atomic_with_files():
        doc = _locked(document)
        _check_may_change(actor, doc)
        check_transition("start_replacement", doc.status)
        new = _new_draft(actor, doc, doc_type=doc.doc_type, subject=doc.subject, reason=reason, replaces=doc)
        issued = doc.versions.select_related("attachment").order_by("-number").first()
        if issued is None:
            raise InvalidInput("Văn bản chưa có tệp để sao lại.", code="no_file")
        note = f"Bản sao văn bản số {doc.number_symbol} đã phát hành, để sửa nội dung"[:500]
        if issued.fields is not None:  # drafted from the template: the same fields, to be edited
            first = _add_version(new, actor, None, note, dict(issued.fields))
        else:
            attachment = Attachment.objects.create(
                stored_id=issued.attachment.stored_id,
                name=issued.attachment.name,
                owner_kind="outgoing",
                owner_id=new.pk,
                position=1,
                uploaded_by=actor,
            )
            first = Version.objects.create(
                document=new,
                number=1,
                attachment=attachment,
                sha256=issued.sha256,
                note=note,
                created_by=actor,
            )
            schedule_conversion(first)
        issued_sha256 = first.sha256
        _audit(
            new, actor, "start_replacement", {"replaces": doc.pk, "reason": reason, "sha256": issued_sha256}
        )
        search_index.reindex("outgoing", [new.pk])
        _audit(doc, actor, "replacement_started", {"replacement": new.pk, "reason": reason})
    return new


def correction_subject(doc: OutgoingDocument) -> str:
    issued_on = timezone.localdate(doc.issued_at) if doc.issued_at else None
    day = f" ngày {issued_on:%d/%m/%Y}" if issued_on else ""
    return f"V/v đính chính {doc.doc_type.name.lower()} số {doc.number_symbol}{day}"


def outgoing_start_correction(
    *, actor: User, document: OutgoingDocument, reason: str, upload: tuple[str, bytes] | None = None
) -> OutgoingDocument:
    """A công văn draft correcting the issued ``document``; without ``upload`` its version 1 is rendered
    from the công văn template with an outline of the correction (the drafter edits it as a new version)."""
    reason = _reason(reason, "đính chính")
    with files.atomic_with_files():
        doc = _locked(document)
        _check_may_change(actor, doc)
        check_transition("start_correction", doc.status)
        doc_type = DocType.objects.filter(
            code=CORRECTION_TYPE, profile=doc.organization.profile, is_active=True
        ).first()
        if doc_type is None:
            raise InvalidInput("Chưa có loại văn bản công văn để đính chính.", code="no_doc_type")
        subject = correction_subject(doc)
        new = _new_draft(actor, doc, doc_type=doc_type, subject=subject, reason=reason, corrects=doc)
        version = _add_version(
            new,
            actor,
            upload,
            f"Dự thảo công văn đính chính văn bản số {doc.number_symbol}",
            None if upload is not None else correction_fields(doc, reason),
        )
        _audit(
            new, actor, "start_correction", {"corrects": doc.pk, "reason": reason, "sha256": version.sha256}
        )
        search_index.reindex("outgoing", [new.pk])
        _audit(doc, actor, "correction_started", {"correction": new.pk, "reason": reason})
    return new


def correction_fields(doc: OutgoingDocument, reason: str) -> dict[str, object]:
    """The outline of a correction letter, for the công văn template."""
    issued_on = timezone.localdate(doc.issued_at) if doc.issued_at else None
    organization = doc.organization.name
    issued = f"Ngày {issued_on:%d/%m/%Y}, " if issued_on else ""
    return {
        "content": "\n".join(
            [
                f"{issued}{organization} đã ban hành {doc.doc_type.name.lower()} số {doc.number_symbol} "
                f"về {doc.subject[0].lower() + doc.subject[1:] if doc.subject else ''}.",
                f"Lý do đính chính: {reason}",
                f"{organization} đính chính như sau: ……",
                f"{organization} thông báo để các cơ quan, đơn vị biết, thực hiện./.",
            ]
        ),
        "addressees": [r.name for r in doc.recipients.all()],
    }


def on_issued(*, actor: User, document: OutgoingDocument) -> None:
    """Called by ``outgoing_issue`` inside its transaction once ``document`` has its number."""
    if document.replaces_id:
        _replace(actor, document)
    if document.corrects_id:
        _correct(actor, document)


def _internal_copies(doc: OutgoingDocument) -> list[Recipient]:
    return list(doc.recipients.exclude(incoming__isnull=True).select_related("incoming"))


def _locked_original(pk: int | None) -> OutgoingDocument:
    assert pk is not None
    return OutgoingDocument.objects.select_for_update().get(pk=pk)


def _replace(actor: User, new: OutgoingDocument) -> None:
    from incoming.services import incoming_record_notice, incoming_withdraw

    old = _locked_original(new.replaces_id)
    if old.status == Status.REPLACED:
        raise WrongState(
            f"Văn bản số {old.number_symbol} đã được thay thế bởi một văn bản khác; "
            "không phát hành văn bản thay thế này được.",
            details={"replaces": old.pk},
        )
    old.status = check_transition("replace", old.status)
    old.replaced_by = new
    old.save(update_fields=["status", "replaced_by"])
    search_index.reindex("outgoing", [old.pk])
    reason = new.after_issue_reason
    sender = old.organization.name
    withdrawn, told = [], []
    for recipient in _internal_copies(old):
        incoming = recipient.incoming
        assert incoming is not None
        if incoming.status != "recalled":
            incoming_withdraw(
                actor=actor,
                document=incoming,
                reason=reason,
                sender_name=sender,
                replaced_by=new.number_symbol,
            )
            withdrawn.append(incoming.pk)
        else:  # already withdrawn by a recall: the history still says what replaced it
            incoming_record_notice(
                actor=actor,
                document=incoming,
                action="replaced",
                note=f"{sender} thay thế văn bản bằng văn bản số {new.number_symbol}: {reason}",
                title=f"Văn bản đến đã được thay thế bằng văn bản số {new.number_symbol}",
            )
            told.append(incoming.pk)
    _audit(
        old,
        actor,
        "replaced",
        {"replaced_by": new.pk, "number_symbol": new.number_symbol, "withdrawn": withdrawn, "told": told},
    )
    _audit(new, actor, "replaces", {"replaces": old.pk, "number_symbol": old.number_symbol})


def _correct(actor: User, new: OutgoingDocument) -> None:
    from incoming.services import incoming_record_notice

    old = _locked_original(new.corrects_id)
    old.corrected_by = new
    old.save(update_fields=["corrected_by"])
    sender = old.organization.name
    told = []
    for recipient in _internal_copies(old):
        assert recipient.incoming is not None
        incoming_record_notice(
            actor=actor,
            document=recipient.incoming,
            action="corrected",
            note=f"{sender} đính chính văn bản bằng văn bản số {new.number_symbol}: {new.after_issue_reason}",
            title=f"Văn bản đến đã được đính chính bởi văn bản số {new.number_symbol}",
        )
        told.append(recipient.incoming.pk)
    _audit(
        old, actor, "corrected", {"corrected_by": new.pk, "number_symbol": new.number_symbol, "told": told}
    )
    _audit(new, actor, "corrects", {"corrects": old.pk, "number_symbol": old.number_symbol})
