"""Transfer reminders (PL-VI Part I.III 5b): 30 days before a closed dossier is due for the archive, its
organisation's clerks and the dossier's creator are told, in the app and by e-mail, once per due date
(``Dossier.transfer_reminded_for``, claimed by a conditional UPDATE, so two runs never remind twice; a
due date moved later is reminded again). Run by ``notifications.reminders.send_reminders``."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse

from archive.models import Dossier
from archive.states import DossierStatus
from notifications.services import notify_users
from orgs.models import Role
from orgs.selectors import people_with_roles, today, working_lineage_ids

LEAD_DAYS = 30


def send_transfer_reminders(on: date | None = None) -> int:
    on = on or today()
    due = (
        Dossier.objects.filter(
            status=DossierStatus.CLOSED,
            transfer_due__isnull=False,
            transfer_due__lte=on + timedelta(LEAD_DAYS),
        )
        .filter(Q(transfer_reminded_for__isnull=True) | ~Q(transfer_reminded_for=F("transfer_due")))
        .select_related("creator")
    )
    sent = 0
    for dossier in due.iterator():
        with transaction.atomic():
            claimed = (
                Dossier.objects.filter(pk=dossier.pk, transfer_due=dossier.transfer_due)
                .filter(Q(transfer_reminded_for__isnull=True) | ~Q(transfer_reminded_for=F("transfer_due")))
                .update(transfer_reminded_for=F("transfer_due"))
            )
            if not claimed:
                continue
            people = list(people_with_roles({Role.CLERK}, working_lineage_ids(dossier.organization_id)))
            people.append(dossier.creator)
            label = dossier.code if dossier.secrecy == "none" else f"{dossier.code} (hồ sơ mật)"
            title = f" “{dossier.title}”" if dossier.secrecy == "none" else ""
            when = f"{dossier.transfer_due:%d/%m/%Y}"
            verb = (
                "đã quá hạn nộp lưu"
                if dossier.transfer_due and dossier.transfer_due < on
                else "sắp đến hạn nộp lưu"
            )
            text = f"Hồ sơ {label}{title} {verb} ({when}): chuẩn bị giao nộp Lưu trữ cơ quan"
            notify_users(
                people, text, reverse("web:dossier_detail", args=[dossier.pk]), kind="archive_transfer"
            )
            sent += 1
    return sent
