"""The one door to a restricted document: each document kind registers how it is fetched for a user.

``document_get_for_user`` applies routing participation, organisation and secrecy clearance through the
kind's own getter, writes the read of a restricted document to the audit log, and answers NotFound
alike for missing and forbidden documents.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core import audit
from core.errors import NotFound
from documents.models import Attachment

Getter = Callable[..., Any]
_GETTERS: dict[str, Getter] = {}


def register_kind(kind: str, getter: Getter) -> None:
    _GETTERS[kind] = getter


READ_NEEDS = frozenset({"view", "file", "export"})


def record_read(user: Any, kind: str, doc: Any, need: str) -> None:
    """Every read of a restricted document (Mật and above) goes to the audit log."""
    if doc.is_restricted and need in READ_NEEDS:
        audit.record(
            actor=user,
            action=f"{kind}.read.{need}",
            target=doc,
            organization_id=doc.organization_id,
            data={"secrecy": doc.secrecy},
        )


def document_get_for_user(user: Any, kind: str, pk: int, *, need: str = "view") -> Any:
    getter = _GETTERS.get(kind)
    if getter is None:
        raise NotFound()
    return getter(user, pk, need=need)


def attachment_get_for_user(user: Any, attachment_id: int) -> tuple[Attachment, Any]:
    """An attachment and its owner document, only when the user may see the owner."""
    attachment = Attachment.objects.select_related("stored").filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound()
    owner = document_get_for_user(user, attachment.owner_kind, attachment.owner_id, need="file")
    return attachment, owner
