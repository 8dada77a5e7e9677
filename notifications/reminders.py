"""Deadline reminders, in the app and by e-mail: near-due and overdue assignments (once a day each) and
review rounds about to close (once per reviewer, ``outgoing.reviews.send_review_reminders``) and signing
certificates about to expire (once per certificate and threshold, ``signing.reminders``) and dossiers due
for the archive in 30 days (once per due date, ``archive.reminders``)."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from archive.reminders import send_transfer_reminders
from incoming.models import Assignment
from incoming.selectors import near_due_limit
from incoming.states import OPEN_ASSIGNMENT, Status
from notifications.services import claim_reminder, notify_many
from orgs.selectors import today, unit_heads
from outgoing.reviews import send_review_reminders
from signing.reminders import send_certificate_reminders


def send_deadline_reminders(on: date | None = None) -> dict[str, int]:
    on = on or today()
    limit = near_due_limit(on)
    sent = {"near_due": 0, "overdue": 0}
    open_assignments = Assignment.objects.filter(
        status__in=OPEN_ASSIGNMENT,
        deadline__isnull=False,
        deadline__lte=limit,
        document__status=Status.IN_PROGRESS,
    ).select_related("document", "person", "unit")
    for assignment in open_assignments.iterator():
        kind = "overdue" if assignment.deadline and assignment.deadline < on else "near_due"
        with transaction.atomic():
            if not claim_reminder(assignment.pk, kind, on):
                continue
            people = (
                [assignment.person] if assignment.person_id else list(unit_heads(assignment.unit_id or 0))
            )
            deadline = f"{assignment.deadline:%d/%m/%Y}"
            title = (
                f"Văn bản đến đã quá hạn xử lý ({deadline})"
                if kind == "overdue"
                else f"Văn bản đến sắp đến hạn xử lý ({deadline})"
            )
            notify_many(people, assignment.document, title, kind=kind)
            sent[kind] += 1
    return sent


def send_reminders(on: date | None = None) -> dict[str, int]:
    """Every reminder due on ``on`` (idempotent): what the command and the in-process scheduler run."""
    sent = send_deadline_reminders(on)
    sent["review"] = send_review_reminders(on)
    sent["certificate"] = send_certificate_reminders(on)
    sent["archive_transfer"] = send_transfer_reminders(on)
    return sent
