"""Reads of the exchange: backlog counts, a recipient's current status, the clerk's arrivals."""

from __future__ import annotations

from typing import Any

from django.db import close_old_connections
from django.db.models import QuerySet

from exchange.edxml.codes import STATUS_LABELS, StatusCode
from exchange.models import ExchangeStatus, InboxMessage, OutboxMessage
from exchange.states import InState, Kind, OutState

# later codes win over earlier ones at the same Timestamp; 02/15/16 end the story
RANK = {"01": 1, "03": 2, "04": 3, "05": 4, "06": 5, "02": 6, "15": 6, "16": 6, "13": 0}


def backlog() -> dict[str, Any]:
    try:
        return {
            "outbox_pending": OutboxMessage.objects.filter(
                state__in=(OutState.PENDING, OutState.SENDING, OutState.AWAITING_FILE)
            ).count(),
            "outbox_failed": OutboxMessage.objects.filter(state=OutState.FAILED).count(),
            "inbox_packages": InboxMessage.objects.filter(kind=Kind.PACKAGE).count(),
            "inbox_arrived": InboxMessage.objects.filter(kind=Kind.PACKAGE, state=InState.ARRIVED).count(),
        }
    finally:
        close_old_connections()


def current_status(recipient_id: int) -> dict[str, Any] | None:
    """The recipient's latest status (by its Timestamp, ties by rank) and the history."""
    rows = list(ExchangeStatus.objects.filter(recipient_id=recipient_id).order_by("at", "id"))
    if not rows:
        return None
    latest = max(rows, key=lambda r: (r.at, RANK.get(r.code, 0)))
    return {
        "code": latest.code,
        "label": _label(latest.code),
        "description": latest.description,
        "at": latest.at,
        "history": [
            {"code": r.code, "label": _label(r.code), "description": r.description, "at": r.at} for r in rows
        ],
    }


def _label(code: str) -> str:
    try:
        return STATUS_LABELS[StatusCode(code)]
    except ValueError:
        return code


def delivery_of(recipient_id: int) -> dict[str, Any] | None:
    """How a package to an external recipient stands: the outbox state and the recipient's status."""
    message = (
        OutboxMessage.objects.filter(recipient_id=recipient_id, kind=Kind.PACKAGE).order_by("-id").first()
    )
    if message is None:
        return None
    return {
        "state": message.state,
        "state_label": OutState(message.state).label,
        "attempts": message.attempts,
        "last_error": message.last_error,
        "sent_at": message.sent_at,
        "status": current_status(recipient_id),
    }


def arrivals_for(organization_id: int) -> QuerySet[InboxMessage]:
    return InboxMessage.objects.filter(organization_id=organization_id, kind=Kind.PACKAGE)


def arrivals_for_orgs(organization_ids: set[int]) -> QuerySet[InboxMessage]:
    return InboxMessage.objects.filter(organization_id__in=organization_ids, kind=Kind.PACKAGE).order_by(
        "-received_at", "-id"
    )


def delivery_json(recipient_id: int) -> dict[str, Any] | None:
    """``delivery_of`` with its times as ISO strings (the API and the page's HTMX block)."""
    found = delivery_of(recipient_id)
    if found is None:
        return None

    def iso(value: Any) -> Any:
        return value.isoformat() if value is not None else None

    found["sent_at"] = iso(found["sent_at"])
    status = found["status"]
    if status is not None:
        status["at"] = iso(status["at"])
        for item in status["history"]:
            item["at"] = iso(item["at"])
    return found
