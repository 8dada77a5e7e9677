"""Annexes (phụ lục) in files of their own: added and removed by the drafter while the document is a
draft — frozen from submission on, so what the approvers saw is what is issued — and delivered with the
issued document to every recipient inside the installation."""

from __future__ import annotations

from django.db.models import Max

from core import files
from core.errors import InvalidInput, NotAllowed
from documents.models import Attachment
from orgs.models import User
from outgoing.models import Annex, OutgoingDocument
from outgoing.services import DRAFT_TYPES, _audit, _locked
from outgoing.states import check_transition

MAX_ANNEXES = 30


def _check_drafter(actor: User, doc: OutgoingDocument) -> None:
    if doc.drafter_id != actor.pk:
        raise NotAllowed("Chỉ người soạn thảo mới thêm, bỏ phụ lục.")


def annex_add(*, actor: User, document: OutgoingDocument, upload: tuple[str, bytes], title: str) -> Annex:
    title = title.strip()
    if not title:
        raise InvalidInput("Vui lòng nhập tên phụ lục.", details={"title": "trống"})
    with files.atomic_with_files():
        doc = _locked(document)
        _check_drafter(actor, doc)
        check_transition("change_annexes", doc.status)
        if doc.annexes.count() >= MAX_ANNEXES:
            raise InvalidInput(f"Một văn bản có tối đa {MAX_ANNEXES} phụ lục.", code="too_many_annexes")
        checked = files.validate(*upload, allowed=DRAFT_TYPES)
        position = (doc.annexes.aggregate(last=Max("position"))["last"] or 0) + 1
        attachment = Attachment.objects.create(
            stored=files.store(checked),
            name=checked.name,
            owner_kind="outgoing",
            owner_id=doc.pk,
            position=500 + position,
            uploaded_by=actor,
        )
        annex = Annex.objects.create(
            document=doc, attachment=attachment, title=title[:300], position=position, added_by=actor
        )
        _audit(doc, actor, "annex_add", {"annex": annex.pk, "title": annex.title, "sha256": checked.sha256})
    return annex


def annex_remove(*, actor: User, document: OutgoingDocument, annex_id: int) -> None:
    with files.atomic_with_files():
        doc = _locked(document)
        _check_drafter(actor, doc)
        check_transition("change_annexes", doc.status)
        annex = doc.annexes.filter(pk=annex_id).select_related("attachment__stored").first()
        if annex is None:
            raise InvalidInput("Phụ lục không tồn tại.", details={"annex_id": annex_id})
        sha256 = annex.attachment.stored.sha256
        attachment = annex.attachment
        annex.delete()
        attachment.delete()  # the blob stays (content-addressed, maybe shared); the sweep handles orphans
        _audit(doc, actor, "annex_remove", {"annex": annex_id, "sha256": sha256})
